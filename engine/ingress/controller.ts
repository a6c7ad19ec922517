/**
 * The built-in ingress controller: an HTTP (and, once an Ingress names a TLS Secret, HTTPS)
 * reverse proxy in the engine process on 127.0.0.1, routing by Host and path ({@link
 * IngressRouter}) to a ready endpoint of the backend Service (picked by the service proxy's
 * balancer, so session affinity and readiness apply as for NodePorts).
 *
 * Ports: 127.0.0.1:80 and :443 by default — what Docker Desktop and k3s (Traefik) give, so
 * `curl http://app.localhost/` just works. Binding them needs root on Linux (or a lowered
 * net.ipv4.ip_unprivileged_port_start), and another cluster or web server may hold them, so when
 * a *default* port cannot be bound the controller falls back to 8080/8443, then to any free port.
 * An explicitly configured port (SKIFF_INGRESS_HTTP_PORT/…_HTTPS_PORT) is used as is. Ingress
 * status tells the truth: `status.loadBalancer.ingress: [{ip: 127.0.0.1, ports: [...]}]`, with
 * `ports` listed only when they are not the standard 80/443.
 *
 * Classes: Skiff creates IngressClass `skiff` (controller `skiff.io/ingress-controller`), marked
 * default. An Ingress is served when its class (spec.ingressClassName, or the legacy
 * `kubernetes.io/ingress.class` annotation) is a class of ours, or when it names no class and no
 * other controller's class is the default.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import type { EventRecorder } from '../events/recorder.js';
import type { Endpoint } from '../proxy/model.js';
import { forwardHttp, forwardUpgrade } from '../proxy/httpforward.js';
import { IngressRouter, type Backend } from './router.js';

export const INGRESS_CLASS = 'skiff';
export const INGRESS_CONTROLLER = 'skiff.io/ingress-controller';

export interface IngressControllerOptions {
  client: Client;
  ingresses: Informer;
  classes: Informer;
  recorder: EventRecorder;
  /** A ready endpoint of the backend, or why there is none. */
  pick(b: Backend, clientIP: string): { endpoint?: Endpoint; error?: string };
  httpPort?: number;
  httpsPort?: number;
  /** Bind address (tests may use another loopback address). */
  host?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});

export class IngressController {
  private router = new IngressRouter([]);
  private http: Server | undefined;
  private https: Server | undefined;
  private httpsStarting = false;
  httpPort: number | undefined;
  httpsPort: number | undefined;
  private readonly contexts = new Map<string, { rv: string; ctx: SecureContext }>();
  private tlsHosts: { host: string; secret: string }[] = [];
  private stopped = false;
  private readonly warned = new Set<string>();

