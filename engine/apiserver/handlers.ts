/**
 * HTTP verbs on resources: turns a parsed route + query + body into calls on `Rest` and writes
 * the answer (object, List, Table, or a watch stream). Subresources (status, scale, binding,
 * eviction) are mapped onto the same storage; node-side streams go to the PodConnector.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as errors from '../api/errors.js';
import type { Clock } from '../api/clock.js';
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

type Obj = Record<string, unknown>;

/** How long a watch with no timeoutSeconds stays open (upstream picks 30–60 min at random). */
const DEFAULT_WATCH_SECONDS = 1800;
const BOOKMARK_EVERY_MS = 60_000;
/** A watcher that lets this much output pile up unread is dropped (it will relist). */
const MAX_WATCH_BACKLOG = 16 * 1024 * 1024;

export class ResourceHandler {
  private readonly openWatches = new Set<() => void>();

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
        return this.eviction(req, res, route);
      default:
        throw errors.notFound('', req.url ?? '');
    }

    switch (method) {
      case 'GET':
        allow('get');
        return this.sendEntry(res, 200, def, this.rest.get(def, route.namespace, name), neg, q);
      case 'PUT': {
        allow('update');
        const body = await this.readObject(req, def, q);
        const e = this.rest.update(def, route.namespace, name, body, { dryRun: isDryRun(q) });
        return this.sendEntry(res, 200, def, e, neg, q);
      }
      case 'PATCH':
        allow('patch');
        return this.patch(req, res, route, q, neg);
      case 'DELETE': {
        allow('delete');
        const opts = await this.deleteOptions(req, q);
        const r = this.rest.delete(def, route.namespace, name, opts);
        return this.sendEntry(res, r.removed ? 200 : 202, def, r.entry, neg, q);
      }
      default:
        throw errors.methodNotAllowed();
    }
  }

  // ---- reads

  private list(res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated): void {
    const { def } = route;
    const r = this.rest.list(def, route.namespace, {
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: intParam(q, 'limit'),
      continue: q.get('continue') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
    });
    const meta: Obj = { resourceVersion: r.resourceVersion };
    if (r.continue) meta.continue = r.continue;
    if (r.remainingItemCount !== undefined) meta.remainingItemCount = r.remainingItemCount;
    if (neg.table) {
      const t = this.table(def, r.items.map((e) => e.obj), q, neg);
      return sendJson(res, 200, { ...t, metadata: meta });
    }
    // Objects are stored serialized: a list answer is assembled from those strings.
    const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def)}","metadata":${JSON.stringify(meta)},"items":[`;
    const body = head + r.items.map((e) => e.json).join(',') + ']}';
    sendJson(res, 200, body);
  }

  private table(def: ResourceDef, objects: KubeObject[], q: URLSearchParams, neg: Negotiated): Obj {
    const includeObject = (q.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
    const printer = this.features.table;
    let t: Obj;
    if (printer) {
      t = { ...printer.toTable(def.group, def.kind, objects as Obj[], { includeObject, now: this.clock.now() }) };
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

    const format = (type: string, e: Entry): string => {
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
      def,
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
    timer = setTimeout(stop, timeoutSeconds * 1000);
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
    const body = await this.readObject(req, route.def, q);
    const e = this.rest.create(route.def, route.namespace, body, { dryRun: isDryRun(q) });
    this.warn(req, res);
    this.sendEntry(res, 201, route.def, e, neg, q);
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
      def,
      route.namespace,
      name as string,
      (cur) => {
        const next = patcher.applyPatch(type, cur as Obj, patch, target) as KubeObject;
        if (!isPlainObject(next) || !isPlainObject(next.metadata)) throw errors.badRequest('patch produced an invalid object');
        this.checkFields(def, next, q, req);
        return next;
      },
      { dryRun, subresource: sub },
    );
    this.warn(req, res);
    this.sendEntry(res, 200, def, e, neg, q);
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
    const existing = this.rest.tryGet(def, route.namespace, name as string);
    if (!existing) {
      const e = this.rest.create(def, route.namespace, applied as KubeObject, { dryRun });
      return this.sendEntry(res, 201, def, e, neg, q);
    }
    const patcher = this.features.patcher;
    const target = { apiVersion: apiVersionOf(def), kind: def.kind };
    const strategic = patcher?.supportsStrategicMerge(target.apiVersion, target.kind) ?? false;
    const e = this.rest.mutate(
      def,
      route.namespace,
      name as string,
      (cur) => {
        const patch = clone(applied);
        delete (patch.metadata as Obj).resourceVersion;
        const next = patcher ? patcher.applyPatch(strategic ? 'strategic' : 'merge', cur as Obj, patch, target) : { ...cur, ...patch };
        return next as KubeObject;
      },
      { dryRun },
    );
    this.sendEntry(res, 200, def, e, neg, q);
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
    const items = this.rest.deleteCollection(route.def, route.namespace, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined }, opts);
    const body = `{"kind":"${route.def.kind}List","apiVersion":"${apiVersionOf(route.def)}","metadata":{"resourceVersion":"${this.rest.store.revision}"},"items":[${items.map((e) => e.json).join(',')}]}`;
    sendJson(res, 200, body);
  }

  // ---- subresources

  private async statusLike(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, neg: Negotiated, sub: string): Promise<void> {
    const { def, name } = route;
    const method = req.method ?? 'GET';
    if (method === 'GET') return this.sendEntry(res, 200, def, this.rest.get(def, route.namespace, name as string), neg, q);
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
      const e = this.rest.update(def, route.namespace, name as string, body, { dryRun: isDryRun(q), subresource: 'status' });
      return this.sendEntry(res, 200, def, e, neg, q);
    }
    if (method === 'PATCH') return this.patch(req, res, route, q, neg, 'status');
    throw errors.methodNotAllowed();
  }

  private async scale(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<void> {
    const { def, name } = route;
    const method = req.method ?? 'GET';
    const toScale = (o: KubeObject): Obj => {
      const spec = isPlainObject(o.spec) ? o.spec : {};
      const status = isPlainObject(o.status) ? o.status : {};
      const sel = fromLabelSelector(isPlainObject(spec.selector) ? (spec.selector as never) : null);
      const selector = def.scale?.selector?.(o) ?? (def.kind === 'ReplicationController' && isPlainObject(spec.selector) ? selectorToString(fromLabelSelector({ matchLabels: spec.selector as Record<string, string> }) ?? []) : sel ? selectorToString(sel) : '');
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
        spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
        status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector },
      };
    };
    if (method === 'GET') return sendJson(res, 200, toScale(this.rest.get(def, route.namespace, name as string).obj));
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
      const cur = toScale(this.rest.get(def, route.namespace, name as string).obj);
      const type: PatchKind = ct === 'application/json-patch+json' ? 'json' : ct === 'application/strategic-merge-patch+json' ? 'strategic' : 'merge';
      const patcher = this.features.patcher;
      let next: Obj;
      if (patcher) next = patcher.applyPatch(type === 'strategic' ? 'merge' : type, cur, patch, { apiVersion: 'autoscaling/v1', kind: 'Scale' });
      else if (isPlainObject(patch)) next = { ...cur, spec: { ...(cur.spec as Obj), ...(isPlainObject(patch.spec) ? patch.spec : {}) } };
      else throw errors.badRequest('invalid patch');
      replicas = isPlainObject(next.spec) ? next.spec.replicas : undefined;
    } else throw errors.methodNotAllowed();
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', name as string, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }], 'autoscaling');
    }
    const e = this.rest.mutate(
      def,
      route.namespace,
      name as string,
      (o) => {
        if (rv) o.metadata.resourceVersion = rv;
        o.spec = { ...(isPlainObject(o.spec) ? o.spec : {}), replicas };
        return o;
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

  private async eviction(req: IncomingMessage, res: ServerResponse, route: ResourceRoute): Promise<void> {
    const body = decodeObject(await readBody(req), req.headers['content-type'], this.features.protobuf);
    const del = isPlainObject(body.deleteOptions) ? body.deleteOptions : {};
    const opts: DeleteOptions = {};
    if (typeof del.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = del.gracePeriodSeconds;
    this.rest.delete(route.def, route.namespace, route.name as string, opts);
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
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
    { fieldManager: INTERNAL },
  );
}

function isDryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

function partial(o: KubeObject, include: string): Obj | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o as Obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}
