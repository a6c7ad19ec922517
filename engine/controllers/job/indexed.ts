/**
 * Indexed Jobs (upstream pkg/controller/job/indexed_job_utils.go): every pod carries a
 * completion index in [0, completions); status.completedIndexes lists the succeeded ones as
 * ordered intervals ("0-2,5"); the controller creates pods for the lowest pending indexes and
 * removes pods with duplicated or out-of-range indexes.
 */
import type { Pod } from '../shared/pods.js';
import { podPhase, sortPodsForDeletion } from '../shared/pods.js';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, type Job } from './types.js';

/** A closed interval [first, last]. */
export interface Interval {
  first: number;
  last: number;
}

/** The pod's completion index, or -1 when absent or malformed. */
export function getCompletionIndex(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** Parses "1,3-5" (ignoring indexes ≥ completions and garbage, as upstream logs and skips). */
export function parseIndexes(text: string | undefined, completions: number): Interval[] {
  const out: Interval[] = [];
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    let last = m[2] !== undefined ? Number(m[2]) : first;
    if (first >= completions) continue;
    last = Math.min(last, completions - 1);
    if (last < first) continue;
    out.push({ first, last });
  }
  return mergeIntervals(out);
}

function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.first - b.first);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const prev = out[out.length - 1];
    if (prev && iv.first <= prev.last + 1) prev.last = Math.max(prev.last, iv.last);
    else out.push({ ...iv });
  }
  return out;
}

/** Intervals plus some single indexes. */
export function withIndexes(intervals: Interval[], indexes: number[]): Interval[] {
  return mergeIntervals([...intervals, ...indexes.map((i) => ({ first: i, last: i }))]);
}

export function intervalsTotal(intervals: Interval[]): number {
  return intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
}

export function intervalsHas(intervals: Interval[], ix: number): boolean {
  return intervals.some((iv) => ix >= iv.first && ix <= iv.last);
}

export function formatIntervals(intervals: Interval[]): string {
  return intervals.map((iv) => (iv.first === iv.last ? String(iv.first) : `${iv.first}-${iv.last}`)).join(',');
}

/**
 * calculateSucceededIndexes: the previously recorded intervals, and those plus the indexes of
 * succeeded pods not counted yet (they still carry the tracking finalizer).
 */
export function calculateSucceededIndexes(job: Job, pods: Pod[]): { prev: Interval[]; all: Interval[] } {
  const completions = job.spec?.completions ?? 0;
  const prev = parseIndexes(job.status?.completedIndexes, completions);
  const added: number[] = [];
  for (const p of pods) {
    const ix = getCompletionIndex(p);
    if (podPhase(p) === 'Succeeded' && ix >= 0 && ix < completions && hasTrackingFinalizer(p)) added.push(ix);
  }
  return { prev, all: withIndexes(prev, added) };
}

/**
 * firstPendingIndexes: up to `count` of the lowest indexes that have neither succeeded nor an
 * active pod (nor, when `skip` is given, a terminating pod that may not be replaced yet).
 */
export function firstPendingIndexes(succeeded: Interval[], activePods: Pod[], count: number, completions: number, skip: Pod[] = []): number[] {
  const taken = new Set<number>();
  for (const p of [...activePods, ...skip]) {
    const ix = getCompletionIndex(p);
    if (ix >= 0) taken.add(ix);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (taken.has(i) || intervalsHas(succeeded, i)) continue;
    out.push(i);
  }
  return out;
}

/**
 * Pods to remove from an Indexed Job: pods with no valid index, an index ≥ completions, or a
 * duplicated index (the least valuable of the duplicates go, keeping one).
 */
export function duplicatedIndexPods(pods: Pod[], completions: number): { rm: Pod[]; left: Pod[] } {
  const rm: Pod[] = [];
  const left: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of pods) {
    const ix = getCompletionIndex(p);
    if (ix < 0 || ix >= completions) {
      rm.push(p);
      continue;
    }
    const list = byIndex.get(ix) ?? [];
    list.push(p);
    byIndex.set(ix, list);
  }
  for (const list of byIndex.values()) {
    if (list.length === 1) {
      left.push(list[0]);
      continue;
    }
    const sorted = sortPodsForDeletion(list);
    rm.push(...sorted.slice(0, sorted.length - 1));
    left.push(sorted[sorted.length - 1]);
  }
  return { rm, left };
}
