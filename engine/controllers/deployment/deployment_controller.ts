/**
 * The Deployment controller (upstream pkg/controller/deployment), split by concern like
 * upstream: this file holds the controller (informers, handlers, queue, the top of the sync),
 * sync.ts scaling/revisions/status, rolling.ts and recreate.ts the two strategies, rollback.ts
 * the legacy server-side rollback, progress.ts the Progressing condition and deadline.
 *
 * A Deployment owns one ReplicaSet per pod template (named `<deployment>-<pod-template-hash>`,
 * the hash label added to its selector and template); the "new" ReplicaSet is the one whose
 * template equals the Deployment's, every other is "old". Rolling updates move replicas from
 * old to new within maxSurge/maxUnavailable, driven by the ReplicaSets' available counts.
 *
 * Handlers only enqueue the Deployment's key (for a ReplicaSet its controller's, for an orphan
 * ReplicaSet every Deployment that selects it); sync re-reads from the caches.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone } from '../../api/types.js';
import { fromLabelSelector, matchesLabels } from '../../api/selectors.js';
import * as errors from '../../api/errors.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, metaTime, startDeferred } from '../shared/controller.js';
import { claimObjects, getControllerOf, groupOf, recheckOwner } from '../shared/ownerrefs.js';
import type { Pod } from '../shared/pods.js';
import type { ReplicaSet } from '../replicaset/replica_set.js';
import type { Deployment } from './util.js';
import { checkPausedConditions, isScalingEvent, sync, syncStatusOnly } from './sync.js';
import { rolloutRolling } from './rolling.js';
import { rolloutRecreate } from './recreate.js';
import { getRollbackTo, rollback } from './rollback.js';

export interface DeploymentControllerOptions {
  recorder?: EventRecorder;
}

export class DeploymentController extends Controller {
  readonly recorder: EventRecorder;
  readonly rsClient: ResourceClient<ReplicaSet>;
  readonly deployClient: ResourceClient<Deployment>;
  private dInformer!: Informer<Deployment>;
  rsInformer!: Informer<ReplicaSet>;
  private podInformer!: Informer<Pod>;

  constructor(ctx: EngineContext, opts: DeploymentControllerOptions = {}) {
    super(ctx, 'deployment-controller');
    this.recorder = this.recorderFor('deployment-controller', opts.recorder);
    this.rsClient = ctx.client.resource<ReplicaSet>('apps', 'ReplicaSet');
    this.deployClient = ctx.client.resource<Deployment>('apps', 'Deployment');
  }

  protected register(): void {
    this.dInformer = this.informer<Deployment>('apps', 'Deployment');
    this.rsInformer = this.informer<ReplicaSet>('apps', 'ReplicaSet');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.dInformer.addHandler({
      add: (d) => this.enqueue(d),
      update: (_o, d) => this.enqueue(d),
      delete: (d) => this.enqueue(d),
    });
    this.rsInformer.addHandler({
      add: (rs) => this.addReplicaSet(rs),
      update: (o, rs) => this.updateReplicaSet(o, rs),
      delete: (rs) => this.deleteReplicaSet(rs),
    });
    this.podInformer.addHandler({ delete: (p) => this.deletePod(p) });
  }

  // ---- queue helpers (used by the other files too; enqueue() is the base's)

  enqueueAfter(d: KubeObject, ms: number): void {
    this.worker.queue.addAfter(keyOf(d), ms);
  }

  enqueueRateLimited(d: KubeObject): void {
    this.worker.queue.addRateLimited(keyOf(d));
  }

  /** Now as a metav1.Time string. */
  now(): string {
    return metaTime(this.ctx.clock.now());
  }

  // ---- handlers

  private resolveControllerRef(namespace: string | undefined, o: KubeObject): Deployment | undefined {
    const ref = getControllerOf(o);
    if (!ref || ref.kind !== 'Deployment' || groupOf(ref.apiVersion) !== 'apps') return undefined;
    const d = this.dInformer.get(namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private deploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    if (!rs.metadata.labels || Object.keys(rs.metadata.labels).length === 0) return [];
    return this.dInformer.list(rs.metadata.namespace).filter((d) => {
      const sel = fromLabelSelector(d.spec?.selector);
      return sel !== null && sel.length > 0 && matchesLabels(sel, rs.metadata.labels);
    });
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) return this.deleteReplicaSet(rs);
    if (getControllerOf(rs)) {
      const d = this.resolveControllerRef(rs.metadata.namespace, rs);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsForReplicaSet(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef && (!curRef || curRef.uid !== oldRef.uid)) {
      const d = this.resolveControllerRef(old.metadata.namespace, old);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata.namespace, cur);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(canonical(old.metadata.labels ?? {})) !== JSON.stringify(canonical(cur.metadata.labels ?? {}));
    if (labelsChanged || oldRef) for (const d of this.deploymentsForReplicaSet(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    const d = this.resolveControllerRef(rs.metadata.namespace, rs);
    if (d) this.enqueue(d);
  }

  /** Recreate waits for old pods to be gone: a pod deletion may unblock it. */
  private deletePod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.get(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.resolveControllerRef(rs.metadata.namespace, rs);
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  // ---- cache reads and writes shared by the sync files

  /** The cached (latest) copy of a ReplicaSet we hold an older reference to. */
  latestRS(rs: ReplicaSet): ReplicaSet {
    const cur = this.rsInformer.get(rs.metadata.namespace, rs.metadata.name as string);
    return cur && cur.metadata.uid === rs.metadata.uid ? cur : rs;
  }

  /**
   * Writes the working copy's status. Upstream's status subresource also persists annotation
   * changes (the revision annotation rides along); Skiff's /status keeps metadata from storage,
   * so changed annotations are written first with a plain update.
   */
  updateStatus(d: Deployment): void {
    const ns = d.metadata.namespace;
    const name = d.metadata.name as string;
    let cur = this.deployClient.get(ns, name);
    if (!cur || cur.metadata.uid !== d.metadata.uid) throw errors.notFound('deployments', name, 'apps');
    if (JSON.stringify(canonical(cur.metadata.annotations ?? {})) !== JSON.stringify(canonical(d.metadata.annotations ?? {}))) {
      const copy = clone(cur);
      copy.metadata.annotations = { ...(d.metadata.annotations ?? {}) };
      copy.metadata.resourceVersion = d.metadata.resourceVersion;
      cur = this.deployClient.update(copy);
      d.metadata.resourceVersion = cur.metadata.resourceVersion;
    }
    const copy = clone(cur);
    copy.status = clone(d.status ?? {});
    copy.metadata.resourceVersion = d.metadata.resourceVersion;
    const out = this.deployClient.updateStatus(copy);
    d.metadata.resourceVersion = out.metadata.resourceVersion;
  }

  /** A full update of the working copy (spec and metadata; rollback). */
  update(d: Deployment): void {
    const out = this.deployClient.update(clone(d));
    d.metadata.resourceVersion = out.metadata.resourceVersion;
    d.metadata.generation = out.metadata.generation;
  }

  // ---- sync

  /** getReplicaSetsForDeployment: claims ReplicaSets (adopt/release) by the selector. */
  private replicaSetsFor(d: Deployment): ReplicaSet[] {
    const sel = fromLabelSelector(d.spec.selector) ?? [];
    const ns = d.metadata.namespace;
    return claimObjects(this.rsInformer.list(ns), {
      owner: d,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector: sel,
      client: this.rsClient,
      canAdopt: recheckOwner(() => this.deployClient.get(ns, d.metadata.name as string), d.metadata.uid),
    });
  }

  /** Pods of the Deployment's ReplicaSets, by ReplicaSet uid (Recreate needs them). */
  podMapFor(d: Deployment, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const sel = fromLabelSelector(d.spec.selector) ?? [];
    const m = new Map<string, Pod[]>();
    for (const rs of rsList) m.set(rs.metadata.uid as string, []);
    for (const p of this.podInformer.list(d.metadata.namespace, sel)) {
      const ref = getControllerOf(p);
      if (!ref) continue;
      m.get(ref.uid)?.push(p);
    }
    return m;
  }

  sync(key: string): void {
    this.syncDeployment(key);
  }

  syncDeployment(key: string): void {
    const [ns, name] = splitKey(key);
    const cached = this.dInformer.get(ns, name);
    if (!cached) return;
    const d = clone(cached);
    d.spec ??= {};
    const sel = fromLabelSelector(d.spec.selector);
    if (!sel || sel.length === 0) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        this.updateStatus(d);
      }
      return;
    }
    const rsList = this.replicaSetsFor(d);
    const podMap = this.podMapFor(d, rsList);
    if (d.metadata.deletionTimestamp) return syncStatusOnly(this, d, rsList);
    checkPausedConditions(this, d);
    if (d.spec.paused) return sync(this, d, rsList);
    if (getRollbackTo(d) !== undefined) return rollback(this, d, rsList);
    if (isScalingEvent(this, d, rsList)) return sync(this, d, rsList);
    if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(this, d, rsList, podMap);
    return rolloutRolling(this, d, rsList);
  }
}

/** controller-manager entry point: `deployment`. */
export function startDeploymentController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new DeploymentController(ctx));
}
