/**
 * The ReplicaSet controller (upstream pkg/controller/replicaset/replica_set.go), which also runs
 * ReplicationControllers with the same code, as upstream's replication controller wraps it.
 *
 * It keeps exactly `spec.replicas` active pods for each ReplicaSet:
 * - informer handlers only enqueue keys — a ReplicaSet's own, or for a pod its controller's
 *   (an orphan pod enqueues every ReplicaSet whose selector matches it, so one can adopt it);
 * - sync(key) re-reads the ReplicaSet and the pods from the caches, claims pods (adopts matching
 *   orphans, releases ones that stopped matching), then creates from the template or deletes the
 *   least valuable pods (see pods.ts activePodLess) to reach the count, and writes status;
 * - expectations: after asking for N creations/deletions it waits to see them in the pod cache
 *   before managing replicas again; pods being deleted no longer count as replicas.
 * Errors re-queue the key with backoff.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import { fromLabelSelector, matchesLabels, type LabelSelectorObject, type Selector } from '../../api/selectors.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, isNamespaceTerminating, isNotFound } from '../shared/controller.js';
import { UIDTrackingExpectations } from '../shared/expectations.js';
import { claimObjects, getControllerOf, groupOf, newControllerRef, recheckOwner } from '../shared/ownerrefs.js';
import { filterActivePods, isPodActive, isPodAvailable, isPodReady, msUntilAvailable, sortPodsForDeletion, type Pod } from '../shared/pods.js';

/** Upstream's BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelectorObject | Record<string, string>;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Record<string, unknown> };
}

export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

/** What differs between ReplicaSets and ReplicationControllers. */
export interface ReplicaKind {
  group: string;
  kind: string;
  apiVersion: string;
  /** Event source, as upstream names the controllers. */
  component: string;
  selectorOf(o: ReplicaSet): Selector | null;
}

export const REPLICA_SET: ReplicaKind = {
  group: 'apps',
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  component: 'replicaset-controller',
  selectorOf: (o) => fromLabelSelector(isPlainObject(o.spec?.selector) ? (o.spec.selector as LabelSelectorObject) : null),
};

export const REPLICATION_CONTROLLER: ReplicaKind = {
  group: '',
  kind: 'ReplicationController',
  apiVersion: 'v1',
  component: 'replication-controller',
  selectorOf: (o) => (isPlainObject(o.spec?.selector) ? fromLabelSelector({ matchLabels: o.spec.selector as Record<string, string> }) : null),
};

export interface ReplicaSetControllerOptions {
  kind?: ReplicaKind;
  recorder?: EventRecorder;
  burstReplicas?: number;
  workers?: number;
}

export class ReplicaSetController extends Controller {
  readonly kind: ReplicaKind;
  readonly expectations: UIDTrackingExpectations;
  private readonly recorder: EventRecorder;
  private readonly burst: number;
  private rsInformer!: Informer<ReplicaSet>;
  private podInformer!: Informer<Pod>;
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly podClient: ResourceClient<Pod>;

  constructor(ctx: EngineContext, opts: ReplicaSetControllerOptions = {}) {
    const kind = opts.kind ?? REPLICA_SET;
    super(ctx, kind.component);
    this.kind = kind;
    this.burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.recorder = this.recorderFor(this.kind.component, opts.recorder);
    this.expectations = new UIDTrackingExpectations(ctx.clock);
    this.rsClient = ctx.client.resource<ReplicaSet>(this.kind.group, this.kind.kind);
    this.podClient = ctx.client.resource<Pod>('', 'Pod');
  }

