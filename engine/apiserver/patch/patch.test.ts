/**
 * Patch engine tests. Three groups:
 * - cases ported from k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go, run against a
 *   schema that mirrors its MergeItem test struct (raw cases compare list order exactly, as
 *   upstream does);
 * - the patches kubectl really sends (apply, set image/env, rollout restart, label, patch),
 *   against the built-in kinds' schema;
 * - JSON patch, merge patch and malformed bodies, with the status codes the apiserver answers.
 * Every input is deep-frozen, so any mutation of `original` or the patch body throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { applyPatch, patchMetaAt, patchTypeFromContentType, PatchError, supportsStrategicMerge, GENERIC_422 } from './index.js';
import { lookupField, TYPES, type StructType, type TypeTable } from './schema.js';
import { strategicMergePatch } from './strategic.js';

type Obj = Record<string, unknown>;

function freeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) freeze(x);
    Object.freeze(v);
  }
  return v;
}

function y(src: string): Obj {
  const v: unknown = parse(src);
  return (v ?? {}) as Obj;
}

function expectPatchError(fn: () => unknown, code: number, message: RegExp | string, detail?: RegExp): PatchError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PatchError, `expected PatchError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  if (detail) assert.match(caught.detail ?? '', detail);
  return caught;
}

// ---------------------------------------------------------------------------------------------
// Upstream strategicpatch test cases

/** Mirrors MergeItem / RetainKeysMergeItem in upstream patch_test.go. */
const MERGE_ITEM: TypeTable = {
  MergeItem: {
    mergingList: { type: 'MergeItem', strategy: 'merge', mergeKey: 'name' },
    nonMergingList: { type: 'MergeItem' },
    mergingIntList: { strategy: 'merge' },
    nonMergingIntList: {},
    mergeItemPtr: { type: 'MergeItem', strategy: 'merge', mergeKey: 'name' },
    simpleMap: {},
    replacingItem: { strategy: 'replace' },
    retainKeysMap: { type: 'RetainKeysMergeItem', retainKeys: true },
    retainKeysMergingList: { type: 'MergeItem', strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  },
  RetainKeysMergeItem: {
    simpleMap: {},
    mergingIntList: { strategy: 'merge' },
    mergingList: { type: 'MergeItem', strategy: 'merge', mergeKey: 'name' },
    nonMergingList: { type: 'MergeItem' },
  },
};

const smp = (original: Obj, patch: unknown): Obj => strategicMergePatch(freeze(original), freeze(patch), MERGE_ITEM, 'MergeItem');

/** sortMergeListsByName: merge lists sorted by key (scalars deduplicated), for order-free compares. */
function sortMergeLists(v: Obj, struct: StructType | undefined): Obj {
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    const meta = lookupField(MERGE_ITEM, struct, k);
    if (Array.isArray(val) && meta.strategy === 'merge') {
      if (val.every((x) => typeof x === 'object' && x !== null)) {
        const items = (val as Obj[]).map((x) => sortMergeLists(x, meta.schema));
        out[k] = items.sort((a, b) => String(a[meta.mergeKey]).localeCompare(String(b[meta.mergeKey])));
      } else {
        out[k] = [...new Set(val)].sort((a, b) => String(a).localeCompare(String(b)));
      }
    } else if (typeof val === 'object' && val !== null && !Array.isArray(val)) {
      out[k] = sortMergeLists(val as Obj, meta.schema);
    } else {
      out[k] = val;
    }
  }
  return out;
}

interface RawCase {
  description: string;
  original?: string;
  twoWay?: string;
  modified?: string;
  twoWayResult?: string;
  current?: string;
  threeWay?: string;
  result?: string;
  expectedError?: string;
}

