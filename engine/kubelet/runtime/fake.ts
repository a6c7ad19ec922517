/**
 * In-memory {@link ContainerRuntime} for fast kubelet tests: same contract and error codes as
 * docker.ts, no Docker. Containers "run" until stopped or until their script says they exit;
 * time comes from an injectable clock, so a {@link ManualClock} makes exits, grace periods and
 * timestamps deterministic.
 *
 * Scripting (all optional):
 * - `script(spec)` decides per container: log lines, exit after N ms with a code, OOM, a start
 *   error, ignoring SIGTERM (stop then waits the grace period and kills with 137), CPU/memory.
 * - `exit(id, code)`, `writeLog(id, line)`, `failNext(method, err)` drive a running test.
 * - `pullFailures` / `setPullFailure(ref, failure)` make pulls fail; other pulls succeed.
 * - `onExec` answers exec; the default understands echo, cat, true, false, `sh -c "exit N"`.
 * - `calls` records every interface call (method and first argument) for assertions.
 */
import { setLongTimeout, type LongTimeout } from '../../api/timers.js';
import { PassThrough, Readable, Writable, type Duplex } from 'node:stream';
import {
  DEFAULT_POD_SUBNET,
  ImagePullError,
  LABEL,
  RuntimeError,
  fromLabels,
  matchLabels,
  parseImageRef,
  runtimeName,
  skiffLabels,
  type AttachOptions,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type ContainerSummary,
  type EventOptions,
  type EventSubscription,
  type ExecOptions,
  type ExecSession,
  type ImageInfo,
  type ImagePullFailure,
  type ImageSummary,
  type LabelFilter,
  type ListOptions,
  type LogOptions,
  type NetworkInfo,
  type NetworkSpec,
  type PullOptions,
  type RuntimeEvent,
  type RuntimeEventType,
  type RuntimeInfo,
  type SandboxInfo,
  type SandboxSpec,
  type StreamSession,
  type TerminationReason,
} from './runtime.js';

// ---------------------------------------------------------------------------------------------
// Clock

/** The time source the fake uses; pass the engine's test clock or a {@link ManualClock}. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (h) => (h as LongTimeout | undefined)?.cancel(),
};

/** Time moves only on `advance` (shared with other tests: engine/api/timers.ts). */
export { ManualClock } from '../../api/timers.js';

// ---------------------------------------------------------------------------------------------
// Scripts and state

export interface FakeLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** How a fake container behaves once started. */
export interface FakeScript {
  /** Written at start (strings go to stdout); a trailing newline is added when missing. */
  logs?: Array<string | FakeLogLine>;
  /** Exit on its own after this long (clock time); unset: run until stopped. */
  exitAfterMs?: number;
  /** Code for the scripted exit (default 0). */
  exitCode?: number;
  /** The scripted exit is an OOM kill (exit 137, reason OOMKilled). */
  oom?: boolean;
  /** startContainer fails with StartFailed and this message (the container stays 'created'). */
  startError?: string;
  /** Stop waits the grace period, then kills with 137. */
  ignoreSigterm?: boolean;
  /** Exit code when stopped by SIGTERM (default 143 = killed by SIGTERM; 0 for a clean handler). */
  sigtermExitCode?: number;
  /** For stats: constant CPU use in nanocores while running, and memory working set. */
  cpuNanoCores?: number;
  memoryBytes?: number;
  /** Attach stdin is echoed back as log output (like `cat`). */
  echoStdin?: boolean;
}

