/**
 * Object actions as the dashboard performs them — each one a Kubernetes API call (or a few),
 * the same calls kubectl makes: scale via the scale subresource, `rollout restart` as a
 * template annotation patch, rollback to the previous ReplicaSet's template, a CronJob run as a
 * Job created from its template, cordon as `spec.unschedulable`, drain as cordon + evictions.
 */
import { ApiError, create, patch, remove, request } from './api';
import { kindByKey, type KindInfo } from './kinds';
import type { KubeObject } from './listState';

export async function scale(ctx: string, kind: KindInfo, ns: string | undefined, name: string, replicas: number): Promise<void> {
  try {
    await patch(ctx, kind, ns, name, { spec: { replicas } }, 'merge', 'scale');
  } catch (e) {
    if (e instanceof ApiError && (e.code === 404 || e.code === 405)) await patch(ctx, kind, ns, name, { spec: { replicas } }, 'merge');
    else throw e;
  }
}

export async function restart(ctx: string, kind: KindInfo, ns: string | undefined, name: string): Promise<void> {
  const restartedAt = new Date().toISOString();
  await patch(ctx, kind, ns, name, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } }, 'strategic');
}

const REVISION = 'deployment.kubernetes.io/revision';

/** Rolls a Deployment back to the ReplicaSet template of the previous revision. Returns it. */
export async function rollback(ctx: string, ns: string, name: string): Promise<number> {
  const deps = kindByKey('deployments');
  const dep = await request<KubeObject>(ctx, `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(name)}`);
  const rsList = await request<{ items: KubeObject[] }>(ctx, `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets`);
  const owned = rsList.items
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.uid === dep.metadata.uid))
    .map((rs) => ({ rs, rev: Number(rs.metadata.annotations?.[REVISION] ?? 0) }))
    .sort((a, b) => b.rev - a.rev);
  const current = Number(dep.metadata.annotations?.[REVISION] ?? owned[0]?.rev ?? 0);
  const prev = owned.find((x) => x.rev < current);
  if (!prev) throw new Error('no previous revision to roll back to');
  const template = structuredClone(prev.rs.spec.template) as { metadata?: { labels?: Record<string, string> } };
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  await patch(ctx, deps, ns, name, [{ op: 'replace', path: '/spec/template', value: template }], 'json');
  return prev.rev;
}

/** `kubectl create job --from=cronjob/NAME`. Returns the Job's name. */
export async function triggerCronJob(ctx: string, cj: KubeObject): Promise<string> {
  const suffix = Math.floor(Date.now() / 1000).toString(36);
  const base = cj.metadata.name.slice(0, 52 - suffix.length);
  const name = `${base}-manual-${suffix}`;
  const tmpl = cj.spec?.jobTemplate ?? {};
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: tmpl.metadata?.labels,
      annotations: { ...(tmpl.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid ?? '', controller: true }],
    },
    spec: tmpl.spec,
  };
  await create(ctx, kindByKey('jobs'), cj.metadata.namespace, job);
  return name;
}

export async function setSuspend(ctx: string, cj: KubeObject, suspend: boolean): Promise<void> {
  await patch(ctx, kindByKey('cronjobs'), cj.metadata.namespace, cj.metadata.name, { spec: { suspend } });
}

export async function cordon(ctx: string, node: string, unschedulable: boolean): Promise<void> {
  await patch(ctx, kindByKey('nodes'), undefined, node, { spec: { unschedulable: unschedulable || null } });
}

/**
 * `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`: cordon, then evict every pod
 * on the node except DaemonSet and mirror pods. Returns the evicted pods.
 */
export async function drain(ctx: string, node: string): Promise<string[]> {
  await cordon(ctx, node, true);
  const pods = await request<{ items: KubeObject[] }>(ctx, `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
  const evicted: string[] = [];
  for (const p of pods.items) {
    const ds = (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
    const mirror = !!p.metadata.annotations?.['kubernetes.io/config.mirror'];
    const done = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (ds || mirror || done) continue;
    const ns = p.metadata.namespace ?? 'default';
    try {
      await request(ctx, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(p.metadata.name)}/eviction`, {
        method: 'POST',
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: ns } },
      });
    } catch (e) {
      if (e instanceof ApiError && (e.code === 404 || e.code === 405)) await remove(ctx, kindByKey('pods'), ns, p.metadata.name);
      else throw e;
    }
    evicted.push(`${ns}/${p.metadata.name}`);
  }
  return evicted;
}
