/** NodeName: a pod that names its node (spec.nodeName) fits only that node. */
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type Result } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

export class NodeName implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd'];

  preFilter(_state: CycleState, pod: PodInfo): { status: Result; result?: { nodeNames: Set<string> } } {
    if (!pod.nodeName) return { status: Status.SKIP };
    return { status: null, result: { nodeNames: new Set([pod.nodeName]) } };
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    return !pod.nodeName || pod.nodeName === node.name ? null : Status.unresolvable(ERR_REASON);
  }
}

export const newNodeName = (): NodeName => new NodeName();
