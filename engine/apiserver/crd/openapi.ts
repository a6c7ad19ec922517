/**
 * OpenAPI for custom resources: each CRD version's openAPIV3Schema becomes catalog definitions
 * (so `/openapi/v3/apis/<group>/<version>` documents it and `kubectl explain <kind>.spec` walks
 * it), and the server's OpenAPIProvider is swapped for one whose resource set follows the
 * registry (OpenAPI.setResources on every registry change).
 *
 * Nested object schemas become their own definitions named `<root>.<path>.Object`, so `kubectl
 * explain` prints them as `<Object>` like the inline schemas a real apiserver publishes.
 */
import type { Registry, ResourceDef } from '../../api/registry.js';
import type { JSONSchemaProps } from '../../api/resources/crd.js';
import { OpenAPI, parseFieldValidation, warningHeader } from '../openapi/index.js';
import { sharedCatalog, type FieldDef, type StructDef, type TypeRef } from '../openapi/catalog.js';
import { defPrefix, pkgOfGroup } from '../openapi/names.js';
import type { ApiFeatures } from '../features.js';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** The definition name the OpenAPI module gives a kind without a built-in schema. */
export function crDefName(group: string, version: string, kind: string): string {
  const pkg = pkgOfGroup(group);
  const prefix = pkg ? defPrefix(pkg, version) : `${group.split('.').reverse().join('.')}.${version}`;
  return `${prefix}.${kind}`;
}

function typeOf(s: JSONSchemaProps | undefined, name: string, define: (d: StructDef) => void): TypeRef {
  if (!s) return { t: 'free' };
  if (s['x-kubernetes-int-or-string']) return { t: 'ref', name: INT_OR_STRING };
  switch (s.type) {
    case 'string':
      return s.format === 'byte' ? { t: 'string', format: 'byte' } : { t: 'string' };
    case 'integer':
      return { t: 'integer', format: s.format === 'int32' ? 'int32' : 'int64' };
    case 'number':
      return { t: 'number', format: 'double' };
    case 'boolean':
      return { t: 'boolean' };
    case 'array':
      return { t: 'array', items: typeOf(s.items, name, define) };
    case 'object':
    case undefined:
      if (s.properties && Object.keys(s.properties).length) {
        const def = structOf(s, `${name}.Object`, define);
        define(def);
        return { t: 'ref', name: def.name };
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return { t: 'map', values: typeOf(s.additionalProperties, `${name}.additional`, define) };
      return { t: 'free' };
  }
  return { t: 'free' };
}

function structOf(s: JSONSchemaProps, name: string, define: (d: StructDef) => void): StructDef {
  const base = name.endsWith('.Object') ? name.slice(0, -'.Object'.length) : name;
  const fields: FieldDef[] = Object.entries(s.properties ?? {}).map(([k, ps]) => {
    const f: FieldDef = { name: k, type: typeOf(ps, `${base}.${k}`, define) };
    if (ps.description) f.description = ps.description;
    if (ps['x-kubernetes-list-type']) f.listType = ps['x-kubernetes-list-type'] as FieldDef['listType'];
    if (ps['x-kubernetes-list-map-keys']) f.listMapKeys = ps['x-kubernetes-list-map-keys'];
    return f;
  });
  const def: StructDef = { kind: 'struct', name, fields, required: [...(s.required ?? [])] };
  if (s.description) def.description = s.description;
  if (s['x-kubernetes-preserve-unknown-fields']) def.preserveUnknown = true;
  return def;
}

/** Defines the catalog entries of one CR version (root + nested objects). */
export function defineSchema(def: ResourceDef, schema: JSONSchemaProps | undefined): void {
  const catalog = sharedCatalog();
  const name = crDefName(def.group, def.version, def.kind);
  const define = (d: StructDef) => catalog.define(d);
  const root = schema ? structOf(schema, name, define) : { kind: 'struct' as const, name, fields: [], required: [], preserveUnknown: true };
  const own = new Set(root.fields.map((f) => f.name));
  const std: FieldDef[] = [
    { name: 'apiVersion', type: { t: 'string' }, description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources' },
    { name: 'kind', type: { t: 'string' }, description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
    { name: 'metadata', type: { t: 'ref', name: OBJECT_META }, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
  ];
  root.fields = [...std.filter((f) => !own.has(f.name) || f.name === 'metadata'), ...root.fields.filter((f) => f.name !== 'metadata')];
  root.fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  root.gvk = [{ group: def.group, version: def.version, kind: def.kind }];
  catalog.define(root);
}

/** Reports the undeclared fields of a custom resource body. */
export type CustomDecoder = (def: ResourceDef, obj: unknown) => string[];

/**
 * Replaces `features.openapi` with a provider over a registry-following OpenAPI instance.
 * `unknownFields` reports a custom resource body's undeclared fields (for fieldValidation).
 * Returns the function to call after the served resources changed.
 */
export function installOpenAPI(registry: Registry, features: ApiFeatures, unknownFields: CustomDecoder): () => void {
  const builtin = features.openapi;
  if (!builtin) return () => {};
  const openapi = new OpenAPI(registry.all());
  features.openapi = {
    serve: (method, url, headers) => openapi.handle({ method, url, headers }),
    decode(apiVersion, kind, obj, fieldValidation) {
      const def = registry.byApiVersionKind(apiVersion, kind);
      if (!def?.crd) return builtin.decode(apiVersion, kind, obj, fieldValidation);
      const directive = parseFieldValidation(fieldValidation);
      if (!directive) return { error: `fieldValidation must be one of "Ignore", "Warn", "Strict" (got ${JSON.stringify(fieldValidation)})`, warnings: [] };
      const unknown = unknownFields(def, obj);
      if (!unknown.length || directive === 'Ignore') return { warnings: [] };
      const version = def.version;
      if (directive === 'Strict') {
        return { error: `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${unknown.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`, warnings: [] };
      }
      return { warnings: unknown.map((p) => warningHeader(`unknown field ${JSON.stringify(p)}`)) };
    },
  };
  return () => openapi.setResources(registry.all());
}
