/**
 * The scheduling framework's vocabulary (upstream pkg/scheduler/framework/interface.go):
 * statuses, plugin interfaces per extension point, the per-cycle state, and the cluster
 * events that can make an unschedulable pod schedulable again.
 *
 * Plugins are small objects with a `name` and one or more extension points. A cycle runs
 * PreFilter → Filter (per node) → PostFilter (only when no node fits: preemption) →
 * PreScore → Score (per feasible node) → NormalizeScore, then the scheduler picks the best
 * node, assumes the pod there and binds it.
 */
import type { KubeObject } from '../../api/types.js';
import type { NodeInfo } from './nodeinfo.js';
import type { PodInfo } from './podinfo.js';

/**
 * Status codes.
 * - Success: the plugin is happy (plugins return `null` for this on hot paths).
 * - Error: something broke (not the pod's fault); the pod is retried with backoff.
 * - Unschedulable: the pod doesn't fit this node now, but preemption might make room.
 * - UnschedulableAndUnresolvable: doesn't fit, and removing pods would not help (labels,
 *   taints, a request bigger than the node). Preemption skips these nodes.
 * - Skip: from PreFilter/PreScore, "this plugin has nothing to say about this pod" — its
 *   Filter/Score is not called at all this cycle (a cheap pod stays cheap).
 */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip';

export class Status {
  /** The plugin that returned this status (set by the framework). */
  plugin?: string;

  constructor(
    readonly code: Code,
    readonly reasons: string[] = [],
  ) {}

  static unschedulable(...reasons: string[]): Status {
    return new Status('Unschedulable', reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons);
  }

  static error(message: string): Status {
    return new Status('Error', [message]);
  }

  static readonly SKIP = new Status('Skip');

  get message(): string {
    return this.reasons.join(', ');
  }

  isUnschedulable(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }
}

/** A plugin's result; `null` means Success (no allocation on the hot path). */
export type Result = Status | null;

/** Data plugins share within one scheduling cycle of one pod. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not run. */
  readonly skipScore = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /** A copy for what-if runs (preemption): plugin data is shared, skip sets are copied. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v);
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    return c;
  }
}

/** Changes in the cluster that may make a rejected pod schedulable (upstream ClusterEvent). */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeAllocatable'
  | 'NodeLabel'
  | 'NodeTaint'
  | 'NodeSchedulable'
  | 'NodeImages'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'UnscheduledPodUpdate'
  | 'PvcAdd'
  | 'PvcUpdate'
  | 'PvAdd'
  | 'PvUpdate'
  | 'StorageClassAdd';

export interface Plugin {
  readonly name: string;
  /** Events after which pods this plugin rejected are worth retrying. */
  readonly events?: readonly ClusterEvent[];
}

/** What PreFilter may narrow the candidate nodes to (NodeName, matchFields metadata.name). */
export interface PreFilterResult {
  nodeNames?: Set<string>;
}

export interface PreFilterPlugin extends Plugin {
  /** `nodes` is every node in the snapshot. Return Status.SKIP to skip this plugin's Filter. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Result; result?: PreFilterResult };
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result;
}

/** The outcome of a PostFilter (preemption): a nominated node, and a message for the FitError. */
export interface PostFilterResult {
  nominatedNodeName?: string;
  status: Status;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  /** `nodes` are the feasible nodes. Return Status.SKIP to skip this plugin's Score. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result;
}

export const MAX_NODE_SCORE = 100;

export interface PreBindPlugin extends Plugin {
  /** After a node is chosen, before the binding is written; a failure sends the pod back to backoff. */
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Result;
}

export interface ScorePlugin extends Plugin {
  /** 0..MAX_NODE_SCORE, or any scale when normalizeScores maps it into that range. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  normalizeScores?(state: CycleState, pod: PodInfo, scores: number[]): void;
}

/** What plugins may read from the scheduler besides the node they are asked about. */
export interface FrameworkHandle {
  /** Every node in the current snapshot. */
  nodes(): readonly NodeInfo[];
  /** How many nodes hold an image (normalized name), for ImageLocality. */
  imageNodeCount(image: string): number;
  /** Runs the filter plugins for a what-if (preemption). */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Result;
  /** Deletes a pod (preemption victims). */
  deletePod(pod: KubeObject, reason: string, message: string): void;
  now(): Date;
  /** Labels of a namespace (namespaceSelector in pod affinity terms); undefined when unknown. */
  namespaceLabels(name: string): Record<string, string> | undefined;
  /** Objects from the scheduler's informers (VolumeBinding). */
  pvc(namespace: string, name: string): KubeObject | undefined;
  pv(name: string): KubeObject | undefined;
  storageClass(name: string): KubeObject | undefined;
  /** Writes volume.kubernetes.io/selected-node on a claim (WaitForFirstConsumer handshake). */
  setClaimSelectedNode(namespace: string, claim: string, node: string): void;
}

export type PluginFactory = (handle: FrameworkHandle, args?: Record<string, unknown>) => Plugin;

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === 'function';
}
export function isPostFilter(p: Plugin): p is PostFilterPlugin {
  return typeof (p as PostFilterPlugin).postFilter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as PreScorePlugin).preScore === 'function';
}
export function isPreBind(p: Plugin): p is PreBindPlugin {
  return typeof (p as PreBindPlugin).preBind === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === 'function';
}
