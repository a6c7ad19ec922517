import type { DetailsProps } from '../../components/Details';
import { WorkloadDetails } from '../workload';

export function ReplicaSetDetails(p: DetailsProps) {
  const st = p.obj.status ?? {};
  return (
    <WorkloadDetails
      {...p}
      rows={[
        ['Replicas', `${st.readyReplicas ?? 0} ready / ${p.obj.spec?.replicas ?? 1} desired`],
        ['Revision', p.obj.metadata.annotations?.['deployment.kubernetes.io/revision']],
      ]}
    />
  );
}
