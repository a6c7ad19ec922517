/**
 * batch/v1 Job shapes and the small helpers several controllers share (the Job, CronJob and
 * TTL-after-finished controllers): finished conditions, well-known names.
 */
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorObject } from '../../api/selectors.js';
import type { PodCondition } from '../shared/pods.js';

/** Finalizer the Job controller puts on its pods so that none finishes uncounted. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Indexed Jobs: the pod's completion index (annotation and, since 1.28, label). */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** spec.managedBy value of the built-in controller. */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export interface JobCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count' | string;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn' | string; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  completionMode?: 'NonIndexed' | 'Indexed' | string;
  suspend?: boolean;
  selector?: LabelSelectorObject;
  manualSelector?: boolean;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Record<string, unknown> };
  ttlSecondsAfterFinished?: number;
  podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed' | string;
  managedBy?: string;
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}

/** The Complete or Failed condition with status True, if the Job has finished. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** IsJobFinished: a Complete or Failed condition is True. */
export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

export function isJobSucceeded(job: Job): boolean {
  return finishedCondition(job)?.type === 'Complete';
}

export function jobCondition(job: Job, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type);
}

/** The latest container `terminated.finishedAt` of a pod (ms), if any. */
export function containerFinishTime(status: { containerStatuses?: unknown[]; initContainerStatuses?: unknown[] } | undefined): number | undefined {
  let best: number | undefined;
  for (const list of [status?.containerStatuses, status?.initContainerStatuses]) {
    for (const cs of Array.isArray(list) ? list : []) {
      const t = (cs as { state?: { terminated?: { finishedAt?: string } } })?.state?.terminated?.finishedAt;
      const ms = typeof t === 'string' ? Date.parse(t) : NaN;
      if (!Number.isNaN(ms) && (best === undefined || ms > best)) best = ms;
    }
  }
  return best;
}

export type { PodCondition };
