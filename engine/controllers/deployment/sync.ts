/**
 * Scaling, revisions, history cleanup and status (upstream deployment/sync.go). `d` is always the
 * sync's working copy of the Deployment; ReplicaSets from the cache are cloned before a write.
 */
import { clone } from '../../api/types.js';
import { canonical } from '../../apiserver/rest.js';
import { isAlreadyExists, isNamespaceTerminating, isNotFound } from '../shared/controller.js';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH } from '../shared/hash.js';
import { getControllerOf, newControllerRef } from '../shared/ownerrefs.js';
import type { ReplicaSet } from '../replicaset/replica_set.js';
import type { DeploymentController } from './deployment_controller.js';
import {
  activeReplicaSets,
  actualReplicaCount,
  availableReplicaCount,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasAnnotation,
  FAILED_RS_CREATE_REASON,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  FOUND_NEW_RS_REASON,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  newCondition,
  NEW_RS_REASON,
  newRSNewReplicas,
  PAUSED_REASON,
  readyReplicaCount,
  replicaCount,
  replicaSetProportion,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  REVISION_ANNOTATION,
  RESUMED_REASON,
  rsReplicas,
  setCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  TIMED_OUT_REASON,
  type Deployment,
  type DeploymentStatus,
} from './util.js';
import { getRollbackTo } from './rollback.js';

/** Scaling (or a paused Deployment): resize ReplicaSets, no rollout. */
export function sync(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[]): void {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  scale(dc, d, newRS, oldRSs);
  if (d.spec.paused && getRollbackTo(d) === undefined) cleanupDeployment(dc, oldRSs, d);
  const all = [...oldRSs, newRS].map((rs) => (rs ? dc.latestRS(rs) : rs));
  syncDeploymentStatus(dc, all, newRS && dc.latestRS(newRS), d);
}

/** A Deployment being deleted: only keep its status current. */
export function syncStatusOnly(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[]): void {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  syncDeploymentStatus(dc, [...oldRSs, newRS], newRS, d);
}

/** Sets Progressing=Unknown DeploymentPaused/DeploymentResumed when pausing or resuming. */
export function checkPausedConditions(dc: DeploymentController, d: Deployment): void {
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, 'Progressing');
  if (cond?.reason === TIMED_OUT_REASON) return; // do not hide a reported lack of progress
  const pausedCond = cond?.reason === PAUSED_REASON;
  const st = (d.status ??= {});
  if (d.spec.paused && !pausedCond) setCondition(st, newCondition('Progressing', 'Unknown', PAUSED_REASON, 'Deployment is paused', dc.now()));
  else if (!d.spec.paused && pausedCond) setCondition(st, newCondition('Progressing', 'Unknown', RESUMED_REASON, 'Deployment is resumed', dc.now()));
  else return;
  dc.updateStatus(d);
}

/** A scaling event: some active ReplicaSet was sized for a different replica count. */
export function isScalingEvent(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[]): boolean {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  for (const rs of activeReplicaSets([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(dc.latestRS(rs));
    if (desired === undefined) continue;
    if (desired !== replicasOf(d)) return true;
  }
  return false;
}

export function getAllReplicaSetsAndSyncRevision(
  dc: DeploymentController,
  d: Deployment,
  rsList: ReplicaSet[],
  createIfNotExisted: boolean,
): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
  const fresh = rsList.map((rs) => dc.latestRS(rs));
  const oldRSs = findOldReplicaSets(d, fresh);
  const newRS = getNewReplicaSet(dc, d, fresh, oldRSs, createIfNotExisted);
  return { newRS, oldRSs };
}

/**
 * The new ReplicaSet: the existing one (revision raised to max(old)+1, annotations synced — this
 * is how `kubectl rollout undo` reuses an old ReplicaSet) or, if asked, a new one named
 * `<deployment>-<hash>`. A name clash with a different template bumps status.collisionCount.
 */
export function getNewReplicaSet(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): ReplicaSet | undefined {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const copy = clone(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
    if (annotationsUpdated || minReadyChanged) {
      copy.spec = { ...(copy.spec ?? {}), minReadySeconds: d.spec.minReadySeconds ?? 0 };
      return dc.rsClient.update(copy);
    }
    let needsUpdate = setDeploymentRevision(d, copy.metadata.annotations?.[REVISION_ANNOTATION]);
    const cond = getCondition(d.status, 'Progressing');
    if (hasProgressDeadline(d) && !cond) {
      setCondition((d.status ??= {}), newCondition('Progressing', 'True', FOUND_NEW_RS_REASON, `Found new replica set "${copy.metadata.name}"`, dc.now()));
      needsUpdate = true;
    }
    if (needsUpdate) dc.updateStatus(d);
    return copy;
  }
  if (!create) return undefined;

  const template = clone(d.spec.template ?? {});
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
  const selector = clone(d.spec.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...(template.metadata.labels as Record<string, string>) },
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
  const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  newRS.spec!.replicas = replicas;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = dc.rsClient.create(newRS);
  } catch (e) {
    if (isAlreadyExists(e)) {
      alreadyExists = true;
      const rs = dc.rsClient.get(d.metadata.namespace, newRS.metadata.name as string);
      const ref = rs && getControllerOf(rs);
      if (rs && ref?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, rs.spec?.template)) {
        created = rs;
      } else {
        // A hash collision: bump collisionCount and let the next sync pick another name.
        const st = (d.status ??= {});
        st.collisionCount = (st.collisionCount ?? 0) + 1;
        dc.updateStatus(d);
        throw e;
      }
    } else if (isNamespaceTerminating(e)) {
      throw e;
    } else {
      const msg = `Failed to create new replica set "${newRS.metadata.name}": ${(e as Error).message}`;
      if (hasProgressDeadline(d)) {
        setCondition((d.status ??= {}), newCondition('Progressing', 'False', FAILED_RS_CREATE_REASON, msg, dc.now()));
        try {
          dc.updateStatus(d);
        } catch {
          // The bigger problem is reported below.
        }
      }
      dc.recorder.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
      throw e;
    }
  }
  if (!alreadyExists && replicas > 0) {
    dc.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
  }
  let needsUpdate = setDeploymentRevision(d, String(newRevision));
  if (!alreadyExists && hasProgressDeadline(d)) {
    setCondition((d.status ??= {}), newCondition('Progressing', 'True', NEW_RS_REASON, `Created new replica set "${created.metadata.name}"`, dc.now()));
    needsUpdate = true;
  }
  if (needsUpdate) dc.updateStatus(d);
  return created;
}

