/**
 * Structural-schema handling of custom resources (apiextensions-apiserver's pruning, defaulting
 * and kube-openapi validation), against a CRD version's openAPIV3Schema:
 *
 * - `prune`: drops fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields
 *   or additionalProperties allow them) and reports their paths — the unknown fields of
 *   fieldValidation=Strict/Warn; apiVersion, kind and metadata always stay at the root, and
 *   x-kubernetes-embedded-resource objects keep theirs too. Nulls of non-nullable fields go.
 * - `applyDefaults`: fills `default` values of absent fields, top-down.
 * - `validate`: types (integer vs number, x-kubernetes-int-or-string), required, enum,
 *   bounds, lengths, patterns, item counts, uniqueness, properties counts, and allOf/anyOf/oneOf/
 *   not, with upstream's messages (`spec.replicas: Invalid value: "string": spec.replicas in
 *   body must be of type integer: "string"`).
 * CEL rules (x-kubernetes-validations) are not evaluated.
 */
import type { StatusCause } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { JSONSchemaProps } from '../../api/resources/crd.js';

type Obj = Record<string, unknown>;

const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function preserves(s: JSONSchemaProps | undefined): boolean {
  return !!s && s['x-kubernetes-preserve-unknown-fields'] === true;
}

/** The schema of property `k` of an object schema, if any declares it. */
function propSchema(s: JSONSchemaProps, k: string): JSONSchemaProps | undefined {
  if (s.properties && Object.prototype.hasOwnProperty.call(s.properties, k)) return s.properties[k];
  if (isPlainObject(s.additionalProperties)) return s.additionalProperties as JSONSchemaProps;
  return undefined;
}

/**
 * Removes undeclared fields in place; returns their paths (`spec.foo`, `spec.items[0].bar`).
 * `root` marks the object root (where apiVersion/kind/metadata are implicit).
 */
export function prune(v: unknown, s: JSONSchemaProps | undefined, path = '', root = true): string[] {
  const unknown: string[] = [];
  walk(v, s, path, root, unknown);
  return unknown;
}

function walk(v: unknown, s: JSONSchemaProps | undefined, path: string, root: boolean, unknown: string[]): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) v.forEach((item, i) => walk(item, s.items, `${path}[${i}]`, false, unknown));
    return;
  }
  if (!isPlainObject(v)) return;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const k of Object.keys(v)) {
    if ((root || embedded) && ROOT_FIELDS.has(k)) continue;
    const ps = propSchema(s, k);
    if (!ps) {
      if (preserves(s) || s.additionalProperties === true) continue;
      unknown.push(join(path, k));
      delete v[k];
      continue;
    }
    if (v[k] === null && !ps.nullable) {
      delete v[k];
      continue;
    }
    walk(v[k], ps, join(path, k), false, unknown);
  }
}

/** Fills in `default`s of absent properties, recursively (in place). */
export function applyDefaults(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) for (const item of v) applyDefaults(item, s.items);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    if (v[k] === undefined && ps.default !== undefined) v[k] = structuredClone(ps.default);
    if (v[k] !== undefined) applyDefaults(v[k], ps);
  }
  if (isPlainObject(s.additionalProperties)) {
    for (const k of Object.keys(v)) if (!s.properties?.[k]) applyDefaults(v[k], s.additionalProperties as JSONSchemaProps);
  }
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

/** Validates `v` against `s`; causes carry upstream's field paths and messages. */
export function validate(v: unknown, s: JSONSchemaProps | undefined, path = '', root = true): StatusCause[] {
  const out: StatusCause[] = [];
  check(v, s, path, root, out);
  return out;
}

