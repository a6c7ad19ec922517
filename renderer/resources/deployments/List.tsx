import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { DeploymentDetails } from './Details';
import { images } from '../workload';
import { DeploymentStatusCell } from '../../components/Progress';

export function deploymentStatus(d: KubeObject): string {
  const want = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  if (d.metadata.deletionTimestamp) return 'Terminating';
  if (want === 0) return 'Scaled to 0';
  const prog = (d.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
  if (prog?.reason === 'ProgressDeadlineExceeded') return 'Failed';
  if (ready >= want && (d.status?.updatedReplicas ?? 0) >= want) return 'Available';
  return 'Progressing';
}

const columns: Column[] = [
  nameCol(),
  textCol('ready', 'Ready', '80px', (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`),
  textCol('uptodate', 'Up-to-date', '95px', (d) => d.status?.updatedReplicas ?? 0, { align: 'right' }),
  textCol('available', 'Available', '90px', (d) => d.status?.availableReplicas ?? 0, { align: 'right' }),
  { ...statusCol(deploymentStatus, '170px'), cell: (d) => <DeploymentStatusCell d={d} status={deploymentStatus(d)} /> },
  textCol('images', 'Images', 'minmax(120px, 1.5fr)', images, { dim: true }),
  ageCol,
];

export default function DeploymentsList() {
  return <ResourceListPage kind={kindByKey('deployments')} columns={columns} Details={DeploymentDetails} />;
}
