/**
 * Container probes (upstream pkg/kubelet/prober): one worker per (container instance, probe
 * type), each a single timer — the only per-pod timers the kubelet keeps while pods are idle.
 *
 * - Timing: the first probe runs at startedAt + initialDelaySeconds (or at once when that has
 *   passed), then every periodSeconds; a probe slower than timeoutSeconds fails. A result flips
 *   after successThreshold consecutive successes / failureThreshold consecutive failures.
 * - Initial results as upstream: readiness starts "not ready", liveness "healthy", startup
 *   "unknown". Liveness and readiness wait until the startup probe (if any) has succeeded; the
 *   startup worker stops once it has.
 * - Readiness drives containerStatuses[].ready and the Ready condition. A failed liveness or
 *   startup probe makes sync.ts kill the container ("… failed liveness probe, will be
 *   restarted"); that worker then holds until a new container instance appears.
 * - Every failed probe records an `Unhealthy` event ("Readiness probe failed: …").
 * - Handlers: exec (runtime exec with a timeout), httpGet (HTTP/HTTPS, 200–399 is success) and
 *   tcpSocket (a connection). Both network handlers connect through runtime.dial, i.e. into the
 *   pod's network namespace; with Docker that is the pod IP from this process — Linux-only, see
 *   runtime/docker.ts. gRPC probes are not implemented and count as success.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';
import type { EventRecorder } from '../events/recorder.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import type { KubeletClock } from './backoff.js';
import { arr, containerRef, containers, initContainers, isSidecar, num, obj, str, type Container, type Obj, podUid } from './podutil.js';
import type { ObservedPod } from './observed.js';
import { currentSandbox } from './observed.js';
import type { ProbeState } from './status.js';
import type { ProbeVerdicts } from './sync.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

const PROBE_FIELD: Record<ProbeType, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };
const PROBE_NAME: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export interface ProbeTarget {
  pod: KubeObject;
  container: Container;
  containerId: string;
  sandboxId: string;
  podIP?: string;
}

export interface ProbeOutcome {
  ok: boolean;
  output: string;
}

/** Runs one probe; injectable for tests. */
export type ProbeRunner = (type: ProbeType, probe: Obj, target: ProbeTarget) => Promise<ProbeOutcome>;

interface Worker {
  key: string;
  type: ProbeType;
  uid: string;
  name: string;
  containerId: string;
  sandboxId: string;
  podIP?: string;
  pod: KubeObject;
  container: Container;
  probe: Obj;
  startedAt: number;
  timer?: unknown;
  running: boolean;
  successes: number;
  failures: number;
  /** Current verdict: undefined = none yet. */
  result?: boolean;
  /** Liveness/startup failed: wait for a new instance. */
  onHold: boolean;
  stopped: boolean;
}

export class ProbeManager implements ProbeVerdicts {
  private readonly workers = new Map<string, Worker>();
  private readonly byPod = new Map<string, Set<string>>();
  readonly run: ProbeRunner;

  constructor(
    runtime: ContainerRuntime,
    private readonly clock: KubeletClock,
    private readonly recorder: EventRecorder,
    private readonly onChange: (uid: string) => void,
    runner?: ProbeRunner,
  ) {
    this.run = runner ?? defaultRunner(runtime);
  }

  /** Starts workers for the pod's running containers that have probes and stops stale ones. */
  sync(pod: KubeObject, observed: ObservedPod, startedAt: (id: string) => number): void {
    const uid = podUid(pod);
    const want = new Set<string>();
    const sb = currentSandbox(observed);
    for (const c of [...containers(pod), ...initContainers(pod).filter(isSidecar)]) {
      const inst = observed.containers.find((x) => x.name === c.name);
      if (!inst || inst.state !== 'running') continue;
      for (const type of ['startup', 'readiness', 'liveness'] as ProbeType[]) {
        const probe = c[PROBE_FIELD[type]];
        if (!probe || typeof probe !== 'object') continue;
        const key = `${uid}/${c.name}/${type}`;
        want.add(key);
        const w = this.workers.get(key);
        if (w && w.containerId === inst.id) {
          w.pod = pod;
          continue;
        }
        if (w) this.stopWorker(w);
        this.startWorker({
          key,
          type,
          uid,
          name: c.name,
          containerId: inst.id,
          sandboxId: sb?.id ?? inst.sandboxId ?? '',
          podIP: sb?.ip,
          pod,
          container: c,
          probe: probe as Obj,
          startedAt: startedAt(inst.id),
          running: false,
          successes: 0,
          failures: 0,
          onHold: false,
          stopped: false,
        });
      }
    }
    for (const key of this.byPod.get(uid) ?? []) {
      if (!want.has(key)) {
        const w = this.workers.get(key);
        if (w) this.stopWorker(w);
      }
    }
  }

