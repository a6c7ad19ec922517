/**
 * The kubelet's streaming endpoints, served through the API server as the real apiserver proxies
 * them to its kubelets (apiserver features.PodConnector):
 *
 * - logs: `pods/log` with container, follow, previous, tailLines, sinceSeconds/sinceTime,
 *   timestamps, limitBytes. The container instance comes from the pod's status as upstream
 *   picks it (validateContainerLogStatus): the running one, else the last terminated one;
 *   `previous` = lastState.terminated. Errors are upstream's BadRequest messages ("container
 *   \"x\" in pod \"y\" is waiting to start: ContainerCreating", "previous terminated container
 *   …not found", "a container name must be specified for pod y, choose one of: [a b]").
 *   A followed stream ends when the container stops.
 * - exec / attach: WebSocket with the channel protocols `v5.channel.k8s.io` (kubectl 1.32),
 *   v4…v1 and the base64 variants: byte 0 of each message is the channel — 0 stdin, 1 stdout,
 *   2 stderr, 3 status, 4 resize ({"Width","Height"}), 255 close (v5: [255, 0] = stdin EOF).
 *   v4+ end with a Status on channel 3: Success, or Failure/NonZeroExitCode with cause ExitCode
 *   so kubectl exits with the command's code. With a TTY there is no stderr.
 * - portforward: see portforward.ts (SPDY in WebSocket, plain SPDY, WebSocket channels).
 * - proxy: `pods/NAME:PORT/proxy/…` forwards the HTTP request to the pod.
 * Connections into the pod use runtime.dial (the pod IP: Linux-only with Docker; on Docker
 * Desktop pod IPs are not routable from the host and a relay container on the cluster network
 * would be needed — not implemented).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import * as errors from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { LogOptions, PodConnector } from '../apiserver/features.js';
import type { ContainerRuntime, StreamSession } from './runtime/runtime.js';
import { arr, containers, initContainers, obj, podName, str } from './podutil.js';
import { serveChannelPortForward, serveSpdyPortForward, webSocketDuplex } from './portforward.js';

export interface ConnectorDeps {
  /** The runtime once the kubelet has connected to it. */
  runtime(): Promise<ContainerRuntime>;
  nodeName: string;
  /**
   * Current sandbox of a pod (id, running) for connections into it, and a running app container
   * of the pod for the exec relay fallback.
   */
  sandbox(pod: KubeObject): Promise<{ id: string; ip?: string; relayContainer?: string } | undefined>;
}

/** How long a direct connection to a pod IP may take before the exec relay is tried. */
const DIRECT_DIAL_TIMEOUT_MS = 3000;

const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];
const PF_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
const PF_TUNNEL_TOKEN = 'skiff-spdy-3.1-portforward.k8s.io';
const PF_PROTOCOLS = [PF_TUNNEL_TOKEN, 'v4.channel.k8s.io', 'portforward.k8s.io', 'v4.base64.channel.k8s.io', 'base64.channel.k8s.io', 'channel.k8s.io'];

const STATUS_SUCCESS = { metadata: {}, status: 'Success' };

function badRequest(message: string): errors.ApiError {
  return errors.badRequest(message);
}

