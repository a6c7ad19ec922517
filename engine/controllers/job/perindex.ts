/**
 * Backoff limit per index (upstream pkg/controller/job/indexed_job_utils.go and
 * backoff_utils.go, JobBackoffLimitPerIndex: beta and on by default in 1.32).
 *
 * An Indexed Job with spec.backoffLimitPerIndex retries each index on its own: every pod
 * carries how many times its index failed before (`batch.kubernetes.io/job-index-failure-count`,
 * and the failures a pod failure policy ignored in `…-ignored-failure-count`). When a pod fails
 * with that count already at the limit — or a FailIndex rule matches — its index is failed: it
 * goes into status.failedIndexes and is never recreated, while the other indexes run on. The Job
 * fails (reason FailedIndexes) once every index has either succeeded or failed, or at once when
 * more than spec.maxFailedIndexes indexes failed (MaxFailedIndexesExceeded). The replacement of
 * a failed pod waits 10 s × 2^(failures of that index − 1), at most 6 min, per index.
 */
import type { Pod } from '../shared/pods.js';
import { podPhase } from '../shared/pods.js';
import { getCompletionIndex, parseIndexes, withIndexes, type Interval } from './indexed.js';
import { DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, MAX_JOB_POD_FAILURE_BACKOFF_MS, isPodFailed, matchPodFailurePolicy, podFinishedTime } from './policy.js';
import type { Job } from './types.js';

export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

/** Upstream's default backoffLimit when only backoffLimitPerIndex is set (math.MaxInt32). */
export const MAX_INT32 = 2147483647;

export function hasBackoffLimitPerIndex(job: Job): boolean {
  return typeof job.spec?.backoffLimitPerIndex === 'number';
}

function countAnnotation(pod: Pod, name: string): number {
  const v = pod.metadata.annotations?.[name];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) && n <= MAX_INT32 ? n : 0;
}

/** Earlier failures of the pod's index (the annotation it was created with). */
export function indexFailureCount(pod: Pod): number {
  return countAnnotation(pod, JOB_INDEX_FAILURE_COUNT);
}

function absoluteFailureCount(pod: Pod): number {
  return indexFailureCount(pod) + countAnnotation(pod, JOB_INDEX_IGNORED_FAILURE_COUNT);
}

/** isIndexFailed: this failed pod ends its index (FailIndex rule, or the index's limit reached). */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  if (!isPodFailed(pod, job)) return false;
  let counted = true;
  if (job.spec?.podFailurePolicy) {
    const m = matchPodFailurePolicy(job, pod);
    if (m.action === 'FailIndex') return true;
    counted = m.countFailed;
  }
  return counted && indexFailureCount(pod) >= (job.spec?.backoffLimitPerIndex ?? 0);
}

/** calculateFailedIndexes: status.failedIndexes plus the indexes failed pods end now. */
export function calculateFailedIndexes(job: Job, pods: Pod[]): Interval[] {
  const completions = job.spec?.completions ?? 0;
  const prev = parseIndexes(job.status?.failedIndexes, completions);
  const added: number[] = [];
  for (const p of pods) {
    const ix = getCompletionIndex(p);
    if (ix >= 0 && ix < completions && isIndexFailed(job, p)) added.push(ix);
  }
  return withIndexes(prev, added);
}

/**
 * The pod a new pod of each index replaces: the failed one with the most failures, the latest
 * finished among equals (upstream getPodsWithDelayedDeletionPerIndex).
 */
export function lastFailedPodPerIndex(job: Job, pods: Pod[]): Map<number, Pod> {
  const out = new Map<number, Pod>();
  for (const p of pods) {
    const ix = getCompletionIndex(p);
    if (ix < 0 || podPhase(p) === 'Succeeded' || !isPodFailed(p, job)) continue;
    const cur = out.get(ix);
    if (
      !cur ||
      absoluteFailureCount(p) > absoluteFailureCount(cur) ||
      (absoluteFailureCount(p) === absoluteFailureCount(cur) && podFinishedTime(p) > podFinishedTime(cur))
    ) {
      out.set(ix, p);
    }
  }
  return out;
}

/** getNewIndexFailureCounts: the counts a pod replacing `replaced` starts with. */
export function newIndexFailureCounts(job: Job, replaced: Pod | undefined): { failures: number; ignored: number } {
  if (!replaced) return { failures: 0, ignored: 0 };
  let failures = indexFailureCount(replaced);
  let ignored = countAnnotation(replaced, JOB_INDEX_IGNORED_FAILURE_COUNT);
  if (job.spec?.podFailurePolicy && !matchPodFailurePolicy(job, replaced).countFailed) ignored++;
  else failures++;
  return { failures, ignored };
}

/** getRemainingTimePerIndex: how long the index must still wait after its last failure (ms). */
export function remainingTimePerIndex(lastFailed: Pod | undefined, nowMs: number): number {
  if (!lastFailed) return 0;
  const failures = absoluteFailureCount(lastFailed) + 1;
  let d = DEFAULT_JOB_POD_FAILURE_BACKOFF_MS;
  for (let i = 1; i < failures && d < MAX_JOB_POD_FAILURE_BACKOFF_MS; i++) d *= 2;
  d = Math.min(d, MAX_JOB_POD_FAILURE_BACKOFF_MS);
  const elapsed = nowMs - podFinishedTime(lastFailed);
  return d < elapsed ? 0 : d - elapsed;
}