  removePod(uid: string): void {
    for (const key of this.byPod.get(uid) ?? []) {
      const w = this.workers.get(key);
      if (w) this.stopWorker(w);
    }
    this.byPod.delete(uid);
  }

  stop(): void {
    for (const w of [...this.workers.values()]) this.stopWorker(w);
  }

  /** Number of live probe workers (idle cost checks). */
  get size(): number {
    return this.workers.size;
  }

  private worker(id: string, type: ProbeType): Worker | undefined {
    for (const w of this.workers.values()) if (w.containerId === id && w.type === type) return w;
    return undefined;
  }

  livenessFailed(id: string): boolean {
    return this.worker(id, 'liveness')?.result === false;
  }

  startupFailed(id: string): boolean {
    return this.worker(id, 'startup')?.result === false;
  }

  started(id: string): boolean {
    const w = this.worker(id, 'startup');
    return !w || w.result === true;
  }

  /** Probe state of a running instance for status.ts. */
  state(container: Container, id: string): ProbeState {
    const started = container.startupProbe ? this.worker(id, 'startup')?.result === true : true;
    let ready = started;
    if (container.readinessProbe) ready = started && this.worker(id, 'readiness')?.result === true;
    return { started, ready };
  }

  private startWorker(w: Worker): void {
    this.workers.set(w.key, w);
    let set = this.byPod.get(w.uid);
    if (!set) this.byPod.set(w.uid, (set = new Set()));
    set.add(w.key);
    // Initial results as upstream: liveness healthy, readiness not ready, startup unknown.
    if (w.type === 'liveness') w.result = true;
    if (w.type === 'readiness') w.result = false;
    const delay = (num(w.probe.initialDelaySeconds) ?? 0) * 1000;
    this.schedule(w, Math.max(0, w.startedAt + delay - this.clock.now()));
  }

  private stopWorker(w: Worker): void {
    w.stopped = true;
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    w.timer = undefined;
    this.workers.delete(w.key);
    this.byPod.get(w.uid)?.delete(w.key);
  }

  private schedule(w: Worker, ms: number): void {
    if (w.stopped) return;
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    w.timer = this.clock.setTimeout(() => {
      w.timer = undefined;
      void this.tick(w);
    }, ms);
  }

