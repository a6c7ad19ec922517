/**
 * The StatefulSet controller (upstream pkg/controller/statefulset: stateful_set.go,
 * stateful_set_control.go, stateful_pod_control.go).
 *
 * sync(key) reads the set, its pods (claimed: controlled ones, plus orphans named like its
 * members) and its ControllerRevisions from the caches, then:
 * 1. revisions — the set's current template is the *update revision*: an equal existing
 *    revision is reused (a rollback bumps its number), else one is created; the *current
 *    revision* is status.currentRevision (or the update revision at first);
 * 2. pods in [start, start+replicas) — missing ordinals are created (with their PVCs first) at
 *    the current revision below the partition and the update revision above it; failed or
 *    succeeded pods are deleted to be recreated; identity and storage are repaired;
 *    with OrderedReady, nothing further happens until each pod is Running, Ready and available;
 * 3. pods beyond the range ("condemned") are deleted highest ordinal first, one at a time with
 *    OrderedReady (only when all the others are healthy), all at once with Parallel;
 * 4. RollingUpdate: the highest-ordinal pod (down to the partition) not at the update revision
 *    is deleted — it comes back at the new revision — one at a time, waiting for health;
 *    OnDelete updates only pods the user deletes;
 * 5. status (replicas, ready/available/current/updated counts, revisions, collisionCount,
 *    observedGeneration) is written when it changed; a finished rolling update makes the
 *    update revision current; history beyond revisionHistoryLimit is deleted.
 * PVCs outlive their pods. persistentVolumeClaimRetentionPolicy is carried out as upstream
 * does, through owner references the garbage collector acts on: whenDeleted=Delete makes the set
 * own its claims, whenScaled=Delete makes a condemned pod own its claims.
 */
import type { EngineContext } from '../../component.js';
import { clone } from '../../api/types.js';
import { fromLabelSelector, matchesLabels } from '../../api/selectors.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, isAlreadyExists, isNotFound, startDeferred } from '../shared/controller.js';
import { claimObjects, getControllerOf, recheckOwner, refersTo } from '../shared/ownerrefs.js';
import { msUntilAvailable, podPhase, type Pod } from '../shared/pods.js';
import {
  createRevision,
  deleteRevision,
  findEqualRevisions,
  equalRevision,
  newRevision,
  nextRevision,
  sortRevisions,
  templateOf,
  templatePatch,
  updateRevisionNumber,
  type ControllerRevision,
} from './history.js';
import {
  claimsFor,
  endOrdinal,
  getOrdinal,
  getPodRevision,
  hasStaleOwnerRef,
  identityMatches,
  isCreated,
  isHealthy,
  isMemberOf,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  newStatefulSetPod,
  podInOrdinalRange,
  removeOwnerRef,
  setOwnerRef,
  setPodRevision,
  startOrdinal,
  storageMatches,
  updateIdentity,
  updateStorage,
  type PersistentVolumeClaim,
  type StatefulSet,
  type StatefulSetStatus,
} from './utils.js';

export interface StatefulSetControllerOptions {
  recorder?: EventRecorder;
}

export class StatefulSetController extends Controller {
  private readonly recorder: EventRecorder;
  private setInformer!: Informer<StatefulSet>;
  private podInformer!: Informer<Pod>;
  private revInformer!: Informer<ControllerRevision>;
  private pvcInformer!: Informer<PersistentVolumeClaim>;
  private readonly setClient: ResourceClient<StatefulSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly revClient: ResourceClient<ControllerRevision>;
  private readonly pvcClient: ResourceClient<PersistentVolumeClaim>;

  constructor(ctx: EngineContext, opts: StatefulSetControllerOptions = {}) {
    super(ctx, 'statefulset-controller');
    this.recorder = this.recorderFor('statefulset-controller', opts.recorder);
    this.setClient = ctx.client.resource<StatefulSet>('apps', 'StatefulSet');
    this.podClient = ctx.client.resource<Pod>('', 'Pod');
    this.revClient = ctx.client.resource<ControllerRevision>('apps', 'ControllerRevision');
    this.pvcClient = ctx.client.resource<PersistentVolumeClaim>('', 'PersistentVolumeClaim');
  }