// strategicMergePatchRawTestCases and customStrategicMergePatchRawTestCases (subset). Each runs
// twoWay on original (→ twoWayResult ?? modified) and threeWay on current (→ result).
const RAW_CASES: RawCase[] = [
  {
    description: 'nested patch merge with empty list',
    original: 'name: hi',
    current: 'name: hi\nmergingList:\n- name: hello2',
    twoWay: 'mergingList:\n- name: hello\n- $patch: delete\n  name: doesntexist',
    twoWayResult: 'name: hi\nmergingList:\n- name: hello',
    threeWay: '$setElementOrder/mergingList:\n- name: hello\n- name: doesntexist\nmergingList:\n- name: hello\n- $patch: delete\n  name: doesntexist',
    result: 'name: hi\nmergingList:\n- name: hello\n- name: hello2',
  },
  {
    description: 'delete items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'mergingIntList: [1, 2]',
    current: 'mergingIntList: [1, 2, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [1, 2, 4]',
  },
  {
    description: 'delete all duplicate items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3, 3]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'mergingIntList: [1, 2]',
    current: 'mergingIntList: [1, 2, 3, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [1, 2, 4]',
  },
  {
    description: 'add and delete items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2, 4]\n$deleteFromPrimitiveList/mergingIntList: [3]\nmergingIntList: [4]',
    modified: 'mergingIntList: [1, 2, 4]',
    current: 'mergingIntList: [1, 2, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [1, 2, 4]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [1, 2, 4]',
  },
  {
    description: 'merge lists of maps',
    original: 'mergingList:\n- name: 1\n- name: 2\n  value: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]\nmergingList:\n- {name: 4, value: 4}\n- {name: 3, value: 3}',
    modified: 'mergingList:\n- {name: 4, value: 4}\n- {name: 1}\n- {name: 2, value: 2}\n- {name: 3, value: 3}',
    current: 'mergingList:\n- {name: 1, other: a}\n- {name: 2, value: 2, other: b}',
    threeWay: '$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]\nmergingList:\n- {name: 4, value: 4}\n- {name: 3, value: 3}',
    result: 'mergingList:\n- {name: 4, value: 4}\n- {name: 1, other: a}\n- {name: 2, value: 2, other: b}\n- {name: 3, value: 3}',
  },
  {
    description: 'merge lists of maps with conflict',
    original: 'mergingList:\n- name: 1\n- {name: 2, value: 2}',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]\nmergingList:\n- {name: 3, value: 3}',
    modified: 'mergingList:\n- name: 1\n- {name: 2, value: 2}\n- {name: 3, value: 3}',
    current: 'mergingList:\n- {name: 1, other: a}\n- {name: 2, value: 3, other: b}',
    threeWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]\nmergingList:\n- {name: 2, value: 2}\n- {name: 3, value: 3}',
    result: 'mergingList:\n- {name: 1, other: a}\n- {name: 2, value: 2, other: b}\n- {name: 3, value: 3}',
  },
  {
    description: 'add field to map in merging list with conflict',
    original: 'mergingList:\n- name: 1\n- {name: 2, value: 2}',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList:\n- {name: 1, value: 1}',
    modified: 'mergingList:\n- {name: 1, value: 1}\n- {name: 2, value: 2}',
    current: 'mergingList:\n- {name: 1, other: a}\n- {name: 3, value: 2, other: b}',
    threeWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList:\n- {name: 1, value: 1}\n- {name: 2, value: 2}',
    result: 'mergingList:\n- {name: 1, value: 1, other: a}\n- {name: 2, value: 2}\n- {name: 3, value: 2, other: b}',
  },
  {
    description: 'delete map from merging list',
    original: 'mergingList:\n- name: 1\n- name: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 2}]\nmergingList:\n- {name: 1, $patch: delete}',
    modified: 'mergingList:\n- name: 2',
    current: 'mergingList:\n- name: 1\n- {name: 2, other: b}',
    threeWay: '$setElementOrder/mergingList: [{name: 2}]\nmergingList:\n- {name: 1, $patch: delete}',
    result: 'mergingList:\n- {name: 2, other: b}',
  },
  {
    description: 'delete missing map from merging list with conflict',
    original: 'mergingList:\n- name: 1\n- name: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 2}]\nmergingList:\n- {name: 1, $patch: delete}',
    modified: 'mergingList:\n- name: 2',
    current: 'mergingList:\n- {name: 3, other: a}',
    threeWay: '$setElementOrder/mergingList: [{name: 2}]\nmergingList:\n- name: 2\n- {name: 1, $patch: delete}',
    result: 'mergingList:\n- name: 2\n- {name: 3, other: a}',
  },
  {
    description: 'add map and delete map from merging list',
    original: 'mergingList:\n- name: 1\n- name: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 2}, {name: 3}]\nmergingList:\n- name: 3\n- {name: 1, $patch: delete}',
    modified: 'mergingList:\n- name: 2\n- name: 3',
    current: 'mergingList:\n- name: 1\n- {name: 2, other: b}\n- {name: 4, other: c}',
    threeWay: '$setElementOrder/mergingList: [{name: 2}, {name: 3}]\nmergingList:\n- name: 3\n- {name: 1, $patch: delete}',
    result: 'mergingList:\n- {name: 2, other: b}\n- {name: 4, other: c}\n- name: 3',
  },
  {
    description: 'add map and delete map from merging list with conflict',
    original: 'mergingList:\n- name: 1\n- name: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 2}, {name: 3}]\nmergingList:\n- name: 3\n- {name: 1, $patch: delete}',
    modified: 'mergingList:\n- name: 2\n- name: 3',
    current: 'mergingList:\n- {name: 1, other: a}\n- {name: 4, other: c}',
    threeWay: '$setElementOrder/mergingList: [{name: 2}, {name: 3}]\nmergingList:\n- name: 2\n- name: 3\n- {name: 1, $patch: delete}',
    result: 'mergingList:\n- {name: 4, other: c}\n- name: 2\n- name: 3',
  },
  {
    description: 'delete field from map in merging list',
    original: 'mergingList:\n- {name: 1, value: 1}\n- {name: 2, value: 2}',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList:\n- {name: 1, value: null}',
    modified: 'mergingList:\n- name: 1\n- {name: 2, value: 2}',
    current: 'mergingList:\n- {name: 1, value: 1, other: a}\n- {name: 2, value: 2, other: b}',
    threeWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList:\n- {name: 1, value: null}',
    result: 'mergingList:\n- {name: 1, other: a}\n- {name: 2, value: 2, other: b}',
  },
  {
    description: 'replace non merging list nested in merging list',
    original: 'mergingList:\n- name: 1\n  nonMergingList:\n  - name: 1\n  - {name: 2, value: 2}\n- name: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList:\n- name: 1\n  nonMergingList:\n  - {name: 1, value: 1}',
    modified: 'mergingList:\n- name: 1\n  nonMergingList:\n  - {name: 1, value: 1}\n- name: 2',
    current: 'mergingList:\n- name: 1\n  other: a\n  nonMergingList:\n  - name: 1\n  - {name: 2, value: 2}\n- {name: 2, other: b}',
    threeWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList:\n- name: 1\n  nonMergingList:\n  - {name: 1, value: 1}',
    result: 'mergingList:\n- name: 1\n  other: a\n  nonMergingList:\n  - {name: 1, value: 1}\n- {name: 2, other: b}',
  },
  {
    description: 'set elements order in a list with server-only items 2',
    original: 'mergingList:\n- name: 1\n- {name: 2, value: 2}\n- {name: 3, value: 3}\n- {name: 4, value: 4}',
    twoWay: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
    modified: 'mergingList:\n- {name: 2, value: 2}\n- name: 1\n- {name: 4, value: 4}\n- {name: 3, value: 3}',
    current: 'mergingList:\n- {name: 1, other: a}\n- {name: 2, value: 2}\n- name: 9\n- {name: 3, value: 3}\n- {name: 4, value: 4}',
    threeWay: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
    result: 'mergingList:\n- {name: 2, value: 2}\n- {name: 1, other: a}\n- name: 9\n- {name: 4, value: 4}\n- {name: 3, value: 3}',
  },
  {
    description: 'set elements order in a list with server-only items 3',
    original: 'mergingList:\n- name: 1\n- {name: 2, value: 2}\n- {name: 3, value: 3}\n- {name: 4, value: 4}',
    twoWay: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
    modified: 'mergingList:\n- {name: 2, value: 2}\n- name: 1\n- {name: 4, value: 4}\n- {name: 3, value: 3}',
    current:
      'mergingList:\n- {name: 1, other: a}\n- {name: 2, value: 2}\n- name: 7\n- name: 9\n- name: 8\n- {name: 3, value: 3}\n- {name: 4, value: 4}',
    threeWay: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
    result:
      'mergingList:\n- {name: 2, value: 2}\n- {name: 1, other: a}\n- name: 7\n- name: 9\n- name: 8\n- {name: 4, value: 4}\n- {name: 3, value: 3}',
  },
  {
    description: 'add an item in a int list and preserve order',
    original: 'mergingIntList: [1, 2]',
    twoWay: '$setElementOrder/mergingIntList: [3, 1, 2]\nmergingIntList: [3]',
    modified: 'mergingIntList: [3, 1, 2]',
    current: 'mergingIntList: [1, 2]',
    threeWay: '$setElementOrder/mergingIntList: [3, 1, 2]\nmergingIntList: [3]',
    result: 'mergingIntList: [3, 1, 2]',
  },
  {
    description: 'add multiple items in a int list and preserve order',
    original: 'mergingIntList: [1, 2]',
    twoWay: '$setElementOrder/mergingIntList: [1, 4, 2, 3]\nmergingIntList: [4, 3]',
    modified: 'mergingIntList: [1, 4, 2, 3]',
    current: 'mergingIntList: [1, 2]',
    threeWay: '$setElementOrder/mergingIntList: [1, 4, 2, 3]\nmergingIntList: [4, 3]',
    result: 'mergingIntList: [1, 4, 2, 3]',
  },
  {
    description: 'add and delete an item in a int list and preserve order',
    original: 'mergingIntList: [1, 3, 2]',
    twoWay: '$setElementOrder/mergingIntList: [4, 2, 1]\nmergingIntList: [4]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'mergingIntList: [4, 2, 1]',
    current: 'mergingIntList: [1, 2, 3]',
    threeWay: '$setElementOrder/mergingIntList: [4, 2, 1]\nmergingIntList: [4]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [4, 2, 1]',
  },
  {
    description: 'set elements order in a int list with server-only items 3',
    original: 'mergingIntList: [1, 2, 3, 4]',
    twoWay: '$setElementOrder/mergingIntList: [2, 1, 4, 3]',
    modified: 'mergingIntList: [2, 1, 4, 3]',
    current: 'mergingIntList: [1, 2, 7, 9, 8, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [2, 1, 4, 3]',
    result: 'mergingIntList: [2, 1, 7, 9, 8, 4, 3]',
  },
  {
    description: 'behavior of set element order for a merging list with duplicate',
    original: 'mergingList:\n- name: 1\n- {name: 2, value: dup1}\n- name: 3\n- {name: 2, value: dup2}\n- name: 4',
    twoWay: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]',
    twoWayResult: 'mergingList:\n- {name: 2, value: dup1}\n- {name: 2, value: dup2}\n- name: 1\n- name: 4\n- name: 3',
    current: 'mergingList:\n- name: 1\n- {name: 2, value: dup1}\n- name: 3\n- {name: 2, value: dup2}\n- name: 4',
    threeWay: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]',
    result: 'mergingList:\n- {name: 2, value: dup1}\n- {name: 2, value: dup2}\n- name: 1\n- name: 4\n- name: 3',
  },
  {
    description: 'behavior of set element order for a merging int list with duplicate',
    original: 'mergingIntList: [1, 2, 3, 2, 4]',
    twoWay: '$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]',
    twoWayResult: 'mergingIntList: [2, 2, 1, 4, 3]',
    current: 'mergingIntList: [1, 2, 3, 2, 4]',
    threeWay: '$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]',
    result: 'mergingIntList: [2, 2, 1, 4, 3]',
  },
  {
    description: 'retainKeys map should clear defaulted field with conflict (discriminated union)',
    original: '{}',
    twoWay: 'retainKeysMap: {name: type2, other: bar}',
    modified: 'retainKeysMap: {name: type2, other: bar}',
    current: 'retainKeysMap: {name: type1, value: foo}',
    threeWay: 'retainKeysMap:\n  $retainKeys: [name, other]\n  name: type2\n  other: bar',
    result: 'retainKeysMap: {name: type2, other: bar}',
  },
  {
    description: 'retainKeys map deletes a field and clears a field',
    original: 'retainKeysMap: {name: foo, value: bar}',
    twoWay: 'retainKeysMap:\n  $retainKeys: [name]\n  value: null',
    modified: 'retainKeysMap: {name: foo}',
    current: 'retainKeysMap: {name: foo, value: bar, other: a}',
    threeWay: 'retainKeysMap:\n  $retainKeys: [name]\n  value: null',
    result: 'retainKeysMap: {name: foo}',
  },
  {
    description: 'retainKeys map adds a field in a nested map',
    original: 'retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a}}',
    twoWay: 'retainKeysMap:\n  $retainKeys: [name, simpleMap, value]\n  simpleMap: {key2: b}',
    modified: 'retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b}}',
    current: 'retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key3: c}}',
    threeWay: 'retainKeysMap:\n  $retainKeys: [name, simpleMap, value]\n  simpleMap: {key2: b}',
    result: 'retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b, key3: c}}',
  },
  {
    description: 'retainKeys list of maps changes a field and clear a field with conflict',
    original: 'retainKeysMergingList:\n- name: bar\n- {name: foo, value: old}',
    twoWay: '$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]\nretainKeysMergingList:\n- $retainKeys: [name, value]\n  name: foo\n  value: new',
    modified: 'retainKeysMergingList:\n- name: bar\n- {name: foo, value: new}',
    current: 'retainKeysMergingList:\n- name: bar\n- {name: foo, value: modified, other: x}',
    threeWay: '$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]\nretainKeysMergingList:\n- $retainKeys: [name, value]\n  name: foo\n  value: new',
    result: 'retainKeysMergingList:\n- name: bar\n- {name: foo, value: new}',
  },
  {
    description: 'retainKeys list of maps deletes a field and clear a field',
    original: 'retainKeysMergingList:\n- name: bar\n- {name: foo, value: a}',
    twoWay: '$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]\nretainKeysMergingList:\n- $retainKeys: [name]\n  name: foo\n  value: null',
    modified: 'retainKeysMergingList:\n- name: bar\n- name: foo',
    current: 'retainKeysMergingList:\n- name: bar\n- {name: foo, value: a, other: x}',
    threeWay: '$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]\nretainKeysMergingList:\n- $retainKeys: [name]\n  name: foo\n  value: null',
    result: 'retainKeysMergingList:\n- name: bar\n- name: foo',
  },
  {
    description: 'delete and reorder in one list, reorder in another',
    original: 'mergingList:\n- {name: a, value: a}\n- {name: b, value: b}\nmergeItemPtr:\n- {name: c, value: c}\n- {name: d, value: d}',
    twoWay:
      '$setElementOrder/mergingList: [{name: b}]\n$setElementOrder/mergeItemPtr: [{name: d}, {name: c}]\nmergingList:\n- {$patch: delete, name: a}',
    modified: 'mergingList:\n- {name: b, value: b}\nmergeItemPtr:\n- {name: d, value: d}\n- {name: c, value: c}',
    current: 'mergingList:\n- {name: a, value: a}\n- {name: b, value: b}\nmergeItemPtr:\n- {name: c, value: c}\n- {name: d, value: d}',
    threeWay:
      '$setElementOrder/mergingList: [{name: b}]\n$setElementOrder/mergeItemPtr: [{name: d}, {name: c}]\nmergingList:\n- {$patch: delete, name: a}',
    result: 'mergingList:\n- {name: b, value: b}\nmergeItemPtr:\n- {name: d, value: d}\n- {name: c, value: c}',
  },
  // customStrategicMergePatchRawTestCases
  {
    description: '$setElementOrder contains item that is not present in the list to be merged',
    original: 'mergingList:\n- name: 1\n- name: 3',
    twoWay: '$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]\nmergingList:\n- {name: 3, value: 3}\n- {name: 1, value: 1}',
    modified: 'mergingList:\n- {name: 3, value: 3}\n- {name: 1, value: 1}',
  },
  {
    description: '$setElementOrder contains item that is not present in the int list to be merged',
    original: 'mergingIntList: [1, 3]',
    twoWay: '$setElementOrder/mergingIntList: [3, 2, 1]',
    modified: 'mergingIntList: [3, 1]',
  },
  {
    description: 'should check if order in $setElementOrder and patch list match',
    original: 'mergingList:\n- name: 1\n- name: 3\n- name: 2',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]\nmergingList:\n- {name: 3, value: 3}\n- {name: 1, value: 1}',
    expectedError: "doesn't match",
  },
  {
    description: 'should check if order in $setElementOrder and patch int list match',
    original: 'mergingIntList: [1, 3, 2]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2, 3]\nmergingIntList: [3, 1]',
    expectedError: "doesn't match",
  },
  {
    description: 'missing merge key should error out',
    original: 'mergingList:\n- {name: 1, value: a}',
    twoWay: 'mergingList:\n- value: b',
    expectedError: 'does not contain declared merge key',
  },
  {
    description: '$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list',
    original: 'mergingIntList: [1, 2]',
    twoWay: '$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'mergingIntList: [1, 2]',
  },
  {
    description: '$deleteFromPrimitiveList on empty primitive list should not add the item to the list',
    original: 'mergingIntList:',
    twoWay: '$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'mergingIntList:',
  },
  {
    description: '$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list',
    original: 'foo: [bar]',
    twoWay: '$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'foo: [bar]',
  },
  {
    description: '$deleteFromPrimitiveList should delete item from a list with merge patch strategy',
    original: 'mergingIntList: [1, 2, 3]',
    twoWay: '$deleteFromPrimitiveList/mergingIntList: [2]',
    modified: 'mergingIntList: [1, 3]',
  },
  {
    description: '$deleteFromPrimitiveList should delete item from a list without merge patch strategy',
    original: 'nonMergingIntList: [1, 2, 3]',
    twoWay: '$deleteFromPrimitiveList/nonMergingIntList: [2]',
    modified: 'nonMergingIntList: [1, 3]',
  },
];