/** Upstream validateContainer: the named container, or the only one. */
export function resolveContainer(pod: KubeObject, name: string | undefined | null): string {
  const all = [...initContainers(pod), ...containers(pod)].map((c) => c.name);
  if (!name) {
    const apps = containers(pod);
    if (apps.length === 1) return apps[0].name;
    if (apps.length === 0) throw badRequest(`a container name must be specified for pod ${podName(pod)}`);
    throw badRequest(`a container name must be specified for pod ${podName(pod)}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(name)) throw badRequest(`container ${name} is not valid for pod ${podName(pod)}`);
  return name;
}

function statusOf(pod: KubeObject, name: string): Record<string, unknown> | undefined {
  const st = obj(pod.status);
  return [...arr(st.initContainerStatuses), ...arr(st.containerStatuses), ...arr(st.ephemeralContainerStatuses)].find((s) => s.name === name);
}

function idOf(containerID: unknown): string {
  return typeof containerID === 'string' ? containerID.replace(/^[a-z]+:\/\//, '') : '';
}

/** Upstream validateContainerLogStatus: which instance's logs to read. */
export function logContainerId(pod: KubeObject, name: string, previous: boolean): string {
  const pn = podName(pod);
  const s = statusOf(pod, name);
  if (!s) throw badRequest(`container "${name}" in pod "${pn}" is waiting to start - no logs yet`);
  const state = obj(s.state);
  const last = obj(obj(s.lastState).terminated);
  const lastId = idOf(last.containerID);
  if (previous) {
    if (!lastId) throw badRequest(`previous terminated container "${name}" in pod "${pn}" not found`);
    return lastId;
  }
  if (state.running) return idOf(s.containerID);
  if (state.terminated) {
    const id = idOf(obj(state.terminated).containerID);
    if (id) return id;
    if (lastId) return lastId;
    throw badRequest(`container "${name}" in pod "${pn}" is terminated`);
  }
  if (lastId) return lastId;
  if (state.waiting) {
    const reason = str(obj(state.waiting).reason) ?? '';
    if (reason === 'ErrImagePull') throw badRequest(`container "${name}" in pod "${pn}" is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') throw badRequest(`container "${name}" in pod "${pn}" is waiting to start: trying and failing to pull image`);
    throw badRequest(`container "${name}" in pod "${pn}" is waiting to start: ${reason}`);
  }
  throw badRequest(`container "${name}" in pod "${pn}" is waiting to start - no logs yet`);
}

function bool(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  return v === 'true' || v === '1';
}

/**
 * A TCP connection to `port` in the pod. First directly to the pod IP (runtime.dial: Linux with a
 * routable bridge). When that path does not work (Docker Desktop, rootless Docker: pod IPs are
 * not reachable from the host) the connection is relayed through `nc 127.0.0.1 <port>` exec'd in
 * one of the pod's containers — portable, but it needs `nc` in that image. Once a direct dial
 * fails that way, the relay is used first from then on.
 */
export class PodDialer {
  private direct: boolean | undefined;

  constructor(private readonly rt: ContainerRuntime) {}

  async dial(sb: { id: string; relayContainer?: string }, port: number): Promise<Duplex> {
    if (this.direct !== false || !sb.relayContainer) {
      try {
        const s = await withTimeout(this.rt.dial(sb.id, port), DIRECT_DIAL_TIMEOUT_MS);
        this.direct = true;
        return s;
      } catch (e) {
        const msg = (e as Error).message;
        // Refused: the pod answered, nothing listens there. That is the answer.
        if (/ECONNREFUSED|connection refused/i.test(msg) || !sb.relayContainer || this.direct === true) throw e;
        this.direct = false;
      }
    }
    return this.relay(sb.relayContainer as string, port);
  }

  private async relay(containerId: string, port: number): Promise<Duplex> {
    const s = await this.rt.exec(containerId, { cmd: ['nc', '127.0.0.1', String(port)], stdin: true });
    if (!s.stdin) throw new Error('exec relay without stdin');
    const d = Duplex.from({ readable: s.stdout, writable: s.stdin });
    d.on('close', () => s.close());
    return d;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

export class Connector implements PodConnector {
  private dialer?: PodDialer;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (p) => this.pickProtocol(p) });

  constructor(private readonly deps: ConnectorDeps) {
    this.wss.on('headers', (headers: string[]) => {
      for (let i = 0; i < headers.length; i++) {
        if (headers[i] === `Sec-WebSocket-Protocol: ${PF_TUNNEL_TOKEN}`) headers[i] = `Sec-WebSocket-Protocol: ${PF_TUNNEL}`;
      }
    });
  }

  private pickProtocol(offered: Set<string>): string | false {
    // Exec/attach and port-forward accept different lists; both are tried in preference order.
    for (const p of [PF_TUNNEL_TOKEN, ...EXEC_PROTOCOLS, ...PF_PROTOCOLS]) if (offered.has(p)) return p;
    return false;
  }

  private checkNode(pod: KubeObject): void {
    const node = str(obj(pod.spec).nodeName);
    if (!node) throw badRequest(`pod ${podName(pod)} does not have a host assigned`);
    if (node !== this.deps.nodeName) throw errors.serviceUnavailable(`no kubelet is serving node ${node}`);
  }

  // -------------------------------------------------------------------------------------------
  // logs

  async logs(pod: KubeObject, opts: LogOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkNode(pod);
    const name = resolveContainer(pod, opts.container);
    const id = logContainerId(pod, name, opts.previous ?? false);
    const rt = await this.deps.runtime();
    let since: Date | undefined;
    if (opts.sinceSeconds !== undefined) since = new Date(Date.now() - opts.sinceSeconds * 1000);
    else if (opts.sinceTime) {
      const d = new Date(opts.sinceTime);
      if (!Number.isNaN(d.getTime())) since = d;
    }
    let stream;
    try {
      stream = await rt.logs(id, { follow: opts.follow ?? false, ...(opts.tailLines !== undefined && opts.tailLines >= 0 && { tail: opts.tailLines }), ...(since && { since }), timestamps: opts.timestamps ?? false });
    } catch (e) {
      throw badRequest(`container "${name}" in pod "${podName(pod)}" is not available: ${(e as Error).message}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    let left = opts.limitBytes !== undefined && opts.limitBytes > 0 ? opts.limitBytes : Infinity;
    const close = () => stream.destroy();
    req.on('close', close);
    res.on('close', close);
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        if (left <= 0) return;
        const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
        left -= part.length;
        if (!res.write(part)) {
          stream.pause();
          res.once('drain', () => stream.resume());
        }
        if (left <= 0) stream.destroy();
      });
      stream.on('close', resolve);
      stream.on('end', resolve);
      stream.on('error', resolve);
    });
    res.end();
  }

  // -------------------------------------------------------------------------------------------
  // upgrades

  async upgrade(kind: 'exec' | 'attach' | 'portforward', pod: KubeObject, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.checkNode(pod);
    const url = new URL(req.url ?? '/', 'https://localhost');
    const q = url.searchParams;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (kind === 'portforward') return this.portForward(pod, q, req, socket, head, upgrade);
    // Checks first, so that kubectl's SPDY retry after a refused WebSocket gets the same answer.
    const phase = str(obj(pod.status).phase);
    if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot ${kind} into a container in a completed pod; current phase is ${phase}`);
    const name = resolveContainer(pod, q.get('container'));
    const s = statusOf(pod, name);
    const running = s && obj(s.state).running ? idOf(s.containerID) : '';
    if (!running) {
      // The kubelet answers in plain text; kubectl prints `unable to upgrade connection: container not found ("x")`.
      const body = `container not found ("${name}")`;
      socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    if (upgrade !== 'websocket') {
      throw badRequest('exec and attach are served over WebSocket (v5.channel.k8s.io); SPDY is not supported by this node');
    }
    const rt = await this.deps.runtime();
    const stdin = bool(q, 'stdin');
    const stdout = q.get('stdout') === null ? true : bool(q, 'stdout');
    const stderr = q.get('stderr') === null ? true : bool(q, 'stderr');
    const tty = bool(q, 'tty');
    const cmd = q.getAll('command');
    if (kind === 'exec' && cmd.length === 0) throw badRequest('you must specify at least 1 command');
    // Start the process before the handshake: a failure is still an HTTP error kubectl prints.
    let session: StreamSession & { wait?: () => Promise<number> };
    if (kind === 'exec') {
      try {
        session = await rt.exec(running, { cmd, stdin, tty });
      } catch (e) {
        throw errors.internal(`failed to exec in container: ${(e as Error).message}`);
      }
    } else {
      try {
        session = await rt.attach(running, { stdin, stdout, stderr: stderr && !tty });
      } catch (e) {
        throw errors.internal(`failed to attach to container: ${(e as Error).message}`);
      }
    }
    const ws = await this.handshake(req, socket, head);
    if (!ws) {
      session.close();
      return;
    }
    runChannelSession(ws, ws.protocol || 'channel.k8s.io', session, { stdout, stderr, tty, cmd, kind });
  }

  private handshake(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | undefined> {
    return new Promise((resolve) => {
      const done = (ws: WebSocket) => resolve(ws);
      socket.once('close', () => resolve(undefined));
      this.wss.handleUpgrade(req, socket, head, done);
    });
  }

  private async portForward(pod: KubeObject, q: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer, upgrade: string): Promise<void> {
    const rt = await this.deps.runtime();
    const sb = await this.deps.sandbox(pod);
    if (!sb) throw badRequest(`pod ${podName(pod)} is not running`);
    const describe = `${podName(pod)}_${pod.metadata.namespace ?? 'default'}`;
    const dialer = (this.dialer ??= new PodDialer(rt));
    const dial = (port: number) => dialer.dial(sb, port);
    if (upgrade.startsWith('spdy/')) {
      // Plain SPDY/3.1 (kubectl's fallback).
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
      if (head.length) socket.unshift(head);
      serveSpdyPortForward(socket, dial, describe);
      return;
    }
    if (upgrade !== 'websocket') throw badRequest(`unsupported upgrade "${upgrade}"`);
    // ws rejects the tunnel's subprotocol token: swap in a placeholder, restored in 'headers'.
    const proto = String(req.headers['sec-websocket-protocol'] ?? '');
    const offered = proto.split(',').map((p) => p.trim()).filter(Boolean);
    req.headers['sec-websocket-protocol'] = offered.map((p) => (p === PF_TUNNEL ? PF_TUNNEL_TOKEN : p)).join(', ');
    const ports = q
      .getAll('ports')
      .flatMap((p) => p.split(','))
      .map((p) => Number(p.trim()))
      .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
    if (!offered.includes(PF_TUNNEL) && ports.length === 0) throw badRequest('query parameter "port" is required');
    const ws = await this.handshake(req, socket, head);
    if (!ws) return;
    if (ws.protocol === PF_TUNNEL_TOKEN || ws.protocol === PF_TUNNEL) {
      const duplex = webSocketDuplex(ws);
      serveSpdyPortForward(duplex, dial, describe, () => ws.close(1000));
      return;
    }
    serveChannelPortForward(ws, ports, ws.protocol.includes('base64'), dial, describe);
  }

  // -------------------------------------------------------------------------------------------
  // proxy

  async proxy(pod: KubeObject, port: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkNode(pod);
    let p = port;
    if (!p) {
      for (const c of containers(pod)) {
        const first = arr(c.ports)[0];
        if (first && typeof first.containerPort === 'number') {
          p = String(first.containerPort);
          break;
        }
      }
    }
    let num = Number(p || '80');
    if (!Number.isInteger(num)) {
      const named = containers(pod)
        .flatMap((c) => arr(c.ports))
        .find((x) => x.name === p);
      if (!named || typeof named.containerPort !== 'number') throw badRequest(`invalid port "${p}"`);
      num = named.containerPort;
    }
    const sb = await this.deps.sandbox(pod);
    if (!sb) throw errors.serviceUnavailable(`pod ${podName(pod)} is not running`);
    const rt = await this.deps.runtime();
    let conn: Duplex;
    try {
      conn = await (this.dialer ??= new PodDialer(rt)).dial(sb, num);
    } catch (e) {
      throw errors.serviceUnavailable(`error trying to reach service: ${(e as Error).message}`);
    }
    const url = new URL(req.url ?? '/', 'https://localhost');
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      if (['authorization', 'connection', 'upgrade', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'te', 'host'].includes(k)) continue;
      headers[k] = v;
    }
    headers.host = `${sb.ip ?? 'localhost'}:${num}`;
    if (req.headers['transfer-encoding']) headers['transfer-encoding'] = req.headers['transfer-encoding'];
    await new Promise<void>((resolve) => {
      const out = httpRequest({ method: req.method, path: path + url.search, headers, createConnection: () => conn as never }, (up) => {
        const h: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding'].includes(k)) h[k] = v;
        res.writeHead(up.statusCode ?? 502, h);
        up.pipe(res);
        up.on('end', resolve);
        up.on('error', resolve);
      });
      out.on('error', (e) => {
        if (!res.headersSent) {
          const s = errors.serviceUnavailable(`error trying to reach service: ${e.message}`).status;
          res.writeHead(503, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(s));
        } else res.destroy();
        resolve();
      });
      req.pipe(out);
    });
  }
}

/** Wires a stream session (exec or attach) to a WebSocket with the channel protocol. */
export function runChannelSession(
  ws: WebSocket,
  protocol: string,
  session: StreamSession & { wait?: () => Promise<number> },
  o: { stdout: boolean; stderr: boolean; tty: boolean; cmd: string[]; kind: 'exec' | 'attach' },
): void {
  const base64 = protocol.includes('base64');
  const version = protocol.startsWith('v5.') ? 5 : protocol.startsWith('v4.') ? 4 : protocol.startsWith('v3.') ? 3 : protocol.startsWith('v2.') ? 2 : 1;
  const send = (channel: number, payload: Buffer | string): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState !== ws.OPEN) return resolve();
      const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
      if (base64) ws.send(String(channel) + buf.toString('base64'), () => resolve());
      else ws.send(Buffer.concat([Buffer.from([channel]), buf]), { binary: true }, () => resolve());
    });
  let closed = false;
  const outputs: Promise<void>[] = [];
  const pump = (src: NodeJS.ReadableStream | undefined, channel: number, wanted: boolean) => {
    if (!src) return;
    outputs.push(
      new Promise<void>((resolve) => {
        src.on('data', (chunk: Buffer) => {
          if (!wanted) return;
          // Back-pressure: stop reading while the socket is congested.
          if (ws.bufferedAmount > 1 << 20) {
            src.pause();
            void send(channel, chunk).then(() => src.resume());
          } else void send(channel, chunk);
        });
        src.on('end', resolve);
        src.on('close', resolve);
        src.on('error', () => resolve());
      }),
    );
  };
  pump(session.stdout, 1, o.stdout);
  pump(session.stderr, 2, o.stderr);
  ws.on('message', (msg: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    let buf = Array.isArray(msg) ? Buffer.concat(msg) : Buffer.isBuffer(msg) ? msg : Buffer.from(msg);
    if (buf.length === 0) return;
    let channel: number;
    if (base64 || !isBinary) {
      const text = buf.toString('utf8');
      channel = Number(text[0]);
      buf = Buffer.from(text.slice(1), 'base64');
    } else {
      channel = buf[0];
      buf = buf.subarray(1);
    }
    if (channel === 0) {
      if (buf.length && session.stdin && !session.stdin.writableEnded) session.stdin.write(buf);
    } else if (channel === 4) {
      try {
        const size = JSON.parse(buf.toString('utf8')) as { Width?: number; Height?: number };
        if (size.Width && size.Height) void session.resize({ cols: size.Width, rows: size.Height }).catch(() => undefined);
      } catch {
        // Malformed resize: ignored, as upstream logs and continues.
      }
    } else if (channel === 255 && version >= 5) {
      // v5 close signal: [255, <channel>]; 0 = stdin EOF.
      if (buf[0] === 0 && session.stdin && !session.stdin.writableEnded) session.stdin.end();
    }
  });
  ws.on('close', () => {
    closed = true;
    session.close();
  });
  ws.on('error', () => session.close());
  void (async () => {
    let code = 0;
    let err: string | undefined;
    try {
      if (session.wait) code = await session.wait();
      await Promise.all(outputs);
    } catch (e) {
      err = (e as Error).message;
    }
    if (closed) return;
    if (version >= 4) {
      let status: Record<string, unknown> = STATUS_SUCCESS;
      if (err) status = { metadata: {}, status: 'Failure', message: err, reason: 'InternalError', details: { causes: [{ message: err }] }, code: 500 };
      else if (code !== 0) {
        status = {
          metadata: {},
          status: 'Failure',
          message: `command terminated with non-zero exit code: error executing command [${o.cmd.join(' ')}], exit code ${code}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
        };
      }
      await send(3, JSON.stringify(status));
    } else if (err || code !== 0) {
      await send(3, err ?? `command terminated with non-zero exit code: Error executing in Docker Container: ${code}`);
    }
    ws.close(1000);
  })();
}
