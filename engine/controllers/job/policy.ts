/**
 * Pod failure policy and pod-failure backoff of the Job controller (upstream
 * pkg/controller/job/pod_failure_policy.go and backoff_utils.go).
 *
 * Failure policy: the first rule matching a failed pod decides — FailJob (the Job fails with
 * a message naming the container and exit code, or the condition), Ignore (the failure does not
 * count against backoffLimit), Count (the default), FailIndex (with backoffLimitPerIndex: the
 * pod's index fails at once, see perindex.ts).
 *
 * Backoff: after N failures since the last success the next pod is created no sooner than
 * 10 s × 2^(N-1) (at most 6 min) after the last failure.
 */
import type { Pod } from '../shared/pods.js';
import { getPodCondition, podPhase } from '../shared/pods.js';
import { parseTime } from '../shared/controller.js';
import { containerFinishTime, type Job } from './types.js';

export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

export interface PolicyMatch {
  /** Set for FailJob: the Job's failure message. */
  failJobMessage?: string;
  /** Whether the failure counts against backoffLimit. */
  countFailed: boolean;
  action?: string;
}

interface ContainerStatusLike {
  name?: string;
  state?: { terminated?: { exitCode?: number } };
}

function matchOnExitCodes(pod: Pod, req: { containerName?: string; operator: string; values: number[] }): ContainerStatusLike | undefined {
  const st = pod.status ?? {};
  const lists = [st.containerStatuses, st.initContainerStatuses] as unknown[];
  for (const list of lists) {
    for (const cs of (Array.isArray(list) ? list : []) as ContainerStatusLike[]) {
      if (req.containerName && cs.name !== req.containerName) continue;
      const code = cs.state?.terminated?.exitCode;
      if (typeof code !== 'number' || code === 0) continue;
      const inValues = (req.values ?? []).includes(code);
      if ((req.operator === 'In' && inValues) || (req.operator === 'NotIn' && !inValues)) return cs;
    }
  }
  return undefined;
}

/** matchPodFailurePolicy for one failed pod. */
export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch {
  const rules = job.spec?.podFailurePolicy?.rules;
  if (!rules) return { countFailed: true };
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    let what: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchOnExitCodes(pod, rule.onExitCodes);
      if (!cs) continue;
      what = `Container ${cs.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${cs.state?.terminated?.exitCode} matching ${rule.action} rule at index ${i}`;
    } else if (rule.onPodConditions) {
      const cond = rule.onPodConditions.find((pc) => getPodCondition(pod, pc.type)?.status === (pc.status ?? 'True'));
      if (!cond) continue;
      what = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${cond.type} matching ${rule.action} rule at index ${i}`;
    } else continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailJob':
        return { countFailed: true, action: 'FailJob', failJobMessage: what };
      case 'FailIndex':
        // Only meaningful with backoffLimitPerIndex (validation requires it); else keep looking.
        if (typeof job.spec?.backoffLimitPerIndex === 'number') return { countFailed: true, action: 'FailIndex' };
        continue;
      default:
        continue;
    }
  }
  return { countFailed: true };
}

/**
 * isPodFailed: the pod failed — or, unless only failed pods may be replaced, it was deleted
 * before finishing (counted as a failure so orphaned pods are not lost). With a pod failure
 * policy only the Failed phase counts (the kubelet sets it for deleted pods).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  const phase = podPhase(pod);
  if (job.spec?.podFailurePolicy) return phase === 'Failed';
  if (phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded';
}

/** podReplacementPolicy Failed (explicit, or implied by a pod failure policy). */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || (job.spec?.podReplacementPolicy === undefined && job.spec?.podFailurePolicy !== undefined);
}

/** The first FailJob message among failed pods. */
export function failJobMessage(job: Job, pods: Pod[]): string | undefined {
  if (!job.spec?.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job, p);
    if (m.failJobMessage) return m.failJobMessage;
  }
  return undefined;
}

/**
 * When a pod finished: the last container's finish time, else when it turned not Ready, else
 * its deletion time, else its creation (upstream getFinishedTime).
 */
export function podFinishedTime(pod: Pod): number {
  const fromContainers = containerFinishTime(pod.status);
  if (fromContainers !== undefined) return fromContainers;
  const ready = getPodCondition(pod, 'Ready');
  if (ready && ready.status === 'False') {
    const t = parseTime(ready.lastTransitionTime);
    if (t !== undefined) return t;
  }
  const del = parseTime(pod.metadata.deletionTimestamp);
  if (del !== undefined) return del;
  return parseTime(pod.metadata.creationTimestamp) ?? 0;
}

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** newBackoffRecord: folds newly finished pods into the record. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: Pod[], newFailed: Pod[]): BackoffRecord {
  const rec: BackoffRecord = prev ? { ...prev } : { failuresAfterLastSuccess: 0 };
  const byTime = (a: Pod, b: Pod) => podFinishedTime(a) - podFinishedTime(b);
  const succeeded = [...newSucceeded].sort(byTime);
  const failed = [...newFailed].sort(byTime);
  if (succeeded.length === 0) {
    if (failed.length === 0) return rec;
    rec.failuresAfterLastSuccess += failed.length;
    rec.lastFailureTime = podFinishedTime(failed[failed.length - 1]);
    return rec;
  }
  rec.failuresAfterLastSuccess = 0;
  delete rec.lastFailureTime;
  const lastSuccess = podFinishedTime(succeeded[succeeded.length - 1]);
  for (let i = failed.length - 1; i >= 0; i--) {
    const t = podFinishedTime(failed[i]);
    if (t <= lastSuccess) break;
    rec.lastFailureTime ??= t;
    rec.failuresAfterLastSuccess++;
  }
  return rec;
}

/** Milliseconds to wait before creating pods again; 0 when free to go. */
export function backoffRemaining(rec: BackoffRecord, nowMs: number, base = DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, max = MAX_JOB_POD_FAILURE_BACKOFF_MS): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  let d = base;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    d *= 2;
    if (d >= max) {
      d = max;
      break;
    }
  }
  const elapsed = nowMs - rec.lastFailureTime;
  return d < elapsed ? 0 : d - elapsed;
}
