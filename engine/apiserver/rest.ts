/**
 * The generic REST storage every kind goes through (Kubernetes' registry/generic/registry):
 * defaults, validation, admission, uid/creationTimestamp/generation, optimistic concurrency,
 * graceful deletion with finalizers, the status subresource split, selectors and paging, and
 * watch with selector transitions. The HTTP layer and the in-process client both call this,
 * so controllers and kubectl see exactly the same semantics.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../api/clock.js';
import * as errors from '../api/errors.js';
import type { ResourceDef } from '../api/registry.js';
import { storageKey, storagePrefix, groupResource } from '../api/registry.js';
import type { Registry } from '../api/registry.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type Selector,
} from '../api/selectors.js';
import type { KubeObject, StatusCause, WatchEventType } from '../api/types.js';
import { clone, isPlainObject } from '../api/types.js';
import { validateObjectMeta, type NameRule } from '../api/validation.js';
import type { Entry, Store, StoreEvent } from '../store/store.js';
import { StoreError } from '../store/store.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ListResult {
  items: Entry[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * The subresource written through: 'status' replaces only status; 'binding' (pods/binding)
   * is the one pod write that may set spec.nodeName.
   */
  subresource?: 'status' | 'binding';
  /** Set by the server's own components: skip field-ownership rules that protect users. */
  fieldManager?: string;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** The object: its last state if removed, or the marked object if deletion is pending. */
  entry: Entry;
  /** True when the object is gone from storage; false when only marked for deletion. */
  removed: boolean;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** When true and resourceVersion is unset/"0", synthetic ADDED events replay the current state. */
  sendInitialEvents?: boolean;
}

export interface RestWatchEvent {
  type: WatchEventType;
  entry: Entry;
}

/** Context handed to admission plugins: lets them read other objects (e.g. allocated IPs). */
export interface AdmissionContext {
  rest: Rest;
  op: 'create' | 'update' | 'delete';
  def: ResourceDef;
}

/** Mutating admission: may change the object; throw an ApiError to reject. */
export type AdmissionPlugin = (obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext) => void;

/** Field manager of the engine's own components: may set status along with the object. */
export const INTERNAL = 'skiff-internal';

const NAME_RULES: Record<string, NameRule> = {
  Namespace: 'label',
  Service: 'label',
  Node: 'subdomain',
};

export class Rest {
  private readonly admission: AdmissionPlugin[] = [];

