/**
 * Streams one HTTP request to a backend endpoint and its answer back (the API server's
 * services/proxy and the ingress controller). Bodies are piped, never buffered; hop-by-hop
 * headers are dropped (RFC 9110 §7.6.1); WebSocket/upgrade requests are relayed as raw sockets.
 * LINUX-ONLY part: the engine dials pod IPs directly (see userspace.ts).
 */
import { request, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Endpoint } from './model.js';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

export interface ForwardOptions {
  /** Path with query, as the backend should see it. */
  path: string;
  /** Extra/override request headers (null deletes). */
  headers?: Record<string, string | null>;
  /** Called when the backend cannot be reached (before any byte was sent to the client). */
  onError(err: Error): void;
  timeoutMs?: number;
}

export function requestHeaders(req: IncomingMessage, extra: Record<string, string | null> = {}): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connTokens = String(req.headers.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  for (const [k, v] of Object.entries(req.headers)) {
    const lk = k.toLowerCase();
    if (HOP.has(lk) || connTokens.includes(lk) || v === undefined) continue;
    out[lk] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) delete out[k.toLowerCase()];
    else out[k.toLowerCase()] = v;
  }
  return out;
}

export function forwardHttp(ep: Endpoint, req: IncomingMessage, res: ServerResponse, o: ForwardOptions): void {
  const up = request({ host: ep.ip, port: ep.port, method: req.method, path: o.path, headers: requestHeaders(req, o.headers), timeout: o.timeoutMs ?? 30_000 });
  up.on('response', (r) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP.has(k.toLowerCase())) headers[k] = v;
    res.writeHead(r.statusCode ?? 502, r.statusMessage, headers);
    r.pipe(res);
    r.on('error', () => res.destroy());
  });
  up.on('timeout', () => up.destroy(new Error(`timeout talking to ${ep.ip}:${ep.port}`)));
  up.on('error', (e) => {
    if (!res.headersSent) o.onError(e);
    else res.destroy();
  });
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
}

/** Relays an upgrade (WebSocket) request: raw request head to the backend, then both ways. */
export function forwardUpgrade(ep: Endpoint, req: IncomingMessage, socket: Duplex, head: Buffer, o: Omit<ForwardOptions, 'onError'> & { onError?: (e: Error) => void }): void {
  const up = connect({ host: ep.ip, port: ep.port });
  up.on('connect', () => {
    const h = requestHeaders(req, o.headers);
    // Keep the upgrade handshake headers, which requestHeaders drops as hop-by-hop.
    if (req.headers.upgrade) h.upgrade = req.headers.upgrade;
    h.connection = 'Upgrade';
    const lines = [`${req.method} ${o.path} HTTP/1.1`];
    for (const [k, v] of Object.entries(h)) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(x)}`);
    up.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  const done = () => {
    up.destroy();
    socket.destroy();
  };
  up.on('error', (e) => {
    o.onError?.(e);
    done();
  });
  socket.on('error', done);
  socket.on('close', done);
  up.on('close', done);
}
