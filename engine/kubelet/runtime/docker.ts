/**
 * {@link ContainerRuntime} on a Docker engine, through dockerode. It talks to DOCKER_HOST or the
 * default socket (/var/run/docker.sock, ~/.docker/run/docker.sock, //./pipe/docker_engine), and
 * uses only the Engine API, so it works with Docker Desktop as well as Linux dockerd. The few
 * places that assume the engine shares the caller's network (Linux) are marked "Linux-only".
 *
 * Mapping (see runtime.ts for the contract):
 * - sandbox = a container of the pause image on the cluster network, with the pod's hostname,
 *   DNS, /etc/hosts entries, port mappings and sysctls, and `IpcMode: shareable`;
 * - container = `NetworkMode/IpcMode: container:<sandbox>` (+ `PidMode` for shared PIDs), so it
 *   shares the sandbox's IP, localhost, hostname, /etc/hosts and resolv.conf;
 * - labels carry all identity; names are derived from them (runtimeName) and thus unique.
 */
import Docker from 'dockerode';
import { connect } from 'node:net';
import { PassThrough, Readable, Writable, type Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import {
  DEFAULT_POD_SUBNET,
  ImagePullError,
  LABEL,
  RuntimeError,
  cpuShares,
  fromLabels,
  k8sArch,
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
  type Mount,
  type NetworkInfo,
  type NetworkSpec,
  type PullOptions,
  type PullProgress,
  type RuntimeEvent,
  type RuntimeEventType,
  type RuntimeInfo,
  type SandboxInfo,
  type SandboxSpec,
  type StreamSession,
  type TerminationReason,
} from './runtime.js';
import { PAUSE_HASH_LABEL, PAUSE_REPOSITORY, PAUSE_VERSION, pauseArchFor, pauseElf, pauseHash, pauseRootfsTar } from './pause.js';

export interface DockerRuntimeOptions {
  /** A configured client (remote engine, tests). Default: `new Docker()` (DOCKER_HOST or default socket). */
  docker?: Docker;
  /** Pod-infra image to use instead of Skiff's own (like kubelet's --pod-infra-container-image). */
  sandboxImage?: string;
  /** Pulled only when Skiff has no pause code for the engine's architecture. */
  fallbackSandboxImage?: string;
  /** json-file rotation per container; default 10m × 2 (kubelet's containerLogMaxSize/Files). */
  logMaxSize?: string;
  logMaxFiles?: number;
}

/** What dockerode's errors carry. */
interface DockerError extends Error {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
}

/** The parts of a stats sample we read (cgroup v1 and v2 key names). */
interface StatsSample {
  read?: string;
  preread?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  precpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

const EVENT_TYPES: readonly RuntimeEventType[] = ['create', 'start', 'die', 'oom', 'destroy'];
/** Event attributes that are not container labels. */
const NON_LABEL_ATTRIBUTES = new Set(['image', 'name', 'exitCode', 'signal', 'execDuration']);
const ZERO_TIME = '0001-01-01T00:00:00Z';

export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  private readonly opts: DockerRuntimeOptions;
  private sandboxImage?: Promise<string>;
  /** Sandbox id → labels; immutable, so caching saves an inspect per container create. */
  private readonly sandboxLabels = new Map<string, Record<string, string>>();
  /** Container id → has a TTY (decides demultiplexing); immutable too. */
  private readonly ttys = new Map<string, boolean>();
  /** Previous CPU sample per container, for usageNanoCores from one-shot stats. */
  private readonly lastCpu = new Map<string, { usage: number; time: number }>();

  constructor(opts: DockerRuntimeOptions = {}) {
    this.opts = opts;
    this.docker = opts.docker ?? new Docker();
  }

  // --- health and info ------------------------------------------------------------------------

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 3000)));
      return await Promise.race([this.docker.ping().then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async info(): Promise<RuntimeInfo> {
    const [i, v] = await Promise.all([this.call(() => this.docker.info()), this.call(() => this.docker.version())]);
    const info = i as Record<string, unknown>;
    const str = (k: string): string => (typeof info[k] === 'string' ? (info[k] as string) : '');
    return {
      runtime: 'docker',
      version: v.Version,
      apiVersion: v.ApiVersion,
      os: str('OperatingSystem'),
      osType: str('OSType'),
      kernelVersion: str('KernelVersion'),
      architecture: k8sArch(str('Architecture')),
      cpus: Number(info['NCPU'] ?? 0),
      memoryBytes: Number(info['MemTotal'] ?? 0),
      hostname: str('Name'),
      cgroupDriver: str('CgroupDriver') || undefined,
      cgroupVersion: str('CgroupVersion') || undefined,
    };
  }

  // --- networks -------------------------------------------------------------------------------

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    const subnet = spec.subnet ?? DEFAULT_POD_SUBNET;
    const existing = await this.inspectNetwork(spec.name);
    if (existing) return this.checkNetwork(existing, subnet);
    try {
      await this.docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: {
          Driver: 'default',
          Config: [{ Subnet: subnet, ...(spec.gateway && { Gateway: spec.gateway }), ...(spec.ipRange && { IPRange: spec.ipRange }) }],
        },
        Labels: spec.labels ?? {},
        Options: spec.mtu ? { 'com.docker.network.driver.mtu': String(spec.mtu) } : {},
      });
    } catch (e) {
      const msg = dockerMessage(e);
      // Two creators racing for the same network: the loser adopts the winner's. Docker answers
      // the loser "already exists" or, when the subnet was reserved first, "Pool overlaps".
      if (/already exists|overlap/i.test(msg)) {
        const raced = await this.inspectNetwork(spec.name);
        if (raced) return this.checkNetwork(raced, subnet);
      }
      if (/overlap/i.test(msg)) {
        throw new RuntimeError('Conflict', `network ${spec.name}: subnet ${subnet} overlaps an existing network: ${msg}`, { cause: e });
      }
      throw toRuntimeError(e, `create network ${spec.name}`);
    }
    const made = await this.inspectNetwork(spec.name);
    if (!made) throw new RuntimeError('Unknown', `network ${spec.name} vanished after create`);
    return made;
  }

  private checkNetwork(n: NetworkInfo, subnet: string): NetworkInfo {
    if (n.subnet !== subnet) {
      throw new RuntimeError('Conflict', `network ${n.name} exists with subnet ${n.subnet ?? 'none'}, want ${subnet}`);
    }
    return n;
  }

  private async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    try {
      const n = (await this.docker.getNetwork(name).inspect()) as {
        Id: string;
        Name: string;
        Labels?: Record<string, string> | null;
        IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> | null };
      };
      const c = n.IPAM?.Config?.[0];
      return { id: n.Id, name: n.Name, subnet: c?.Subnet, gateway: c?.Gateway, ipRange: c?.IPRange, labels: n.Labels ?? {} };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw toRuntimeError(e, `inspect network ${name}`);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
    } catch (e) {
      if (statusOf(e) === 404) return;
      if (/active endpoints/i.test(dockerMessage(e))) {
        throw new RuntimeError('Conflict', `network ${name} still has containers`, { cause: e });
      }
      throw toRuntimeError(e, `remove network ${name}`);
    }
  }

  // --- images ---------------------------------------------------------------------------------

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    const { full } = parseImageRef(ref);
    try {
      const i = await this.docker.getImage(full).inspect();
      const c = i.Config;
      return {
        id: i.Id,
        repoTags: i.RepoTags ?? [],
        repoDigests: i.RepoDigests ?? [],
        sizeBytes: i.Size,
        user: c?.User ?? '',
        entrypoint: toArray(c?.Entrypoint),
        cmd: toArray(c?.Cmd),
        env: c?.Env ?? [],
        workingDir: c?.WorkingDir ?? '',
        labels: (c?.Labels as Record<string, string> | null | undefined) ?? {},
        architecture: k8sArch(i.Architecture),
      };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw toRuntimeError(e, `inspect image ${ref}`);
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  async pullImage(ref: string, opts: PullOptions = {}): Promise<ImageInfo> {
    const { full } = parseImageRef(ref);
    const fail = (e: unknown): ImagePullError => {
      const msg = dockerMessage(e);
      return new ImagePullError(ref, classifyPullFailure(msg, statusOf(e)), `failed to pull image "${ref}": ${msg}`, { cause: e });
    };
    let stream: NodeJS.ReadableStream;
    try {
      // Failures before any byte moves (no registry, DNS, refused) come back here as HTTP 500.
      const a = opts.auth;
      const authconfig = a && {
        ...(a.username !== undefined && { username: a.username }),
        ...(a.password !== undefined && { password: a.password }),
        ...(a.auth !== undefined && { auth: a.auth }),
        ...(a.identityToken !== undefined && { identitytoken: a.identityToken }),
        ...(a.serverAddress !== undefined && { serveraddress: a.serverAddress }),
      };
      stream = await this.docker.pull(full, authconfig ? { authconfig } : {});
    } catch (e) {
      if (isUnavailable(e)) throw toRuntimeError(e, 'pull');
      throw fail(e);
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        (stream as Readable).destroy();
        reject(fail(new Error(`aborted: ${String(opts.signal?.reason ?? 'abort')}`)));
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, out: Array<{ error?: string }>) => {
          opts.signal?.removeEventListener('abort', onAbort);
          // Errors after the stream started come as a final {error} line.
          const last = out?.find((o) => o.error);
          if (err) reject(fail(err));
          else if (last?.error) reject(fail(new Error(last.error)));
          else resolve();
        },
        (ev: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }) => {
          if (!opts.onProgress || !ev.status) return;
          const p: PullProgress = { status: ev.status };
          if (ev.id) p.layer = ev.id;
          if (ev.progressDetail?.current !== undefined) p.current = ev.progressDetail.current;
          if (ev.progressDetail?.total !== undefined) p.total = ev.progressDetail.total;
          opts.onProgress(p);
        },
      );
    });
    const info = await this.inspectImage(full);
    if (!info) throw new ImagePullError(ref, 'Unknown', `image "${ref}" missing after pull`);
    return info;
  }

  async listImages(): Promise<ImageSummary[]> {
    const list = await this.call(() => this.docker.listImages());
    return list.map((i) => ({ id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], sizeBytes: i.Size }));
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(parseImageRef(ref).full).remove();
    } catch (e) {
      if (statusOf(e) === 404) return;
      if (statusOf(e) === 409) throw new RuntimeError('Conflict', dockerMessage(e), { cause: e });
      throw toRuntimeError(e, `remove image ${ref}`);
    }
  }

  /**
   * Builds `skiff/pause:<version>` with `docker import` of a one-file rootfs holding the pause
   * ELF generated for the engine's architecture (pause.ts) — no registry, no compiler, ~50 ms.
   * An image with that tag but another hash label is replaced. Concurrent callers share one build.
   */
  ensureSandboxImage(): Promise<string> {
    this.sandboxImage ??= this.buildSandboxImage().catch((e: unknown) => {
      this.sandboxImage = undefined;
      throw e;
    });
    return this.sandboxImage;
  }

  private async buildSandboxImage(): Promise<string> {
    if (this.opts.sandboxImage) return this.presentOrPull(this.opts.sandboxImage);
    const info = await this.call(() => this.docker.info());
    const arch = pauseArchFor(String((info as Record<string, unknown>)['Architecture'] ?? ''));
    if (!arch) return this.presentOrPull(this.opts.fallbackSandboxImage ?? 'registry.k8s.io/pause:3.10');
    const ref = `${PAUSE_REPOSITORY}:${PAUSE_VERSION}`;
    const hash = pauseHash(arch);
    const have = await this.inspectImage(ref);
    if (have?.labels[PAUSE_HASH_LABEL] === hash) return ref;
    const out = await this.call(() =>
      this.docker.importImage(Readable.from([pauseRootfsTar(pauseElf(arch))]), {
        repo: PAUSE_REPOSITORY,
        tag: PAUSE_VERSION,
        changes: ['ENTRYPOINT ["/pause"]', `LABEL ${PAUSE_HASH_LABEL}=${hash}`],
        message: 'skiff pod sandbox',
      }),
    );
    const lines = await readAll(out as Readable);
    const err = /"error"\s*:\s*"([^"]*)"/.exec(lines);
    if (err) throw new RuntimeError('Unknown', `building ${ref}: ${err[1]}`);
    return ref;
  }

  private async presentOrPull(ref: string): Promise<string> {
    if (!(await this.imageExists(ref))) await this.pullImage(ref);
    return ref;
  }

  // --- sandboxes ------------------------------------------------------------------------------

  async createSandbox(spec: SandboxSpec): Promise<SandboxInfo> {
    try {
      return await this.createSandboxWith(spec, spec.image ?? (await this.ensureSandboxImage()));
    } catch (e) {
      // Our own image was pruned since we built it: build again rather than fail the pod.
      if (spec.image || !(e instanceof RuntimeError) || e.code !== 'ImageNotPresent') throw e;
      this.sandboxImage = undefined;
      return this.createSandboxWith(spec, await this.ensureSandboxImage());
    }
  }

  private async createSandboxWith(spec: SandboxSpec, image: string): Promise<SandboxInfo> {
    const labels = skiffLabels({ cluster: spec.cluster, node: spec.node, pod: spec.pod, role: 'sandbox', attempt: spec.attempt }, spec.labels);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of spec.portMappings ?? []) {
      const key = `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIP ?? '127.0.0.1', HostPort: String(p.hostPort) });
    }
    const endpoint: Docker.EndpointSettings = {};
    if (spec.ip) endpoint.IPAMConfig = { IPv4Address: spec.ip };
    if (spec.aliases?.length) endpoint.Aliases = spec.aliases;
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        name: runtimeName(spec.cluster, spec.pod, undefined, spec.attempt),
        Image: image,
        Hostname: podHostname(spec.hostname ?? spec.pod.name),
        ...(spec.domainname && { Domainname: spec.domainname }),
        Labels: labels,
        ExposedPorts: exposed,
        HostConfig: {
          NetworkMode: spec.network,
          PortBindings: bindings,
          ...(spec.dns && { Dns: spec.dns.servers, DnsSearch: spec.dns.searches, DnsOptions: spec.dns.options }),
          ExtraHosts: (spec.extraHosts ?? []).flatMap((h) => h.hostnames.map((n) => `${n}:${h.ip}`)),
          ...(spec.sysctls && { Sysctls: spec.sysctls }),
          // Containers join our IPC namespace; Docker 20.10 defaults to private, which forbids it.
          IpcMode: 'shareable',
          RestartPolicy: { Name: 'no' },
          // The pause process needs nothing: no writes, no capabilities.
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
        },
        NetworkingConfig: { EndpointsConfig: { [spec.network]: endpoint } },
      });
    } catch (e) {
      throw toRuntimeError(e, `create sandbox for ${spec.pod.namespace}/${spec.pod.name}`);
    }
    try {
      await container.start();
    } catch (e) {
      await container.remove({ force: true }).catch(() => undefined);
      throw toRuntimeError(e, `start sandbox for ${spec.pod.namespace}/${spec.pod.name}`, 'StartFailed');
    }
    this.sandboxLabels.set(container.id, labels);
    const info = await this.inspectSandbox(container.id);
    if (!info) throw new RuntimeError('Unknown', `sandbox ${container.id} vanished after start`);
    return info;
  }

  async inspectSandbox(id: string): Promise<SandboxInfo | undefined> {
    const c = await this.rawInspect(id);
    if (!c) return undefined;
    const labels = c.Config.Labels ?? {};
    const l = fromLabels(labels);
    if (l.role !== 'sandbox' || !l.pod) throw new RuntimeError('InvalidArgument', `${id} is not a Skiff sandbox`);
    const [network, settings] = Object.entries(c.NetworkSettings.Networks ?? {})[0] ?? [c.HostConfig.NetworkMode ?? '', undefined];
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      pod: l.pod,
      cluster: l.cluster ?? '',
      node: l.node ?? '',
      attempt: l.attempt,
      network,
      ip: settings?.IPAddress || undefined,
      state: mapState(c.State.Status),
      createdAt: new Date(c.Created),
      labels,
    };
  }

  async stopSandbox(id: string): Promise<void> {
    // Anything the kubelet left running in the pod goes first (it cannot outlive the netns usefully).
    const members = await this.listContainers({ labels: { [LABEL.sandboxId]: id }, runningOnly: true });
    await Promise.all(members.map((m) => this.stopContainer(m.id, 0)));
    await this.stopContainer(id, 0);
  }

  async removeSandbox(id: string): Promise<void> {
    const members = await this.listContainers({ labels: { [LABEL.sandboxId]: id } });
    await Promise.all(members.map((m) => this.removeContainer(m.id)));
    await this.removeContainer(id);
    this.sandboxLabels.delete(id);
  }

  // --- containers -----------------------------------------------------------------------------

  async createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    const sb = await this.sandboxLabelsOf(sandboxId);
    const l = fromLabels(sb);
    if (!l.pod || l.cluster === undefined || l.node === undefined) {
      throw new RuntimeError('InvalidArgument', `${sandboxId} is not a Skiff sandbox`);
    }
    const labels = skiffLabels(
      {
        cluster: l.cluster,
        node: l.node,
        pod: l.pod,
        role: spec.role ?? 'app',
        attempt: spec.attempt,
        containerName: spec.name,
        hash: spec.hash,
        sandboxId,
      },
      spec.labels,
    );
    const sc = spec.securityContext ?? {};
    const r = spec.resources ?? {};
    const command = spec.command?.length ? spec.command : undefined;
    const args = spec.args?.length ? spec.args : undefined;
    const user = sc.runAsUser !== undefined ? `${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}` : undefined;
    const securityOpt = sc.allowPrivilegeEscalation === false ? ['no-new-privileges'] : [];
    const ns = `container:${sandboxId}`;
    try {
      const c = await this.docker.createContainer({
        name: runtimeName(l.cluster, l.pod, spec.name, spec.attempt),
        Image: parseImageRef(spec.image).full,
        // Kubernetes: command replaces ENTRYPOINT and drops the image CMD (Docker does not use
        // the image CMD once Entrypoint is set); args alone replace CMD only.
        ...(command && { Entrypoint: command, Cmd: args ?? [] }),
        ...(!command && args && { Cmd: args }),
        Env: (spec.env ?? []).map((e) => `${e.name}=${e.value}`),
        ...(spec.workingDir && { WorkingDir: spec.workingDir }),
        ...(user && { User: user }),
        Labels: labels,
        Tty: spec.tty ?? false,
        OpenStdin: spec.stdin ?? false,
        StdinOnce: spec.stdinOnce ?? false,
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        HostConfig: {
          NetworkMode: ns,
          IpcMode: ns,
          ...(spec.shareProcessNamespace && { PidMode: ns }),
          Mounts: (spec.mounts ?? []).map(toDockerMount),
          ...(r.cpuLimitMillis !== undefined && { NanoCpus: Math.round(r.cpuLimitMillis * 1e6) }),
          ...(r.cpuRequestMillis !== undefined && { CpuShares: cpuShares(r.cpuRequestMillis) }),
          ...(r.memoryLimitBytes !== undefined && { Memory: r.memoryLimitBytes, MemorySwap: r.memoryLimitBytes }),
          Privileged: sc.privileged ?? false,
          ReadonlyRootfs: sc.readOnlyRootFilesystem ?? false,
          ...(sc.capabilities?.add?.length && { CapAdd: sc.capabilities.add }),
          ...(sc.capabilities?.drop?.length && { CapDrop: sc.capabilities.drop }),
          ...(sc.supplementalGroups?.length && { GroupAdd: sc.supplementalGroups.map(String) }),
          ...(securityOpt.length && { SecurityOpt: securityOpt }),
          RestartPolicy: { Name: 'no' },
          // Explicit json-file so `logs` works whatever the daemon's default driver is.
          LogConfig: {
            Type: 'json-file',
            Config: { 'max-size': this.opts.logMaxSize ?? '10m', 'max-file': String(this.opts.logMaxFiles ?? 2) },
          },
        },
      });
      this.ttys.set(c.id, spec.tty ?? false);
      return c.id;
    } catch (e) {
      throw toRuntimeError(e, `create container ${spec.name} of ${l.pod.namespace}/${l.pod.name}`);
    }
  }

  private async sandboxLabelsOf(id: string): Promise<Record<string, string>> {
    const cached = this.sandboxLabels.get(id);
    if (cached) return cached;
    const c = await this.rawInspect(id);
    if (!c) throw new RuntimeError('NotFound', `sandbox ${id} not found`);
    const labels = c.Config.Labels ?? {};
    if (labels[LABEL.role] !== 'sandbox') throw new RuntimeError('InvalidArgument', `${id} is not a Skiff sandbox`);
    this.sandboxLabels.set(c.Id, labels);
    return labels;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (e) {
      if (statusOf(e) === 304) return; // already running
      throw toRuntimeError(e, `start container ${id}`, 'StartFailed');
    }
  }

  async stopContainer(id: string, gracePeriodSeconds: number): Promise<void> {
    try {
      // Docker sends the image's STOPSIGNAL (SIGTERM), waits t seconds, then SIGKILLs; the HTTP
      // call returns when the container has exited.
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(gracePeriodSeconds)) });
    } catch (e) {
      const s = statusOf(e);
      if (s === 304 || s === 404) return;
      throw toRuntimeError(e, `stop container ${id}`);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) return;
      if (s === 409 && /already in progress/i.test(dockerMessage(e))) return;
      throw toRuntimeError(e, `remove container ${id}`);
    } finally {
      this.ttys.delete(id);
      this.lastCpu.delete(id);
    }
  }

  async inspectContainer(id: string): Promise<ContainerStatus | undefined> {
    const c = await this.rawInspect(id);
    if (!c) return undefined;
    const labels = c.Config.Labels ?? {};
    const s = c.State;
    const state = mapState(s.Status);
    const started = dockerTime(s.StartedAt);
    const finished = dockerTime(s.FinishedAt);
    const error = (s as { Error?: string }).Error || undefined;
    let reason: TerminationReason | undefined;
    if (state === 'exited') reason = s.OOMKilled ? 'OOMKilled' : error && !started ? 'StartError' : s.ExitCode === 0 ? 'Completed' : 'Error';
    else if (state === 'created' && error) reason = 'StartError';
    const [, net] = Object.entries(c.NetworkSettings.Networks ?? {})[0] ?? [];
    this.ttys.set(c.Id, c.Config.Tty);
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config.Image,
      imageId: c.Image,
      ...fromLabels(labels),
      state,
      createdAt: new Date(c.Created),
      ip: net?.IPAddress || undefined,
      labels,
      exitCode: state === 'exited' || reason ? s.ExitCode : undefined,
      startedAt: started,
      finishedAt: state === 'exited' ? finished : undefined,
      reason,
      message: error,
      pid: s.Pid || undefined,
      tty: c.Config.Tty,
      stdin: c.Config.OpenStdin,
    };
  }

  private async rawInspect(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw toRuntimeError(e, `inspect ${id}`);
    }
  }

  async listContainers(opts: ListOptions): Promise<ContainerSummary[]> {
    const label = Object.entries(opts.labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    const list = await this.call(() => this.docker.listContainers({ all: !opts.runningOnly, filters: { label } }));
    return list.map((c) => {
      const labels = c.Labels ?? {};
      const net = Object.values(c.NetworkSettings?.Networks ?? {})[0] as { IPAddress?: string } | undefined;
      return {
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        image: c.Image,
        imageId: c.ImageID,
        ...fromLabels(labels),
        state: mapState(c.State),
        createdAt: new Date(c.Created * 1000),
        ip: net?.IPAddress || undefined,
        labels,
      };
    });
  }

  // --- streams --------------------------------------------------------------------------------

  async logs(id: string, opts: LogOptions = {}): Promise<Readable> {
    const tty = await this.ttyOf(id);
    const query = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps ?? false,
      ...(opts.tail !== undefined && { tail: opts.tail }),
      ...(opts.since && { since: opts.since.getTime() / 1000 }),
    };
    const out = new PassThrough();
    try {
      if (opts.follow) {
        // The daemon ends a followed log stream when the container stops.
        const raw = (await this.docker.getContainer(id).logs({ ...query, follow: true })) as unknown as Readable;
        out.on('close', () => raw.destroy());
        if (tty) raw.pipe(out);
        else demux(raw, out, out);
      } else {
        const buf = (await this.docker.getContainer(id).logs({ ...query, follow: false })) as unknown as Buffer;
        if (tty) out.end(buf);
        else demux(Readable.from([buf]), out, out);
      }
    } catch (e) {
      throw toRuntimeError(e, `logs of ${id}`);
    }
    return out;
  }

  private async ttyOf(id: string): Promise<boolean> {
    const known = this.ttys.get(id);
    if (known !== undefined) return known;
    const c = await this.rawInspect(id);
    if (!c) throw new RuntimeError('NotFound', `container ${id} not found`);
    this.ttys.set(c.Id, c.Config.Tty);
    return c.Config.Tty;
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    const tty = opts.tty ?? false;
    const stdin = opts.stdin ?? false;
    let ex: Docker.Exec;
    let sock: Duplex;
    try {
      ex = await this.docker.getContainer(id).exec({
        Cmd: opts.cmd,
        AttachStdin: stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: tty,
        ...(opts.env && { Env: opts.env.map((e) => `${e.name}=${e.value}`) }),
        ...(opts.workingDir && { WorkingDir: opts.workingDir }),
        ...(opts.user && { User: opts.user }),
      });
      // Hijacked (HTTP upgrade) connection: a raw socket we can write stdin into and half-close.
      sock = (await ex.start({ hijack: true, stdin, Tty: tty })) as unknown as Duplex;
    } catch (e) {
      const s = statusOf(e);
      if (s === 409 || (s === 500 && /not running/i.test(dockerMessage(e)))) {
        throw new RuntimeError('InvalidArgument', `container ${id} is not running`, { cause: e });
      }
      throw toRuntimeError(e, `exec in ${id}`);
    }
    const session = wrapSession(sock, tty, stdin, (size) => ex.resize({ h: size.rows, w: size.cols }));
    const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    return {
      ...session,
      wait: async () => {
        await ended;
        // The output can end a moment before the daemon records the exit code.
        for (let i = 0; i < 50; i++) {
          const r = await ex.inspect();
          if (!r.Running && r.ExitCode !== null) return r.ExitCode;
          await sleep(20);
        }
        throw new RuntimeError('Unknown', `exec in ${id}: no exit code`);
      },
    };
  }

  async attach(id: string, opts: AttachOptions = {}): Promise<StreamSession> {
    const tty = await this.ttyOf(id);
    const stdin = opts.stdin ?? false;
    let sock: Duplex;
    try {
      sock = (await this.docker.getContainer(id).attach({
        stream: true,
        stdin,
        stdout: opts.stdout ?? true,
        stderr: opts.stderr ?? true,
        hijack: true,
      })) as unknown as Duplex;
    } catch (e) {
      throw toRuntimeError(e, `attach to ${id}`);
    }
    return wrapSession(sock, tty, stdin, (size) => this.docker.getContainer(id).resize({ h: size.rows, w: size.cols }));
  }

  /**
   * Linux-only: connects to the pod IP from this process, which works when the engine's bridge
   * networks are routable from here (Linux dockerd). Docker Desktop keeps container IPs inside
   * its VM; there the connection has to be relayed by a container on the cluster network
   * (the per-cluster system container, ARCHITECTURE §4) — not done yet.
   */
  async dial(sandboxId: string, port: number): Promise<Duplex> {
    const sb = await this.inspectSandbox(sandboxId);
    if (!sb) throw new RuntimeError('NotFound', `sandbox ${sandboxId} not found`);
    if (!sb.ip || sb.state !== 'running') throw new RuntimeError('InvalidArgument', `sandbox ${sandboxId} has no IP`);
    const ip = sb.ip;
    return new Promise<Duplex>((resolve, reject) => {
      const s: Socket = connect({ host: ip, port });
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e) => reject(new RuntimeError('Unknown', `dial ${ip}:${port}: ${e.message}`, { cause: e })));
    });
  }

  // --- metrics and events ---------------------------------------------------------------------

  /**
   * One-shot stats (`stream=false&one-shot=true`, API ≥ 1.41) return at once, without the second
   * sample a plain `stream=false` waits ~1 s for; precpu is then empty, so usageNanoCores is
   * computed against our previous sample of the same container (as cAdvisor does).
   */
  async stats(id: string): Promise<ContainerStats> {
    let s: StatsSample;
    try {
      s = (await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true })) as unknown as StatsSample;
    } catch (e) {
      throw toRuntimeError(e, `stats of ${id}`);
    }
    const read = dockerTime(s.read) ?? new Date();
    const usage = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
    let nanoCores: number | undefined;
    const pre = s.precpu_stats?.cpu_usage?.total_usage ?? 0;
    const preread = dockerTime(s.preread);
    const prev = pre > 0 && preread ? { usage: pre, time: preread.getTime() } : this.lastCpu.get(id);
    if (prev && read.getTime() > prev.time && usage >= prev.usage) {
      nanoCores = Math.round(((usage - prev.usage) * 1000) / (read.getTime() - prev.time));
    }
    this.lastCpu.set(id, { usage, time: read.getTime() });
    const m = s.memory_stats ?? {};
    const st = m.stats ?? {};
    const memUsage = m.usage ?? 0;
    // cgroup v2 names first, then v1's hierarchical totals.
    const inactive = st['inactive_file'] ?? st['total_inactive_file'] ?? 0;
    const rss = st['anon'] ?? st['total_rss'] ?? st['rss'];
    return {
      timestamp: read,
      cpu: { usageCoreNanoSeconds: usage, ...(nanoCores !== undefined && { usageNanoCores: nanoCores }) },
      memory: {
        workingSetBytes: Math.max(0, memUsage - inactive),
        usageBytes: memUsage,
        ...(rss !== undefined && { rssBytes: rss }),
        ...(m.limit !== undefined && { limitBytes: m.limit }),
      },
    };
  }

  async events(filter: LabelFilter, onEvent: (e: RuntimeEvent) => void, opts: EventOptions = {}): Promise<EventSubscription> {
    const label = Object.entries(filter.labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    let stream: Readable;
    try {
      stream = (await this.docker.getEvents({
        ...(opts.since && { since: Math.floor(opts.since.getTime() / 1000) }),
        filters: { type: ['container'], event: [...EVENT_TYPES], label },
      })) as unknown as Readable;
    } catch (e) {
      throw toRuntimeError(e, 'subscribe to events');
    }
    let stopped = false;
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let m: DockerEventMessage;
        try {
          m = JSON.parse(line) as DockerEventMessage;
        } catch {
          continue;
        }
        const type = m.Action as RuntimeEventType;
        if (m.Type !== 'container' || !EVENT_TYPES.includes(type) || !m.Actor?.ID) continue;
        const attrs = m.Actor.Attributes ?? {};
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(attrs)) if (!NON_LABEL_ATTRIBUTES.has(k)) labels[k] = v;
        const ev: RuntimeEvent = {
          type,
          containerId: m.Actor.ID,
          labels,
          time: new Date(m.timeNano ? m.timeNano / 1e6 : (m.time ?? 0) * 1000),
        };
        if (type === 'die' && attrs['exitCode'] !== undefined) ev.exitCode = Number(attrs['exitCode']);
        onEvent(ev);
      }
    });
    const broke = (err?: Error): void => {
      if (stopped) return;
      stopped = true;
      opts.onError?.(err ?? new RuntimeError('Unavailable', 'docker event stream ended'));
    };
    stream.on('error', broke);
    stream.on('end', () => broke());
    stream.on('close', () => broke());
    return {
      stop: () => {
        stopped = true;
        stream.destroy();
      },
    };
  }

  /** Runs a Docker call, mapping errors (for calls with no special cases). */
  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw toRuntimeError(e, 'docker');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function toArray(v: string | string[] | null | undefined): string[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The kernel allows 64 bytes; Kubernetes cuts pod hostnames to 63 and trims trailing '-' '.'. */
function podHostname(name: string): string {
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
}

function mapState(s: string): ContainerState {
  switch (s) {
    case 'created':
      return 'created';
    case 'running':
    case 'restarting':
    case 'paused':
      return 'running';
    case 'exited':
    case 'dead':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

function dockerTime(s: string | undefined): Date | undefined {
  if (!s || s.startsWith('0001-01-01') || s === ZERO_TIME) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function toDockerMount(m: Mount): Docker.MountSettings {
  switch (m.type) {
    case 'bind':
      return {
        Type: 'bind',
        Source: m.hostPath,
        Target: m.containerPath,
        ReadOnly: m.readOnly ?? false,
        ...(m.propagation && { BindOptions: { Propagation: m.propagation } }),
      };
    case 'tmpfs':
      return {
        Type: 'tmpfs',
        Source: '',
        Target: m.containerPath,
        ReadOnly: m.readOnly ?? false,
        // 1777 like /tmp: emptyDir is writable by any runAsUser.
        TmpfsOptions: { SizeBytes: m.sizeBytes ?? 0, Mode: 0o1777 },
      };
    case 'volume':
      return { Type: 'volume', Source: m.volumeName, Target: m.containerPath, ReadOnly: m.readOnly ?? false };
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as DockerError | undefined)?.statusCode;
}

/** The daemon's own message, without dockerode's "(HTTP code 404) no such container - " prefix. */
function dockerMessage(e: unknown): string {
  const err = e as DockerError | undefined;
  const fromJson = err?.json && typeof err.json === 'object' ? err.json.message : undefined;
  if (fromJson) return fromJson;
  const msg = err?.message ?? String(e);
  const dash = msg.indexOf(' - ');
  return (msg.startsWith('(HTTP code') && dash >= 0 ? msg.slice(dash + 3) : msg).trim();
}

function isUnavailable(e: unknown): boolean {
  const code = (e as DockerError | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE';
}

function toRuntimeError(e: unknown, what: string, fallback: RuntimeError['code'] = 'Unknown'): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const msg = dockerMessage(e);
  const text = `${what}: ${msg}`;
  if (isUnavailable(e)) return new RuntimeError('Unavailable', `${what}: cannot reach Docker: ${msg}`, { cause: e });
  switch (statusOf(e)) {
    case 404:
      return new RuntimeError(/no such image/i.test(msg) ? 'ImageNotPresent' : 'NotFound', text, { cause: e });
    case 409:
      return new RuntimeError(/already in use/i.test(msg) ? 'AlreadyExists' : 'Conflict', text, { cause: e });
    case 400:
      return new RuntimeError(fallback === 'StartFailed' ? 'StartFailed' : 'InvalidArgument', text, { cause: e });
    default:
      return new RuntimeError(fallback, text, { cause: e });
  }
}

/** Registry/daemon pull errors → the kubelet's categories, by status and message. */
function classifyPullFailure(msg: string, status: number | undefined): ImagePullFailure {
  if (/no such host|connection refused|i\/o timeout|network is unreachable|no route to host|tls handshake timeout|dial tcp|connection reset|server misbehaving/i.test(msg)) {
    return 'Unreachable';
  }
  if (/unauthorized|authentication required|incorrect username or password/i.test(msg)) return 'Unauthorized';
  if (status === 404 || /manifest unknown|not found|does not exist|pull access denied|denied: requested access/i.test(msg)) return 'NotFound';
  return 'Unknown';
}

async function readAll(r: Readable): Promise<string> {
  let s = '';
  for await (const chunk of r) s += String(chunk);
  return s;
}

/**
 * Splits Docker's multiplexed stream (frames of an 8-byte header — stream 1 stdout / 2 stderr, 3
 * zero bytes, big-endian length — then the payload) into two writables, with backpressure; ends
 * them when the source ends. Unlike modem.demuxStream it ends its outputs and handles pressure.
 */
function demux(src: Readable, stdout: Writable, stderr: Writable): void {
  let pending: Buffer = Buffer.alloc(0);
  const outputs = stdout === stderr ? [stdout] : [stdout, stderr];
  src.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const len = pending.readUInt32BE(4);
      if (pending.length < 8 + len) break;
      const target = pending[0] === 2 ? stderr : stdout;
      const payload = pending.subarray(8, 8 + len);
      pending = pending.subarray(8 + len);
      if (!target.write(payload)) {
        src.pause();
        target.once('drain', () => src.resume());
      }
    }
  });
  src.on('end', () => outputs.forEach((o) => o.end()));
  src.on('error', (e) => outputs.forEach((o) => o.destroy(e)));
  // A consumer that goes away (client disconnected) tears the source down.
  for (const o of outputs) o.on('close', () => src.destroy());
}

/** Stream session over a hijacked socket: demuxed outputs, stdin that half-closes on end(). */
function wrapSession(
  sock: Duplex,
  tty: boolean,
  withStdin: boolean,
  resize: (size: { cols: number; rows: number }) => Promise<unknown>,
): StreamSession {
  const stdout = new PassThrough();
  const stderr = tty ? undefined : new PassThrough();
  if (tty) {
    sock.pipe(stdout);
    stdout.on('close', () => sock.destroy());
  } else {
    demux(sock, stdout, stderr ?? stdout);
  }
  let stdin: Writable | undefined;
  if (withStdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        sock.write(chunk, cb);
      },
      final(cb) {
        // Half-close: the daemon closes the process's stdin and keeps sending output.
        sock.end();
        cb();
      },
    });
  }
  return {
    stdin,
    stdout,
    stderr,
    resize: async (size) => {
      if (!tty) return;
      try {
        await resize(size);
      } catch (e) {
        // A resize racing the process's exit is not the caller's problem.
        if (statusOf(e) === 404 || /not running|stopped/i.test(dockerMessage(e))) return;
        throw toRuntimeError(e, 'resize');
      }
    },
    close: () => sock.destroy(),
  };
}
