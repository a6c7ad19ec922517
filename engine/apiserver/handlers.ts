/**
 * HTTP verbs on resources: turns a parsed route + query + body into calls on `Rest` and writes
 * the answer (object, List, Table, or a watch stream). Subresources (status, scale, binding,
 * eviction) are mapped onto the same storage; node-side streams go to the PodConnector.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as errors from '../api/errors.js';
import type { Clock } from '../api/clock.js';
import { clampDelay } from '../api/timers.js';
import type { ResourceDef } from '../api/registry.js';
import { apiVersionOf } from '../api/registry.js';
import type { KubeObject } from '../api/types.js';
import { clone, isPlainObject } from '../api/types.js';
import { fromLabelSelector, selectorToString } from '../api/selectors.js';
import type { Entry } from '../store/store.js';
import type { ApiFeatures, PatchKind } from './features.js';
import { INTERNAL, Rest, type DeleteOptions, type RestWatchEvent } from './rest.js';
import { boolParam, decodeObject, intParam, negotiate, parseJson, parseYaml, readBody, sendJson, type Negotiated } from './request.js';
import type { ResourceRoute } from './server.js';
import type { Auth } from './authz/index.js';
import { userOf } from './authz/user.js';
import { Client } from '../client/client.js';
import { checkEviction } from './eviction.js';
import type { Pod } from '../api/resources/pod.js';

type Obj = Record<string, unknown>;

/** How long a watch with no timeoutSeconds stays open (upstream picks 30–60 min at random). */
const DEFAULT_WATCH_SECONDS = 1800;
const BOOKMARK_EVERY_MS = 60_000;
/** A watcher that lets this much output pile up unread is dropped (it will relist). */
const MAX_WATCH_BACKLOG = 16 * 1024 * 1024;

export class ResourceHandler {
  private readonly openWatches = new Set<() => void>();
  /** Reviews and service account tokens; set by the ApiServer that owns this handler. */
  auth: Auth | undefined;
  /**
   * Computed read-only kinds (ComponentStatus), by plural: their objects and the Warning the
   * server sends with them.
   */
  readonly computed = new Map<string, { items: () => KubeObject[]; warning?: string }>();

  constructor(
    readonly rest: Rest,
    private readonly features: ApiFeatures,
    private readonly clock: Clock,
  ) {}

  closeWatches(): void {
    for (const stop of [...this.openWatches]) stop();
  }