  protected register(): void {
    this.setInformer = this.informer<StatefulSet>('apps', 'StatefulSet');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.revInformer = this.informer<ControllerRevision>('apps', 'ControllerRevision');
    this.pvcInformer = this.informer<PersistentVolumeClaim>('', 'PersistentVolumeClaim');
    this.setInformer.addHandler({
      add: (s) => this.enqueue(s),
      update: (_o, s) => this.enqueue(s),
      delete: (s) => this.enqueue(s),
    });
    this.podInformer.addHandler({
      add: (p) => this.podChanged(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        const oldRef = getControllerOf(o);
        if (oldRef && oldRef.uid !== getControllerOf(p)?.uid) this.podChanged(o);
        this.podChanged(p);
      },
      delete: (p) => this.podChanged(p),
    });
  }

  /** A pod changed: sync its set (by controller reference), or every set that could adopt it. */
  private podChanged(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (ref) {
      if (!refersTo(ref, 'apps', 'StatefulSet')) return;
      const set = this.setInformer.get(pod.metadata.namespace, ref.name);
      if (set && set.metadata.uid === ref.uid) this.enqueue(set);
      return;
    }
    if (!pod.metadata.labels) return;
    for (const set of this.setInformer.list(pod.metadata.namespace)) {
      const sel = fromLabelSelector(set.spec?.selector);
      if (sel && sel.length && matchesLabels(sel, pod.metadata.labels) && isMemberOf(set, pod)) this.enqueue(set);
    }
  }