export interface FakeExecResult {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export interface FakeExecContext {
  containerId: string;
  cmd: string[];
  env: Record<string, string>;
  tty: boolean;
  /** Everything written to stdin (after the caller ended it), '' without stdin. */
  stdin: string;
}

export interface FakeRuntimeOptions {
  clock?: Clock;
  /** Images present at start (refs as the pods name them). The sandbox image is always present. */
  images?: string[];
  /** Per-container behaviour; default: run until stopped, no output. */
  script?: (spec: ContainerSpec) => FakeScript | undefined;
  onExec?: (ctx: FakeExecContext) => FakeExecResult | Promise<FakeExecResult>;
  /** Answer dial(); default: connection refused. */
  onDial?: (sandboxId: string, port: number) => Duplex;
  /** ref → failure for pulls that must fail; others succeed. */
  pullFailures?: Record<string, ImagePullFailure>;
  info?: Partial<RuntimeInfo>;
}

/** A fake container's full state, for assertions (`fake.container(id)`). */
export interface FakeContainer {
  id: string;
  name: string;
  role: 'sandbox' | 'other';
  image: string;
  imageId: string;
  labels: Record<string, string>;
  spec?: ContainerSpec;
  sandbox?: SandboxSpec;
  state: ContainerState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: TerminationReason;
  message?: string;
  ip?: string;
  network?: string;
  logs: Array<FakeLogLine & { time: number }>;
  /** What attach sessions wrote to stdin. */
  stdin: string;
  script: FakeScript;
  /** CPU time accumulated before the current run. */
  cpuNs: number;
}

const SANDBOX_IMAGE = 'skiff/pause:1';

/** A followed log or an attach session: receives output as it is written. */
interface Follower {
  out: PassThrough;
  /** Separate stderr (non-TTY attach); logs get both streams in `out`. */
  err?: PassThrough;
  timestamps: boolean;
  wantOut: boolean;
  wantErr: boolean;
}

interface Subscriber {
  filter: LabelFilter;
  onEvent: (e: RuntimeEvent) => void;
  broke: () => void;
}

export class FakeRuntime implements ContainerRuntime {
  readonly clock: Clock;
  /** Every interface call, in order: method name and its first argument. */
  readonly calls: Array<{ method: string; arg?: unknown }> = [];
  private readonly opts: FakeRuntimeOptions;
  private readonly networks = new Map<string, NetworkInfo & { used: Set<string> }>();
  private readonly images = new Map<string, ImageInfo>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly exitTimers = new Map<string, unknown>();
  private readonly followers = new Map<string, Set<Follower>>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly history: RuntimeEvent[] = [];
  private readonly failures = new Map<string, RuntimeError[]>();
  private readonly pullFailures = new Map<string, ImagePullFailure>();
  private readonly lastCpu = new Map<string, { usage: number; time: number }>();
  private seq = 0;
  private down = false;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.opts = opts;
    this.clock = opts.clock ?? realClock;
    for (const ref of [SANDBOX_IMAGE, ...(opts.images ?? [])]) this.addImage(ref);
    for (const [ref, f] of Object.entries(opts.pullFailures ?? {})) this.setPullFailure(ref, f);
  }

  // --- test controls --------------------------------------------------------------------------

  addImage(ref: string, extra: Partial<ImageInfo> = {}): void {
    const full = parseImageRef(ref).full;
    this.images.set(full, {
      id: `sha256:${hex(full)}`,
      repoTags: [full],
      repoDigests: [],
      sizeBytes: 1024 * 1024,
      user: '',
      entrypoint: [],
      cmd: ['sh'],
      env: [],
      workingDir: '',
      labels: {},
      architecture: 'amd64',
      ...extra,
    });
  }

  setPullFailure(ref: string, failure: ImagePullFailure | undefined): void {
    const full = parseImageRef(ref).full;
    if (failure) this.pullFailures.set(full, failure);
    else this.pullFailures.delete(full);
  }

  /** The next call of `method` rejects with `err` (queue several for several calls). */
  failNext(method: keyof ContainerRuntime, err: RuntimeError): void {
    const q = this.failures.get(method) ?? [];
    q.push(err);
    this.failures.set(method, q);
  }

  /** Simulate the daemon going away (every call: Unavailable; ping false; event streams break). */
  setUnavailable(down: boolean): void {
    this.down = down;
    if (down) for (const s of [...this.subscribers]) s.broke();
  }

  /** Make a running container exit now. */
  exit(id: string, exitCode: number, o: { oom?: boolean } = {}): void {
    const c = this.mustGet(id);
    if (c.state === 'running') this.finish(c, exitCode, o.oom ?? false);
  }

