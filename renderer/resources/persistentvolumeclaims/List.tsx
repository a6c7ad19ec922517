import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { PvcDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  statusCol((p) => p.status?.phase ?? 'Pending', '110px'),
  textCol('volume', 'Volume', 'minmax(120px, 1.5fr)', (p) => p.spec?.volumeName, { dim: true }),
  textCol('capacity', 'Capacity', '90px', (p) => p.status?.capacity?.storage ?? p.spec?.resources?.requests?.storage),
  textCol('access', 'Access modes', '120px', (p) => (p.spec?.accessModes ?? []).join(','), { dim: true }),
  textCol('class', 'Storage class', '120px', (p) => p.spec?.storageClassName, { dim: true }),
  ageCol,
];

export default function PvcList() {
  return <ResourceListPage kind={kindByKey('persistentvolumeclaims')} columns={columns} Details={PvcDetails} />;
}
