/**
 * CustomResourceDefinitions → served custom resources (apiextensions-apiserver, the parts a
 * kind/k3d user leans on): `kubectl apply -f crd.yaml && kubectl apply -f my-resource.yaml &&
 * kubectl get myresources` with printer columns, `-w`, `explain`, `scale`, and deleting the CRD
 * deleting its objects.
 *
 * For every CRD this keeps one ResourceDef per served version in the registry (storage version
 * first; the others name it as `storageVersion` and convert by rewriting apiVersion, the
 * `None` conversion strategy), with:
 * - scope, names, short names and categories from spec.names → discovery follows the registry;
 * - defaults/validate from the version's structural schema: unknown fields pruned, `default`s
 *   applied, types/enums/bounds/required checked (schema.ts); undeclared fields of a request are
 *   reported for fieldValidation Strict/Warn (openapi.ts);
 * - the status and scale subresources when declared; additionalPrinterColumns (printer.ts);
 * - OpenAPI definitions for `kubectl explain` and apply.
 *
 * CRD status follows upstream's controllers: NamesAccepted (or a naming conflict with another
 * CRD of the group), Established, storedVersions. Deleting a CRD adds the
 * customresourcecleanup finalizer (condition Terminating), refuses new objects (405), deletes
 * every stored object and, once the storage is empty, drops the finalizer so the CRD goes and
 * its resources leave the registry.
 */
import type { Clock } from '../../api/clock.js';
import * as errors from '../../api/errors.js';
import type { Registry, ResourceDef } from '../../api/registry.js';
import { ALL_VERBS, storagePrefix } from '../../api/registry.js';
import type { CRDVersion, CustomResourceDefinition, JSONSchemaProps } from '../../api/resources/crd.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import type { ApiFeatures } from '../features.js';
import { INTERNAL, type Rest, type RestWatchEvent } from '../rest.js';
import { defineSchema, installOpenAPI } from './openapi.js';
import { printerColumnsTable } from './printer.js';
import { applyDefaults, prune, validate } from './schema.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const GROUP = 'apiextensions.k8s.io';

export interface CustomResourceOptions {
  rest: Rest;
  registry: Registry;
  features: ApiFeatures;
  clock: Clock;
}

interface Served {
  /** JSON of the spec these defs were built from. */
  specKey: string;
  defs: ResourceDef[];
  group: string;
  plural: string;
  kind: string;
}

function jsonPathSegments(p: string | undefined): string[] | undefined {
  if (!p) return undefined;
  return p.replace(/^\./, '').split('.').filter(Boolean);
}

function getPath(o: unknown, path: string[]): unknown {
  let v = o;
  for (const k of path) v = isPlainObject(v) ? v[k] : undefined;
  return v;
}

/** Installs CRD serving when the registry declares CustomResourceDefinition; undefined otherwise. */
export function installCustomResources(opts: CustomResourceOptions): CustomResources | undefined {
  if (!opts.registry.byGroupKind(GROUP, 'CustomResourceDefinition')) return undefined;
  const c = new CustomResources(opts);
  c.start();
  return c;
}

