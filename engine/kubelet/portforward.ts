/**
 * pods/portforward, in the three shapes clients speak:
 *
 * 1. SPDY/3.1 tunnelled in WebSocket (`Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io`) —
 *    what kubectl ≥ 1.31 uses. The WebSocket binary messages carry the raw SPDY byte stream (no
 *    channel prefix; client-go's TunnelingConnection). The `ws` package rejects that subprotocol
 *    token ('/' and '+' are not token characters), so connector.ts swaps it for a placeholder
 *    before the handshake and restores it in the response header.
 * 2. Plain SPDY/3.1 (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version: portforward.k8s.io`) —
 *    kubectl's fallback and older clients.
 * 3. WebSocket channels (`?ports=80`, `v4.channel.k8s.io` / `portforward.k8s.io`) — what
 *    @kubernetes/client-node and the dashboard speak: for the i-th port, channel 2i carries data
 *    and 2i+1 errors; the server's first message on each channel is the port, uint16 LE.
 *
 * SPDY streams (upstream kubelet cri/streaming/portforward/httpstream.go): per forwarded
 * connection the client opens an `error` and a `data` stream carrying headers `streamtype`,
 * `port` and `requestid`; both are accepted (SYN_REPLY); once the pair is complete the data
 * stream is piped to a TCP connection into the pod and errors are written to the error stream.
 * spdy-transport parses the frames; Kubernetes' streams carry no `:method`/`:path`, which it
 * requires, so its parser is wrapped to supply defaults.
 *
 * The connection into the pod is `dial(port)` — runtime.dial, i.e. the pod IP from this process:
 * Linux-only (see runtime/docker.ts); Docker Desktop needs a relay on the cluster network.
 */
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import type WebSocket from 'ws';

const require = createRequire(import.meta.url);

interface SpdyStream extends Duplex {
  headers: Record<string, string | string[]>;
  respond(status: number, headers: Record<string, string>, cb?: (err?: Error) => void): void;
}

interface SpdyConnection {
  on(event: 'stream', fn: (s: SpdyStream) => void): void;
  on(event: 'error' | 'close', fn: (e?: Error) => void): void;
  start(version: number): void;
  end(cb?: () => void): void;
  destroyStreams(err?: Error): void;
}

interface SpdyTransport {
  connection: { create(socket: Duplex, opts: Record<string, unknown>): SpdyConnection };
  protocol: { spdy: { parser: { create(opts: unknown): { parseKVs(buf: unknown, cb: (err: Error | null, headers?: Record<string, unknown>) => void): unknown } } } };
}

let transportCache: SpdyTransport | undefined;

/** spdy-transport, loaded on first use, with the `:method`/`:path` defaults patched in once. */
function spdy(): SpdyTransport {
  if (transportCache) return transportCache;
  const t = require('spdy-transport') as SpdyTransport;
  const parser = t.protocol.spdy.parser;
  const create = parser.create.bind(parser);
  parser.create = (opts: unknown) => {
    const p = create(opts);
    const parseKVs = p.parseKVs;
    p.parseKVs = function (this: unknown, buf: unknown, cb: (err: Error | null, headers?: Record<string, unknown>) => void) {
      return parseKVs.call(this, buf, (err, headers) => {
        if (!err && headers) {
          headers[':method'] ??= 'POST';
          headers[':path'] ??= '/';
        }
        cb(err, headers);
      });
    };
    return p;
  };
  transportCache = t;
  return t;
}

export type Dialer = (port: number) => Promise<Duplex>;

