/**
 * OpenAPI for Skiff's API server: `/openapi/v2` (Swagger 2.0), `/openapi/v3` (the index of
 * group-version documents) and `/openapi/v3/<api/v1 | apis/<group>/<version>>`, plus the
 * schema-based checks the server runs on create/update bodies (unknown fields for
 * fieldValidation, wrong JSON types).
 *
 * Schemas come from the model classes of @kubernetes/client-node (types, formats, descriptions,
 * required fields), renamed to the real definition names (io.k8s.api.apps.v1.Deployment…) and
 * completed with what the generator loses (Quantity, MicroTime, patch strategies, list types —
 * see overrides.ts). kubectl needs the v3 documents: `kubectl apply`/`create` look for a PATCH
 * operation carrying the resource's GVK and a `fieldValidation` parameter before sending
 * fieldValidation=Strict, `kubectl explain` renders component schemas, and client-side apply
 * computes strategic merge patches from the x-kubernetes-patch-* extensions.
 *
 * Everything is generated lazily at the first use and cached (≈50–150 ms to read client-node's
 * ~850 model files, then ~15 ms for all documents) — nothing happens at import, so server
 * start-up is unaffected, no build step is needed, and the documents always match the installed
 * client-node (whose *.d.ts ship in its npm `files`). Document hashes (sha512) feed the
 * `?hash=` URLs and ETags, so kubectl's disk cache stays valid until the resource set changes.
 * The HTTP layer is the pure `handle()` below; the server owns sockets and auth.
 */
import { createHash } from 'node:crypto';
import { sharedCatalog, type Catalog, type GVK, type StructDef } from './catalog.js';
import { defPrefix, pkgOfGroup } from './names.js';
import { encodeSwaggerV2 } from './protobuf-v2.js';
import {
  buildPaths,
  discoveryPath,
  gvPrefix,
  gvTag,
  pathRefs,
  renderPaths,
  schemasFor,
  type JsonObject,
  type PathResource,
} from './render.js';
import { checkAgainst, decodeOutcome, parseFieldValidation, type DecodeOutcome, type FieldProblem, type FieldValidationDirective } from './validate.js';

export { checkAgainst, decodeOutcome, parseFieldValidation, quantityError, warningHeader } from './validate.js';
export type { DecodeOutcome, FieldProblem, FieldValidationDirective } from './validate.js';
export type { JsonObject, JsonValue } from './render.js';
export type { Catalog } from './catalog.js';

/** The part of engine/api/registry.ts's ResourceDef this module needs (a ResourceDef fits). */
export interface OpenAPIResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  subresources?: readonly string[];
  /** Defaults to every verb. */
  verbs?: readonly string[];
}

export interface OpenAPIV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenAPIHttpRequest {
  method?: string;
  /** Path with optional query string: /openapi/v3/apis/apps/v1?hash=… */
  url: string;
  headers?: Record<string, string | string[] | undefined>;
}

export interface OpenAPIHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text, or protobuf bytes for /openapi/v2 when the client asked for them. */
  body: string | Uint8Array;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** What client-go asks for; '@' is not a valid MIME token, so (like kube-openapi) we answer with PROTO_V2. */
const PROTO_V2_ASKED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const PROTO_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface Rendered {
  body: string | Uint8Array;
  hash: string;
}

