import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { SecretDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('type', 'Type', 'minmax(140px, 1.5fr)', (s) => (s.type as string | undefined) ?? 'Opaque', { dim: true }),
  textCol('data', 'Data', '70px', (s) => Object.keys(s.data ?? {}).length, { align: 'right' }),
  ageCol,
];

export default function SecretsList() {
  return <ResourceListPage kind={kindByKey('secrets')} columns={columns} Details={SecretDetails} />;
}