  constructor(private readonly o: IngressControllerOptions) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    this.ensureClass();
    const host = this.o.host ?? '127.0.0.1';
    const { server, port } = await listenWithFallback((s) => this.attach(s, 'http'), () => createHttpServer(), host, this.o.httpPort, 80, 8080);
    // Stopped while binding (the engine stopping during start-up): close quietly, write nothing.
    if (this.stopped) {
      await new Promise<void>((r) => server.close(() => r()));
      return;
    }
    this.http = server;
    this.httpPort = port;
    if (port !== 80) console.log(`ingress: HTTP on 127.0.0.1:${port}`);
    this.refresh();
  }

  private ensureClass(): void {
    if (this.stopped) return;
    const classes = this.o.client.resource('networking.k8s.io', 'IngressClass');
    if (classes.get(undefined, INGRESS_CLASS)) return;
    try {
      classes.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: INGRESS_CLASS, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' }, labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
        spec: { controller: INGRESS_CONTROLLER },
      });
    } catch (e) {
      console.error(`ingress: cannot create IngressClass ${INGRESS_CLASS}: ${(e as Error).message}`);
    }
  }

  /** Is this Ingress ours? */
  ours(ing: KubeObject): boolean {
    const spec = obj(ing.spec);
    const name = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : ing.metadata.annotations?.['kubernetes.io/ingress.class'];
    const classes = this.o.classes.list();
    if (name) {
      const c = classes.find((x) => x.metadata.name === name);
      return c ? obj(c.spec).controller === INGRESS_CONTROLLER : name === INGRESS_CLASS;
    }
    const defaults = classes.filter((c) => c.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true');
    return defaults.length === 0 || defaults.some((c) => obj(c.spec).controller === INGRESS_CONTROLLER);
  }

  /** Rebuilds the routes and writes statuses (called on Ingress/IngressClass changes). */
  refresh(): void {
    if (this.stopped) return;
    const mine = this.o.ingresses.list().filter((i) => !i.metadata.deletionTimestamp && this.ours(i));
    this.router = new IngressRouter(mine);
    this.tlsHosts = [];
    for (const ing of mine) {
      for (const t of Array.isArray(obj(ing.spec).tls) ? (obj(ing.spec).tls as unknown[]) : []) {
        const tls = obj(t);
        if (typeof tls.secretName !== 'string') continue;
        const secret = `${ing.metadata.namespace}/${tls.secretName}`;
        if (!this.context(secret)) {
          const k = `${ing.metadata.uid}/${secret}`;
          if (!this.warned.has(k)) {
            this.warned.add(k);
            this.o.recorder.event(ing, 'Warning', 'TLSSecretInvalid', `secret ${tls.secretName} is missing or has no valid tls.crt/tls.key; HTTPS for this Ingress uses another certificate`);
          }
        }
        const hosts = Array.isArray(tls.hosts) ? tls.hosts.filter((h): h is string => typeof h === 'string') : [];
        if (hosts.length === 0) this.tlsHosts.push({ host: '*', secret });
        for (const h of hosts) this.tlsHosts.push({ host: h.toLowerCase(), secret });
      }
    }
    if (this.tlsHosts.length && !this.https && !this.httpsStarting) void this.startHttps();
    for (const ing of mine) this.writeStatus(ing);
  }

  private statusFor(): Obj[] {
    if (this.httpPort === undefined) return [];
    const ports: Obj[] = [];
    if (this.httpPort !== 80) ports.push({ port: this.httpPort, protocol: 'TCP' });
    if (this.httpsPort !== undefined && this.httpsPort !== 443) ports.push({ port: this.httpsPort, protocol: 'TCP' });
    return [{ ip: '127.0.0.1', ...(ports.length && { ports }) }];
  }

  private writeStatus(ing: KubeObject): void {
    if (this.stopped) return;
    const want = this.statusFor();
    const cur = obj(obj(ing.status).loadBalancer).ingress;
    if (JSON.stringify(cur ?? []) === JSON.stringify(want)) return;
    try {
      this.o.client.resource('networking.k8s.io', 'Ingress').modify(
        ing.metadata.namespace,
        ing.metadata.name ?? '',
        (o) => {
          o.status = { ...obj(o.status), loadBalancer: { ingress: want } };
        },
        { status: true },
      );
    } catch (e) {
      console.error(`ingress: status of ${ing.metadata.namespace}/${ing.metadata.name}: ${(e as Error).message}`);
    }
  }

  private async startHttps(): Promise<void> {
    this.httpsStarting = true;
    try {
      const first = this.context(this.tlsHosts[0]?.secret);
      if (!first) return;
      const { server, port } = await listenWithFallback(
        (s) => this.attach(s, 'https'),
        () => createHttpsServer({ SNICallback: (name, cb) => cb(null, this.contextFor(name) ?? this.context(this.tlsHosts[0]?.secret)) }),
        this.o.host ?? '127.0.0.1',
        this.o.httpsPort,
        443,
        8443,
      );
      if (this.stopped) {
        server.close();
        return;
      }
      this.https = server;
      this.httpsPort = port;
      if (port !== 443) console.log(`ingress: HTTPS on 127.0.0.1:${port}`);
      for (const ing of this.o.ingresses.list().filter((i) => this.ours(i))) this.writeStatus(ing);
    } catch (e) {
      console.error(`ingress: HTTPS not started: ${(e as Error).message}`);
    } finally {
      this.httpsStarting = false;
    }
  }

  private contextFor(servername: string): SecureContext | undefined {
    const n = servername.toLowerCase();
    const hit =
      this.tlsHosts.find((t) => t.host === n) ??
      this.tlsHosts.find((t) => t.host.startsWith('*.') && n.endsWith(t.host.slice(1)) && !n.slice(0, -(t.host.length - 1)).includes('.')) ??
      this.tlsHosts.find((t) => t.host === '*');
    return hit ? this.context(hit.secret) : undefined;
  }

  private context(secretKey: string | undefined): SecureContext | undefined {
    if (!secretKey) return undefined;
    const [ns, name] = secretKey.split('/');
    const s = this.o.client.resource('', 'Secret').get(ns, name);
    if (!s) return undefined;
    const cached = this.contexts.get(secretKey);
    if (cached && cached.rv === s.metadata.resourceVersion) return cached.ctx;
    const data = obj(s.data);
    const dec = (k: string) => (typeof data[k] === 'string' ? Buffer.from(data[k] as string, 'base64') : undefined);
    const cert = dec('tls.crt');
    const key = dec('tls.key');
    if (!cert || !key) return undefined;
    try {
      const ctx = createSecureContext({ cert, key });
      this.contexts.set(secretKey, { rv: s.metadata.resourceVersion ?? '', ctx });
      return ctx;
    } catch (e) {
      console.error(`ingress: TLS secret ${secretKey}: ${(e as Error).message}`);
      return undefined;
    }
  }

  private attach(server: Server, scheme: 'http' | 'https'): void {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.serve(req, res, scheme));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head, scheme));
    server.on('clientError', (_e, socket: Duplex) => socket.destroy());
  }

  private target(req: IncomingMessage): { endpoint?: Endpoint; status: number; message: string } {
    const m = this.router.match(req.headers.host, req.url ?? '/');
    if (!m.backend) return { status: 404, message: 'default backend - 404' };
    const r = this.o.pick(m.backend, req.socket.remoteAddress ?? '');
    if (!r.endpoint) return { status: 503, message: r.error ?? `no endpoints for ${m.backend.namespace}/${m.backend.service}` };
    return { endpoint: r.endpoint, status: 200, message: '' };
  }

  private forwardedHeaders(req: IncomingMessage, scheme: string): Record<string, string> {
    const xff = req.headers['x-forwarded-for'];
    const client = req.socket.remoteAddress ?? '';
    return {
      'x-forwarded-for': xff ? `${String(xff)}, ${client}` : client,
      'x-forwarded-proto': scheme,
      'x-forwarded-host': req.headers.host ?? '',
      'x-real-ip': client,
    };
  }

  private serve(req: IncomingMessage, res: ServerResponse, scheme: string): void {
    const t = this.target(req);
    if (!t.endpoint) {
      res.writeHead(t.status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(t.message + '\n');
      return;
    }
    forwardHttp(t.endpoint, req, res, {
      path: req.url ?? '/',
      headers: this.forwardedHeaders(req, scheme),
      onError: (e) => {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`bad gateway: ${e.message}\n`);
      },
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scheme: string): void {
    const t = this.target(req);
    if (!t.endpoint) {
      socket.end(`HTTP/1.1 ${t.status} ${t.status === 404 ? 'Not Found' : 'Service Unavailable'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      return;
    }
    forwardUpgrade(t.endpoint, req, socket, head, { path: req.url ?? '/', headers: this.forwardedHeaders(req, scheme) });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of [this.http, this.https]) {
      if (!s) continue;
      s.closeAllConnections?.();
      await new Promise<void>((r) => s.close(() => r()));
    }
    this.http = this.https = undefined;
  }
}

/**
 * Listens on `explicit` if given; else on `preferred`, then `fallback`, then any free port.
 */
async function listenWithFallback(attach: (s: Server) => void, make: () => Server, host: string, explicit: number | undefined, preferred: number, fallback: number): Promise<{ server: Server; port: number }> {
  const candidates = explicit !== undefined ? [explicit] : [preferred, fallback, 0];
  let last: Error | undefined;
  for (const port of candidates) {
    const server = make();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      attach(server);
      const addr = server.address();
      return { server, port: typeof addr === 'object' && addr ? addr.port : port };
    } catch (e) {
      last = e as Error;
    }
  }
  throw last ?? new Error('no port');
}
