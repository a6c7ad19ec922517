/**
 * The runtime half of a pod sync (upstream kuberuntime_manager.go SyncPod and
 * kuberuntime_container.go): reads what Docker has for a pod ({@link RuntimeManager.observe}),
 * carries out sync.ts's actions — kill, sandbox, init containers one at a time, app containers
 * in parallel — and keeps the per-pod memory the kubelet needs between syncs: the reason each
 * container could not start (upstream reasonCache) and the CrashLoopBackOff back-off.
 *
 * Starting a container (upstream startContainer):
 *   back-off (restarts only) → image (images.ts) → environment (env.ts) → mounts (volumes.ts)
 *   → create (event Created) → start (event Started) → postStart hook.
 * Each failure is remembered as the container's waiting reason (CrashLoopBackOff, ErrImagePull,
 * ImagePullBackOff, CreateContainerConfigError, CreateContainerError, RunContainerError…) with
 * the `Failed`/`BackOff` events upstream records, and the time the next attempt is due.
 *
 * Garbage collection keeps, per container name, the running instance and the previous one
 * (`kubectl logs --previous`), as upstream's MaxPerPodContainer = 1 for dead containers.
 */
import type { KubeObject } from '../api/types.js';
import { milliValue, value as quantityValue } from '../api/quantity.js';
import type { EventRecorder } from '../events/recorder.js';
import type { ClusterNetwork } from '../network.js';
import { podDnsConfig } from '../network.js';
import {
  LABEL,
  isRuntimeError,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStatus,
  type PortMapping,
  type Resources,
  type SandboxSpec,
  type SecurityContext,
} from './runtime/runtime.js';
import { Backoff, type KubeletClock } from './backoff.js';
import { ContainerConfigError, expandCommand, makeEnvironment, type EnvSources, type PodRuntimeFacts } from './env.js';
import type { ImageManager } from './images.js';
import { currentSandbox, emptyObserved, isExited, sortObserved, type ObservedContainer, type ObservedPod } from './observed.js';
import {
  arr,
  containerRef,
  containers,
  findContainer,
  formatPod,
  initContainers,
  num,
  obj,
  podRef,
  podSpec,
  podUid,
  str,
  strings,
  type Container,
} from './podutil.js';
import type { ProbeManager } from './probes.js';
import type { WaitingReason } from './status.js';
import { computePodActions, containerHash, type StartAction } from './sync.js';
import { VolumeError, type MountSource, type VolumeManager } from './volumes.js';

/**
 * Identity of the cluster instance (the kube-system namespace's uid) on every sandbox and
 * container. Two engines started with the same cluster name on one Docker (two data dirs) share
 * the name-based labels; this one tells their containers apart, so that neither removes the
 * other's as orphans. (A candidate for runtime.ts's LABEL table.)
 */
export const CLUSTER_UID_LABEL = 'io.skiff.cluster.uid';

export const CRASH_BACKOFF_INITIAL_MS = 10_000;
export const CRASH_BACKOFF_MAX_MS = 300_000;

export interface RuntimeManagerOptions {
  runtime: ContainerRuntime;
  clock: KubeletClock;
  recorder: EventRecorder;
  cluster: string;
  node: string;
  network: ClusterNetwork;
  volumes: VolumeManager;
  images: ImageManager;
  probes: ProbeManager;
  env: EnvSources;
  /** The node's IP as pods see it (status.hostIP). */
  hostIP(): string | undefined;
  /** Pod-infra image override (default: the runtime's own). */
  sandboxImage?: string;
  /** See {@link CLUSTER_UID_LABEL}. */
  clusterUid?: string;
}

export interface SyncResult {
  terminal: boolean;
  /** Something was created, started, killed or removed: observe again before reporting. */
  changed: boolean;
  /** When the kubelet should look at the pod again (back-off ends), ms epoch. */
  wakeAt?: number;
}

interface PodMemory {
  reasons: Map<string, WaitingReason>;
  volumes?: Map<string, MountSource>;
}