  writeLog(id: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.appendLog(this.mustGet(id), { stream, text });
  }

  /** A copy of a container's full state. */
  container(id: string): FakeContainer | undefined {
    const c = this.containers.get(id);
    return c && { ...c, labels: { ...c.labels }, logs: [...c.logs] };
  }

  /** All containers, sandboxes included. */
  all(): FakeContainer[] {
    return [...this.containers.keys()].map((id) => this.container(id)).filter((c): c is FakeContainer => !!c);
  }

  // --- interface --------------------------------------------------------------------------------

  async ping(): Promise<boolean> {
    this.record('ping');
    return !this.down;
  }

  async info(): Promise<RuntimeInfo> {
    this.enter('info');
    return {
      runtime: 'fake',
      version: '0.0.0-fake',
      apiVersion: '1.41',
      os: 'Fake OS',
      osType: 'linux',
      kernelVersion: '6.0.0-fake',
      architecture: 'amd64',
      cpus: 4,
      memoryBytes: 8 * 1024 ** 3,
      hostname: 'fake',
      cgroupDriver: 'cgroupfs',
      cgroupVersion: '2',
      ...this.opts.info,
    };
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    this.enter('ensureNetwork', spec);
    const subnet = spec.subnet ?? DEFAULT_POD_SUBNET;
    const have = this.networks.get(spec.name);
    if (have) {
      if (have.subnet !== subnet) throw new RuntimeError('Conflict', `network ${spec.name} exists with subnet ${have.subnet}`);
      return publicNetwork(have);
    }
    for (const n of this.networks.values()) {
      if (n.subnet && cidrOverlap(n.subnet, subnet)) throw new RuntimeError('Conflict', `subnet ${subnet} overlaps network ${n.name}`);
    }
    const n = { id: hex(`net-${spec.name}`), name: spec.name, subnet, gateway: spec.gateway ?? ipAt(subnet, 1), ipRange: spec.ipRange, labels: { ...spec.labels }, used: new Set<string>() };
    this.networks.set(spec.name, n);
    return publicNetwork(n);
  }

  async removeNetwork(name: string): Promise<void> {
    this.enter('removeNetwork', name);
    const n = this.networks.get(name);
    if (!n) return;
    if ([...this.containers.values()].some((c) => c.network === name && c.state === 'running')) {
      throw new RuntimeError('Conflict', `network ${name} still has containers`);
    }
    this.networks.delete(name);
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    this.enter('inspectImage', ref);
    const i = this.images.get(parseImageRef(ref).full);
    return i && { ...i };
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  async pullImage(ref: string, opts: PullOptions = {}): Promise<ImageInfo> {
    this.enter('pullImage', ref);
    const full = parseImageRef(ref).full;
    const failure = this.pullFailures.get(full);
    if (failure) throw new ImagePullError(ref, failure, `failed to pull image "${ref}": fake ${failure}`);
    if (opts.signal?.aborted) throw new ImagePullError(ref, 'Unknown', `failed to pull image "${ref}": aborted`);
    opts.onProgress?.({ status: `Pulling from ${parseImageRef(ref).repository}` });
    opts.onProgress?.({ status: 'Download complete', layer: 'fake', current: 1, total: 1 });
    if (!this.images.has(full)) this.addImage(full);
    const i = this.images.get(full);
    if (!i) throw new RuntimeError('Unknown', 'unreachable');
    return { ...i };
  }

  async listImages(): Promise<ImageSummary[]> {
    this.enter('listImages');
    return [...this.images.values()].map((i) => ({ id: i.id, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests], sizeBytes: i.sizeBytes }));
  }

  async removeImage(ref: string): Promise<void> {
    this.enter('removeImage', ref);
    const full = parseImageRef(ref).full;
    if ([...this.containers.values()].some((c) => c.image === full)) throw new RuntimeError('Conflict', `image ${ref} is in use`);
    this.images.delete(full);
  }

