/**
 * Encodes our Swagger 2.0 JSON as gnostic's `openapi.v2.Document` protobuf
 * (github.com/google/gnostic openapiv2/OpenAPIv2.proto), the only form client-go's
 * `OpenAPISchema()` accepts (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf).
 * kubectl falls back to it to validate `kind: List` files and for `explain --output
 * plaintext-openapiv2`. Only the messages our documents use are written; field numbers are
 * gnostic's. Vendor extensions travel as YAML text, and JSON is YAML.
 */
import type { JsonObject, JsonValue } from './render.js';

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const out: number[] = [];
    let v = n;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string | undefined): this {
    if (s === undefined || s === '') return this;
    const b = Buffer.from(s, 'utf8');
    this.key(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  strings(field: number, list: readonly string[] | undefined): this {
    for (const s of list ?? []) {
      const b = Buffer.from(s, 'utf8');
      this.key(field, 2);
      this.varint(b.length);
      this.push(b);
    }
    return this;
  }

  bool(field: number, v: boolean | undefined): this {
    if (!v) return this;
    this.key(field, 0);
    this.varint(1);
    return this;
  }

  message(field: number, w: Writer | undefined): this {
    if (!w) return this;
    const b = w.bytes();
    this.key(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const w = (): Writer => new Writer();

function isObj(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strList(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** NamedAny{name, Any{yaml}} for every x-* key. */
function vendorExtensions(into: Writer, field: number, o: JsonObject): void {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x-')) continue;
    into.message(field, w().string(1, k).message(2, w().string(2, `${JSON.stringify(v)}\n`)));
  }
}

function schema(o: JsonObject): Writer {
  const s = w()
    .string(1, str(o.$ref))
    .string(2, str(o.format))
    .string(4, str(o.description))
    .strings(19, strList(o.required));
  if (o.additionalProperties !== undefined) {
    const ap = o.additionalProperties;
    s.message(21, isObj(ap) ? w().message(1, schema(ap)) : w().bool(2, ap === true));
  }
  if (typeof o.type === 'string') s.message(22, w().strings(1, [o.type]));
  if (isObj(o.items)) s.message(23, w().message(1, schema(o.items)));
  if (Array.isArray(o.allOf)) for (const a of o.allOf) if (isObj(a)) s.message(24, schema(a));
  if (isObj(o.properties)) {
    const props = w();
    for (const [name, p] of Object.entries(o.properties)) if (isObj(p)) props.message(1, w().string(1, name).message(2, schema(p)));
    s.message(25, props);
  }
  vendorExtensions(s, 31, o);
  return s;
}

function parameter(p: JsonObject): Writer {
  if (p.in === 'body') {
    const body = w().string(1, str(p.description)).string(2, str(p.name)).string(3, 'body').bool(4, p.required === true);
    if (isObj(p.schema)) body.message(5, schema(p.schema));
    return w().message(1, w().message(1, body));
  }
  // QueryParameterSubSchema / PathParameterSubSchema differ in field numbers after `name`.
  const isPath = p.in === 'path';
  const sub = w()
    .bool(1, p.required === true)
    .string(2, str(p.in))
    .string(3, str(p.description))
    .string(4, str(p.name))
    .string(isPath ? 5 : 6, str(p.type))
    .bool(isPath ? 19 : 20, p.uniqueItems === true);
  return w().message(1, w().message(2, w().message(isPath ? 4 : 3, sub)));
}

function operation(op: JsonObject): Writer {
  const o = w()
    .strings(1, strList(op.tags))
    .string(3, str(op.description))
    .string(5, str(op.operationId))
    .strings(6, strList(op.produces))
    .strings(7, strList(op.consumes));
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObj(p)) o.message(8, parameter(p));
  if (isObj(op.responses)) {
    const rs = w();
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObj(r)) continue;
      const resp = w().string(1, str(r.description));
      if (isObj(r.schema)) resp.message(2, w().message(1, schema(r.schema)));
      rs.message(1, w().string(1, code).message(2, w().message(1, resp)));
    }
    o.message(9, rs);
  }
  o.strings(10, strList(op.schemes));
  vendorExtensions(o, 13, op);
  return o;
}

const METHOD_FIELD: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** The protobuf bytes of a Swagger 2.0 document as produced by OpenAPI.v2(). */
export function encodeSwaggerV2(doc: JsonObject): Uint8Array {
  const d = w().string(1, str(doc.swagger));
  if (isObj(doc.info)) d.message(2, w().string(1, str(doc.info.title)).string(2, str(doc.info.version)));
  if (isObj(doc.paths)) {
    const paths = w();
    for (const [p, item] of Object.entries(doc.paths)) {
      if (!isObj(item)) continue;
      const pi = w();
      for (const [m, op] of Object.entries(item)) if (METHOD_FIELD[m] && isObj(op)) pi.message(METHOD_FIELD[m], operation(op));
      if (Array.isArray(item.parameters)) for (const prm of item.parameters) if (isObj(prm)) pi.message(9, parameter(prm));
      paths.message(2, w().string(1, p).message(2, pi));
    }
    d.message(8, paths);
  }
  if (isObj(doc.definitions)) {
    const defs = w();
    for (const [name, s] of Object.entries(doc.definitions)) if (isObj(s)) defs.message(1, w().string(1, name).message(2, schema(s)));
    d.message(9, defs);
  }
  if (Array.isArray(doc.security)) {
    for (const req of doc.security) {
      if (!isObj(req)) continue;
      const sr = w();
      for (const [name, scopes] of Object.entries(req)) sr.message(1, w().string(1, name).message(2, w().strings(1, strList(scopes))));
      d.message(12, sr);
    }
  }
  if (isObj(doc.securityDefinitions)) {
    const sd = w();
    for (const [name, def] of Object.entries(doc.securityDefinitions)) {
      if (!isObj(def)) continue;
      const key = w().string(1, str(def.type)).string(2, str(def.name)).string(3, str(def.in)).string(4, str(def.description));
      sd.message(1, w().string(1, name).message(2, w().message(2, key)));
    }
    d.message(13, sd);
  }
  return d.bytes();
}
