/**
 * Protobuf bodies of the authentication.k8s.io/v1 and authorization.k8s.io/v1 kinds, which
 * kubectl sends as `application/vnd.kubernetes.protobuf` (`auth can-i`, `auth whoami`,
 * `create token`) and the shared decoder (engine/apiserver/protobuf, core/apps/… only) has no
 * schema for. A small proto2 wire reader with the field numbers of upstream's generated.proto;
 * `wrapProtobuf` puts it in front of the shared decoder.
 */
import type { ProtobufDecoder } from '../features.js';

type Obj = Record<string, unknown>;

/** A message schema: field number → [json name, type]. Types: string, int, bool, msg:<Name>, map:<value>, repeated forms end in []. */
type Schema = Record<number, [string, string]>;

const SCHEMAS: Record<string, Schema> = {
  ObjectMeta: { 1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 5: ['uid', 'string'], 6: ['resourceVersion', 'string'], 11: ['labels', 'map:string'], 12: ['annotations', 'map:string'] },
  // authentication.k8s.io/v1
  TokenRequest: { 1: ['metadata', 'msg:ObjectMeta'], 2: ['spec', 'msg:TokenRequestSpec'] },
  TokenRequestSpec: { 1: ['audiences', 'string[]'], 4: ['expirationSeconds', 'int'], 3: ['boundObjectRef', 'msg:BoundObjectReference'] },
  BoundObjectReference: { 1: ['kind', 'string'], 2: ['apiVersion', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'] },
  TokenReview: { 1: ['metadata', 'msg:ObjectMeta'], 2: ['spec', 'msg:TokenReviewSpec'] },
  TokenReviewSpec: { 1: ['token', 'string'], 2: ['audiences', 'string[]'] },
  SelfSubjectReview: { 1: ['metadata', 'msg:ObjectMeta'] },
  // authorization.k8s.io/v1
  SelfSubjectAccessReview: { 1: ['metadata', 'msg:ObjectMeta'], 2: ['spec', 'msg:SelfSubjectAccessReviewSpec'] },
  SelfSubjectAccessReviewSpec: { 1: ['resourceAttributes', 'msg:ResourceAttributes'], 2: ['nonResourceAttributes', 'msg:NonResourceAttributes'] },
  ResourceAttributes: { 1: ['namespace', 'string'], 2: ['verb', 'string'], 3: ['group', 'string'], 4: ['version', 'string'], 5: ['resource', 'string'], 6: ['subresource', 'string'], 7: ['name', 'string'] },
  NonResourceAttributes: { 1: ['path', 'string'], 2: ['verb', 'string'] },
  SelfSubjectRulesReview: { 1: ['metadata', 'msg:ObjectMeta'], 2: ['spec', 'msg:SelfSubjectRulesReviewSpec'] },
  SelfSubjectRulesReviewSpec: { 1: ['namespace', 'string'] },
  SubjectAccessReview: { 1: ['metadata', 'msg:ObjectMeta'], 2: ['spec', 'msg:SubjectAccessReviewSpec'] },
  LocalSubjectAccessReview: { 1: ['metadata', 'msg:ObjectMeta'], 2: ['spec', 'msg:SubjectAccessReviewSpec'] },
  SubjectAccessReviewSpec: { 1: ['resourceAttributes', 'msg:ResourceAttributes'], 2: ['nonResourceAttributes', 'msg:NonResourceAttributes'], 3: ['user', 'string'], 4: ['groups', 'string[]'], 5: ['extra', 'map:ExtraValue'], 6: ['uid', 'string'] },
  ExtraValue: { 1: ['items', 'string[]'] },
};

const KINDS: Record<string, string[]> = {
  'authentication.k8s.io/v1': ['TokenRequest', 'TokenReview', 'SelfSubjectReview'],
  'authorization.k8s.io/v1': ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview'],
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new Error('truncated field');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function fields(buf: Buffer): { no: number; wire: number; value: bigint | Buffer }[] {
  const r = new Reader(buf);
  const out: { no: number; wire: number; value: bigint | Buffer }[] = [];
  while (!r.done) {
    const tag = Number(r.varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: r.varint() });
    else if (wire === 2) out.push({ no, wire, value: r.bytes() });
    else r.skip(wire);
  }
  return out;
}

function decodeValue(type: string, v: bigint | Buffer): unknown {
  if (type === 'string') return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  if (type === 'int') return typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : undefined;
  if (type === 'bool') return typeof v === 'bigint' ? v !== 0n : undefined;
  if (type.startsWith('msg:')) return Buffer.isBuffer(v) ? decodeMessage(type.slice(4), v) : undefined;
  return undefined;
}

function decodeMessage(name: string, buf: Buffer): Obj {
  const schema = SCHEMAS[name];
  const out: Obj = {};
  if (!schema) return out;
  for (const f of fields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue;
    const [json, type] = spec;
    if (type.startsWith('map:')) {
      if (!Buffer.isBuffer(f.value)) continue;
      const entry = fields(f.value);
      const k = entry.find((e) => e.no === 1)?.value;
      const val = entry.find((e) => e.no === 2)?.value;
      const valueType = type.slice(4);
      const key = Buffer.isBuffer(k) ? k.toString('utf8') : '';
      const m = (out[json] ??= {}) as Obj;
      if (valueType === 'string') m[key] = Buffer.isBuffer(val) ? val.toString('utf8') : '';
      else m[key] = val !== undefined && Buffer.isBuffer(val) ? ((decodeMessage(valueType, val).items as unknown[]) ?? []) : [];
      continue;
    }
    if (type.endsWith('[]')) {
      const v = decodeValue(type.slice(0, -2), f.value);
      if (v !== undefined) ((out[json] ??= []) as unknown[]).push(v);
      continue;
    }
    const v = decodeValue(type, f.value);
    // proto2 writes empty strings for unset Go strings: they mean absent.
    if (v !== undefined && v !== '') out[json] = v;
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The envelope's apiVersion/kind, if the body is a Kubernetes protobuf envelope. */
function envelope(buf: Buffer): { apiVersion: string; kind: string; raw: Buffer } | undefined {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) return undefined;
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  try {
    for (const f of fields(buf.subarray(4))) {
      if (f.no === 1 && Buffer.isBuffer(f.value)) {
        for (const t of fields(f.value)) {
          if (t.no === 1 && Buffer.isBuffer(t.value)) apiVersion = t.value.toString('utf8');
          if (t.no === 2 && Buffer.isBuffer(t.value)) kind = t.value.toString('utf8');
        }
      } else if (f.no === 2 && Buffer.isBuffer(f.value)) raw = f.value;
    }
  } catch {
    return undefined;
  }
  return { apiVersion, kind, raw };
}

/** Decodes the review/token kinds; undefined for anything else. */
export function decodeAuthProtobuf(buf: Buffer): Obj | undefined {
  const env = envelope(buf);
  if (!env || !KINDS[env.apiVersion]?.includes(env.kind)) return undefined;
  const obj = decodeMessage(env.kind, env.raw);
  return { apiVersion: env.apiVersion, kind: env.kind, metadata: obj.metadata ?? {}, ...obj };
}

/** The shared decoder with the auth kinds in front. */
export function wrapProtobuf(base: ProtobufDecoder | undefined): ProtobufDecoder | undefined {
  if (!base) return undefined;
  return (buf) => decodeAuthProtobuf(buf) ?? base(buf);
}