interface SortedCase {
  description: string;
  original: string;
  patch: string;
  modified: string;
}

// customStrategicMergePatchTestCaseData and createStrategicMergePatchTestCaseData (subset);
// compared after sorting merge lists, as upstream does for these.
const SORTED_CASES: SortedCase[] = [
  { description: 'unique scalars when merging lists', original: 'mergingIntList: [1, 2]', patch: 'mergingIntList: [2, 3]', modified: 'mergingIntList: [1, 2, 3]' },
  { description: 'delete map from nested map', original: 'simpleMap: {key1: 1, key2: 1}', patch: 'simpleMap: {$patch: delete}', modified: 'simpleMap: {}' },
  { description: 'delete all items from merging list', original: 'mergingList: [{name: 1}, {name: 2}]', patch: 'mergingList: [{$patch: replace}]', modified: 'mergingList: []' },
  { description: 'merge empty merging lists', original: 'mergingList: []', patch: 'mergingList: []', modified: 'mergingList: []' },
  { description: 'delete all keys from map', original: '{name: 1, value: 1}', patch: '{$patch: replace}', modified: '{}' },
  { description: 'add key and delete all keys from map', original: '{name: 1, value: 1}', patch: '{other: a, $patch: replace}', modified: '{other: a}' },
  {
    description: 'delete all duplicate entries in a merging list',
    original: 'mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]',
    patch: 'mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]',
    modified: 'mergingList: [{name: 2, value: a}]',
  },
  { description: 'retainKeys map can add a field when no retainKeys directive present', original: 'retainKeysMap: {name: foo}', patch: 'retainKeysMap: {value: bar}', modified: 'retainKeysMap: {name: foo, value: bar}' },
  { description: 'retainKeys map can delete a field when no retainKeys directive present', original: 'retainKeysMap: {name: foo, value: a}', patch: 'retainKeysMap: {value: null}', modified: 'retainKeysMap: {name: foo}' },
  { description: 'retainKeys map merge an empty map', original: 'retainKeysMap: {name: foo, value: a}', patch: 'retainKeysMap: {}', modified: 'retainKeysMap: {name: foo, value: a}' },
  {
    description: 'retainKeys list can delete a field when no retainKeys directive present',
    original: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
    patch: 'retainKeysMergingList: [{name: foo, value: null}]',
    modified: 'retainKeysMergingList: [{name: bar}, {name: foo}]',
  },
  { description: 'nil original', original: '{}', patch: '{name: 1, value: 1}', modified: '{name: 1, value: 1}' },
  { description: 'add field and delete field from map', original: '{name: 1, other: a}', patch: '{name: null, value: 1}', modified: '{value: 1, other: a}' },
  { description: 'delete field from nested map', original: 'simpleMap: {key1: 1, key2: 1, other: a}', patch: 'simpleMap: {key2: null}', modified: 'simpleMap: {key1: 1, other: a}' },
  { description: 'replace list of scalars', original: 'nonMergingIntList: [1, 2]', patch: 'nonMergingIntList: [2, 3]', modified: 'nonMergingIntList: [2, 3]' },
  {
    description: 'delete all maps from merging list with conflict',
    original: 'mergingList: [{name: 1, other: a}, {name: 2, other: b}]',
    patch: 'mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    modified: 'mergingList: []',
  },
  { description: 'defined null values should propagate overwrite current fields (with conflict)', original: '{name: a, other: a}', patch: '{name: 1, value: 1, other: null}', modified: '{name: 1, value: 1}' },
  { description: 'replacing item is not merged', original: 'replacingItem: {a: 1, b: 2}', patch: 'replacingItem: {b: 3}', modified: 'replacingItem: {b: 3}' },
];

