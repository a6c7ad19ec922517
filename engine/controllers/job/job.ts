/**
 * The Job controller (upstream pkg/controller/job/job_controller.go, v1.32 behaviour).
 *
 * A Job runs pods until `completions` of them succeed (NonIndexed), or until every index in
 * [0, completions) has a succeeded pod (Indexed), with at most `parallelism` at a time:
 * - handlers enqueue the Job of a pod (by controller reference) or the Job itself; pods whose
 *   Job is gone go to a second queue that only strips the tracking finalizer (orphans);
 * - sync(key) reads the Job and its pods from the caches, counts newly finished pods, decides
 *   whether the Job failed (backoffLimit, activeDeadlineSeconds, a FailJob pod failure policy
 *   rule) or succeeded, otherwise creates/deletes pods (manageJob), then writes status;
 * - pods carry the `batch.kubernetes.io/job-tracking` finalizer: a finished pod is first
 *   recorded in status.uncountedTerminatedPods, then its finalizer is removed, then it moves
 *   into succeeded/failed — so no pod is counted twice or lost, even if it is deleted;
 * - as v1.32 (JobManagedBy/JobPodReplacementPolicy on), the terminal condition comes in two
 *   steps: SuccessCriteriaMet / FailureTarget first, then Complete / Failed once no pod is
 *   terminating; status.terminating and status.ready are always reported;
 * - failed pods are replaced after an exponential backoff (10 s doubling, max 6 min);
 * - expectations keep a stale cache from creating or deleting twice.
 *
 * - Indexed Jobs with backoffLimitPerIndex retry and fail each index on its own (perindex.ts):
 *   status.failedIndexes, FailedIndexes / MaxFailedIndexesExceeded, backoff per index.
 *
 * Not implemented: successPolicy, elastic Indexed Jobs' special cases, and metrics.
 */
import type { EngineContext } from '../../component.js';
import { clone } from '../../api/types.js';
import { fromLabelSelector, matchesLabels } from '../../api/selectors.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, type QueueWorker, isNamespaceTerminating, isNotFound, metaTime, parseTime, startDeferred } from '../shared/controller.js';
import { ControllerExpectations } from '../shared/expectations.js';
import { claimObjects, getControllerOf, newControllerRef, recheckOwner, refersTo } from '../shared/ownerrefs.js';
import { isPodReady, isPodTerminal, podPhase, sortPodsForDeletion, type Pod } from '../shared/pods.js';
import {
  calculateSucceededIndexes,
  duplicatedIndexPods,
  firstPendingIndexes,
  formatIntervals,
  getCompletionIndex,
  hasTrackingFinalizer,
  intervalsTotal,
  withIndexes,
  type Interval,
} from './indexed.js';
import {
  MAX_INT32,
  calculateFailedIndexes,
  hasBackoffLimitPerIndex,
  lastFailedPodPerIndex,
  newIndexFailureCounts,
  remainingTimePerIndex,
  JOB_INDEX_FAILURE_COUNT,
  JOB_INDEX_IGNORED_FAILURE_COUNT,
} from './perindex.js';
import { backoffRemaining, failJobMessage, isPodFailed, matchPodFailurePolicy, nextBackoffRecord, onlyReplaceFailedPods, type BackoffRecord } from './policy.js';
import {
  JOB_COMPLETION_INDEX,
  JOB_COMPLETION_INDEX_ENV,
  JOB_CONTROLLER_NAME,
  JOB_TRACKING_FINALIZER,
  isJobFinished,
  jobCondition,
  type Job,
  type JobCondition,
} from './types.js';

/** Upstream MaxPodCreateDeletePerSync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Upstream MaxUncountedPods: cap on UIDs recorded in one status write. */
export const MAX_UNCOUNTED_PODS = 500;

export interface JobControllerOptions {
  recorder?: EventRecorder;
}

/** Finalizer removals the controller has asked for and not yet seen (per Job key, pod UIDs). */
class FinalizerExpectations {
  private readonly m = new Map<string, Set<string>>();
  expect(key: string, uids: string[]): void {
    const s = this.m.get(key) ?? new Set<string>();
    for (const u of uids) s.add(u);
    this.m.set(key, s);
  }
  observed(key: string, uid: string): void {
    const s = this.m.get(key);
    if (!s) return;
    s.delete(uid);
    if (s.size === 0) this.m.delete(key);
  }
  get(key: string): Set<string> {
    return this.m.get(key) ?? new Set();
  }
  delete(key: string): void {
    this.m.delete(key);
  }
}

