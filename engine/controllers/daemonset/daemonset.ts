/**
 * The DaemonSet controller (upstream pkg/controller/daemon: daemon_controller.go, update.go).
 *
 * One daemon pod per eligible node. sync(key):
 * 1. history — the template's ControllerRevision (`<ds>-<hash>`, label controller-revision-hash)
 *    is found or created; duplicates are folded, its revision number raised to newest;
 * 2. manage — for every node: should a daemon pod run there (nodeSelector, node affinity,
 *    taints vs the template's tolerations plus the standard daemon tolerations)? Missing pods
 *    are created, pinned to the node with a `matchFields metadata.name` node affinity as
 *    upstream does (the scheduler binds them; with `bindDirectly` — no scheduler — spec.nodeName
 *    is set instead); failed pods are deleted (with a per-node backoff), extra pods pruned, and
 *    pods on nodes that no longer qualify removed;
 * 3. rolling update — with maxSurge 0, old pods are deleted while at most maxUnavailable
 *    daemon pods are unavailable (the manage step recreates them); with maxSurge, a new pod is
 *    started next to the old one and the old one goes once the new one is available;
 * 4. status — desired/current/misscheduled/ready/available/updated/unavailable counts and
 *    observedGeneration; old revisions beyond revisionHistoryLimit are deleted.
 * Expectations stop a stale cache from creating or deleting twice.
 */
import type { EngineContext } from '../../component.js';
import { clone } from '../../api/types.js';
import { fromLabelSelector, matchesLabels } from '../../api/selectors.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, isAlreadyExists, isNamespaceTerminating, isNotFound, startDeferred } from '../shared/controller.js';
import { ControllerExpectations } from '../shared/expectations.js';
import { computeHash } from '../shared/hash.js';
import { scaledValue } from '../shared/intstr.js';
import { claimObjects, getControllerOf, newControllerRef, recheckOwner, refersTo } from '../shared/ownerrefs.js';
import { isPodAvailable, isPodReady, msUntilAvailable, type Pod } from '../shared/pods.js';
import { CONTROLLER_REVISION_HASH, deleteRevision, equalRevision, sortRevisions, templatePatch, type ControllerRevision } from '../statefulset/history.js';
import {
  allowsSurge,
  byCreationAndPhase,
  daemonPodSpec,
  findUpdatedPodsOnNode,
  isPodUpdated,
  nodeShouldRunDaemonPod,
  pinToNode,
  targetNodeName,
  templateGeneration,
  TEMPLATE_GENERATION_LABEL,
  type DaemonSet,
  type DaemonSetStatus,
  type Node,
} from './util.js';

/** Upstream BurstReplicas for daemon sets. */
export const DAEMON_BURST = 250;
/** Failed-pod backoff per node (upstream: 1 s doubling to 15 min). */
const FAILED_BACKOFF_BASE_MS = 1000;
const FAILED_BACKOFF_MAX_MS = 15 * 60_000;

export interface DaemonSetControllerOptions {
  recorder?: EventRecorder;
  /**
   * Set spec.nodeName on new pods instead of leaving the binding to the scheduler (for
   * engines that run no scheduler). Default false, as upstream.
   */
  bindDirectly?: boolean;
}

export class DaemonSetController extends Controller {
  readonly expectations: ControllerExpectations;
  private readonly recorder: EventRecorder;
  private readonly bindDirectly: boolean;
  private dsInformer!: Informer<DaemonSet>;
  private podInformer!: Informer<Pod>;
  private nodeInformer!: Informer<Node>;
  private revInformer!: Informer<ControllerRevision>;
  private readonly dsClient: ResourceClient<DaemonSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly revClient: ResourceClient<ControllerRevision>;
  /** Failed-pod backoff per `<ds key>/<node>`: current delay and when it was last raised. */
  private readonly failedBackoff = new Map<string, { delay: number; last: number }>();

  constructor(ctx: EngineContext, opts: DaemonSetControllerOptions = {}) {
    super(ctx, 'daemonset-controller');
    this.recorder = this.recorderFor('daemonset-controller', opts.recorder);
    this.bindDirectly = opts.bindDirectly ?? false;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.dsClient = ctx.client.resource<DaemonSet>('apps', 'DaemonSet');
    this.podClient = ctx.client.resource<Pod>('', 'Pod');
    this.revClient = ctx.client.resource<ControllerRevision>('apps', 'ControllerRevision');
  }

