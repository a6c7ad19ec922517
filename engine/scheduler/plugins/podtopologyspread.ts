/**
 * PodTopologySpread (basic): spec.topologySpreadConstraints.
 * - DoNotSchedule (filter): placing the pod in a node's domain (the node's value of
 *   topologyKey) must keep `matching pods in that domain + 1 - min over domains` ≤ maxSkew.
 *   Nodes without the topologyKey label can't take the pod.
 * - ScheduleAnyway (score): fewer matching pods in the node's domain scores higher.
 * Domains are counted over nodes that pass the pod's nodeSelector/required node affinity
 * (nodeAffinityPolicy Honor, the default) and, with nodeTaintsPolicy Honor, whose taints the pod
 * tolerates. Supports labelSelector, matchLabelKeys and minDomains. Not done: the cluster-level
 * default constraints upstream applies to pods without their own.
 */
import { fromLabelSelector, matchesLabels, type Selector } from '../../api/selectors.js';
import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo, TopologySpreadConstraint } from '../framework/podinfo.js';
import { RequiredNodeAffinity } from '../util/nodeaffinity.js';
import { findUntoleratedTaint } from '../util/taints.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

interface FilterState {
  constraints: Constraint[];
  /** per constraint: domain value → matching pods */
  counts: Map<string, number>[];
  /** per constraint: the smallest count over all domains */
  min: number[];
}

interface ScoreState {
  constraints: Constraint[];
  counts: Map<string, number>[];
  weights: number[];
}

function build(pod: PodInfo, c: TopologySpreadConstraint): Constraint {
  const selector = [...(fromLabelSelector(c.labelSelector ?? null) ?? [{ key: '\u0000never', op: 'exists' as const, values: [] }])];
  for (const key of c.matchLabelKeys ?? []) {
    const v = pod.labels[key];
    if (v !== undefined) selector.push({ key, op: 'in', values: [v] });
  }
  return {
    maxSkew: typeof c.maxSkew === 'number' && c.maxSkew > 0 ? c.maxSkew : 1,
    topologyKey: c.topologyKey,
    selector,
    minDomains: typeof c.minDomains === 'number' && c.minDomains > 0 ? c.minDomains : 1,
    honorAffinity: c.nodeAffinityPolicy !== 'Ignore',
    honorTaints: c.nodeTaintsPolicy === 'Honor',
  };
}

function countMatching(node: NodeInfo, namespace: string, selector: Selector): number {
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace !== namespace || p.terminating || p.terminal) continue;
    if (matchesLabels(selector, p.labels)) n++;
  }
  return n;
}

/** Matching pods per domain, over the nodes the constraint considers. */
function countDomains(pod: PodInfo, constraints: Constraint[], nodes: readonly NodeInfo[]): Map<string, number>[] {
  const affinity = RequiredNodeAffinity.of(pod.nodeSelector, pod.nodeAffinity);
  const counts = constraints.map(() => new Map<string, number>());
  for (const node of nodes) {
    if (!node.node) continue;
    let affinityOk: boolean | undefined;
    constraints.forEach((c, i) => {
      const domain = node.labels[c.topologyKey];
      if (domain === undefined) return;
      if (c.honorAffinity) {
        affinityOk ??= affinity.match(node.labels, node.name);
        if (!affinityOk) return;
      }
      if (c.honorTaints && findUntoleratedTaint(node.taints, pod.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return;
      counts[i].set(domain, (counts[i].get(domain) ?? 0) + countMatching(node, pod.namespace, c.selector));
    });
  }
  return counts;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeLabel', 'NodeTaint', 'AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete'];

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Result } {
    const hard = pod.topologySpreadConstraints.filter((c) => c.whenUnsatisfiable !== 'ScheduleAnyway' && c.topologyKey);
    if (hard.length === 0) return { status: Status.SKIP };
    const constraints = hard.map((c) => build(pod, c));
    const counts = countDomains(pod, constraints, nodes);
    const min = constraints.map((c, i) => {
      if (counts[i].size < c.minDomains) return 0;
      let m = Infinity;
      for (const v of counts[i].values()) if (v < m) m = v;
      return m === Infinity ? 0 : m;
    });
    const st: FilterState = { constraints, counts, min };
    state.write(PRE_FILTER_KEY, st);
    return { status: null };
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const st = state.read<FilterState>(PRE_FILTER_KEY);
    if (!st) return null;
    for (let i = 0; i < st.constraints.length; i++) {
      const c = st.constraints[i];
      const domain = node.labels[c.topologyKey];
      if (domain === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const self = matchesLabels(c.selector, pod.labels) ? 1 : 0;
      const skew = (st.counts[i].get(domain) ?? 0) + self - st.min[i];
      if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[]): Result {
    const soft = pod.topologySpreadConstraints.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway' && c.topologyKey);
    if (soft.length === 0) return Status.SKIP;
    const constraints = soft.map((c) => build(pod, c));
    // Pods on every node count, not only on the feasible ones.
    const counts = countDomains(pod, constraints, this.allNodes ? this.allNodes() : feasible);
    state.write(PRE_SCORE_KEY, { constraints, counts, weights: counts.map((m) => Math.log(m.size + 2)) } satisfies ScoreState);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const st = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!st) return 0;
    let score = 0;
    for (let i = 0; i < st.constraints.length; i++) {
      const c = st.constraints[i];
      const domain = node.labels[c.topologyKey];
      if (domain === undefined) return -1; // marked: no score for nodes without the key
      score += (st.counts[i].get(domain) ?? 0) * st.weights[i] + (c.maxSkew - 1);
    }
    return score;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (s < 0) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  }

  /** Set by the factory: every node in the snapshot (scores count pods on infeasible nodes too). */
  allNodes?: () => readonly NodeInfo[];
}

export const newPodTopologySpread = (h: { nodes(): readonly NodeInfo[] }): PodTopologySpread => {
  const p = new PodTopologySpread();
  p.allNodes = () => h.nodes();
  return p;
};
