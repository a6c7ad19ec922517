import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { Age } from '../../components/Status';
import { CronJobDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('schedule', 'Schedule', '130px', (c) => c.spec?.schedule),
  textCol('suspend', 'Suspend', '80px', (c) => String(!!c.spec?.suspend)),
  textCol('active', 'Active', '70px', (c) => (c.status?.active ?? []).length, { align: 'right' }),
  { id: 'last', title: 'Last schedule', width: '110px', align: 'right', className: 'dim', cell: (c) => (c.status?.lastScheduleTime ? <Age ts={c.status.lastScheduleTime} /> : '—'), sort: (c) => c.status?.lastScheduleTime ?? '' },
  ageCol,
];

export default function CronJobsList() {
  return <ResourceListPage kind={kindByKey('cronjobs')} columns={columns} Details={CronJobDetails} />;
}
