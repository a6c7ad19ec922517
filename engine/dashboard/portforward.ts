/**
 * Port-forwards started from the dashboard: a local listener on 127.0.0.1 whose connections are
 * tunnelled to a pod's port through the API server, as `kubectl port-forward` does.
 *
 * Transport, in order of preference:
 *  1. `pods/portforward` over WebSocket with the `v4.channel.k8s.io` subprotocol (what the real
 *     apiserver serves to WebSocket clients and what @kubernetes/client-node speaks): one
 *     WebSocket per TCP connection; channel 0 = data, channel 1 = errors; the server's first
 *     frame on each channel carries the port (uint16 little-endian).
 *  2. If the API server refuses that upgrade, an HTTP-only forward through the pod's `proxy`
 *     subresource (`pods/NAME:PORT/proxy/…`), which is enough to open a web app in the browser.
 * A Service is resolved to one of its ready pods (via its Endpoints, else its selector) and
 * its port to the target port, as kubectl does.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Contexts } from './contexts.js';

export interface ForwardSpec {
  context: string;
  namespace: string;
  /** Exactly one of pod or service. */
  pod?: string;
  service?: string;
  /** The pod's (or service's) port. */
  port: number;
  /** Local port on 127.0.0.1; 0 or absent = any free one. */
  localPort?: number;
}

export interface ForwardInfo extends ForwardSpec {
  id: string;
  localPort: number;
  /** The pod actually reached (for a service, the one picked). */
  targetPod: string;
  targetPort: number;
  mode: 'tunnel' | 'http-proxy';
  url: string;
  connections: number;
  startedAt: string;
  error?: string;
}

type Obj = Record<string, unknown>;

interface Active {
  info: ForwardInfo;
  server: NetServer | Server;
  sockets: Set<{ destroy(): void }>;
}

export class PortForwards {
  private active = new Map<string, Active>();
  private listeners = new Set<() => void>();

  constructor(private readonly contexts: Contexts) {}

