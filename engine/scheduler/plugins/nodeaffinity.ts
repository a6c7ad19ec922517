/**
 * NodeAffinity: spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution must match
 * the node's labels (In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields metadata.name);
 * preferredDuringSchedulingIgnoredDuringExecution terms add their weight to the score.
 */
import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { NodeSelectorTerm, PodInfo } from '../framework/podinfo.js';
import { RequiredNodeAffinity, matchTerm } from '../util/nodeaffinity.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** DefaultNormalizeScore: scales to 0..100 by the maximum; `reverse` flips (lower is better). */
export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) for (let i = 0; i < scores.length; i++) scores[i] = MAX_NODE_SCORE;
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeLabel'];

  preFilter(state: CycleState, pod: PodInfo): { status: Result; result?: { nodeNames?: Set<string> } } {
    const req = RequiredNodeAffinity.of(pod.nodeSelector, pod.nodeAffinity);
    if (req.empty) return { status: Status.SKIP };
    state.write(PRE_FILTER_KEY, req);
    const names = req.nodeNames();
    return { status: null, result: names ? { nodeNames: names } : undefined };
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const req = state.read<RequiredNodeAffinity>(PRE_FILTER_KEY) ?? RequiredNodeAffinity.of(pod.nodeSelector, pod.nodeAffinity);
    return req.match(node.labels, node.name) ? null : Status.unresolvable(ERR_REASON_POD);
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    const prefs = (pod.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter((p) => p && typeof p.weight === 'number' && p.weight !== 0);
    if (prefs.length === 0) return Status.SKIP;
    state.write(PRE_SCORE_KEY, prefs);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const prefs = state.read<{ weight: number; preference: NodeSelectorTerm }[]>(PRE_SCORE_KEY) ?? [];
    let sum = 0;
    for (const p of prefs) if (matchTerm(p.preference ?? {}, node.labels, node.name)) sum += p.weight;
    return sum;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, false);
  }
}

export const newNodeAffinity = (): NodeAffinity => new NodeAffinity();
