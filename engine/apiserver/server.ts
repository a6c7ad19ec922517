/**
 * The API server: the only entry point to the cluster (seed: "API Server — the only entry
 * point, REST, authn"). HTTPS on 127.0.0.1 only, bearer-token or client-certificate auth, the
 * real Kubernetes paths and verbs, Status errors. Resource handling is generic: a path resolves
 * to a ResourceDef from the registry and goes through `Rest`. Streaming calls (watch here;
 * logs/exec/attach/port-forward/proxy via the PodConnector) never buffer whole answers.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import * as errors from '../api/errors.js';
import type { Registry, ResourceDef } from '../api/registry.js';
import { apiVersionOf } from '../api/registry.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Clock } from '../api/clock.js';
import type { Credentials } from './certs.js';
import { AGGREGATED_V2, AGGREGATED_V2BETA1, Discovery } from './discovery.js';
import type { ApiFeatures } from './features.js';
import { ResourceHandler } from './handlers.js';
import { boolParam, sendError, sendJson } from './request.js';
import { forbiddenMessage, installAuth, isSuperuser, setUser, type Attributes, type Auth, type UserInfo } from './authz/index.js';
import { wrapProtobuf } from './authz/protobuf.js';
import { ApiMetrics, METRICS_CONTENT_TYPE, type RequestLabels } from './monitoring/metrics.js';
import { serveHealth } from './monitoring/health.js';
import { installCustomResources, type CustomResources } from './crd/index.js';
import { installPriorityClasses } from './bootstrap/priority.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-skiff',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface ApiServerOptions {
  registry: Registry;
  handler: ResourceHandler;
  credentials: Credentials;
  features: ApiFeatures;
  clock: Clock;
  /** Readiness hook: /readyz answers 200 only when this returns true. */
  ready?: () => boolean;
}

/** A parsed resource path. */
export interface ResourceRoute {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** For proxy subresources: the remainder of the path after `/proxy`. */
  rest?: string;
  /** Legacy `/watch/` path prefix. */
  watchPath?: boolean;
}

