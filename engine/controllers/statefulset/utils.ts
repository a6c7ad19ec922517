/**
 * StatefulSet pod identity and storage (upstream pkg/controller/statefulset/stateful_set_utils.go):
 * pods are named `<set>-<ordinal>`, with hostname = their name, subdomain = spec.serviceName,
 * labels `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`, the revision
 * in `controller-revision-hash`, and one PVC per volumeClaimTemplate, `<template>-<set>-<ordinal>`,
 * mounted as a volume named after the template.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { clone } from '../../api/types.js';
import type { LabelSelectorObject } from '../../api/selectors.js';
import { isPodAvailable, isPodReady, podPhase, type Pod } from '../shared/pods.js';
import { newControllerRef } from '../shared/ownerrefs.js';
import { CONTROLLER_REVISION_HASH } from './history.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export interface PersistentVolumeClaim extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorObject;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Record<string, unknown> };
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel' | string;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete' | string; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    volumeClaimTemplates?: PersistentVolumeClaim[];
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete' | string; whenScaled?: 'Retain' | 'Delete' | string };
    ordinals?: { start?: number };
  };
  status?: StatefulSetStatus;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

const ORDINAL = /^(.*)-(\d+)$/;

/** The parent name and ordinal encoded in a pod name; ordinal -1 when there is none. */
export function parentAndOrdinal(pod: KubeObject): { parent: string; ordinal: number } {
  const m = ORDINAL.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? { parent: m[1], ordinal: n } : { parent: '', ordinal: -1 };
}

export function getOrdinal(pod: KubeObject): number {
  return parentAndOrdinal(pod).ordinal;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function isMemberOf(set: StatefulSet, pod: KubeObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** Last ordinal of the replica range (start + replicas − 1). */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
}

export function podInOrdinalRange(pod: KubeObject, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export function claimName(set: StatefulSet, claim: PersistentVolumeClaim, ordinal: number): string {
  return `${claim.metadata.name}-${set.metadata.name}-${ordinal}`;
}

/** getPersistentVolumeClaims: template name → the claim this pod uses. */
export function claimsFor(set: StatefulSet, pod: KubeObject): Map<string, PersistentVolumeClaim> {
  const ordinal = getOrdinal(pod);
  const out = new Map<string, PersistentVolumeClaim>();
  for (const tmpl of set.spec?.volumeClaimTemplates ?? []) {
    const claim = clone(tmpl);
    delete claim.status;
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = { ...claim.metadata, name: claimName(set, tmpl, ordinal), namespace: set.metadata.namespace };
    claim.metadata.labels = { ...(claim.metadata.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
    delete claim.metadata.creationTimestamp;
    out.set(tmpl.metadata.name as string, claim);
  }
  return out;
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [k: string]: unknown;
}

/** updateStorage: the pod mounts its claims (replacing template volumes of the same name). */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = claimsFor(set, pod);
  if (claims.size === 0) return;
  const spec = (pod.spec ??= {});
  const current = (Array.isArray(spec.volumes) ? spec.volumes : []) as Volume[];
  const next: Volume[] = [];
  for (const [name, claim] of claims) next.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name as string } });
  for (const v of current) if (!claims.has(v.name)) next.push(v);
  spec.volumes = next;
}

export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = (Array.isArray(pod.spec?.volumes) ? pod.spec?.volumes : []) as Volume[];
  for (const tmpl of set.spec?.volumeClaimTemplates ?? []) {
    const v = volumes.find((x) => x.name === tmpl.metadata.name);
    if (!v || v.persistentVolumeClaim?.claimName !== claimName(set, tmpl, ordinal)) return false;
  }
  return true;
}

/** updateIdentity: name, namespace and identity labels follow the ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** newStatefulSetPod: the pod for `ordinal` from `set`'s template (not yet created). */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const tmpl = set.spec?.template ?? {};
  const meta = tmpl.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: clone(tmpl.spec ?? {}) as Pod['spec'],
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  updateIdentity(set, pod);
  // Immutable identity, set on creation only.
  pod.spec!.hostname = pod.metadata.name;
  if (set.spec?.serviceName) pod.spec!.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  return pod;
}

export function getPodRevision(pod: Pod): string {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
}

export function setPodRevision(pod: Pod, revision: string): void {
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH]: revision };
}

/** A pod object that exists in the API (built-but-not-created pods have no phase). */
export function isCreated(pod: Pod): boolean {
  return podPhase(pod) !== '';
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export function isRunningAndReady(pod: Pod): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return podPhase(pod) === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

/** Owner-reference helpers for PVC retention (upstream setOwnerRef / removeOwnerRef). */
export function hasOwnerRef(o: KubeObject, owner: KubeObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

export function setOwnerRef(o: KubeObject, owner: KubeObject, apiVersion: string, kind: string): boolean {
  if (hasOwnerRef(o, owner)) return false;
  const ref: OwnerReference = { apiVersion, kind, name: owner.metadata.name as string, uid: owner.metadata.uid as string };
  o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), ref];
  return true;
}

export function removeOwnerRef(o: KubeObject, owner: KubeObject): boolean {
  if (!hasOwnerRef(o, owner)) return false;
  const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
  if (refs.length) o.metadata.ownerReferences = refs;
  else delete o.metadata.ownerReferences;
  return true;
}

/** A claim whose Pod owner reference is not this pod (or the pod is not created yet). */
export function hasStaleOwnerRef(claim: KubeObject, pod: Pod): boolean {
  for (const r of claim.metadata.ownerReferences ?? []) {
    if (r.kind === 'Pod' && r.name === pod.metadata.name && r.uid !== pod.metadata.uid) return true;
  }
  return false;
}
