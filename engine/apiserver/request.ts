/**
 * Request-side helpers: reading and decoding bodies (JSON, YAML, protobuf), query parsing,
 * content negotiation for the answer (JSON or meta.k8s.io Table), and Status error replies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import * as errors from '../api/errors.js';
import type { Status } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { ProtobufDecoder } from './features.js';

/** Upstream's limit on request bodies is 3 MiB (etcd's object size limit is 1.5 MiB). */
export const MAX_BODY = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(errors.tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(errors.badRequest(`error reading request body: ${e.message}`));
    });
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes an object body by Content-Type. Returns a plain object or throws a 400/415 Status. */
export function decodeObject(buf: Buffer, contentType: string | undefined, protobuf?: ProtobufDecoder): Record<string, unknown> {
  const mt = mediaType(contentType);
  let v: unknown;
  if (mt === 'application/vnd.kubernetes.protobuf') {
    if (!protobuf) throw errors.unsupportedMediaType(mt);
    try {
      v = protobuf(buf);
    } catch (e) {
      throw errors.badRequest(`unable to decode protobuf body: ${(e as Error).message}`);
    }
  } else if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') {
    v = parseYaml(buf.toString('utf8'));
  } else if (mt === '' || mt === 'application/json' || mt.endsWith('+json')) {
    v = parseJson(buf.toString('utf8'));
  } else {
    throw errors.unsupportedMediaType(mt);
  }
  if (!isPlainObject(v)) throw errors.badRequest(`the body of the request must be a JSON object, got ${describe(v)}`);
  if (v.metadata !== undefined && !isPlainObject(v.metadata)) {
    throw errors.badRequest('json: cannot unmarshal ' + describe(v.metadata) + ' into Go struct field .metadata of type v1.ObjectMeta');
  }
  if (isPlainObject(v.metadata)) checkMetaTypes(v.metadata);
  return v;
}

function checkMetaTypes(m: Record<string, unknown>): void {
  for (const f of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid']) {
    if (m[f] !== undefined && m[f] !== null && typeof m[f] !== 'string') {
      throw errors.badRequest(`json: cannot unmarshal ${describe(m[f])} into Go struct field ObjectMeta.metadata.${f} of type string`);
    }
  }
  for (const f of ['labels', 'annotations']) {
    if (m[f] !== undefined && m[f] !== null && !isPlainObject(m[f])) {
      throw errors.badRequest(`json: cannot unmarshal ${describe(m[f])} into Go struct field ObjectMeta.metadata.${f} of type map[string]string`);
    }
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

// yaml is loaded on first use: most requests are JSON and start-up time matters.
let yamlLib: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  return (yamlLib ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

export function parseYaml(text: string): unknown {
  try {
    const docs = yaml().parseAllDocuments(text);
    if (docs.length !== 1) throw new Error(docs.length === 0 ? 'empty document' : 'multiple documents are not allowed');
    const d = docs[0];
    if (d.errors.length) throw d.errors[0];
    return d.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export type Query = URLSearchParams;

export function boolParam(q: Query, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function intParam(q: Query, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** What the client asked the answer to be: a Table (kubectl get) or the object itself. */
export interface Negotiated {
  table: boolean;
  tableVersion: 'v1' | 'v1beta1';
}

export function negotiate(accept: string | undefined): Negotiated {
  const a = accept ?? '';
  if (a.includes('as=Table')) {
    // Clients list their preferences in order; we speak both Table versions.
    const first = a.split(',').find((p) => p.includes('as=Table')) ?? '';
    return { table: true, tableVersion: first.includes('v=v1beta1') ? 'v1beta1' : 'v1' };
  }
  return { table: false, tableVersion: 'v1' };
}

export function sendJson(res: ServerResponse, code: number, body: string | object, extraHeaders?: Record<string, string>): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...extraHeaders });
  res.end(text);
}

export function sendStatus(res: ServerResponse, s: Status): void {
  sendJson(res, s.code, s);
}

export function sendError(res: ServerResponse, e: unknown): void {
  if (e instanceof errors.ApiError) return sendStatus(res, e.status);
  sendStatus(res, errors.internal(e instanceof Error ? e.message : String(e)).status);
}