/**
 * Scales for a changed spec.replicas: one active ReplicaSet takes everything; otherwise (during a
 * rolling update) the difference is spread proportionally, largest ReplicaSets first.
 */
export function scale(dc: DeploymentController, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (rsReplicas(activeOrLatest) === replicasOf(d)) return;
    scaleReplicaSetAndRecordEvent(dc, activeOrLatest, replicasOf(d), d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) scaleReplicaSetAndRecordEvent(dc, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allReplicas = replicaCount(all);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - allReplicas;
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = replicaSetProportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.name as string, rsReplicas(rs) + p);
      added += p;
    } else sizes.set(rs.metadata.name as string, rsReplicas(rs));
  }
  all.forEach((rs, i) => {
    const name = rs.metadata.name as string;
    if (i === 0 && toAdd !== 0) {
      const leftover = toAdd - added;
      sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + leftover));
    }
    scaleReplicaSet(dc, rs, sizes.get(name) ?? 0, d, toAdd > 0 ? 'up' : 'down');
  });
}

export function scaleReplicaSetAndRecordEvent(dc: DeploymentController, rs: ReplicaSet, newScale: number, d: Deployment): { scaled: boolean; rs: ReplicaSet } {
  if (rsReplicas(rs) === newScale) return { scaled: false, rs };
  const op = rsReplicas(rs) < newScale ? 'up' : 'down';
  return scaleReplicaSet(dc, rs, newScale, d, op);
}

/** Sets a ReplicaSet's replicas (and desired/max annotations); records ScalingReplicaSet. */
export function scaleReplicaSet(dc: DeploymentController, rs0: ReplicaSet, newScale: number, d: Deployment, op: string): { scaled: boolean; rs: ReplicaSet } {
  const rs = dc.latestRS(rs0);
  const max = replicasOf(d) + maxSurge(d);
  const sizeNeedsUpdate = rsReplicas(rs) !== newScale;
  const annotationsNeedUpdate = replicasAnnotationsNeedUpdate(rs, replicasOf(d), max);
  if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
  const oldScale = rsReplicas(rs);
  const copy = clone(rs);
  copy.spec = { ...(copy.spec ?? {}), replicas: newScale };
  setReplicasAnnotations(copy, replicasOf(d), max);
  const out = dc.rsClient.update(copy);
  if (sizeNeedsUpdate) {
    dc.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${out.metadata.name} from ${oldScale} to ${newScale}`);
  }
  return { scaled: sizeNeedsUpdate, rs: out };
}

/** Deletes the oldest ReplicaSets beyond revisionHistoryLimit, only when fully scaled down. */
export function cleanupDeployment(dc: DeploymentController, oldRSs: ReplicaSet[], d: Deployment): void {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.map((rs) => dc.latestRS(rs)).filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - (d.spec.revisionHistoryLimit as number);
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i];
    if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
    try {
      dc.rsClient.delete(rs.metadata.namespace, rs.metadata.name as string);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

export function syncDeploymentStatus(dc: DeploymentController, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): void {
  const st = calculateStatus(all, newRS, d, dc.now());
  if (sameStatus(d.status, st)) return;
  d.status = st;
  dc.updateStatus(d);
}

export function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}));
}

/** calculateStatus; zero counts are left out as Go's omitempty does. */
export function calculateStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: string): DeploymentStatus {
  const available = availableReplicaCount(all);
  const total = replicaCount(all);
  const unavailable = Math.max(0, total - available);
  const st: DeploymentStatus = {};
  const set = (k: keyof DeploymentStatus, v: number | undefined) => {
    if (v) (st as Record<string, unknown>)[k] = v;
  };
  set('observedGeneration', d.metadata.generation);
  set('replicas', actualReplicaCount(all));
  set('updatedReplicas', actualReplicaCount([newRS]));
  set('readyReplicas', readyReplicaCount(all));
  set('availableReplicas', available);
  set('unavailableReplicas', unavailable);
  if (d.status?.conditions?.length) st.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined) st.collisionCount = d.status.collisionCount;
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(st, newCondition('Available', 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setCondition(st, newCondition('Available', 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return st;
}
