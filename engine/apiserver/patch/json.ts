/**
 * JSON patch (RFC 6902), applied with fast-json-patch but with the apiserver's edges: it runs
 * evanphx/json-patch v4, so a body that is not a list of objects is a 400 (decode error), while
 * any op that fails is a 422 whose Status message is generic; the evanphx wording of the real
 * reason ("replace operation does not apply: doc is missing key: /spec/foo: missing value") goes
 * in PatchError.detail. Like v4, an op without "value" uses null, and the document root (path
 * "") cannot be addressed.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, unprocessable, type PatchError } from './errors.js';
import { deepCopy, hasOwn, isObject, jsonKindWord, type JsonObject } from './values.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function jsonPatch(original: JsonObject, patch: unknown): JsonObject {
  // "null" decodes to an empty patch.
  if (patch === null) return deepCopy(original);
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (op !== null && !isObject(op)) {
      throw badRequest(`json: cannot unmarshal ${jsonKindWord(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  let doc = deepCopy(original);
  for (const op of patch) doc = applyOne(doc, isObject(op) ? op : {});
  return doc;
}

function applyOne(doc: JsonObject, raw: JsonObject): JsonObject {
  const kind = typeof raw.op === 'string' ? raw.op : 'unknown';
  if (!OPS.has(kind)) throw unprocessable(`Unexpected kind: ${kind}`);
  if (typeof raw.path !== 'string') throw unprocessable(`${kind} operation failed to decode path: missing value`);
  const path = raw.path;
  let from = '';
  if (kind === 'move' || kind === 'copy') {
    if (typeof raw.from !== 'string') throw unprocessable(`${kind} operation failed to decode from: missing value`);
    from = raw.from;
  }
  if (!path.startsWith('/')) throw failure(kind, doc, path, from, 'OPERATION_PATH_CANNOT_ADD');
  if (from !== '' && !from.startsWith('/')) throw failure(kind, doc, path, from, 'OPERATION_FROM_UNRESOLVABLE');

  const value = hasOwn(raw, 'value') ? deepCopy(raw.value) : null;
  // v4 passes a test for null on a key the (existing) parent object lacks.
  if (kind === 'test' && value === null) {
    const at = locate(doc, path);
    if (isObject(at.parent) && !hasOwn(at.parent, at.key)) return doc;
  }

  const op = { op: kind, path, value, from } as Operation;
  try {
    return jsonpatch.applyOperation(doc, op, true, true, true).newDocument;
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'TypeError' && e instanceof Error) throw unprocessable(e.message); // __proto__ guard
    throw failure(kind, doc, path, from, name);
  }
}

/** evanphx/json-patch v4's message for a failed op, from fast-json-patch's error name. */
function failure(kind: string, doc: JsonObject, path: string, from: string, name: string): PatchError {
  const at = locate(doc, path);
  switch (kind) {
    case 'test':
      return unprocessable(`testing value ${path} failed: test failed`);
    case 'add':
      if (at.parent !== undefined && (name === 'OPERATION_VALUE_OUT_OF_BOUNDS' || name === 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX')) {
        return unprocessable(`error in add for path: '${path}': Unable to access invalid index: ${at.key}: invalid index referenced`);
      }
      return unprocessable(`add operation does not apply: doc is missing path: "${path}": missing value`);
    case 'remove':
      if (at.parent === undefined) return unprocessable(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      if (Array.isArray(at.parent)) {
        return unprocessable(`error in remove for path: '${path}': Unable to access invalid index: ${at.key}: invalid index referenced`);
      }
      return unprocessable(`error in remove for path: '${path}': Unable to remove nonexistent key: ${at.key}: missing value`);
    case 'replace':
      if (at.parent === undefined) return unprocessable(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      return unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    default: // move, copy
      if (name === 'OPERATION_FROM_UNRESOLVABLE') {
        return unprocessable(`${kind} operation does not apply: doc is missing from path: ${from}: missing value`);
      }
      return unprocessable(`${kind} operation does not apply: doc is missing destination path: ${path}: missing value`);
  }
}

/** The container a JSON pointer points into (undefined when missing) and the last token. */
function locate(doc: unknown, pointer: string): { parent: unknown; key: string } {
  // v4 needs at least one "/" to find a container.
  if (!pointer.startsWith('/')) return { parent: undefined, key: pointer };
  const tokens = pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = tokens.pop() ?? '';
  let cur: unknown = doc;
  for (const t of tokens) {
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(t)) cur = cur[Number(t)];
    else if (isObject(cur) && hasOwn(cur, t)) cur = cur[t];
    else return { parent: undefined, key };
  }
  return { parent: typeof cur === 'object' && cur !== null ? cur : undefined, key };
}
