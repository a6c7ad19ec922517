import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { LimitRangeDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('types', 'Types', 'minmax(160px, 2fr)', (l) => ((l.spec?.limits ?? []) as { type?: string }[]).map((x) => x.type ?? '?').join(', '), { dim: true }),
  ageCol,
];

export default function LimitRangesList() {
  return <ResourceListPage kind={kindByKey('limitranges')} columns={columns} Details={LimitRangeDetails} />;
}