  list(): ForwardInfo[] {
    return [...this.active.values()].map((a) => ({ ...a.info }));
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async start(spec: ForwardSpec): Promise<ForwardInfo> {
    validateSpec(spec);
    const { pod, port } = await this.resolveTarget(spec);
    const probe = await this.probeTunnel(spec.context, spec.namespace, pod, port);
    const id = randomUUID().slice(0, 8);
    const sockets = new Set<{ destroy(): void }>();
    const info: ForwardInfo = {
      ...spec,
      id,
      localPort: 0,
      targetPod: pod,
      targetPort: port,
      mode: probe ? 'tunnel' : 'http-proxy',
      url: '',
      connections: 0,
      startedAt: new Date().toISOString(),
    };
    let server: NetServer | Server;
    if (probe) {
      server = createNetServer((sock) => {
        info.connections++;
        sockets.add(sock);
        sock.on('close', () => {
          sockets.delete(sock);
          info.connections--;
        });
        void this.tunnel(spec.context, spec.namespace, pod, port, sock);
      });
    } else {
      server = createServer((req, res) => void this.httpForward(spec.context, spec.namespace, pod, port, req, res));
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.localPort ?? 0, '127.0.0.1', () => resolve());
    });
    info.localPort = (server.address() as AddressInfo).port;
    info.url = `http://127.0.0.1:${info.localPort}/`;
    this.active.set(id, { info, server, sockets });
    this.emit();
    return { ...info };
  }

  async stop(id: string): Promise<boolean> {
    const a = this.active.get(id);
    if (!a) return false;
    this.active.delete(id);
    for (const s of a.sockets) s.destroy();
    await new Promise<void>((r) => a.server.close(() => r()));
    this.emit();
    return true;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((id) => this.stop(id)));
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  private async getJson(context: string, path: string): Promise<Obj> {
    const up = await this.contexts.upstream(context, path);
    if (!up) throw new Error(`no kubeconfig context named "${context}"`);
    const send = up.https ? httpsRequest : httpRequest;
    return new Promise<Obj>((resolve, reject) => {
      const req = send(up.url, { ...up.options, method: 'GET', headers: { ...(up.options.headers ?? {}), accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body: Obj = {};
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
          } catch {
            /* not JSON */
          }
          if ((res.statusCode ?? 500) >= 400) reject(new Error(typeof body.message === 'string' ? body.message : `HTTP ${res.statusCode} for ${path}`));
          else resolve(body);
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Service → a ready pod and the target port; a pod → itself (port may be a name). */
  private async resolveTarget(spec: ForwardSpec): Promise<{ pod: string; port: number }> {
    const ns = encodeURIComponent(spec.namespace);
    if (spec.pod) return { pod: spec.pod, port: spec.port };
    const svc = await this.getJson(spec.context, `/api/v1/namespaces/${ns}/services/${encodeURIComponent(spec.service ?? '')}`);
    const ports = ((svc.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? [];
    const sp = ports.find((p) => p.port === spec.port) ?? ports[0];
    if (!sp) throw new Error(`service ${spec.service} has no port ${spec.port}`);
    const selector = ((svc.spec as Obj).selector as Record<string, string> | undefined) ?? {};
    const sel = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (!sel) throw new Error(`service ${spec.service} has no selector; forward to a pod instead`);
    const pods = await this.getJson(spec.context, `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(sel)}`);
    const items = ((pods.items as Obj[] | undefined) ?? []).filter((p) => (p.status as Obj | undefined)?.phase === 'Running' && !(p.metadata as Obj).deletionTimestamp);
    const pod = items[0];
    if (!pod) throw new Error(`service ${spec.service} has no running pod`);
    let target = sp.targetPort ?? sp.port;
    if (typeof target === 'string') {
      const containers = ((pod.spec as Obj).containers as Obj[]) ?? [];
      const named = containers.flatMap((c) => (c.ports as Obj[] | undefined) ?? []).find((p) => p.name === target);
      if (!named) throw new Error(`pod has no port named ${target}`);
      target = named.containerPort;
    }
    return { pod: String((pod.metadata as Obj).name), port: Number(target) };
  }

  private async openSocket(context: string, namespace: string, pod: string, port: number): Promise<WebSocket> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
    const up = await this.contexts.upstream(context, path);
    if (!up) throw new Error(`no kubeconfig context named "${context}"`);
    const wsUrl = up.url.href.replace(/^http/, 'ws');
    const o = up.options;
    return new WebSocket(wsUrl, ['v4.channel.k8s.io'], {
      headers: o.headers as Record<string, string>,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      rejectUnauthorized: o.rejectUnauthorized,
      // ws passes TLS options through to tls.connect.
      ...(o.servername ? ({ servername: o.servername } as object) : {}),
    });
  }

  /** True when the API server accepts a WebSocket port-forward to this pod. */
  private async probeTunnel(context: string, namespace: string, pod: string, port: number): Promise<boolean> {
    let ws: WebSocket;
    try {
      ws = await this.openSocket(context, namespace, pod, port);
    } catch {
      return false;
    }
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => finish(false), 5000);
      const finish = (ok: boolean) => {
        clearTimeout(t);
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        resolve(ok);
      };
      ws.on('open', () => finish(true));
      ws.on('unexpected-response', () => finish(false));
      ws.on('error', () => finish(false));
    });
  }

  private async tunnel(context: string, namespace: string, pod: string, port: number, sock: Socket): Promise<void> {
    let ws: WebSocket;
    try {
      ws = await this.openSocket(context, namespace, pod, port);
    } catch {
      sock.destroy();
      return;
    }
    attachTunnel(ws, sock);
  }

  private async httpForward(context: string, namespace: string, pod: string, port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy${req.url ?? '/'}`;
    const up = await this.contexts.upstream(context, path).catch(() => undefined);
    if (!up) {
      res.writeHead(502).end('port-forward: cluster unreachable');
      return;
    }
    const headers = { ...req.headers, ...(up.options.headers ?? {}), host: up.url.host };
    const send = up.https ? httpsRequest : httpRequest;
    const upReq = send(up.url, { ...up.options, method: req.method, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    upReq.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`port-forward: ${e.message}`);
    });
    req.pipe(upReq);
  }
}

/**
 * Joins a local TCP socket and a `v4.channel.k8s.io` port-forward WebSocket. Exported for tests.
 * The first frame the server sends on each channel is the 2-byte port header, not data.
 */
export function attachTunnel(ws: WebSocket, sock: Socket): void {
  const seen = [false, false];
  const pending: Buffer[] = [];
  let open = false;
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => {
    open = true;
    for (const b of pending) ws.send(b);
    pending.length = 0;
  });
  sock.on('data', (d: Buffer) => {
    const frame = Buffer.concat([Buffer.from([0]), d]);
    if (open) ws.send(frame);
    else pending.push(frame);
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data);
    if (buf.length === 0) return;
    const ch = buf[0];
    let payload = buf.subarray(1);
    if (ch <= 1 && !seen[ch]) {
      seen[ch] = true;
      payload = payload.subarray(2);
    }
    if (payload.length === 0) return;
    if (ch === 0) sock.write(payload);
    else if (ch === 1) {
      sock.destroy(new Error(payload.toString('utf8')));
      ws.close();
    }
  });
  const end = () => {
    sock.destroy();
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  };
  ws.on('close', end);
  ws.on('error', end);
  ws.on('unexpected-response', end);
  sock.on('close', end);
  sock.on('error', end);
}

function validateSpec(s: ForwardSpec): void {
  const okName = (v: unknown) => typeof v === 'string' && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v);
  if (typeof s.context !== 'string' || !s.context) throw new Error('context required');
  if (!okName(s.namespace)) throw new Error('invalid namespace');
  if ((s.pod === undefined) === (s.service === undefined)) throw new Error('give exactly one of pod or service');
  if (s.pod !== undefined && !okName(s.pod)) throw new Error('invalid pod name');
  if (s.service !== undefined && !okName(s.service)) throw new Error('invalid service name');
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new Error('invalid port');
  if (s.localPort !== undefined && (!Number.isInteger(s.localPort) || s.localPort < 0 || s.localPort > 65535)) throw new Error('invalid local port');
}