  async ensureSandboxImage(): Promise<string> {
    this.enter('ensureSandboxImage');
    if (!this.images.has(SANDBOX_IMAGE)) this.addImage(SANDBOX_IMAGE);
    return SANDBOX_IMAGE;
  }

  async createSandbox(spec: SandboxSpec): Promise<SandboxInfo> {
    this.enter('createSandbox', spec);
    const net = this.networks.get(spec.network);
    if (!net?.subnet) throw new RuntimeError('NotFound', `network ${spec.network} not found`);
    const image = parseImageRef(spec.image ?? SANDBOX_IMAGE).full;
    if (!this.images.has(image)) throw new RuntimeError('ImageNotPresent', `No such image: ${image}`);
    const name = runtimeName(spec.cluster, spec.pod, undefined, spec.attempt);
    this.checkName(name);
    let ip = spec.ip;
    if (ip) {
      if (net.used.has(ip)) throw new RuntimeError('Conflict', `Address already in use: ${ip}`);
    } else {
      for (let i = 2; !ip; i++) {
        const cand = ipAt(net.subnet, i);
        if (!cand) throw new RuntimeError('Unknown', `no free address in ${net.subnet}`);
        if (!net.used.has(cand) && cand !== net.gateway) ip = cand;
      }
    }
    net.used.add(ip);
    const c = this.newContainer({
      name,
      role: 'sandbox',
      image,
      labels: skiffLabels({ cluster: spec.cluster, node: spec.node, pod: spec.pod, role: 'sandbox', attempt: spec.attempt }, spec.labels),
      sandbox: spec,
      script: {},
    });
    c.ip = ip;
    c.network = spec.network;
    this.run(c);
    const info = this.sandboxInfo(c);
    if (!info) throw new RuntimeError('Unknown', 'unreachable');
    return info;
  }

  async inspectSandbox(id: string): Promise<SandboxInfo | undefined> {
    this.enter('inspectSandbox', id);
    const c = this.containers.get(id);
    if (!c) return undefined;
    if (c.role !== 'sandbox') throw new RuntimeError('InvalidArgument', `${id} is not a Skiff sandbox`);
    return this.sandboxInfo(c);
  }

  async stopSandbox(id: string): Promise<void> {
    this.enter('stopSandbox', id);
    for (const c of this.members(id)) if (c.state === 'running') this.finish(c, 137, false);
    const sb = this.containers.get(id);
    if (sb?.state === 'running') this.finish(sb, 0, false);
    this.releaseIp(sb);
  }

  async removeSandbox(id: string): Promise<void> {
    this.enter('removeSandbox', id);
    for (const c of this.members(id)) this.destroy(c);
    const sb = this.containers.get(id);
    if (sb) this.destroy(sb);
  }

