/**
 * A neutral, typed model of every Kubernetes definition client-node knows, keyed by the real
 * definition name. The OpenAPI v2/v3 renderers and the body validator all read this model, so
 * what `kubectl explain` shows and what the server rejects cannot drift apart.
 */
import { ModelSource, type RawAttr } from './models.js';
import { Namer, groupOfPkg, splitClass } from './names.js';
import {
  ANY_FIELDS,
  ATOMIC_STRUCTS,
  FIELD_META,
  FIELD_PATCH,
  QUANTITY_FIELDS,
  SPECIAL,
  SPECIAL_DEFS,
  STANDARD_DESCRIPTIONS,
  type ListMeta,
} from './overrides.js';

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export type TypeRef =
  | { t: 'string'; format?: 'byte' }
  | { t: 'integer'; format: 'int32' | 'int64' }
  | { t: 'number'; format?: 'double' }
  | { t: 'boolean' }
  | { t: 'ref'; name: string }
  | { t: 'array'; items: TypeRef }
  | { t: 'map'; values: TypeRef }
  /** Anything goes (x-kubernetes-preserve-unknown-fields objects of generic kinds). */
  | { t: 'free' };

export interface FieldDef extends ListMeta {
  /** JSON name. */
  name: string;
  type: TypeRef;
  description?: string;
}

export interface StructDef {
  kind: 'struct';
  name: string;
  description?: string;
  fields: FieldDef[];
  required: string[];
  gvk?: GVK[];
  /** x-kubernetes-map-type / structType atomic. */
  atomic?: boolean;
  /** Generic kinds (no known schema): unknown fields allowed everywhere but metadata. */
  preserveUnknown?: boolean;
}

/** Leaf types with their own JSON handling: Time, Quantity, IntOrString, RawExtension… */
export interface SpecialDef {
  kind: 'special';
  name: string;
  description: string;
}

export type TypeDef = StructDef | SpecialDef;

/** Short Go-ish type name used in decode errors: v1.PodSpec, intstr.IntOrString. */
export function goTypeName(defName: string): string {
  const parts = defName.split('.');
  return parts.slice(-2).join('.');
}

export function shortName(defName: string): string {
  return defName.slice(defName.lastIndexOf('.') + 1);
}

const MAP_RE = /^\{ \[key: string\]: (.*); \}$/;
const ARRAY_RE = /^Array<(.*)>$/;

export class Catalog {
  readonly models: ModelSource;
  readonly namer: Namer;
  private readonly defs = new Map<string, TypeDef>();
  /** definition name → client-node class. */
  private readonly classOf = new Map<string, string>();

  constructor(models: ModelSource = new ModelSource()) {
    this.models = models;
    this.namer = new Namer(models);
    for (const cls of models.all().keys()) {
      const d = this.namer.def(cls);
      if (d && !this.classOf.has(d.name)) this.classOf.set(d.name, cls);
    }
    const info = this.namer.def('VersionInfo');
    if (info) this.classOf.set(info.name, 'VersionInfo');
  }

  /** Definition name of a built-in kind, e.g. ('apps','v1','Deployment') → io.k8s.api.apps.v1.Deployment. */
  kindDefName(group: string, version: string, kind: string): string | undefined {
    const cls = this.namer.classFor(group, version, kind);
    return cls ? this.namer.def(cls)?.name : undefined;
  }

  has(name: string): boolean {
    return this.classOf.has(name) || name in SPECIAL_DEFS || this.defs.has(name);
  }

  /** Registers a definition not backed by client-node (generic kinds of the registry). */
  define(def: TypeDef): void {
    this.defs.set(def.name, def);
  }

  get(name: string): TypeDef | undefined {
    const hit = this.defs.get(name);
    if (hit) return hit;
    let def: TypeDef | undefined;
    const special = SPECIAL_DEFS[name];
    if (special) def = { kind: 'special', name, description: special.description };
    else {
      const cls = this.classOf.get(name);
      if (cls) def = this.build(cls, name);
    }
    if (def) this.defs.set(name, def);
    return def;
  }