describe('strategic merge patch: upstream strategicpatch cases (MergeItem schema)', () => {
  for (const c of RAW_CASES) {
    it(c.description, () => {
      if (c.expectedError !== undefined) {
        expectPatchError(() => smp(y(c.original ?? ''), y(c.twoWay ?? '')), 400, new RegExp(c.expectedError));
        return;
      }
      assert.deepEqual(smp(y(c.original ?? ''), y(c.twoWay ?? '')), y(c.twoWayResult ?? c.modified ?? ''), 'two-way');
      if (c.threeWay !== undefined) {
        assert.deepEqual(smp(y(c.current ?? ''), y(c.threeWay)), y(c.result ?? ''), 'three-way');
      }
    });
  }
  for (const c of SORTED_CASES) {
    it(c.description, () => {
      const got = smp(y(c.original), y(c.patch));
      assert.deepEqual(sortMergeLists(got, MERGE_ITEM.MergeItem), sortMergeLists(y(c.modified), MERGE_ITEM.MergeItem));
    });
  }
  it('preserves the patch order in a merging list, live-only items keep their place', () => {
    const got = smp(y('mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]'), y('mergingList: [{name: 3, value: c}, {name: 1, value: a}]'));
    assert.deepEqual(got, y('mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]'));
  });
  it('preserves the patch order in a merging int list', () => {
    assert.deepEqual(smp(y('mergingIntList: [1, 2, 3]'), y('mergingIntList: [3, 1]')), y('mergingIntList: [2, 3, 1]'));
  });
  it('rejects bad directives', () => {
    expectPatchError(() => smp({}, { $patch: 'bogus' }), 400, 'unknown patch type: bogus in map: map[$patch:bogus]');
    expectPatchError(() => smp(y('mergingList: [{name: 1}]'), y('mergingList: [{$patch: merge}]')), 400, /merging lists cannot yet be specified/);
    expectPatchError(() => smp(y('mergingList: [{name: 1}]'), y('mergingList: [{$patch: delete}]')), 400, /does not contain declared merge key: name/);
    expectPatchError(() => smp({}, y('$setElementOrder: [1]')), 400, 'invalid patch format of setElementOrder list');
    expectPatchError(() => smp({}, y('$deleteFromPrimitiveListmergingIntList: [1]')), 400, 'invalid patch format of primitive list');
    expectPatchError(() => smp({}, y('$retainKeys: name')), 400, 'invalid patch format of retainKeys');
    expectPatchError(() => smp({}, y('$retainKeys: [name]\nvalue: 1')), 400, 'invalid patch format of retainKeys');
    expectPatchError(() => smp(y('mergingIntList: [[1]]'), y('mergingIntList: [[2]]')), 422, GENERIC_422);
    expectPatchError(() => smp(y('mergingIntList: [1]'), y('mergingIntList: [a]')), 400, /list element types are not identical/);
  });
});

