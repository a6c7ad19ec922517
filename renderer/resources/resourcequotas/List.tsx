import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { ResourceQuotaDetails } from './Details';

/** kubectl's REQUEST / LIMIT columns: "name: used/hard" for the tracked resources. */
export function quotaSummary(q: KubeObject, pick: (resource: string) => boolean): string {
  const hard = (q.status?.hard ?? q.spec?.hard ?? {}) as Record<string, string>;
  const used = (q.status?.used ?? {}) as Record<string, string>;
  return Object.keys(hard)
    .filter(pick)
    .sort()
    .map((r) => `${r}: ${used[r] ?? '0'}/${hard[r]}`)
    .join(', ');
}

const isLimit = (r: string) => r.startsWith('limits.');

const columns: Column[] = [
  nameCol(),
  textCol('request', 'Request', 'minmax(180px, 2fr)', (q) => quotaSummary(q, (r) => !isLimit(r)), { dim: true }),
  textCol('limit', 'Limit', 'minmax(160px, 1.5fr)', (q) => quotaSummary(q, isLimit), { dim: true }),
  ageCol,
];

export default function ResourceQuotasList() {
  return <ResourceListPage kind={kindByKey('resourcequotas')} columns={columns} Details={ResourceQuotaDetails} />;
}
