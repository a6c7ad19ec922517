import type { DetailsProps } from '../../components/Details';
import { RolloutSection } from '../../components/Progress';
import { WorkloadDetails } from '../workload';

export function DeploymentDetails(p: DetailsProps) {
  const s = p.obj.spec ?? {};
  const st = p.obj.status ?? {};
  return (
    <WorkloadDetails
      {...p}
      rows={[
        ['Replicas', `${st.readyReplicas ?? 0} ready / ${s.replicas ?? 1} desired · ${st.updatedReplicas ?? 0} up-to-date · ${st.availableReplicas ?? 0} available`],
        ['Strategy', s.strategy?.type ?? 'RollingUpdate'],
        ['Revision', p.obj.metadata.annotations?.['deployment.kubernetes.io/revision']],
      ]}
    >
      <RolloutSection ctx={p.ctx} obj={p.obj} />
    </WorkloadDetails>
  );
}
