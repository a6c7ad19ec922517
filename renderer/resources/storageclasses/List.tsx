import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { StorageClassDetails } from './Details';

export const isDefaultClass = (s: KubeObject) => s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';

const columns: Column[] = [
  { ...nameCol(), cell: (s) => <span>{s.metadata.name}{isDefaultClass(s) ? <span className="muted"> (default)</span> : null}</span> },
  textCol('provisioner', 'Provisioner', 'minmax(140px, 2fr)', (s) => s.provisioner as string, { dim: true }),
  textCol('reclaim', 'Reclaim policy', '120px', (s) => (s.reclaimPolicy as string) ?? 'Delete'),
  textCol('binding', 'Binding mode', '150px', (s) => (s.volumeBindingMode as string) ?? 'Immediate', { dim: true }),
  ageCol,
];

export default function StorageClassesList() {
  return <ResourceListPage kind={kindByKey('storageclasses')} columns={columns} Details={StorageClassDetails} />;
}
