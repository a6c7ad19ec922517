import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { StatefulSetDetails } from './Details';
import { images } from '../workload';

const columns: Column[] = [
  nameCol(),
  textCol('ready', 'Ready', '80px', (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`),
  textCol('service', 'Service', 'minmax(100px, 1fr)', (d) => d.spec?.serviceName, { dim: true }),
  textCol('images', 'Images', 'minmax(120px, 1.5fr)', images, { dim: true }),
  ageCol,
];

export default function StatefulSetsList() {
  return <ResourceListPage kind={kindByKey('statefulsets')} columns={columns} Details={StatefulSetDetails} />;
}