function render(doc: JsonObject): Rendered {
  const body = JSON.stringify(doc);
  return { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** 'api/v1' | 'apis/apps/v1' for a group version. */
export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * Checks a decoded JSON object against the kind's schema: unknown fields (for
 * fieldValidation=Strict/Warn) and wrong JSON types (always an error, e.g. spec.replicas:
 * "three"). Paths in Kubernetes' style: spec.template.spec.containers[0].image. Kinds without
 * a built-in schema (custom resources) yield no problems.
 */
export function checkObject(apiVersion: string, kind: string, obj: unknown): FieldProblem[] {
  const catalog = sharedCatalog();
  const [group, version] = splitApiVersion(apiVersion);
  const def = catalog.kindDefName(group, version, kind);
  return def ? checkAgainst(catalog, def, obj) : [];
}

/** Reversed-domain definition prefix used for kinds with no built-in schema (as for CRDs). */
function genericPrefix(group: string, version: string): string {
  const pkg = pkgOfGroup(group);
  if (pkg) return defPrefix(pkg, version);
  return `${group.split('.').reverse().join('.')}.${version}`;
}

export class OpenAPI {
  private resources: OpenAPIResource[];
  private readonly catalogRef: () => Catalog;
  private cache?: {
    prepared: PathResource[];
    v3: Map<string, Rendered>;
    index?: Rendered;
    v2?: Rendered;
    v2proto?: Rendered;
  };

  constructor(resources: readonly OpenAPIResource[], catalog?: Catalog) {
    this.resources = [...resources];
    this.catalogRef = catalog ? () => catalog : sharedCatalog;
  }

  /** Replaces the served resources (e.g. after a CRD change); documents and hashes are rebuilt. */
  setResources(resources: readonly OpenAPIResource[]): void {
    this.resources = [...resources];
    this.cache = undefined;
  }

  /** Builds everything now instead of on the first request (call after the server listens). */
  warm(): void {
    this.v3Index();
  }

  private get catalog(): Catalog {
    return this.catalogRef();
  }

  private state(): NonNullable<OpenAPI['cache']> {
    if (this.cache) return this.cache;
    this.cache = { prepared: this.resources.map((r) => this.prepare(r)), v3: new Map() };
    return this.cache;
  }

  /** Resolves the definitions of a resource, creating a permissive one for unknown kinds. */
  private prepare(r: OpenAPIResource): PathResource {
    const catalog = this.catalog;
    let defName = catalog.kindDefName(r.group, r.version, r.kind);
    let listDefName = catalog.kindDefName(r.group, r.version, `${r.kind}List`);
    const builtin = !!defName;
    const gvk = (kind: string): GVK[] => [{ group: r.group, version: r.version, kind }];
    if (!defName) {
      defName = `${genericPrefix(r.group, r.version)}.${r.kind}`;
      if (!catalog.has(defName)) catalog.define(genericKind(defName, r.kind, gvk(r.kind)));
    }
    if (!listDefName) {
      listDefName = `${defName}List`;
      if (!catalog.has(listDefName)) catalog.define(genericList(listDefName, defName, r.kind, gvk(`${r.kind}List`)));
    }
    return {
      group: r.group,
      version: r.version,
      kind: r.kind,
      plural: r.plural,
      namespaced: r.namespaced,
      subresources: r.subresources ?? [],
      verbs: r.verbs ?? ALL_VERBS,
      defName,
      listDefName,
      strategicMerge: builtin,
    };
  }

  /** Group versions served, in first-seen order, as 'api/v1' / 'apis/apps/v1'. */
  groupVersions(): string[] {
    const out: string[] = [];
    for (const r of this.resources) {
      const p = gvPath(r.group, r.version);
      if (!out.includes(p)) out.push(p);
    }
    return out;
  }

  private resourcesOf(path: string): PathResource[] {
    return this.state().prepared.filter((r) => gvPath(r.group, r.version) === path);
  }

  private buildV3(path: string): JsonObject | undefined {
    const catalog = this.catalog;
    const info: JsonObject = { title: 'Kubernetes', version: 'unversioned' };
    const security: JsonObject = { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } };
    const doc = (paths: JsonObject, roots: string[]): JsonObject => ({
      components: { schemas: schemasFor(catalog, roots, 'v3'), securitySchemes: security },
      info,
      openapi: '3.0.0',
      paths,
    });
    const simple = (p: string, operationId: string, description: string, def: string, tag: string): JsonObject =>
      doc(
        {
          [p]: {
            get: {
              description,
              operationId,
              responses: { '200': { content: { 'application/json': { schema: { $ref: `#/components/schemas/${def}` } } }, description: 'OK' }, '401': { description: 'Unauthorized' } },
              tags: [tag],
            },
          },
        },
        [def],
      );
    const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
    if (path === 'api') return simple('/api/', 'getCoreAPIVersions', 'get available API versions', `${meta}APIVersions`, 'core');
    if (path === 'apis') return simple('/apis/', 'getAPIVersions', 'get available API versions', `${meta}APIGroupList`, 'apis');
    const groupOnly = /^apis\/([^/]+)$/.exec(path);
    if (groupOnly) {
      if (!this.resources.some((r) => r.group === groupOnly[1])) return undefined;
      const tag = gvTag(groupOnly[1], '').slice(0, -1);
      return simple(`/apis/${groupOnly[1]}/`, `get${tag.charAt(0).toUpperCase()}${tag.slice(1)}APIGroup`, 'get information of a group', `${meta}APIGroup`, tag);
    }
    const rs = this.resourcesOf(path);
    if (!rs.length) return undefined;
    const { group, version } = rs[0];
    const tag = gvTag(group, version);
    const items = rs.flatMap(buildPaths);
    const paths: JsonObject = { ...discoveryPath(group, version, tag, 'v3'), ...renderPaths(items, tag, 'v3') };
    return doc(sortKeys(paths), [...pathRefs(items), `${meta}APIResourceList`]);
  }

  private renderedV3(path: string): Rendered | undefined {
    const st = this.state();
    const hit = st.v3.get(path);
    if (hit) return hit;
    const doc = this.buildV3(path);
    if (!doc) return undefined;
    const r = render(doc);
    st.v3.set(path, r);
    return r;
  }

  /** Every document path /openapi/v3 lists: api, api/v1, apis, apis/<g>, apis/<g>/<v>. */
  private v3Paths(): string[] {
    const out = new Set<string>();
    for (const gv of this.groupVersions()) {
      if (gv.startsWith('api/')) out.add('api');
      else out.add('apis').add(gv.split('/').slice(0, 2).join('/'));
      out.add(gv);
    }
    return [...out].sort();
  }

  /** GET /openapi/v3 */
  v3Index(): OpenAPIV3Index {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const p of this.v3Paths()) {
      const r = this.renderedV3(p);
      if (r) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${r.hash}` };
    }
    return { paths };
  }

  /** GET /openapi/v3/<gvPath>, e.g. v3Doc('apis/apps/v1'); undefined if not served. */
  v3Doc(path: string): JsonObject | undefined {
    const r = this.renderedV3(path.replace(/^\/+|\/+$/g, ''));
    return r ? (JSON.parse(String(r.body)) as JsonObject) : undefined;
  }

  /** Content hash of a v3 document (what `?hash=` and the ETag carry). */
  v3Hash(path: string): string | undefined {
    return this.renderedV3(path)?.hash;
  }

  private renderedV2(): Rendered {
    const st = this.state();
    if (st.v2) return st.v2;
    const catalog = this.catalog;
    let paths: JsonObject = {};
    const roots: string[] = ['io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList'];
    for (const gv of this.groupVersions()) {
      const rs = this.resourcesOf(gv);
      const tag = gvTag(rs[0].group, rs[0].version);
      const items = rs.flatMap(buildPaths);
      paths = { ...paths, ...discoveryPath(rs[0].group, rs[0].version, tag, 'v2'), ...renderPaths(items, tag, 'v2') };
      roots.push(...pathRefs(items));
    }
    const doc: JsonObject = {
      definitions: schemasFor(catalog, roots, 'v2'),
      info: { title: 'Kubernetes', version: 'unversioned' },
      paths: sortKeys(paths),
      security: [{ BearerToken: [] }],
      securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
      swagger: '2.0',
    };
    return (st.v2 = render(doc));
  }

  private renderedV2Proto(): Rendered {
    const st = this.state();
    if (st.v2proto) return st.v2proto;
    const body = encodeSwaggerV2(this.v2());
    return (st.v2proto = { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }

  /** GET /openapi/v2 (JSON). */
  v2(): JsonObject {
    return JSON.parse(String(this.renderedV2().body)) as JsonObject;
  }

  /** GET /openapi/v2 as gnostic protobuf (what client-go's OpenAPISchema() asks for). */
  v2Protobuf(): Uint8Array {
    return this.renderedV2Proto().body as Uint8Array;
  }

  v2Hash(): string {
    return this.renderedV2().hash;
  }

  /** checkObject that also knows this server's generic kinds (only their metadata is typed). */
  checkObject(apiVersion: string, kind: string, obj: unknown): FieldProblem[] {
    const [group, version] = splitApiVersion(apiVersion);
    const r = this.state().prepared.find((p) => p.group === group && p.version === version && p.kind === kind);
    const def = r?.defName ?? this.catalog.kindDefName(group, version, kind);
    return def ? checkAgainst(this.catalog, def, obj) : [];
  }

  /**
   * checkObject + the apiserver's verdict for a create/update body: a 400 message or warnings.
   * `fieldValidation` is the raw query value; an invalid one is reported as an error.
   */
  decode(apiVersion: string, kind: string, obj: unknown, fieldValidation?: string | null): DecodeOutcome {
    const directive = parseFieldValidation(fieldValidation);
    if (!directive) return { error: `fieldValidation must be one of "Ignore", "Warn", "Strict" (got ${JSON.stringify(fieldValidation)})`, warnings: [] };
    const [, version] = splitApiVersion(apiVersion);
    return decodeOutcome(kind, version, this.checkObject(apiVersion, kind, obj), directive);
  }

  /**
   * Serves /openapi/v2, /openapi/v3 and /openapi/v3/<gv>; returns undefined for other paths.
   * Mirrors kube-openapi: ETag + If-None-Match (304); with a matching ?hash= the document is
   * immutable (Cache-Control: public, immutable; Expires in a year); a stale hash redirects (301).
   */
  handle(req: OpenAPIHttpRequest): OpenAPIHttpResponse | undefined {
    const u = new URL(req.url, 'http://localhost');
    const path = u.pathname.replace(/\/+$/, '');
    if (path !== '/openapi/v2' && path !== '/openapi/v3' && !path.startsWith('/openapi/v3/')) return undefined;
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return json(405, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server does not allow this method on the requested resource`, reason: 'MethodNotAllowed', code: 405 });
    }
    const header = (name: string): string => {
      const v = req.headers?.[name] ?? req.headers?.[name.toLowerCase()];
      return Array.isArray(v) ? v.join(', ') : (v ?? '');
    };
    const respond = (r: Rendered, extra: Record<string, string> = {}): OpenAPIHttpResponse => {
      const etag = `"${r.hash}"`;
      const headers = { 'Content-Type': 'application/json', ETag: etag, Vary: 'Accept', ...extra };
      const inm = header('if-none-match');
      if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return { status: 304, headers, body: '' };
      return { status: 200, headers, body: method === 'HEAD' ? '' : r.body };
    };

    if (path === '/openapi/v2') {
      const accept = header('accept');
      const want = negotiateV2(accept);
      if (want === 'proto') return respond(this.renderedV2Proto(), { 'Content-Type': PROTO_V2 });
      if (want === 'json') return respond(this.renderedV2());
      return json(406, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `none of the requested content types is served: ${accept}`, reason: 'NotAcceptable', code: 406 });
    }
    if (path === '/openapi/v3') {
      const st = this.state();
      st.index ??= render({ paths: this.v3Index().paths });
      return respond(st.index);
    }

    const gv = path.slice('/openapi/v3/'.length);
    const r = this.renderedV3(gv);
    if (!r) return json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: '404 page not found', reason: 'NotFound', code: 404 });
    const hash = u.searchParams.get('hash');
    if (hash !== null && hash !== '') {
      if (hash !== r.hash) return { status: 301, headers: { Location: `/openapi/v3/${gv}?hash=${r.hash}` }, body: '' };
      const expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
      return respond(r, { 'Cache-Control': 'public, immutable', Expires: expires });
    }
    return respond(r);
  }
}