/** Everything one sync works with (upstream syncJobCtx). */
interface SyncCtx {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  expectedRmFinalizers: Set<string>;
  finishedCondition?: JobCondition;
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  /** backoffLimitPerIndex only: indexes that failed for good. */
  failedIndexes?: Interval[];
  newBackoffRecord: BackoffRecord;
}

export class JobController extends Controller {
  /** Pods whose Job is gone (or never existed) but still carry the tracking finalizer. */
  readonly orphanWorker: QueueWorker;
  readonly expectations: ControllerExpectations;
  private readonly finalizerExpectations = new FinalizerExpectations();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly recorder: EventRecorder;
  private jobInformer!: Informer<Job>;
  private podInformer!: Informer<Pod>;
  private readonly jobClient: ResourceClient<Job>;
  private readonly podClient: ResourceClient<Pod>;

  constructor(ctx: EngineContext, opts: JobControllerOptions = {}) {
    super(ctx, 'job-controller');
    this.recorder = this.recorderFor('job-controller', opts.recorder);
    this.expectations = new ControllerExpectations(ctx.clock);
    this.orphanWorker = this.addWorker('job-controller-orphans', (key) => this.syncOrphanPod(key));
    this.jobClient = ctx.client.resource<Job>('batch', 'Job');
    this.podClient = ctx.client.resource<Pod>('', 'Pod');
  }

  protected register(): void {
    this.jobInformer = this.informer<Job>('batch', 'Job');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.jobInformer.addHandler({
      add: (j) => this.enqueue(j),
      update: (old, cur) => this.updateJob(old, cur),
      delete: (j) => this.deleteJob(j),
    });
    this.podInformer.addHandler({
      add: (p) => this.addPod(p),
      update: (o, p) => this.updatePod(o, p),
      delete: (p) => this.deletePod(p),
    });
  }

  // ---- job handlers

