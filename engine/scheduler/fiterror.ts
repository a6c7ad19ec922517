/**
 * The FailedScheduling message, worded as upstream's FitError.Error() (framework/types.go):
 *   "0/<n> nodes are available: <count> <reason>, <count> <reason>. <postfilter message>"
 * Reasons are counted over nodes (a node may give several, e.g. Insufficient cpu and memory),
 * printed as "<count> <reason>" and sorted as strings. A PreFilter rejection replaces the
 * per-node reasons with its own message.
 */
import type { Status } from './framework/types.js';

export function fitErrorMessage(numAllNodes: number, statuses: ReadonlyMap<string, Status>, preFilterMsg = '', postFilterMsg = ''): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const st of statuses.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}

/** What a failed scheduling attempt carries back to the failure handler. */
export class FitError {
  constructor(
    readonly numAllNodes: number,
    readonly statuses: ReadonlyMap<string, Status>,
    readonly unschedulablePlugins: ReadonlySet<string>,
    readonly preFilterMsg = '',
    public postFilterMsg = '',
  ) {}

  get message(): string {
    return fitErrorMessage(this.numAllNodes, this.statuses, this.preFilterMsg, this.postFilterMsg);
  }
}

/** Upstream's ErrNoNodesAvailable. */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
