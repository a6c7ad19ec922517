/**
 * The dashboard backend: one loopback HTTP server that serves the renderer, proxies the
 * Kubernetes API per kubeconfig context (`/clusters/<context>/…`), and a small API of its own
 * under `/skiff/` for what is not Kubernetes (the context list, local port-forwards), plus
 * `/skiff/mux`: one WebSocket carrying all of a tab's long-lived streams (mux.ts) and the
 * backend's change notifications — so the UI never polls.
 *
 * Started by `skiff serve` and by the Electron main process. Security: see security.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Contexts, type ContextsOptions } from './contexts.js';
import { ApiProxy } from './proxy.js';
import { StreamMux } from './mux.js';
import { PortForwards, type ForwardSpec } from './portforward.js';
import { checkRequest, newSessionToken, safeEqual, sessionCookie } from './security.js';
import { securityHeaders, serveStatic } from './static.js';

export interface DashboardOptions extends ContextsOptions {
  /** Port on 127.0.0.1; 0 = any free one. */
  port?: number;
  /** Directory of the built renderer (default: dist/ui next to the compiled engine). */
  staticDir?: string;
  /** The session secret (default: a fresh random one). */
  token?: string;
  /** The bundled cluster's context name (default "skiff"), preselected by the UI. */
  bundledContext?: string;
}

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../ui', import.meta.url));

const MAX_JSON_BODY = 64 * 1024;

export class Dashboard {
  readonly token: string;
  readonly contexts: Contexts;
  readonly forwards: PortForwards;
  private readonly proxy: ApiProxy;
  private readonly mux: StreamMux;
  private server: Server | undefined;
  private readonly sockets = new Set<Duplex>();
  private readonly unsubscribe: (() => void)[] = [];
  port = 0;

  constructor(private readonly opts: DashboardOptions = {}) {
    this.token = opts.token ?? newSessionToken();
    this.contexts = new Contexts(opts);
    this.forwards = new PortForwards(this.contexts);
    this.proxy = new ApiProxy(this.contexts);
    this.mux = new StreamMux(this.contexts);
    this.unsubscribe.push(this.contexts.onChange(() => this.mux.broadcast('contexts')));
    this.unsubscribe.push(this.forwards.onChange(() => this.mux.broadcast('portforwards')));
  }

  /** The URL to print/open: carries the session secret once. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  /** The URL without the secret (for display once the cookie is set). */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) this.json(res, 500, { error: (e as Error).message });
        else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const gate = checkRequest(req.headers, this.port, this.token);
      if (!gate.ok) {
        socket.end(`HTTP/1.1 ${gate.status} ${gate.status === 403 ? 'Forbidden' : 'Unauthorized'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      if ((req.url ?? '').split('?')[0] === '/skiff/mux') this.mux.upgrade(req, socket, head);
      else void this.proxy.upgrade(req, socket, head);
    });
    server.on('connection', (s: Duplex) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    await this.forwards.stopAll();
    this.contexts.close();
    this.mux.close();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of this.sockets) sock.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The one unauthenticated entry: `/?token=…` turns the secret into a cookie.
    const presented = url.searchParams.get('token');
    if (presented !== null && req.method === 'GET') {
      const gate = checkRequest({ ...req.headers, 'x-skiff-session': presented }, this.port, this.token);
      if (!gate.ok || !safeEqual(this.token, presented)) return this.refuse(res, gate.ok ? 401 : gate.status, gate.ok ? 'wrong session token' : gate.reason);
      url.searchParams.delete('token');
      res.writeHead(302, {
        'Set-Cookie': sessionCookie(this.port, this.token),
        Location: url.pathname + (url.search || ''),
        'Cache-Control': 'no-store',
        ...securityHeaders(this.port),
      });
      res.end();
      return;
    }
    const gate = checkRequest(req.headers, this.port, this.token);
    if (!gate.ok) return this.refuse(res, gate.status, gate.reason);

    const path = url.pathname;
    if (path.startsWith('/clusters/')) return this.proxy.handle(req, res);
    if (path.startsWith('/skiff/')) return this.api(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.json(res, 405, { error: 'method not allowed' });
    serveStatic(this.opts.staticDir ?? DEFAULT_STATIC_DIR, path, res, this.port);
  }

  private refuse(res: ServerResponse, status: number, reason: string): void {
    const html = `<!doctype html><meta charset="utf-8"><title>Skiff</title><body style="font:15px system-ui;margin:4em;color:#333"><h2>Skiff dashboard</h2><p>${
      status === 401 ? 'This page needs the session link. Open the <b>Dashboard:</b> URL that <code>skiff serve</code> printed (it carries a one-time session key).' : 'Request refused.'
    }</p><p style="color:#888">${status} — ${reason}</p>`;
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders(this.port) });
    res.end(html);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...securityHeaders(this.port) });
    res.end(text);
  }

  private async api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && !String(req.headers['content-type'] ?? '').startsWith('application/json') && method !== 'DELETE') {
      return this.json(res, 415, { error: 'JSON only' });
    }
    if (path === '/skiff/info' && method === 'GET') {
      return this.json(res, 200, { bundledContext: this.opts.bundledContext ?? this.contexts.list().find((c) => c.bundled)?.name ?? null });
    }
    if (path === '/skiff/contexts' && method === 'GET') {
      return this.json(res, 200, { contexts: this.contexts.list(), errors: this.contexts.errors });
    }
    if (path === '/skiff/portforwards') {
      if (method === 'GET') return this.json(res, 200, { items: this.forwards.list() });
      if (method === 'POST') {
        let spec: ForwardSpec;
        try {
          spec = (await readJson(req)) as ForwardSpec;
        } catch (e) {
          return this.json(res, 400, { error: (e as Error).message });
        }
        try {
          return this.json(res, 201, await this.forwards.start(spec));
        } catch (e) {
          return this.json(res, 422, { error: (e as Error).message });
        }
      }
    }
    const m = /^\/skiff\/portforwards\/([\w-]+)$/.exec(path);
    if (m && method === 'DELETE') {
      const ok = await this.forwards.stop(m[1]);
      return this.json(res, ok ? 200 : 404, ok ? { stopped: m[1] } : { error: 'no such port-forward' });
    }
    return this.json(res, 404, { error: 'not found' });
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_JSON_BODY) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Starts a dashboard; resolves once it listens. */
export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  const d = new Dashboard(opts);
  await d.listen();
  return d;
}
