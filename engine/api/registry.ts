/**
 * The registry of kinds: every resource the API server serves is declared here once (group,
 * versions, scope, names, verbs, subresources, printer columns, defaults, validation, field
 * selectors). The API server, discovery, OpenAPI, Table output and the in-process client are
 * all driven from these declarations — there is no hand-written handler per kind.
 */
import type { KubeObject, StatusCause } from './types.js';

export type Subresource = 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'attach' | 'portforward' | 'eviction' | 'proxy' | 'finalize' | 'ephemeralcontainers' | 'token';

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
  /**
   * Validation beyond the generic metadata checks; returns field causes for a 422. `old` is
   * the stored object on update (immutability checks); `ctx.subresource` names the
   * subresource written through ('status', 'binding').
   */
  validate?: (obj: KubeObject, old?: KubeObject, ctx?: { subresource?: string }) => StatusCause[];
  /** Extra field-selector values beyond metadata.name / metadata.namespace. */
  fields?: (obj: KubeObject) => Record<string, string | undefined>;
  /** True for kinds whose objects have no metadata.generation bump (e.g. ConfigMap data). */
  noGeneration?: boolean;
  /**
   * For a resource served at several versions (autoscaling/v1 and v2 HPAs, the versions of a
   * CRD): the version its objects are stored at — another ResourceDef with the same group and
   * plural, which shares the storage bucket. The API server converts on the way in and out
   * with `convert`; the in-process client only ever sees the storage version.
   */
  storageVersion?: string;
  /**
   * Converts an object of this resource to another of its versions (apiVersion included).
   * Also used to normalize objects stored under an older storage version.
   */
  convert?: (obj: KubeObject, toVersion: string) => KubeObject;
  /**
   * Resources without storage (TokenReview, SelfSubjectAccessReview…): the only verb is
   * `create`, whose answer the API server computes (engine/apiserver/authz/reviews.ts).
   */
  virtual?: boolean;
  /**
   * Table output of this resource when it is not the kind's shared printer (custom resources
   * with additionalPrinterColumns differ per version). Rows carry `object` per includeObject.
   */
  table?: (objects: KubeObject[], opts: { includeObject: 'None' | 'Metadata' | 'Object'; now: Date }) => { columnDefinitions: unknown[]; rows: unknown[] };
  /** Finalizers the server adds when deletion starts (a CRD's customresourcecleanup). */
  deleteFinalizers?: string[];
  /** Object name rule; default: the kind's usual rule (DNS subdomain for most kinds). */
  nameRule?: 'subdomain' | 'label' | 'path-segment';
  /** The CustomResourceDefinition this resource comes from (dynamic resources only). */
  crd?: { name: string; uid?: string };
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
 * under more than one version of its group (e.g. autoscaling/v1 and v2): the extra versions name
 * their `storageVersion` and share its storage. Custom resources come and go at run time
 * (add/remove/replace); caches built from the registry watch `generation` or `onChange`.
 */
export class Registry {
  private readonly byKey = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();
  private list: ResourceDef[] = [];
  private gen = 0;
  private readonly listeners = new Set<() => void>();

  add(def: ResourceDef): this {
    const k = `${def.group}/${def.version}/${def.plural}`;
    if (this.byKey.has(k)) throw new Error(`resource ${k} declared twice`);
    this.byKey.set(k, def);
    this.byKind.set(`${def.group}/${def.version}/${def.kind}`, def);
    if (!this.byKind.has(`${def.group}//${def.kind}`)) this.byKind.set(`${def.group}//${def.kind}`, def);
    this.list.push(def);
    this.changed();
    return this;
  }

  /**
   * Removes a resource (a CRD version that is no longer served). The group-kind lookup moves to
   * the next remaining version of the kind, if any.
   */
  remove(group: string, version: string, plural: string): ResourceDef | undefined {
    const def = this.byKey.get(`${group}/${version}/${plural}`);
    if (!def) return undefined;
    this.byKey.delete(`${group}/${version}/${plural}`);
    this.list = this.list.filter((d) => d !== def);
    if (this.byKind.get(`${group}/${version}/${def.kind}`) === def) this.byKind.delete(`${group}/${version}/${def.kind}`);
    if (this.byKind.get(`${group}//${def.kind}`) === def) {
      this.byKind.delete(`${group}//${def.kind}`);
      const next = this.list.find((d) => d.group === group && d.kind === def.kind);
      if (next) this.byKind.set(`${group}//${def.kind}`, next);
    }
    this.changed();
    return def;
  }

  /** Replaces a resource in place (same group, version and plural), keeping its position. */
  replace(def: ResourceDef): void {
    const k = `${def.group}/${def.version}/${def.plural}`;
    const old = this.byKey.get(k);
    if (!old) {
      this.add(def);
      return;
    }
    this.byKey.set(k, def);
    this.list = this.list.map((d) => (d === old ? def : d));
    for (const [key, d] of this.byKind) if (d === old) this.byKind.delete(key);
    this.byKind.set(`${def.group}/${def.version}/${def.kind}`, def);
    const first = this.list.find((d) => d.group === def.group && d.kind === def.kind);
    if (first) this.byKind.set(`${def.group}//${def.kind}`, first);
    this.changed();
  }

  /** Bumped on every add/remove/replace: caches built from the registry compare it. */
  get generation(): number {
    return this.gen;
  }

  /** Calls `fn` after every change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.gen++;
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (e) {
        console.error(`registry listener: ${(e as Error).message}`);
      }
    }
  }

  /** The def objects of a resource are stored through (itself unless storageVersion says otherwise). */
  storageOf(def: ResourceDef): ResourceDef {
    if (!def.storageVersion || def.storageVersion === def.version) return def;
    return this.lookup(def.group, def.storageVersion, def.plural) ?? def;
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
    return [...out].map(([name, versions]) => ({ name, versions: [...versions].sort(compareVersions) }));
  }
}

/**
 * Kubernetes version priority (apimachinery's version.CompareKubeAwareVersionStrings): GA before
 * beta before alpha, higher numbers first, then anything that is not a Kubernetes version,
 * alphabetically. Negative when `a` is preferred over `b`.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), stage: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: m[3] ? Number(m[3]) : 0 };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa && !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (!pa) return 1;
  if (!pb) return -1;
  if (pa.stage !== pb.stage) return pb.stage - pa.stage;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
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
