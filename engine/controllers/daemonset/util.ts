/**
 * DaemonSet helpers (upstream pkg/controller/daemon/util and daemon_controller.go's
 * predicates): which nodes should run a daemon pod, the tolerations every daemon pod gets, the
 * node affinity that pins a pod to its node, and which pods are "updated".
 *
 * Node selectors, node affinity and taint matching reuse the scheduler's implementations
 * (engine/scheduler/util), so the controller and the scheduler agree on what fits.
 */
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import type { LabelSelectorObject } from '../../api/selectors.js';
import type { Pod } from '../shared/pods.js';
import { RequiredNodeAffinity } from '../../scheduler/util/nodeaffinity.js';
import { findUntoleratedTaint, nodeTaints, type Toleration } from '../../scheduler/util/taints.js';
import type { NodeAffinity } from '../../scheduler/framework/podinfo.js';
import { CONTROLLER_REVISION_HASH } from '../statefulset/history.js';

/** Label with the DaemonSet's template generation (deprecated upstream, still set). */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: LabelSelectorObject;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Record<string, unknown> };
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete' | string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface Node extends KubeObject {
  spec?: { taints?: unknown[]; unschedulable?: boolean; [k: string]: unknown };
}

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods ride out node problems — they are not evicted
 * from not-ready/unreachable nodes and may land on nodes under pressure or cordoned.
 */
export function addDaemonTolerations(spec: Record<string, unknown>): void {
  const tolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as Toleration[];
  const add = (key: string, effect: string) => {
    const i = tolerations.findIndex((t) => t.key === key && t.effect === effect);
    const t: Toleration = { key, operator: 'Exists', effect };
    if (i >= 0) tolerations[i] = t;
    else tolerations.push(t);
  };
  add('node.kubernetes.io/not-ready', 'NoExecute');
  add('node.kubernetes.io/unreachable', 'NoExecute');
  add('node.kubernetes.io/disk-pressure', 'NoSchedule');
  add('node.kubernetes.io/memory-pressure', 'NoSchedule');
  add('node.kubernetes.io/pid-pressure', 'NoSchedule');
  add('node.kubernetes.io/unschedulable', 'NoSchedule');
  if (spec.hostNetwork === true) add('node.kubernetes.io/network-unavailable', 'NoSchedule');
  spec.tolerations = tolerations;
}

/** The template spec as every daemon pod gets it (tolerations added). */
export function daemonPodSpec(ds: DaemonSet): Record<string, unknown> {
  const spec = clone(ds.spec?.template?.spec ?? {});
  addDaemonTolerations(spec);
  return spec;
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` — a new daemon pod belongs on the node;
 * `shouldContinueRunning` — an existing one may stay (it tolerates the node's NoExecute taints).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = daemonPodSpec(ds);
  const name = node.metadata.name as string;
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '' && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  const affinity = (isPlainObject(spec.affinity) ? spec.affinity.nodeAffinity : undefined) as NodeAffinity | undefined;
  const nodeSelector = isPlainObject(spec.nodeSelector) ? (spec.nodeSelector as Record<string, string>) : undefined;
  if (!RequiredNodeAffinity.of(nodeSelector, affinity).match(node.metadata.labels ?? {}, name)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = nodeTaints(node);
  const tolerations = spec.tolerations as Toleration[];
  const blocking = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (blocking) {
    const noExecute = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
    return { shouldRun: false, shouldContinueRunning: noExecute === undefined };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: required node affinity = exactly this node. */
export function pinToNode(spec: Record<string, unknown>, nodeName: string): void {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = isPlainObject(spec.affinity) ? spec.affinity : (spec.affinity = {});
  const na = isPlainObject(affinity.nodeAffinity) ? affinity.nodeAffinity : (affinity.nodeAffinity = {});
  na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
}

/** GetTargetNodeName: the node a daemon pod is for (bound node, else its affinity's node). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const affinity = isPlainObject(pod.spec?.affinity) ? (pod.spec?.affinity as { nodeAffinity?: NodeAffinity }) : undefined;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** The DaemonSet's template generation (from the deprecated annotation), if set. */
export function templateGeneration(ds: DaemonSet): string | undefined {
  const v = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** IsPodUpdated: the pod has the current hash (or, for old pods, the template generation). */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const byGeneration = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation;
  const byHash = hash !== '' && labels[CONTROLLER_REVISION_HASH] === hash;
  return byHash || byGeneration;
}

/**
 * findUpdatedPodsOnNode: the one new and the one old pod on a node (ignoring ones being
 * deleted); ok=false when there are several of either kind.
 */
export function findUpdatedPodsOnNode(ds: DaemonSet, pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const gen = templateGeneration(ds);
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name. */
export function byCreationAndPhase(a: Pod, b: Pod): number {
  const ra = a.spec?.nodeName ? 0 : 1;
  const rb = b.spec?.nodeName ? 0 : 1;
  if (ra !== rb) return ra - rb;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return String(a.metadata.name).localeCompare(String(b.metadata.name));
}

/** AllowsSurge: the rolling update may run a new pod next to the old one. */
export function allowsSurge(ds: DaemonSet): boolean {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || !ru) return false;
  const s = ru.maxSurge;
  return s !== undefined && s !== 0 && s !== '0' && s !== '0%';
}
