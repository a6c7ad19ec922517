/**
 * Strategic merge patch, apply side: a port of StrategicMergeMapPatch from
 * k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (mergeMap, mergeSlice,
 * mergePatchIntoOriginal, normalizeElementOrder …) with the server's options
 * (MergeParallelList and IgnoreUnmatchedNulls both on). Function names follow upstream so the
 * two can be read side by side.
 *
 * Deliberate differences, all about values that have nothing to merge with (upstream copies
 * them in raw and lets the typed decode drop what does not fit; here the JSON is stored as is):
 * - A new value is merged into an empty one, so nulls, `$retainKeys`, `$setElementOrder/…` and
 *   `$deleteFromPrimitiveList/…` inside it are processed rather than stored.
 * - A new map holding `$patch: replace` is kept (minus the directive); upstream drops it.
 * Errors upstream answers with 500 (a plain Go error) are reported as 400 here.
 */
import { badRequest, PatchError, unprocessable } from './errors.js';
import { lookupField, type PatchMeta, type StructType, type TypeTable } from './schema.js';
import { deepCopy, goString, goTypeName, hasOwn, isObject, jsonKindWord, setKey, type JsonObject } from './values.js';

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

// mergepatch sentinel errors; the apiserver maps these to 400 (interpretStrategicMergePatchError).
const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST = 'invalid patch format of setElementOrder list';
// …and this one to 422.
const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';

const errNoMergeKey = (m: unknown, key: string): PatchError =>
  badRequest(`map: ${goString(m)} does not contain declared merge key: ${key}`);
const errBadArgType = (expected: unknown, actual: unknown): PatchError =>
  badRequest(`expected a ${goTypeName(expected)}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: unknown, m: JsonObject): PatchError =>
  badRequest(`unknown patch type: ${goString(t)} in map: ${goString(m)}`);

type ElementKind = 'map' | 'scalar';
type Schema = StructType | undefined;

/** A merged list plus what Go's aliased `original` slice header would show afterwards. */
interface MergedSlice {
  merged: unknown[];
  /**
   * Upstream deletes merge-list entries in place, so the caller's view of the original list
   * becomes [entries left after deletions, first k appended entries]. mergePatchIntoOriginal
   * orders server-only items by that view; upstream's expected results depend on it.
   */
  serverView: unknown[];
}

/**
 * Applies `patch` to a deep copy of `original` using `table[root]` as the schema. `patch` is
 * the decoded body: null is an empty patch; anything else but an object is a 400, like the
 * apiserver's decode into map[string]interface{}.
 */
export function strategicMergePatch(original: JsonObject, patch: unknown, table: TypeTable, root: string): JsonObject {
  if (patch === null) return deepCopy(original);
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type map[string]interface {}`);
  }
  return new Merger(table).mergeMap(deepCopy(original), deepCopy(patch), table[root]);
}

class Merger {
  constructor(private readonly table: TypeTable) {}

  private meta(schema: Schema, key: string): PatchMeta {
    return lookupField(this.table, schema, key);
  }

  /** Merge fields from a patch map into the original map; both are owned copies and mutated. */
  mergeMap(original: JsonObject, patch: JsonObject, schema: Schema): JsonObject {
    if (hasOwn(patch, DIRECTIVE_MARKER)) return this.handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch, schema);

    applyRetainKeysDirective(original, patch);
    this.mergePatchIntoOriginal(original, patch, schema);

    for (const rawKey of Object.keys(patch)) {
      const patchV = patch[rawKey];
      let k = rawKey;
      let isDeleteList = false;
      if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
        k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
        isDeleteList = true;
      }

      // null deletes the key; unmatched nulls are dropped (IgnoreUnmatchedNulls).
      if (patchV === null) {
        delete original[k];
        continue;
      }

      const meta = this.meta(schema, k);
      if (!hasOwn(original, k) || valueKind(original[k]) !== valueKind(patchV)) {
        // A deletion list for a list we do not have (or of another type) has nothing to do.
        if (!isDeleteList) this.setFresh(original, k, patchV, meta.schema);
        continue;
      }