// ---------------------------------------------------------------------------------------------
// What kubectl sends, against the built-in schema

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };

function deployment(): Obj {
  return y(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web, tier: frontend}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"old":true}'
    team: a
  finalizers: [example.com/guard]
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: u-1}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
  template:
    metadata:
      labels: {app: web}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      containers:
      - name: web
        image: nginx:1
        imagePullPolicy: IfNotPresent
        ports:
        - {containerPort: 80, protocol: TCP}
        - {containerPort: 443, protocol: TCP}
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
        - {name: C, value: "3"}
        resources: {limits: {cpu: 500m}}
        volumeMounts:
        - {name: data, mountPath: /data}
        terminationMessagePath: /dev/termination-log
      - name: sidecar
        image: busybox:1
        args: [sleep, infinity]
      volumes:
      - name: data
        emptyDir: {}
      tolerations:
      - {key: a, operator: Exists}
      nodeSelector: {disk: ssd, zone: a}
status:
  replicas: 2
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
`);
}

function hasOwnKey(o: Obj, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}
function podSpec(o: Obj): Obj {
  return ((o.spec as Obj).template as Obj).spec as Obj;
}
function containers(o: Obj): Obj[] {
  return podSpec(o).containers as Obj[];
}

interface KubeCase {
  name: string;
  target?: { apiVersion: string; kind: string };
  original?: () => Obj;
  patch: unknown;
  check: (got: Obj, original: Obj) => void;
}

const KUBECTL_CASES: KubeCase[] = [
  {
    name: 'kubectl apply: image changed, a port and an env var removed, a field dropped',
    // CreateThreeWayMergePatch output for that edit of the manifest.
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
                '$setElementOrder/ports': [{ containerPort: 80 }],
                env: [{ $patch: 'delete', name: 'B' }],
                image: 'nginx:2',
                name: 'web',
                ports: [{ $patch: 'delete', containerPort: 443 }],
                resources: null,
              },
            ],
          },
        },
      },
    },
    check(got, original) {
      const [web, sidecar] = containers(got);
      assert.deepEqual(web, {
        name: 'web',
        image: 'nginx:2',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'C', value: '3' },
        ],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        terminationMessagePath: '/dev/termination-log',
      });
      assert.deepEqual(sidecar, containers(original)[1]);
      assert.equal(containers(got).length, 2);
      const ann = (got.metadata as Obj).annotations as Obj;
      assert.equal(ann['kubectl.kubernetes.io/last-applied-configuration'], '{"new":true}');
      assert.equal(ann.team, 'a');
      assert.deepEqual(got.status, original.status);
    },
  },
  {
    name: 'kubectl apply: container added in the middle, env var added, label removed',
    patch: {
      metadata: { labels: { tier: null } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'init-log' }, { name: 'sidecar' }],
            containers: [
              { '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }], env: [{ name: 'D', value: '4' }], name: 'web' },
              { name: 'init-log', image: 'alpine', env: [{ name: 'X', value: null }] },
            ],
          },
        },
      },
    },
    check(got) {
      assert.deepEqual(
        containers(got).map((c) => c.name),
        ['web', 'init-log', 'sidecar'],
      );
      assert.deepEqual(
        (containers(got)[0].env as Obj[]).map((e) => e.name),
        ['A', 'B', 'C', 'D'],
      );
      // A new item is stored without the nulls of the patch.
      assert.deepEqual(containers(got)[1], { name: 'init-log', image: 'alpine', env: [{ name: 'X' }] });
      assert.deepEqual((got.metadata as Obj).labels, { app: 'web' });
    },
  },
  {
    name: 'kubectl set image deployment/web web=nginx:2 (bare form)',
    patch: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } },
    check(got, original) {
      const want = containers(original).map((c) => (c.name === 'web' ? { ...c, image: 'nginx:2' } : c));
      assert.deepEqual(containers(got), want);
      assert.deepEqual({ ...podSpec(got), containers: null }, { ...podSpec(original), containers: null });
    },
  },
  {
    name: 'kubectl set image as kubectl builds it (with $setElementOrder)',
    patch: {
      spec: {
        template: {
          spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'busybox:2', name: 'sidecar' }] },
        },
      },
    },
    check(got, original) {
      assert.deepEqual(containers(got)[0], containers(original)[0]);
      assert.deepEqual(containers(got)[1], { ...containers(original)[1], image: 'busybox:2' });
    },
  },
  {
    name: 'kubectl set env deployment/web B=22 D=4',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }],
                env: [
                  { name: 'B', value: '22' },
                  { name: 'D', value: '4' },
                ],
                name: 'web',
              },
            ],
          },
        },
      },
    },
    check(got) {
      assert.deepEqual(containers(got)[0].env, [
        { name: 'A', value: '1' },
        { name: 'B', value: '22' },
        { name: 'C', value: '3' },
        { name: 'D', value: '4' },
      ]);
    },
  },
  {
    name: 'kubectl set env without $setElementOrder puts a new var first (upstream ordering)',
    patch: { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'Z', value: 'z' }] }] } } } },
    check(got) {
      assert.deepEqual(
        (containers(got)[0].env as Obj[]).map((e) => e.name),
        ['Z', 'A', 'B', 'C'],
      );
    },
  },
  {
    name: 'kubectl rollout restart adds a template annotation',
    patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-02T03:04:05Z' } } } } },
    check(got, original) {
      const tmpl = (got.spec as Obj).template as Obj;
      assert.deepEqual((tmpl.metadata as Obj).annotations, {
        'prometheus.io/scrape': 'true',
        'kubectl.kubernetes.io/restartedAt': '2025-01-02T03:04:05Z',
      });
      assert.deepEqual(tmpl.spec, podSpec(original));
    },
  },
  {
    name: '$retainKeys on a volume switching emptyDir → configMap',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'data' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, emptyDir: null, name: 'data' }],
          },
        },
      },
    },
    check(got) {
      assert.deepEqual(podSpec(got).volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
    },
  },
  {
    name: '$retainKeys on the deployment strategy (Recreate drops rollingUpdate)',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    check(got) {
      assert.deepEqual((got.spec as Obj).strategy, { type: 'Recreate' });
    },
  },
  {
    name: 'finalizers merge as a set, in patch order',
    patch: { metadata: { finalizers: ['example.com/other', 'example.com/guard', 'example.com/other'] } },
    check(got) {
      assert.deepEqual((got.metadata as Obj).finalizers, ['example.com/other', 'example.com/guard']);
    },
  },
  {
    name: 'a finalizer added without $setElementOrder goes first (upstream ordering)',
    patch: { metadata: { finalizers: ['example.com/other'] } },
    check(got) {
      assert.deepEqual((got.metadata as Obj).finalizers, ['example.com/other', 'example.com/guard']);
    },
  },
  {
    name: '$deleteFromPrimitiveList/finalizers removes one',
    original: () => {
      const d = deployment();
      (d.metadata as Obj).finalizers = ['a/x', 'example.com/guard', 'b/y'];
      return d;
    },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/guard'] } },
    check(got) {
      assert.deepEqual((got.metadata as Obj).finalizers, ['a/x', 'b/y']);
    },
  },
  {
    name: 'ownerReferences merge by uid',
    patch: { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-2', controller: true }] } },
    check(got) {
      assert.deepEqual(
        ((got.metadata as Obj).ownerReferences as Obj[]).map((r) => r.uid),
        ['u-2', 'u-1'],
      );
    },
  },
  {
    name: '$patch: replace on a map (nodeSelector)',
    patch: { spec: { template: { spec: { nodeSelector: { $patch: 'replace', gpu: 'yes' } } } } },
    check(got) {
      assert.deepEqual(podSpec(got).nodeSelector, { gpu: 'yes' });
    },
  },
  {
    name: '$patch: delete on a map empties it',
    patch: { metadata: { labels: { $patch: 'delete' } } },
    check(got) {
      assert.deepEqual((got.metadata as Obj).labels, {});
    },
  },
  {
    name: '$patch: replace on the containers list',
    patch: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x', env: [{ name: 'N', value: null }] }] } } } },
    check(got) {
      assert.deepEqual(containers(got), [{ name: 'only', image: 'x', env: [{ name: 'N' }] }]);
    },
  },
  {
    name: 'lists without a strategy (tolerations, args) are replaced',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'sidecar', args: ['true'] }] } } } },
    check(got) {
      assert.deepEqual(podSpec(got).tolerations, [{ key: 'b', operator: 'Exists' }]);
      assert.deepEqual(containers(got)[1].args, ['true']);
    },
  },
  {
    name: 'status conditions merge by type',
    patch: { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }, { type: 'ReplicaFailure', status: 'True' }] } },
    check(got) {
      assert.deepEqual(
        ((got.status as Obj).conditions as Obj[]).map((c) => `${String(c.type)}=${String(c.status)}`),
        ['Available=True', 'Progressing=False', 'ReplicaFailure=True'],
      );
    },
  },
  {
    name: 'kubectl label/annotate style patch keeps other keys',
    patch: { metadata: { labels: { release: 'v2' }, annotations: { team: null } } },
    check(got) {
      assert.deepEqual((got.metadata as Obj).labels, { app: 'web', tier: 'frontend', release: 'v2' });
      assert.deepEqual(Object.keys((got.metadata as Obj).annotations as Obj), ['kubectl.kubernetes.io/last-applied-configuration']);
    },
  },
  {
    name: 'service ports merge by port',
    target: { apiVersion: 'v1', kind: 'Service' },
    original: () =>
      y(`
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP}
  - {name: https, port: 443, targetPort: 8443, protocol: TCP}
