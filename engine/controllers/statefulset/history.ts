/**
 * ControllerRevisions (upstream pkg/controller/history/controller_history.go), shared by the
 * StatefulSet and DaemonSet controllers. A revision snapshots a pod template as the patch that
 * restores it — `{"spec":{"template":{…,"$patch":"replace"}}}` — which is exactly what
 * `kubectl rollout undo sts/x|ds/x` sends back as a strategic merge patch, and what
 * `kubectl rollout history` lists (by the owner's selector, then controller reference).
 *
 * Data is stored as a JSON object with keys sorted (Go marshals map keys in order, and kubectl
 * compares the bytes to skip an undo to the current template). Equality between revisions is
 * semantic (shared/hash.ts normalize: nulls and empties ignored), so a template that went
 * through the API's defaulting still matches its revision.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import type { ResourceClient } from '../../client/client.js';
import { isAlreadyExists, isNotFound, parseTime } from '../shared/controller.js';
import { fnv32a, normalize, safeEncodeString } from '../shared/hash.js';
import { newControllerRef } from '../shared/ownerrefs.js';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}

/** Label on pods and revisions: the revision (name for StatefulSets, hash for DaemonSets). */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/** Key-sorted deep copy (Go's map marshalling order). */
export function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortedKeys(v[k]);
    return out;
  }
  return v;
}

/** getPatch: the revision data restoring `template`. */
export function templatePatch(template: unknown): Record<string, unknown> {
  const t = isPlainObject(template) ? clone(template) : {};
  t.$patch = 'replace';
  return sortedKeys({ spec: { template: t } }) as Record<string, unknown>;
}

/** The template a revision holds (its data with the directive removed). */
export function templateOf(rev: ControllerRevision): Record<string, unknown> {
  const data = isPlainObject(rev.data) ? rev.data : {};
  const spec = isPlainObject(data.spec) ? data.spec : {};
  const t = isPlainObject(spec.template) ? clone(spec.template) : {};
  delete t.$patch;
  return t;
}

/** Semantic text of revision data (for equality). */
function dataText(data: unknown): string {
  return JSON.stringify(normalize(data) ?? {});
}

/** HashControllerRevision: FNV-32a of the data (and collision count), safely encoded. */
export function hashRevision(data: unknown, collisionCount?: number): string {
  let h = fnv32a(JSON.stringify(sortedKeys(data)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: `<prefix>-<hash>`, prefix cut to 223 characters. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return dataText(a.data) === dataText(b.data);
}

export function findEqualRevisions(revisions: ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  const want = dataText(needle.data);
  return revisions.filter((r) => dataText(r.data) === want);
}

/** SortControllerRevisions: by revision, then creation time, then name. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    if ((a.revision ?? 0) !== (b.revision ?? 0)) return (a.revision ?? 0) - (b.revision ?? 0);
    const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
    const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
    if (ta !== tb) return ta - tb;
    return String(a.metadata.name).localeCompare(String(b.metadata.name));
  });
}

/** The revision number after the highest of `revisions` (sorted). */
export function nextRevision(sorted: ControllerRevision[]): number {
  return sorted.length ? (sorted[sorted.length - 1].revision ?? 0) + 1 : 1;
}

/** NewControllerRevision: not yet named (create() names it from its hash). */
export function newRevision(parent: KubeObject, ownerApiVersion: string, ownerKind: string, templateLabels: Record<string, string>, data: unknown, revision: number): ControllerRevision {
  const ref: OwnerReference = newControllerRef(parent, ownerApiVersion, ownerKind);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { namespace: parent.metadata.namespace, labels: { ...templateLabels }, ownerReferences: [ref] },
    data,
    revision,
  };
}

/**
 * CreateControllerRevision: names the revision `<parent>-<hash>` and creates it; a namesake
 * with the same data is returned as is, one with other data is a hash collision — the
 * collision count goes up and the hash is computed again. `collision.count` is updated in place.
 */
export function createRevision(client: ResourceClient<ControllerRevision>, parent: KubeObject, rev: ControllerRevision, collision: { count: number }, nameFor?: (hash: string) => string): ControllerRevision {
  for (let i = 0; i < 100; i++) {
    const hash = hashRevision(rev.data, collision.count);
    const body = clone(rev);
    body.metadata.name = nameFor ? nameFor(hash) : revisionName(parent.metadata.name as string, hash);
    try {
      return client.create(body);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = client.get(parent.metadata.namespace, body.metadata.name);
      if (existing && equalRevision(existing, body)) return existing;
      collision.count++;
    }
  }
  throw new Error(`could not find a free ControllerRevision name for ${parent.metadata.name}`);
}

/** UpdateControllerRevision: sets the revision number. */
export function updateRevisionNumber(client: ResourceClient<ControllerRevision>, rev: ControllerRevision, revision: number): ControllerRevision {
  if (rev.revision === revision) return rev;
  const out = client.modify(rev.metadata.namespace, rev.metadata.name as string, (cur) => {
    cur.revision = revision;
  });
  return out ?? rev;
}

export function deleteRevision(client: ResourceClient<ControllerRevision>, rev: ControllerRevision): void {
  try {
    client.delete(rev.metadata.namespace, rev.metadata.name as string);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
