import type { DetailsProps } from '../../components/Details';
import { WorkloadDetails } from '../workload';

export function StatefulSetDetails(p: DetailsProps) {
  const s = p.obj.spec ?? {};
  const st = p.obj.status ?? {};
  return (
    <WorkloadDetails
      {...p}
      rows={[
        ['Replicas', `${st.readyReplicas ?? 0} ready / ${s.replicas ?? 1} desired`],
        ['Service', s.serviceName],
        ['Pod management', s.podManagementPolicy ?? 'OrderedReady'],
        ['Update strategy', s.updateStrategy?.type ?? 'RollingUpdate'],
      ]}
    />
  );
}