`),
    patch: { spec: { ports: [{ port: 443, targetPort: 9443 }, { name: 'metrics', port: 9090, targetPort: 9090 }] } },
    check(got) {
      assert.deepEqual((got.spec as Obj).ports, [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'https', port: 443, targetPort: 9443, protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090 },
      ]);
      assert.deepEqual((got.spec as Obj).selector, { app: 'web' });
    },
  },
  {
    name: 'pod: containers at spec, ephemeral containers by name',
    target: { apiVersion: 'v1', kind: 'Pod' },
    original: () => y('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: x}\n  - {name: b, image: y}'),
    patch: { spec: { containers: [{ name: 'b', image: 'z' }], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] } },
    check(got) {
      assert.deepEqual((got.spec as Obj).containers, [
        { name: 'a', image: 'x' },
        { name: 'b', image: 'z' },
      ]);
      assert.deepEqual((got.spec as Obj).ephemeralContainers, [{ name: 'debug', image: 'busybox' }]);
    },
  },
  {
    name: 'cronjob: containers at spec.jobTemplate.spec.template.spec',
    target: { apiVersion: 'batch/v1', kind: 'CronJob' },
    original: () =>
      y(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: a, image: x, env: [{name: E1, value: "1"}]}
          - {name: b, image: y}
`),
    patch: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'E1', value: '2' }] }] } } } } } },
    check(got) {
      const ctrs = ((((((got.spec as Obj).jobTemplate as Obj).spec as Obj).template as Obj).spec as Obj).containers ?? []) as Obj[];
      assert.deepEqual(ctrs, [
        { name: 'a', image: 'x', env: [{ name: 'E1', value: '2' }] },
        { name: 'b', image: 'y' },
      ]);
    },
  },
  {
    name: 'node: addresses and conditions merge by type, podCIDRs as a set',
    target: { apiVersion: 'v1', kind: 'Node' },
    original: () =>
      y(`
apiVersion: v1
kind: Node
metadata: {name: n}
spec: {podCIDRs: [10.0.0.0/24]}
status:
  addresses: [{type: InternalIP, address: 10.1.1.1}, {type: Hostname, address: n}]
  conditions: [{type: Ready, status: "False"}]
`),
    patch: { spec: { podCIDRs: ['fd00::/64'] }, status: { addresses: [{ type: 'InternalIP', address: '10.1.1.2' }], conditions: [{ type: 'Ready', status: 'True' }] } },
    check(got) {
      assert.deepEqual((got.spec as Obj).podCIDRs, ['fd00::/64', '10.0.0.0/24']);
      assert.deepEqual((got.status as Obj).addresses, [
        { type: 'InternalIP', address: '10.1.1.2' },
        { type: 'Hostname', address: 'n' },
      ]);
      assert.deepEqual((got.status as Obj).conditions, [{ type: 'Ready', status: 'True' }]);
    },
  },
  {
    name: 'configmap: data merges key by key',
    target: { apiVersion: 'v1', kind: 'ConfigMap' },
    original: () => y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1", b: "2"}'),
    patch: { data: { b: null, c: '3' } },
    check(got) {
      assert.deepEqual(got.data, { a: '1', c: '3' });
    },
  },
  {
    name: 'null body is an empty patch',
    patch: null,
    check(got, original) {
      assert.deepEqual(got, original);
    },
  },
];

