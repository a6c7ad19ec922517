import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { ServiceDetails } from './Details';

export function servicePorts(s: KubeObject): string {
  return ((s.spec?.ports ?? []) as { port: number; nodePort?: number; protocol?: string }[]).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');
}

export function externalIp(s: KubeObject): string {
  const lb = ((s.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[]).map((i) => i.ip ?? i.hostname);
  const ext = (s.spec?.externalIPs ?? []) as string[];
  const all = [...lb, ...ext].filter(Boolean);
  return all.length ? all.join(',') : s.spec?.type === 'LoadBalancer' ? '<pending>' : '';
}

const columns: Column[] = [
  nameCol(),
  textCol('type', 'Type', '110px', (s) => s.spec?.type ?? 'ClusterIP'),
  textCol('clusterip', 'Cluster IP', '120px', (s) => s.spec?.clusterIP, { dim: true }),
  textCol('external', 'External IP', '120px', externalIp, { dim: true }),
  textCol('ports', 'Ports', 'minmax(110px, 1fr)', servicePorts, { dim: true }),
  textCol('selector', 'Selector', 'minmax(110px, 1fr)', (s) => Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(','), { dim: true }),
  ageCol,
];

export default function ServicesList() {
  return <ResourceListPage kind={kindByKey('services')} columns={columns} Details={ServiceDetails} />;
}
