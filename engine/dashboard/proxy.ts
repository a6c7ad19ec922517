/**
 * The Kubernetes API proxy: `/clusters/<context>/<api path>` → that context's API server, with
 * the context's credentials. Bodies stream in both directions without buffering (watches and
 * `pods/log?follow=true` flow as they arrive); WebSocket upgrades (exec, attach, port-forward)
 * are forwarded byte for byte after the handshake.
 *
 * What the browser sent that belongs to the dashboard (its session cookie/header, Origin,
 * Referer) never reaches the cluster, and whatever the cluster answers is served with
 * `Content-Security-Policy: sandbox`, so that content from a pod (pods/proxy) can never run
 * script with the dashboard's origin.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Contexts } from './contexts.js';
import { SESSION_HEADER } from './security.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** Request headers never forwarded upstream. */
const DROP_REQUEST = new Set(['cookie', 'authorization', 'origin', 'referer', SESSION_HEADER, 'accept-encoding']);

/** Response headers never passed back to the browser. */
const DROP_RESPONSE = new Set(['set-cookie', 'www-authenticate', 'content-security-policy', 'access-control-allow-origin', 'access-control-allow-credentials']);

export const UPSTREAM_CSP = "sandbox; default-src 'none'";

/** Splits `/clusters/<ctx>/<rest>` into its context and API path (with query). */
export function parseClusterPath(rawUrl: string): { context: string; path: string } | undefined {
  const m = /^\/clusters\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(rawUrl);
  if (!m) return undefined;
  let context: string;
  try {
    context = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  return { context, path: (m[2] ?? '/') + (m[3] ?? '') };
}

function forwardHeaders(req: IncomingMessage, keepUpgrade: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    const key = k.toLowerCase();
    if (v === undefined || DROP_REQUEST.has(key)) continue;
    if (HOP_BY_HOP.has(key) && !(keepUpgrade && (key === 'connection' || key === 'upgrade'))) continue;
    if (key.startsWith('sec-fetch-') || key.startsWith('sec-ch-')) continue;
    out[k] = v;
  }
  return out;
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = statusBody(code, reason, message);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

export class ApiProxy {
  constructor(private readonly contexts: Contexts) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseClusterPath(req.url ?? '');
    if (!parsed) return sendStatus(res, 404, 'NotFound', 'no such cluster path');
    let up;
    try {
      up = await this.contexts.upstream(parsed.context, parsed.path);
    } catch (e) {
      return sendStatus(res, 502, 'BadGateway', `credentials for context "${parsed.context}" failed: ${(e as Error).message}`);
    }
    if (!up) return sendStatus(res, 404, 'NotFound', `no kubeconfig context named "${parsed.context}"`);
    const headers = { ...forwardHeaders(req, false), ...(up.options.headers ?? {}), host: up.url.host };
    const send = up.https ? httpsRequest : httpRequest;
    const upReq = send(up.url, { ...up.options, method: req.method, headers });
    let done = false;
    upReq.on('response', (upRes) => {
      const h: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upRes.headers)) {
        const key = k.toLowerCase();
        if (v === undefined || HOP_BY_HOP.has(key) || DROP_RESPONSE.has(key)) continue;
        h[k] = v;
      }
      h['content-security-policy'] = UPSTREAM_CSP;
      h['x-content-type-options'] = 'nosniff';
      h['cache-control'] = 'no-store';
      res.writeHead(upRes.statusCode ?? 502, h);
      // Flush headers now: a watch or a followed log may not send a byte for minutes.
      res.flushHeaders();
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
      upRes.on('end', () => (done = true));
    });
    upReq.on('error', (e) => {
      if (!done) sendStatus(res, 502, 'BadGateway', `cluster "${parsed.context}" unreachable: ${e.message}`);
    });
    // The browser went away (closed a watch or a log): close the upstream stream too.
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    req.pipe(upReq);
  }

  /** Forwards a WebSocket handshake and then the raw bytes both ways. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const fail = (code: number, reason: string, message: string) => {
      const body = statusBody(code, reason, message);
      if (socket.writable) socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      else socket.destroy();
    };
    const parsed = parseClusterPath(req.url ?? '');
    if (!parsed) return fail(404, 'NotFound', 'no such cluster path');
    let up;
    try {
      up = await this.contexts.upstream(parsed.context, parsed.path);
    } catch (e) {
      return fail(502, 'BadGateway', (e as Error).message);
    }
    if (!up) return fail(404, 'NotFound', `no kubeconfig context named "${parsed.context}"`);
    const headers = { ...forwardHeaders(req, true), ...(up.options.headers ?? {}), host: up.url.host };
    const send = up.https ? httpsRequest : httpRequest;
    // A dedicated connection: an upgraded socket must not come from (or return to) the pool.
    const { agent: _agent, ...opts } = up.options;
    const upReq = send(up.url, { ...opts, agent: false, method: req.method ?? 'GET', headers });
    upReq.on('upgrade', (upRes, upSocket, upHead) => {
      let head101 = `HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}\r\n`;
      for (let i = 0; i < upRes.rawHeaders.length; i += 2) head101 += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
      socket.write(head101 + '\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket);
      socket.pipe(upSocket);
      const close = () => {
        upSocket.destroy();
        socket.destroy();
      };
      upSocket.on('error', close);
      socket.on('error', close);
      upSocket.on('close', close);
      socket.on('close', close);
    });
    upReq.on('response', (upRes) => {
      // The server refused the upgrade: pass its answer (usually a Status) back.
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        const body = Buffer.concat(chunks);
        if (!socket.writable) return;
        socket.write(
          `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage ?? ''}\r\nContent-Type: ${upRes.headers['content-type'] ?? 'text/plain'}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        );
        socket.end(body);
      });
    });
    upReq.on('error', (e) => fail(502, 'BadGateway', e.message));
    socket.on('error', () => upReq.destroy());
    upReq.end();
  }
}
