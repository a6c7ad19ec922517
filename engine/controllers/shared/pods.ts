/**
 * Pod helpers every workload controller needs (upstream k8s.io/kubernetes/pkg/api/v1/pod and
 * pkg/controller/controller_utils.go): readiness, availability with minReadySeconds, "active"
 * pods, and the ordering that picks which pods to delete first on scale-down.
 */
import type { Pod, PodCondition } from '../../api/resources/pod.js';
import { getPodCondition, isPodReady, podPhase } from '../../api/resources/pod.js';
import { isPlainObject } from '../../api/types.js';
import { parseTime } from './controller.js';

// The Pod type and its condition readers live with the API (engine/api/resources/pod.ts), which
// the API server's eviction subresource uses too; re-exported for the controllers.
export type { Pod, PodCondition, ContainerStatus } from '../../api/resources/pod.js';
export { podPhase, getPodCondition, isPodReady } from '../../api/resources/pod.js';

/** Ready for at least minReadySeconds (upstream IsPodAvailable). */
export function isPodAvailable(p: Pod, minReadySeconds: number, now: Date): boolean {
  const c = getPodCondition(p, 'Ready');
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = parseTime(c.lastTransitionTime);
  return t !== undefined && t + minReadySeconds * 1000 < now.getTime();
}

/** Milliseconds until a ready pod becomes available; undefined when not ready or already available. */
export function msUntilAvailable(p: Pod, minReadySeconds: number, now: Date): number | undefined {
  const c = getPodCondition(p, 'Ready');
  if (c?.status !== 'True' || !minReadySeconds) return undefined;
  const t = parseTime(c.lastTransitionTime);
  if (t === undefined) return undefined;
  const left = t + minReadySeconds * 1000 - now.getTime();
  return left >= 0 ? left + 1 : undefined;
}

export function isPodTerminal(p: Pod): boolean {
  const phase = podPhase(p);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Not finished and not being deleted (upstream IsPodActive). */
export function isPodActive(p: Pod): boolean {
  return !isPodTerminal(p) && !p.metadata.deletionTimestamp;
}

export function filterActivePods<T extends Pod>(pods: T[]): T[] {
  return pods.filter(isPodActive);
}

function isAssigned(p: Pod): boolean {
  return typeof p.spec?.nodeName === 'string' && p.spec.nodeName !== '';
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(p: Pod): number {
  return PHASE_ORDINAL[podPhase(p)] ?? 0;
}

/** The Ready condition's lastTransitionTime (ms) for a ready pod. */
function podReadyTime(p: Pod): number | undefined {
  if (!isPodReady(p)) return undefined;
  return parseTime(getPodCondition(p, 'Ready')?.lastTransitionTime);
}

function maxRestarts(p: Pod): number {
  let n = 0;
  const st = p.status ?? {};
  for (const list of [st.containerStatuses, st.initContainerStatuses]) {
    for (const c of Array.isArray(list) ? list : []) if (typeof c?.restartCount === 'number' && c.restartCount > n) n = c.restartCount;
  }
  return n;
}

/** controller.kubernetes.io/pod-deletion-cost, 0 when absent or malformed. */
export function deletionCost(p: Pod): number {
  const v = p.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

/** `a` is after `b`, a missing time counting as "after" everything (upstream afterOrZero). */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/**
 * Upstream's ActivePodsWithRanks.Less: true when pod `i` should be deleted before pod `j`.
 *  1. unassigned < assigned
 *  2. Pending < Unknown < Running
 *  3. not ready < ready
 *  4. lower pod-deletion-cost < higher
 *  5. higher rank (more related pods on the same node) < lower rank
 *  6. both ready: ready more recently < ready longer
 *  7. more container restarts < fewer
 *  8. newer creation < older
 */
export function activePodLess(a: Pod, b: Pod, rankA = 0, rankB = 0): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (!isAssigned(a) || !isAssigned(b))) return !isAssigned(a);
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  if (isPodReady(a) && isPodReady(b)) {
    const ra = podReadyTime(a);
    const rb = podReadyTime(b);
    if (ra !== rb) return afterOrZero(ra, rb);
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xa > xb;
  const ta = parseTime(a.metadata.creationTimestamp);
  const tb = parseTime(b.metadata.creationTimestamp);
  if (ta !== tb) return afterOrZero(ta, tb);
  return false;
}

/** Sorts pods least valuable first (the order scale-down deletes them in), stable. */
export function sortPodsForDeletion<T extends Pod>(pods: T[], rank?: (p: T) => number): T[] {
  const ranked = pods.map((p, i) => ({ p, r: rank ? rank(p) : 0, i }));
  ranked.sort((x, y) => (activePodLess(x.p, y.p, x.r, y.r) ? -1 : activePodLess(y.p, x.p, y.r, x.r) ? 1 : x.i - y.i));
  return ranked.map((x) => x.p);
}

/** The pod IP (status.podIP, or the first of status.podIPs). */
export function podIP(p: Pod): string | undefined {
  const st = p.status;
  if (!st) return undefined;
  if (typeof st.podIP === 'string' && st.podIP) return st.podIP;
  const ips = Array.isArray(st.podIPs) ? st.podIPs : [];
  const first = ips.find((x) => isPlainObject(x) && typeof x.ip === 'string' && x.ip);
  return first?.ip;
}