  // ---- sync

  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const set = this.setInformer.get(namespace, name);
    if (!set) return;
    const selector = fromLabelSelector(set.spec?.selector);
    if (!selector || selector.length === 0) {
      this.recorder.event(set, 'Warning', 'SelectingAll', 'This StatefulSet is selecting all pods. A non-empty selector is required.');
      return;
    }
    const canAdopt = recheckOwner(() => this.setClient.get(namespace, name), set.metadata.uid);
    this.adoptOrphanRevisions(set, selector, canAdopt);
    const candidates = this.podInformer.list(namespace).filter((p) => getControllerOf(p)?.uid === set.metadata.uid || (!getControllerOf(p) && isMemberOf(set, p)));
    const pods = claimObjects(candidates, {
      owner: set,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'StatefulSet',
      selector,
      client: this.podClient,
      canAdopt,
    });
    const revisions = this.revInformer.list(namespace).filter((r) => getControllerOf(r)?.uid === set.metadata.uid);
    const { current, update, collisionCount } = this.getRevisions(set, revisions);
    let status: StatefulSetStatus | undefined;
    let err: unknown;
    try {
      status = this.updateStatefulSet(set, current, update, collisionCount, pods);
    } catch (e) {
      err = e;
    }
    if (status) this.writeStatus(set, status);
    if (err) throw err;
    this.truncateHistory(set, this.podInformer.list(namespace).filter((p) => getControllerOf(p)?.uid === set.metadata.uid), this.revInformer.list(namespace).filter((r) => getControllerOf(r)?.uid === set.metadata.uid), current, update);
    // Ready pods turn available after minReadySeconds: look again then.
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0) {
      const now = this.ctx.clock.now();
      let wait: number | undefined;
      for (const p of pods) {
        const ms = msUntilAvailable(p, minReady, now);
        if (ms !== undefined && (wait === undefined || ms < wait)) wait = ms;
      }
      if (wait !== undefined) this.requeueAfter(key, wait);
    }
  }

  /** Revisions matching the selector with no controller are adopted (ClaimControllerRevisions). */
  private adoptOrphanRevisions(set: StatefulSet, selector: NonNullable<ReturnType<typeof fromLabelSelector>>, canAdopt: () => boolean): void {
    const orphans = this.revInformer.list(set.metadata.namespace).filter((r) => !getControllerOf(r) && matchesLabels(selector, r.metadata.labels));
    if (orphans.length === 0) return;
    claimObjects(orphans, { owner: set, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', selector, client: this.revClient, canAdopt });
  }

  /** getStatefulSetRevisions. */
  private getRevisions(set: StatefulSet, revs: ControllerRevision[]): { current: ControllerRevision; update: ControllerRevision; collisionCount: number } {
    const revisions = sortRevisions(revs);
    const collision = { count: set.status?.collisionCount ?? 0 };
    const candidate = newRevision(set, 'apps/v1', 'StatefulSet', set.spec?.template?.metadata?.labels ?? {}, templatePatch(set.spec?.template), nextRevision(revisions));
    const equal = findEqualRevisions(revisions, candidate);
    let update: ControllerRevision;
    const latest = revisions[revisions.length - 1];
    if (equal.length > 0 && latest && equalRevision(latest, equal[equal.length - 1])) {
      update = latest; // unchanged template
    } else if (equal.length > 0) {
      // Back to an older template (rollout undo): that revision becomes the newest.
      update = updateRevisionNumber(this.revClient, equal[equal.length - 1], candidate.revision as number);
    } else {
      update = createRevision(this.revClient, set, candidate, collision);
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount: collision.count };
  }

  /** The set with a revision's template applied (ApplyRevision). */
  private applyRevision(set: StatefulSet, rev: ControllerRevision): StatefulSet {
    const copy = clone(set);
    copy.spec = { ...(copy.spec ?? {}), template: templateOf(rev) as NonNullable<StatefulSet['spec']>['template'] };
    return copy;
  }

  /** updateStatefulSet: one step towards the desired pods; returns the status to write. */
  private updateStatefulSet(set: StatefulSet, currentRev: ControllerRevision, updateRev: ControllerRevision, collisionCount: number, pods: Pod[]): StatefulSetStatus {
    const currentSet = this.applyRevision(set, currentRev);
    const updateSet = this.applyRevision(set, updateRev);
    const now = this.ctx.clock.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation,
      currentRevision: currentRev.metadata.name,
      updateRevision: updateRev.metadata.name,
      collisionCount,
    };
    const start = startOrdinal(set);
    const count = Math.max(0, set.spec?.replicas ?? 1);
    const replicas: (Pod | undefined)[] = new Array(count).fill(undefined);
    const condemned: Pod[] = [];
    for (const p of pods) {
      if (podInOrdinalRange(p, set)) replicas[getOrdinal(p) - start] = p;
      else if (getOrdinal(p) >= 0) condemned.push(p);
    }
    for (let ord = start; ord <= endOrdinal(set); ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = this.newVersionedPod(currentSet, updateSet, currentRev.metadata.name as string, updateRev.metadata.name as string, ord, set.status?.currentReplicas ?? 0);
    }
    const reps = replicas as Pod[];
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    const computeStatus = () => Object.assign(status, replicaStatus([...reps, ...condemned], minReady, now, currentRev.metadata.name as string, updateRev.metadata.name as string));

    let firstUnhealthy: Pod | undefined;
    for (const p of reps) {
      if (!isHealthy(p)) {
        firstUnhealthy ??= p;
      }
    }
    for (let i = condemned.length - 1; i >= 0; i--) {
      if (!isHealthy(condemned[i])) firstUnhealthy ??= condemned[i];
    }
    if (set.metadata.deletionTimestamp) return computeStatus();

    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const runForAll = (list: Pod[], fn: (i: number) => boolean): boolean => {
      if (monotonic) {
        for (let i = 0; i < list.length; i++) if (fn(i)) return true;
        return false;
      }
      let firstErr: unknown;
      for (let i = 0; i < list.length; i++) {
        try {
          fn(i);
        } catch (e) {
          firstErr ??= e;
        }
      }
      if (firstErr) throw firstErr;
      return false;
    };

    // 1. the replicas, in ordinal order
    const processReplica = (i: number): boolean => {
      const pod = reps[i];
      const phase = podPhase(pod);
      if (phase === 'Failed' || phase === 'Succeeded') {
        if (!pod.metadata.deletionTimestamp) this.deletePod(set, pod, `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
        // A new pod is made on a later sync, once this one is gone.
        return true;
      }
      if (!isCreated(pod)) {
        if (this.podClaimIsStale(set, pod)) return true;
        this.createPod(set, pod);
        return monotonic;
      }
      if (phase === 'Pending') this.createMissingClaims(set, pod);
      if (isTerminating(pod) && monotonic) return true;
      if (!isRunningAndReady(pod) && monotonic) return true;
      if (!isRunningAndAvailable(pod, minReady, now) && monotonic) return true;
      const retentionOk = this.claimsMatchRetentionPolicy(updateSet, pod);
      if (identityMatches(set, pod) && storageMatches(set, pod) && retentionOk) return false;
      this.updatePod(updateSet, pod);
      return false;
    };
    if (runForAll(reps, processReplica)) return computeStatus();

    // Retention policy owner references on condemned pods' claims.
    const fixClaims = (i: number): boolean => {
      if (!this.claimsMatchRetentionPolicy(updateSet, condemned[i])) this.updateClaimsForRetention(updateSet, condemned[i]);
      return false;
    };
    if (runForAll(condemned, fixClaims)) return computeStatus();

    // 2. scale down, highest ordinal first
    const processCondemned = (i: number): boolean => {
      const pod = condemned[i];
      if (isTerminating(pod)) return monotonic;
      if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return true;
      if (!isRunningAndAvailable(pod, minReady, now) && monotonic && pod !== firstUnhealthy) return true;
      this.deletePod(set, pod, `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      return true;
    };
    if (runForAll(condemned, processCondemned)) return computeStatus();
    computeStatus();

    // 3. rolling update, highest ordinal first, down to the partition
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    if (strategy === 'OnDelete') return status;
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = reps.length - 1; target >= partition; target--) {
      const pod = reps[target];
      if (getPodRevision(pod) !== updateRev.metadata.name && !isTerminating(pod)) {
        this.deletePod(set, pod, `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
        if (status.currentReplicas) status.currentReplicas--;
        return status;
      }
      if (!isHealthy(pod)) return status;
    }
    return status;
  }

  /** newVersionedStatefulSetPod: below the partition, the current revision; else the update one. */
  private newVersionedPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number, currentReplicas: number): Pod {
    const us = currentSet.spec?.updateStrategy;
    const type = us?.type ?? 'RollingUpdate';
    const start = startOrdinal(currentSet);
    const useCurrent =
      type === 'RollingUpdate' &&
      ((us?.rollingUpdate === undefined && ordinal < start + currentReplicas) || (us?.rollingUpdate !== undefined && ordinal < start + (us.rollingUpdate.partition ?? 0)));
    const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
    setPodRevision(pod, useCurrent ? currentRevision : updateRevision);
    return pod;
  }

  // ---- pod and claim operations (StatefulPodControl)

  private createPod(set: StatefulSet, pod: Pod): void {
    this.createMissingClaims(set, pod);
    try {
      this.podClient.create(pod);
    } catch (e) {
      if (isAlreadyExists(e)) return; // a stale cache: seen on the next sync
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
    this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
  }

  private deletePod(set: StatefulSet, pod: Pod, message: string): void {
    try {
      this.podClient.delete(pod.metadata.namespace, pod.metadata.name as string, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (isNotFound(e)) return;
      this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
    this.recorder.event(set, 'Normal', 'SuccessfulDelete', message);
  }

  /** UpdateStatefulPod: repairs identity, storage and claim retention. */
  private updatePod(set: StatefulSet, pod: Pod): void {
    const uid = pod.metadata.uid;
    let failed: unknown;
    try {
      this.podClient.modify(pod.metadata.namespace, pod.metadata.name as string, (cur) => {
        if (cur.metadata.uid !== uid) return cur;
        if (!identityMatches(set, cur)) updateIdentity(set, cur);
        if (!storageMatches(set, cur)) {
          updateStorage(set, cur);
          this.createMissingClaims(set, cur);
        }
      });
      if (!this.claimsMatchRetentionPolicy(set, pod)) this.updateClaimsForRetention(set, pod);
    } catch (e) {
      if (isNotFound(e)) return;
      failed = e;
    }
    if (failed) {
      this.recorder.event(set, 'Warning', 'FailedUpdate', `update Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(failed as Error).message}`);
      throw failed;
    }
    this.recorder.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
  }

  /** createPersistentVolumeClaims: every claim of the pod that does not exist yet. */
  private createMissingClaims(set: StatefulSet, pod: Pod): void {
    for (const claim of claimsFor(set, pod).values()) {
      const existing = this.pvcInformer.get(claim.metadata.namespace, claim.metadata.name as string) ?? this.pvcClient.get(claim.metadata.namespace, claim.metadata.name as string);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
        continue;
      }
      const body = clone(claim);
      this.applyRetention(body, set, pod);
      try {
        this.pvcClient.create(body);
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
        throw e;
      }
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    }
  }

  /** PodClaimIsStale: with whenScaled=Delete, a claim still owned by an older pod of this name. */
  private podClaimIsStale(set: StatefulSet, pod: Pod): boolean {
    if ((set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain') === 'Retain') return false;
    for (const claim of claimsFor(set, pod).values()) {
      const pvc = this.pvcInformer.get(claim.metadata.namespace, claim.metadata.name as string);
      if (pvc && hasStaleOwnerRef(pvc, pod)) return true;
    }
    return false;
  }

  /**
   * updateClaimOwnerRefForSetAndPod: owner references that make the garbage collector carry
   * out the retention policy; true when `claim` changed.
   */
  private applyRetention(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
    const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
    const whenDeleted = policy.whenDeleted ?? 'Retain';
    const whenScaled = policy.whenScaled ?? 'Retain';
    const scaledDown = !podInOrdinalRange(pod, set);
    const podCreated = pod.metadata.uid !== undefined;
    let changed = false;
    const setRef = () => (changed = setOwnerRef(claim, set, 'apps/v1', 'StatefulSet') || changed);
    const unsetRef = () => (changed = removeOwnerRef(claim, set) || changed);
    const podRef = () => (changed = (podCreated && setOwnerRef(claim, pod, 'v1', 'Pod')) || changed);
    const unpodRef = () => (changed = (podCreated && removeOwnerRef(claim, pod)) || changed);
    if (whenScaled === 'Retain' && whenDeleted === 'Retain') {
      unsetRef();
      unpodRef();
    } else if (whenScaled === 'Retain' && whenDeleted === 'Delete') {
      setRef();
      unpodRef();
    } else if (whenScaled === 'Delete' && whenDeleted === 'Retain') {
      unsetRef();
      if (scaledDown) podRef();
      else unpodRef();
    } else if (whenScaled === 'Delete' && whenDeleted === 'Delete') {
      if (scaledDown) {
        unsetRef();
        podRef();
      } else {
        setRef();
        unpodRef();
      }
    }
    return changed;
  }

  private claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): boolean {
    for (const claim of claimsFor(set, pod).values()) {
      const pvc = this.pvcInformer.get(claim.metadata.namespace, claim.metadata.name as string);
      if (!pvc) continue; // created later with the right references
      if (this.applyRetention(clone(pvc), set, pod)) return false;
    }
    return true;
  }

  private updateClaimsForRetention(set: StatefulSet, pod: Pod): void {
    for (const claim of claimsFor(set, pod).values()) {
      const pvc = this.pvcInformer.get(claim.metadata.namespace, claim.metadata.name as string);
      if (!pvc) continue;
      if (!this.applyRetention(clone(pvc), set, pod)) continue;
      this.pvcClient.modify(pvc.metadata.namespace, pvc.metadata.name as string, (cur) => {
        this.applyRetention(cur, set, pod);
      });
    }
  }

  // ---- status and history

  /** updateStatefulSetStatus: completes a finished rolling update, writes when changed. */
  private writeStatus(set: StatefulSet, status: StatefulSetStatus): void {
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const next: StatefulSetStatus = { ...status };
    if (strategy === 'RollingUpdate' && (next.updatedReplicas ?? 0) === (next.replicas ?? 0) && (next.readyReplicas ?? 0) === (next.replicas ?? 0)) {
      next.currentReplicas = next.updatedReplicas;
      next.currentRevision = next.updateRevision;
    }
    // Go's omitempty: zero counts and empty strings are left out (replicas and availableReplicas stay).
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'observedGeneration'] as const) if (!next[k]) delete next[k];
    for (const k of ['currentRevision', 'updateRevision'] as const) if (!next[k]) delete next[k];
    next.replicas ??= 0;
    next.availableReplicas ??= 0;
    if (set.status?.conditions) next.conditions = set.status.conditions;
    if (JSON.stringify(canonical(next)) === JSON.stringify(canonical(set.status ?? {}))) return;
    const copy = clone(set);
    copy.status = next;
    try {
      this.setClient.updateStatus(copy);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** truncateHistory: keeps revisionHistoryLimit revisions besides the live ones. */
  private truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], current: ControllerRevision, update: ControllerRevision): void {
    const live = new Set<string>([current.metadata.name as string, update.metadata.name as string]);
    for (const p of pods) live.add(getPodRevision(p));
    const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata.name as string));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    if (history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) deleteRevision(this.revClient, r);
  }
}

/** computeReplicaStatus. */
function replicaStatus(pods: Pod[], minReady: number, now: Date, currentRevision: string, updateRevision: string): StatefulSetStatus {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    if (isCreated(p)) s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(p, minReady, now)) s.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      const rev = getPodRevision(p);
      if (rev === currentRevision) s.currentReplicas++;
      if (rev === updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

/** controller-manager entry point: `statefulset`. */
export function startStatefulSetController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new StatefulSetController(ctx));
}
