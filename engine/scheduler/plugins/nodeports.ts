/** NodePorts: a pod's hostPorts must be free on the node (same protocol; 0.0.0.0 clashes with any IP). */
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type Result } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'AssignedPodDelete'];

  preFilter(_state: CycleState, pod: PodInfo): { status: Result } {
    return { status: pod.hostPorts.length === 0 ? Status.SKIP : null };
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    if (node.usedPorts.size === 0) return null;
    for (const want of pod.hostPorts) {
      for (const key of node.usedPorts.keys()) {
        const [proto, ip, port] = key.split('/');
        if (proto !== want.protocol || Number(port) !== want.port) continue;
        if (ip === want.hostIP || ip === '0.0.0.0' || want.hostIP === '0.0.0.0') return Status.unschedulable(ERR_REASON);
      }
    }
    return null;
  }
}

export const newNodePorts = (): NodePorts => new NodePorts();