  async createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    this.enter('createContainer', spec);
    const sb = this.containers.get(sandboxId);
    if (!sb) throw new RuntimeError('NotFound', `sandbox ${sandboxId} not found`);
    if (sb.role !== 'sandbox') throw new RuntimeError('InvalidArgument', `${sandboxId} is not a Skiff sandbox`);
    const image = parseImageRef(spec.image).full;
    if (!this.images.has(image)) throw new RuntimeError('ImageNotPresent', `No such image: ${image}`);
    const l = fromLabels(sb.labels);
    if (!l.pod || l.cluster === undefined || l.node === undefined) throw new RuntimeError('InvalidArgument', 'bad sandbox labels');
    const name = runtimeName(l.cluster, l.pod, spec.name, spec.attempt);
    this.checkName(name);
    const c = this.newContainer({
      name,
      role: 'other',
      image,
      labels: skiffLabels(
        { cluster: l.cluster, node: l.node, pod: l.pod, role: spec.role ?? 'app', attempt: spec.attempt, containerName: spec.name, hash: spec.hash, sandboxId },
        spec.labels,
      ),
      spec,
      script: this.opts.script?.(spec) ?? {},
    });
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    this.enter('startContainer', id);
    const c = this.mustGet(id);
    if (c.state === 'running') return;
    const sb = c.labels[LABEL.sandboxId] ? this.containers.get(c.labels[LABEL.sandboxId] ?? '') : undefined;
    const err = c.script.startError ?? (c.role !== 'sandbox' && sb?.state !== 'running' ? 'cannot join network of a non running container' : undefined);
    if (err) {
      c.exitCode = 128;
      c.reason = 'StartError';
      c.message = err;
      throw new RuntimeError('StartFailed', `start container ${id}: ${err}`);
    }
    this.run(c);
  }

  async stopContainer(id: string, gracePeriodSeconds: number): Promise<void> {
    this.enter('stopContainer', id);
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    if (!c.script.ignoreSigterm) {
      this.finish(c, c.role === 'sandbox' ? 0 : (c.script.sigtermExitCode ?? 143), false);
      return;
    }
    // Stubborn process: SIGKILL when the grace period is over (clock time).
    await new Promise<void>((resolve) => {
      const h = this.clock.setTimeout(() => {
        if (c.state === 'running') this.finish(c, 137, false);
        resolve();
      }, Math.max(0, gracePeriodSeconds) * 1000);
      this.onExit(c.id, () => {
        this.clock.clearTimeout(h);
        resolve();
      });
    });
  }

  async removeContainer(id: string): Promise<void> {
    this.enter('removeContainer', id);
    const c = this.containers.get(id);
    if (c) this.destroy(c);
  }

  async inspectContainer(id: string): Promise<ContainerStatus | undefined> {
    this.enter('inspectContainer', id);
    const c = this.containers.get(id);
    if (!c) return undefined;
    return {
      ...this.summary(c),
      exitCode: c.state === 'exited' || c.reason ? c.exitCode : undefined,
      startedAt: c.startedAt !== undefined ? new Date(c.startedAt) : undefined,
      finishedAt: c.state === 'exited' && c.finishedAt !== undefined ? new Date(c.finishedAt) : undefined,
      reason: c.reason,
      message: c.message,
      pid: c.state === 'running' ? 1000 + Number.parseInt(c.id.slice(0, 4), 16) : undefined,
      tty: c.spec?.tty ?? false,
      stdin: c.spec?.stdin ?? false,
    };
  }

  async listContainers(opts: ListOptions): Promise<ContainerSummary[]> {
    this.enter('listContainers', opts);
    return [...this.containers.values()]
      .filter((c) => matchLabels(c.labels, opts.labels) && (!opts.runningOnly || c.state === 'running'))
      .map((c) => this.summary(c));
  }

  async logs(id: string, opts: LogOptions = {}): Promise<Readable> {
    this.enter('logs', id);
    const c = this.mustGet(id);
    const timestamps = opts.timestamps ?? false;
    let lines = c.logs.filter((l) => !opts.since || l.time >= opts.since.getTime());
    if (opts.tail !== undefined) lines = opts.tail === 0 ? [] : lines.slice(-opts.tail);
    const out = new PassThrough();
    for (const l of lines) out.write(formatLine(l, timestamps));
    if (opts.follow && c.state === 'running') {
      const set = this.followers.get(id) ?? new Set<Follower>();
      const f: Follower = { out, timestamps, wantOut: true, wantErr: true };
      set.add(f);
      this.followers.set(id, set);
      out.on('close', () => set.delete(f));
    } else {
      out.end();
    }
    return out;
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    this.enter('exec', opts);
    const c = this.mustGet(id);
    if (c.state !== 'running') throw new RuntimeError('InvalidArgument', `container ${id} is not running`);
    const tty = opts.tty ?? false;
    const stdout = new PassThrough();
    const stderr = tty ? undefined : new PassThrough();
    let input = '';
    let inputDone: () => void = () => undefined;
    const gotInput = new Promise<void>((r) => (inputDone = r));
    const stdin = opts.stdin
      ? new Writable({
          write(chunk: Buffer, _e, cb) {
            input += String(chunk);
            cb();
          },
          final(cb) {
            inputDone();
            cb();
          },
        })
      : undefined;
    if (!stdin) inputDone();
    const handler = this.opts.onExec ?? defaultExec;
    const env: Record<string, string> = {};
    for (const e of opts.env ?? []) env[e.name] = e.value;
    let closed = false;
    const result = gotInput.then(async () => {
      const r = await handler({ containerId: id, cmd: opts.cmd, env, tty, stdin: input });
      if (!closed) {
        if (r.stdout) stdout.write(r.stdout);
        if (r.stderr) (stderr ?? stdout).write(r.stderr);
      }
      stdout.end();
      stderr?.end();
      return r.exitCode ?? 0;
    });
    return {
      stdin,
      stdout,
      stderr,
      resize: async () => undefined,
      close: () => {
        closed = true;
        inputDone();
      },
      wait: () => result,
    };
  }

  async attach(id: string, opts: AttachOptions = {}): Promise<StreamSession> {
    this.enter('attach', id);
    const c = this.mustGet(id);
    if (c.state !== 'running') throw new RuntimeError('InvalidArgument', `container ${id} is not running`);
    const tty = c.spec?.tty ?? false;
    const stdout = new PassThrough();
    const stderr = tty ? undefined : new PassThrough();
    // Attach sees output from now on, like Docker's attach without logs.
    const set = this.followers.get(id) ?? new Set<Follower>();
    const f: Follower = { out: stdout, err: stderr, timestamps: false, wantOut: opts.stdout ?? true, wantErr: opts.stderr ?? true };
    set.add(f);
    this.followers.set(id, set);
    stdout.on('close', () => set.delete(f));
    const stdin = opts.stdin
      ? new Writable({
          write: (chunk: Buffer, _e, cb) => {
            c.stdin += String(chunk);
            if (c.script.echoStdin) this.appendLog(c, { stream: 'stdout', text: String(chunk) }, false);
            cb();
          },
          final: (cb) => {
            // stdinOnce: the process sees EOF; an echoing (cat-like) process then exits 0.
            if (c.spec?.stdinOnce && c.script.echoStdin && c.state === 'running') this.finish(c, 0, false);
            cb();
          },
        })
      : undefined;
    return {
      stdin,
      stdout,
      stderr,
      resize: async () => undefined,
      close: () => {
        set.delete(f);
        stdout.end();
        stderr?.end();
      },
    };
  }

  async dial(sandboxId: string, port: number): Promise<Duplex> {
    this.enter('dial', sandboxId);
    const sb = this.containers.get(sandboxId);
    if (!sb || sb.role !== 'sandbox') throw new RuntimeError('NotFound', `sandbox ${sandboxId} not found`);
    if (sb.state !== 'running') throw new RuntimeError('InvalidArgument', `sandbox ${sandboxId} has no IP`);
    if (this.opts.onDial) return this.opts.onDial(sandboxId, port);
    throw new RuntimeError('Unknown', `dial ${sb.ip}:${port}: connect ECONNREFUSED`);
  }

  async stats(id: string): Promise<ContainerStats> {
    this.enter('stats', id);
    const c = this.mustGet(id);
    const now = this.clock.now();
    const running = c.state === 'running' && c.startedAt !== undefined ? now - c.startedAt : 0;
    const usage = Math.round(c.cpuNs + ((c.script.cpuNanoCores ?? 0) * running) / 1000);
    const prev = this.lastCpu.get(id);
    this.lastCpu.set(id, { usage, time: now });
    const mem = c.state === 'running' ? (c.script.memoryBytes ?? 1024 * 1024) : 0;
    return {
      timestamp: new Date(now),
      cpu: {
        usageCoreNanoSeconds: usage,
        ...(prev && now > prev.time && { usageNanoCores: Math.round(((usage - prev.usage) * 1000) / (now - prev.time)) }),
      },
      memory: { workingSetBytes: mem, usageBytes: mem, rssBytes: mem, ...(c.spec?.resources?.memoryLimitBytes !== undefined && { limitBytes: c.spec.resources.memoryLimitBytes }) },
    };
  }

  async events(filter: LabelFilter, onEvent: (e: RuntimeEvent) => void, opts: EventOptions = {}): Promise<EventSubscription> {
    this.enter('events', filter);
    const since = opts.since?.getTime();
    if (since !== undefined) for (const e of this.history) if (e.time.getTime() >= since && matchLabels(e.labels, filter.labels)) onEvent(e);
    const sub: Subscriber = {
      filter,
      onEvent,
      broke: () => {
        this.subscribers.delete(sub);
        opts.onError?.(new RuntimeError('Unavailable', 'event stream ended'));
      },
    };
    this.subscribers.add(sub);
    return { stop: () => void this.subscribers.delete(sub) };
  }

  // --- internals ------------------------------------------------------------------------------

  private record(method: string, arg?: unknown): void {
    this.calls.push(arg === undefined ? { method } : { method, arg });
  }

  /** Record the call, then apply injected failures and the "daemon down" switch. */
  private enter(method: keyof ContainerRuntime, arg?: unknown): void {
    this.record(method, arg);
    const q = this.failures.get(method);
    const err = q?.shift();
    if (err) throw err;
    if (this.down) throw new RuntimeError('Unavailable', `${method}: cannot reach the fake runtime`);
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('NotFound', `No such container: ${id}`);
    return c;
  }

  private checkName(name: string): void {
    for (const c of this.containers.values()) {
      if (c.name === name) throw new RuntimeError('AlreadyExists', `Conflict. The container name "/${name}" is already in use`);
    }
  }

  private newContainer(o: Pick<FakeContainer, 'name' | 'role' | 'image' | 'labels' | 'script'> & { spec?: ContainerSpec; sandbox?: SandboxSpec }): FakeContainer {
    const id = hex(`c${++this.seq}-${o.name}`) + hex(String(this.seq));
    const c: FakeContainer = {
      ...o,
      id,
      imageId: this.images.get(o.image)?.id ?? '',
      state: 'created',
      createdAt: this.clock.now(),
      logs: [],
      stdin: '',
      cpuNs: 0,
    };
    this.containers.set(id, c);
    this.emit('create', c);
    return c;
  }

  private run(c: FakeContainer): void {
    c.state = 'running';
    c.startedAt = this.clock.now();
    c.finishedAt = undefined;
    c.exitCode = undefined;
    c.reason = undefined;
    c.message = undefined;
    this.emit('start', c);
    for (const l of c.script.logs ?? []) this.appendLog(c, typeof l === 'string' ? { stream: 'stdout', text: l } : l);
    if (c.script.exitAfterMs !== undefined) {
      const oom = c.script.oom ?? false;
      this.exitTimers.set(
        c.id,
        this.clock.setTimeout(() => {
          if (c.state === 'running') this.finish(c, oom ? 137 : (c.script.exitCode ?? 0), oom);
        }, c.script.exitAfterMs),
      );
    }
  }

  private finish(c: FakeContainer, exitCode: number, oom: boolean): void {
    const now = this.clock.now();
    if (c.startedAt !== undefined) c.cpuNs += ((c.script.cpuNanoCores ?? 0) * (now - c.startedAt)) / 1000;
    c.state = 'exited';
    c.finishedAt = now;
    c.exitCode = exitCode;
    c.reason = oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    const t = this.exitTimers.get(c.id);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.exitTimers.delete(c.id);
    if (oom) this.emit('oom', c);
    this.emit('die', c, exitCode);
    // Followed logs and attach sessions end with the process.
    for (const f of this.followers.get(c.id) ?? []) {
      f.out.end();
      f.err?.end();
    }
    this.followers.delete(c.id);
    for (const w of this.waiters.get(c.id) ?? []) w();
    this.waiters.delete(c.id);
    if (c.role === 'sandbox') this.releaseIp(c);
  }

  private onExit(id: string, fn: () => void): void {
    const list = this.waiters.get(id) ?? [];
    list.push(fn);
    this.waiters.set(id, list);
  }

  private destroy(c: FakeContainer): void {
    if (c.state === 'running') this.finish(c, 137, false);
    this.releaseIp(c);
    this.containers.delete(c.id);
    this.lastCpu.delete(c.id);
    this.emit('destroy', c);
  }

  private releaseIp(c: FakeContainer | undefined): void {
    if (c?.ip && c.network) this.networks.get(c.network)?.used.delete(c.ip);
  }

  private members(sandboxId: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.labels[LABEL.sandboxId] === sandboxId);
  }

  private appendLog(c: FakeContainer, l: FakeLogLine, newline = true): void {
    const text = newline && !l.text.endsWith('\n') ? `${l.text}\n` : l.text;
    const line = { stream: l.stream, text, time: this.clock.now() };
    c.logs.push(line);
    for (const f of this.followers.get(c.id) ?? []) {
      if (!(l.stream === 'stdout' ? f.wantOut : f.wantErr)) continue;
      const target = l.stream === 'stderr' && f.err ? f.err : f.out;
      target.write(formatLine(line, f.timestamps));
    }
  }

  private emit(type: RuntimeEventType, c: FakeContainer, exitCode?: number): void {
    const e: RuntimeEvent = { type, containerId: c.id, labels: { ...c.labels }, time: new Date(this.clock.now()) };
    if (exitCode !== undefined) e.exitCode = exitCode;
    this.history.push(e);
    // Delivered asynchronously, as Docker's are: handlers never run inside a runtime call.
    for (const s of this.subscribers) {
      if (matchLabels(e.labels, s.filter.labels)) queueMicrotask(() => this.subscribers.has(s) && s.onEvent(e));
    }
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      name: c.name,
      image: c.image,
      imageId: c.imageId,
      ...fromLabels(c.labels),
      state: c.state,
      createdAt: new Date(c.createdAt),
      ip: c.state === 'running' ? c.ip : undefined,
      labels: { ...c.labels },
    };
  }

  private sandboxInfo(c: FakeContainer): SandboxInfo | undefined {
    const l = fromLabels(c.labels);
    if (!l.pod) return undefined;
    return {
      id: c.id,
      name: c.name,
      pod: l.pod,
      cluster: l.cluster ?? '',
      node: l.node ?? '',
      attempt: l.attempt,
      network: c.network ?? '',
      ip: c.state === 'running' ? c.ip : undefined,
      state: c.state,
      createdAt: new Date(c.createdAt),
      labels: { ...c.labels },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function defaultExec(ctx: FakeExecContext): FakeExecResult {
  const [cmd, ...args] = ctx.cmd;
  switch (cmd) {
    case 'echo':
      return { stdout: `${args.join(' ')}\n` };
    case 'cat':
      return { stdout: ctx.stdin };
    case 'true':
      return { exitCode: 0 };
    case 'false':
      return { exitCode: 1 };
    case 'sh': {
      const m = /^exit (\d+)$/.exec(args[1] ?? '');
      if (args[0] === '-c' && m) return { exitCode: Number(m[1]) };
      return { exitCode: 0 };
    }
    default:
      return { exitCode: 0 };
  }
}

/** Docker's `--timestamps` format: RFC 3339 with nanoseconds. */
function formatLine(l: { text: string; time: number }, timestamps: boolean): string {
  if (!timestamps) return l.text;
  return `${new Date(l.time).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')} ${l.text}`;
}

function hex(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 + s.charCodeAt(i), 2246822519) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(4);
}

function publicNetwork(n: NetworkInfo & { used: Set<string> }): NetworkInfo {
  const { used: _used, ...rest } = n;
  return { ...rest, labels: { ...rest.labels } };
}

function parseCidr(cidr: string): { base: number; bits: number } {
  const [ip = '', b = '32'] = cidr.split('/');
  const base = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const bits = Number(b);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits };
}

function cidrOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  const bits = Math.min(x.bits, y.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((x.base & mask) >>> 0) === ((y.base & mask) >>> 0);
}

/** The n-th address of a subnet, or '' past its end (broadcast excluded). */
function ipAt(cidr: string, n: number): string {
  const { base, bits } = parseCidr(cidr);
  if (n >= 2 ** (32 - bits) - 1) return '';
  const v = base + n;
  return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
}
