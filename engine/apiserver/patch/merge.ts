/**
 * JSON merge patch (RFC 7386) the way the apiserver applies it: evanphx/json-patch's
 * MergePatch (mergeDocs / pruneNulls). Objects merge key by key, null deletes, anything else
 * (arrays included) replaces. Values that land without a counterpart have their null map
 * entries pruned, recursively and through arrays, as upstream does.
 */
import { badRequest, PatchError } from './errors.js';
import { deepCopy, hasOwn, isObject, setKey, type JsonObject } from './values.js';

/** evanphx's ErrBadJSONPatch, answered with 400. */
const ERR_BAD_JSON_PATCH = 'Invalid JSON Patch';

/** Go's decode error for a document that is not an object (the serializer's kind sniffing). */
const NOT_AN_OBJECT =
  'couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type ' +
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

export function mergePatch(original: JsonObject, patch: unknown): JsonObject {
  if (Array.isArray(patch)) {
    // MergePatch hands back the array itself; decoding that as an object then fails and the
    // apiserver answers 422 Invalid on field "patch" (NewInvalid with an empty kind and name).
    const value = JSON.stringify(pruneArrayNulls(deepCopy(patch)));
    throw new PatchError(` "" is invalid: patch: Invalid value: ${JSON.stringify(value)}: ${NOT_AN_OBJECT}`, 422);
  }
  // A scalar or null body is not a document at all.
  if (!isObject(patch)) throw badRequest(ERR_BAD_JSON_PATCH);
  const doc = deepCopy(original);
  mergeDocs(doc, deepCopy(patch));
  return doc;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) {
      delete doc[k];
    } else if (!hasOwn(doc, k) || doc[k] === null) {
      setKey(doc, k, pruneNulls(v));
    } else {
      setKey(doc, k, merge(doc[k], v));
    }
  }
}

function merge(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  // Upstream returns a non-object patch as is here, without pruning.
  if (!isObject(patch)) return patch;
  mergeDocs(cur, patch);
  return cur;
}

function pruneNulls(v: unknown): unknown {
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else pruneNulls(v[k]);
    }
  } else if (Array.isArray(v)) {
    pruneArrayNulls(v);
  }
  return v;
}

/** Null items stay (they are values); objects inside lose their null entries. */
function pruneArrayNulls(list: unknown[]): unknown[] {
  for (const item of list) if (item !== null) pruneNulls(item);
  return list;
}
