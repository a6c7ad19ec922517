/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable, `kubectl cordon`) takes no new pods,
 * unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule (DaemonSet pods do).
 */
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type Result } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';
import { TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint } from '../util/taints.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeSchedulable', 'NodeTaint'];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    if (!node.unschedulable) return null;
    if (tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT)) return null;
    return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }
}

export const newNodeUnschedulable = (): NodeUnschedulable => new NodeUnschedulable();