      const originalV = original[k];
      if (isObject(originalV) && isObject(patchV)) {
        if (meta.strategy === REPLACE_DIRECTIVE) this.setFresh(original, k, patchV, meta.schema);
        else setKey(original, k, this.mergeMap(originalV, patchV, meta.schema));
      } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
        setKey(original, k, this.mergeSliceHandler(originalV, patchV, meta, isDeleteList).merged);
      } else {
        setKey(original, k, patchV);
      }
    }
    return original;
  }

  private handleDirectiveInMergeMap(directive: unknown, patch: JsonObject, schema: Schema): JsonObject {
    if (directive === REPLACE_DIRECTIVE) {
      // Not merged: the patch (cleaned of directives) becomes the value.
      delete patch[DIRECTIVE_MARKER];
      return this.mergeMap({}, patch, schema);
    }
    if (directive === DELETE_DIRECTIVE) return {};
    throw errBadPatchType(directive, patch);
  }

  /** Stores a patch value that has nothing to merge with, processed as if merged into nothing. */
  private setFresh(target: JsonObject, key: string, value: unknown, schema: Schema): void {
    const fresh = this.fresh(value, schema);
    if (fresh.keep) setKey(target, key, fresh.value);
    else delete target[key];
  }

  private fresh(value: unknown, schema: Schema): { keep: boolean; value: unknown } {
    if (Array.isArray(value)) return { keep: true, value: this.freshList(value, schema) };
    if (isObject(value)) {
      if (hasOwn(value, DIRECTIVE_MARKER)) {
        if (value[DIRECTIVE_MARKER] !== REPLACE_DIRECTIVE) return { keep: false, value: undefined };
        delete value[DIRECTIVE_MARKER];
      }
      return { keep: true, value: this.mergeMap({}, value, schema) };
    }
    return { keep: true, value };
  }

  /** List items carrying `$patch` are directives, not items (removeDirectives). */
  private freshList(list: unknown[], schema: Schema): unknown[] {
    const out: unknown[] = [];
    for (const item of list) {
      if (isObject(item) && hasOwn(item, DIRECTIVE_MARKER)) continue;
      out.push(this.fresh(item, schema).value);
    }
    return out;
  }

  /**
   * Processes `$setElementOrder/<list>` directives: merges that list now and orders it by the
   * directive, then the order in the patch, then the order in the live list.
   */
  private mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: Schema): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const setOrder = patch[key];
      delete patch[key];
      if (!Array.isArray(setOrder)) throw errBadArgType([], setOrder);
      const originalKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
      // The list itself is being deleted: nothing to order, the null is handled below.
      if (hasOwn(patch, originalKey) && patch[originalKey] === null) continue;

      const originalList = listField(original, originalKey);
      const patchList = listField(patch, originalKey);
      const meta = this.meta(schema, originalKey);
      validatePatchWithSetOrderList(patchList ?? [], setOrder, meta.mergeKey);

      let merged: unknown[];
      let serverView: unknown[];
      if (originalList && !patchList) {
        merged = originalList;
        serverView = originalList;
      } else if (!originalList && patchList) {
        merged = this.freshList(patchList, meta.schema);
        serverView = [];
      } else if (originalList && patchList) {
        ({ merged, serverView } = this.mergeSliceHandler(originalList, patchList, meta, false));
      } else {
        continue;
      }

      let patchItems: unknown[];
      let serverOnlyItems: unknown[];
      if (meta.mergeKey === '') [patchItems, serverOnlyItems] = partitionPrimitivesByPresentInList(merged, setOrder);
      else [patchItems, serverOnlyItems] = partitionMapsByPresentInList(merged, setOrder, meta.mergeKey);

      const kind = sliceElementKind(originalList ?? [], patchList ?? []);
      // Upstream errors on two empty lists ("no elements in any of the given slices"); nothing to order.
      setKey(
        original,
        originalKey,
        kind === undefined
          ? merged
          : normalizeElementOrder(patchItems, serverOnlyItems, setOrder, serverView, meta.mergeKey, kind),
      );
      delete patch[originalKey];
    }
  }

  private mergeSliceHandler(original: unknown[], patch: unknown[], meta: PatchMeta, isDeleteList: boolean): MergedSlice {
    // Deletion lists work the same whatever the field's strategy.
    if (meta.strategy === MERGE_DIRECTIVE || isDeleteList) {
      return this.mergeSlice(original, patch, meta.schema, meta.mergeKey, isDeleteList);
    }
    return { merged: this.freshList(patch, meta.schema), serverView: original };
  }

  private mergeSlice(original: unknown[], patch: unknown[], schema: Schema, mergeKey: string, isDeleteList: boolean): MergedSlice {
    const kind = sliceElementKind(original, patch);
    if (kind === undefined) return { merged: original, serverView: original };

    let merged: unknown[];
    let orderOriginal = original;
    let orderPatch = patch;
    let serverView = original;
    if (kind !== 'map') {
      if (isDeleteList) return { merged: deleteFromSlice(original, patch), serverView: original };
      merged = deduplicateScalars([...original, ...patch]);
    } else {
      if (mergeKey === '') throw badRequest('cannot merge lists without merge key for type map');
      const special = mergeSliceWithSpecialElements(original, patch as JsonObject[], mergeKey);
      // After `$patch: replace` the patch items are the list; clean them like any new value.
      if (special.replaced) special.original = special.original.map((v) => this.mergeMap({}, v as JsonObject, schema));
      const plain = this.mergeSliceWithoutSpecialElements(special.original, special.patch, mergeKey, schema);
      merged = plain.merged;
      orderOriginal = special.original;
      orderPatch = special.patch;
      serverView = [...special.remaining, ...plain.appended.slice(0, special.deleted)];
    }

    let patchItems: unknown[];
    let serverOnlyItems: unknown[];
    if (mergeKey === '') [patchItems, serverOnlyItems] = partitionPrimitivesByPresentInList(merged, orderPatch);
    else [patchItems, serverOnlyItems] = partitionMapsByPresentInList(merged, orderPatch, mergeKey);
    return {
      merged: normalizeElementOrder(patchItems, serverOnlyItems, orderPatch, orderOriginal, mergeKey, kind),
      serverView,
    };
  }

  /** Merges items that match by key into the live ones and appends the rest. */
  private mergeSliceWithoutSpecialElements(
    original: unknown[],
    patch: JsonObject[],
    mergeKey: string,
    schema: Schema,
  ): { merged: unknown[]; appended: unknown[] } {
    const merged = [...original];
    const appended: unknown[] = [];
    for (const v of patch) {
      if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      // Later patch items may match earlier appended ones, as upstream appends in place.
      const i = findMapInSliceBasedOnKeyValue(merged, mergeKey, v[mergeKey]);
      if (i >= 0) {
        merged[i] = this.mergeMap(merged[i] as JsonObject, v, schema);
      } else {
        const item = this.mergeMap({}, v, schema);
        merged.push(item);
        appended.push(item);
      }
    }
    return { merged, appended };
  }
}