  private updateJob(old: Job, cur: Job): void {
    this.enqueue(cur);
    // A changed activeDeadlineSeconds (or a resumed Job) needs a timer from the new values.
    const deadline = cur.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && deadline !== old.spec?.activeDeadlineSeconds) {
      const start = parseTime(cur.status?.startTime);
      if (start !== undefined) {
        const left = start + deadline * 1000 - this.ctx.clock.now().getTime();
        if (left > 0) this.requeueAfter(keyOf(cur), left);
      }
    }
  }

  private deleteJob(j: Job): void {
    const key = keyOf(j);
    this.expectations.delete(key);
    this.finalizerExpectations.delete(key);
    this.backoff.delete(key);
    // Its pods' finalizers must go, or they would be stuck forever (cleanupPodFinalizers).
    for (const p of this.podInformer.list(j.metadata.namespace)) {
      if (getControllerOf(p)?.uid === j.metadata.uid && hasTrackingFinalizer(p)) this.orphanWorker.enqueue(keyOf(p));
    }
  }

  // ---- pod handlers

  private resolveControllerRef(pod: Pod): Job | undefined {
    const ref = getControllerOf(pod);
    if (!refersTo(ref, 'batch', 'Job') || !ref) return undefined;
    const job = this.jobInformer.get(pod.metadata.namespace, ref.name);
    return job && job.metadata.uid === ref.uid ? job : undefined;
  }

  private jobsForOrphan(pod: Pod): Job[] {
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) return [];
    return this.jobInformer.list(pod.metadata.namespace).filter((j) => {
      const sel = fromLabelSelector(j.spec?.selector);
      return sel !== null && sel.length > 0 && matchesLabels(sel, pod.metadata.labels);
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod, false);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const job = this.resolveControllerRef(pod);
      if (!job) {
        if (hasTrackingFinalizer(pod)) this.orphanWorker.enqueue(keyOf(pod));
        return;
      }
      this.expectations.creationObserved(keyOf(job));
      this.enqueue(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanWorker.enqueue(keyOf(pod));
    for (const j of this.jobsForOrphan(pod)) this.enqueue(j);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      // The pod is going away: it is a deletion for expectations (it will not count as active).
      this.deletePod(cur, false);
      return;
    }
    const job = this.resolveControllerRef(cur);
    if (job && hasTrackingFinalizer(old) && !hasTrackingFinalizer(cur)) {
      this.finalizerExpectations.observed(keyOf(job), cur.metadata.uid as string);
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef && (!curRef || curRef.uid !== oldRef.uid)) {
      const oldJob = this.resolveControllerRef(old);
      if (oldJob) this.enqueue(oldJob);
    }
    if (curRef) {
      if (job) this.enqueue(job);
      else if (hasTrackingFinalizer(cur)) this.orphanWorker.enqueue(keyOf(cur));
      return;
    }
    if (hasTrackingFinalizer(cur)) this.orphanWorker.enqueue(keyOf(cur));
    for (const j of this.jobsForOrphan(cur)) this.enqueue(j);
  }

  /** `final`: the pod left the store (not only marked for deletion). */
  private deletePod(pod: Pod, final = true): void {
    const job = this.resolveControllerRef(pod);
    if (!job) {
      if (!final && hasTrackingFinalizer(pod)) this.orphanWorker.enqueue(keyOf(pod));
      return;
    }
    const key = keyOf(job);
    this.expectations.deletionObserved(key);
    if (final) this.finalizerExpectations.observed(key, pod.metadata.uid as string);
    this.enqueue(job);
  }

  // ---- orphan pods

  /** syncOrphanPod: removes the tracking finalizer of a pod no unfinished Job controls. */
  syncOrphanPod(key: string): void {
    const [namespace, name] = splitKey(key);
    const pod = this.podInformer.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = getControllerOf(pod);
    if (ref) {
      if (!refersTo(ref, 'batch', 'Job') || ref.apiVersion !== 'batch/v1') return; // not ours
      const job = this.resolveControllerRef(pod);
      if (job && managedByOther(job)) return;
      if (job && !isJobFinished(job)) return; // adopted: the Job's sync handles it
    }
    this.removeFinalizer(pod);
  }

  /** Strips the tracking finalizer; true when gone (or the pod is). */
  private removeFinalizer(pod: Pod): boolean {
    const uid = pod.metadata.uid;
    try {
      this.podClient.modify(pod.metadata.namespace, pod.metadata.name as string, (cur) => {
        if (cur.metadata.uid !== uid) return cur;
        const fins = (cur.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
        if (fins.length) cur.metadata.finalizers = fins;
        else delete cur.metadata.finalizers;
      });
      return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }

  // ---- sync

  /** Reconciles one Job by key; idempotent. */
  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const shared = this.jobInformer.get(namespace, name);
    if (!shared) {
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
      this.backoff.delete(key);
      return;
    }
    if (managedByOther(shared)) return;
    if (isJobFinished(shared)) {
      this.backoff.delete(key);
      return;
    }
    const mode = shared.spec?.completionMode ?? 'NonIndexed';
    if (mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const job = clone(shared);
    const status = (job.status ??= {});
    status.uncountedTerminatedPods ??= {};
    const now = this.ctx.clock.now();

    // Check expectations before listing pods, so a pod arriving in between only delays us.
    const satisfied = this.expectations.satisfied(key);
    const pods = this.getPodsForJob(job);
    const activePods = pods.filter((p) => !isPodTerminal(p) && !p.metadata.deletionTimestamp);
    const uncounted = status.uncountedTerminatedPods;
    const c: SyncCtx = {
      job,
      pods,
      activePods,
      ready: activePods.filter(isPodReady).length,
      terminating: pods.filter((p) => p.metadata.deletionTimestamp && !isPodTerminal(p)).length,
      succeeded: 0,
      failed: 0,
      uncountedSucceeded: new Set(uncounted.succeeded ?? []),
      uncountedFailed: new Set(uncounted.failed ?? []),
      expectedRmFinalizers: this.finalizerExpectations.get(key),
      prevSucceededIndexes: [],
      succeededIndexes: [],
      newBackoffRecord: { failuresAfterLastSuccess: 0 },
    };
    let active = activePods.length;
    const { newSucceeded, newFailed } = this.newFinishedPods(c);
    c.succeeded = (status.succeeded ?? 0) + newSucceeded.length + c.uncountedSucceeded.size;
    const countedNewFailed = job.spec?.podFailurePolicy ? newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed).length : newFailed.length;
    c.failed = (status.failed ?? 0) + countedNewFailed + c.uncountedFailed.size;

    // First start: startTime, unless suspended.
    if (!status.startTime && !suspended(job)) status.startTime = metaTime(now);
    c.newBackoffRecord = nextBackoffRecord(this.backoff.get(key), newSucceeded, newFailed);

    let manageErr: unknown;
    const backoffLimit = job.spec?.backoffLimit ?? (hasBackoffLimitPerIndex(job) ? MAX_INT32 : 6);
    const successMet = jobCondition(job, 'SuccessCriteriaMet');
    if (successMet?.status === 'True') c.finishedCondition = successMet;
    if (!c.finishedCondition) {
      const target = jobCondition(job, 'FailureTarget');
      if (target?.status === 'True') c.finishedCondition = newCondition('Failed', target.reason, target.message, now);
      else {
        const msg = failJobMessage(job, pods);
        if (msg) c.finishedCondition = newCondition('FailureTarget', 'PodFailurePolicy', msg, now);
      }
    }
    if (!c.finishedCondition) {
      if (c.failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        c.finishedCondition = newCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
      } else if (this.pastActiveDeadline(job)) {
        c.finishedCondition = newCondition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
      } else if (job.spec?.activeDeadlineSeconds !== undefined && !suspended(job)) {
        const start = parseTime(status.startTime) ?? now.getTime();
        this.requeueAfter(key, Math.max(0, start + job.spec.activeDeadlineSeconds * 1000 - now.getTime()));
      }
    }
    if (isIndexed(job)) {
      const { prev, all } = calculateSucceededIndexes(job, pods);
      c.prevSucceededIndexes = prev;
      c.succeededIndexes = all;
      c.succeeded = intervalsTotal(all);
      if (hasBackoffLimitPerIndex(job)) {
        c.failedIndexes = calculateFailedIndexes(job, pods);
        const failedTotal = intervalsTotal(c.failedIndexes);
        const maxFailed = job.spec?.maxFailedIndexes;
        if (!c.finishedCondition && typeof maxFailed === 'number' && failedTotal > maxFailed) {
          c.finishedCondition = newCondition('FailureTarget', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes', now);
        } else if (!c.finishedCondition && failedTotal > 0 && failedTotal + intervalsTotal(all) >= (job.spec?.completions ?? 0)) {
          c.finishedCondition = newCondition('FailureTarget', 'FailedIndexes', 'Job has failed indexes', now);
        }
      }
    }

    let suspendChanged = false;
    if (c.finishedCondition) {
      // The Job is done: stop what still runs (finalizers stay until counted).
      const { deleted, deletedReady, err } = this.deleteActivePods(c.activePods);
      if (deleted !== active || !satisfied) c.finishedCondition = undefined;
      active -= deleted;
      c.terminating += deleted;
      c.ready -= deletedReady;
      manageErr = err;
    } else {
      let managed = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        try {
          active = this.manageJob(job, c, key);
        } catch (e) {
          manageErr = e;
        }
        managed = true;
      }
      const completions = job.spec?.completions;
      const complete = completions === undefined || completions === null ? c.succeeded > 0 && active === 0 : c.succeeded >= completions && active === 0;
      if (complete) {
        c.finishedCondition = newCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      } else if (managed) {
        if (suspended(job)) {
          if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendChanged = true;
            this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
          suspendChanged = true;
          this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts continuous activity: a resumed Job starts afresh.
          status.startTime = metaTime(now);
        }
      }
    }

    const needsUpdate = suspendChanged || active !== (shared.status?.active ?? 0) || c.ready !== shared.status?.ready || c.terminating !== shared.status?.terminating;
    status.active = active;
    status.ready = c.ready;
    status.terminating = c.terminating;
    this.trackStatusAndRemoveFinalizers(c, key, needsUpdate);
    if (manageErr) throw manageErr;
  }

  /** getPodsForJob: every pod the Job controls (adopting matching orphans, with the finalizer). */
  private getPodsForJob(job: Job): Pod[] {
    const sel = fromLabelSelector(job.spec?.selector);
    if (!sel || sel.length === 0) return [];
    const namespace = job.metadata.namespace;
    const all = this.podInformer.list(namespace);
    const before = new Set(all.filter((p) => getControllerOf(p)?.uid === job.metadata.uid).map((p) => p.metadata.uid));
    const claimed = claimObjects(all, {
      owner: job,
      ownerApiVersion: 'batch/v1',
      ownerKind: 'Job',
      selector: sel,
      client: this.podClient,
      canAdopt: recheckOwner(() => this.jobClient.get(namespace, job.metadata.name as string), job.metadata.uid),
    });
    return claimed.map((p) => {
      if (before.has(p.metadata.uid) || hasTrackingFinalizer(p) || isPodTerminal(p)) return p;
      // Adopted: track it too (upstream adds the finalizer in the adoption patch).
      try {
        return (
          this.podClient.modify(namespace, p.metadata.name as string, (cur) => {
            cur.metadata.finalizers = [...(cur.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
          }) ?? p
        );
      } catch {
        return p;
      }
    });
  }

  /** Finished pods not yet in the counters nor in uncountedTerminatedPods. */
  private newFinishedPods(c: SyncCtx): { newSucceeded: Pod[]; newFailed: Pod[] } {
    const valid = (p: Pod, uncounted: Set<string>) => {
      const uid = p.metadata.uid as string;
      if (!hasTrackingFinalizer(p) || uncounted.has(uid) || c.expectedRmFinalizers.has(uid)) return false;
      if (isIndexed(c.job)) {
        const ix = getCompletionIndex(p);
        if (ix < 0 || ix >= (c.job.spec?.completions ?? 0)) return false;
      }
      return true;
    };
    return {
      newSucceeded: c.pods.filter((p) => valid(p, c.uncountedSucceeded) && podPhase(p) === 'Succeeded'),
      newFailed: c.pods.filter((p) => valid(p, c.uncountedFailed) && isPodFailed(p, c.job)),
    };
  }

  private pastActiveDeadline(job: Job): boolean {
    const d = job.spec?.activeDeadlineSeconds;
    const start = parseTime(job.status?.startTime);
    if (d === undefined || start === undefined || suspended(job)) return false;
    return this.ctx.clock.now().getTime() - start >= d * 1000;
  }

  /** manageJob: creates or deletes pods to run `wantActive`; returns the new active count. */
  private manageJob(job: Job, c: SyncCtx, key: string): number {
    let active = c.activePods.length;
    const parallelism = job.spec?.parallelism ?? 1;
    if (suspended(job)) {
      const victims = this.activePodsForRemoval(job, c.activePods, active);
      this.expectations.expectDeletions(key, victims.length);
      const r = this.deleteJobPods(job, key, victims);
      active -= r.deleted;
      c.terminating += r.deleted;
      c.ready -= r.deletedReady;
      if (r.err) throw r.err;
      return active;
    }
    const completions = job.spec?.completions;
    let wantActive: number;
    if (completions === undefined || completions === null) wantActive = c.succeeded > 0 ? active : parallelism;
    else wantActive = Math.max(0, Math.min(completions - c.succeeded - (c.failedIndexes ? intervalsTotal(c.failedIndexes) : 0), parallelism));

    const rmAtLeast = Math.max(0, active - wantActive);
    let victims = this.activePodsForRemoval(job, c.activePods, rmAtLeast);
    if (victims.length > MAX_POD_CREATE_DELETE_PER_SYNC) victims = victims.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (victims.length > 0) {
      this.expectations.expectDeletions(key, victims.length);
      const r = this.deleteJobPods(job, key, victims);
      active -= r.deleted;
      c.terminating += r.deleted;
      c.ready -= r.deletedReady;
      if (r.err) throw r.err;
      return active;
    }

    const terminating = onlyReplaceFailedPods(job) ? c.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;
    const perIndex = c.failedIndexes !== undefined;
    const nowMs = this.ctx.clock.now().getTime();
    // With backoffLimitPerIndex each index waits on its own failures instead (below).
    const wait = perIndex ? 0 : backoffRemaining(c.newBackoffRecord, nowMs);
    if (wait > 0) {
      this.requeueAfter(key, wait);
      return active;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    const replaced = perIndex ? lastFailedPodPerIndex(job, c.pods) : new Map<number, Pod>();
    if (isIndexed(job)) {
      const terminatingPods = onlyReplaceFailedPods(job) ? c.pods.filter((p) => p.metadata.deletionTimestamp && !isPodTerminal(p)) : [];
      const done = c.failedIndexes ? withIndexes([...c.succeededIndexes, ...c.failedIndexes], []) : c.succeededIndexes;
      indexes = firstPendingIndexes(done, c.activePods, perIndex ? completions ?? 0 : diff, completions ?? 0, terminatingPods);
      if (perIndex) {
        let soonest = Infinity;
        indexes = indexes.filter((ix) => {
          const left = remainingTimePerIndex(replaced.get(ix), nowMs);
          if (left > 0) soonest = Math.min(soonest, left);
          return left === 0;
        });
        if (soonest < Infinity) this.requeueAfter(key, soonest);
        indexes = indexes.slice(0, diff);
      }
      diff = indexes.length;
      if (diff === 0) return active;
    }
    this.expectations.expectCreations(key, diff);
    let created = 0;
    let firstErr: unknown;
    // Slow start: batches of 1, 2, 4 … stop after a batch with a failure.
    let batch = 1;
    let remaining = diff;
    outer: while (remaining > 0) {
      const size = Math.min(batch, remaining);
      let failed = false;
      for (let i = 0; i < size; i++) {
        const index = indexes.length ? indexes.shift() : undefined;
        try {
          const template = podForJob(job, index);
          if (perIndex && index !== undefined) {
            // The index's failure counts travel with its pods (upstream addIndexFailureCountAnnotation).
            const counts = newIndexFailureCounts(job, replaced.get(index));
            template.metadata.annotations = { ...(template.metadata.annotations ?? {}), [JOB_INDEX_FAILURE_COUNT]: String(counts.failures) };
            if (counts.ignored > 0) template.metadata.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(counts.ignored);
          }
          const pod = this.podClient.create(template);
          this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
          created++;
        } catch (e) {
          this.expectations.creationObserved(key);
          if (isNamespaceTerminating(e)) {
            remaining = 0;
            break outer;
          }
          this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          firstErr ??= e;
          failed = true;
        }
      }
      remaining -= size;
      if (failed) {
        // Skipped creations will never be observed.
        this.expectations.lower(key, remaining, 0);
        break;
      }
      batch *= 2;
    }
    active += created;
    if (firstErr) throw firstErr;
    return active;
  }

  /**
   * Pods to delete when there are too many: for Indexed Jobs first duplicates and bad indexes,
   * then the least valuable (not ready < ready, unscheduled < scheduled, pending < running).
   */
  private activePodsForRemoval(job: Job, pods: Pod[], rmAtLeast: number): Pod[] {
    let rm: Pod[] = [];
    let left = pods;
    if (isIndexed(job)) ({ rm, left } = duplicatedIndexPods(pods, job.spec?.completions ?? 0));
    if (rm.length < rmAtLeast) rm = rm.concat(sortPodsForDeletion(left).slice(0, rmAtLeast - rm.length));
    return rm;
  }

  /** deleteJobPods: removes the finalizer (the pod will not be counted) and deletes. */
  private deleteJobPods(job: Job, key: string, pods: Pod[]): { deleted: number; deletedReady: number; err?: unknown } {
    let deleted = 0;
    let deletedReady = 0;
    let err: unknown;
    for (const p of pods) {
      try {
        this.removeFinalizer(p);
        this.podClient.delete(p.metadata.namespace, p.metadata.name as string);
        deleted++;
        if (isPodReady(p)) deletedReady++;
        this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (e) {
        this.expectations.deletionObserved(key);
        if (isNotFound(e)) {
          deleted++;
          continue;
        }
        this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
        err ??= e;
      }
    }
    return { deleted, deletedReady, err };
  }

  /** deleteActivePods: deletes (keeping finalizers: the pods are counted once finished). */
  private deleteActivePods(pods: Pod[]): { deleted: number; deletedReady: number; err?: unknown } {
    let deleted = 0;
    let deletedReady = 0;
    let err: unknown;
    for (const p of pods) {
      try {
        this.podClient.delete(p.metadata.namespace, p.metadata.name as string);
        deleted++;
      } catch (e) {
        if (isNotFound(e)) deleted++;
        else err ??= e;
        continue;
      }
      if (isPodReady(p)) deletedReady++;
    }
    return { deleted, deletedReady, err };
  }

  /**
   * trackJobStatusAndRemoveFinalizers: (1) record finished pods in uncountedTerminatedPods and
   * flush, (2) remove their finalizers, (3) move them into succeeded/failed, (4) add the
   * terminal condition once nothing is uncounted or terminating.
   */
  private trackStatusAndRemoveFinalizers(c: SyncCtx, key: string, needsFlushIn: boolean): void {
    let needsFlush = needsFlushIn;
    const job = c.job;
    const status = job.status as NonNullable<Job['status']>;
    const uncounted = status.uncountedTerminatedPods as { succeeded?: string[]; failed?: string[] };
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    const pods = indexed ? [...c.pods].sort((a, b) => getCompletionIndex(a) - getCompletionIndex(b)) : c.pods;
    const withFinalizer = new Set<string>();
    for (const p of pods) {
      const uid = p.metadata.uid as string;
      if (hasTrackingFinalizer(p) && !c.expectedRmFinalizers.has(uid)) withFinalizer.add(uid);
    }
    if (cleanUncounted(status, withFinalizer)) needsFlush = true;
    const toRemove: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    const failedNow = c.finishedCondition !== undefined && c.finishedCondition.type !== 'SuccessCriteriaMet' && c.finishedCondition.type !== 'Complete';
    for (const p of pods) {
      const uid = p.metadata.uid as string;
      if (!hasTrackingFinalizer(p) || c.expectedRmFinalizers.has(uid)) continue;
      const considerFailed = isPodFailed(p, job);
      // canRemoveFinalizer
      if (!(job.metadata.deletionTimestamp || c.finishedCondition || podPhase(p) === 'Succeeded' || considerFailed)) continue;
      toRemove.push(p);
      if (podPhase(p) === 'Succeeded' && !c.uncountedFailed.has(uid)) {
        if (indexed) {
          const ix = getCompletionIndex(p);
          if (ix >= 0 && ix < completions && !c.prevSucceededIndexes.some((iv) => ix >= iv.first && ix <= iv.last)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!c.uncountedSucceeded.has(uid)) {
          (uncounted.succeeded ??= []).push(uid);
          c.uncountedSucceeded.add(uid);
          needsFlush = true;
        }
      } else if (considerFailed || failedNow) {
        // Once the Job has failed, every pod not finished counts as failed.
        const ix = getCompletionIndex(p);
        if (!c.uncountedFailed.has(uid) && (!indexed || (ix >= 0 && ix < completions))) {
          if (!job.spec?.podFailurePolicy || matchPodFailurePolicy(job, p).countFailed) {
            (uncounted.failed ??= []).push(uid);
            c.uncountedFailed.add(uid);
            needsFlush = true;
          }
        }
      }
      if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      const all = c.succeededIndexes;
      const text = formatIntervals(all);
      if (text !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = intervalsTotal(all);
      if (text) status.completedIndexes = text;
      else delete status.completedIndexes;
      if (c.failedIndexes) {
        // Always present (possibly "") with backoffLimitPerIndex, as upstream writes it.
        const failedText = formatIntervals(c.failedIndexes);
        if (failedText !== status.failedIndexes) needsFlush = true;
        status.failedIndexes = failedText;
      }
    }
    const now = this.ctx.clock.now();
    if (c.finishedCondition?.type === 'FailureTarget') {
      // The interim FailureTarget is written before the finalizers go; Failed comes after.
      status.conditions = [...(status.conditions ?? []), c.finishedCondition];
      needsFlush = true;
      c.finishedCondition = newCondition('Failed', c.finishedCondition.reason, c.finishedCondition.message, now);
    }
    if (c.finishedCondition?.type === 'SuccessCriteriaMet') {
      if (jobCondition(job, 'SuccessCriteriaMet')?.status !== 'True') {
        status.conditions = [...(status.conditions ?? []), c.finishedCondition];
        needsFlush = true;
      }
      c.finishedCondition = newCondition('Complete', c.finishedCondition.reason, c.finishedCondition.message, now);
    }

    // flushUncountedAndRemoveFinalizers
    let current = job;
    if (needsFlush) {
      current = this.writeStatus(current);
      this.backoff.set(key, c.newBackoffRecord);
      needsFlush = false;
    }
    let rmErr: unknown;
    if (toRemove.length) {
      this.finalizerExpectations.expect(key, toRemove.map((p) => p.metadata.uid as string));
      for (const p of toRemove) {
        try {
          this.removeFinalizer(p);
          withFinalizer.delete(p.metadata.uid as string);
        } catch (e) {
          this.finalizerExpectations.observed(key, p.metadata.uid as string);
          rmErr ??= e;
        }
      }
    }
    const st = current.status as NonNullable<Job['status']>;
    if (cleanUncounted(st, withFinalizer)) needsFlush = true;
    if (rmErr) {
      if (needsFlush) this.writeStatus(current);
      throw rmErr;
    }
    // enactJobFinished
    let finished = false;
    if (!reachedMax && c.finishedCondition) {
      const left = (st.uncountedTerminatedPods?.succeeded?.length ?? 0) + (st.uncountedTerminatedPods?.failed?.length ?? 0);
      if (left === 0 && c.terminating === 0) {
        const fc = c.finishedCondition;
        ensureCondition(st, fc.type, 'True', fc.reason ?? '', fc.message ?? '', now);
        if (fc.type === 'Complete') st.completionTime = metaTime(now);
        finished = true;
        needsFlush = true;
      }
    }
    if (needsFlush) {
      current = this.writeStatus(current);
      if (finished) {
        const fc = c.finishedCondition as JobCondition;
        if (fc.type === 'Complete') {
          const want = current.spec?.completions;
          if (typeof want === 'number' && (current.status?.succeeded ?? 0) > want) {
            this.recorder.event(current, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
          }
          this.recorder.event(current, 'Normal', 'Completed', 'Job completed');
        } else {
          this.recorder.event(current, 'Warning', fc.reason ?? 'Failed', fc.message ?? '');
        }
      }
    }
  }

  /** Writes status (zero counters left out, as Go's omitempty does); returns the stored Job. */
  private writeStatus(job: Job): Job {
    const st = { ...(job.status ?? {}) };
    for (const k of ['active', 'succeeded', 'failed'] as const) if (!st[k]) delete st[k];
    const u = st.uncountedTerminatedPods ?? {};
    st.uncountedTerminatedPods = {};
    if (u.succeeded?.length) st.uncountedTerminatedPods.succeeded = u.succeeded;
    if (u.failed?.length) st.uncountedTerminatedPods.failed = u.failed;
    const copy: Job = { ...job, status: st };
    try {
      const stored = this.jobClient.updateStatus(copy);
      // Keep working on a copy with the working fields (updateStatus returns the store's object).
      const next = clone(stored);
      next.status ??= {};
      next.status.uncountedTerminatedPods ??= {};
      return next;
    } catch (e) {
      if (isNotFound(e)) return job;
      throw e;
    }
  }
}

function managedByOther(job: Job): boolean {
  const m = job.spec?.managedBy;
  return m !== undefined && m !== JOB_CONTROLLER_NAME;
}

function suspended(job: Job): boolean {
  return job.spec?.suspend === true;
}

function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

function newCondition(type: string, reason: string | undefined, message: string | undefined, now: Date): JobCondition {
  const t = metaTime(now);
  return { type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: reason ?? '', message: message ?? '' };
}

/** ensureJobConditionStatus: sets a condition's status; true when something changed. */
function ensureCondition(status: NonNullable<Job['status']>, type: string, value: string, reason: string, message: string, now: Date): boolean {
  const conds = status.conditions ?? [];
  const t = metaTime(now);
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) {
    if (value === 'False') return false; // a False condition that never existed is not added
    status.conditions = [...conds, { type, status: value, lastProbeTime: t, lastTransitionTime: t, reason, message }];
    return true;
  }
  const c = conds[i];
  if (c.status === value && c.reason === reason && c.message === message) return false;
  conds[i] = { ...c, status: value, reason, message, lastProbeTime: t, ...(c.status !== value ? { lastTransitionTime: t } : {}) };
  return true;
}

/** Moves uncounted UIDs whose finalizer is gone into succeeded/failed; true when changed. */
function cleanUncounted(status: NonNullable<Job['status']>, withFinalizer: Set<string>): boolean {
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((x) => withFinalizer.has(x));
  if (keepS.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    u.succeeded = keepS;
    changed = true;
  }
  const keepF = (u.failed ?? []).filter((x) => withFinalizer.has(x));
  if (keepF.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    u.failed = keepF;
    changed = true;
  }
  return changed;
}

/** restartPolicy OnFailure: the sum of container restarts reached backoffLimit. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = podPhase(p);
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const list of [p.status?.initContainerStatuses, p.status?.containerStatuses]) {
      for (const cs of Array.isArray(list) ? list : []) restarts += typeof cs.restartCount === 'number' ? cs.restartCount : 0;
    }
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** A pod for the Job from its template (with the index's identity for Indexed Jobs). */
export function podForJob(job: Job, index?: number): Pod {
  const tmpl = clone(job.spec?.template ?? {});
  const meta = tmpl.metadata ?? {};
  const name = job.metadata.name as string;
  const spec = (tmpl.spec ?? {}) as NonNullable<Pod['spec']>;
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const finalizers = [...(meta.finalizers ?? [])];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX] = String(index);
    labels[JOB_COMPLETION_INDEX] = String(index);
    spec.hostname = `${name}-${index}`;
    // JOB_COMPLETION_INDEX in every container, from the annotation (addCompletionIndexEnvVariables).
    for (const list of [spec.containers, spec.initContainers]) {
      for (const ctr of (Array.isArray(list) ? list : []) as { env?: { name: string }[] }[]) {
        const env = (ctr.env ??= []);
        if (env.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) continue;
        env.push({ name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } } as { name: string });
      }
    }
  }
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: generatedNamePrefix(name, index),
      namespace: job.metadata.namespace,
      labels,
      finalizers,
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec,
  };
  if (Object.keys(annotations).length) pod.metadata.annotations = annotations;
  return pod;
}

/** Upstream names.MaxGeneratedNameLength: a generated name is this prefix plus 5 characters. */
const MAX_GENERATED_NAME_LENGTH = 58;

/**
 * `<job>-` or, for Indexed Jobs, `<job>-<index>-` (podGenerateNameWithIndex), cut so that the
 * generated name stays a valid 63-character pod name (the index part is always kept).
 */
export function generatedNamePrefix(job: string, index?: number): string {
  const tail = index === undefined ? '-' : `-${index}-`;
  const prefix = `${job}${tail}`;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? prefix.slice(0, MAX_GENERATED_NAME_LENGTH - tail.length) + tail : prefix;
}

/** controller-manager entry point: `job`. */
export function startJobController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new JobController(ctx));
}

