/**
 * Stream multiplexer: many long-lived Kubernetes GET streams (watches, followed logs) over one
 * WebSocket per browser tab — Headlamp does the same. Browsers allow only six HTTP/1.1
 * connections per host; a dashboard with a few watches open, a workload log of ten pods and a
 * page load would otherwise stall. The requests are still plain Kubernetes API paths, sent to
 * the context's API server by the same proxy credentials.
 *
 * Protocol (JSON text frames):
 *   client → server  {"op":"open","id":7,"context":"skiff","path":"/api/v1/pods?watch=1&…"}
 *                    {"op":"close","id":7}
 *   server → client  {"id":7,"status":200}            response headers arrived
 *                    {"id":7,"data":"…"}              a chunk of the body (UTF-8 text)
 *                    {"id":7,"end":true}              the server ended the stream
 *                    {"id":7,"error":{"code":410,"message":"…","reason":"Expired"}}
 *                    {"event":"contexts"} / {"event":"portforwards"}   backend changes
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Contexts } from './contexts.js';

/** A client that lets this much pile up unread loses the stream (a watch then relists). */
const MAX_BUFFERED = 16 * 1024 * 1024;
const MAX_STREAMS = 256;

interface OpenMsg {
  op: 'open';
  id: number;
  context: string;
  path: string;
}
interface CloseMsg {
  op: 'close';
  id: number;
}

export function parseMuxMessage(text: string): OpenMsg | CloseMsg | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!m || typeof m !== 'object') return undefined;
  const o = m as Record<string, unknown>;
  if (!Number.isSafeInteger(o.id)) return undefined;
  if (o.op === 'close') return { op: 'close', id: o.id as number };
  if (o.op === 'open' && typeof o.context === 'string' && typeof o.path === 'string' && o.path.startsWith('/') && !o.path.startsWith('//')) {
    return { op: 'open', id: o.id as number, context: o.context, path: o.path };
  }
  return undefined;
}

export class StreamMux {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<WebSocket>();

  constructor(private readonly contexts: Contexts) {}

  /** Takes over an (already authorized) upgrade request for the mux path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
  }

  broadcast(event: string): void {
    const msg = JSON.stringify({ event });
    for (const ws of this.clients) if (ws.readyState === ws.OPEN) ws.send(msg);
  }

  close(): void {
    for (const ws of this.clients) ws.terminate();
    this.wss.close();
  }

  private serve(ws: WebSocket): void {
    this.clients.add(ws);
    const streams = new Map<number, ClientRequest>();
    const send = (o: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(o));
    };
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return;
      const m = parseMuxMessage(raw.toString());
      if (!m) return;
      if (m.op === 'close') {
        streams.get(m.id)?.destroy();
        streams.delete(m.id);
        return;
      }
      if (streams.has(m.id) || streams.size >= MAX_STREAMS) {
        send({ id: m.id, error: { code: 429, message: 'too many streams' } });
        return;
      }
      void this.open(m, streams, send, ws);
    });
    ws.on('close', () => {
      this.clients.delete(ws);
      for (const r of streams.values()) r.destroy();
      streams.clear();
    });
    ws.on('error', () => ws.terminate());
  }

  private async open(m: OpenMsg, streams: Map<number, ClientRequest>, send: (o: unknown) => void, ws: WebSocket): Promise<void> {
    let up;
    try {
      up = await this.contexts.upstream(m.context, m.path);
    } catch (e) {
      return send({ id: m.id, error: { code: 502, message: (e as Error).message } });
    }
    if (!up) return send({ id: m.id, error: { code: 404, message: `no kubeconfig context named "${m.context}"` } });
    const doRequest = up.https ? httpsRequest : httpRequest;
    const req = doRequest(up.url, { ...up.options, method: 'GET', headers: { ...(up.options.headers ?? {}), accept: 'application/json', host: up.url.host } });
    streams.set(m.id, req);
    let finished = false;
    const finish = (o: unknown) => {
      if (finished) return;
      finished = true;
      streams.delete(m.id);
      send(o);
    };
    req.on('response', (res) => {
      const code = res.statusCode ?? 502;
      const dec = new StringDecoder('utf8');
      if (code >= 400) {
        let body = '';
        res.on('data', (c: Buffer) => {
          if (body.length < 65536) body += dec.write(c);
        });
        res.on('end', () => {
          let status: { message?: string; reason?: string } = {};
          try {
            status = JSON.parse(body) as typeof status;
          } catch {
            status = { message: body.trim() || `HTTP ${code}` };
          }
          finish({ id: m.id, error: { code, message: status.message ?? `HTTP ${code}`, reason: status.reason } });
        });
        return;
      }
      send({ id: m.id, status: code });
      res.on('data', (c: Buffer) => {
        if (ws.bufferedAmount > MAX_BUFFERED) {
          req.destroy();
          finish({ id: m.id, error: { code: 503, message: 'client too slow; stream dropped' } });
          return;
        }
        const text = dec.write(c);
        if (text) send({ id: m.id, data: text });
      });
      res.on('end', () => {
        const rest = dec.end();
        if (rest) send({ id: m.id, data: rest });
        finish({ id: m.id, end: true });
      });
      res.on('error', () => finish({ id: m.id, error: { code: 502, message: 'stream broken' } }));
    });
    req.on('error', (e) => {
      if (!streams.has(m.id)) {
        finished = true; // closed by the client: nothing to say
        return;
      }
      finish({ id: m.id, error: { code: 502, message: `cluster "${m.context}" unreachable: ${e.message}` } });
    });
    req.end();
  }
}