/** null counts as absent (upstream would fail a type assertion on it). */
function listField(obj: JsonObject, key: string): unknown[] | undefined {
  if (!hasOwn(obj, key) || obj[key] === null) return undefined;
  const v = obj[key];
  if (!Array.isArray(v)) throw errBadArgType([], v);
  return v;
}

function valueKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v;
}

/**
 * Clears keys of `original` missing from `$retainKeys`, after checking every non-null key of
 * the patch is listed (applyRetainKeysDirective).
 */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retainKeys)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  const keep = new Set<unknown>(retainKeys);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!keep.has(k)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** "$setElementOrder/containers" → "containers". */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX
        ? ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST
        : ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST,
    );
  }
  return s.slice(slash + 1);
}

/**
 * All items of all lists must be of one kind, and not lists; undefined when there are none.
 * Go compares reflect types, so a string list with a number in it is refused too.
 */
function sliceElementKind(...lists: unknown[][]): ElementKind | undefined {
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = valueKind(v);
      if (t === 'list') throw unprocessable(ERR_NO_LIST_OF_LISTS);
      if (prev === undefined) prev = t;
      else if (prev !== t) throw badRequest(`list element types are not identical: ${goString(lists)}`);
    }
  }
  if (prev === undefined) return undefined;
  return prev === 'object' ? 'map' : 'scalar';
}

function containsDirectiveMarker(item: unknown): boolean {
  return isObject(item) && hasOwn(item, DIRECTIVE_MARKER);
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isObject(left)) throw errBadArgType({}, left);
  if (!isObject(right)) throw errBadArgType({}, right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/** The patch list (deletions aside) must follow the `$setElementOrder` list's order. */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList;
  let patchIndex = 0;
  let setOrderIndex = 0;
  while (patchIndex < nonDelete.length && setOrderIndex < setOrder.length) {
    if (containsDirectiveMarker(nonDelete[patchIndex])) {
      patchIndex++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[patchIndex], setOrder[setOrderIndex], mergeKey)) patchIndex++;
    setOrderIndex++;
  }
  if (patchIndex < nonDelete.length && setOrderIndex >= setOrder.length) {
    throw badRequest(
      `the order in patch list:\n${goString(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goString(setOrder)}`,
    );
  }
}