describe('strategic merge patch: what kubectl sends', () => {
  for (const c of KUBECTL_CASES) {
    it(c.name, () => {
      const original = freeze((c.original ?? deployment)());
      const before = JSON.stringify(original);
      const got = applyPatch('strategic', original, freeze(c.patch), c.target ?? DEPLOYMENT);
      c.check(got, original);
      assert.equal(JSON.stringify(original), before);
      assert.notEqual(got, original);
      assert.ok(!JSON.stringify(got).includes('$'), 'no directive left in the result');
    });
  }

  it('custom resources get 415 like the real apiserver', () => {
    assert.equal(supportsStrategicMerge('example.com/v1', 'Widget'), false);
    assert.equal(supportsStrategicMerge('gateway.networking.k8s.io/v1', 'HTTPRoute'), false);
    assert.equal(supportsStrategicMerge('apps/v1', 'Deployment'), true);
    assert.equal(supportsStrategicMerge('v1', 'ConfigMap'), true);
    expectPatchError(
      () => applyPatch('strategic', { metadata: { name: 'w' } }, { spec: {} }, { apiVersion: 'example.com/v1', kind: 'Widget' }),
      415,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    // Merge and JSON patch still work for them.
    assert.deepEqual(applyPatch('merge', { spec: { a: 1 } }, { spec: { b: 2 } }, { apiVersion: 'example.com/v1', kind: 'Widget' }), { spec: { a: 1, b: 2 } });
  });

  it('malformed strategic bodies are 400, never a crash', () => {
    const orig = deployment();
    for (const [body, word] of [
      ['a string', 'string'],
      [[{ spec: {} }], 'array'],
      [42, 'number'],
      [true, 'bool'],
    ] as const) {
      expectPatchError(() => applyPatch('strategic', orig, body, DEPLOYMENT), 400, `json: cannot unmarshal ${word} into Go value of type map[string]interface {}`);
    }
    // Wrong shapes deeper down.
    expectPatchError(() => applyPatch('strategic', orig, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, DEPLOYMENT), 400, /does not contain declared merge key: name/);
    expectPatchError(() => applyPatch('strategic', orig, { spec: { template: { spec: { '$setElementOrder/containers': 'web' } } } }, DEPLOYMENT), 400, /expected a \[\]interface \{\}, but received a string/);
    expectPatchError(() => applyPatch('strategic', orig, { spec: { template: { spec: { containers: ['web'] } } } }, DEPLOYMENT), 400, /list element types are not identical/);
    // A type change is not an error: the patch value wins.
    const got = applyPatch('strategic', orig, { spec: { template: { spec: { containers: 'none' } } } }, DEPLOYMENT);
    assert.equal(podSpec(got).containers, 'none');
  });

  it('deeply nested bodies fail cleanly', () => {
    let deep: Obj = {};
    for (let i = 0; i < 100000; i++) deep = { a: deep };
    for (const type of ['strategic', 'merge', 'json'] as const) {
      expectPatchError(() => applyPatch(type, {}, type === 'json' ? [{ op: 'add', path: '/a', value: deep }] : deep, DEPLOYMENT), 400, /Maximum call stack/);
    }
  });

  it('$setElementOrder next to a list being deleted still deletes it', () => {
    const got = applyPatch('strategic', deployment(), { spec: { template: { spec: { '$setElementOrder/volumes': [], volumes: null } } } }, DEPLOYMENT);
    assert.equal(hasOwnKey(podSpec(got), 'volumes'), false);
  });

  it('a __proto__ key in a patch stays data', () => {
    const body: unknown = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}');
    const got = applyPatch('strategic', deployment(), body, DEPLOYMENT);
    const labels = (got.metadata as Obj).labels as Obj;
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, { polluted: 'yes' });
    assert.equal(({} as Obj).polluted, undefined);
  });
});