  private async tick(w: Worker): Promise<void> {
    if (w.stopped || w.running) return;
    const period = Math.max(1, num(w.probe.periodSeconds) ?? 10) * 1000;
    // Liveness and readiness wait for the startup probe; a failed liveness/startup waits for a new instance.
    const waiting = w.onHold || (w.type !== 'startup' && w.container.startupProbe !== undefined && !this.started(w.containerId));
    if (waiting) {
      this.schedule(w, period);
      return;
    }
    w.running = true;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.run(w.type, w.probe, { pod: w.pod, container: w.container, containerId: w.containerId, sandboxId: w.sandboxId, podIP: w.podIP });
    } catch (e) {
      outcome = { ok: false, output: (e as Error).message };
    } finally {
      w.running = false;
    }
    if (w.stopped) return;
    this.record(w, outcome);
    // A started container's startup worker is done.
    if (w.type === 'startup' && w.result === true) return;
    this.schedule(w, period);
  }

  private record(w: Worker, o: ProbeOutcome): void {
    const before = w.result;
    if (o.ok) {
      w.successes++;
      w.failures = 0;
      const need = w.type === 'readiness' ? Math.max(1, num(w.probe.successThreshold) ?? 1) : 1;
      if (w.successes >= need) w.result = true;
    } else {
      w.failures++;
      w.successes = 0;
      const out = o.output.trim();
      this.recorder.event(containerRef(w.pod, w.name), 'Warning', 'Unhealthy', `${PROBE_NAME[w.type]} probe failed: ${out}`);
      if (w.failures >= Math.max(1, num(w.probe.failureThreshold) ?? 3)) {
        w.result = false;
        if (w.type !== 'readiness') w.onHold = true;
      }
    }
    if (w.result !== before) this.onChange(w.uid);
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers

function resolvePort(port: unknown, container: Container): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    const p = arr(container.ports).find((x) => x.name === port);
    if (p && typeof p.containerPort === 'number') return p.containerPort;
  }
  throw new Error(`unable to resolve port ${JSON.stringify(port)} of container ${container.name}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => {
        onTimeout();
        reject(new Error(what));
      }, ms);
    }),
  ]).finally(() => clearTimeout(t));
}

export function defaultRunner(runtime: ContainerRuntime): ProbeRunner {
  return async (_type, probe, target) => {
    const timeoutMs = Math.max(1, num(probe.timeoutSeconds) ?? 1) * 1000;
    if (probe.exec !== undefined) {
      const command = obj(probe.exec).command;
      const cmd = Array.isArray(command) ? command.map(String) : [];
      const session = await runtime.exec(target.containerId, { cmd });
      const chunks: Buffer[] = [];
      let size = 0;
      const collect = (b: Buffer) => {
        if (size < 10240) chunks.push(b);
        size += b.length;
      };
      session.stdout.on('data', collect);
      session.stderr?.on('data', collect);
      try {
        const code = await withTimeout(session.wait(), timeoutMs, () => session.close(), `command ${JSON.stringify(cmd.join(' '))} timed out`);
        const output = Buffer.concat(chunks).subarray(0, 10240).toString('utf8');
        return { ok: code === 0, output: code === 0 ? output : output || `command ${JSON.stringify(cmd.join(' '))} exited with ${code}` };
      } catch (e) {
        return { ok: false, output: (e as Error).message };
      }
    }
    if (probe.httpGet !== undefined) return httpProbe(runtime, obj(probe.httpGet), target, timeoutMs);
    if (probe.tcpSocket !== undefined) {
      const t = obj(probe.tcpSocket);
      const port = resolvePort(t.port, target.container);
      const host = str(t.host);
      try {
        const sock = await withTimeout(dial(runtime, target, host, port, false), timeoutMs, () => undefined, `dial tcp ${host ?? target.podIP ?? ''}:${port}: i/o timeout`);
        sock.destroy();
        return { ok: true, output: '' };
      } catch (e) {
        return { ok: false, output: dialMessage(e, host ?? target.podIP ?? '', port) };
      }
    }
    // gRPC probes: not implemented; treated as success rather than killing the container.
    return { ok: true, output: '' };
  };
}

function dialMessage(e: unknown, host: string, port: number): string {
  const msg = (e as Error).message;
  if (/ECONNREFUSED/.test(msg)) return `dial tcp ${host}:${port}: connect: connection refused`;
  if (/timeout/i.test(msg)) return `dial tcp ${host}:${port}: i/o timeout`;
  return msg;
}

/** A connection into the pod (runtime.dial) or to an explicit host. */
async function dial(runtime: ContainerRuntime, target: ProbeTarget, host: string | undefined, port: number, tls: boolean): Promise<Duplex> {
  if (host) {
    return new Promise<Duplex>((resolve, reject) => {
      const s = tls ? tlsConnect({ host, port, rejectUnauthorized: false }) : netConnect({ host, port });
      s.once(tls ? 'secureConnect' : 'connect', () => resolve(s));
      s.once('error', reject);
    });
  }
  const raw = await runtime.dial(target.sandboxId, port);
  if (!tls) return raw;
  return new Promise<Duplex>((resolve, reject) => {
    const s = tlsConnect({ socket: raw as never, rejectUnauthorized: false });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

async function httpProbe(runtime: ContainerRuntime, h: Obj, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(h.port, target.container);
  const https = String(h.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const host = str(h.host);
  const shownHost = host ?? target.podIP ?? 'localhost';
  let path = str(h.path) ?? '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${https ? 'https' : 'http'}://${shownHost}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const hd of arr(h.httpHeaders)) if (typeof hd.name === 'string') headers[hd.name] = String(hd.value ?? '');
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.Host = `${shownHost}:${port}`;
  let sock: Duplex;
  try {
    sock = await withTimeout(dial(runtime, target, host, port, https), timeoutMs, () => undefined, `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  } catch (e) {
    return { ok: false, output: `Get "${url}": ${dialMessage(e, shownHost, port)}` };
  }
  const req = (https ? httpsRequest : httpRequest)({ method: 'GET', path, headers, createConnection: () => sock as never });
  try {
    const code = await withTimeout(
      new Promise<number>((resolve, reject) => {
        req.once('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      }),
      timeoutMs,
      () => req.destroy(),
      `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    );
    sock.destroy();
    if (code >= 200 && code < 400) return { ok: true, output: '' };
    return { ok: false, output: `HTTP probe failed with statuscode: ${code}` };
  } catch (e) {
    sock.destroy();
    return { ok: false, output: (e as Error).message.startsWith('Get "') ? (e as Error).message : `Get "${url}": ${(e as Error).message}` };
  }
}
