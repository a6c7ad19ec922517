/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition: the shape Skiff reads, its defaults and the
 * validation the real apiserver applies (k8s.io/apiextensions-apiserver
 * pkg/apis/apiextensions/validation), as far as a kind/k3d user is likely to trip over it:
 * name = plural.group, names, scope, exactly one storage version, a structural
 * openAPIV3Schema per version, printer columns and subresource paths. Serving the custom
 * resources themselves is engine/apiserver/crd/.
 */
import type { KubeObject, StatusCause } from '../types.js';
import { isPlainObject } from '../types.js';
import { validateDNS1123Label, validateDNS1123Subdomain } from '../validation.js';

type Obj = Record<string, unknown>;

/** A JSON schema node as a CRD carries it (JSONSchemaProps). */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: unknown[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CRDVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Obj; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CRDNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CustomResourceDefinition extends KubeObject {
  spec: {
    group: string;
    names: CRDNames;
    scope: 'Namespaced' | 'Cluster';
    versions: CRDVersion[];
    conversion?: { strategy: string };
    preserveUnknownFields?: boolean;
  };
  status?: {
    acceptedNames?: Partial<CRDNames>;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    storedVersions?: string[];
  };
}

const PRINTER_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

export function defaultCRD(o: KubeObject): void {
  const spec = (o.spec = isPlainObject(o.spec) ? o.spec : {});
  const names = (spec.names = isPlainObject(spec.names) ? spec.names : {});
  if (typeof names.kind === 'string') {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const status = (o.status = isPlainObject(o.status) ? o.status : {});
  status.acceptedNames ??= { kind: '', plural: '' };
  status.storedVersions ??= [];
}

function req(out: StatusCause[], v: unknown, field: string): boolean {
  if (v === undefined || v === null || v === '') {
    out.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
    return false;
  }
  return true;
}

function bad(out: StatusCause[], field: string, value: unknown, why: string): void {
  out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
}

export function validateCRD(o: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = isPlainObject(o.spec) ? o.spec : {};
  const names = isPlainObject(spec.names) ? spec.names : {};
  const group = spec.group;
  if (req(out, group, 'spec.group') && typeof group === 'string') {
    for (const e of validateDNS1123Subdomain(group)) bad(out, 'spec.group', group, e);
    if (!group.includes('.')) bad(out, 'spec.group', group, 'should be a domain with at least one dot');
  }
  const plural = names.plural;
  if (req(out, plural, 'spec.names.plural') && typeof plural === 'string') for (const e of validateDNS1123Label(plural)) bad(out, 'spec.names.plural', plural, e);
  if (typeof names.singular === 'string') for (const e of validateDNS1123Label(names.singular)) bad(out, 'spec.names.singular', names.singular, e);
  if (req(out, names.kind, 'spec.names.kind') && typeof names.kind === 'string' && !/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) {
    bad(out, 'spec.names.kind', names.kind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?');
  }
  if (typeof names.listKind === 'string' && names.listKind === names.kind) bad(out, 'spec.names.listKind', names.listKind, 'kind and listKind may not be the same');
  for (const s of Array.isArray(names.shortNames) ? names.shortNames : []) if (typeof s === 'string') for (const e of validateDNS1123Label(s)) bad(out, 'spec.names.shortNames', s, e);
  if (typeof plural === 'string' && typeof group === 'string' && o.metadata.name !== `${plural}.${group}`) {
    bad(out, 'metadata.name', o.metadata.name, 'must be spec.names.plural+"."+spec.group');
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    if (spec.scope === undefined || spec.scope === '') out.push({ reason: 'FieldValueRequired', field: 'spec.scope', message: 'Required value' });
    else out.push({ reason: 'FieldValueNotSupported', field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"` });
  }
  if (old && isPlainObject(old.spec) && old.spec.scope !== spec.scope) bad(out, 'spec.scope', spec.scope, 'field is immutable');
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) out.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: null: must have exactly one version marked as storage version' });
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((raw, i) => {
    const path = `spec.versions[${i}]`;
    const v = isPlainObject(raw) ? raw : {};
    if (req(out, v.name, `${path}.name`) && typeof v.name === 'string') {
      for (const e of validateDNS1123Label(v.name)) bad(out, `${path}.name`, v.name, e);
      if (seen.has(v.name)) out.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: `Invalid value: ${JSON.stringify(versions)}: must contain unique version names` });
      seen.add(v.name);
    }
    if (v.storage === true) storage++;
    const schema = isPlainObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isPlainObject(schema)) out.push({ reason: 'FieldValueRequired', field: `${path}.schema.openAPIV3Schema`, message: 'Required value: schemas are required' });
    else {
      if (schema.type !== 'object') {
        if (schema.type === undefined) out.push({ reason: 'FieldValueRequired', field: `${path}.schema.openAPIV3Schema.type`, message: 'Required value: must not be empty at the root' });
        else bad(out, `${path}.schema.openAPIV3Schema.type`, schema.type, 'must be object at the root');
      }
      structural(schema, `${path}.schema.openAPIV3Schema`, out, true);
    }
    const cols = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
    cols.forEach((c, j) => {
      const col = isPlainObject(c) ? c : {};
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      req(out, col.name, `${cp}.name`);
      if (req(out, col.type, `${cp}.type`) && !PRINTER_TYPES.includes(col.type as string)) {
        out.push({ reason: 'FieldValueNotSupported', field: `${cp}.type`, message: `Unsupported value: ${JSON.stringify(col.type)}: supported values: "boolean", "date", "integer", "number", "string"` });
      }
      if (req(out, col.jsonPath, `${cp}.jsonPath`) && typeof col.jsonPath === 'string' && !col.jsonPath.startsWith('.')) bad(out, `${cp}.jsonPath`, col.jsonPath, 'must be a simple json path starting with .');
    });
    const sub = isPlainObject(v.subresources) ? v.subresources : {};
    if (isPlainObject(sub.scale)) {
      const sc = sub.scale;
      if (typeof sc.specReplicasPath !== 'string' || !sc.specReplicasPath.startsWith('.spec.')) bad(out, `${path}.subresources.scale.specReplicasPath`, sc.specReplicasPath ?? '', 'should be a json path under .spec');
      if (typeof sc.statusReplicasPath !== 'string' || !sc.statusReplicasPath.startsWith('.status.')) bad(out, `${path}.subresources.scale.statusReplicasPath`, sc.statusReplicasPath ?? '', 'should be a json path under .status');
      if (sc.labelSelectorPath !== undefined && (typeof sc.labelSelectorPath !== 'string' || !/^\.(spec|status)\./.test(sc.labelSelectorPath))) {
        bad(out, `${path}.subresources.scale.labelSelectorPath`, sc.labelSelectorPath, 'should be a json path under either .spec or .status');
      }
    }
  });
  if (versions.length && storage !== 1) bad(out, 'spec.versions', versions, 'must have exactly one version marked as storage version');
  const conv = isPlainObject(spec.conversion) ? spec.conversion : {};
  if (conv.strategy !== undefined && conv.strategy !== 'None' && conv.strategy !== 'Webhook') {
    out.push({ reason: 'FieldValueNotSupported', field: 'spec.conversion.strategy', message: `Unsupported value: ${JSON.stringify(conv.strategy)}: supported values: "None", "Webhook"` });
  }
  return out;
}

/**
 * The structural-schema rules (apiextensions' structuralschema validation, the common subset):
 * every specified node has a type unless it is int-or-string or preserves unknown fields;
 * `properties` and `additionalProperties` exclude each other; arrays have items.
 */
function structural(s: Obj, path: string, out: StatusCause[], root: boolean): void {
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s.type === undefined || s.type === '') {
    if (!intOrString && !preserve && !root) out.push({ reason: 'FieldValueRequired', field: `${path}.type`, message: 'Required value: must not be empty for specified object fields' });
  } else if (typeof s.type !== 'string' || !SCHEMA_TYPES.includes(s.type)) {
    out.push({ reason: 'FieldValueNotSupported', field: `${path}.type`, message: `Unsupported value: ${JSON.stringify(s.type)}: supported values: "array", "boolean", "integer", "number", "object", "string"` });
  }
  if (isPlainObject(s.properties) && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    out.push({ reason: 'FieldValueForbidden', field: `${path}.additionalProperties`, message: 'Forbidden: additionalProperties and properties are mutual exclusive' });
  }
  if (s.type === 'array' && !isPlainObject(s.items)) out.push({ reason: 'FieldValueRequired', field: `${path}.items`, message: 'Required value: must be specified' });
  if (isPlainObject(s.properties)) {
    for (const [k, v] of Object.entries(s.properties)) if (isPlainObject(v)) structural(v, `${path}.properties[${k}]`, out, false);
  }
  if (isPlainObject(s.items)) structural(s.items, `${path}.items`, out, false);
  if (isPlainObject(s.additionalProperties)) structural(s.additionalProperties, `${path}.additionalProperties`, out, false);
  if (root && isPlainObject(s.properties) && isPlainObject(s.properties.metadata)) {
    const m = s.properties.metadata;
    const keys = Object.keys(m).filter((k) => k !== 'type' && k !== 'description' && k !== 'properties');
    const props = isPlainObject(m.properties) ? Object.keys(m.properties).filter((k) => k !== 'name' && k !== 'generateName') : [];
    if (keys.length || props.length) out.push({ reason: 'FieldValueForbidden', field: `${path}.properties[metadata]`, message: 'Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified' });
  }
}
