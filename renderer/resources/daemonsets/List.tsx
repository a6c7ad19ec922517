import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { DaemonSetDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('desired', 'Desired', '80px', (d) => d.status?.desiredNumberScheduled ?? 0, { align: 'right' }),
  textCol('current', 'Current', '80px', (d) => d.status?.currentNumberScheduled ?? 0, { align: 'right' }),
  textCol('ready', 'Ready', '70px', (d) => d.status?.numberReady ?? 0, { align: 'right' }),
  textCol('available', 'Available', '85px', (d) => d.status?.numberAvailable ?? 0, { align: 'right' }),
  textCol('selector', 'Node selector', 'minmax(100px, 1fr)', (d) => Object.entries(d.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(','), { dim: true }),
  ageCol,
];

export default function DaemonSetsList() {
  return <ResourceListPage kind={kindByKey('daemonsets')} columns={columns} Details={DaemonSetDetails} />;
}