/** Splits a patch list into items to keep and `$patch: delete` items. */
function extractToDeleteItems(list: unknown[]): [JsonObject[], JsonObject[]] {
  const nonDelete: JsonObject[] = [];
  const toDelete: JsonObject[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType({}, v);
    if (hasOwn(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(v);
    else nonDelete.push(v);
  }
  return [nonDelete, toDelete];
}

/**
 * Applies `$patch: delete` items (every live entry with that key goes) and `$patch: replace`
 * (the rest of the patch list becomes the list). Returns the list to merge into (`original`),
 * the plain patch items, and the live list after deletions with how many entries went.
 */
function mergeSliceWithSpecialElements(
  original: unknown[],
  patch: JsonObject[],
  mergeKey: string,
): { original: unknown[]; patch: JsonObject[]; remaining: unknown[]; deleted: number; replaced: boolean } {
  const plain: JsonObject[] = [];
  let replace = false;
  let remaining = original;
  let deleted = 0;
  for (const v of patch) {
    if (!hasOwn(v, DIRECTIVE_MARKER)) {
      plain.push(v);
      continue;
    }
    const directive = v[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const before = remaining.length;
      remaining = deleteMatchingEntries(remaining, mergeKey, v[mergeKey]);
      deleted += before - remaining.length;
    } else if (directive === REPLACE_DIRECTIVE) {
      replace = true; // keep scanning to prune the other directive items
    } else if (directive === MERGE_DIRECTIVE) {
      throw badRequest('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, v);
    }
  }
  if (replace) return { original: plain, patch: [], remaining, deleted, replaced: true };
  return { original: remaining, patch: plain, remaining, deleted, replaced: false };
}

function deleteMatchingEntries(original: unknown[], mergeKey: string, mergeValue: unknown): unknown[] {
  const out: unknown[] = [];
  original.forEach((item, i) => {
    if (!isObject(item)) throw badRequest(`value for key ${i} is not a map.`);
    if (!(hasOwn(item, mergeKey) && item[mergeKey] === mergeValue)) out.push(item);
  });
  return out;
}

function findMapInSliceBasedOnKeyValue(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw badRequest(`value for key ${i} is not a map.`);
    if (hasOwn(item, key) && item[key] === value) return i;
  }
  return -1;
}

/** `$deleteFromPrimitiveList/<list>`: drops every live value listed. */
function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const drop = new Set(toDelete);
  return current.filter((v) => !drop.has(v));
}

function deduplicateScalars(list: unknown[]): unknown[] {
  return [...new Set(list)];
}

function partitionPrimitivesByPresentInList(list: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(partitionBy);
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (inPatch.has(v) ? patch : serverOnly).push(v);
  return [patch, serverOnly];
}

function partitionMapsByPresentInList(list: unknown[], partitionBy: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType({}, v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]) >= 0 ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

/**
 * Orders patch items by `patchOrder` and server-only items by `serverOrder`, then interleaves
 * them keeping both relative orders (normalizeElementOrder + mergeSortedSlice).
 */
function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const right = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  // A server-only item goes first only if it sat before the patch item in the live list;
  // patch items the live list does not know come first.
  const less = (l: unknown, r: unknown): boolean => {
    const li = indexIn(serverOrder, l, mergeKey, kind);
    const ri = indexIn(serverOrder, r, mergeKey, kind);
    return li >= 0 && ri >= 0 && li < ri;
  };
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else if (less(left[i], right[j])) out.push(left[i++]);
    else out.push(right[j++]);
  }
  return out;
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  // sort.SliceStable's insertion sort with upstream's comparator, which calls any pair
  // involving an unknown item "less"; consistent (so a plain stable sort) when all are known.
  const sorted = [...items];
  const less = (a: unknown, b: unknown): boolean => {
    const ia = indexIn(order, a, mergeKey, kind);
    const ib = indexIn(order, b, mergeKey, kind);
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  for (let x = 1; x < sorted.length; x++) {
    for (let y = x; y > 0 && less(sorted[y], sorted[y - 1]); y--) {
      [sorted[y], sorted[y - 1]] = [sorted[y - 1], sorted[y]];
    }
  }
  return [...sorted, ...toDelete];
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw errBadArgType({}, item);
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElementKind): number {
  const val = (v: unknown): unknown => (kind === 'map' ? (isObject(v) ? v[mergeKey] : undefined) : v);
  const want = val(item);
  return list.findIndex((v) => val(v) === want);
}
