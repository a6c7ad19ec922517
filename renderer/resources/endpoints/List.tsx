import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { EndpointsDetails } from './Details';

type Subset = { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[]; ports?: { port: number }[] };

export function endpointsText(e: KubeObject): string {
  const subsets = (e.subsets ?? []) as Subset[];
  const out: string[] = [];
  for (const s of subsets) for (const a of s.addresses ?? []) for (const p of s.ports ?? [{ port: 0 }]) out.push(p.port ? `${a.ip}:${p.port}` : a.ip);
  return out.length > 4 ? `${out.slice(0, 4).join(', ')} + ${out.length - 4} more` : out.join(', ');
}

const columns: Column[] = [nameCol(), textCol('endpoints', 'Endpoints', 'minmax(200px, 3fr)', endpointsText, { dim: true }), ageCol];

export default function EndpointsList() {
  return <ResourceListPage kind={kindByKey('endpoints')} columns={columns} Details={EndpointsDetails} />;
}
