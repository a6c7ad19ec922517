/**
 * The API server: the only entry point to the cluster (seed: "API Server — the only entry
 * point, REST, authn"). HTTPS on 127.0.0.1 only, bearer-token or client-certificate auth, the
 * real Kubernetes paths and verbs, Status errors. Resource handling is generic: a path resolves
 * to a ResourceDef from the registry and goes through `Rest`. Streaming calls (watch here;
 * logs/exec/attach/port-forward/proxy via the PodConnector) never buffer whole answers.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import * as errors from '../api/errors.js';
import type { Registry, ResourceDef } from '../api/registry.js';
import { apiVersionOf } from '../api/registry.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Clock } from '../api/clock.js';
import { tokenMatches, type Credentials } from './certs.js';
import { AGGREGATED_V2, AGGREGATED_V2BETA1, Discovery } from './discovery.js';
import type { ApiFeatures } from './features.js';
import { ResourceHandler } from './handlers.js';
import { sendError, sendJson } from './request.js';

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
  private readonly discovery: Discovery;
  private readonly sockets = new Set<Duplex>();
  private address = '127.0.0.1:0';

  constructor(private readonly opts: ApiServerOptions) {
    this.discovery = new Discovery(opts.registry, opts.features.metrics ? [metricsGroup()] : []);
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
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of this.sockets) sock.destroy();
    });
  }

  private authenticated(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth && auth.startsWith('Bearer ')) return tokenMatches(this.opts.credentials.token, auth.slice(7).trim());
    const sock = req.socket as TLSSocket;
    // A client certificate signed by our CA (verified by TLS) authenticates as its CN.
    return typeof sock.authorized === 'boolean' && sock.authorized && !!sock.getPeerCertificate?.()?.subject;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const path = url.pathname;
      if (isPublicHealth(path) && req.method === 'GET') return this.health(path, res);
      if (!this.authenticated(req)) throw errors.unauthorized();
      await this.route(req, res, path, url.searchParams);
    } catch (e) {
      sendError(res, e);
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      if (!this.authenticated(req)) throw errors.unauthorized();
      const url = new URL(req.url ?? '/', 'https://localhost');
      const route = this.parseResourcePath(url.pathname);
      if (!route || route.def.kind !== 'Pod' || !route.name || !['exec', 'attach', 'portforward'].includes(route.subresource ?? '')) {
        throw errors.notFound('', url.pathname);
      }
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

  private health(path: string, res: ServerResponse): void {
    const ready = path.startsWith('/readyz') ? (this.opts.ready?.() ?? true) : true;
    res.writeHead(ready ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(ready ? 'ok' : '[-]engine not ready\nreadyz check failed');
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const accept = req.headers.accept ?? '';
    const p = path.length > 1 && path.endsWith('/') && !path.includes('/proxy') ? path.slice(0, -1) : path;
    if (method === 'GET') {
      if (p === '/version') return sendJson(res, 200, SERVER_VERSION);
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
        if (!oa) throw errors.notFound('', p);
        res.writeHead(oa.status, oa.headers);
        res.end(oa.body);
        return;
      }
      if (p === '/api/v1') return sendJson(res, 200, this.discovery.resourceList('', 'v1') as string);
      const gm = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
      if (gm) {
        const body = gm[2] ? this.discovery.resourceList(gm[1], gm[2]) : this.discovery.apiGroup(gm[1]);
        if (!body) throw errors.notFound('', p);
        return sendJson(res, 200, body);
      }
      if (p.startsWith('/apis/metrics.k8s.io/v1beta1/')) return this.metrics(p, res);
    }
    const route = this.parseResourcePath(p === path ? path : path);
    if (!route) {
      if (p === '/api' || p === '/apis' || p === '/version' || p === '/api/v1') throw errors.methodNotAllowed();
      throw errors.notFound('', p);
    }
    await this.opts.handler.handle(req, res, route, q);
  }

  private async metrics(p: string, res: ServerResponse): Promise<void> {
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
    } else throw errors.notFound('', p);
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