  protected register(): void {
    this.rsInformer = this.informer<ReplicaSet>(this.kind.group, this.kind.kind);
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.rsInformer.addHandler({
      add: (rs) => this.enqueue(rs),
      update: (_old, cur) => this.enqueue(cur),
      delete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.enqueue(rs);
      },
    });
    this.podInformer.addHandler({
      add: (p) => this.addPod(p),
      update: (o, p) => this.updatePod(o, p),
      delete: (p) => this.deletePod(p),
    });
  }

  // ---- pod handlers

  /** The ReplicaSet a controller reference points at, if it is one of ours and still exists. */
  private resolveControllerRef(namespace: string | undefined, pod: Pod): ReplicaSet | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== this.kind.kind || groupOf(ref.apiVersion) !== this.kind.group) return undefined;
    const rs = this.rsInformer.get(namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod. */
  private replicaSetsForPod(pod: Pod): ReplicaSet[] {
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) return [];
    return this.rsInformer.list(pod.metadata.namespace).filter((rs) => {
      const sel = this.kind.selectorOf(rs);
      return sel !== null && sel.length > 0 && matchesLabels(sel, pod.metadata.labels);
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // Restarted controller: a pod already being deleted counts as a deletion.
      this.deletePod(pod);
      return;
    }
    if (getControllerOf(pod)) {
      const rs = this.resolveControllerRef(pod.metadata.namespace, pod);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.replicaSetsForPod(pod)) this.enqueue(rs);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = JSON.stringify(canonical(old.metadata.labels ?? {})) !== JSON.stringify(canonical(cur.metadata.labels ?? {}));
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion: the pod stops counting now, not when the kubelet removes it.
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    if (oldRef && (!curRef || curRef.uid !== oldRef.uid)) {
      const rs = this.resolveControllerRef(old.metadata.namespace, old);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata.namespace, cur);
      if (rs) this.enqueue(rs);
      return;
    }
    if (labelsChanged || oldRef) for (const rs of this.replicaSetsForPod(cur)) this.enqueue(rs);
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolveControllerRef(pod.metadata.namespace, pod);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObservedOf(key, keyOf(pod));
    this.enqueue(rs);
  }

  // ---- sync

  /** Reconciles one ReplicaSet by key; idempotent. */
  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const rs = this.rsInformer.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = this.kind.selectorOf(rs);
    if (!selector || selector.length === 0) {
      // Validation rejects these; an empty selector must never select every pod.
      return;
    }
    const active = filterActivePods(this.podInformer.list(namespace));
    const pods = claimObjects(active, {
      owner: rs,
      ownerApiVersion: this.kind.apiVersion,
      ownerKind: this.kind.kind,
      selector,
      client: this.podClient,
      canAdopt: recheckOwner(() => this.rsClient.get(namespace, name), rs.metadata.uid),
    });
    let manageErr: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        this.manageReplicas(pods, rs, key);
      } catch (e) {
        manageErr = e;
      }
    }
    const updated = this.updateStatus(rs, calculateStatus(rs, pods, manageErr, this.ctx.clock.now()));
    if (manageErr) throw manageErr;
    // Pods that are ready but not yet available (minReadySeconds): look again when they will be.
    const minReady = updated.spec?.minReadySeconds ?? 0;
    if (minReady > 0) {
      const now = this.ctx.clock.now();
      let wait: number | undefined;
      for (const p of pods) {
        const ms = msUntilAvailable(p, minReady, now);
        if (ms !== undefined && (wait === undefined || ms < wait)) wait = ms;
      }
      if (wait !== undefined) this.worker.queue.addAfter(key, wait);
    }
  }

  private manageReplicas(pods: Pod[], rs: ReplicaSet, key: string): void {
    const want = rs.spec?.replicas ?? 1;
    const diff = pods.length - want;
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      // Expect before acting: the informer may deliver the creations before create() returns.
      this.expectations.expectCreations(key, n);
      const { ok, err } = slowStartBatch(n, () => this.createPod(rs));
      if (ok < n) this.expectations.lower(key, n - ok, 0);
      if (err && !isNamespaceTerminating(err)) throw err;
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, this.burst);
      const victims = this.podsToDelete(pods, rs, n);
      this.expectations.expectDeletionsOf(key, victims.map(keyOf));
      let firstErr: unknown;
      for (const p of victims) {
        try {
          this.podClient.delete(p.metadata.namespace, p.metadata.name as string);
          this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          // The deletion will never be observed: lower the expectation now.
          this.expectations.deletionObservedOf(key, keyOf(p));
          if (isNotFound(e)) continue;
          this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
          firstErr ??= e;
        }
      }
      if (firstErr) throw firstErr;
    }
  }

  private createPod(rs: ReplicaSet): void {
    try {
      const pod = this.podClient.create(podFromTemplate(rs, this.kind));
      this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (e) {
      if (!isNamespaceTerminating(e)) this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * The `n` least valuable pods. Pods sharing a node with more pods of the same owner family
   * (the ReplicaSets of one Deployment) rank lower, as upstream's getPodsRankedByRelatedPodsOnSameNode.
   */
  private podsToDelete(pods: Pod[], rs: ReplicaSet, n: number): Pod[] {
    if (n >= pods.length) return pods.slice(0, n);
    const related = this.relatedPods(rs);
    const onNode = new Map<string, number>();
    for (const p of related) {
      if (!isPodActive(p)) continue;
      const node = p.spec?.nodeName ?? '';
      onNode.set(node, (onNode.get(node) ?? 0) + 1);
    }
    return sortPodsForDeletion(pods, (p) => onNode.get(p.spec?.nodeName ?? '') ?? 0).slice(0, n);
  }

  /** Pods of every ReplicaSet controlled by the same owner as `rs` (or of `rs` alone). */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = getControllerOf(rs);
    const family = new Set<string>();
    if (owner) {
      for (const other of this.rsInformer.list(rs.metadata.namespace)) {
        if (getControllerOf(other)?.uid === owner.uid) family.add(other.metadata.uid as string);
      }
    } else family.add(rs.metadata.uid as string);
    return this.podInformer.list(rs.metadata.namespace).filter((p) => {
      const ref = getControllerOf(p);
      return ref !== undefined && family.has(ref.uid);
    });
  }

  private updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): ReplicaSet {
    const gen = rs.metadata.generation ?? 0;
    const next: ReplicaSetStatus = { ...status };
    if (gen) next.observedGeneration = gen;
    if (JSON.stringify(canonical(rs.status ?? {})) === JSON.stringify(canonical(next))) return rs;
    const copy = clone(rs);
    copy.status = next;
    try {
      return this.rsClient.updateStatus(copy);
    } catch (e) {
      if (isNotFound(e)) return rs;
      throw e;
    }
  }
}