export class RuntimeManager {
  readonly crashBackoff: Backoff;
  private readonly memory = new Map<string, PodMemory>();
  /**
   * Inspect results by container id, refreshed when the listed state changes or a runtime event
   * says the container changed. (Docker emits `die` before its list view is updated: right after
   * the event `docker ps` can still say "running" while inspect already says "exited".)
   */
  private readonly inspected = new Map<string, { state: string; status: ContainerStatus; stale?: boolean }>();
  private readonly termMessages = new Map<string, string>();
  /** Containers this kubelet just started/removed: their own runtime events need no re-sync. */
  private readonly ownEvents = new Map<string, number>();

  constructor(private readonly o: RuntimeManagerOptions) {
    this.crashBackoff = new Backoff(CRASH_BACKOFF_INITIAL_MS, CRASH_BACKOFF_MAX_MS, o.clock);
  }

  private mem(uid: string): PodMemory {
    let m = this.memory.get(uid);
    if (!m) this.memory.set(uid, (m = { reasons: new Map() }));
    return m;
  }

  reasons(uid: string): ReadonlyMap<string, WaitingReason> {
    return this.memory.get(uid)?.reasons ?? new Map();
  }

  terminationMessages(): ReadonlyMap<string, string> {
    return this.termMessages;
  }

  /** A runtime event says this container changed: inspect it again on the next observe. */
  invalidate(id: string): void {
    const c = this.inspected.get(id);
    if (c) c.stale = true;
  }

  /** Was this runtime event caused by this kubelet (start/destroy it just did)? */
  isOwnEvent(id: string, type: string): boolean {
    if (type !== 'start' && type !== 'destroy' && type !== 'create') return false;
    const t = this.ownEvents.get(id);
    if (t === undefined) return false;
    if (type !== 'create') this.ownEvents.delete(id);
    return true;
  }

  private own(id: string): void {
    this.ownEvents.set(id, this.o.clock.now());
    if (this.ownEvents.size > 4096) {
      const cutoff = this.o.clock.now() - 60_000;
      for (const [k, t] of this.ownEvents) if (t < cutoff) this.ownEvents.delete(k);
    }
  }

  private labels(uid?: string): Record<string, string> {
    const l: Record<string, string> = { [LABEL.cluster]: this.o.cluster, [LABEL.node]: this.o.node };
    if (uid) l[LABEL.podUid] = uid;
    return l;
  }

  /** What the runtime has for pod `uid`: one list call, plus an inspect per changed container. */
  async observe(uid: string): Promise<ObservedPod> {
    const list = await this.o.runtime.listContainers({ labels: this.labels(uid) });
    const out = emptyObserved();
    await Promise.all(
      list.map(async (s) => {
        if (s.role === 'sandbox') {
          out.sandboxes.push({ id: s.id, attempt: s.attempt, state: s.state, ip: s.ip, createdAt: s.createdAt.getTime() });
          return;
        }
        if (s.role !== 'app' && s.role !== 'init' && s.role !== 'ephemeral') return;
        let cached = this.inspected.get(s.id);
        if (!cached || cached.stale || cached.state !== s.state) {
          const st = await this.o.runtime.inspectContainer(s.id);
          if (!st) return;
          cached = { state: st.state, status: st };
          this.inspected.set(s.id, cached);
        }
        const st = cached.status;
        out.containers.push({
          id: st.id,
          name: st.containerName ?? '',
          role: s.role,
          attempt: st.attempt,
          hash: st.hash,
          sandboxId: st.sandboxId,
          state: st.state,
          exitCode: st.exitCode,
          reason: st.reason,
          message: st.message,
          startedAt: st.startedAt?.getTime(),
          finishedAt: st.finishedAt?.getTime(),
          createdAt: st.createdAt.getTime(),
          image: st.image,
          imageId: st.imageId,
        });
      }),
    );
    return sortObserved(out);
  }

