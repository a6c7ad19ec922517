/**
 * Renders the catalog as OpenAPI v3 component schemas / Swagger 2.0 definitions, and the
 * per-resource paths, shaped like kube-apiserver's own documents (api/openapi-spec/v3/*.json):
 * `allOf:[{$ref}]` for described references, `x-kubernetes-*` extensions, one operation per verb
 * with `x-kubernetes-action` and `x-kubernetes-group-version-kind`.
 */
import type { Catalog, FieldDef, GVK, StructDef, TypeRef } from './catalog.js';
import { SPECIAL, SPECIAL_DEFS } from './overrides.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type Flavor = 'v2' | 'v3';

const refPrefix = (f: Flavor): string => (f === 'v3' ? '#/components/schemas/' : '#/definitions/');

function typeSchema(t: TypeRef, f: Flavor): JsonObject {
  switch (t.t) {
    case 'string':
      return t.format ? { type: 'string', format: t.format } : { type: 'string' };
    case 'integer':
      return { type: 'integer', format: t.format };
    case 'number':
      return t.format ? { type: 'number', format: t.format } : { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'ref':
      return { $ref: refPrefix(f) + t.name };
    case 'array':
      return { type: 'array', items: typeSchema(t.items, f) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(t.values, f) };
    case 'free':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
}

function fieldSchema(field: FieldDef, f: Flavor): JsonObject {
  let s = typeSchema(field.type, f);
  if (field.type.t === 'ref' && f === 'v3' && field.description) s = { allOf: [s] };
  if (field.description) s.description = field.description;
  if (field.patchStrategy) s['x-kubernetes-patch-strategy'] = field.patchStrategy;
  if (field.patchMergeKey) s['x-kubernetes-patch-merge-key'] = field.patchMergeKey;
  if (field.listType) s['x-kubernetes-list-type'] = field.listType;
  if (field.listMapKeys) s['x-kubernetes-list-map-keys'] = [...field.listMapKeys];
  return s;
}

function gvkJson(g: GVK): JsonObject {
  return { group: g.group, kind: g.kind, version: g.version };
}

export function structSchema(def: StructDef, f: Flavor): JsonObject {
  const properties: JsonObject = {};
  for (const field of def.fields) properties[field.name] = fieldSchema(field, f);
  const s: JsonObject = {};
  if (def.description) s.description = def.description;
  s.properties = properties;
  if (def.required.length) s.required = [...def.required];
  s.type = 'object';
  if (def.gvk) s['x-kubernetes-group-version-kind'] = def.gvk.map(gvkJson);
  if (def.atomic) s['x-kubernetes-map-type'] = 'atomic';
  if (def.preserveUnknown) s['x-kubernetes-preserve-unknown-fields'] = true;
  return s;
}

export function definitionSchema(catalog: Catalog, name: string, f: Flavor): JsonObject | undefined {
  const def = catalog.get(name);
  if (!def) return undefined;
  if (def.kind === 'struct') return structSchema(def, f);
  const special = SPECIAL_DEFS[name];
  return { description: def.description, ...(special ? (special[f] as JsonObject) : {}) };
}

export function schemasFor(catalog: Catalog, roots: Iterable<string>, f: Flavor): JsonObject {
  const out: JsonObject = {};
  for (const name of catalog.closure(roots)) {
    const s = definitionSchema(catalog, name, f);
    if (s) out[name] = s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Paths

/** What the renderer needs to know about one served resource. */
export interface PathResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  subresources: readonly string[];
  verbs: readonly string[];
  /** Definition names of the object and its list. */
  defName: string;
  listDefName: string;
  /** Built-in kinds take strategic merge patch; generic (CRD-like) kinds do not. */
  strategicMerge: boolean;
}

interface Param {
  name: string;
  in: 'query' | 'path';
  description: string;
  type: 'string' | 'boolean' | 'integer';
  required?: boolean;
}

const P = {
  name: (kind: string): Param => ({ name: 'name', in: 'path', required: true, type: 'string', description: `name of the ${kind}` }),
  namespace: { name: 'namespace', in: 'path', required: true, type: 'string', description: 'object name and auth scope, such as for teams and projects' } as Param,
  pretty: {
    name: 'pretty',
    in: 'query',
    type: 'string',
    description: "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  } as Param,
  dryRun: {
    name: 'dryRun',
    in: 'query',
    type: 'string',
    description: 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  } as Param,
  fieldManager: {
    name: 'fieldManager',
    in: 'query',
    type: 'string',
    description: 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  } as Param,
  fieldValidation: {
    name: 'fieldValidation',
    in: 'query',
    type: 'string',
    description:
      'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  } as Param,
  force: {
    name: 'force',
    in: 'query',
    type: 'boolean',
    description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  } as Param,
  gracePeriodSeconds: {
    name: 'gracePeriodSeconds',
    in: 'query',
    type: 'integer',
    description: 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  } as Param,
  orphanDependents: {
    name: 'orphanDependents',
    in: 'query',
    type: 'boolean',
    description: 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  } as Param,
  propagationPolicy: {
    name: 'propagationPolicy',
    in: 'query',
    type: 'string',
    description: "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  } as Param,
};

const LIST_PARAMS: Param[] = [
  ['allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.'],
  ['continue', 'string', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.'],
  ['fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'],
  ['labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'],
  ['limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.'],
  ['resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'],
  ['resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'],
  ['sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.'],
  ['timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'],
  ['watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'],
].map(([name, type, description]) => ({ name, in: 'query', type, description }) as Param);

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** One operation before it is rendered in either flavor. */
interface Op {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  operationId: string;
  description: string;
  action: string;
  gvk: GVK;
  params: Param[];
  /** Request body schema (definition name), if any. */
  body?: string;
  bodyRequired?: boolean;
  patchTypes?: string[];
  /** Response definition names by status code; 'string' for text. */
  responses: Record<string, string>;
  stream?: boolean;
}

interface PathItem {
  path: string;
  params: Param[];
  ops: Op[];
}

/** 'rbac.authorization.k8s.io' → 'RbacAuthorization'; '' → 'Core'; 'stable.example.com' → 'StableExampleCom'. */
function groupCamel(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

export function gvTag(group: string, version: string): string {
  const g = groupCamel(group);
  return `${g.charAt(0).toLowerCase()}${g.slice(1)}_${version}`;
}

export function gvPrefix(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

const SCALE: GVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const STATUS_DEF = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';

/** Subresources whose body is another kind, and their GVK/definition. */
const SUB_KINDS: Record<string, { gvk: GVK; def: string }> = {
  binding: { gvk: { group: '', version: 'v1', kind: 'Binding' }, def: 'io.k8s.api.core.v1.Binding' },
  eviction: { gvk: { group: 'policy', version: 'v1', kind: 'Eviction' }, def: 'io.k8s.api.policy.v1.Eviction' },
};

const CONNECT_KINDS: Record<string, string> = {
  exec: 'PodExecOptions',
  attach: 'PodAttachOptions',
  portforward: 'PodPortForwardOptions',
};

export function buildPaths(r: PathResource): PathItem[] {
  const gv = groupCamel(r.group) + r.version.charAt(0).toUpperCase() + r.version.slice(1);
  const ns = r.namespaced ? 'Namespaced' : '';
  const gvk: GVK = { group: r.group, version: r.version, kind: r.kind };
  const can = (v: string): boolean => r.verbs.includes(v);
  const base = gvPrefix(r.group, r.version) + (r.namespaced ? '/namespaces/{namespace}' : '') + `/${r.plural}`;
  const scopeParams = r.namespaced ? [P.namespace] : [];
  const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
  const patchParams = [P.dryRun, P.fieldManager, P.fieldValidation, P.force];
  const deleteParams = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];
  const out: PathItem[] = [];

  const collection: Op[] = [];
  if (can('list') || can('watch')) {
    collection.push({ method: 'get', operationId: `list${gv}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, params: LIST_PARAMS, responses: { '200': r.listDefName }, stream: true });
  }
  if (can('create')) {
    collection.push({ method: 'post', operationId: `create${gv}${ns}${r.kind}`, description: `create a ${r.kind}`, action: 'post', gvk, params: writeParams, body: r.defName, bodyRequired: true, responses: { '200': r.defName, '201': r.defName, '202': r.defName } });
  }
  if (can('deletecollection')) {
    collection.push({ method: 'delete', operationId: `delete${gv}Collection${ns}${r.kind}`, description: `delete collection of ${r.kind}`, action: 'deletecollection', gvk, params: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...deleteParams], body: DELETE_OPTIONS, responses: { '200': STATUS_DEF } });
  }
  if (collection.length) out.push({ path: base, params: [...scopeParams, P.pretty], ops: collection });

  const itemParams = [P.name(r.kind), ...scopeParams, P.pretty];
  const item: Op[] = [];
  if (can('get')) item.push({ method: 'get', operationId: `read${gv}${ns}${r.kind}`, description: `read the specified ${r.kind}`, action: 'get', gvk, params: [], responses: { '200': r.defName } });
  if (can('update')) item.push({ method: 'put', operationId: `replace${gv}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, action: 'put', gvk, params: writeParams, body: r.defName, bodyRequired: true, responses: { '200': r.defName, '201': r.defName } });
  if (can('patch')) item.push(patchOp(`patch${gv}${ns}${r.kind}`, `partially update the specified ${r.kind}`, gvk, r.defName));
  if (can('delete')) item.push({ method: 'delete', operationId: `delete${gv}${ns}${r.kind}`, description: `delete a ${r.kind}`, action: 'delete', gvk, params: deleteParams, body: DELETE_OPTIONS, responses: { '200': STATUS_DEF, '202': STATUS_DEF } });
  if (item.length) out.push({ path: `${base}/{name}`, params: itemParams, ops: item });

  function patchOp(operationId: string, description: string, g: GVK, def: string): Op {
    const types = r.strategicMerge ? PATCH_TYPES : PATCH_TYPES.filter((t) => !t.startsWith('application/strategic'));
    return { method: 'patch', operationId, description, action: 'patch', gvk: g, params: patchParams, body: SPECIAL.patch, bodyRequired: true, patchTypes: types, responses: { '200': def, '201': def } };
  }

  for (const sub of r.subresources) {
    const Sub = sub.charAt(0).toUpperCase() + sub.slice(1);
    const path = `${base}/{name}/${sub}`;
    const ops: Op[] = [];
    if (sub === 'status' || sub === 'scale' || sub === 'ephemeralcontainers') {
      const g = sub === 'scale' ? SCALE : gvk;
      const def = sub === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : r.defName;
      const what = sub === 'ephemeralcontainers' ? 'ephemeralcontainers' : sub;
      ops.push({ method: 'get', operationId: `read${gv}${ns}${r.kind}${Sub}`, description: `read ${what} of the specified ${r.kind}`, action: 'get', gvk: g, params: [], responses: { '200': def } });
      ops.push({ method: 'put', operationId: `replace${gv}${ns}${r.kind}${Sub}`, description: `replace ${what} of the specified ${r.kind}`, action: 'put', gvk: g, params: writeParams, body: def, bodyRequired: true, responses: { '200': def, '201': def } });
      ops.push(patchOp(`patch${gv}${ns}${r.kind}${Sub}`, `partially update ${what} of the specified ${r.kind}`, g, def));
    } else if (SUB_KINDS[sub]) {
      const { gvk: g, def } = SUB_KINDS[sub];
      ops.push({ method: 'post', operationId: `create${gv}${ns}${r.kind}${Sub}`, description: `create ${sub} of a ${r.kind}`, action: 'post', gvk: g, params: writeParams, body: def, bodyRequired: true, responses: { '200': def, '201': def, '202': def } });
    } else if (sub === 'finalize') {
      ops.push({ method: 'put', operationId: `replace${gv}${ns}${r.kind}Finalize`, description: `replace finalize of the specified ${r.kind}`, action: 'put', gvk, params: writeParams, body: r.defName, bodyRequired: true, responses: { '200': r.defName, '201': r.defName } });
    } else if (sub === 'log') {
      const logParams: Param[] = [
        ['container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'],
        ['follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'],
        ['limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'],
        ['previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'],
        ['sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'],
        ['tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'],
        ['timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'],
      ].map(([name, type, description]) => ({ name, in: 'query', type, description }) as Param);
      ops.push({ method: 'get', operationId: `read${gv}${ns}${r.kind}Log`, description: `read log of the specified ${r.kind}`, action: 'get', gvk, params: logParams, responses: { '200': 'string' } });
    } else if (CONNECT_KINDS[sub] || sub === 'proxy') {
      const kindName = CONNECT_KINDS[sub] ?? `${r.kind}ProxyOptions`;
      const g: GVK = { group: r.group, version: r.version, kind: kindName };
      for (const method of ['get', 'post'] as const) {
        ops.push({ method, operationId: `connect${method === 'get' ? 'Get' : 'Post'}${gv}${ns}${r.kind}${Sub}`, description: `connect ${method.toUpperCase()} requests to ${sub} of ${r.kind}`, action: 'connect', gvk: g, params: [], responses: { '200': 'string' } });
      }
    }
    if (ops.length) out.push({ path, params: [P.name(r.kind), ...scopeParams, P.pretty], ops });
  }

  if (r.namespaced && can('list')) {
    out.push({
      path: `${gvPrefix(r.group, r.version)}/${r.plural}`,
      params: [...LIST_PARAMS, P.pretty],
      ops: [{ method: 'get', operationId: `list${gv}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, params: [], responses: { '200': r.listDefName }, stream: true }],
    });
  }
  return out;
}

/** Definition names the operations of these path items refer to. */
export function pathRefs(items: PathItem[]): string[] {
  const out: string[] = [];
  for (const it of items)
    for (const op of it.ops) {
      if (op.body) out.push(op.body);
      for (const d of Object.values(op.responses)) if (d !== 'string') out.push(d);
    }
  return out;
}

function paramV3(p: Param): JsonObject {
  const o: JsonObject = { description: p.description, in: p.in, name: p.name };
  if (p.required) o.required = true;
  o.schema = { type: p.type, uniqueItems: true };
  return o;
}

function paramV2(p: Param): JsonObject {
  const o: JsonObject = { description: p.description, in: p.in, name: p.name };
  if (p.required) o.required = true;
  o.type = p.type;
  o.uniqueItems = true;
  return o;
}

const JSON_TYPES = ['application/json'];
const STREAM_TYPES = ['application/json', 'application/json;stream=watch'];

function opV3(op: Op, tag: string): JsonObject {
  const o: JsonObject = { description: op.description, operationId: op.operationId };
  if (op.params.length) o.parameters = op.params.map(paramV3);
  if (op.body) {
    const content: JsonObject = {};
    for (const t of op.patchTypes ?? ['*/*']) content[t] = { schema: { $ref: `#/components/schemas/${op.body}` } };
    o.requestBody = op.bodyRequired ? { content, required: true } : { content };
  }
  const responses: JsonObject = {};
  for (const [code, def] of Object.entries(op.responses)) {
    const content: JsonObject = {};
    if (def === 'string') content['*/*'] = { schema: { type: 'string' } };
    else for (const t of op.stream ? STREAM_TYPES : JSON_TYPES) content[t] = { schema: { $ref: `#/components/schemas/${def}` } };
    responses[code] = { content, description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK' };
  }
  responses['401'] = { description: 'Unauthorized' };
  o.responses = responses;
  o.tags = [tag];
  o['x-kubernetes-action'] = op.action;
  o['x-kubernetes-group-version-kind'] = gvkJson(op.gvk);
  return o;
}

function opV2(op: Op, tag: string): JsonObject {
  const o: JsonObject = { consumes: op.patchTypes ?? ['*/*'], description: op.description, operationId: op.operationId };
  const params = op.params.map(paramV2);
  if (op.body) params.unshift({ in: 'body', name: 'body', required: !!op.bodyRequired, schema: { $ref: `#/definitions/${op.body}` } });
  if (params.length) o.parameters = params;
  o.produces = op.responses['200'] === 'string' ? ['*/*'] : op.stream ? STREAM_TYPES : JSON_TYPES;
  const responses: JsonObject = {};
  for (const [code, def] of Object.entries(op.responses)) {
    const desc = code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK';
    responses[code] = def === 'string' ? { description: desc, schema: { type: 'string' } } : { description: desc, schema: { $ref: `#/definitions/${def}` } };
  }
  responses['401'] = { description: 'Unauthorized' };
  o.responses = responses;
  o.schemes = ['https'];
  o.tags = [tag];
  o['x-kubernetes-action'] = op.action;
  o['x-kubernetes-group-version-kind'] = gvkJson(op.gvk);
  return o;
}

export function renderPaths(items: PathItem[], tag: string, f: Flavor): JsonObject {
  const out: JsonObject = {};
  for (const it of items) {
    const p: JsonObject = {};
    for (const op of it.ops) p[op.method] = f === 'v3' ? opV3(op, tag) : opV2(op, tag);
    p.parameters = it.params.map(f === 'v3' ? paramV3 : paramV2);
    out[it.path] = p;
  }
  return out;
}

/** GET <gv>/ — the discovery document of the group version. */
export function discoveryPath(group: string, version: string, tag: string, f: Flavor): JsonObject {
  const def = 'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList';
  const g = groupCamel(group) + version.charAt(0).toUpperCase() + version.slice(1);
  const op: JsonObject =
    f === 'v3'
      ? {
          description: 'get available resources',
          operationId: `get${g}APIResources`,
          responses: { '200': { content: { 'application/json': { schema: { $ref: `#/components/schemas/${def}` } } }, description: 'OK' }, '401': { description: 'Unauthorized' } },
          tags: [tag],
        }
      : {
          consumes: ['application/json'],
          description: 'get available resources',
          operationId: `get${g}APIResources`,
          produces: ['application/json'],
          responses: { '200': { description: 'OK', schema: { $ref: `#/definitions/${def}` } }, '401': { description: 'Unauthorized' } },
          schemes: ['https'],
          tags: [tag],
        };
  return { [`${gvPrefix(group, version)}/`]: { get: op } };
}
