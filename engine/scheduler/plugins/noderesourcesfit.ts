/**
 * NodeResourcesFit: the pod's requests (cpu, memory, ephemeral-storage, extended resources)
 * must fit in the node's allocatable minus what the pods already on it request, and the node
 * must have room for one more pod. Reasons and codes follow upstream fit.go: "Insufficient
 * cpu", "Too many pods"…; a request larger than the whole node is UnschedulableAndUnresolvable
 * (preemption can't help). Its score is LeastAllocated: the more free cpu and memory (counting
 * upstream's non-zero defaults for pods without requests), the higher.
 */
import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type FilterPlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';

export const NAME = 'NodeResourcesFit';

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  unresolvable: boolean;
}

/** fitsRequest: every resource the node lacks for the pod. */
export function fitsRequest(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const podCount = node.pods.size;
  if (podCount + 1 > node.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: podCount, capacity: node.allowedPodNumber, unresolvable: false });
  }
  const req = pod.requests;
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalar?.size) return out;
  const alloc = node.allocatable;
  const used = node.requested;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU, unresolvable: req.milliCPU > alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory, unresolvable: req.memory > alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
      unresolvable: req.ephemeralStorage > alloc.ephemeralStorage,
    });
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      const cap = alloc.scalar?.get(name) ?? 0;
      const u = used.scalar?.get(name) ?? 0;
      if (q > cap - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: cap, unresolvable: q > cap });
    }
  }
  return out;
}

/** LeastAllocated for one resource: the share left free after placing the pod, 0..100. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeAllocatable', 'NodeTaint', 'NodeLabel', 'AssignedPodDelete'];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const insufficient = fitsRequest(pod, node);
    if (insufficient.length === 0) return null;
    const st = insufficient.some((r) => r.unresolvable) ? Status.unresolvable() : Status.unschedulable();
    for (const r of insufficient) st.reasons.push(r.reason);
    return st;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    // cpu and memory, weight 1 each (upstream's default scoring strategy resources).
    let sum = 0;
    let weights = 0;
    if (node.allocatable.milliCPU > 0) {
      sum += leastRequestedScore(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, node.allocatable.milliCPU);
      weights++;
    }
    if (node.allocatable.memory > 0) {
      sum += leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, node.allocatable.memory);
      weights++;
    }
    return weights === 0 ? 0 : Math.floor(sum / weights);
  }
}

export const newNodeResourcesFit = (): NodeResourcesFit => new NodeResourcesFit();