describe('schema', () => {
  it('every referenced struct type exists', () => {
    for (const [name, struct] of Object.entries(TYPES)) {
      for (const [field, meta] of Object.entries(struct)) {
        if (meta.type !== undefined) assert.ok(TYPES[meta.type], `${name}.${field} → ${meta.type}`);
      }
    }
  });

  const paths: Array<[string, string, string, string, string]> = [
    ['apps/v1', 'Deployment', 'spec.template.spec.containers', 'merge', 'name'],
    ['apps/v1', 'Deployment', 'spec.template.spec.containers.env', 'merge', 'name'],
    ['apps/v1', 'Deployment', 'spec.template.spec.initContainers.ports', 'merge', 'containerPort'],
    ['apps/v1', 'Deployment', 'spec.template.spec.containers.volumeMounts', 'merge', 'mountPath'],
    ['apps/v1', 'Deployment', 'spec.template.spec.containers.envFrom', '', ''],
    ['apps/v1', 'Deployment', 'spec.template.spec.tolerations', '', ''],
    ['apps/v1', 'Deployment', 'spec.template.metadata.finalizers', 'merge', ''],
    ['apps/v1', 'StatefulSet', 'spec.template.spec.volumes', 'merge', 'name'],
    ['apps/v1', 'StatefulSet', 'spec.volumeClaimTemplates', '', ''],
    ['apps/v1', 'DaemonSet', 'spec.template.spec.hostAliases', 'merge', 'ip'],
    ['apps/v1', 'ReplicaSet', 'status.conditions', 'merge', 'type'],
    ['batch/v1', 'Job', 'spec.template.spec.containers.volumeDevices', 'merge', 'devicePath'],
    ['batch/v1', 'Job', 'status.conditions', 'merge', 'type'],
    ['batch/v1', 'CronJob', 'spec.jobTemplate.spec.template.spec.imagePullSecrets', 'merge', 'name'],
    ['v1', 'ReplicationController', 'spec.template.spec.containers', 'merge', 'name'],
    ['v1', 'PodTemplate', 'template.spec.topologySpreadConstraints', 'merge', 'topologyKey'],
    ['v1', 'Pod', 'spec.containers', 'merge', 'name'],
    ['v1', 'Pod', 'status.podIPs', 'merge', 'ip'],
    ['v1', 'Pod', 'metadata.ownerReferences', 'merge', 'uid'],
    ['v1', 'Service', 'spec.ports', 'merge', 'port'],
    ['v1', 'Endpoints', 'subsets', '', ''],
    ['v1', 'Namespace', 'status.conditions', 'merge', 'type'],
    ['v1', 'PersistentVolumeClaim', 'status.conditions', 'merge', 'type'],
    ['v1', 'Node', 'status.addresses', 'merge', 'type'],
    ['v1', 'ServiceAccount', 'secrets', 'merge', 'name'],
    ['networking.k8s.io/v1', 'Ingress', 'spec.rules', '', ''],
    ['policy/v1', 'PodDisruptionBudget', 'status.conditions', 'merge', 'type'],
    ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'webhooks', 'merge', 'name'],
  ];
  for (const [apiVersion, kind, path, strategy, mergeKey] of paths) {
    it(`${kind} ${path}: ${strategy || 'replace'}${mergeKey ? ` by ${mergeKey}` : ''}`, () => {
      const meta = patchMetaAt(apiVersion, kind, path.split('.'));
      assert.ok(meta);
      assert.equal(meta.strategy, strategy);
      assert.equal(meta.mergeKey, mergeKey);
    });
  }
  it('volumes and the deployment strategy carry retainKeys', () => {
    assert.equal(patchMetaAt('v1', 'Pod', ['spec', 'volumes'])?.retainKeys, true);
    assert.equal(patchMetaAt('apps/v1', 'Deployment', ['spec', 'strategy'])?.retainKeys, true);
    assert.equal(patchMetaAt('example.com/v1', 'Widget', ['spec']), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// JSON merge patch

describe('merge patch (RFC 7386, as evanphx/json-patch applies it)', () => {
  const target = { apiVersion: 'v1', kind: 'ConfigMap' };
  const cases: Array<[string, Obj, unknown, Obj]> = [
    ['adds and replaces', { a: 1, b: { c: 2 } }, { a: 2, b: { d: 3 } }, { a: 2, b: { c: 2, d: 3 } }],
    ['null deletes, at any depth', { a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: null }, z: null }, { b: { d: 3 } }],
    ['arrays are replaced whole', { l: [1, 2, 3], m: [{ name: 'a', v: 1 }] }, { l: [4], m: [{ name: 'a' }] }, { l: [4], m: [{ name: 'a' }] }],
    ['nulls inside new values are pruned, also inside arrays', {}, { a: { b: null, c: 1 }, l: [{ x: null, y: 1 }, null] }, { a: { c: 1 }, l: [{ y: 1 }, null] }],
    ['an object replaces a scalar', { a: 'x' }, { a: { b: 1, c: null } }, { a: { b: 1 } }],
    ['a scalar replaces an object', { a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
    ['kubectl label app- (remove)', { metadata: { labels: { app: 'web', tier: 'x' } } }, { metadata: { labels: { app: null } } }, { metadata: { labels: { tier: 'x' } } }],
    ['empty patch', { a: 1 }, {}, { a: 1 }],
  ];
  for (const [name, original, patch, want] of cases) {
    it(name, () => {
      assert.deepEqual(applyPatch('merge', freeze(original), freeze(patch), target), want);
    });
  }
  it('non-object bodies', () => {
    expectPatchError(() => applyPatch('merge', { a: 1 }, 'x', target), 400, 'Invalid JSON Patch');
    expectPatchError(() => applyPatch('merge', { a: 1 }, 7, target), 400, 'Invalid JSON Patch');
    expectPatchError(() => applyPatch('merge', { a: 1 }, null, target), 400, 'Invalid JSON Patch');
    const e = expectPatchError(() => applyPatch('merge', { a: 1 }, [1, 2], target), 422, /^ "" is invalid: patch: Invalid value: "\[1,2\]": couldn't get version\/kind/);
    assert.equal(e.toStatus().reason, 'Invalid');
  });
});

// ---------------------------------------------------------------------------------------------
// JSON patch

describe('json patch (RFC 6902)', () => {
  const target = DEPLOYMENT;
  const doc = (): Obj => ({ metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 2, list: ['a', 'b'] } });

  const ok: Array<[string, unknown, (got: Obj) => void]> = [
    ['add', [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }], (g) => assert.deepEqual((g.metadata as Obj).labels, { app: 'web', tier: 'fe' })],
    ['add with ~1 escape', [{ op: 'add', path: '/metadata/labels/example.com~1team', value: 'x' }], (g) => assert.equal(((g.metadata as Obj).labels as Obj)['example.com/team'], 'x')],
    ['add to the end of a list', [{ op: 'add', path: '/spec/list/-', value: 'c' }], (g) => assert.deepEqual((g.spec as Obj).list, ['a', 'b', 'c'])],
    ['replace', [{ op: 'replace', path: '/spec/replicas', value: 5 }], (g) => assert.equal((g.spec as Obj).replicas, 5)],
    ['remove', [{ op: 'remove', path: '/spec/list/0' }], (g) => assert.deepEqual((g.spec as Obj).list, ['b'])],
    ['test then replace', [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 3 }], (g) => assert.equal((g.spec as Obj).replicas, 3)],
    ['move and copy', [{ op: 'copy', from: '/spec/replicas', path: '/spec/copy' }, { op: 'move', from: '/spec/list', path: '/spec/moved' }], (g) => assert.deepEqual(g.spec, { replicas: 2, copy: 2, moved: ['a', 'b'] })],
    ['add without value adds null (v4)', [{ op: 'add', path: '/spec/x' }], (g) => assert.equal((g.spec as Obj).x, null)],
    ['test for null on a missing key passes (v4)', [{ op: 'test', path: '/spec/missing', value: null }], (g) => assert.equal((g.spec as Obj).replicas, 2)],
    ['null body is an empty patch', null, (g) => assert.deepEqual(g, doc())],
  ];
  for (const [name, patch, check] of ok) {
    it(name, () => {
      const original = freeze(doc());
      const got = applyPatch('json', original, freeze(patch), target);
      check(got);
      assert.deepEqual(original, doc());
    });
  }

  const failing: Array<[string, unknown, RegExp]> = [
    ['failing test op', [{ op: 'test', path: '/spec/replicas', value: 3 }], /^testing value \/spec\/replicas failed: test failed$/],
    ['replace on a missing key', [{ op: 'replace', path: '/spec/foo', value: 1 }], /^replace operation does not apply: doc is missing key: \/spec\/foo: missing value$/],
    ['replace under a missing path', [{ op: 'replace', path: '/nope/foo', value: 1 }], /^replace operation does not apply: doc is missing path: \/nope\/foo: missing value$/],
    ['add under a missing path', [{ op: 'add', path: '/status/phase', value: 'x' }], /^add operation does not apply: doc is missing path: "\/status\/phase": missing value$/],
    ['add past the end of a list', [{ op: 'add', path: '/spec/list/5', value: 'x' }], /Unable to access invalid index: 5/],
    ['remove a missing key', [{ op: 'remove', path: '/spec/nope' }], /Unable to remove nonexistent key: nope: missing value/],
    ['remove a missing index', [{ op: 'remove', path: '/spec/list/9' }], /Unable to access invalid index: 9/],
    ['move from a missing path', [{ op: 'move', from: '/spec/nope', path: '/spec/x' }], /^move operation does not apply: doc is missing from path: \/spec\/nope: missing value$/],
    ['unknown op', [{ op: 'frobnicate', path: '/spec' }], /^Unexpected kind: frobnicate$/],
    ['op without path', [{ op: 'add', value: 1 }], /failed to decode path/],
    ['the root cannot be addressed', [{ op: 'replace', path: '', value: {} }], /^replace operation does not apply: doc is missing path: : missing value$/],
    ['null op', [null], /^Unexpected kind: unknown$/],
    ['__proto__ is refused', [{ op: 'add', path: '/__proto__/polluted', value: 1 }], /banned/],
  ];
  for (const [name, patch, detail] of failing) {
    it(`${name} → 422`, () => {
      const original = freeze(doc());
      const e = expectPatchError(() => applyPatch('json', original, freeze(patch), target), 422, GENERIC_422, detail);
      assert.deepEqual(e.toStatus(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: GENERIC_422,
        reason: 'Invalid',
        details: {},
        code: 422,
      });
    });
  }
  it('ops before a failing one are not applied to the original', () => {
    const original = freeze(doc());
    expectPatchError(() => applyPatch('json', original, [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'test', path: '/spec/replicas', value: 2 }], target), 422, GENERIC_422);
    assert.equal((original.spec as Obj).replicas, 2);
  });

  const malformed: Array<[string, unknown, string]> = [
    ['an object', { op: 'add', path: '/a', value: 1 }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['a string', 'x', 'json: cannot unmarshal string into Go value of type jsonpatch.Patch'],
    ['a number', 3, 'json: cannot unmarshal number into Go value of type jsonpatch.Patch'],
    ['a list of strings', ['add'], 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
    ['a list of lists', [[]], 'json: cannot unmarshal array into Go value of type jsonpatch.Operation'],
  ];
  for (const [name, body, message] of malformed) {
    it(`body that is ${name} → 400`, () => {
      const e = expectPatchError(() => applyPatch('json', doc(), body, target), 400, message);
      assert.equal(e.toStatus().reason, 'BadRequest');
    });
  }
});

describe('patchTypeFromContentType', () => {
  const cases: Array<[string, string | undefined]> = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/strategic-merge-patch+json; charset=utf-8', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/json', undefined],
    ['', undefined],
  ];
  for (const [ct, want] of cases) {
    it(ct || '(empty)', () => assert.equal(patchTypeFromContentType(ct), want));
  }
});
