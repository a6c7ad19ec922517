/**
 * The registry of kinds: every resource the API server serves is declared here once (group,
 * versions, scope, names, verbs, subresources, printer columns, defaults, validation, field
 * selectors). The API server, discovery, OpenAPI, Table output and the in-process client are
 * all driven from these declarations — there is no hand-written handler per kind.
 */
import type { KubeObject, StatusCause } from './types.js';

export type Subresource = 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'attach' | 'portforward' | 'eviction' | 'proxy' | 'finalize' | 'ephemeralcontainers';

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
export type Verb = (typeof ALL_VERBS)[number];

/** How `scale` maps to the object: `autoscaling/v1 Scale` is built from these paths. */
export interface ScaleSpec {
  /** Path of spec.replicas; default ['spec','replicas']. */
  specReplicasPath?: string[];
  statusReplicasPath?: string[];
  /** Returns the label selector string for status.selector. */
  selector?: (obj: KubeObject) => string;
}

export interface ResourceDef {
  /** API group, '' for the core group. */
  group: string;
  /** The version objects are stored and served in. */
  version: string;
  kind: string;
  /** Lower-case plural, the URL segment: "deployments". */
  plural: string;
  /** Lower-case singular: "deployment". */
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to every verb. */
  verbs?: readonly Verb[];
  subresources?: Subresource[];
  /**
   * Whether the object has a spec/status split; if so, status is only written through the
   * status subresource and generation bumps on every non-metadata, non-status change.
   */
  hasStatus?: boolean;
  scale?: ScaleSpec;
  /** Fills in defaults, in place, on create and update (like the Go defaulters). */
  defaults?: (obj: KubeObject) => void;
  /** Validation beyond the generic metadata checks; returns field causes for a 422. */
  validate?: (obj: KubeObject, old?: KubeObject) => StatusCause[];
  /** Extra field-selector values beyond metadata.name / metadata.namespace. */
  fields?: (obj: KubeObject) => Record<string, string | undefined>;
  /** Fields set by the server on create (e.g. clusterIP allocation) run after defaults. */
  /** True for kinds whose objects have no metadata.generation bump (e.g. ConfigMap data). */
  noGeneration?: boolean;
}

export interface GroupVersion {
  group: string;
  version: string;
}

export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function groupResource(r: ResourceDef): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/**
 * Holds the ResourceDefs and answers the lookups the API server needs. A resource may be served
 * under more than one version of its group (e.g. autoscaling/v1 and v2); `alias` entries carry
 * the extra versions and point at the same storage.
 */
export class Registry {
  private readonly byKey = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();
  private readonly list: ResourceDef[] = [];

  add(def: ResourceDef): this {
    const k = `${def.group}/${def.version}/${def.plural}`;
    if (this.byKey.has(k)) throw new Error(`resource ${k} declared twice`);
    this.byKey.set(k, def);
    this.byKind.set(`${def.group}/${def.version}/${def.kind}`, def);
    if (!this.byKind.has(`${def.group}//${def.kind}`)) this.byKind.set(`${def.group}//${def.kind}`, def);
    this.list.push(def);
    return this;
  }

  /** The resource served at /apis/<group>/<version>/<plural>. */
  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byKey.get(`${group}/${version}/${plural}`);
  }

  /** By apiVersion + kind, as found in an object body. */
  byApiVersionKind(apiVersion: string, kind: string): ResourceDef | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** The preferred resource of a kind in a group, whatever the version. */
  byGroupKind(group: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}//${kind}`);
  }

  all(): readonly ResourceDef[] {
    return this.list;
  }

  /** Group versions in declaration order, with the resources each serves. */
  groupVersions(): { group: string; version: string; resources: ResourceDef[] }[] {
    const out = new Map<string, { group: string; version: string; resources: ResourceDef[] }>();
    for (const r of this.list) {
      const k = `${r.group}/${r.version}`;
      let gv = out.get(k);
      if (!gv) out.set(k, (gv = { group: r.group, version: r.version, resources: [] }));
      gv.resources.push(r);
    }
    return [...out.values()];
  }

  /** Groups (non-core) in order, each with its versions, preferred first. */
  groups(): { name: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const r of this.list) {
      if (!r.group) continue;
      const vs = out.get(r.group) ?? [];
      if (!vs.includes(r.version)) vs.push(r.version);
      out.set(r.group, vs);
    }
    return [...out].map(([name, versions]) => ({ name, versions }));
  }
}

/** The etcd-style key of an object: /registry/<group or core>/<plural>/<namespace>/<name>. */
export function storageKey(def: ResourceDef, namespace: string | undefined, name: string): string {
  return `${storagePrefix(def)}${def.namespaced ? `${namespace}/` : ''}${name}`;
}

/** Key prefix for listing; with a namespace, only that namespace's objects. */
export function storagePrefix(def: ResourceDef, namespace?: string): string {
  const base = `/registry/${def.group || 'core'}/${storagePlural(def)}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** Resources served under several versions share one storage bucket keyed by the plural. */
function storagePlural(def: ResourceDef): string {
  return def.plural;
}
