/**
 * The Recreate strategy (upstream deployment/recreate.go): scale every old ReplicaSet to zero,
 * wait until no old pod is left running (pods being deleted still count), then create or scale
 * up the new ReplicaSet to the full count.
 */
import type { ReplicaSet } from '../replicaset/replica_set.js';
import type { Pod } from '../shared/pods.js';
import { podPhase } from '../shared/pods.js';
import type { DeploymentController } from './deployment_controller.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent } from './sync.js';
import { syncRolloutStatus } from './progress.js';
import { activeReplicaSets, actualReplicaCount, deploymentComplete, replicasOf, rsReplicas, type Deployment } from './util.js';

export function rolloutRecreate(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[], podMap: Map<string, Pod[]>): void {
  // Do not create the new ReplicaSet yet: never scale up before the old pods are gone.
  let { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  let all: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
  if (scaleDownOldReplicaSetsForRecreate(dc, activeReplicaSets(oldRSs), d)) return syncRolloutStatus(dc, all, newRS, d);
  if (oldPodsRunning(newRS, oldRSs.map((rs) => dc.latestRS(rs)), podMap)) return syncRolloutStatus(dc, all, newRS, d);
  if (!newRS) {
    ({ newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, true));
    all = [...oldRSs, newRS];
  }
  scaleReplicaSetAndRecordEvent(dc, newRS as ReplicaSet, replicasOf(d), d);
  if (deploymentComplete(d, d.status ?? {})) cleanupDeployment(dc, oldRSs, d);
  syncRolloutStatus(dc, all, newRS, d);
}

function scaleDownOldReplicaSetsForRecreate(dc: DeploymentController, oldRSs: ReplicaSet[], d: Deployment): boolean {
  let scaled = false;
  for (const rs of oldRSs) {
    if (rsReplicas(rs) === 0) continue;
    if (scaleReplicaSetAndRecordEvent(dc, rs, 0, d).scaled) scaled = true;
  }
  return scaled;
}

/** Any pod of an old ReplicaSet not in a terminal phase (Unknown counts as running). */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const p of pods) {
      const phase = podPhase(p);
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