export class ApiServer {
  private server: Server | undefined;
  private discoveryCache: Discovery | undefined;
  private discoveryHasMetrics = false;
  private discoveryGeneration = -1;
  private readonly sockets = new Set<Duplex>();
  private address = '127.0.0.1:0';
  /** Authentication, RBAC authorization, service account tokens and the review kinds. */
  readonly auth: Auth;
  readonly metrics: ApiMetrics;
  /** CustomResourceDefinitions → served resources (undefined if the registry has no CRD kind). */
  readonly crds: CustomResources | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    const rest = opts.handler.rest;
    this.auth = installAuth({
      rest,
      registry: opts.registry,
      clock: opts.clock,
      adminToken: opts.credentials.token,
      signingKey: opts.credentials.serverKey,
      caCert: opts.credentials.caCert,
    });
    opts.handler.auth = this.auth;
    // kubectl sends the review and TokenRequest kinds as protobuf.
    if (opts.features.protobuf) opts.features.protobuf = wrapProtobuf(opts.features.protobuf);
    this.metrics = new ApiMetrics(opts.registry, rest.store, SERVER_VERSION);
    // `kubectl get cs`: the control plane runs in-process, healthy once the engine has started.
    opts.handler.computed.set('componentstatuses', {
      warning: 'v1 ComponentStatus is deprecated in v1.19+',
      items: () => {
        const ok = opts.ready?.() ?? true;
        return ['scheduler', 'controller-manager', 'etcd-0'].map((name) => ({
          kind: 'ComponentStatus',
          apiVersion: 'v1',
          metadata: { name, creationTimestamp: null },
          conditions: [{ type: 'Healthy', status: ok ? 'True' : 'False', message: ok ? 'ok' : 'starting', ...(ok ? {} : { error: 'the engine is starting' }) }],
        }));
      },
    });
    this.crds = installCustomResources({ rest, registry: opts.registry, features: opts.features, clock: opts.clock });
    installPriorityClasses(rest, opts.registry);
  }

  /**
   * Discovery, rebuilt when metrics.k8s.io appears or goes (the kubelet registers its
   * MetricsProvider after the server is constructed) and when the registry changes (CRDs).
   */
  private get discovery(): Discovery {
    const metrics = !!this.opts.features.metrics;
    const gen = this.opts.registry.generation;
    if (!this.discoveryCache || metrics !== this.discoveryHasMetrics || gen !== this.discoveryGeneration) {
      this.discoveryCache = new Discovery(this.opts.registry, metrics ? [metricsGroup()] : []);
      this.discoveryHasMetrics = metrics;
      this.discoveryGeneration = gen;
    }
    return this.discoveryCache;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const c = this.opts.credentials;
    const server = createHttpsServer({
      key: c.serverKey,
      cert: c.serverCert,
      ca: c.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    });
    server.keepAliveTimeout = 65_000;
    server.on('request', (req, res) => void this.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    server.on('connection', (s: Duplex) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('secureConnection', (s: Duplex) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.address = `${host}:${a.port}`;
    return a.port;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    this.opts.handler.closeWatches();
    this.crds?.stop();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of this.sockets) sock.destroy();
    });
  }

  /** The caller (after impersonation), recorded on the request; throws 401/403. */
  private identify(req: IncomingMessage): UserInfo {
    const user = this.auth.authenticator.authenticate(req);
    if (!user) throw errors.unauthorized();
    const acting = this.auth.authenticator.impersonate(req, user, this.auth.authorizer);
    setUser(req, acting);
    return acting;
  }

  private authorize(user: UserInfo, a: Attributes): void {
    if (isSuperuser(user)) return;
    const d = this.auth.authorizer.authorize(user, a);
    if (d.allowed) return;
    const s = errors.forbidden(forbiddenMessage(user, a));
    if (a.resourceRequest) s.status.details = { name: a.name ?? '', group: a.group ?? '', kind: a.resource ?? '' };
    throw s;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const done = this.metrics.begin(!['GET', 'HEAD', 'OPTIONS'].includes(method));
    let labels: RequestLabels | undefined;
    let endLong: (() => void) | undefined;
    res.on('close', () => {
      done();
      endLong?.();
      if (labels) this.metrics.observe(labels, res.statusCode, Number(process.hrtime.bigint() - t0) / 1e9);
    });
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const path = url.pathname;
      if (isPublicHealth(path) && (method === 'GET' || method === 'HEAD')) return this.health(path, url.searchParams, res);
      const user = this.identify(req);
      const route = this.parseResourcePath(trimSlash(path));
      if (route) {
        labels = requestLabels(method, route, url.searchParams, req.headers['content-type']);
        if (labels.verb === 'WATCH' || labels.verb === 'CONNECT') endLong = this.metrics.beginLongRunning(labels);
        this.authorize(user, resourceAttributes(method, route, url.searchParams));
      } else {
        this.authorize(user, { verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(), resourceRequest: false, path });
      }
      await this.route(req, res, path, url.searchParams, route);
    } catch (e) {
      sendError(res, e);
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      const user = this.identify(req);
      const url = new URL(req.url ?? '/', 'https://localhost');
      const route = this.parseResourcePath(url.pathname);
      if (!route || route.def.kind !== 'Pod' || !route.name || !['exec', 'attach', 'portforward'].includes(route.subresource ?? '')) {
        throw notFoundPath();
      }
      // Upstream authorizes WebSocket exec/attach/port-forward as "create" on the subresource.
      this.authorize(user, { ...resourceAttributes('POST', route, url.searchParams), verb: 'create' });
      const pods = this.opts.features.pods;
      if (!pods) throw errors.serviceUnavailable('no kubelet is serving this pod');
      const pod = this.opts.handler.rest.get(route.def, route.namespace, route.name).obj;
      await pods.upgrade(route.subresource as 'exec' | 'attach' | 'portforward', pod, req, socket, head);
    } catch (e) {
      const s = e instanceof errors.ApiError ? e.status : errors.internal(String(e)).status;
      const body = JSON.stringify(s);
      if (socket.writable) {
        socket.end(`HTTP/1.1 ${s.code} ${s.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      }
    }
  }

  private health(path: string, q: URLSearchParams, res: ServerResponse): void {
    const a = serveHealth(path, q, () => this.opts.ready?.() ?? true);
    if (!a) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('404 page not found\n');
      return;
    }
    res.writeHead(a.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
    res.end(a.body);
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, route: ResourceRoute | undefined): Promise<void> {
    const method = req.method ?? 'GET';
    const accept = req.headers.accept ?? '';
    const p = trimSlash(path);
    if (method === 'GET') {
      if (p === '/version') return sendJson(res, 200, SERVER_VERSION);
      if (p === '/metrics') {
        res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Cache-Control': 'no-cache, private' });
        res.end(this.metrics.render());
        return;
      }
      if (p === '/api' || p === '/apis') {
        const core = p === '/api';
        if (accept.includes('g=apidiscovery.k8s.io')) {
          const v2 = acceptsMedia(accept, 'v=v2;') || /v=v2(?!beta)/.test(accept);
          const ct = v2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1;
          return sendJson(res, 200, this.discovery.aggregated(core, v2 ? 'v2' : 'v2beta1'), { 'Content-Type': ct, Vary: 'Accept' });
        }
        return sendJson(res, 200, core ? this.discovery.apiVersions(this.address) : this.discovery.apiGroupList(), { Vary: 'Accept' });
      }
      if (p.startsWith('/openapi/')) {
        const oa = this.opts.features.openapi?.serve(method, req.url ?? p, req.headers);
        if (!oa) throw notFoundPath();
        res.writeHead(oa.status, oa.headers);
        res.end(oa.body);
        return;
      }
      if (p === '/api/v1') return sendJson(res, 200, this.discovery.resourceList('', 'v1') as string);
      const gm = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
      if (gm) {
        const body = gm[2] ? this.discovery.resourceList(gm[1], gm[2]) : this.discovery.apiGroup(gm[1]);
        if (!body) throw notFoundPath();
        return sendJson(res, 200, body);
      }
      if (p.startsWith('/apis/metrics.k8s.io/v1beta1/')) return this.metricsApi(p, res);
    }
    if (!route) {
      if (p === '/api' || p === '/apis' || p === '/version' || p === '/api/v1' || p === '/metrics') throw errors.methodNotAllowed();
      throw notFoundPath();
    }
    await this.opts.handler.handle(req, res, route, q);
  }

  private async metricsApi(p: string, res: ServerResponse): Promise<void> {
    const m = this.opts.features.metrics;
    if (!m) throw errors.notFound('', p);
    const parts = p.split('/').slice(4); // after /apis/metrics.k8s.io/v1beta1
    let kind: 'nodes' | 'pods';
    let namespace: string | undefined;
    let name: string | undefined;
    if (parts[0] === 'namespaces' && parts[2] === 'pods') {
      kind = 'pods';
      namespace = parts[1];
      name = parts[3];
    } else if (parts[0] === 'pods' || parts[0] === 'nodes') {
      kind = parts[0];
      name = parts[1];
    } else throw notFoundPath();
    const items = kind === 'nodes' ? await m.nodeMetrics() : await m.podMetrics(namespace);
    if (name) {
      const one = items.find((i) => i.metadata.name === name);
      if (!one) throw errors.notFound(`${kind}.metrics.k8s.io`, name);
      return sendJson(res, 200, one);
    }
    return sendJson(res, 200, { kind: kind === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
  }

  /** /api/v1/..., /apis/<g>/<v>/... → the resource, namespace, name and subresource. */
  parseResourcePath(path: string): ResourceRoute | undefined {
    const segs = path.split('/').slice(1);
    let group: string;
    let version: string;
    let i: number;
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1];
      i = 2;
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1];
      version = segs[2];
      i = 3;
    } else return undefined;
    let watchPath = false;
    if (segs[i] === 'watch') {
      watchPath = true;
      i++;
    }
    const rest = segs.slice(i).map(decodeURIComponent);
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string | undefined;
    let after: string[] = [];
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      plural = rest[2];
      name = rest[3];
      sub = rest[4];
      after = rest.slice(5);
    } else {
      plural = rest[0];
      name = rest[1];
      sub = rest[2];
      after = rest.slice(3);
    }
    if (!plural) return undefined;
    let def = this.opts.registry.lookup(group, version, plural);
    if (group === '' && rest[0] === 'namespaces' && rest.length === 3 && (!def || !def.namespaced)) {
      // The namespace object's own subresources: /api/v1/namespaces/<name>/status|finalize.
      def = this.opts.registry.lookup('', version, 'namespaces');
      namespace = undefined;
      name = rest[1];
      sub = rest[2];
      after = [];
    }
    if (!def) return undefined;
    if (!def.namespaced && namespace !== undefined) return undefined;
    if (name === '') name = undefined;
    if (sub === '') sub = undefined;
    if (sub && sub !== 'proxy' && after.length) return undefined;
    if (sub && !(def.subresources ?? []).includes(sub as never)) return undefined;
    return { def, namespace, name, subresource: sub, rest: sub === 'proxy' ? '/' + after.join('/') : undefined, watchPath };
  }
}

/** Upstream's answer for a path nothing serves. */
function notFoundPath(): errors.ApiError {
  return new errors.ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') && !path.includes('/proxy') ? path.slice(0, -1) : path;
}

/** The authorizer's view of a resource request (k8s.io/apiserver's RequestInfo). */
export function resourceAttributes(method: string, route: ResourceRoute, q: URLSearchParams): Attributes {
  const { def } = route;
  let verb: string;
  const watch = route.watchPath || boolParam(q, 'watch');
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watch ? 'watch' : route.name ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = route.name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  let name = route.name;
  if (route.subresource === 'proxy' && name) name = name.split(':')[0];
  if (!name && watch) {
    const m = /(?:^|,)metadata\.name==?([^,]+)/.exec(q.get('fieldSelector') ?? '');
    if (m) name = m[1];
  }
  return { verb, resourceRequest: true, namespace: route.namespace, group: def.group, version: def.version, resource: def.plural, subresource: route.subresource, name };
}

/** Labels of apiserver_request_total and friends. */
function requestLabels(method: string, route: ResourceRoute, q: URLSearchParams, contentType: string | undefined): RequestLabels {
  const sub = route.subresource ?? '';
  let verb: string;
  if (['exec', 'attach', 'portforward', 'proxy'].includes(sub)) verb = 'CONNECT';
  else if (method === 'GET') verb = route.watchPath || boolParam(q, 'watch') ? 'WATCH' : route.name ? 'GET' : 'LIST';
  else if (method === 'PATCH' && (contentType ?? '').startsWith('application/apply-patch')) verb = 'APPLY';
  else verb = method;
  const scope = route.name ? 'resource' : route.namespace ? 'namespace' : 'cluster';
  return { verb, group: route.def.group, version: route.def.version, resource: route.def.plural, subresource: sub, scope, dryRun: q.getAll('dryRun').includes('All') };
}

function isPublicHealth(path: string): boolean {
  return /^\/(healthz|livez|readyz)(\/.*)?$/.test(path);
}

function acceptsMedia(accept: string, needle: string): boolean {
  return accept.split(',').some((p) => p.includes('apidiscovery') && p.replace(/\s/g, '').includes(needle));
}

function metricsGroup() {
  return {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    resources: [
      { plural: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] },
      { plural: 'pods', singular: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] },
    ],
  };
}

export function objectApiVersion(def: ResourceDef): string {
  return apiVersionOf(def);
}

export function asObject(v: unknown): KubeObject {
  if (!isPlainObject(v)) throw errors.badRequest('expected an object');
  return v as KubeObject;
}
