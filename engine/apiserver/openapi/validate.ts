/**
 * Decode-time checks of request bodies against the catalog, mimicking what kube-apiserver's JSON
 * decoder (sigs.k8s.io/json, case-sensitive) reports: unknown fields (strict decoding errors,
 * only fatal with fieldValidation=Strict) and values of the wrong JSON type (always a 400).
 */
import { goTypeName, shortName, type Catalog, type StructDef, type TypeRef } from './catalog.js';
import { SPECIAL } from './overrides.js';

export interface FieldProblem {
  /** Kubernetes-style path: spec.template.spec.containers[0].image */
  field: string;
  /** The decoder's message for this problem, e.g. `unknown field "spec.foo"`. */
  message: string;
  kind: 'unknown' | 'type';
}

type Json = unknown;

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_ERR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIXES = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Error text of resource.ParseQuantity for a string, or undefined when it parses. */
export function quantityError(s: string): string | undefined {
  const m = QUANTITY_RE.exec(s.trim());
  if (!m || !/[0-9]/.test(m[1]) || (m[1].match(/\./g) ?? []).length > 1) return QUANTITY_ERR;
  const suffix = m[2];
  if (SUFFIXES.has(suffix) || /^[eE][-+]?[0-9]+$/.test(suffix)) return undefined;
  return "unable to parse quantity's suffix";
}

/** Like Go's base64.StdEncoding: returns the offset of the first bad byte, or -1. */
function base64ErrorAt(s: string): number {
  if (BASE64_RE.test(s) && s.length % 4 === 0) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '=') return s.length % 4 === 0 && i >= s.length - 2 ? -1 : i;
    if (!/[A-Za-z0-9+/\r\n]/.test(c)) return i;
  }
  // Go reports a truncated final quantum at the offset where it starts.
  const clean = s.replace(/[\r\n]/g, '');
  return clean.length % 4 === 0 ? -1 : clean.length - (clean.length % 4);
}

function jsonTypeOf(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'object';
  return typeof v; // 'string' | 'number'
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Ctx {
  catalog: Catalog;
  out: FieldProblem[];
}

/** Go's name for the type behind a TypeRef, as printed in UnmarshalTypeError. */
function goType(catalog: Catalog, t: TypeRef): string {
  switch (t.t) {
    case 'string':
      return t.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return t.format;
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'ref':
      if (t.name === SPECIAL.time || t.name === SPECIAL.microTime) return 'string';
      if (t.name === SPECIAL.intOrString) return 'int32';
      return goTypeName(t.name);
    case 'array':
      return `[]${goType(catalog, t.items)}`;
    case 'map':
      return `map[string]${goType(catalog, t.values)}`;
    case 'free':
      return 'interface {}';
  }
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/**
 * Walks `v` as type `t`. `path` has list indices (for FieldProblem.field), `goPath` does not
 * (Go's error context is the field stack only), `struct` is the innermost Go struct's name.
 */
function walk(ctx: Ctx, v: Json, t: TypeRef, path: string, goPath: string, struct: string): void {
  if (v === null || v === undefined) return; // null decodes to the zero value, never an error
  const typeErr = (value: string): void => {
    ctx.out.push({
      field: path,
      kind: 'type',
      message: `json: cannot unmarshal ${value} into Go struct field ${struct}.${goPath} of type ${goType(ctx.catalog, t)}`,
    });
  };
  switch (t.t) {
    case 'free':
      return;
    case 'string':
      if (typeof v !== 'string') return typeErr(jsonTypeOf(v));
      if (t.format === 'byte') {
        const at = base64ErrorAt(v);
        if (at >= 0) ctx.out.push({ field: path, kind: 'type', message: `illegal base64 data at input byte ${at}` });
      }
      return;
    case 'boolean':
      if (typeof v !== 'boolean') typeErr(jsonTypeOf(v));
      return;
    case 'number':
      if (typeof v !== 'number') typeErr(jsonTypeOf(v));
      return;
    case 'integer': {
      if (typeof v !== 'number') return typeErr(jsonTypeOf(v));
      const max = t.format === 'int32' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(v) || v > max || v < -max - 1) typeErr(`number ${v}`);
      return;
    }
    case 'array':
      if (!Array.isArray(v)) return typeErr(jsonTypeOf(v));
      v.forEach((item, i) => walk(ctx, item, t.items, `${path}[${i}]`, goPath, struct));
      return;
    case 'map':
      if (!isObject(v)) return typeErr(jsonTypeOf(v));
      for (const [k, item] of Object.entries(v)) walk(ctx, item, t.values, join(path, k), goPath, struct);
      return;
    case 'ref':
      return walkRef(ctx, v, t.name, path, goPath, struct, typeErr);
  }
}

function walkRef(ctx: Ctx, v: Json, name: string, path: string, goPath: string, struct: string, typeErr: (value: string) => void): void {
  switch (name) {
    case SPECIAL.time:
    case SPECIAL.microTime:
      if (typeof v !== 'string') return typeErr(jsonTypeOf(v));
      if (v !== '' && !RFC3339_RE.test(v)) {
        ctx.out.push({ field: path, kind: 'type', message: `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as RFC 3339` });
      }
      return;
    case SPECIAL.intOrString:
      if (typeof v === 'string') return;
      if (typeof v !== 'number') return typeErr(jsonTypeOf(v));
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31) typeErr(`number ${v}`);
      return;
    case SPECIAL.quantity: {
      const err = typeof v === 'number' ? quantityError(String(v)) : typeof v === 'string' ? quantityError(v) : QUANTITY_ERR;
      if (err) ctx.out.push({ field: path, kind: 'type', message: err });
      return;
    }
  }
  const def = ctx.catalog.get(name);
  if (!def || def.kind === 'special') return; // RawExtension, FieldsV1, JSON…: any value
  if (!isObject(v)) return typeErr(jsonTypeOf(v));
  walkStruct(ctx, v, def, path, goPath);
}