  protected register(): void {
    this.dsInformer = this.informer<DaemonSet>('apps', 'DaemonSet');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.nodeInformer = this.informer<Node>('', 'Node');
    this.revInformer = this.informer<ControllerRevision>('apps', 'ControllerRevision');
    this.dsInformer.addHandler({
      add: (ds) => this.enqueue(ds),
      update: (_o, ds) => this.enqueue(ds),
      delete: (ds) => {
        this.expectations.delete(keyOf(ds));
        this.enqueue(ds);
      },
    });
    this.podInformer.addHandler({
      add: (p) => this.addPod(p),
      update: (o, p) => this.updatePod(o, p),
      delete: (p) => this.deletePod(p),
    });
    this.nodeInformer.addHandler({
      add: () => this.enqueueAll(),
      update: (o, n) => {
        if (!nodeChanged(o, n)) return;
        this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
  }

  private enqueueAll(): void {
    for (const ds of this.dsInformer.list()) this.enqueue(ds);
  }

  // ---- pod handlers

  private resolveControllerRef(pod: Pod): DaemonSet | undefined {
    const ref = getControllerOf(pod);
    if (!ref || !refersTo(ref, 'apps', 'DaemonSet')) return undefined;
    const ds = this.dsInformer.get(pod.metadata.namespace, ref.name);
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  private setsForOrphan(pod: Pod): DaemonSet[] {
    if (!pod.metadata.labels) return [];
    return this.dsInformer.list(pod.metadata.namespace).filter((ds) => {
      const sel = fromLabelSelector(ds.spec?.selector);
      return sel !== null && sel.length > 0 && matchesLabels(sel, pod.metadata.labels);
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    if (getControllerOf(pod)) {
      const ds = this.resolveControllerRef(pod);
      if (!ds) return;
      this.expectations.creationObserved(keyOf(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of this.setsForOrphan(pod)) this.enqueue(ds);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // Graceful deletion: count it now, so the replacement is not held back by the kubelet.
      this.deletePod(cur);
      return;
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef && (!curRef || oldRef.uid !== curRef.uid)) {
      const ds = this.resolveControllerRef(old);
      if (ds) this.enqueue(ds);
    }
    if (curRef) {
      const ds = this.resolveControllerRef(cur);
      if (ds) this.enqueue(ds);
      return;
    }
    for (const ds of this.setsForOrphan(cur)) this.enqueue(ds);
  }

  private deletePod(pod: Pod): void {
    const ds = this.resolveControllerRef(pod);
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds));
    this.enqueue(ds);
  }

  // ---- sync

  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const shared = this.dsInformer.get(namespace, name);
    if (!shared) {
      this.expectations.delete(key);
      for (const k of this.failedBackoff.keys()) if (k.startsWith(`${key}/`)) this.failedBackoff.delete(k);
      return;
    }
    const ds = shared;
    const selector = fromLabelSelector(ds.spec?.selector);
    if (!selector || selector.length === 0) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodeInformer.list();
    const { cur, old } = this.constructHistory(ds);
    const hash = cur.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    if (!this.expectations.satisfied(key)) {
      this.updateStatus(ds, nodes, hash);
      return;
    }
    let err: unknown;
    try {
      this.manage(ds, nodes, hash, key);
      if (this.expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') this.rollingUpdate(ds, nodes, hash, key);
      this.cleanupHistory(ds, old);
    } catch (e) {
      err = e;
    }
    this.updateStatus(ds, nodes, hash);
    if (err) throw err;
  }

  /** getNodesToDaemonPods: the DaemonSet's pods (claimed), by target node. */
  private nodesToDaemonPods(ds: DaemonSet, includeDeleted = false): Map<string, Pod[]> {
    const selector = fromLabelSelector(ds.spec?.selector) ?? [];
    const namespace = ds.metadata.namespace;
    const pods = claimObjects(this.podInformer.list(namespace), {
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector,
      client: this.podClient,
      canAdopt: recheckOwner(() => this.dsClient.get(namespace, ds.metadata.name as string), ds.metadata.uid),
    });
    const out = new Map<string, Pod[]>();
    for (const p of pods) {
      if (!includeDeleted && p.metadata.deletionTimestamp) continue;
      const node = targetNodeName(p);
      if (node === undefined) continue;
      const list = out.get(node) ?? [];
      list.push(p);
      out.set(node, list);
    }
    return out;
  }

  /** manage: creates and deletes daemon pods so each eligible node runs exactly one. */
  private manage(ds: DaemonSet, nodes: Node[], hash: string, key: string): void {
    const byNode = this.nodesToDaemonPods(ds);
    const create: string[] = [];
    const del: string[] = [];
    const now = this.ctx.clock.now().getTime();
    for (const node of nodes) {
      const nodeName = node.metadata.name as string;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(nodeName) ?? [];
      const exists = pods.length > 0;
      if (shouldRun && !exists) {
        create.push(nodeName);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const p of pods) {
          if (p.metadata.deletionTimestamp) continue;
          const phase = p.status?.phase;
          if (phase === 'Failed') {
            // The kubelet rejected it (or it crashed): replace it, but back off per node.
            const bk = `${key}/${nodeName}`;
            const b = this.failedBackoff.get(bk);
            if (b && now - b.last < b.delay) {
              this.requeueAfter(key, b.delay - (now - b.last));
              continue;
            }
            this.failedBackoff.set(bk, { delay: b ? Math.min(b.delay * 2, FAILED_BACKOFF_MAX_MS) : FAILED_BACKOFF_BASE_MS, last: now });
            this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${nodeName}, will try to kill it`);
            del.push(p.metadata.name as string);
          } else if (phase === 'Succeeded') {
            del.push(p.metadata.name as string);
          } else running.push(p);
        }
        if (!allowsSurge(ds)) {
          if (running.length > 1) {
            running.sort(byCreationAndPhase);
            for (const p of running.slice(1)) del.push(p.metadata.name as string);
          }
        } else if (running.length <= 1) {
          if (running.length === 0 && shouldRun) create.push(nodeName);
        } else {
          // Surging: keep the oldest new pod, and the oldest old pod while the new one is not yet
          // available (only if the old one is ready); everything else goes.
          running.sort(byCreationAndPhase);
          let oldestNew: Pod | undefined;
          let oldestOld: Pod | undefined;
          const gen = templateGeneration(ds);
          for (const p of running) {
            if (isPodUpdated(p, hash, gen)) {
              if (!oldestNew) {
                oldestNew = p;
                continue;
              }
            } else if (!oldestOld) {
              oldestOld = p;
              continue;
            }
            del.push(p.metadata.name as string);
          }
          if (oldestNew && oldestOld) {
            if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, this.ctx.clock.now())) del.push(oldestOld.metadata.name as string);
          }
        }
      } else if (exists) {
        for (const p of pods) if (!p.metadata.deletionTimestamp) del.push(p.metadata.name as string);
      }
    }
    // Unscheduled pods for nodes that no longer exist can never be cleaned up otherwise.
    const known = new Set(nodes.map((n) => n.metadata.name as string));
    for (const [nodeName, pods] of byNode) {
      if (known.has(nodeName)) continue;
      for (const p of pods) if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) del.push(p.metadata.name as string);
    }
    this.syncNodes(ds, del, create, hash, key);
  }

  /** syncNodes: deletes `podsToDelete`, creates one pod per node in `nodesNeeding`. */
  private syncNodes(ds: DaemonSet, podsToDelete: string[], nodesNeeding: string[], hash: string, key: string): void {
    const creates = nodesNeeding.slice(0, DAEMON_BURST);
    const deletes = podsToDelete.slice(0, DAEMON_BURST);
    this.expectations.set(key, creates.length, deletes.length);
    let firstErr: unknown;
    // Slow start for creations: batches of 1, 2, 4 … stopping after a failed batch.
    let i = 0;
    let batch = 1;
    while (i < creates.length) {
      const size = Math.min(batch, creates.length - i);
      let failed = false;
      for (let j = 0; j < size; j++) {
        const nodeName = creates[i + j];
        try {
          const pod = this.podClient.create(this.newPod(ds, nodeName, hash));
          this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.creationObserved(key);
          if (isNamespaceTerminating(e)) continue;
          if (isAlreadyExists(e)) continue;
          this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          firstErr ??= e;
          failed = true;
        }
      }
      i += size;
      if (failed) {
        this.expectations.lower(key, creates.length - i, 0);
        break;
      }
      batch *= 2;
    }
    for (const name of deletes) {
      try {
        this.podClient.delete(ds.metadata.namespace, name);
        this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (e) {
        this.expectations.deletionObserved(key);
        if (isNotFound(e)) continue;
        this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
        firstErr ??= e;
      }
    }
    if (firstErr) throw firstErr;
  }

  /** A daemon pod for `nodeName` (CreatePodTemplate + the node affinity). */
  private newPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
    const meta = ds.spec?.template?.metadata ?? {};
    const spec = daemonPodSpec(ds);
    pinToNode(spec, nodeName);
    if (this.bindDirectly) spec.nodeName = nodeName;
    const labels: Record<string, string> = { ...(meta.labels ?? {}) };
    const gen = templateGeneration(ds);
    if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = gen;
    if (hash) labels[CONTROLLER_REVISION_HASH] = hash;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels,
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      spec: spec as Pod['spec'],
    };
    if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
    if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
    return pod;
  }

  /** updatedDesiredNodeCounts: maxSurge, maxUnavailable and the desired count. */
  private desiredCounts(ds: DaemonSet, nodes: Node[]): { maxSurge: number; maxUnavailable: number; desired: number } {
    let desired = 0;
    for (const n of nodes) if (nodeShouldRunDaemonPod(n, ds).shouldRun) desired++;
    const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
    let maxUnavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
    const maxSurge = allowsSurge(ds) ? scaledValue(ru.maxSurge ?? 0, desired, true) : 0;
    // Without both, progress would be impossible: allow one.
    if (maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    return { maxSurge, maxUnavailable, desired };
  }

  /** rollingUpdate (update.go). */
  private rollingUpdate(ds: DaemonSet, nodes: Node[], hash: string, key: string): void {
    const byNode = this.nodesToDaemonPods(ds);
    const { maxSurge, maxUnavailable } = this.desiredCounts(ds, nodes);
    const now = this.ctx.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (maxSurge === 0) {
      let numUnavailable = 0;
      const allowedReplacement: string[] = [];
      const candidates: string[] = [];
      for (const [, pods] of byNode) {
        const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
        if (!ok) {
          numUnavailable++;
          continue;
        }
        if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
        else if (newPod) {
          if (!isPodAvailable(newPod, minReady, now)) numUnavailable++;
        } else if (oldPod) {
          if (!isPodAvailable(oldPod, minReady, now)) allowedReplacement.push(oldPod.metadata.name as string);
          else if (numUnavailable >= maxUnavailable) continue;
          else candidates.push(oldPod.metadata.name as string);
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      const toDelete = [...allowedReplacement, ...candidates.slice(0, remaining)];
      if (toDelete.length) this.syncNodes(ds, toDelete, [], hash, key);
      return;
    }
    const oldToDelete: string[] = [];
    const candidateNew: string[] = [];
    const allowedNew: string[] = [];
    let numSurge = 0;
    const nodeByName = new Map(nodes.map((n) => [n.metadata.name as string, n]));
    for (const [nodeName, pods] of byNode) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (!oldPod) continue;
      if (!newPod) {
        if (!isPodAvailable(oldPod, minReady, now)) {
          const node = nodeByName.get(nodeName);
          if (!node || !nodeShouldRunDaemonPod(node, ds).shouldRun) {
            oldToDelete.push(oldPod.metadata.name as string);
            continue;
          }
          allowedNew.push(nodeName);
        } else candidateNew.push(nodeName);
        continue;
      }
      if (!isPodAvailable(newPod, minReady, now)) {
        numSurge++;
        continue;
      }
      oldToDelete.push(oldPod.metadata.name as string);
    }
    const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
    const create = [...allowedNew, ...candidateNew.slice(0, remaining)];
    if (oldToDelete.length || create.length) this.syncNodes(ds, oldToDelete, create, hash, key);
  }

  // ---- history

  /** constructHistory: the current revision (found or made) and the old ones. */
  private constructHistory(ds: DaemonSet): { cur: ControllerRevision; old: ControllerRevision[] } {
    const selector = fromLabelSelector(ds.spec?.selector) ?? [];
    const namespace = ds.metadata.namespace;
    let histories = this.revInformer.list(namespace).filter((r) => getControllerOf(r)?.uid === ds.metadata.uid || (!getControllerOf(r) && matchesLabels(selector, r.metadata.labels)));
    histories = claimObjects(histories, {
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector,
      client: this.revClient,
      canAdopt: recheckOwner(() => this.dsClient.get(namespace, ds.metadata.name as string), ds.metadata.uid),
    });
    const snapshotData = templatePatch(ds.spec?.template);
    const probe: ControllerRevision = { metadata: {}, data: snapshotData };
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let h of histories) {
      if (!h.metadata.labels?.[CONTROLLER_REVISION_HASH]) {
        h =
          this.revClient.modify(h.metadata.namespace, h.metadata.name as string, (c) => {
            c.metadata.labels = { ...(c.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH]: c.metadata.name as string };
          }) ?? h;
      }
      if (equalRevision(h, probe)) current.push(h);
      else old.push(h);
    }
    const next = old.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
    let cur: ControllerRevision;
    if (current.length === 0) cur = this.snapshot(ds, next);
    else {
      cur = this.dedupCurHistories(ds, current);
      if ((cur.revision ?? 0) < next) {
        cur =
          this.revClient.modify(cur.metadata.namespace, cur.metadata.name as string, (c) => {
            c.revision = next;
          }) ?? cur;
      }
    }
    return { cur, old };
  }

  /** snapshot: a new revision named `<ds>-<template hash>`. */
  private snapshot(ds: DaemonSet, revision: number): ControllerRevision {
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const name = `${ds.metadata.name}-${hash}`;
    const body: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ds.metadata.namespace,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      data: templatePatch(ds.spec?.template),
      revision,
    };
    try {
      return this.revClient.create(body);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = this.revClient.get(ds.metadata.namespace, name);
      if (existing && equalRevision(existing, body)) return existing;
      // A hash collision: bump collisionCount (the next sync hashes again).
      this.dsClient.modify(
        ds.metadata.namespace,
        ds.metadata.name as string,
        (cur) => {
          cur.status = { ...(cur.status ?? {}), collisionCount: (cur.status?.collisionCount ?? 0) + 1 };
        },
        { status: true },
      );
      throw e;
    }
  }

  /** dedupCurHistories: keeps the newest equal revision, relabels pods of the others. */
  private dedupCurHistories(ds: DaemonSet, current: ControllerRevision[]): ControllerRevision {
    if (current.length === 1) return current[0];
    const sorted = sortRevisions(current);
    const keep = sorted[sorted.length - 1];
    const keepHash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    for (const dup of sorted.slice(0, -1)) {
      const dupHash = dup.metadata.labels?.[CONTROLLER_REVISION_HASH];
      for (const p of this.podInformer.list(ds.metadata.namespace)) {
        if (getControllerOf(p)?.uid !== ds.metadata.uid || p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== dupHash) continue;
        this.podClient.modify(p.metadata.namespace, p.metadata.name as string, (c) => {
          c.metadata.labels = { ...(c.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH]: keepHash };
        });
      }
      deleteRevision(this.revClient, dup);
    }
    return keep;
  }

  /** cleanupHistory: old revisions no pod uses, beyond revisionHistoryLimit, oldest first. */
  private cleanupHistory(ds: DaemonSet, old: ControllerRevision[]): void {
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    const toKill = old.length - limit;
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const pods of this.nodesToDaemonPods(ds, true).values()) for (const p of pods) {
      const h = p.metadata.labels?.[CONTROLLER_REVISION_HASH];
      if (h) live.add(h);
    }
    let killed = 0;
    for (const r of sortRevisions(old)) {
      if (killed >= toKill) break;
      if (live.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '')) continue;
      deleteRevision(this.revClient, r);
      killed++;
    }
  }

  // ---- status

  private updateStatus(ds: DaemonSet, nodes: Node[], hash: string): void {
    const byNode = this.nodesToDaemonPods(ds);
    const now = this.ctx.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const gen = templateGeneration(ds);
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let wait: number | undefined;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name as string) ?? [];
      const scheduled = pods.length > 0;
      if (shouldRun) {
        desired++;
        if (!scheduled) continue;
        current++;
        const pod = [...pods].sort(byCreationAndPhase)[0];
        if (isPodReady(pod)) {
          ready++;
          if (isPodAvailable(pod, minReady, now)) available++;
          else {
            const ms = msUntilAvailable(pod, minReady, now);
            if (ms !== undefined && (wait === undefined || ms < wait)) wait = ms;
          }
        }
        if (isPodUpdated(pod, hash, gen)) updated++;
      } else if (scheduled) misscheduled++;
    }
    const status: DaemonSetStatus = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
    };
    if (ds.metadata.generation) status.observedGeneration = ds.metadata.generation;
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (desired - available > 0) status.numberUnavailable = desired - available;
    if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
    if (ds.status?.conditions) status.conditions = ds.status.conditions;
    if (wait !== undefined) this.requeueAfter(keyOf(ds), wait);
    if (JSON.stringify(canonical(status)) === JSON.stringify(canonical(ds.status ?? {}))) return;
    const copy = clone(ds);
    copy.status = status;
    try {
      this.dsClient.updateStatus(copy);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** A node change that can change where daemon pods belong (not heartbeats). */
function nodeChanged(a: Node, b: Node): boolean {
  const pick = (n: Node) => ({ labels: n.metadata.labels ?? {}, taints: n.spec?.taints ?? [], unschedulable: n.spec?.unschedulable ?? false });
  return JSON.stringify(canonical(pick(a))) !== JSON.stringify(canonical(pick(b)));
}

/** controller-manager entry point: `daemonset`. */
export function startDaemonSetController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new DaemonSetController(ctx));
}