  /** Names of every definition reachable from `roots` (including them), sorted. */
  closure(roots: Iterable<string>): string[] {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      const def = this.get(n);
      if (!def) continue;
      seen.add(n);
      if (def.kind === 'struct') for (const f of def.fields) collectRefs(f.type, stack);
    }
    return [...seen].sort();
  }

  private build(cls: string, name: string): StructDef {
    const attrs = this.models.attrs(cls) ?? [];
    const doc = this.models.doc(cls);
    const pkg = this.namer.pkg(cls) ?? 'core';
    const key = `${pkg}.${shortName(name)}`;
    const fields: FieldDef[] = [];
    const required: string[] = [];
    for (const a of attrs) {
      const pd = doc.props.get(a.name);
      const type = this.fieldType(a, key, pd?.tsType ?? '');
      const f: FieldDef = { name: a.baseName, type };
      let description = pd?.description;
      // For $ref fields the generator copies the referenced type's description (MicroTime) or drops it.
      if (type.t === 'ref' && description && sameText(description, this.typeDescription(type.name))) description = undefined;
      if (!description && a.baseName === 'metadata' && type.t === 'ref') {
        if (type.name.endsWith('.ObjectMeta')) description = STANDARD_DESCRIPTIONS.objectMeta;
        else if (type.name.endsWith('.ListMeta')) description = STANDARD_DESCRIPTIONS.listMeta;
      }
      if (description) f.description = description;
      const lm = FIELD_META[key]?.[a.baseName] ?? this.conditionsMeta(a.baseName, type);
      if (lm) Object.assign(f, lm);
      const ps = FIELD_PATCH[key]?.[a.baseName];
      if (ps) f.patchStrategy = ps;
      fields.push(f);
      if (pd && !pd.optional) required.push(a.baseName);
    }
    const def: StructDef = { kind: 'struct', name, fields, required };
    if (doc.description) def.description = doc.description;
    if (ATOMIC_STRUCTS.has(key)) def.atomic = true;
    const gvk = this.gvkOf(cls, pkg);
    if (gvk) def.gvk = [gvk];
    return def;
  }

  /** Description of a definition as client-node words it (for spotting copied descriptions). */
  private typeDescription(name: string): string | undefined {
    const cls = this.classOf.get(name);
    if (cls) return this.models.doc(cls).description;
    if (name === SPECIAL.intOrString) return 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.';
    return SPECIAL_DEFS[name]?.description;
  }

  private gvkOf(cls: string, pkg: string): GVK | undefined {
    const sp = splitClass(cls);
    if (!sp) return undefined;
    if (this.namer.topLevel.has(cls) || cls === 'V1Scale' || cls === 'V1Eviction') {
      return { group: groupOfPkg(pkg), version: sp.version, kind: sp.short };
    }
    // apimachinery kinds that travel on the wire with apiVersion v1.
    if (pkg === 'meta' && ['Status', 'APIResourceList', 'APIGroupList', 'APIGroup', 'APIVersions', 'DeleteOptions', 'WatchEvent'].includes(sp.short)) {
      return { group: '', version: 'v1', kind: sp.short };
    }
    return undefined;
  }

  /** Status conditions are merged by type all over the API. */
  private conditionsMeta(field: string, type: TypeRef): ListMeta | undefined {
    if (field !== 'conditions' || type.t !== 'array' || type.items.t !== 'ref') return undefined;
    const item = this.get(type.items.name);
    if (item?.kind !== 'struct' || !item.fields.some((f) => f.name === 'type')) return undefined;
    return { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] };
  }

  private fieldType(a: RawAttr, key: string, tsType: string): TypeRef {
    if (QUANTITY_FIELDS[key]?.includes(a.baseName)) {
      return wrapLike(a.type, { t: 'ref', name: SPECIAL.quantity });
    }
    if (a.type === 'any' || a.type === 'Array<any>' || a.type === '{ [key: string]: any; }') {
      const named = ANY_FIELDS[key]?.[a.baseName];
      const leaf: TypeRef = { t: 'ref', name: named ? SPECIAL.apiextensions + named : SPECIAL.rawExtension };
      if (named === 'FieldsV1') leaf.name = SPECIAL.fieldsV1;
      return wrapLike(a.type, leaf);
    }
    return this.conv(a.type, a.format, tsType.includes('V1MicroTime'));
  }

  private conv(type: string, format: string, micro: boolean): TypeRef {
    const arr = ARRAY_RE.exec(type);
    if (arr) return { t: 'array', items: this.conv(arr[1], format, micro) };
    const map = MAP_RE.exec(type);
    if (map) return { t: 'map', values: this.conv(map[1], format, micro) };
    switch (type) {
      case 'string':
        return format === 'byte' ? { t: 'string', format: 'byte' } : { t: 'string' };
      case 'number':
        if (format === 'int32' || format === 'int64') return { t: 'integer', format };
        return { t: 'number', format: 'double' };
      case 'boolean':
        return { t: 'boolean' };
      case 'Date':
        return { t: 'ref', name: micro ? SPECIAL.microTime : SPECIAL.time };
      case 'V1MicroTime':
        return { t: 'ref', name: SPECIAL.microTime };
      case 'IntOrString':
        return { t: 'ref', name: SPECIAL.intOrString };
      case 'any':
        return { t: 'ref', name: SPECIAL.rawExtension };
    }
    const d = this.namer.def(type);
    if (d) return { t: 'ref', name: d.name };
    return { t: 'free' };
  }
}

function sameText(a: string, b: string | undefined): boolean {
  const norm = (x: string): string => x.replace(/\s+/g, ' ').trim();
  return b !== undefined && norm(a) === norm(b);
}

/** Keeps the array/map shape of a client-node type around a replacement leaf. */
function wrapLike(type: string, leaf: TypeRef): TypeRef {
  if (ARRAY_RE.test(type)) return { t: 'array', items: leaf };
  if (MAP_RE.test(type)) return { t: 'map', values: leaf };
  return leaf;
}

export function collectRefs(t: TypeRef, out: string[]): void {
  if (t.t === 'ref') out.push(t.name);
  else if (t.t === 'array') collectRefs(t.items, out);
  else if (t.t === 'map') collectRefs(t.values, out);
}

let shared: Catalog | undefined;
/** Process-wide catalog, built on first use (≈100–200 ms of file reads), never at import. */
export function sharedCatalog(): Catalog {
  return (shared ??= new Catalog());
}
