/**
 * TaintToleration: NoSchedule and NoExecute taints must be tolerated (filter); untolerated
 * PreferNoSchedule taints lower the score (fewer is better).
 */
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type PreScorePlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';
import { findUntoleratedTaint, tolerationsTolerateTaint, type Taint, type Toleration } from '../util/taints.js';
import { defaultNormalizeScore } from './nodeaffinity.js';

export const NAME = 'TaintToleration';
const PRE_SCORE_KEY = `PreScore${NAME}`;

const doNotSchedule = (t: Taint) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

export function untoleratedTaintReason(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeTaint'];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    if (node.taints.length === 0) return null;
    const t = findUntoleratedTaint(node.taints, pod.tolerations, doNotSchedule);
    return t ? Status.unresolvable(untoleratedTaintReason(t)) : null;
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    state.write(
      PRE_SCORE_KEY,
      pod.tolerations.filter((t: Toleration) => !t.effect || t.effect === 'PreferNoSchedule'),
    );
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tols = state.read<Toleration[]>(PRE_SCORE_KEY) ?? [];
    let n = 0;
    for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, t)) n++;
    return n;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, true);
  }
}

export const newTaintToleration = (): TaintToleration => new TaintToleration();