  async handle(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const { def, name, subresource: sub } = route;
    const neg = negotiate(req.headers.accept);
    const verbs = def.verbs;
    const allow = (v: string) => {
      if (verbs && !verbs.includes(v as never)) throw errors.methodNotAllowed();
    };

    if (def.virtual) {
      const computed = this.computed.get(def.plural);
      if (computed) {
        if (method !== 'GET' || sub || boolParam(q, 'watch')) throw errors.methodNotAllowed();
        return this.sendComputed(res, route, computed, neg, q);
      }
      if (method !== 'POST' || name) throw errors.methodNotAllowed();
      return this.review(req, res, route, q);
    }
    if (sub === 'token') {
      if (method !== 'POST') throw errors.methodNotAllowed();
      return this.token(req, res, route, q);
    }
    if (sub === 'log') return this.logs(req, res, route, q);
    if (sub === 'proxy') return this.proxy(req, res, route);
    if (sub === 'exec' || sub === 'attach' || sub === 'portforward') {
      throw errors.badRequest(`Upgrade request required`);
    }

    if (!name) {
      if (sub) throw errors.notFound('', req.url ?? '');
      switch (method) {
        case 'GET':
          if (route.watchPath || boolParam(q, 'watch')) {
            allow('watch');
            return this.watch(req, res, route, q, neg);
          }
          allow('list');
          return this.list(res, route, q, neg);
        case 'POST':
          allow('create');
          return this.create(req, res, route, q, neg);
        case 'DELETE':
          allow('deletecollection');
          return this.deleteCollection(req, res, route, q);
        default:
          throw errors.methodNotAllowed();
      }
    }

    if (route.watchPath) {
      q.set('fieldSelector', `metadata.name=${name}`);
      return this.watch(req, res, { ...route, name: undefined }, q, neg);
    }

    switch (sub) {
      case undefined:
        break;
      case 'status':
      case 'finalize':
      case 'ephemeralcontainers':
        return this.statusLike(req, res, route, q, neg, sub);
      case 'scale':
        return this.scale(req, res, route, q);
      case 'binding':
        if (method !== 'POST') throw errors.methodNotAllowed();
        return this.binding(req, res, route);
      case 'eviction':
        if (method !== 'POST') throw errors.methodNotAllowed();
        return this.eviction(req, res, route, q);
      default:
        throw errors.notFound('', req.url ?? '');
    }

    switch (method) {
      case 'GET':
        allow('get');
        return this.sendEntry(res, 200, def, this.view(def, this.rest.get(this.storage(def), route.namespace, name)), neg, q);
      case 'PUT': {
        allow('update');
        const body = await this.readObject(req, def, q);
        const e = this.rest.update(this.storage(def), route.namespace, name, this.toStorage(def, body), { dryRun: isDryRun(q) });
        return this.sendEntry(res, 200, def, this.view(def, e), neg, q);
      }
      case 'PATCH':
        allow('patch');
        return this.patch(req, res, route, q, neg);
      case 'DELETE': {
        allow('delete');
        const opts = await this.deleteOptions(req, q);
        const r = this.rest.delete(this.storage(def), route.namespace, name, opts);
        return this.sendEntry(res, r.removed ? 200 : 202, def, this.view(def, r.entry), neg, q);
      }
      default:
        throw errors.methodNotAllowed();
    }
  }

  // ---- reads

