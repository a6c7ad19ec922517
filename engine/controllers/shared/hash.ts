/**
 * Pod-template hashing and comparison (upstream controller.ComputeHash and
 * deploymentutil.EqualIgnoreHash), used for `pod-template-hash` names of ReplicaSets and for
 * ControllerRevision names.
 *
 * Upstream hashes the Go struct with FNV-32a via a deep printer, which cannot be reproduced
 * byte for byte outside Go; Skiff hashes a *normalized* JSON form instead: keys sorted, and
 * nulls, empty objects and empty arrays dropped — the same things Go's typed structs cannot tell
 * apart from "absent" (`resources: {}`, `creationTimestamp: null`). The result is stable across
 * restarts and versions as long as normalizeTemplate is. The collision count is mixed in as
 * upstream does (4 little-endian bytes), and the number is encoded with rand.SafeEncodeString.
 */
import { isPlainObject } from '../../api/types.js';

/** FNV-1a, 32 bit, over UTF-8 bytes (continuing from `seed`). */
export function fnv32a(data: string | Uint8Array, seed = 0x811c9dc5): number {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: no vowels, no look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/**
 * A semantic normal form of JSON data: sorted keys, with null/undefined, {} and [] removed
 * (recursively). Two templates that decode to the same typed Go struct normalize the same.
 */
export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) {
    const arr = v.map(normalize).map((x) => (x === undefined ? {} : x));
    return arr.length ? arr : undefined;
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (v === null || v === undefined) return undefined;
  return v;
}

/** Canonical text of a pod template, the input of the hash. */
export function templateText(template: unknown): string {
  return JSON.stringify(normalize(template) ?? {});
}

/** controller.ComputeHash: the pod-template-hash of a template and a collision count. */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(templateText(template));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Copy of a template with the pod-template-hash label removed. */
function withoutHash(template: unknown): unknown {
  if (!isPlainObject(template)) return template;
  const meta = isPlainObject(template.metadata) ? template.metadata : undefined;
  if (!meta || !isPlainObject(meta.labels) || !(POD_TEMPLATE_HASH in meta.labels)) return template;
  const labels = { ...meta.labels };
  delete labels[POD_TEMPLATE_HASH];
  return { ...template, metadata: { ...meta, labels } };
}

/**
 * deploymentutil.EqualIgnoreHash: the templates are semantically equal once the
 * pod-template-hash label is ignored. `kubectl rollout undo` writes back an old ReplicaSet's
 * template (with `creationTimestamp: null`, `resources: {}`): this must find that ReplicaSet.
 */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return templateText(withoutHash(a)) === templateText(withoutHash(b));
}
