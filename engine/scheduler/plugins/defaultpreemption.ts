/**
 * DefaultPreemption (PostFilter), kept small: when no node fits, look for a node where removing
 * pods of lower priority would make the pod fit. Nodes rejected as UnschedulableAndUnresolvable
 * are skipped ("Preemption is not helpful for scheduling"); nodes without lower-priority pods
 * report "No preemption victims found for incoming pod". The chosen node is the one whose
 * victims have the lowest highest priority, then the fewest victims; the victims are deleted
 * and the pod is nominated to the node (status.nominatedNodeName). Its messages become the
 * "preemption: …" tail of the FailedScheduling event, exactly as upstream words it.
 * Not done: PodDisruptionBudgets, and the upstream rule of preferring to reprieve victims.
 */
import { Status, type CycleState, type FrameworkHandle, type PostFilterPlugin, type PostFilterResult } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';
import { fitErrorMessage } from '../fiterror.js';

export const NAME = 'DefaultPreemption';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

interface Candidate {
  node: NodeInfo;
  victims: PodInfo[];
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;

  constructor(private readonly handle: FrameworkHandle) {}

  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult {
    if (pod.preemptionPolicy === 'Never') return { status: Status.unschedulable('preemption: not eligible due to preemptionPolicy=Never.') };
    const nodes = this.handle.nodes();
    const out = new Map<string, Status>();
    const candidates: Candidate[] = [];
    for (const node of nodes) {
      const st = statuses.get(node.name);
      if (!st || st.code === 'UnschedulableAndUnresolvable') {
        out.set(node.name, Status.unresolvable(NOT_HELPFUL));
        continue;
      }
      const victims = [...node.pods.values()].filter((p) => p.priority < pod.priority && !p.terminating);
      if (victims.length === 0) {
        out.set(node.name, Status.unresolvable(NO_VICTIMS));
        continue;
      }
      const trial = node.clone();
      for (const v of victims) trial.removePod(v.key);
      const res = this.handle.runFilters(state.clone(), pod, trial);
      if (res) {
        out.set(node.name, res);
        continue;
      }
      // Keep the higher-priority victims whose return still leaves room (fewest evictions).
      victims.sort((a, b) => b.priority - a.priority);
      const kept: PodInfo[] = [];
      for (const v of victims) {
        trial.addPod(v);
        if (this.handle.runFilters(state.clone(), pod, trial)) trial.removePod(v.key);
        else kept.push(v);
      }
      candidates.push({ node, victims: victims.filter((v) => !kept.includes(v)) });
    }
    if (candidates.length === 0) {
      return { status: Status.unschedulable(`preemption: ${fitErrorMessage(nodes.length, out)}`) };
    }
    candidates.sort((a, b) => {
      const ha = Math.max(...a.victims.map((v) => v.priority));
      const hb = Math.max(...b.victims.map((v) => v.priority));
      return ha - hb || a.victims.length - b.victims.length || (a.node.name < b.node.name ? -1 : 1);
    });
    const best = candidates[0];
    for (const v of best.victims) {
      this.handle.deletePod(v.pod, 'Preempted', `Preempted by pod ${pod.uid} on node ${best.node.name}`);
    }
    return { nominatedNodeName: best.node.name, status: new Status('Success') };
  }
}

export const newDefaultPreemption = (h: FrameworkHandle): DefaultPreemption => new DefaultPreemption(h);
