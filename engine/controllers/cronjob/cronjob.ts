/**
 * The CronJob controller (upstream pkg/controller/cronjob/cronjob_controllerv2.go).
 *
 * For each CronJob, sync(key):
 * - reads the CronJob and the Jobs it controls from the caches; drops finished or vanished
 *   Jobs from status.active (events SawCompletedJob / MissingJob), records lastSuccessfulTime,
 *   and deletes finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit;
 * - unless suspended (or being deleted, or with an unknown timeZone), finds the most recent
 *   schedule time that has not run yet (since lastScheduleTime, or creation), bounded by
 *   startingDeadlineSeconds; more than 100 missed times only warn (TooManyMissedTimes), as
 *   upstream does, and the latest one runs;
 * - applies concurrencyPolicy (Allow; Forbid skips while a Job is active; Replace deletes the
 *   active Jobs first), creates Job `<cronjob>-<scheduled time in minutes since epoch>` with
 *   annotation `batch.kubernetes.io/cronjob-scheduled-timestamp`, and records it in
 *   status.active and lastScheduleTime;
 * - re-queues itself for the next schedule time (plus 100 ms, as upstream): a timer per
 *   CronJob, no polling.
 *
 * Schedules are read in spec.timeZone, or else in the controller's local zone (as upstream
 * uses the kube-controller-manager's zone); see cron.ts.
 */