  constructor(
    readonly store: Store,
    readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  addAdmission(p: AdmissionPlugin): void {
    this.admission.push(p);
  }

  // ---- reads

  get(def: ResourceDef, namespace: string | undefined, name: string): Entry {
    const e = this.store.get(storageKey(def, namespace, name));
    if (!e) throw errors.notFound(def.plural, name, def.group || undefined);
    return e;
  }

  tryGet(def: ResourceDef, namespace: string | undefined, name: string): Entry | undefined {
    return this.store.get(storageKey(def, namespace, name));
  }

  list(def: ResourceDef, namespace: string | undefined, opts: ListOptions = {}): ListResult {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = this.parseFields(def, opts.fieldSelector);
    const prefix = storagePrefix(def, namespace);
    let { items, rev } = this.store.list(prefix);
    let start: string | undefined;
    let listRev = rev;
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      if (tok.rev < this.store.compactedRevision) {
        throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      start = tok.start;
      listRev = tok.rev;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const want = Number(opts.resourceVersion);
      // No old snapshots are kept: a list at a past revision is served at the current one,
      // which is what resourceVersionMatch=NotOlderThan (the default for a set RV) allows.
      if (!Number.isFinite(want) || want < 0) throw errors.badRequest(`invalid resource version: ${opts.resourceVersion}`);
    }
    const out: Entry[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let cont: string | undefined;
    let remaining = 0;
    for (const e of items) {
      if (start !== undefined && e.key <= start) continue;
      if (!this.matches(def, e.obj, labels, fields)) continue;
      if (limit && out.length >= limit) {
        remaining++;
        continue;
      }
      out.push(e);
    }
    if (limit && remaining > 0) cont = encodeContinue({ rev: listRev, start: out[out.length - 1].key });
    items = out;
    const res: ListResult = { items, resourceVersion: String(listRev) };
    if (cont) {
      res.continue = cont;
      // remainingItemCount is only exact without selectors, as upstream reports it.
      if (!opts.labelSelector && !opts.fieldSelector) res.remainingItemCount = remaining;
    }
    return res;
  }

  /**
   * Watches a resource. Events after `resourceVersion` are delivered in order; with no
   * resourceVersion (or "0") the current objects arrive first as ADDED. Objects that stop
   * matching the selectors arrive as DELETED and ones that start matching as ADDED, as upstream.
   * Throws 410 Gone for a compacted resourceVersion.
   */
  watch(def: ResourceDef, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: RestWatchEvent) => boolean | void): () => void {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = this.parseFields(def, opts.fieldSelector);
    const prefix = storagePrefix(def, namespace);
    const rvText = opts.resourceVersion;
    let after: number;
    if (!rvText || rvText === '0') {
      after = this.store.revision;
      if (opts.sendInitialEvents !== false) {
        for (const e of this.store.list(prefix).items) {
          if (this.matches(def, e.obj, labels, fields) && onEvent({ type: 'ADDED', entry: e }) === false) return () => {};
        }
      }
    } else {
      after = Number(rvText);
      if (!Number.isInteger(after) || after < 0) throw errors.badRequest(`invalid resource version: ${rvText}`);
      if (after < this.store.compactedRevision) throw errors.gone(`too old resource version: ${after} (${this.store.compactedRevision})`);
    }
    try {
      return this.store.watch(prefix, after, (ev: StoreEvent) => {
        const now = ev.type !== 'DELETED' && this.matches(def, ev.entry.obj, labels, fields);
        const before = ev.prev !== undefined && this.matches(def, ev.prev.obj, labels, fields);
        if (ev.type === 'ADDED') return now ? onEvent({ type: 'ADDED', entry: ev.entry }) : true;
        if (ev.type === 'DELETED') return before ? onEvent({ type: 'DELETED', entry: ev.entry }) : true;
        if (now && before) return onEvent({ type: 'MODIFIED', entry: ev.entry });
        if (now) return onEvent({ type: 'ADDED', entry: ev.entry });
        if (before) return onEvent({ type: 'DELETED', entry: ev.entry });
        return true;
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'compacted') throw errors.gone(e.message);
      throw e;
    }
  }

  // ---- writes

  create(def: ResourceDef, namespace: string | undefined, body: KubeObject, opts: WriteOptions = {}): Entry {
    const obj = clone(body);
    this.normalizeTypeMeta(def, obj);
    if (def.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else {
      delete obj.metadata.namespace;
    }
    const meta = obj.metadata;
    // NamespaceLifecycle admission runs before name generation and validation upstream: a missing
    // or terminating namespace is reported first, naming the object by its generateName if any.
    if (def.namespaced) this.checkNamespace(def, obj.metadata.namespace as string, meta.name || meta.generateName || '');
    // Upstream keeps generated names valid by cutting the prefix to 58 characters.
    if (!meta.name && meta.generateName) meta.name = meta.generateName.slice(0, 58) + randomSuffix();
    // Server-owned metadata is never taken from the client on create.
    meta.uid = randomUUID();
    meta.creationTimestamp = this.clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    if (!def.noGeneration) meta.generation = 1;
    else delete meta.generation;
    if (def.hasStatus && opts.fieldManager !== INTERNAL) {
      // Status is written by controllers through the status subresource; creates start clean
      // (defaults then set the initial status, e.g. a Pod's Pending phase).
      delete obj.status;
    }
    def.defaults?.(obj);
    this.validate(def, obj, undefined);
    for (const a of this.admission) a(obj, undefined, { rest: this, op: 'create', def });
    const key = storageKey(def, meta.namespace, meta.name as string);
    if (this.store.get(key)) throw errors.alreadyExists(def.plural, meta.name as string, def.group || undefined);
    if (opts.dryRun) {
      return { key, rev: this.store.revision, obj, json: JSON.stringify(obj) };
    }
    return this.store.create(key, obj);
  }

  /**
   * Replaces an object (PUT). A resourceVersion in the body must match the stored one (409
   * otherwise); without one the update is unconditional, as upstream allows for most kinds.
   */
  update(def: ResourceDef, namespace: string | undefined, name: string, body: KubeObject, opts: WriteOptions = {}): Entry {
    const key = storageKey(def, namespace, name);
    const cur = this.store.get(key);
    if (!cur) throw errors.notFound(def.plural, name, def.group || undefined);
    if (body.metadata?.name && body.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    const rvText = body.metadata?.resourceVersion;
    let expected: number | undefined;
    if (rvText !== undefined && rvText !== '') {
      expected = Number(rvText);
      if (!Number.isInteger(expected)) throw errors.badRequest(`metadata.resourceVersion: Invalid value: "${rvText}": must be a valid resource version`);
      if (expected !== cur.rev) {
        throw errors.conflict(def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again', def.group || undefined);
      }
    }
    const old = cur.obj;
    let obj: KubeObject;
    if (opts.subresource === 'status') {
      // Only status changes through /status; everything else is kept from storage.
      obj = clone(old);
      if (body.status !== undefined) obj.status = clone(body.status);
      else delete obj.status;
    } else {
      obj = clone(body);
      obj.metadata ??= {};
      this.normalizeTypeMeta(def, obj);
      if (def.hasStatus && def.kind !== 'Namespace' && opts.fieldManager !== INTERNAL) {
        if (old.status !== undefined) obj.status = clone(old.status);
        else delete obj.status;
      }
    }
    const meta = obj.metadata;
    // Immutable and server-owned metadata.
    meta.name = old.metadata.name;
    if (def.namespaced) meta.namespace = old.metadata.namespace;
    else delete meta.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    delete meta.managedFields;
    delete meta.selfLink;
    if (old.metadata.deletionTimestamp) {
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (def.noGeneration) delete meta.generation;
    else {
      meta.generation = (old.metadata.generation ?? 1) + (specChanged(old, obj) ? 1 : 0);
    }
    def.defaults?.(obj);
    this.validate(def, obj, old, opts.subresource);
    for (const a of this.admission) a(obj, old, { rest: this, op: 'update', def });
    if (opts.dryRun) {
      meta.resourceVersion = String(cur.rev);
      return { key, rev: cur.rev, obj, json: JSON.stringify(obj) };
    }
    // A Terminating namespace waits for its own spec.finalizers (the namespace controller).
    const nsPending = def.kind === 'Namespace' && isPlainObject(obj.spec) && Array.isArray(obj.spec.finalizers) && obj.spec.finalizers.length > 0;
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && !this.pendingGrace(def, obj) && !nsPending) {
      // The last finalizer is gone: finish the deletion.
      return this.store.delete(key);
    }
    if (semanticallyEqual(old, obj)) return cur; // no-op writes don't bump resourceVersion
    return this.store.update(key, obj, cur.rev);
  }

  /** Applies `mutate` to a fresh copy of the stored object and writes it (internal helper for patch). */
  mutate(def: ResourceDef, namespace: string | undefined, name: string, mutate: (obj: KubeObject) => KubeObject, opts: WriteOptions = {}): Entry {
    const cur = this.get(def, namespace, name);
    const next = mutate(clone(cur.obj));
    next.metadata ??= {};
    // A patch that leaves resourceVersion alone is unconditional; one that sets it is checked.
    if (next.metadata.resourceVersion === undefined) next.metadata.resourceVersion = String(cur.rev);
    return this.update(def, namespace, name, next, opts);
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const key = storageKey(def, namespace, name);
    const cur = this.store.get(key);
    if (!cur) throw errors.notFound(def.plural, name, def.group || undefined);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== cur.obj.metadata.uid) {
      throw errors.conflict(def.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.obj.metadata.uid}`, def.group || undefined);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev)) {
      throw errors.conflict(def.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rev}`, def.group || undefined);
    }
    for (const a of this.admission) a(cur.obj, cur.obj, { rest: this, op: 'delete', def });
    const obj = clone(cur.obj);
    const meta = obj.metadata;
    const finalizers = [...(meta.finalizers ?? [])];
    const policy = opts.propagationPolicy;
    for (const f of def.deleteFinalizers ?? []) if (!meta.deletionTimestamp && !finalizers.includes(f)) finalizers.push(f);
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    let grace = 0;
    if (def.kind === 'Pod') {
      const spec = isPlainObject(obj.spec) ? obj.spec : {};
      const bound = typeof spec.nodeName === 'string' && spec.nodeName !== '';
      const phase = isPlainObject(obj.status) ? obj.status.phase : undefined;
      const terminal = phase === 'Succeeded' || phase === 'Failed';
      grace = opts.gracePeriodSeconds ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
      // An unscheduled or finished pod has nothing running: delete it at once, as upstream.
      if (!bound || terminal) grace = 0;
      if (meta.deletionTimestamp && typeof meta.deletionGracePeriodSeconds === 'number' && grace > meta.deletionGracePeriodSeconds) {
        grace = meta.deletionGracePeriodSeconds; // a second delete may only shorten the grace period
      }
    } else if (def.kind === 'Namespace') {
      // Namespaces always go through Terminating; the namespace controller empties them.
      const spec = isPlainObject(obj.spec) ? obj.spec : {};
      const nsFinalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      if (nsFinalizers.length > 0 || finalizers.length > 0) {
        if (opts.dryRun) return { entry: cur, removed: false };
        if (!meta.deletionTimestamp) {
          meta.deletionTimestamp = this.timestamp();
          meta.deletionGracePeriodSeconds = 0;
          obj.status = { ...(isPlainObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
          meta.finalizers = finalizers.length ? finalizers : undefined;
          if (!meta.finalizers) delete meta.finalizers;
          return { entry: this.store.update(key, obj, cur.rev), removed: false };
        }
        return { entry: cur, removed: false };
      }
    }
    if (finalizers.length > 0 || grace > 0) {
      if (opts.dryRun) return { entry: cur, removed: false };
      const already = meta.deletionTimestamp !== undefined;
      if (already && grace === meta.deletionGracePeriodSeconds && sameList(finalizers, meta.finalizers ?? [])) return { entry: cur, removed: false };
      if (!already || grace < (meta.deletionGracePeriodSeconds ?? Infinity)) {
        meta.deletionTimestamp = new Date(this.clock.now().getTime() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        meta.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.length) meta.finalizers = finalizers;
      if (meta.generation !== undefined && !already) meta.generation = meta.generation + 1;
      return { entry: this.store.update(key, obj, cur.rev), removed: false };
    }
    if (opts.dryRun) return { entry: cur, removed: true };
    return { entry: this.store.delete(key, cur.rev), removed: true };
  }

  deleteCollection(def: ResourceDef, namespace: string | undefined, list: ListOptions, opts: DeleteOptions = {}): Entry[] {
    const out: Entry[] = [];
    for (const e of this.list(def, namespace, { labelSelector: list.labelSelector, fieldSelector: list.fieldSelector }).items) {
      try {
        out.push(this.delete(def, e.obj.metadata.namespace, e.obj.metadata.name as string, opts).entry);
      } catch (err) {
        if (!(err instanceof errors.ApiError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  // ---- helpers

  timestamp(): string {
    return this.clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  private pendingGrace(def: ResourceDef, obj: KubeObject): boolean {
    // Pods marked for graceful deletion are removed by the kubelet (grace 0 delete), not here.
    return def.kind === 'Pod' && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  private normalizeTypeMeta(def: ResourceDef, obj: KubeObject): void {
    const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    if (obj.apiVersion && obj.apiVersion !== apiVersion) {
      throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
    }
    if (obj.kind && obj.kind !== def.kind) {
      throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`);
    }
    // Clients such as @kubernetes/client-node omit apiVersion/kind on create: fill from the URL.
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    void _a;
    void _k;
    for (const k of Object.keys(obj)) delete (obj as Record<string, unknown>)[k];
    Object.assign(obj, { apiVersion, kind: def.kind }, rest);
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
  }

  private validate(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined, subresource?: string): void {
    const causes: StatusCause[] = validateObjectMeta(obj, def.namespaced, def.nameRule ?? NAME_RULES[def.kind] ?? 'subdomain');
    if (def.validate) causes.push(...def.validate(obj, old, { subresource }));
    if (causes.length) throw errors.invalid(def.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', causes, def.group || undefined);
  }

  /** Upstream's NamespaceLifecycle admission for creates (plugin/pkg/admission/namespace/lifecycle). */
  private checkNamespace(def: ResourceDef, ns: string, name: string): void {
    const nsDef = this.registry.lookup('', 'v1', 'namespaces');
    if (!nsDef || !ns) return;
    const e = this.store.get(storageKey(nsDef, undefined, ns));
    if (!e) throw errors.notFound('namespaces', ns);
    if (e.obj.metadata.deletionTimestamp) {
      throw errors.forbiddenObject(def.plural, name, `unable to create new content in namespace ${ns} because it is being terminated`, def.group || undefined, [
        { reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  private parseFields(def: ResourceDef, text: string | undefined): FieldRequirement[] {
    const reqs = parseFieldSelector(text);
    if (reqs.length === 0) return reqs;
    const sample = def.fields ? Object.keys(def.fields({ metadata: {} })) : [];
    for (const r of reqs) {
      if (r.field === 'metadata.name' || r.field === 'metadata.namespace' || sample.includes(r.field)) continue;
      throw errors.badRequest(`field label not supported: ${r.field}`);
    }
    return reqs;
  }

  private matches(def: ResourceDef, obj: KubeObject, labels: Selector, fields: FieldRequirement[]): boolean {
    if (labels.length && !matchesLabels(labels, obj.metadata.labels)) return false;
    if (fields.length) {
      const f: Record<string, string | undefined> = {
        'metadata.name': obj.metadata.name,
        'metadata.namespace': obj.metadata.namespace ?? '',
        ...(def.fields ? def.fields(obj) : {}),
      };
      if (!matchesFields(fields, f)) return false;
    }
    return true;
  }

  resourceName(def: ResourceDef): string {
    return groupResource(def);
  }
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, ...rest } = o;
    void _m;
    void _s;
    return rest;
  };
  return JSON.stringify(canonical(strip(a))) !== JSON.stringify(canonical(strip(b)));
}

function semanticallyEqual(a: KubeObject, b: KubeObject): boolean {
  const ma = { ...a.metadata, resourceVersion: undefined };
  const mb = { ...b.metadata, resourceVersion: undefined };
  return JSON.stringify(canonical({ ...a, metadata: ma })) === JSON.stringify(canonical({ ...b, metadata: mb }));
}

/** Key-sorted copy so that field order does not count as a change. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALNUM[Math.floor(Math.random() * ALNUM.length)];
  return s;
}

interface ContinueToken {
  rev: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'skiff.v1', rv: t.rev, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const o = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (o.v !== 'skiff.v1' || typeof o.rv !== 'number' || typeof o.start !== 'string') throw new Error('bad token');
    return { rev: o.rv, start: o.start };
  } catch {
    throw errors.badRequest(`invalid continue token: ${s}`);
  }
}