function header(s: SpdyStream, name: string): string {
  const v = s.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** Serves port-forward streams on a SPDY/3.1 connection carried by `socket`. */
export function serveSpdyPortForward(socket: Duplex, dial: Dialer, describe: string, onClose?: () => void): void {
  const conn = spdy().connection.create(socket, { protocol: 'spdy', isServer: true, autoSpdy31: true });
  conn.start(3.1);
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer?: NodeJS.Timeout }>();
  conn.on('error', () => socket.destroy());
  conn.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    onClose?.();
  });
  conn.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.respond(200, {});
    const type = header(stream, 'streamtype');
    const id = header(stream, 'requestid') || `${header(stream, 'port')}`;
    let pair = pairs.get(id);
    if (!pair) {
      pair = {};
      pairs.set(id, pair);
      // Upstream waits up to 30 s for the second stream of a pair.
      pair.timer = setTimeout(() => {
        pairs.delete(id);
        pair?.data?.destroy();
        pair?.error?.end();
      }, 30_000);
      pair.timer.unref();
    }
    if (type === 'error') pair.error = stream;
    else if (type === 'data') pair.data = stream;
    else {
      stream.end();
      return;
    }
    // An error stream's reads are never used: keep it flowing so its window does not fill.
    if (type === 'error') stream.resume();
    if (!pair.data || !pair.error) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    const { data, error } = pair;
    const portText = header(data, 'port');
    const port = Number(portText);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      error.end(`invalid port "${portText}"`);
      data.end();
      return;
    }
    void forward(data, error, port, dial, describe);
  });
}

async function forward(data: SpdyStream, error: SpdyStream, port: number, dial: Dialer, describe: string): Promise<void> {
  let target: Duplex;
  try {
    target = await dial(port);
  } catch (e) {
    error.end(`error forwarding port ${port} to pod ${describe}: ${(e as Error).message}`);
    data.end();
    return;
  }
  target.on('error', (e) => {
    if (!error.writableEnded) error.end(`error forwarding port ${port} to pod ${describe}: ${e.message}`);
    data.destroy();
  });
  data.on('error', () => target.destroy());
  data.pipe(target);
  target.pipe(data);
  data.on('close', () => {
    target.destroy();
    if (!error.writableEnded) error.end();
  });
  target.on('close', () => {
    if (!error.writableEnded) error.end();
  });
}

/** A Duplex over a WebSocket's binary messages (the SPDY-in-WebSocket tunnel). */
export function webSocketDuplex(ws: WebSocket): Duplex {
  const d = new Duplex({
    read() {
      ws.resume?.();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error('websocket closed'));
      ws.send(chunk, { binary: true }, cb);
    },
    final(cb) {
      ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      cb(err);
    },
  });
  ws.on('message', (msg: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) return;
    const buf = Array.isArray(msg) ? Buffer.concat(msg) : Buffer.isBuffer(msg) ? msg : Buffer.from(msg);
    if (!d.push(buf)) ws.pause?.();
  });
  ws.on('close', () => {
    d.push(null);
    d.destroy();
  });
  ws.on('error', (e) => d.destroy(e));
  return d;
}

/**
 * WebSocket channel port-forward (one connection per port in `?ports=`): data on channel 2i,
 * errors on 2i+1; each channel first carries its port as uint16 little-endian.
 */
export function serveChannelPortForward(ws: WebSocket, ports: number[], base64: boolean, dial: Dialer, describe: string): void {
  const send = (channel: number, payload: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(String(channel) + payload.toString('base64'));
    else ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
  };
  const targets: (Duplex | undefined)[] = [];
  const pending: Buffer[][] = ports.map(() => []);
  ports.forEach((port, i) => {
    const p = Buffer.alloc(2);
    p.writeUInt16LE(port);
    send(2 * i, p);
    send(2 * i + 1, p);
    dial(port).then(
      (t) => {
        targets[i] = t;
        for (const b of pending[i]) t.write(b);
        pending[i] = [];
        t.on('data', (b: Buffer) => send(2 * i, b));
        t.on('error', (e) => send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${describe}: ${e.message}`)));
        t.on('close', () => ws.close(1000));
      },
      (e: Error) => {
        send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${describe}: ${e.message}`));
        ws.close(1000);
      },
    );
  });
  ws.on('message', (msg: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    let buf = Array.isArray(msg) ? Buffer.concat(msg) : Buffer.isBuffer(msg) ? msg : Buffer.from(msg);
    let channel: number;
    if (base64 || !isBinary) {
      const text = buf.toString('utf8');
      channel = Number(text[0]);
      buf = Buffer.from(text.slice(1), 'base64');
    } else {
      channel = buf[0];
      buf = buf.subarray(1);
    }
    if (channel % 2 !== 0 || buf.length === 0) return;
    const i = channel / 2;
    const t = targets[i];
    if (t) t.write(buf);
    else if (pending[i]) pending[i].push(buf);
  });
  ws.on('close', () => {
    for (const t of targets) t?.destroy();
  });
}
