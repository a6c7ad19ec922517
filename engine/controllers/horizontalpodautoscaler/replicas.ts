/**
 * The replica calculation of the HPA (upstream pkg/controller/podautoscaler/replica_calculator.go
 * and metrics/utilization.go), for Resource and ContainerResource metrics:
 *
 *   desired = ceil(readyPods × usage / target), unchanged within a 10% tolerance
 *
 * Pods are grouped first: being deleted or Failed → ignored; Pending → unready; no sample →
 * missing; for CPU, a pod that is not Ready (or only just turned Ready inside its first five
 * minutes, before a full metrics window passed) → unready. Then, as upstream: on a scale-up,
 * unready pods count as using 0%; missing pods count as 100% of their request on a scale-down
 * (0% on a scale-up); and no decision may reverse the direction the ready pods gave.
 */
import { milliValue } from '../../api/quantity.js';
import { getPodCondition, type Pod } from '../shared/pods.js';
import { parseTime } from '../shared/controller.js';

/** Upstream's --horizontal-pod-autoscaler-tolerance default. */
export const TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's usage sample, in milli-units (cpu: millicores; memory: milli-bytes, as upstream). */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export class MetricsError extends Error {}

interface Grouped {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods. */
export function groupPods(pods: Pod[], metrics: PodMetrics, resource: string, now: number): Grouped {
  const g: Grouped = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name as string;
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = getPodCondition(pod, 'Ready');
      const start = parseTime(pod.status?.startTime);
      let unready: boolean;
      if (!cond || start === undefined) unready = true;
      else {
        const transition = parseTime(cond.lastTransitionTime) ?? 0;
        if (start + CPU_INITIALIZATION_PERIOD_MS > now) {
          // Still starting up: skip unready pods and samples from before a full window of readiness.
          unready = cond.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Skip pods that are unready and have never been ready.
          unready = cond.status === 'False' && start + INITIAL_READINESS_DELAY_MS > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** calculatePodRequests: per pod, the sum of its (matching) containers' requests, milli-units. */
export function podRequests(pods: Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    const containers = [...((pod.spec?.containers ?? []) as ContainerLike[])];
    for (const c of (pod.spec?.initContainers ?? []) as ContainerLike[]) if (c.restartPolicy === 'Always') containers.push(c);
    for (const c of containers) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new MetricsError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += milliValue(req);
    }
    out.set(pod.metadata.name as string, sum);
  }
  return out;
}

interface ContainerLike {
  name: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string | number> };
}

/** GetResourceUtilizationRatio. */
export function utilizationRatio(metrics: Map<string, number>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let usage = 0;
  let req = 0;
  let n = 0;
  for (const [pod, v] of metrics) {
    const r = requests.get(pod);
    if (r === undefined) continue;
    usage += v;
    req += r;
    n++;
  }
  if (req === 0) throw new MetricsError('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / req);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(usage / n) };
}

/** GetMetricUsageRatio (plain average vs target). */
function usageRatio(metrics: Map<string, number>, target: number): { ratio: number; average: number } {
  let sum = 0;
  for (const v of metrics.values()) sum += v;
  const average = Math.trunc(sum / metrics.size);
  return { ratio: average / target, average };
}

export interface UtilizationResult {
  replicas: number;
  utilization: number;
  rawAverage: number;
  timestamp: number;
}

/** GetResourceReplicas: target type Utilization (percent of the request). */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, pods: Pod[], sampled: PodMetrics, now: number, container?: string): UtilizationResult {
  if (pods.length === 0) throw new MetricsError('no pods returned by selector while calculating replica count');
  const timestamp = oldestTimestamp(sampled);
  const g = groupPods(pods, sampled, resource, now);
  const metrics = new Map<string, number>();
  for (const [name, m] of sampled) if (!g.ignored.has(name) && !g.unready.has(name)) metrics.set(name, m.value);
  // Only pods the selector matched count (samples of other pods are extraneous).
  const names = new Set(pods.map((p) => p.metadata.name as string));
  for (const k of [...metrics.keys()]) if (!names.has(k)) metrics.delete(k);
  if (metrics.size === 0) throw new MetricsError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(pods, resource, container);
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
    return { replicas: Math.ceil(first.ratio * g.readyCount), utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
  }
  if (g.missing.size > 0) {
    const fallback = Math.max(100, targetUtilization);
    for (const name of g.missing) metrics.set(name, first.ratio < 1 ? Math.trunc(((requests.get(name) ?? 0) * fallback) / 100) : 0);
  }
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const second = utilizationRatio(metrics, requests, targetUtilization);
  const result = (replicas: number) => ({ replicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp });
  if (Math.abs(1 - second.ratio) <= TOLERANCE || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) return result(currentReplicas);
  const replicas = Math.ceil(second.ratio * metrics.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/** GetRawResourceReplicas: target type AverageValue (milli-units per pod). */
export function rawResourceReplicas(currentReplicas: number, targetMilli: number, resource: string, pods: Pod[], sampled: PodMetrics, now: number): { replicas: number; usage: number; timestamp: number } {
  if (pods.length === 0) throw new MetricsError('no pods returned by selector while calculating replica count');
  const timestamp = oldestTimestamp(sampled);
  const g = groupPods(pods, sampled, resource, now);
  const metrics = new Map<string, number>();
  const names = new Set(pods.map((p) => p.metadata.name as string));
  for (const [name, m] of sampled) if (names.has(name) && !g.ignored.has(name) && !g.unready.has(name)) metrics.set(name, m.value);
  if (metrics.size === 0) throw new MetricsError('did not receive metrics for targeted pods (pods might be unready)');
  const first = usageRatio(metrics, targetMilli);
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return { replicas: currentReplicas, usage: first.average, timestamp };
    return { replicas: Math.ceil(first.ratio * g.readyCount), usage: first.average, timestamp };
  }
  if (g.missing.size > 0) for (const name of g.missing) metrics.set(name, first.ratio < 1 ? targetMilli : 0);
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const second = usageRatio(metrics, targetMilli);
  if (Math.abs(1 - second.ratio) <= TOLERANCE || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) return { replicas: currentReplicas, usage: first.average, timestamp };
  const replicas = Math.ceil(second.ratio * metrics.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, usage: first.average, timestamp };
  return { replicas, usage: first.average, timestamp };
}

function oldestTimestamp(m: PodMetrics): number {
  let t: number | undefined;
  for (const v of m.values()) if (t === undefined || v.timestamp < t) t = v.timestamp;
  return t ?? 0;
}
