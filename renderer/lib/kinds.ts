/**
 * The kinds the dashboard has views for: API coordinates, scope, and where they sit in the
 * sidebar. Other kinds (CRDs) are reached through discovery (api.ts `resolveKind`).
 */
export type Section = 'Cluster' | 'Workloads' | 'Config' | 'Network' | 'Storage';

export interface KindInfo {
  /** Route and query-key id: the plural. */
  key: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  title: string;
  section: Section;
  /** Has a `scale` subresource. */
  scalable?: boolean;
  /** Has a pod template (restart/rollback/workload logs). */
  templated?: boolean;
}

const k = (key: string, group: string, version: string, kind: string, namespaced: boolean, title: string, section: Section, extra: Partial<KindInfo> = {}): KindInfo => ({
  key,
  group,
  version,
  kind,
  plural: key,
  namespaced,
  title,
  section,
  ...extra,
});

export const KINDS: KindInfo[] = [
  k('nodes', '', 'v1', 'Node', false, 'Nodes', 'Cluster'),
  k('namespaces', '', 'v1', 'Namespace', false, 'Namespaces', 'Cluster'),
  k('events', '', 'v1', 'Event', true, 'Events', 'Cluster'),
  k('pods', '', 'v1', 'Pod', true, 'Pods', 'Workloads'),
  k('deployments', 'apps', 'v1', 'Deployment', true, 'Deployments', 'Workloads', { scalable: true, templated: true }),
  k('statefulsets', 'apps', 'v1', 'StatefulSet', true, 'StatefulSets', 'Workloads', { scalable: true, templated: true }),
  k('daemonsets', 'apps', 'v1', 'DaemonSet', true, 'DaemonSets', 'Workloads', { templated: true }),
  k('replicasets', 'apps', 'v1', 'ReplicaSet', true, 'ReplicaSets', 'Workloads', { scalable: true, templated: true }),
  k('jobs', 'batch', 'v1', 'Job', true, 'Jobs', 'Workloads', { templated: true }),
  k('cronjobs', 'batch', 'v1', 'CronJob', true, 'CronJobs', 'Workloads'),
  k('configmaps', '', 'v1', 'ConfigMap', true, 'ConfigMaps', 'Config'),
  k('secrets', '', 'v1', 'Secret', true, 'Secrets', 'Config'),
  k('horizontalpodautoscalers', 'autoscaling', 'v2', 'HorizontalPodAutoscaler', true, 'HPAs', 'Config'),
  k('resourcequotas', '', 'v1', 'ResourceQuota', true, 'Resource Quotas', 'Config'),
  k('limitranges', '', 'v1', 'LimitRange', true, 'Limit Ranges', 'Config'),
  k('poddisruptionbudgets', 'policy', 'v1', 'PodDisruptionBudget', true, 'Pod Disruption Budgets', 'Config'),
  k('services', '', 'v1', 'Service', true, 'Services', 'Network'),
  k('endpoints', '', 'v1', 'Endpoints', true, 'Endpoints', 'Network'),
  k('ingresses', 'networking.k8s.io', 'v1', 'Ingress', true, 'Ingresses', 'Network'),
  k('networkpolicies', 'networking.k8s.io', 'v1', 'NetworkPolicy', true, 'Network Policies', 'Network'),
  k('persistentvolumeclaims', '', 'v1', 'PersistentVolumeClaim', true, 'PVCs', 'Storage'),
  k('persistentvolumes', '', 'v1', 'PersistentVolume', false, 'PVs', 'Storage'),
  k('storageclasses', 'storage.k8s.io', 'v1', 'StorageClass', false, 'Storage Classes', 'Storage'),
];

export const KIND_BY_KEY = new Map(KINDS.map((x) => [x.key, x]));
export const KIND_BY_KIND = new Map(KINDS.map((x) => [x.kind, x]));

export function kindByKey(key: string): KindInfo {
  const x = KIND_BY_KEY.get(key);
  if (!x) throw new Error(`unknown kind ${key}`);
  return x;
}

export function apiVersionOf(k: KindInfo): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The kind for an apiVersion+kind pair (ignoring version differences within a group). */
export function kindFor(apiVersion: string | undefined, kind: string | undefined): KindInfo | undefined {
  if (!kind) return undefined;
  const x = KIND_BY_KIND.get(kind);
  if (!x) return undefined;
  const group = apiVersion?.includes('/') ? apiVersion.split('/')[0] : '';
  return x.group === group ? x : undefined;
}
