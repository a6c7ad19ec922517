import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { JobDetails } from './Details';

export function jobStatus(j: KubeObject): string {
  const conds: { type: string; status: string }[] = j.status?.conditions ?? [];
  if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conds.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  if (j.spec?.suspend) return 'Suspended';
  return (j.status?.active ?? 0) > 0 ? 'Running' : 'Pending';
}

export function jobDuration(j: KubeObject): string {
  const s = j.status?.startTime ? Date.parse(j.status.startTime) : NaN;
  if (!Number.isFinite(s)) return '';
  const e = j.status?.completionTime ? Date.parse(j.status.completionTime) : Date.now();
  const secs = Math.round((e - s) / 1000);
  return secs < 60 ? `${secs}s` : secs < 3600 ? `${Math.floor(secs / 60)}m${secs % 60}s` : `${Math.floor(secs / 3600)}h${Math.floor((secs % 3600) / 60)}m`;
}

const columns: Column[] = [
  nameCol(),
  textCol('completions', 'Completions', '100px', (j) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}`),
  statusCol(jobStatus, '120px'),
  textCol('duration', 'Duration', '90px', jobDuration, { dim: true }),
  ageCol,
];

export default function JobsList() {
  return <ResourceListPage kind={kindByKey('jobs')} columns={columns} Details={JobDetails} />;
}
