/**
 * InterPodAffinity (upstream plugins/interpodaffinity): spec.affinity.podAffinity and
 * podAntiAffinity, and the symmetry rule that existing pods' required anti-affinity also keeps
 * the incoming pod away from them.
 *
 * Filter, with counts per topology pair (topologyKey, node's value) precomputed in PreFilter:
 *   - every required affinity term needs a matching pod in the node's domain
 *     ("node(s) didn't match pod affinity rules", unresolvable by preemption) — unless no pod
 *     anywhere matches and the pod matches its own terms (the first pod of a self-affine group);
 *   - no required anti-affinity term may have a matching pod in the node's domain
 *     ("node(s) didn't match pod anti-affinity rules");
 *   - no existing pod whose required anti-affinity term matches the incoming pod may share a
 *     domain with the node ("node(s) didn't satisfy existing pods anti-affinity rules").
 * Score: preferred terms add (affinity) or subtract (anti-affinity) their weight per matching
 * pod in the node's domain, in both directions (existing pods' preferred terms and required
 * affinity terms, the latter with hardPodAffinityWeight 1, count too); normalized min..max.
 *
 * Cost: a pod without affinity in a cluster where no pod has required anti-affinity skips
 * Filter after an O(nodes) check of per-node counters (NodeInfo.podsWithRequiredAntiAffinity),
 * and Score the same way (podsWithAffinity) — no pod is looked at. Only pods that use affinity
 * (or clusters holding anti-affinity pods) pay for a scan of the pods on the relevant nodes.
 * Not done: PreFilter AddPod/RemovePod extensions, so preemption never evicts pods to satisfy
 * (anti-)affinity (it finds no candidate there, as for an unresolvable node).
 */
import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type FilterPlugin, type FrameworkHandle, type PreFilterPlugin, type PreScorePlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';
import { termMatches, type AffinityTerm } from '../util/podaffinity.js';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
/** Upstream's default hardPodAffinityWeight. */
export const HARD_POD_AFFINITY_WEIGHT = 1;

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

type NsLabels = (ns: string) => Record<string, string> | undefined;

/** Topology pair key: "<topologyKey>\0<value>". */
function tp(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function inc(m: Map<string, number>, k: string, d: number): void {
  m.set(k, (m.get(k) ?? 0) + d);
}

interface FilterState {
  pod: PodInfo;
  /** Pairs where an existing pod's required anti-affinity matches the incoming pod. */
  existingAntiAffinity: Map<string, number>;
  /** Pairs with pods matching all required affinity terms / any anti-affinity term. */
  affinity: Map<string, number>;
  antiAffinity: Map<string, number>;
}

/** topologyKey → value → score. */
type ScoreState = Map<string, Map<string, number>>;

function matchesAll(terms: readonly AffinityTerm[], pod: PodInfo, nsLabels: NsLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeLabel', 'AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete'];
  private readonly nsLabels: NsLabels;

  constructor(private readonly handle: Pick<FrameworkHandle, 'nodes' | 'namespaceLabels'>) {
    this.nsLabels = (ns) => handle.namespaceLabels(ns);
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Result } {
    const aff = pod.requiredAffinityTerms;
    const anti = pod.requiredAntiAffinityTerms;
    const existingAntiAffinity = new Map<string, number>();
    for (const node of nodes) {
      if (node.podsWithRequiredAntiAffinity === 0) continue;
      for (const p of node.pods.values()) {
        for (const t of p.requiredAntiAffinityTerms) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && termMatches(t, pod, this.nsLabels)) inc(existingAntiAffinity, tp(t.topologyKey, v), 1);
        }
      }
    }
    if (aff.length === 0 && anti.length === 0 && existingAntiAffinity.size === 0) return { status: Status.SKIP };
    const affinity = new Map<string, number>();
    const antiAffinity = new Map<string, number>();
    if (aff.length || anti.length) {
      for (const node of nodes) {
        if (!node.node) continue;
        for (const p of node.pods.values()) {
          if (aff.length && matchesAll(aff, p, this.nsLabels)) {
            for (const t of aff) {
              const v = node.labels[t.topologyKey];
              if (v !== undefined) inc(affinity, tp(t.topologyKey, v), 1);
            }
          }
          for (const t of anti) {
            const v = node.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, p, this.nsLabels)) inc(antiAffinity, tp(t.topologyKey, v), 1);
          }
        }
      }
    }
    state.write(PRE_FILTER_KEY, { pod, existingAntiAffinity, affinity, antiAffinity } satisfies FilterState);
    return { status: null };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Result {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    if (!s) return null;
    if (!this.satisfyAffinity(s, node)) return Status.unresolvable(ERR_REASON_AFFINITY);
    if (s.antiAffinity.size) {
      for (const t of s.pod.requiredAntiAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && (s.antiAffinity.get(tp(t.topologyKey, v)) ?? 0) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
      }
    }
    if (s.existingAntiAffinity.size) {
      for (const [k, v] of Object.entries(node.labels)) {
        if ((s.existingAntiAffinity.get(tp(k, v)) ?? 0) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return null;
  }

  private satisfyAffinity(s: FilterState, node: NodeInfo): boolean {
    let podsExist = true;
    for (const t of s.pod.requiredAffinityTerms) {
      const v = node.labels[t.topologyKey];
      if (v === undefined) return false; // every topology label must exist on the node
      if ((s.affinity.get(tp(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself: allowed when no pod matches anywhere.
    return s.affinity.size === 0 && matchesAll(s.pod.requiredAffinityTerms, s.pod, this.nsLabels);
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    const hasPreferred = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    const scores: ScoreState = new Map();
    const add = (key: string, node: NodeInfo, w: number) => {
      const v = node.labels[key];
      if (v === undefined) return;
      let m = scores.get(key);
      if (!m) scores.set(key, (m = new Map()));
      m.set(v, (m.get(v) ?? 0) + w);
    };
    for (const node of this.handle.nodes()) {
      if (!hasPreferred && node.podsWithAffinity === 0) continue;
      for (const p of node.pods.values()) {
        if (hasPreferred) {
          for (const t of pod.preferredAffinityTerms) if (termMatches(t, p, this.nsLabels)) add(t.topologyKey, node, t.weight);
          for (const t of pod.preferredAntiAffinityTerms) if (termMatches(t, p, this.nsLabels)) add(t.topologyKey, node, -t.weight);
        }
        if (!p.hasAffinity) continue;
        if (HARD_POD_AFFINITY_WEIGHT > 0) for (const t of p.requiredAffinityTerms) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, node, HARD_POD_AFFINITY_WEIGHT);
        for (const t of p.preferredAffinityTerms) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, node, t.weight);
        for (const t of p.preferredAntiAffinityTerms) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, node, -t.weight);
      }
    }
    if (scores.size === 0) return Status.SKIP;
    state.write(PRE_SCORE_KEY, scores);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!scores) return 0;
    let sum = 0;
    for (const [key, m] of scores) {
      const v = node.labels[key];
      if (v !== undefined) sum += m.get(v) ?? 0;
    }
    return sum;
  }

  /** Upstream: (score − min) / (max − min) × 100, all 0 when every node scores the same. */
  normalizeScores(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
  }
}

export const newInterPodAffinity = (h: FrameworkHandle): InterPodAffinity => new InterPodAffinity(h);