function json(status: number, body: JsonObject): OpenAPIHttpResponse {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** First acceptable representation in the client's Accept order; JSON when no Accept. */
function negotiateV2(accept: string): 'json' | 'proto' | undefined {
  if (!accept.trim()) return 'json';
  for (const part of accept.split(',')) {
    const t = part.split(';')[0].trim().toLowerCase();
    if (t === PROTO_V2 || t === PROTO_V2_ASKED) return 'proto';
    if (t === 'application/json' || t === '*/*' || t === 'application/*') return 'json';
  }
  return undefined;
}

function sortKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

function genericKind(name: string, kind: string, gvk: GVK[]): StructDef {
  return {
    kind: 'struct',
    name,
    description: `${kind} has no published schema; fields other than metadata are not checked.`,
    fields: [
      { name: 'apiVersion', type: { t: 'string' }, description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources' },
      { name: 'kind', type: { t: 'string' }, description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      { name: 'metadata', type: { t: 'ref', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
    ],
    required: [],
    gvk,
    preserveUnknown: true,
  };
}

function genericList(name: string, itemDef: string, kind: string, gvk: GVK[]): StructDef {
  return {
    kind: 'struct',
    name,
    description: `${kind}List is a list of ${kind}`,
    fields: [
      { name: 'apiVersion', type: { t: 'string' } },
      { name: 'items', type: { t: 'array', items: { t: 'ref', name: itemDef } }, description: `List of ${kind.toLowerCase()}s.` },
      { name: 'kind', type: { t: 'string' } },
      { name: 'metadata', type: { t: 'ref', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' } },
    ],
    required: ['items'],
    gvk,
  };
}
