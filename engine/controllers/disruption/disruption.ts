/**
 * The disruption controller (upstream pkg/controller/disruption/disruption.go): keeps the
 * status of each policy/v1 PodDisruptionBudget — how many selected pods are healthy
 * (currentHealthy), how many must stay so (desiredHealthy), how many the owning controllers
 * expect (expectedPods), and so how many may be disrupted now (disruptionsAllowed), with the
 * DisruptionAllowed condition. The eviction subresource (engine/apiserver/eviction.ts) spends that allowance
 * and records each evicted pod in status.disruptedPods; this controller forgets entries whose
 * pod is gone or which are older than two minutes (the eviction never happened).
 *
 * expectedPods (for maxUnavailable or a percentage minAvailable) comes from the pods'
 * controllers: a ReplicaSet's Deployment, a ReplicaSet, ReplicationController or StatefulSet
 * spec.replicas, else any kind with a scale subresource — counted once per controller.
 *
 * The kind is optional: if the registry does not serve policy/v1 PodDisruptionBudget the
 * controller does nothing.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { Controller, isNotFound, metaTime, parseTime, startDeferred } from '../shared/controller.js';
import { scaledValue } from '../shared/intstr.js';
import { getControllerOf, groupOf } from '../shared/ownerrefs.js';
import { isPodReady, type Pod } from '../shared/pods.js';
import { pdbSelects as selects, type PodDisruptionBudget } from '../../api/resources/policy.js';

/** upstream DeletionTimeout: an eviction not followed by a deletion within this is forgotten. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

// The PodDisruptionBudget type lives with the API (engine/api/resources/policy.ts); the eviction
// subresource (engine/apiserver/eviction.ts) reads it too.
export type { PodDisruptionBudget } from '../../api/resources/policy.js';

/** The ResourceDef the registry needs to serve PodDisruptionBudgets (see the report). */
export const PDB_RESOURCE = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  hasStatus: true,
  subresources: ['status' as const],
};

export class DisruptionController extends Controller {
  private pdbInformer: Informer<PodDisruptionBudget> | undefined;
  private podInformer!: Informer<Pod>;
  private pdbClient: ResourceClient<PodDisruptionBudget> | undefined;

  constructor(ctx: EngineContext) {
    super(ctx, 'disruption-controller');
  }

  /** Whether this engine serves PodDisruptionBudgets at all. */
  get enabled(): boolean {
    return this.ctx.registry.byGroupKind('policy', 'PodDisruptionBudget') !== undefined;
  }

  protected register(): boolean {
    if (!this.enabled) return false;
    this.pdbClient = this.ctx.client.resource<PodDisruptionBudget>('policy', 'PodDisruptionBudget');
    this.pdbInformer = this.informer<PodDisruptionBudget>('policy', 'PodDisruptionBudget');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.pdbInformer.addHandler({
      add: (p) => this.worker.enqueue(keyOf(p)),
      update: (_o, p) => this.worker.enqueue(keyOf(p)),
      delete: () => {},
    });
    const podChanged = (pod: Pod) => {
      for (const pdb of this.pdbsFor(pod)) this.worker.enqueue(keyOf(pdb));
    };
    this.podInformer.addHandler({
      add: podChanged,
      update: (o, p) => {
        podChanged(p);
        if (JSON.stringify(canonical(o.metadata.labels ?? {})) !== JSON.stringify(canonical(p.metadata.labels ?? {}))) podChanged(o);
      },
      delete: podChanged,
    });
    return true;
  }

  private pdbsFor(pod: Pod): PodDisruptionBudget[] {
    if (!this.pdbInformer) return [];
    return this.pdbInformer.list(pod.metadata.namespace).filter((pdb) => selects(pdb, pod));
  }

  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const pdb = this.pdbInformer?.get(namespace, name);
    if (!pdb || !this.pdbClient) return;
    const pods = this.podInformer.list(namespace).filter((p) => selects(pdb, p));
    const now = this.ctx.clock.now();
    let status: NonNullable<PodDisruptionBudget['status']>;
    try {
      const { expectedCount, desiredHealthy } = this.desired(pdb, pods);
      const { disruptedPods, recheckMs } = this.buildDisruptedPods(pdb, pods, now.getTime());
      const currentHealthy = countHealthy(pods, disruptedPods, now.getTime());
      let allowed = currentHealthy - desiredHealthy;
      if (expectedCount <= 0 || allowed <= 0) allowed = 0;
      status = {
        currentHealthy,
        desiredHealthy,
        expectedPods: expectedCount,
        disruptionsAllowed: allowed,
        ...(Object.keys(disruptedPods).length ? { disruptedPods } : {}),
        ...(pdb.metadata.generation ? { observedGeneration: pdb.metadata.generation } : {}),
      };
      status.conditions = condition(pdb, allowed > 0 ? 'True' : 'False', allowed > 0 ? 'SufficientPods' : 'InsufficientPods', '', now);
      if (recheckMs !== undefined) this.requeueAfter(key, recheckMs);
    } catch (e) {
      // upstream failSafe: nothing may be disrupted while the budget cannot be computed.
      status = { ...(pdb.status ?? {}), disruptionsAllowed: 0, ...(pdb.metadata.generation ? { observedGeneration: pdb.metadata.generation } : {}) };
      status.conditions = condition(pdb, 'False', 'SyncFailed', (e as Error).message, now);
    }
    if (JSON.stringify(canonical(status)) === JSON.stringify(canonical(pdb.status ?? {}))) return;
    const copy = clone(pdb);
    copy.status = status;
    try {
      this.pdbClient.updateStatus(copy);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** getExpectedPodCount. */
  private desired(pdb: PodDisruptionBudget, pods: Pod[]): { expectedCount: number; desiredHealthy: number } {
    const spec = pdb.spec ?? {};
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      const expectedCount = this.expectedScale(pods);
      const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
    }
    const min = spec.minAvailable;
    if (typeof min === 'number') return { expectedCount: pods.length, desiredHealthy: min };
    if (typeof min === 'string') {
      const expectedCount = this.expectedScale(pods);
      return { expectedCount, desiredHealthy: scaledValue(min, expectedCount, true) };
    }
    return { expectedCount: pods.length, desiredHealthy: 0 };
  }