/**
 * Calls `fn` n times in batches of 1, 2, 4, … and stops after the first batch with a failure
 * (upstream slowStartBatch), so a broken template costs one failed call, not hundreds.
 */
export function slowStartBatch(n: number, fn: () => void): { ok: number; err?: unknown } {
  let ok = 0;
  let batch = 1;
  let remaining = n;
  while (remaining > 0) {
    const size = Math.min(batch, remaining);
    let err: unknown;
    for (let i = 0; i < size; i++) {
      try {
        fn();
        ok++;
      } catch (e) {
        err ??= e;
      }
    }
    if (err) return { ok, err };
    remaining -= size;
    batch *= 2;
  }
  return { ok };
}

/** controller.GetPodFromTemplate: a pod for `owner` from its template, named `<owner>-xxxxx`. */
export function podFromTemplate(owner: ReplicaSet, kind: ReplicaKind): Pod {
  const tmpl = owner.spec?.template ?? {};
  const meta = tmpl.metadata ?? {};
  const name = owner.metadata.name as string;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [newControllerRef(owner, kind.apiVersion, kind.kind)],
    },
    spec: clone(tmpl.spec ?? {}) as Pod['spec'],
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

/** calculateStatus in replica_set_utils.go. Zero counts are left out, as Go's omitempty does. */
export function calculateStatus(rs: ReplicaSet, pods: Pod[], manageErr: unknown, now: Date): ReplicaSetStatus {
  const tmplLabels = rs.spec?.template?.metadata?.labels ?? {};
  const tmplSel = Object.entries(tmplLabels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata.labels ?? {};
    if (tmplSel.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  const status: ReplicaSetStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  let conditions = (rs.status?.conditions ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageErr && !isNamespaceTerminating(manageErr) && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      reason,
      message: (manageErr as Error).message ?? String(manageErr),
    });
  } else if (!manageErr && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** controller-manager entry points: `replicaset` and `replicationcontroller`. */
export function startReplicaSetController(ctx: EngineContext): { stop(): Promise<void> } {
  const c = new ReplicaSetController(ctx, { kind: REPLICA_SET });
  c.runDeferred();
  return c;
}

export function startReplicationController(ctx: EngineContext): { stop(): Promise<void> } {
  const c = new ReplicaSetController(ctx, { kind: REPLICATION_CONTROLLER });
  c.runDeferred();
  return c;
}
