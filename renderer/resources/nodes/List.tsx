import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { nodeReady } from '../../lib/format';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { NodeDetails } from './Details';

export function nodeRoles(n: KubeObject): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.join(',') : '<none>';
}

export function internalIp(n: KubeObject): string {
  return ((n.status?.addresses ?? []) as { type: string; address: string }[]).find((a) => a.type === 'InternalIP')?.address ?? '';
}

const columns: Column[] = [
  nameCol(),
  statusCol(nodeReady, '190px'),
  textCol('roles', 'Roles', '110px', nodeRoles, { dim: true }),
  textCol('version', 'Version', '120px', (n) => n.status?.nodeInfo?.kubeletVersion, { dim: true }),
  textCol('ip', 'Internal IP', '120px', internalIp, { dim: true }),
  textCol('cpu', 'CPU', '70px', (n) => n.status?.allocatable?.cpu, { align: 'right' }),
  textCol('memory', 'Memory', '90px', (n) => n.status?.allocatable?.memory, { align: 'right' }),
  ageCol,
];

export default function NodesList() {
  return <ResourceListPage kind={kindByKey('nodes')} columns={columns} Details={NodeDetails} />;
}