  /** getExpectedScale: the replicas of every controller of the pods, each counted once. */
  private expectedScale(pods: Pod[]): number {
    const seen = new Map<string, number>();
    for (const pod of pods) {
      const ref = getControllerOf(pod);
      if (!ref) throw new Error(`found no controller ref for pod "${pod.metadata.name}"`);
      let owner = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
      let obj = this.getOwner(pod.metadata.namespace as string, owner);
      if (obj && ref.kind === 'ReplicaSet' && groupOf(ref.apiVersion) === 'apps') {
        // A Deployment's ReplicaSet: the Deployment's replicas count (finders order).
        const dref = getControllerOf(obj);
        if (dref && dref.kind === 'Deployment') {
          const dep = this.getOwner(pod.metadata.namespace as string, dref);
          if (dep) {
            owner = { apiVersion: dref.apiVersion, kind: dref.kind, name: dref.name, uid: dref.uid };
            obj = dep;
          }
        }
      }
      if (!obj) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      if (seen.has(owner.uid)) continue;
      const replicas = isPlainObject(obj.spec) && typeof obj.spec.replicas === 'number' ? obj.spec.replicas : 1;
      seen.set(owner.uid, replicas);
    }
    let n = 0;
    for (const v of seen.values()) n += v;
    return n;
  }

  private getOwner(namespace: string, ref: { apiVersion: string; kind: string; name: string; uid: string }): KubeObject | undefined {
    const def = this.ctx.registry.byApiVersionKind(ref.apiVersion, ref.kind) ?? this.ctx.registry.byGroupKind(groupOf(ref.apiVersion), ref.kind);
    if (!def || (!def.scale && !(def.subresources ?? []).includes('scale'))) return undefined;
    const o = this.ctx.client.resource(def.group, def.kind).get(namespace, ref.name);
    return o && o.metadata.uid === ref.uid ? o : undefined;
  }

  /** buildDisruptedPodMap: entries for pods still present and evicted less than 2 min ago. */
  private buildDisruptedPods(pdb: PodDisruptionBudget, pods: Pod[], nowMs: number): { disruptedPods: Record<string, string>; recheckMs?: number } {
    const prev = pdb.status?.disruptedPods ?? {};
    const out: Record<string, string> = {};
    let recheck: number | undefined;
    const byName = new Map(pods.map((p) => [p.metadata.name as string, p]));
    for (const [name, at] of Object.entries(prev)) {
      const pod = byName.get(name);
      if (!pod || pod.metadata.deletionTimestamp) continue;
      const t = parseTime(at);
      if (t === undefined) continue;
      const expires = t + DELETION_TIMEOUT_MS;
      if (expires < nowMs) continue; // the eviction never led to a deletion
      out[name] = at;
      const left = expires - nowMs;
      recheck = recheck === undefined ? left : Math.min(recheck, left);
    }
    return { disruptedPods: out, recheckMs: recheck };
  }
}


/** countHealthyPods: Ready, not being deleted, not just evicted. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>, nowMs: number): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const t = parseTime(disrupted[p.metadata.name as string]);
    if (t !== undefined && t + DELETION_TIMEOUT_MS > nowMs) continue;
    if (isPodReady(p)) n++;
  }
  return n;
}

function condition(pdb: PodDisruptionBudget, status: string, reason: string, message: string, now: Date): NonNullable<NonNullable<PodDisruptionBudget['status']>['conditions']> {
  const conds = (pdb.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
  const prev = (pdb.status?.conditions ?? []).find((c) => c.type === 'DisruptionAllowed');
  const lastTransitionTime = prev && prev.status === status ? (prev.lastTransitionTime ?? metaTime(now)) : metaTime(now);
  return [
    ...conds,
    { type: 'DisruptionAllowed', status, reason, message, lastTransitionTime, ...(pdb.metadata.generation ? { observedGeneration: pdb.metadata.generation } : {}) },
  ];
}

/** controller-manager entry point: `disruption` (inert unless the registry serves PDBs). */
export function startDisruptionController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new DisruptionController(ctx));
}
