/**
 * NodeResourcesBalancedAllocation: prefers nodes where cpu and memory would be used in similar
 * proportions after placing the pod (score = (1 - std deviation of the fractions) × 100).
 * Skipped for pods that request neither cpu nor memory.
 */
import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type PreScorePlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';

export const NAME = 'NodeResourcesBalancedAllocation';

export function balancedScore(fractions: number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeAllocatable', 'AssignedPodDelete'];

  preScore(_state: CycleState, pod: PodInfo): Result {
    return pod.requests.milliCPU === 0 && pod.requests.memory === 0 ? Status.SKIP : null;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const fractions: number[] = [];
    const a = node.allocatable;
    if (a.milliCPU > 0) fractions.push(Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU));
    if (a.memory > 0) fractions.push(Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory));
    return balancedScore(fractions);
  }
}

export const newBalancedAllocation = (): BalancedAllocation => new BalancedAllocation();
