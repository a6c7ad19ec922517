import type { DetailsProps } from '../../components/Details';
import { WorkloadDetails } from '../workload';
import { jobDuration } from './List';

export function JobDetails(p: DetailsProps) {
  const s = p.obj.spec ?? {};
  const st = p.obj.status ?? {};
  return (
    <WorkloadDetails
      {...p}
      rows={[
        ['Completions', `${st.succeeded ?? 0} succeeded / ${s.completions ?? 1} wanted · ${st.failed ?? 0} failed · ${st.active ?? 0} active`],
        ['Parallelism', s.parallelism ?? 1],
        ['Backoff limit', s.backoffLimit ?? 6],
        ['Duration', jobDuration(p.obj)],
      ]}
    />
  );
}
