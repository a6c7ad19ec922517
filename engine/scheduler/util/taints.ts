/**
 * Taints and tolerations (upstream k8s.io/api/core/v1 toleration.go and
 * pkg/apis/core/v1/helper): shared by the scheduler's TaintToleration and NodeUnschedulable
 * plugins and by the node lifecycle controller's NoExecute evictions.
 */
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
  /** RFC 3339; set for NoExecute taints (when the taint was added). */
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: TaintEffect | string;
  tolerationSeconds?: number | null;
}

/** Well-known taints (k8s.io/api/core/v1 well_known_taints.go). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint passing `filter` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** Taints of a Node object (malformed entries dropped). */
export function nodeTaints(node: KubeObject): Taint[] {
  const spec = isPlainObject(node.spec) ? node.spec : {};
  const list = Array.isArray(spec.taints) ? spec.taints : [];
  return list.filter((t): t is Taint => isPlainObject(t) && typeof t.key === 'string' && typeof t.effect === 'string');
}

export function taintKeyEffect(t: Taint): string {
  return `${t.key}:${t.effect}`;
}

/** "key=value:Effect" as kubectl prints it. */
export function taintString(t: Taint): string {
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

/** Parses "key[=value]:Effect" (kubectl taint syntax). */
export function parseTaint(text: string): Taint {
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new Error(`invalid taint spec: ${text} (want key[=value]:Effect)`);
  const effect = text.slice(colon + 1);
  if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) throw new Error(`invalid taint effect: ${effect}, unsupported taint effect`);
  const kv = text.slice(0, colon);
  const eq = kv.indexOf('=');
  const key = eq < 0 ? kv : kv.slice(0, eq);
  if (!key) throw new Error(`invalid taint spec: ${text}`);
  return eq < 0 ? { key, effect } : { key, value: kv.slice(eq + 1), effect };
}
