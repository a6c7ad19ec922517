import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { Labels } from '../../components/Status';
import { NamespaceDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  statusCol((n) => n.status?.phase ?? 'Active', '110px'),
  { id: 'labels', title: 'Labels', width: 'minmax(160px, 3fr)', cell: (n) => <Labels labels={n.metadata.labels} max={3} /> },
  ageCol,
];

export default function NamespacesList() {
  return <ResourceListPage kind={kindByKey('namespaces')} columns={columns} Details={NamespaceDetails} />;
}
