import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { PvDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('capacity', 'Capacity', '90px', (p) => p.spec?.capacity?.storage),
  textCol('access', 'Access modes', '110px', (p) => (p.spec?.accessModes ?? []).join(','), { dim: true }),
  textCol('reclaim', 'Reclaim', '90px', (p) => p.spec?.persistentVolumeReclaimPolicy, { dim: true }),
  statusCol((p) => p.status?.phase ?? 'Pending', '110px'),
  textCol('claim', 'Claim', 'minmax(120px, 1.5fr)', (p) => (p.spec?.claimRef ? `${p.spec.claimRef.namespace}/${p.spec.claimRef.name}` : ''), { dim: true }),
  textCol('class', 'Storage class', '120px', (p) => p.spec?.storageClassName, { dim: true }),
  ageCol,
];

export default function PvList() {
  return <ResourceListPage kind={kindByKey('persistentvolumes')} columns={columns} Details={PvDetails} />;
}
