import type { DetailsProps } from '../../components/Details';
import { WorkloadDetails } from '../workload';

export function DaemonSetDetails(p: DetailsProps) {
  const st = p.obj.status ?? {};
  return (
    <WorkloadDetails
      {...p}
      rows={[
        ['Scheduled', `${st.currentNumberScheduled ?? 0} of ${st.desiredNumberScheduled ?? 0} nodes`],
        ['Ready', `${st.numberReady ?? 0}`],
        ['Update strategy', p.obj.spec?.updateStrategy?.type ?? 'RollingUpdate'],
      ]}
    />
  );
}
