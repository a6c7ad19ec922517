/**
 * PATCH bodies for the Kubernetes API, as pure functions.
 *
 * The apiserver picks the patch type from Content-Type:
 *   application/json-patch+json            RFC 6902 operations            → 'json'
 *   application/merge-patch+json           RFC 7386 merge                  → 'merge'
 *   application/strategic-merge-patch+json Kubernetes strategic merge      → 'strategic'
 *   application/apply-patch+yaml           server-side apply (not here)   → 'apply'
 * Strategic merge patch is what kubectl sends by default (client-side apply, set image/env,
 * rollout restart, edit, patch): lists with a merge key merge item by item and a handful of
 * `$` directives steer deletes and ordering. It needs to know each field's patch strategy, so it
 * only works for built-in kinds (see schema.ts); for others the apiserver answers 415, and so
 * does applyPatch, with the same message.
 *
 * Failures throw PatchError carrying the status code and message the real apiserver sends.
 * Nothing here touches storage or mutates its inputs.
 */
import { PatchError } from './errors.js';
import { jsonPatch } from './json.js';
import { mergePatch } from './merge.js';
import { rootTypeFor, TYPES } from './schema.js';
import { strategicMergePatch } from './strategic.js';

export { PatchError, GENERIC_422, type PatchErrorCode } from './errors.js';
export { supportsStrategicMerge, patchMetaAt, type PatchMeta } from './schema.js';

export type PatchType = 'json' | 'merge' | 'strategic';

const CONTENT_TYPES: Readonly<Record<string, PatchType | 'apply'>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The patch type for a Content-Type header (parameters such as charset ignored); undefined → 415. */
export function patchTypeFromContentType(ct: string): PatchType | 'apply' | undefined {
  const base = ct.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return Object.prototype.hasOwnProperty.call(CONTENT_TYPES, base) ? CONTENT_TYPES[base] : undefined;
}

/** The apiserver's 415 for strategic merge patch on a kind without Go types (custom resources). */
export const SMP_UNSUPPORTED_MESSAGE =
  'the body of the request was in an unknown format - accepted media types include: ' +
  'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

/** Applies a patch body (already-parsed JSON) to a copy of `original`; never mutates `original`. */
export function applyPatch(
  type: PatchType,
  original: Record<string, unknown>,
  patch: unknown,
  target: { apiVersion: string; kind: string },
): Record<string, unknown> {
  try {
    switch (type) {
      case 'json':
        return jsonPatch(original, patch);
      case 'merge':
        return mergePatch(original, patch);
      case 'strategic': {
        const root = rootTypeFor(target.apiVersion, target.kind);
        if (root === undefined) throw new PatchError(SMP_UNSUPPORTED_MESSAGE, 415);
        return strategicMergePatch(original, patch, TYPES, root);
      }
    }
  } catch (e) {
    // A body nested deep enough to exhaust the stack is the client's fault, not a crash.
    if (e instanceof RangeError) throw new PatchError(`the patch could not be applied: ${e.message}`, 400);
    throw e;
  }
}