function invalid(out: StatusCause[], path: string, value: unknown, msg: string): void {
  out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown(value)}: ${msg}` });
}

function check(v: unknown, s: JSONSchemaProps | undefined, path: string, root: boolean, out: StatusCause[]): void {
  if (!s) return;
  const where = path || '<root>';
  const body = `${where} in body`;
  if (v === null) {
    if (!s.nullable && s.type) invalid(out, where, 'null', `${body} must be of type ${s.type}: "null"`);
    return;
  }
  const t = jsonType(v);
  if (s['x-kubernetes-int-or-string']) {
    if (t !== 'integer' && t !== 'string') invalid(out, where, t, `${body} must be of type integer or string: ${shown(t)}`);
  } else if (s.type) {
    const ok = s.type === t || (s.type === 'number' && t === 'integer');
    if (!ok) {
      invalid(out, where, t, `${body} must be of type ${s.type}: ${shown(t)}`);
      return;
    }
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({ reason: 'FieldValueNotSupported', field: where, message: `Unsupported value: ${shown(v)}: supported values: ${s.enum.map((e) => shown(e)).join(', ')}` });
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) invalid(out, where, v, `${body} should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`);
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) invalid(out, where, v, `${body} should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`);
    if (s.multipleOf !== undefined && s.multipleOf > 0 && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9) invalid(out, where, v, `${body} should be a multiple of ${s.multipleOf}`);
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (s.maxLength !== undefined && len > s.maxLength) out.push({ reason: 'FieldValueTooLong', field: where, message: `Too long: may not be more than ${s.maxLength} bytes` });
    if (s.minLength !== undefined && len < s.minLength) invalid(out, where, v, `${body} should be at least ${s.minLength} chars long`);
    if (s.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(v)) invalid(out, where, v, `${body} should match '${s.pattern}'`);
    }
    if (s.format === 'date-time' && Number.isNaN(Date.parse(v))) invalid(out, where, v, `${body} must be of type date-time: ${shown(v)}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ reason: 'FieldValueTooMany', field: where, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    if (s.minItems !== undefined && v.length < s.minItems) invalid(out, where, v.length, `${body} should have at least ${s.minItems} items`);
    if (s.uniqueItems || s['x-kubernetes-list-type'] === 'set') {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) out.push({ reason: 'FieldValueDuplicate', field: `${where}[${i}]`, message: `Duplicate value: ${shown(item)}` });
        seen.add(k);
      });
    }
    if (s['x-kubernetes-list-type'] === 'map' && s['x-kubernetes-list-map-keys']?.length) {
      const keys = s['x-kubernetes-list-map-keys'];
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const k = JSON.stringify(keys.map((key) => item[key]));
        if (seen.has(k)) out.push({ reason: 'FieldValueDuplicate', field: `${where}[${i}]`, message: `Duplicate value: ${JSON.stringify(Object.fromEntries(keys.map((key) => [key, item[key]])))}` });
        seen.add(k);
      });
    }
    if (s.items) v.forEach((item, i) => check(item, s.items, `${where}[${i}]`, false, out));
  }
  if (isPlainObject(v)) {
    for (const r of s.required ?? []) {
      if (v[r] === undefined) out.push({ reason: 'FieldValueRequired', field: join(path, r), message: 'Required value' });
    }
    const n = Object.keys(v).filter((k) => !(root && ROOT_FIELDS.has(k))).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) out.push({ reason: 'FieldValueTooMany', field: where, message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
    if (s.minProperties !== undefined && n < s.minProperties) invalid(out, where, n, `${body} should have at least ${s.minProperties} properties`);
    for (const [k, val] of Object.entries(v)) {
      if (root && ROOT_FIELDS.has(k)) continue;
      check(val, propSchema(s, k), join(path, k), false, out);
    }
  }
  for (const sub of s.allOf ?? []) check(v, { ...sub, type: sub.type }, path, root, out);
  if (s.anyOf?.length && !s.anyOf.some((sub) => validate(v, sub, path, root).length === 0)) {
    invalid(out, where, v, `${body} must validate at least one schema (anyOf)`);
  }
  if (s.oneOf?.length && s.oneOf.filter((sub) => validate(v, sub, path, root).length === 0).length !== 1) {
    invalid(out, where, v, `${body} must validate one and only one schema (oneOf)`);
  }
  if (s.not && validate(v, s.not, path, root).length === 0) invalid(out, where, v, `${body} must not validate the schema (not)`);
}