  /** Reads termination messages of exited instances (once per container). */
  async collectTerminationMessages(pod: KubeObject, observed: ObservedPod): Promise<void> {
    for (const c of observed.containers) {
      if (!isExited(c) || this.termMessages.has(c.id)) continue;
      const spec = findContainer(pod, c.name)?.container;
      let msg = await this.o.volumes.readTerminationLog(podUid(pod), c.name, c.attempt);
      if (!msg && spec?.terminationMessagePolicy === 'FallbackToLogsOnError' && (c.exitCode ?? 0) !== 0 && c.reason !== 'StartError') {
        msg = await this.tailLogs(c.id);
      }
      this.termMessages.set(c.id, msg);
    }
  }

  private async tailLogs(id: string): Promise<string> {
    try {
      const r = await this.o.runtime.logs(id, { tail: 80 });
      let s = '';
      for await (const chunk of r) s += String(chunk);
      return s.length > 2048 ? s.slice(-2048) : s;
    } catch {
      return '';
    }
  }

  // ---------------------------------------------------------------------------------------------
  // SyncPod

  async syncPod(pod: KubeObject, observed: ObservedPod): Promise<SyncResult> {
    const uid = podUid(pod);
    const m = this.mem(uid);
    const actions = computePodActions(pod, observed, this.o.probes);
    const result: SyncResult = { terminal: actions.terminal, changed: false };
    const grace = Math.max(0, num(podSpec(pod).terminationGracePeriodSeconds) ?? 30);

    if (actions.killPod) {
      if (actions.sandboxChanged && !actions.terminal) this.o.recorder.event(podRef(pod), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await this.killPod(pod, observed, actions.terminal ? 0 : grace);
      result.changed = true;
      if (actions.terminal) return result;
    }
    for (const k of actions.containersToKill) {
      this.o.recorder.event(containerRef(pod, k.name), 'Normal', 'Killing', k.message);
      await this.stopContainer(pod, k.id, k.name, grace, true);
      result.changed = true;
    }
    // Volumes first (every sync: ConfigMap/Secret/downward API files are refreshed in place; an
    // unchanged payload costs a compare): a pod whose volumes cannot be set up waits without a sandbox.
    let sandbox = currentSandbox(observed);
    const facts: PodRuntimeFacts = { hostIP: this.o.hostIP(), podIP: actions.createSandbox ? undefined : sandbox?.ip };
    try {
      m.volumes = await this.o.volumes.setUp(pod, facts);
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.o.recorder.event(podRef(pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${e.volume}" : ${e.message}`);
      result.wakeAt = this.o.clock.now() + 10_000;
      return result;
    }
    if (actions.initToStart.length === 0 && actions.containersToStart.length === 0 && !actions.createSandbox) return result;

    if (actions.createSandbox) {
      const spec = this.sandboxSpec(pod, actions.sandboxAttempt);
      try {
        const sb = await this.o.runtime.createSandbox(spec);
        this.own(sb.id);
        sandbox = { id: sb.id, attempt: sb.attempt, state: sb.state, ip: sb.ip, createdAt: sb.createdAt.getTime() };
        result.changed = true;
      } catch (e) {
        if (isRuntimeError(e, 'Unavailable')) throw e;
        this.o.recorder.event(podRef(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
        throw e;
      }
    }
    if (!sandbox?.ip) throw new Error(`pod ${formatPod(pod)} has no sandbox IP`);
    facts.podIP = sandbox.ip;
    facts.podIPs = [sandbox.ip];
    const sandboxId = sandbox.id;
    let wakeAt: number | undefined;
    const wake = (t: number | undefined) => {
      if (t !== undefined) wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
    };

    for (const a of actions.initToStart) {
      const r = await this.startContainer(pod, a, sandboxId, facts);
      if (r.started) result.changed = true;
      wake(r.wakeAt);
      // A regular init container runs alone; sidecars before it must be up first.
      if (!r.started) break;
    }
    const results = await Promise.all(actions.containersToStart.map((a) => this.startContainer(pod, a, sandboxId, facts)));
    for (const r of results) {
      if (r.started) result.changed = true;
      wake(r.wakeAt);
    }
    // Old instances exist only from the third start of a container or a second sandbox on.
    const starts = [...actions.initToStart, ...actions.containersToStart];
    if (result.changed && (actions.sandboxAttempt > 0 || starts.some((a) => a.attempt >= 2))) await this.gc(pod);
    result.wakeAt = wakeAt;
    return result;
  }

  private sandboxSpec(pod: KubeObject, attempt: number): SandboxSpec {
    const spec = podSpec(pod);
    const ns = pod.metadata.namespace ?? 'default';
    const net = this.o.network;
    const dns = podDnsConfig(pod, net);
    const ports: PortMapping[] = [];
    for (const c of [...initContainers(pod), ...containers(pod)]) {
      for (const p of arr(c.ports)) {
        const hostPort = num(p.hostPort);
        const containerPort = num(p.containerPort);
        if (!hostPort || !containerPort) continue;
        ports.push({ containerPort, hostPort, protocol: (str(p.protocol) ?? 'TCP') as PortMapping['protocol'], ...(str(p.hostIP) && { hostIP: str(p.hostIP) }) });
      }
    }
    const sysctls: Record<string, string> = {};
    for (const s of arr(obj(spec.securityContext).sysctls)) if (typeof s.name === 'string') sysctls[s.name] = String(s.value ?? '');
    const subdomain = str(spec.subdomain);
    return {
      cluster: this.o.cluster,
      node: this.o.node,
      pod: { namespace: ns, name: pod.metadata.name ?? '', uid: podUid(pod) },
      attempt,
      network: net.networkName,
      ...(this.o.sandboxImage && { image: this.o.sandboxImage }),
      hostname: str(spec.hostname) ?? pod.metadata.name ?? '',
      ...(subdomain && { domainname: `${subdomain}.${ns}.svc.${net.clusterDomain}` }),
      ...(dns && { dns: { servers: dns.nameservers, searches: dns.searches, options: dns.options.map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name)) } }),
      extraHosts: arr(spec.hostAliases).map((h) => ({ ip: str(h.ip) ?? '', hostnames: strings(h.hostnames) })),
      portMappings: ports,
      ...(Object.keys(sysctls).length && { sysctls }),
      ...(this.o.clusterUid && { labels: { [CLUSTER_UID_LABEL]: this.o.clusterUid } }),
    };
  }

  private setReason(pod: KubeObject, name: string, reason: string, message: string): void {
    this.mem(podUid(pod)).reasons.set(name, { reason, message });
  }

  /** Starts one container; returns whether it runs now and when to retry otherwise. */
  private async startContainer(pod: KubeObject, a: StartAction, sandboxId: string, facts: PodRuntimeFacts): Promise<{ started: boolean; wakeAt?: number }> {
    const found = findContainer(pod, a.name);
    if (!found) return { started: false };
    const c = found.container;
    const uid = podUid(pod);
    const ref = containerRef(pod, c.name);
    const hash = containerHash(c);
    const now = this.o.clock.now();

    // CrashLoopBackOff (upstream doBackOff), keyed by pod and container spec.
    if (a.restartOf) {
      const key = `${uid}_${c.name}_${hash}`;
      const finished = a.restartOf.finishedAt ?? a.restartOf.startedAt ?? a.restartOf.createdAt;
      if (this.crashBackoff.isInBackOffSince(key, finished)) {
        const backoff = this.crashBackoff.get(key);
        this.o.recorder.event(ref, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`);
        this.setReason(pod, c.name, 'CrashLoopBackOff', `back-off ${goDuration(backoff)} restarting failed container=${c.name} pod=${formatPod(pod)}`);
        return { started: false, wakeAt: finished + backoff };
      }
      this.crashBackoff.next(key, finished);
    }

    // Image.
    let img;
    try {
      img = await this.o.images.ensure(pod, c);
    } catch (e) {
      if (isRuntimeError(e, 'Unavailable')) throw e;
      img = { ok: false as const, reason: 'ErrImagePull', message: (e as Error).message };
    }
    if (!img.ok) {
      this.setReason(pod, c.name, img.reason, img.message);
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${img.reason}`);
      // Show ImagePullBackOff soon after ErrImagePull, then try again when the back-off ends.
      const retry = img.reason === 'ErrImagePull' ? Math.min(img.retryAt ?? now + 1000, now + 1000) : img.retryAt;
      return { started: false, wakeAt: retry };
    }

    // Configuration: env, command, mounts, security.
    let spec: ContainerSpec;
    try {
      const env = makeEnvironment(pod, c, this.o.env, facts);
      const podSc = obj(podSpec(pod).securityContext);
      const sc = securityContext(podSc, obj(c.securityContext));
      const nonRoot = obj(c.securityContext).runAsNonRoot ?? podSc.runAsNonRoot;
      if (nonRoot === true) {
        const uidNum = sc.runAsUser ?? imageUid(img.image.user);
        if (uidNum === undefined) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${img.image.user}), cannot verify user is non-root (pod: "${formatPod(pod)}", container: ${c.name})`);
        if (uidNum === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${formatPod(pod)}", container: ${c.name})`);
      }
      const mounts = await this.o.volumes.mounts(pod, c, this.mem(uid).volumes ?? new Map(), facts);
      const termPath = str(c.terminationMessagePath) ?? '/dev/termination-log';
      if (termPath) {
        const file = await this.o.volumes.terminationLog(uid, c.name, a.attempt);
        mounts.push({ type: 'bind', hostPath: file, containerPath: termPath });
      }
      const command = strings(c.command);
      const args = strings(c.args);
      spec = {
        name: c.name,
        role: found.init ? 'init' : 'app',
        attempt: a.attempt,
        hash,
        image: str(c.image) ?? '',
        ...(command.length && { command: expandCommand(command, env) }),
        ...(args.length && { args: expandCommand(args, env) }),
        env,
        ...(str(c.workingDir) && { workingDir: str(c.workingDir) }),
        mounts,
        resources: resources(c),
        securityContext: sc,
        stdin: c.stdin === true,
        stdinOnce: c.stdinOnce === true,
        tty: c.tty === true,
        shareProcessNamespace: podSpec(pod).shareProcessNamespace === true,
        ...(this.o.clusterUid && { labels: { [CLUSTER_UID_LABEL]: this.o.clusterUid } }),
      };
    } catch (e) {
      if (!(e instanceof ContainerConfigError) && !(e instanceof VolumeError)) throw e;
      this.setReason(pod, c.name, 'CreateContainerConfigError', e.message);
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${e.message}`);
      return { started: false };
    }

    if (a.replaces) await this.o.runtime.removeContainer(a.replaces.id);
    let id: string;
    try {
      id = await this.o.runtime.createContainer(sandboxId, spec);
    } catch (e) {
      if (isRuntimeError(e, 'Unavailable')) throw e;
      if (isRuntimeError(e, 'AlreadyExists')) {
        // Our view was stale (a concurrent start): the next sync sees the instance.
        return { started: false, wakeAt: now + 1000 };
      }
      const msg = (e as Error).message;
      this.setReason(pod, c.name, 'CreateContainerError', msg);
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${msg}`);
      return { started: false, wakeAt: now + 10_000 };
    }
    this.own(id);
    this.o.recorder.event(ref, 'Normal', 'Created', `Created container: ${c.name}`);
    try {
      await this.o.runtime.startContainer(id);
    } catch (e) {
      if (isRuntimeError(e, 'Unavailable')) throw e;
      const msg = (e as Error).message;
      this.setReason(pod, c.name, 'RunContainerError', msg);
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${msg}`);
      // The instance now shows StartError; the next sync restarts it with back-off.
      return { started: true };
    }
    this.mem(uid).reasons.delete(c.name);
    this.o.recorder.event(ref, 'Normal', 'Started', `Started container ${c.name}`);

    const postStart = obj(obj(c.lifecycle).postStart);
    if (Object.keys(postStart).length) {
      const err = await this.runHook(pod, c, id, sandboxId, facts.podIP, postStart, Math.max(1, num(podSpec(pod).terminationGracePeriodSeconds) ?? 30));
      if (err) {
        this.o.recorder.event(ref, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
        await this.stopContainer(pod, id, c.name, num(podSpec(pod).terminationGracePeriodSeconds) ?? 30, false);
      }
    }
    return { started: true };
  }

  /** Runs a lifecycle hook (exec, httpGet, sleep); returns an error message or undefined. */
  private async runHook(pod: KubeObject, c: Container, id: string, sandboxId: string, podIP: string | undefined, hook: Record<string, unknown>, timeoutSeconds: number): Promise<string | undefined> {
    if (hook.sleep !== undefined) {
      const s = num(obj(hook.sleep).seconds) ?? 0;
      await new Promise<void>((r) => this.o.clock.setTimeout(r, Math.min(s, timeoutSeconds) * 1000));
      return undefined;
    }
    const type = hook.exec !== undefined ? 'exec' : hook.httpGet !== undefined ? 'httpGet' : undefined;
    if (!type) return undefined;
    const out = await this.o.probes.run('liveness', { ...hook, timeoutSeconds }, { pod, container: c, containerId: id, sandboxId, podIP }).catch((e: Error) => ({ ok: false, output: e.message }));
    return out.ok ? undefined : out.output || 'hook failed';
  }

  /** Stops one container (preStop hook first) with the grace period; event Killing unless told. */
  async stopContainer(pod: KubeObject, id: string, name: string, graceSeconds: number, quiet: boolean): Promise<void> {
    const c = findContainer(pod, name)?.container;
    if (!quiet) this.o.recorder.event(containerRef(pod, name), 'Normal', 'Killing', `Stopping container ${name}`);
    let grace = graceSeconds;
    const preStop = obj(obj(c?.lifecycle).preStop);
    if (c && Object.keys(preStop).length && grace > 0) {
      const t0 = this.o.clock.now();
      const err = await this.runHook(pod, c, id, '', undefined, preStop, grace);
      if (err) this.o.recorder.event(containerRef(pod, name), 'Warning', 'FailedPreStopHook', `PreStopHook failed`);
      grace = Math.max(1, grace - Math.floor((this.o.clock.now() - t0) / 1000));
    }
    await this.o.runtime.stopContainer(id, grace);
  }

  /** Stops every running container (app, sidecars, init) and then the sandbox(es). */
  async killPod(pod: KubeObject, observed: ObservedPod, graceSeconds: number): Promise<void> {
    const running = observed.containers.filter((c) => c.state === 'running');
    // Regular containers first, then sidecars (upstream stops sidecars after the app).
    const sidecarNames = new Set(initContainers(pod).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
    const apps = running.filter((c) => !sidecarNames.has(c.name));
    const sidecars = running.filter((c) => sidecarNames.has(c.name));
    await Promise.all(apps.map((c) => this.stopContainer(pod, c.id, c.name, graceSeconds, false)));
    await Promise.all(sidecars.map((c) => this.stopContainer(pod, c.id, c.name, Math.min(graceSeconds, 2), false)));
    for (const sb of observed.sandboxes) if (sb.state === 'running') await this.o.runtime.stopSandbox(sb.id);
  }

  /** A shorter grace period for a pod being stopped: kill what still runs now. */
  async hurry(uid: string, graceSeconds: number): Promise<void> {
    const observed = await this.observe(uid);
    await Promise.all(observed.containers.filter((c) => c.state === 'running').map((c) => this.o.runtime.stopContainer(c.id, graceSeconds)));
  }

  /** Removes every container and sandbox of the pod and its volumes; forgets the pod. */
  async removePod(uid: string): Promise<void> {
    const list = await this.o.runtime.listContainers({ labels: this.labels(uid) });
    for (const c of list) this.own(c.id);
    await Promise.all(list.filter((c) => c.role === 'sandbox').map((c) => this.o.runtime.removeSandbox(c.id)));
    await Promise.all(list.filter((c) => c.role !== 'sandbox').map((c) => this.o.runtime.removeContainer(c.id)));
    for (const c of list) {
      this.inspected.delete(c.id);
      this.termMessages.delete(c.id);
    }
    await this.o.volumes.cleanup(uid).catch((e: Error) => console.error(`kubelet: cleaning up volumes of pod ${uid}: ${e.message}`));
    this.forget(uid);
  }

  forget(uid: string): void {
    this.memory.delete(uid);
    this.crashBackoff.resetPrefix(`${uid}_`);
    this.o.images.forgetPod(uid);
    this.o.probes.removePod(uid);
  }

  /** Keeps the newest and the previous instance of each container; drops unused old sandboxes. */
  private async gc(pod: KubeObject): Promise<void> {
    const observed = await this.observe(podUid(pod));
    const seen = new Map<string, number>();
    const doomed: ObservedContainer[] = [];
    for (const c of observed.containers) {
      const n = (seen.get(c.name) ?? 0) + 1;
      seen.set(c.name, n);
      if (n > 2 && c.state !== 'running') doomed.push(c);
    }
    for (const c of doomed) {
      this.own(c.id);
      await this.o.runtime.removeContainer(c.id);
      this.inspected.delete(c.id);
      this.termMessages.delete(c.id);
    }
    const kept = new Set(observed.containers.filter((c) => !doomed.includes(c)).map((c) => c.sandboxId));
    for (const sb of observed.sandboxes.slice(1)) {
      if (sb.state !== 'running' && !kept.has(sb.id)) {
        this.own(sb.id);
        await this.o.runtime.removeSandbox(sb.id);
      }
    }
  }

  /** Every container of this node (for adoption and orphan cleanup). */
  async listAll(): Promise<{ id: string; uid?: string; role?: string; state: string; clusterUid?: string }[]> {
    const list = await this.o.runtime.listContainers({ labels: this.labels() });
    return list.map((c) => ({ id: c.id, uid: c.pod?.uid, role: c.role, state: c.state, clusterUid: c.labels[CLUSTER_UID_LABEL] }));
  }

  /** Is this container another engine's (same cluster name, another cluster instance)? */
  isForeign(c: { clusterUid?: string }): boolean {
    return !!this.o.clusterUid && !!c.clusterUid && c.clusterUid !== this.o.clusterUid;
  }

  /** Removes containers of a pod no API object owns. */
  async removeOrphan(uid: string): Promise<void> {
    await this.removePod(uid);
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Go's time.Duration String for whole seconds/minutes ("10s", "1m20s", "5m0s"). */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}

function imageUid(user: string): number | undefined {
  if (!user) return 0;
  const u = user.split(':')[0];
  return /^\d+$/.test(u) ? Number(u) : undefined;
}

function resources(c: Container): Resources {
  const r = obj(c.resources);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  const out: Resources = {};
  if (limits.cpu !== undefined) out.cpuLimitMillis = milliValue(limits.cpu);
  if (requests.cpu !== undefined) out.cpuRequestMillis = milliValue(requests.cpu);
  else if (limits.cpu !== undefined) out.cpuRequestMillis = milliValue(limits.cpu);
  if (limits.memory !== undefined) out.memoryLimitBytes = quantityValue(limits.memory);
  return out;
}

function securityContext(pod: Record<string, unknown>, c: Record<string, unknown>): SecurityContext {
  const out: SecurityContext = {};
  const runAsUser = num(c.runAsUser) ?? num(pod.runAsUser);
  const runAsGroup = num(c.runAsGroup) ?? num(pod.runAsGroup);
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  const groups = [...(Array.isArray(pod.supplementalGroups) ? pod.supplementalGroups.filter((g): g is number => typeof g === 'number') : [])];
  if (typeof pod.fsGroup === 'number') groups.push(pod.fsGroup);
  if (groups.length) out.supplementalGroups = groups;
  if (c.privileged === true) out.privileged = true;
  if (c.readOnlyRootFilesystem === true) out.readOnlyRootFilesystem = true;
  if (typeof c.allowPrivilegeEscalation === 'boolean') out.allowPrivilegeEscalation = c.allowPrivilegeEscalation;
  const caps = obj(c.capabilities);
  const add = strings(caps.add);
  const drop = strings(caps.drop);
  if (add.length || drop.length) out.capabilities = { ...(add.length && { add }), ...(drop.length && { drop }) };
  return out;
}