import type { EngineContext } from '../../component.js';
import { clone, type KubeObject } from '../../api/types.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, isAlreadyExists, isNamespaceTerminating, isNotFound, metaTime, parseTime, startDeferred } from '../shared/controller.js';
import { getControllerOf, newControllerRef, refersTo } from '../shared/ownerrefs.js';
import { finishedCondition, isJobFinished, type Job, type JobSpec } from '../job/types.js';
import { CronError, isValidTimeZone, parseSchedule, Zone, type Schedule } from '../../api/cron.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace' | string;
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: JobSpec };
  };
  status?: { active?: ObjectRef[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

export interface CronJobControllerOptions {
  recorder?: EventRecorder;
  /** Zone for CronJobs without spec.timeZone (default: this process's local zone). */
  defaultTimeZone?: string;
}

/** Upstream's nextScheduleTimeDuration slack. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export class CronJobController extends Controller {
  private readonly recorder: EventRecorder;
  private cjInformer!: Informer<CronJob>;
  private jobInformer!: Informer<Job>;
  private readonly cjClient: ResourceClient<CronJob>;
  private readonly jobClient: ResourceClient<Job>;
  private readonly defaultTimeZone: string | undefined;

  constructor(ctx: EngineContext, opts: CronJobControllerOptions = {}) {
    super(ctx, 'cronjob-controller');
    this.recorder = this.recorderFor('cronjob-controller', opts.recorder);
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.defaultTimeZone = opts.defaultTimeZone ?? (local && isValidTimeZone(local) ? local : undefined);
    this.cjClient = ctx.client.resource<CronJob>('batch', 'CronJob');
    this.jobClient = ctx.client.resource<Job>('batch', 'Job');
  }

  protected register(): void {
    this.cjInformer = this.informer<CronJob>('batch', 'CronJob');
    this.jobInformer = this.informer<Job>('batch', 'Job');
    this.cjInformer.addHandler({
      add: (cj) => this.worker.enqueue(keyOf(cj)),
      // A new schedule or zone: the sync arms a timer for it (an earlier pending one just fires
      // a harmless extra sync).
      update: (_old, cur) => this.worker.enqueue(keyOf(cur)),
      delete: (cj) => this.worker.enqueue(keyOf(cj)),
    });
    const jobChanged = (j: Job) => {
      const ref = getControllerOf(j);
      if (!ref || !refersTo(ref, 'batch', 'CronJob')) return;
      const cj = this.cjInformer.get(j.metadata.namespace, ref.name);
      if (cj && cj.metadata.uid === ref.uid) this.worker.enqueue(keyOf(cj));
    };
    this.jobInformer.addHandler({ add: jobChanged, update: (_o, j) => jobChanged(j), delete: jobChanged });
  }

  /** The zone a CronJob's schedule is read in. */
  private zoneOf(cj: CronJob): string | undefined {
    return cj.spec?.timeZone ?? this.defaultTimeZone;
  }

  /** Reconciles one CronJob by key. */
  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const shared = this.cjInformer.get(namespace, name);
    if (!shared) return;
    const cj = clone(shared);
    cj.status ??= {};
    const jobs = this.jobInformer.list(namespace).filter((j) => getControllerOf(j)?.uid === cj.metadata.uid);
    let changed = this.cleanupActive(cj, jobs);
    const now = this.ctx.clock.now();
    const { requeueMs, changed: scheduled } = this.syncSchedule(cj, jobs, now);
    changed = scheduled || changed;
    if (this.cleanupFinishedJobs(cj, jobs)) changed = true;
    if (changed && JSON.stringify(canonical(cj.status)) !== JSON.stringify(canonical(shared.status ?? {}))) {
      try {
        this.cjClient.updateStatus(cj);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (requeueMs !== undefined) this.requeueAfter(key, requeueMs);
  }

  /** Reconciles status.active with the Jobs that exist; true when status changed. */
  private cleanupActive(cj: CronJob, jobs: Job[]): boolean {
    let changed = false;
    const status = cj.status as NonNullable<CronJob['status']>;
    const active = () => status.active ?? [];
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata.uid as string;
      children.add(uid);
      const found = active().some((r) => r.uid === uid);
      if (!found && !isJobFinished(j)) {
        // Recheck on the latest copy before complaining (our own status write may be in flight).
        const fresh = this.cjClient.get(cj.metadata.namespace, cj.metadata.name as string);
        if (fresh?.status?.active?.some((r) => r.uid === uid)) {
          status.active = clone(fresh.status.active);
          continue;
        }
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (found && isJobFinished(j)) {
        const c = finishedCondition(j);
        status.active = active().filter((r) => r.uid !== uid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${c?.type}`);
        changed = true;
      }
      if (isJobFinished(j) && finishedCondition(j)?.type === 'Complete') {
        const done = parseTime(j.status?.completionTime);
        const last = parseTime(status.lastSuccessfulTime);
        if (done !== undefined && (last === undefined || done > last)) {
          status.lastSuccessfulTime = j.status?.completionTime;
          changed = true;
        }
      }
    }
    for (const ref of [...active()]) {
      if (children.has(ref.uid as string)) continue;
      // Not in the cache: ask the API before declaring it missing.
      const live = ref.name ? this.jobClient.get(ref.namespace ?? cj.metadata.namespace, ref.name) : undefined;
      if (live && live.metadata.uid === ref.uid) continue;
      this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      status.active = active().filter((r) => r.uid !== ref.uid);
      changed = true;
    }
    if (status.active && status.active.length === 0) delete status.active;
    return changed;
  }

  /** The scheduling part of syncCronJob; returns when to look again. */
  private syncSchedule(cj: CronJob, jobs: Job[], now: Date): { requeueMs?: number; changed: boolean } {
    const status = cj.status as NonNullable<CronJob['status']>;
    if (cj.metadata.deletionTimestamp) return { changed: false };
    const tz = cj.spec?.timeZone;
    if (tz !== undefined && !isValidTimeZone(tz)) {
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return { changed: false };
    }
    if (cj.spec?.suspend) return { changed: false };
    let sched: Schedule;
    try {
      sched = parseSchedule(cj.spec?.schedule ?? '', this.zoneOf(cj));
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${e.message}`);
      return { changed: false };
    }
    const { scheduled, missed, error } = mostRecentScheduleTime(cj, now, sched, true);
    if (error) {
      this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${error}`);
      return { changed: false };
    }
    if (missed === 'many') {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const next = () => this.nextScheduleDelay(cj, now, sched);
    if (scheduled === undefined) return { requeueMs: next(), changed: false };

    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduled.getTime() + deadline * 1000 < now.getTime()) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${scheduled.toISOString().replace(/\.\d+Z$/, 'Z')}`);
      return { requeueMs: next(), changed: false };
    }
    const jobName = jobNameFor(cj, scheduled);
    const lastScheduled = parseTime(status.lastScheduleTime);
    if ((status.active ?? []).some((r) => r.name === jobName) || lastScheduled === Math.floor(scheduled.getTime() / 1000) * 1000) {
      return { requeueMs: next(), changed: false };
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      // Regardless of which source of information we use for the set of active jobs, there is
      // some risk that we won't see an active job when there is one (upstream's comment).
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { requeueMs: next(), changed: false };
    }
    let changed = false;
    if (policy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        const j = jobs.find((x) => x.metadata.uid === ref.uid);
        if (!j) continue;
        try {
          this.jobClient.delete(j.metadata.namespace, j.metadata.name as string, { propagationPolicy: 'Background' });
        } catch (e) {
          this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
          throw e;
        }
        this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
        changed = true;
      }
    }
    const body = jobFromTemplate(cj, scheduled, new Zone(cj.spec?.timeZone));
    let created: Job;
    try {
      created = this.jobClient.create(body);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (e) {
      if (isNamespaceTerminating(e)) return { changed };
      if (isAlreadyExists(e)) {
        // Created by an earlier sync whose status write was lost: adopt it as this run.
        const existing = this.jobClient.get(cj.metadata.namespace, jobName);
        if (!existing || getControllerOf(existing)?.uid !== cj.metadata.uid) throw e;
        created = existing;
      } else {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        throw e;
      }
    }
    if (!isJobFinished(created) && !(status.active ?? []).some((r) => r.uid === created.metadata.uid)) {
      status.active = [...(status.active ?? []), jobRef(created)];
    }
    status.lastScheduleTime = metaTime(scheduled);
    return { requeueMs: next(), changed: true };
  }

  /** Milliseconds until the next schedule time after now (plus upstream's 100 ms slack). */
  private nextScheduleDelay(cj: CronJob, now: Date, sched: Schedule): number | undefined {
    const { earliest } = mostRecentScheduleTime(cj, now, sched, false);
    const from = Math.max(earliest.getTime(), now.getTime());
    const t = sched.next(new Date(from));
    if (!t) return undefined;
    return Math.max(0, t.getTime() - now.getTime()) + NEXT_SCHEDULE_DELTA_MS;
  }

  /** cleanupFinishedJobs: deletes the oldest finished Jobs beyond the history limits. */
  private cleanupFinishedJobs(cj: CronJob, jobs: Job[]): boolean {
    const okLimit = cj.spec?.successfulJobsHistoryLimit;
    const failLimit = cj.spec?.failedJobsHistoryLimit;
    if ((okLimit === undefined || okLimit === null) && (failLimit === undefined || failLimit === null)) return false;
    let changed = false;
    const succeeded = jobs.filter((j) => !j.metadata.deletionTimestamp && finishedCondition(j)?.type === 'Complete');
    const failed = jobs.filter((j) => !j.metadata.deletionTimestamp && finishedCondition(j)?.type === 'Failed');
    for (const [list, limit] of [
      [succeeded, okLimit],
      [failed, failLimit],
    ] as const) {
      if (limit === undefined || limit === null || list.length <= limit) continue;
      const byStart = [...list].sort((a, b) => startOf(a) - startOf(b));
      for (const j of byStart.slice(0, list.length - limit)) {
        try {
          this.jobClient.delete(j.metadata.namespace, j.metadata.name as string, { propagationPolicy: 'Background' });
          this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch (e) {
          if (!isNotFound(e)) {
            this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
            continue;
          }
        }
        const status = cj.status as NonNullable<CronJob['status']>;
        if (status.active?.some((r) => r.uid === j.metadata.uid)) {
          status.active = status.active.filter((r) => r.uid !== j.metadata.uid);
          changed = true;
        }
      }
    }
    return changed;
  }
}

function startOf(j: Job): number {
  return parseTime(j.status?.startTime) ?? parseTime(j.metadata.creationTimestamp) ?? 0;
}

function jobRef(j: Job): ObjectRef {
  return { kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion };
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobNameFor(cj: CronJob, scheduled: Date): string {
  return `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** getJobFromTemplate2. */
export function jobFromTemplate(cj: CronJob, scheduled: Date, zone: Zone): Job {
  const tmpl = cj.spec?.jobTemplate ?? {};
  const labels = { ...(tmpl.metadata?.labels ?? {}) };
  const annotations = { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: zone.format(scheduled.getTime()) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled),
      namespace: cj.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      annotations,
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: clone(tmpl.spec ?? {}),
  };
}

export type Missed = 'none' | 'few' | 'many';

/**
 * mostRecentScheduleTime: the latest schedule time in (earliest, now], where earliest is the
 * last schedule time (or creation), raised to now − startingDeadlineSeconds when asked.
 * Counts missed times roughly, as upstream (more than 100 = "many").
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: Date,
  sched: Schedule,
  withDeadline: boolean,
): { earliest: Date; scheduled?: Date; missed: Missed; error?: string } {
  let earliest = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now.getTime();
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline !== undefined && deadline !== null) {
    const bound = now.getTime() - deadline * 1000;
    if (bound > earliest) earliest = bound;
  }
  const e = new Date(earliest);
  const t1 = sched.next(e);
  if (!t1 || now < t1) return { earliest: e, missed: 'none' };
  const t2 = sched.next(t1);
  if (!t2 || now < t2) return { earliest: e, scheduled: t1, missed: 'none' };
  const between = Math.round((t2.getTime() - t1.getTime()) / 1000);
  if (between < 1) return { earliest: e, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.floor((now.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  // Walk forward from t1 when that is cheap (exact for irregular schedules such as weekdays
  // only); otherwise start one interval before upstream's estimate, and step back further if an
  // irregular schedule made the estimate overshoot.
  let latest: Date | undefined;
  if (missedCount <= 1000) {
    for (let t: Date | undefined = t1; t && t <= now; t = sched.next(t)) latest = t;
  } else {
    for (let back = 2; latest === undefined && back < missedCount + 2; back *= 2) {
      const from = new Date(Math.max(earliest, t1.getTime() + (missedCount - back) * between * 1000));
      for (let t = sched.next(from); t && t <= now; t = sched.next(t)) latest = t;
    }
  }
  const missed: Missed = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest: e, scheduled: latest, missed };
}

/** controller-manager entry point: `cronjob`. */
export function startCronJobController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new CronJobController(ctx));
}