function walkStruct(ctx: Ctx, v: Record<string, Json>, def: StructDef, path: string, goPath: string): void {
  const struct = shortName(def.name);
  const fields = new Map(def.fields.map((f) => [f.name, f]));
  for (const [k, item] of Object.entries(v)) {
    const f = fields.get(k);
    if (!f) {
      if (!def.preserveUnknown) {
        const field = join(path, k);
        ctx.out.push({ field, kind: 'unknown', message: `unknown field ${JSON.stringify(field)}` });
      }
      continue;
    }
    walk(ctx, item, f.type, join(path, k), join(goPath, k), struct);
  }
}

/** Checks `obj` against definition `defName`. Problems come in document order. */
export function checkAgainst(catalog: Catalog, defName: string, obj: unknown): FieldProblem[] {
  const def = catalog.get(defName);
  if (!def || def.kind !== 'struct') return [];
  const ctx: Ctx = { catalog, out: [] };
  if (!isObject(obj)) {
    ctx.out.push({ field: '', kind: 'type', message: `json: cannot unmarshal ${jsonTypeOf(obj)} into Go value of type ${goTypeName(defName)}` });
    return ctx.out;
  }
  walkStruct(ctx, obj, def, '', '');
  return ctx.out;
}

export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

/** Reads the fieldValidation query value as the apiserver does ('' → Warn, unknown → error). */
export function parseFieldValidation(value: string | null | undefined): FieldValidationDirective | undefined {
  if (value === null || value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  return undefined;
}

export interface DecodeOutcome {
  /** Message of a 400 BadRequest Status, when the request must fail. */
  error?: string;
  /** Texts for `Warning: 299 - "<text>"` headers (fieldValidation=Warn). */
  warnings: string[];
}

/**
 * Turns problems into the apiserver's answer. Type errors always fail (the decoder stops at the
 * first one); unknown fields fail with Strict, become warnings with Warn, vanish with Ignore.
 *   Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"
 */
export function decodeOutcome(kind: string, version: string, problems: FieldProblem[], directive: FieldValidationDirective): DecodeOutcome {
  const prefix = `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: `;
  const typeErr = problems.find((p) => p.kind === 'type');
  if (typeErr) return { error: prefix + typeErr.message, warnings: [] };
  const unknown = problems.filter((p) => p.kind === 'unknown');
  if (!unknown.length || directive === 'Ignore') return { warnings: [] };
  if (directive === 'Strict') return { error: `${prefix}strict decoding error: ${unknown.map((p) => p.message).join(', ')}`, warnings: [] };
  return { warnings: unknown.map((p) => p.message) };
}

/** A `Warning` header value as kube-apiserver writes it: 299 - "unknown field \"spec.foo\"". */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}
