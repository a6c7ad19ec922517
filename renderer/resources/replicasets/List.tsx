import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { ReplicaSetDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('desired', 'Desired', '80px', (d) => d.spec?.replicas ?? 1, { align: 'right' }),
  textCol('current', 'Current', '80px', (d) => d.status?.replicas ?? 0, { align: 'right' }),
  textCol('ready', 'Ready', '70px', (d) => d.status?.readyReplicas ?? 0, { align: 'right' }),
  textCol('owner', 'Owner', 'minmax(120px, 1fr)', (d) => (d.metadata.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}`).join(', '), { dim: true }),
  ageCol,
];

export default function ReplicaSetsList() {
  return <ResourceListPage kind={kindByKey('replicasets')} columns={columns} Details={ReplicaSetDetails} />;
}
