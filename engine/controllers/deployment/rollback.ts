/**
 * Rollbacks. With apps/v1, `kubectl rollout undo` rolls back on the client: it copies an old
 * ReplicaSet's template (and annotations) into the Deployment with a JSON patch; the controller
 * then finds that ReplicaSet equal to the new template (sync.ts getNewReplicaSet, comparing
 * templates semantically, ignoring the hash label) and reuses it with a new revision, keeping
 * the old numbers in `deployment.kubernetes.io/revision-history`.
 *
 * This file keeps upstream's legacy server-side path (deployment/rollback.go) for clients of
 * the old API that ask through the `deprecated.deployment.rollback.to` annotation.
 */
import { clone } from '../../api/types.js';
import { equalIgnoreHash } from '../shared/hash.js';
import type { ReplicaSet } from '../replicaset/replica_set.js';
import type { DeploymentController } from './deployment_controller.js';
import { getAllReplicaSetsAndSyncRevision } from './sync.js';
import {
  lastRevision,
  revisionOf,
  ROLLBACK_DONE,
  ROLLBACK_REVISION_NOT_FOUND,
  ROLLBACK_TEMPLATE_UNCHANGED,
  ROLLBACK_TO_ANNOTATION,
  setDeploymentAnnotationsTo,
  templateFromReplicaSet,
  type Deployment,
} from './util.js';

/** The requested rollback revision (0 = the previous one), or undefined. */
export function getRollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

export function rollback(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[]): void {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, true);
  const all = [...oldRSs, ...(newRS ? [newRS] : [])];
  let to = getRollbackTo(d) ?? 0;
  if (to === 0) {
    to = lastRevision(all);
    if (to === 0) {
      dc.recorder.event(d, 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find last revision.');
      return updateDeploymentAndClearRollbackTo(dc, d);
    }
  }
  for (const rs of all) {
    if (revisionOf(rs) !== to) continue;
    if (rollbackToTemplate(dc, d, rs)) dc.recorder.event(d, 'Normal', ROLLBACK_DONE, `Rolled back deployment "${d.metadata.name}" to revision ${to}`);
    return;
  }
  dc.recorder.event(d, 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find the revision to rollback to.');
  updateDeploymentAndClearRollbackTo(dc, d);
}

/** Copies the ReplicaSet's template into the Deployment; false when it is already the same. */
function rollbackToTemplate(dc: DeploymentController, d: Deployment, rs: ReplicaSet): boolean {
  let performed = false;
  if (!equalIgnoreHash(d.spec.template, rs.spec?.template)) {
    d.spec.template = clone(templateFromReplicaSet(rs));
    setDeploymentAnnotationsTo(d, rs);
    performed = true;
  } else {
    dc.recorder.event(d, 'Warning', ROLLBACK_TEMPLATE_UNCHANGED, `The rollback revision contains the same template as current deployment "${d.metadata.name}"`);
  }
  updateDeploymentAndClearRollbackTo(dc, d);
  return performed;
}

function updateDeploymentAndClearRollbackTo(dc: DeploymentController, d: Deployment): void {
  if (d.metadata.annotations) delete d.metadata.annotations[ROLLBACK_TO_ANNOTATION];
  dc.update(d);
}
