/**
 * The RollingUpdate strategy (upstream deployment/rolling.go). Each sync makes one move:
 * scale the new ReplicaSet up as far as maxSurge allows, or else scale old ones down as far as
 * maxUnavailable allows (unhealthy old replicas first), then record status. Pods becoming
 * available (ReplicaSet status updates) trigger the next move.
 */
import type { ReplicaSet } from '../replicaset/replica_set.js';
import type { DeploymentController } from './deployment_controller.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent } from './sync.js';
import { syncRolloutStatus } from './progress.js';
import { activeReplicaSets, availableReplicaCount, byCreation, deploymentComplete, maxUnavailable, newRSNewReplicas, replicaCount, replicasOf, rsReplicas, type Deployment } from './util.js';

export function rolloutRolling(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[]): void {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, true);
  const nrs = newRS as ReplicaSet;
  const all = [...oldRSs, nrs];
  if (reconcileNewReplicaSet(dc, all, nrs, d)) return syncRolloutStatus(dc, all, nrs, d);
  if (reconcileOldReplicaSets(dc, all, activeReplicaSets(oldRSs), nrs, d)) return syncRolloutStatus(dc, all, nrs, d);
  if (deploymentComplete(d, d.status ?? {})) cleanupDeployment(dc, oldRSs, d);
  syncRolloutStatus(dc, all, nrs, d);
}

/** Scales the new ReplicaSet towards spec.replicas within maxSurge; true when it scaled. */
export function reconcileNewReplicaSet(dc: DeploymentController, all: ReplicaSet[], newRS: ReplicaSet, d: Deployment): boolean {
  if (rsReplicas(newRS) === replicasOf(d)) return false;
  if (rsReplicas(newRS) > replicasOf(d)) return scaleReplicaSetAndRecordEvent(dc, newRS, replicasOf(d), d).scaled;
  const count = newRSNewReplicas(d, all, newRS);
  return scaleReplicaSetAndRecordEvent(dc, newRS, count, d).scaled;
}

/**
 * Scales old ReplicaSets down as far as availability allows:
 *   maxScaledDown = allPods - minAvailable - newRSUnavailable
 * first removing old replicas that are not available anyway, then available ones while
 * available pods stay above minAvailable. True when anything was scaled down.
 */
export function reconcileOldReplicaSets(dc: DeploymentController, all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): boolean {
  const oldPods = replicaCount(oldRSs);
  if (oldPods === 0) return false;
  const allPods = replicaCount(all);
  const minAvail = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvail - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(dc, oldRSs, d, maxScaledDown);
  const scaled = scaleDownOldReplicaSetsForRollingUpdate(dc, [...cleaned.oldRSs, newRS], cleaned.oldRSs, d);
  return cleaned.count + scaled > 0;
}

/** Scales down old replicas that are not available, oldest ReplicaSets first. */
export function cleanupUnhealthyReplicas(dc: DeploymentController, oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number): { oldRSs: ReplicaSet[]; count: number } {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= maxCleanup) break;
    const rs = sorted[i];
    const want = rsReplicas(rs);
    const avail = rs.status?.availableReplicas ?? 0;
    if (want === 0 || want === avail) continue;
    const down = Math.min(maxCleanup - total, want - avail);
    const r = scaleReplicaSetAndRecordEvent(dc, rs, want - down, d);
    total += down;
    sorted[i] = r.rs;
  }
  return { oldRSs: sorted, count: total };
}

/** Scales old ReplicaSets down while available pods stay above minAvailable; returns how many. */
export function scaleDownOldReplicaSetsForRollingUpdate(dc: DeploymentController, all: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): number {
  const minAvail = replicasOf(d) - maxUnavailable(d);
  const available = availableReplicaCount(all);
  if (available <= minAvail) return 0;
  const sorted = [...oldRSs].sort(byCreation);
  const want = available - minAvail;
  let total = 0;
  for (const rs of sorted) {
    if (total >= want) break;
    if (rsReplicas(rs) === 0) continue;
    const down = Math.min(rsReplicas(rs), want - total);
    scaleReplicaSetAndRecordEvent(dc, rs, rsReplicas(rs) - down, d);
    total += down;
  }
  return total;
}