export class CustomResources {
  private readonly served = new Map<string, Served>();
  private readonly crdDef: ResourceDef;
  private unwatch: (() => void) | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  private flushScheduled = false;
  private refreshOpenAPI: () => void = () => {};
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly opts: CustomResourceOptions) {
    this.crdDef = opts.registry.byGroupKind(GROUP, 'CustomResourceDefinition') as ResourceDef;
    this.crdDef.deleteFinalizers = [CLEANUP_FINALIZER];
  }

  start(): void {
    const { rest, registry } = this.opts;
    this.refreshOpenAPI = installOpenAPI(registry, this.opts.features, (def, obj) => this.unknownFields(def, obj));
    this.unsubscribe = registry.onChange(() => this.refreshOpenAPI());
    // New objects of a terminating CRD are refused, as upstream.
    rest.addAdmission((_obj, _old, ctx) => {
      if (ctx.op !== 'create' || !ctx.def.crd) return;
      const crd = rest.tryGet(this.crdDef, undefined, ctx.def.crd.name)?.obj;
      if (crd?.metadata.deletionTimestamp) throw errors.methodNotAllowed('create not allowed while custom resource definition is terminating');
    });
    for (const e of rest.list(this.crdDef, undefined).items) this.sync(e.obj as CustomResourceDefinition);
    this.unwatch = rest.watch(this.crdDef, undefined, { resourceVersion: String(rest.store.revision) }, (ev: RestWatchEvent) => {
      if (this.stopped) return false;
      const crd = ev.entry.obj as CustomResourceDefinition;
      // Registration happens at once (the next request may use the new kind); status writes
      // and cleanup run after the event (they write, and the store is emitting).
      try {
        if (ev.type === 'DELETED') this.unserve(crd.metadata.name as string);
        else this.sync(crd);
      } catch (e) {
        // Never let one bad CRD end the watch (the store drops watchers that throw).
        console.error(`crd ${crd.metadata.name}: ${(e as Error).message}`);
      }
      return true;
    });
    this.cleanupTimer = setInterval(() => this.cleanupTerminating(), 500);
    this.cleanupTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    this.unsubscribe?.();
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
  }

  /** The served resources of a CRD (tests, diagnostics). */
  resourcesOf(crdName: string): readonly ResourceDef[] {
    return this.served.get(crdName)?.defs ?? [];
  }

  /** Undeclared fields of a body for `def` (without changing it). */
  unknownFields(def: ResourceDef, obj: unknown): string[] {
    const schema = this.schemaOf(def);
    if (!schema || !isPlainObject(obj)) return [];
    return prune(clone(obj), schema);
  }

  private schemaOf(def: ResourceDef): JSONSchemaProps | undefined {
    if (!def.crd) return undefined;
    const crd = this.opts.rest.tryGet(this.crdDef, undefined, def.crd.name)?.obj as CustomResourceDefinition | undefined;
    return crd?.spec.versions.find((v) => v.name === def.version)?.schema?.openAPIV3Schema;
  }

  /** Registers (or re-registers) a CRD's versions and schedules its status update. */
  private sync(crd: CustomResourceDefinition): void {
    const name = crd.metadata.name as string;
    const spec = crd.spec;
    const specKey = JSON.stringify([crd.metadata.uid, spec]);
    const cur = this.served.get(name);
    if (!cur || cur.specKey !== specKey) {
      const conflict = this.conflict(crd);
      if (conflict) {
        if (cur) this.unserve(name);
        this.schedule(name);
        return;
      }
      this.serve(crd, specKey);
    }
    this.schedule(name);
  }

  /** Another CRD of the group already serving this plural or kind. */
  private conflict(crd: CustomResourceDefinition): { reason: string; message: string } | undefined {
    const { group, names } = crd.spec;
    for (const [other, s] of this.served) {
      if (other === crd.metadata.name || s.group !== group) continue;
      if (s.plural === names.plural) return { reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
      if (s.kind === names.kind) return { reason: 'KindConflict', message: `"${names.kind}" is already in use` };
    }
    for (const d of this.opts.registry.all()) {
      if (d.crd || d.group !== group) continue;
      if (d.plural === names.plural) return { reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
    }
    return undefined;
  }

  private serve(crd: CustomResourceDefinition, specKey: string): void {
    const { registry } = this.opts;
    const name = crd.metadata.name as string;
    const { group, names } = crd.spec;
    const versions = crd.spec.versions.filter((v) => v.served);
    const storage = crd.spec.versions.find((v) => v.storage)?.name ?? versions[0]?.name;
    // Storage version first: group-kind lookups (the in-process client, GC) land on it.
    versions.sort((a, b) => (a.name === storage ? -1 : b.name === storage ? 1 : 0));
    const old = this.served.get(name);
    for (const d of old?.defs ?? []) registry.remove(d.group, d.version, d.plural);
    const defs = versions.map((v) => this.resourceDef(crd, v, storage as string));
    for (const d of defs) {
      if (registry.lookup(d.group, d.version, d.plural)) registry.remove(d.group, d.version, d.plural);
      defineSchema(d, versionOf(crd, d.version)?.schema?.openAPIV3Schema);
    }
    for (const d of defs) registry.add(d);
    this.served.set(name, { specKey, defs, group, plural: names.plural, kind: names.kind });
  }

  private unserve(name: string): void {
    const s = this.served.get(name);
    if (!s) return;
    this.served.delete(name);
    for (const d of s.defs) this.opts.registry.remove(d.group, d.version, d.plural);
  }

  private resourceDef(crd: CustomResourceDefinition, ver: CRDVersion, storage: string): ResourceDef {
    const { group, names, scope } = crd.spec;
    const schema = ver.schema?.openAPIV3Schema;
    const sub = ver.subresources ?? {};
    const subresources: ResourceDef['subresources'] = [];
    if (sub.status) subresources.push('status');
    if (sub.scale) subresources.push('scale');
    const def: ResourceDef = {
      group,
      version: ver.name,
      kind: names.kind,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: scope === 'Namespaced',
      verbs: ALL_VERBS,
      hasStatus: !!sub.status,
      crd: { name: crd.metadata.name as string, uid: crd.metadata.uid },
      convert: (o, to) => ({ ...o, apiVersion: `${group}/${to}` }),
      defaults: (o) => {
        if (!schema) return;
        prune(o, schema);
        applyDefaults(o, schema);
      },
      validate: (o) => (schema ? validate(o, schema) : []),
    };
    if (names.shortNames?.length) def.shortNames = [...names.shortNames];
    if (names.categories?.length) def.categories = [...names.categories];
    if (subresources.length) def.subresources = subresources;
    if (ver.name !== storage) def.storageVersion = storage;
    if (ver.additionalPrinterColumns?.length) def.table = printerColumnsTable(ver.additionalPrinterColumns);
    if (sub.scale) {
      const sel = jsonPathSegments(sub.scale.labelSelectorPath);
      def.scale = {
        specReplicasPath: jsonPathSegments(sub.scale.specReplicasPath),
        statusReplicasPath: jsonPathSegments(sub.scale.statusReplicasPath),
        selector: (o: KubeObject) => {
          const v = sel ? getPath(o, sel) : undefined;
          return typeof v === 'string' ? v : '';
        },
      };
    }
    return def;
  }

  // ---- status and cleanup (after the event that caused them)

  private schedule(name: string): void {
    this.pending.add(name);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const names = [...this.pending];
      this.pending.clear();
      for (const n of names) {
        try {
          this.updateStatus(n);
        } catch (e) {
          if (!(e instanceof errors.ApiError && (e.code === 404 || e.code === 409))) console.error(`crd ${n}: ${(e as Error).message}`);
          else if (e.code === 409) this.schedule(n);
        }
      }
      this.cleanupTerminating();
    });
  }

  private updateStatus(name: string): void {
    if (this.stopped) return;
    const { rest, clock } = this.opts;
    const e = rest.tryGet(this.crdDef, undefined, name);
    if (!e) return;
    const crd = e.obj as CustomResourceDefinition;
    const now = clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = clone(crd.status ?? {});
    const conds = [...(status.conditions ?? [])];
    const set = (type: string, st: string, reason: string, message: string) => {
      const i = conds.findIndex((c) => c.type === type);
      const prev = i >= 0 ? conds[i] : undefined;
      const c = { type, status: st, lastTransitionTime: prev && prev.status === st ? (prev.lastTransitionTime ?? now) : now, reason, message };
      if (i >= 0) conds[i] = c;
      else conds.push(c);
    };
    const served = this.served.get(name);
    const conflict = served ? undefined : this.conflict(crd);
    if (served && served.specKey === JSON.stringify([crd.metadata.uid, crd.spec])) {
      const n = crd.spec.names;
      const accepted: Record<string, unknown> = { plural: n.plural, singular: n.singular ?? n.kind.toLowerCase(), kind: n.kind, listKind: n.listKind ?? `${n.kind}List` };
      if (n.shortNames?.length) accepted.shortNames = n.shortNames;
      if (n.categories?.length) accepted.categories = n.categories;
      status.acceptedNames = accepted;
      set('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found');
      const wasEstablished = conds.some((c) => c.type === 'Established' && c.status === 'True');
      set('Established', 'True', 'InitialNamesAccepted', wasEstablished ? (conds.find((c) => c.type === 'Established')?.message ?? 'the initial names have been accepted') : 'the initial names have been accepted');
    } else if (conflict) {
      set('NamesAccepted', 'False', conflict.reason, conflict.message);
      set('Established', 'False', 'NotAccepted', 'not all names are accepted');
    }
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    const stored = [...(status.storedVersions ?? [])];
    if (storage && !stored.includes(storage)) stored.push(storage);
    status.storedVersions = stored;
    if (crd.metadata.deletionTimestamp) set('Terminating', 'True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress');
    status.conditions = conds;
    if (JSON.stringify(status) === JSON.stringify(crd.status ?? {})) return;
    rest.update(this.crdDef, undefined, name, { ...clone(crd), status } as KubeObject, { subresource: 'status', fieldManager: INTERNAL });
  }

  /** Deletes the objects of terminating CRDs; drops the finalizer once none is left. */
  private cleanupTerminating(): void {
    if (this.stopped) return;
    const { rest } = this.opts;
    for (const e of rest.list(this.crdDef, undefined).items) {
      const crd = e.obj as CustomResourceDefinition;
      if (!crd.metadata.deletionTimestamp || !(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) continue;
      const name = crd.metadata.name as string;
      try {
        if (!crd.status?.conditions?.some((c) => c.type === 'Terminating' && c.status === 'True')) this.updateStatus(name);
        const storageDef = this.served.get(name)?.defs[0] ?? this.detachedDef(crd);
        const prefix = storagePrefix(storageDef);
        for (const item of rest.store.list(prefix).items) {
          if (item.obj.metadata.deletionTimestamp) continue;
          try {
            rest.delete(storageDef, item.obj.metadata.namespace, item.obj.metadata.name as string, {});
          } catch (err) {
            if (!(err instanceof errors.ApiError && err.code === 404)) throw err;
          }
        }
        if (rest.store.count(prefix) > 0) continue;
        const latest = rest.tryGet(this.crdDef, undefined, name)?.obj;
        if (!latest) continue;
        const next = clone(latest);
        next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
        rest.update(this.crdDef, undefined, name, next, { fieldManager: INTERNAL });
      } catch (err) {
        if (!(err instanceof errors.ApiError && (err.code === 404 || err.code === 409))) console.error(`crd ${name} cleanup: ${(err as Error).message}`);
      }
    }
  }

  /** A storage def for a CRD that is not served (names conflict): enough to reach its objects. */
  private detachedDef(crd: CustomResourceDefinition): ResourceDef {
    const storage = crd.spec.versions.find((x) => x.storage)?.name ?? crd.spec.versions[0]?.name ?? 'v1';
    return { group: crd.spec.group, version: storage, kind: crd.spec.names.kind, plural: crd.spec.names.plural, singular: '', namespaced: crd.spec.scope === 'Namespaced' };
  }
}

function versionOf(crd: CustomResourceDefinition, name: string): CRDVersion | undefined {
  return crd.spec.versions.find((x) => x.name === name);
}
