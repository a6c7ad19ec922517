/**
 * Rollout progress (upstream deployment/progress.go): the Progressing condition —
 * ReplicaSetUpdated while pods move, NewReplicaSetAvailable when done, ProgressDeadlineExceeded
 * when nothing moved for progressDeadlineSeconds — and a timed re-check of stuck rollouts.
 * `kubectl rollout status` fails with "exceeded its progress deadline" on the last one.
 */
import { parseTime } from '../shared/controller.js';
import type { ReplicaSet } from '../replicaset/replica_set.js';
import type { DeploymentController } from './deployment_controller.js';
import { calculateStatus, sameStatus } from './sync.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  NEW_RS_AVAILABLE_REASON,
  removeCondition,
  RS_UPDATED_REASON,
  setCondition,
  TIMED_OUT_REASON,
  type Deployment,
  type DeploymentStatus,
} from './util.js';

export function syncRolloutStatus(dc: DeploymentController, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): void {
  const now = dc.now();
  const st = calculateStatus(all, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(st, 'Progressing');
  const cur = getCondition(d.status, 'Progressing');
  const isComplete = (st.replicas ?? 0) === (st.updatedReplicas ?? 0) && cur?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !isComplete) {
    const rsName = newRS?.metadata.name;
    if (deploymentComplete(d, st)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setCondition(st, newCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, msg, now));
    } else if (deploymentProgressing(d, st)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const c = newCondition('Progressing', 'True', RS_UPDATED_REASON, msg, now);
      // Progress refreshes lastUpdateTime even when the reason stays the same.
      if (cur) {
        if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(st, 'Progressing');
      }
      setCondition(st, c);
    } else if (deploymentTimedOut(d, st, dc.ctx.clock.now().getTime())) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(st, newCondition('Progressing', 'False', TIMED_OUT_REASON, msg, now));
    }
  }
  // ReplicaFailure from the ReplicaSets (upstream copies the new one's, else any old one's).
  const failure = replicaFailure(all, newRS);
  if (failure) {
    const t = failure.lastTransitionTime ?? now;
    setCondition(st, { type: 'ReplicaFailure', status: failure.status, lastUpdateTime: t, lastTransitionTime: t, reason: failure.reason, message: failure.message });
  }
  else removeCondition(st, 'ReplicaFailure');

  if (sameStatus(d.status, st)) {
    requeueStuckDeployment(dc, d, st);
    return;
  }
  d.status = st;
  dc.updateStatus(d);
}

function replicaFailure(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
  const find = (rs: ReplicaSet | undefined) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  const n = find(newRS);
  if (n) return n;
  for (const rs of all) {
    if (rs === newRS) continue;
    const c = find(rs);
    if (c) return c;
  }
  return undefined;
}

/**
 * A rollout with no sign of progress is re-checked when its deadline would pass (plus a
 * second), so ProgressDeadlineExceeded appears on time without any other event. Returns the
 * delay in ms (-1: no re-check needed).
 */
export function requeueStuckDeployment(dc: DeploymentController, d: Deployment, st: DeploymentStatus): number {
  const cur = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !cur) return -1;
  if (deploymentComplete(d, st) || cur.reason === TIMED_OUT_REASON) return -1;
  const from = parseTime(cur.lastUpdateTime);
  if (from === undefined) return -1;
  const after = from + (d.spec.progressDeadlineSeconds as number) * 1000 - dc.ctx.clock.now().getTime();
  if (after < 1000) {
    // Upstream re-queues rate limited here; a fixed short delay avoids a burst of syncs.
    dc.enqueueAfter(d, Math.max(after, 0) + 100);
    return 0;
  }
  dc.enqueueAfter(d, after + 1000);
  return after;
}