  private list(res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated): void {
    const { def } = route;
    const r = this.rest.list(this.storage(def), route.namespace, {
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: intParam(q, 'limit'),
      continue: q.get('continue') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
    });
    const meta: Obj = { resourceVersion: r.resourceVersion };
    if (r.continue) meta.continue = r.continue;
    if (r.remainingItemCount !== undefined) meta.remainingItemCount = r.remainingItemCount;
    const items = r.items.map((e) => this.view(def, e));
    if (neg.table) {
      const t = this.table(def, items.map((e) => e.obj), q, neg);
      return sendJson(res, 200, { ...t, metadata: meta });
    }
    // Objects are stored serialized: a list answer is assembled from those strings.
    const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def)}","metadata":${JSON.stringify(meta)},"items":[`;
    const body = head + items.map((e) => e.json).join(',') + ']}';
    sendJson(res, 200, body);
  }

  private table(def: ResourceDef, objects: KubeObject[], q: URLSearchParams, neg: Negotiated): Obj {
    const includeObject = (q.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
    const printer = this.features.table;
    let t: Obj;
    if (def.table) {
      t = { ...def.table(objects, { includeObject, now: this.clock.now() }) };
    } else if (printer) {
      // Shared printers read the stored version (an autoscaling/v1 HPA prints from its v2 form);
      // rows still carry the object as this version serves it.
      const sdef = this.storage(def);
      const printed = sdef !== def && def.convert ? objects.map((o) => def.convert!(clone(o), sdef.version)) : objects;
      t = { ...printer.toTable(def.group, def.kind, printed as Obj[], { includeObject, now: this.clock.now() }) };
      if (printed !== objects && includeObject === 'Object') {
        (t.rows as Obj[]).forEach((r, i) => (r.object = objects[i]));
      }
    } else {
      t = {
        columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 }],
        rows: objects.map((o) => ({ cells: [o.metadata.name], object: partial(o, includeObject) })),
      };
    }
    return { ...t, kind: 'Table', apiVersion: `meta.k8s.io/${neg.tableVersion}` };
  }

  private sendEntry(res: ServerResponse, code: number, def: ResourceDef, e: Entry, neg: Negotiated, q: URLSearchParams): void {
    if (neg.table) {
      const t = this.table(def, [e.obj], q, neg);
      return sendJson(res, code, { ...t, metadata: { resourceVersion: String(e.rev) } });
    }
    sendJson(res, code, e.json);
  }

  private watch(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated): void {
    const { def } = route;
    const timeoutSeconds = intParam(q, 'timeoutSeconds') ?? DEFAULT_WATCH_SECONDS;
    const bookmarks = boolParam(q, 'allowWatchBookmarks');
    const sendInitial = q.get('sendInitialEvents');
    if (sendInitial !== null && q.get('resourceVersionMatch') !== 'NotOlderThan') {
      throw errors.invalid('ListOptions', '', [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: "sendInitialEvents requires setting resourceVersionMatch to 'NotOlderThan'" }]);
    }
    const initialEvents = sendInitial === 'true';
    const wantsInitialEnd = initialEvents && bookmarks;
    let rvText = q.get('resourceVersion') ?? undefined;
    if (sendInitial === 'false' && (!rvText || rvText === '0')) rvText = String(this.rest.store.revision);
    let lastRev = this.rest.store.revision;
    let closed = false;
    const pending: string[] = [];
    let started = false;
    let corked = false;

    const format = (type: string, raw: Entry): string => {
      const e = this.view(def, raw);
      if (neg.table) {
        const t = this.table(def, [e.obj], q, neg);
        return `{"type":"${type}","object":${JSON.stringify({ ...t, metadata: { resourceVersion: String(e.rev) } })}}\n`;
      }
      return `{"type":"${type}","object":${e.json}}\n`;
    };
    const write = (line: string): boolean => {
      if (closed) return false;
      if (!started) {
        pending.push(line);
        return true;
      }
      // Events that arrive in the same tick go out as one TLS record: corking batches them,
      // which matters when one write fans out to hundreds of watchers.
      if (!corked) {
        corked = true;
        res.cork();
        setImmediate(() => {
          corked = false;
          res.uncork();
        });
      }
      res.write(line);
      if (res.writableLength > MAX_WATCH_BACKLOG) {
        stop();
        return false;
      }
      return true;
    };
    const bookmark = (annotations?: Record<string, string>) => {
      const meta: Obj = { resourceVersion: String(lastRev) };
      if (annotations) meta.annotations = annotations;
      const obj = neg.table ? { kind: 'Table', apiVersion: `meta.k8s.io/${neg.tableVersion}`, metadata: meta, columnDefinitions: [], rows: [] } : { kind: def.kind, apiVersion: apiVersionOf(def), metadata: meta };
      write(`{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
    };

    let unwatch: () => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    let bmTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      unwatch();
      if (timer) clearTimeout(timer);
      if (bmTimer) clearInterval(bmTimer);
      this.openWatches.delete(stop);
      res.end();
    };

    // Subscribe first (this may replay history and throw 410 before any header is sent).
    unwatch = this.rest.watch(
      this.storage(def),
      route.namespace,
      {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: rvText,
        sendInitialEvents: initialEvents || !rvText || rvText === '0',
      },
      (ev: RestWatchEvent) => {
        lastRev = Math.max(lastRev, ev.entry.rev);
        return write(format(ev.type, ev.entry));
      },
    );
    this.openWatches.add(stop);
    // Watch answers must flush headers at once, or `kubectl wait` and `rollout status` hang.
    res.writeHead(200, {
      'Content-Type': neg.table ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    started = true;
    for (const line of pending) res.write(line);
    pending.length = 0;
    if (wantsInitialEnd) bookmark({ 'k8s.io/initial-events-end': 'true' });
    // A watch asking for more than setTimeout holds (~24.8 days) ends at that limit instead of after 1 ms.
    timer = setTimeout(stop, clampDelay(timeoutSeconds * 1000));
    if (bookmarks) bmTimer = setInterval(() => bookmark(), BOOKMARK_EVERY_MS);
    req.on('close', stop);
    res.on('close', stop);
  }

  // ---- writes

  private async readObject(req: IncomingMessage, def: ResourceDef, q: URLSearchParams): Promise<KubeObject> {
    const buf = await readBody(req);
    const obj = decodeObject(buf, req.headers['content-type'], this.features.protobuf);
    this.checkFields(def, obj, q, req);
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    return obj as KubeObject;
  }

  /** Schema checks: wrong types are always 400; unknown fields per fieldValidation. */
  private checkFields(def: ResourceDef, obj: Obj, q: URLSearchParams, req: IncomingMessage): void {
    const oa = this.features.openapi;
    if (!oa) return;
    const out = oa.decode(apiVersionOf(def), def.kind, { ...obj, apiVersion: apiVersionOf(def), kind: def.kind }, q.get('fieldValidation'));
    if (out.error) throw errors.badRequest(out.error);
    if (out.warnings.length) (req as IncomingMessage & { skiffWarnings?: string[] }).skiffWarnings = out.warnings;
  }

  private async create(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated): Promise<void> {
    const { def } = route;
    const body = await this.readObject(req, def, q);
    const e = this.rest.create(this.storage(def), route.namespace, this.toStorage(def, body), { dryRun: isDryRun(q) });
    this.warn(req, res);
    this.sendEntry(res, 201, def, this.view(def, e), neg, q);
  }

  private warn(req: IncomingMessage, res: ServerResponse): void {
    const w = (req as IncomingMessage & { skiffWarnings?: string[] }).skiffWarnings;
    if (w?.length) res.setHeader('Warning', w);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated, sub?: 'status'): Promise<void> {
    const { def, name } = route;
    const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
    const buf = await readBody(req);
    const dryRun = isDryRun(q);
    if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') {
      return this.serverSideApply(req, res, route, q, neg, buf);
    }
    const type: PatchKind | undefined =
      ct === 'application/json-patch+json' ? 'json' : ct === 'application/merge-patch+json' ? 'merge' : ct === 'application/strategic-merge-patch+json' ? 'strategic' : undefined;
    if (!type) throw errors.unsupportedMediaType(ct || '(none)');
    const patcher = this.features.patcher;
    if (!patcher) throw errors.unsupportedMediaType(ct);
    const patch = parseJson(buf.toString('utf8'));
    const target = { apiVersion: apiVersionOf(def), kind: def.kind };
    if (type === 'strategic' && !patcher.supportsStrategicMerge(target.apiVersion, target.kind)) {
      throw errors.unsupportedMediaType(ct);
    }
    const e = this.rest.mutate(
      this.storage(def),
      route.namespace,
      name as string,
      (stored) => {
        const cur = this.convertOut(def, stored);
        const next = patcher.applyPatch(type, cur as Obj, patch, target) as KubeObject;
        if (!isPlainObject(next) || !isPlainObject(next.metadata)) throw errors.badRequest('patch produced an invalid object');
        this.checkFields(def, next, q, req);
        return this.toStorage(def, next);
      },
      { dryRun, subresource: sub },
    );
    this.warn(req, res);
    this.sendEntry(res, 200, def, this.view(def, e), neg, q);
  }

  /**
   * Server-side apply (`kubectl apply --server-side`), simplified: the applied configuration is
   * merged into the live object with strategic-merge rules and the object is created when
   * absent. Field ownership (managedFields, conflicts between managers) is not tracked yet.
   */
  private serverSideApply(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated, buf: Buffer): void {
    const { def, name } = route;
    const applied = parseYaml(buf.toString('utf8'));
    if (!isPlainObject(applied)) throw errors.badRequest('the applied configuration must be an object');
    if (!isPlainObject(applied.metadata)) applied.metadata = {};
    const meta = applied.metadata as Obj;
    if (meta.name !== undefined && meta.name !== name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    meta.name = name;
    this.checkFields(def, applied, q, req);
    const dryRun = isDryRun(q);
    const sdef = this.storage(def);
    const existing = this.rest.tryGet(sdef, route.namespace, name as string);
    if (!existing) {
      const e = this.rest.create(sdef, route.namespace, this.toStorage(def, applied as KubeObject), { dryRun });
      return this.sendEntry(res, 201, def, this.view(def, e), neg, q);
    }
    const patcher = this.features.patcher;
    const target = { apiVersion: apiVersionOf(def), kind: def.kind };
    const strategic = patcher?.supportsStrategicMerge(target.apiVersion, target.kind) ?? false;
    const e = this.rest.mutate(
      sdef,
      route.namespace,
      name as string,
      (stored) => {
        const cur = this.convertOut(def, stored);
        const patch = clone(applied);
        delete (patch.metadata as Obj).resourceVersion;
        const next = patcher ? patcher.applyPatch(strategic ? 'strategic' : 'merge', cur as Obj, patch, target) : { ...cur, ...patch };
        return this.toStorage(def, next as KubeObject);
      },
      { dryRun },
    );
    this.sendEntry(res, 200, def, this.view(def, e), neg, q);
  }

  private async deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
    const buf = await readBody(req);
    let body: Obj = {};
    if (buf.length) {
      const v = decodeObject(buf, req.headers['content-type'] || 'application/json', this.features.protobuf);
      body = v;
    }
    const opts: DeleteOptions = {};
    const grace = intParam(q, 'gracePeriodSeconds') ?? (typeof body.gracePeriodSeconds === 'number' ? body.gracePeriodSeconds : undefined);
    if (grace !== undefined) {
      if (grace < 0) throw errors.badRequest('gracePeriodSeconds must be >= 0');
      opts.gracePeriodSeconds = grace;
    }
    const policy = q.get('propagationPolicy') ?? (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : undefined);
    if (policy !== undefined) {
      if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
        throw errors.invalid('DeleteOptions', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"` }]);
      }
      opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
    } else if (body.orphanDependents === true || q.get('orphanDependents') === 'true') {
      opts.propagationPolicy = 'Orphan';
    }
    if (isPlainObject(body.preconditions)) {
      const p = body.preconditions;
      opts.preconditions = {
        uid: typeof p.uid === 'string' ? p.uid : undefined,
        resourceVersion: typeof p.resourceVersion === 'string' ? p.resourceVersion : undefined,
      };
    }
    const dr = Array.isArray(body.dryRun) ? body.dryRun.includes('All') : false;
    opts.dryRun = isDryRun(q) || dr;
    return opts;
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const opts = await this.deleteOptions(req, q);
    const def = route.def;
    const items = this.rest.deleteCollection(this.storage(def), route.namespace, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined }, opts);
    const body = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def)}","metadata":{"resourceVersion":"${this.rest.store.revision}"},"items":[${items.map((e) => this.view(def, e).json).join(',')}]}`;
    sendJson(res, 200, body);
  }

  // ---- subresources

  private async statusLike(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated, sub: string): Promise<void> {
    const { def, name } = route;
    const method = req.method ?? 'GET';
    if (method === 'GET') return this.sendEntry(res, 200, def, this.view(def, this.rest.get(this.storage(def), route.namespace, name as string)), neg, q);
    if (sub === 'finalize') {
      if (method !== 'PUT') throw errors.methodNotAllowed();
      const body = await this.readObject(req, def, q);
      const finalizers = isPlainObject(body.spec) && Array.isArray(body.spec.finalizers) ? body.spec.finalizers : [];
      const e = this.rest.mutate(def, route.namespace, name as string, (cur) => {
        cur.spec = { ...(isPlainObject(cur.spec) ? cur.spec : {}), finalizers };
        return cur;
      });
      return this.sendEntry(res, 200, def, e, neg, q);
    }
    if (method === 'PUT') {
      const body = await this.readObject(req, def, q);
      const e = this.rest.update(this.storage(def), route.namespace, name as string, this.toStorage(def, body), { dryRun: isDryRun(q), subresource: 'status' });
      return this.sendEntry(res, 200, def, this.view(def, e), neg, q);
    }
    if (method === 'PATCH') return this.patch(req, res, route, q, neg, 'status');
    throw errors.methodNotAllowed();
  }

  private async scale(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const { def, name } = route;
    const sdef = this.storage(def);
    const method = req.method ?? 'GET';
    const specPath = def.scale?.specReplicasPath ?? ['spec', 'replicas'];
    const statusPath = def.scale?.statusReplicasPath ?? ['status', 'replicas'];
    const toScale = (stored: KubeObject): Obj => {
      const o = this.convertOut(def, stored);
      const spec = isPlainObject(o.spec) ? o.spec : {};
      const sel = fromLabelSelector(isPlainObject(spec.selector) ? (spec.selector as never) : null);
      const selector = def.scale?.selector?.(o) ?? (def.kind === 'ReplicationController' && isPlainObject(spec.selector) ? selectorToString(fromLabelSelector({ matchLabels: spec.selector as Record<string, string> }) ?? []) : sel ? selectorToString(sel) : '');
      const specReplicas = getPath(o, specPath);
      const statusReplicas = getPath(o, statusPath);
      const status: Obj = { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 };
      if (selector) status.selector = selector;
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: {
          name: o.metadata.name,
          namespace: o.metadata.namespace,
          uid: o.metadata.uid,
          resourceVersion: o.metadata.resourceVersion,
          creationTimestamp: o.metadata.creationTimestamp,
        },
        spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
        status,
      };
    };
    if (method === 'GET') return sendJson(res, 200, toScale(this.rest.get(sdef, route.namespace, name as string).obj));
    const buf = await readBody(req);
    let replicas: unknown;
    let rv: string | undefined;
    if (method === 'PUT') {
      const body = decodeObject(buf, req.headers['content-type'], this.features.protobuf);
      replicas = isPlainObject(body.spec) ? body.spec.replicas : undefined;
      rv = isPlainObject(body.metadata) && typeof body.metadata.resourceVersion === 'string' ? body.metadata.resourceVersion : undefined;
    } else if (method === 'PATCH') {
      const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const patch = parseJson(buf.toString('utf8'));
      const cur = toScale(this.rest.get(sdef, route.namespace, name as string).obj);
      const type: PatchKind = ct === 'application/json-patch+json' ? 'json' : ct === 'application/strategic-merge-patch+json' ? 'strategic' : 'merge';
      const patcher = this.features.patcher;
      let next: Obj;
      if (patcher) next = patcher.applyPatch(type === 'strategic' ? 'merge' : type, cur, patch, { apiVersion: 'autoscaling/v1', kind: 'Scale' });
      else if (isPlainObject(patch)) next = { ...cur, spec: { ...(cur.spec as Obj), ...(isPlainObject(patch.spec) ? patch.spec : {}) } };
      else throw errors.badRequest('invalid patch');
      replicas = isPlainObject(next.spec) ? next.spec.replicas : undefined;
      const nextRv = isPlainObject(next.metadata) ? next.metadata.resourceVersion : undefined;
      if (typeof nextRv === 'string' && nextRv !== (cur.metadata as Obj).resourceVersion) rv = nextRv;
    } else throw errors.methodNotAllowed();
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', name as string, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }], 'autoscaling');
    }
    const e = this.rest.mutate(
      sdef,
      route.namespace,
      name as string,
      (stored) => {
        const o = this.convertOut(def, stored);
        if (rv) o.metadata.resourceVersion = rv;
        setPath(o, specPath, replicas);
        return this.toStorage(def, o);
      },
      { dryRun: isDryRun(q) },
    );
    sendJson(res, 200, toScale(e.obj));
  }

  private async binding(req: IncomingMessage, res: ServerResponse, route: ResourceRoute): Promise<void> {
    const body = decodeObject(await readBody(req), req.headers['content-type'], this.features.protobuf);
    const target = isPlainObject(body.target) ? body.target : {};
    const node = target.name;
    if (typeof node !== 'string' || !node) throw errors.invalid('Binding', route.name as string, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    bindPod(this.rest, route.def, route.namespace, route.name as string, node, this.rest.timestamp());
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  /**
   * pods/eviction (policy/v1 Eviction): the pod's PodDisruptionBudget must allow it (429
   * TooManyRequests otherwise, which `kubectl drain` retries), then the pod is deleted with the
   * Eviction's deleteOptions.
   */
  private async eviction(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const body = decodeObject(await readBody(req), req.headers['content-type'], this.features.protobuf);
    const meta = isPlainObject(body.metadata) ? body.metadata : {};
    if (typeof meta.name === 'string' && meta.name && meta.name !== route.name) {
      throw errors.badRequest(`name in URL does not match name in Eviction object`);
    }
    const del = isPlainObject(body.deleteOptions) ? body.deleteOptions : {};
    const opts: DeleteOptions = {};
    if (typeof del.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = del.gracePeriodSeconds;
    if (isPlainObject(del.preconditions)) {
      const p = del.preconditions;
      opts.preconditions = { uid: typeof p.uid === 'string' ? p.uid : undefined, resourceVersion: typeof p.resourceVersion === 'string' ? p.resourceVersion : undefined };
    }
    if (typeof del.propagationPolicy === 'string') opts.propagationPolicy = del.propagationPolicy as DeleteOptions['propagationPolicy'];
    opts.dryRun = isDryRun(q) || (Array.isArray(del.dryRun) && del.dryRun.includes('All'));
    const pod = this.rest.get(route.def, route.namespace, route.name as string).obj;
    checkEviction(new Client(this.rest, this.rest.registry), pod as Pod, this.clock.now(), { dryRun: opts.dryRun });
    this.rest.delete(route.def, route.namespace, route.name as string, opts);
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  private sendComputed(res: ServerResponse, route: ResourceRoute, c: { items: () => KubeObject[]; warning?: string }, neg: Negotiated, q: URLSearchParams): void {
    const { def } = route;
    if (c.warning) res.setHeader('Warning', `299 - ${JSON.stringify(c.warning)}`);
    const items = c.items();
    if (route.name) {
      const one = items.find((i) => i.metadata.name === route.name);
      if (!one) throw errors.notFound(def.plural, route.name, def.group || undefined);
      if (neg.table) return sendJson(res, 200, { ...this.table(def, [one], q, neg), metadata: {} });
      return sendJson(res, 200, one);
    }
    if (neg.table) return sendJson(res, 200, { ...this.table(def, items, q, neg), metadata: {} });
    sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: {}, items });
  }

  /** The storage-less review kinds (SelfSubjectAccessReview, TokenReview…): answered, never stored. */
  private async review(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const { def } = route;
    if (!this.auth) throw errors.notFound(def.plural, '', def.group);
    const body = await this.readObject(req, def, q);
    const apiVersion = apiVersionOf(def);
    if (body.apiVersion && body.apiVersion !== apiVersion) throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`);
    if (body.kind && body.kind !== def.kind) throw errors.badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${def.kind})`);
    const { apiVersion: _a, kind: _k, ...rest } = body;
    void _a;
    void _k;
    const out = this.auth.review(def.kind, { apiVersion, kind: def.kind, ...rest } as KubeObject, { user: userOf(req), namespace: route.namespace });
    this.warn(req, res);
    sendJson(res, 201, out);
  }

  /** serviceaccounts/<name>/token: a TokenRequest answered with a signed, expiring token. */
  private async token(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    if (!this.auth) throw errors.notFound('', req.url ?? '');
    const body = decodeObject(await readBody(req), req.headers['content-type'], this.features.protobuf);
    const sa = this.rest.get(route.def, route.namespace, route.name as string).obj;
    sendJson(res, 201, this.auth.requestToken(sa, body, isDryRun(q)));
  }

  // ---- versions: resources served at several versions share one storage version

  /** The def objects of `def` are stored through. */
  private storage(def: ResourceDef): ResourceDef {
    return def.storageVersion ? this.rest.registry.storageOf(def) : def;
  }

  /** A stored object as `def`'s version shows it (a copy when it had to be converted). */
  private convertOut(def: ResourceDef, o: KubeObject): KubeObject {
    if (!def.convert || o.apiVersion === apiVersionOf(def)) return o;
    return def.convert(clone(o), def.version);
  }

  private view(def: ResourceDef, e: Entry): Entry {
    if (!def.convert || e.obj.apiVersion === apiVersionOf(def)) return e;
    const obj = def.convert(clone(e.obj), def.version);
    return { key: e.key, rev: e.rev, obj, json: JSON.stringify(obj) };
  }

  /** A body in `def`'s version, defaulted and validated there, converted for storage. */
  private toStorage(def: ResourceDef, body: KubeObject): KubeObject {
    const sdef = this.storage(def);
    if (sdef === def || !def.convert) return body;
    const apiVersion = apiVersionOf(def);
    if (body.apiVersion && body.apiVersion !== apiVersion) throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`);
    const o = clone(body);
    o.apiVersion = apiVersion;
    o.kind ??= def.kind;
    def.defaults?.(o);
    const causes = def.validate?.(o) ?? [];
    if (causes.length) throw errors.invalid(def.kind, o.metadata?.name ?? '', causes, def.group || undefined);
    return def.convert(o, sdef.version);
  }

  private async logs(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const pods = this.features.pods;
    const pod = this.rest.get(route.def, route.namespace, route.name as string).obj;
    if (!pods) throw errors.serviceUnavailable('no kubelet is serving this pod');
    await pods.logs(
      pod,
      {
        container: q.get('container') ?? undefined,
        follow: boolParam(q, 'follow'),
        previous: boolParam(q, 'previous'),
        tailLines: intParam(q, 'tailLines'),
        sinceSeconds: intParam(q, 'sinceSeconds'),
        sinceTime: q.get('sinceTime') ?? undefined,
        timestamps: boolParam(q, 'timestamps'),
        limitBytes: intParam(q, 'limitBytes'),
      },
      req,
      res,
    );
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, route: ResourceRoute): Promise<void> {
    const [name, port = ''] = (route.name ?? '').split(':');
    if (route.def.kind === 'Pod') {
      if (!this.features.pods) throw errors.serviceUnavailable('no kubelet is serving this pod');
      const pod = this.rest.get(route.def, route.namespace, name).obj;
      return this.features.pods.proxy(pod, port, route.rest ?? '/', req, res);
    }
    if (route.def.kind === 'Service') {
      if (!this.features.services) throw errors.serviceUnavailable('no service proxy is running');
      const svc = this.rest.get(route.def, route.namespace, name).obj;
      return this.features.services.proxy(svc, port, route.rest ?? '/', req, res);
    }
    throw errors.notFound('', req.url ?? '');
  }
}

/**
 * Binds a pod to a node (pods/binding), as the scheduler does: sets spec.nodeName and the
 * PodScheduled condition in one write. Shared with the in-process client.
 */
export function bindPod(rest: Rest, def: ResourceDef, namespace: string | undefined, name: string, node: string, now: string): Entry {
  return rest.mutate(
    def,
    namespace,
    name,
    (pod) => {
      const spec = isPlainObject(pod.spec) ? pod.spec : {};
      if (spec.nodeName) throw errors.conflict('pods', name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
      if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', name, 'pod is being deleted, cannot be assigned to a host');
      pod.spec = { ...spec, nodeName: node };
      const status = isPlainObject(pod.status) ? pod.status : {};
      const conds = (Array.isArray(status.conditions) ? status.conditions : []).filter((c: unknown) => !isPlainObject(c) || c.type !== 'PodScheduled');
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
      pod.status = { ...status, conditions: conds };
      return pod;
    },
    // 'binding': the one write allowed to set spec.nodeName (pod updates may not).
    { fieldManager: INTERNAL, subresource: 'binding' },
  );
}

function getPath(o: unknown, path: readonly string[]): unknown {
  let v = o;
  for (const k of path) v = isPlainObject(v) ? v[k] : undefined;
  return v;
}

function setPath(o: Obj, path: readonly string[], value: unknown): void {
  let cur = o;
  path.forEach((k, i) => {
    if (i === path.length - 1) cur[k] = value;
    else {
      if (!isPlainObject(cur[k])) cur[k] = {};
      cur = cur[k] as Obj;
    }
  });
}

function isDryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

function partial(o: KubeObject, include: string): Obj | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o as Obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}
