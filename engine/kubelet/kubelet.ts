/**
 * The kubelet: runs the pods bound to this node (spec.nodeName) as Docker containers and
 * reports their status, as upstream's kubelet does with a CRI runtime.
 *
 * Shape (upstream names in brackets):
 * - Pod source [config]: list + watch of pods with `spec.nodeName=<node>`; every add, change or
 *   removal goes to the pod workers. Status-only changes (our own writes) are ignored.
 * - Pod workers [pod_workers.go]: one serialized worker per pod, state machine
 *     SyncPod ──(deleted or terminal)──▶ TerminatingPod ──▶ TerminatedPod ──(deleted)──▶ gone
 *   SyncPod = observe Docker → compute actions (sync.ts) → act (kuberuntime.ts) → write status
 *   (status.ts) → (re)arm probes. TerminatingPod = preStop, SIGTERM, grace, SIGKILL, stop the
 *   sandbox. TerminatedPod = remove containers, sandbox and volumes, then delete the API object
 *   with grace 0 (a terminal pod that is not deleted keeps its exited containers for logs).
 * - Event-driven [evented PLEG]: Docker's event stream (die/oom/start/destroy of containers
 *   labelled with this cluster and node) re-syncs the pod the container belongs to; starts and
 *   removals this kubelet made itself are not echoed back. ConfigMap/Secret/PVC changes re-sync
 *   the pods that use them (env retries, volume file updates). Timers exist only for back-off
 *   wake-ups and probes; an idle pod costs nothing.
 * - Restart safety [kind's "labels are the only truth"]: on start, every container with this
 *   cluster's and node's labels is listed; a pod that still exists keeps its containers (the
 *   sync sees them running with the same spec hash and does nothing: same ids, no duplicates);
 *   containers and volume directories of pods that no longer exist are removed.
 * - Docker going away breaks the event stream: the node agent is told to re-check (Ready=False),
 *   the kubelet re-subscribes with back-off and, once Docker answers, re-lists and re-syncs
 *   every pod (a restarted daemon has stopped every container: sandboxes are recreated).
 * - Node-side API [server.go]: logs/exec/attach/port-forward/proxy (connector.ts) and
 *   metrics.k8s.io (metrics.ts), registered under this node's name with the router in
 *   ctx.features (router.ts), so several kubelets (one per Docker-engine node) can coexist.
 * - Several kubelets in one process: each has its own ctx.nodeName, Docker connection
 *   (opts.runtime), network (ctx.network: the local one is the cluster network, a Docker-host
 *   node's is its podCIDR) and root dir (ctx.dataDir); see engine/nodes/docker-host.ts.
 * - The local-path provisioner (localpath.ts) runs here: it is the node's storage.
 */
import { join } from 'node:path';
import type { Component, EngineContext } from '../component.js';
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import { milliValue, value as quantityValue } from '../api/quantity.js';
import { Informer } from '../client/informer.js';
import { Recorder } from '../events/recorder.js';
import { LABEL, isRuntimeError, type ContainerRuntime, type EventSubscription, type RuntimeEvent } from './runtime/runtime.js';
import { systemClock, type KubeletClock } from './backoff.js';
import type { EnvSources } from './env.js';
import { ImageManager } from './images.js';
import { RuntimeManager } from './kuberuntime.js';
import { currentSandbox, type ObservedPod } from './observed.js';
import { PodWorkers } from './pod_workers.js';
import { ProbeManager } from './probes.js';
import { generatePodStatus } from './status.js';
import { VolumeManager, podReferences } from './volumes.js';
import { Connector } from './connector.js';
import { Metrics } from './metrics.js';
import { LocalPathProvisioner } from './localpath.js';
import { nodeAgentFor } from './node.js';
import { arr, obj, podUid, str } from './podutil.js';
import { registerNodeServer } from './router.js';
import { localNodeCIDR, settlePodSubnet } from './podsubnet.js';

export interface KubeletOptions {
  /** The container runtime; default: Docker (DOCKER_HOST or the default socket). */
  runtime?: ContainerRuntime;
  clock?: KubeletClock;
  /** Pod-infra image instead of Skiff's own pause image. */
  sandboxImage?: string;
  /** Run the local-path provisioner (default true). */
  localPath?: boolean;
  /**
   * Settle the cluster pod range and create the cluster network (podsubnet.ts) before using
   * ctx.network — the local kubelet (default true). A Docker-host node's kubelet gets a ctx whose
   * network is its own podCIDR on its own engine, and passes false.
   */
  settleSubnet?: boolean;
}

const RECONNECT_MAX_MS = 30_000;
/** SKIFF_DEBUG_KUBELET=1 logs runtime events and sync passes to stderr. */
const DEBUG = !!process.env.SKIFF_DEBUG_KUBELET;

export class Kubelet {
  readonly clock: KubeletClock;
  readonly recorder: Recorder;
  readonly workers: PodWorkers;
  readonly volumes: VolumeManager;
  readonly connector: Connector;
  readonly metrics: Metrics;
  probes!: ProbeManager;
  rm!: RuntimeManager;
  runtime?: ContainerRuntime;

  private readonly cluster: string;
  private readonly node: string;
  private readonly pods = new Map<string, KubeObject>();
  private readonly refs = new Map<string, ReturnType<typeof podReferences>>();
  private readonly wakeTimers = new Map<string, unknown>();
  private readonly configMaps: Informer;
  private readonly secrets: Informer;
  private readonly services: Informer;
  private readonly claims: Informer;
  private readonly volumesInformer: Informer;
  private localPath?: LocalPathProvisioner;
  private stopWatch?: () => void;
  private events?: EventSubscription;
  private stopped = false;
  private ready!: Promise<ContainerRuntime>;
  private resolveReady!: (rt: ContainerRuntime) => void;
  private reconnecting = false;
  private warnedForeign = false;
  private unregister?: () => void;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: KubeletOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.cluster = ctx.clusterName;
    this.node = ctx.nodeName;
    this.recorder = new Recorder(ctx.client, { component: 'kubelet', host: this.node, clock: { now: () => new Date(this.clock.now()) } });
    const self = this;
    this.volumes = new VolumeManager(join(ctx.dataDir, 'kubelet'), {
      configMap: (ns, n) => this.configMaps.get(ns, n),
      secret: (ns, n) => this.secrets.get(ns, n),
      pvc: (ns, n) => this.claims.get(ns, n),
      pv: (n) => this.volumesInformer.get(undefined, n),
      get nodeAllocatable() {
        return self.allocatable();
      },
    });
    this.configMaps = new Informer(ctx.client.resource('', 'ConfigMap'));
    this.secrets = new Informer(ctx.client.resource('', 'Secret'));
    this.services = new Informer(ctx.client.resource('', 'Service'));
    this.claims = new Informer(ctx.client.resource('', 'PersistentVolumeClaim'));
    this.volumesInformer = new Informer(ctx.client.resource('', 'PersistentVolume'));
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.workers = new PodWorkers(
      {
        syncPod: (pod) => this.syncPod(pod),
        syncTerminatingPod: (pod, grace) => this.syncTerminatingPod(pod, grace),
        syncTerminatedPod: (pod, deleted) => this.syncTerminatedPod(pod, deleted),
        shortenGrace: (pod, grace) => void this.rm?.hurry(podUid(pod), grace).catch(() => undefined),
        onError: (pod, err) => {
          if (!this.stopped && !isRuntimeError(err, 'Unavailable')) console.error(`kubelet: pod ${pod.metadata.namespace}/${pod.metadata.name}: ${err.message}`);
        },
      },
      this.clock,
    );
    this.connector = new Connector({
      nodeName: this.node,
      runtime: () => this.ready,
      sandbox: async (pod) => {
        if (!this.rm) return undefined;
        const observed = await this.rm.observe(podUid(pod));
        const sb = currentSandbox(observed);
        const relay = observed.containers.find((c) => c.state === 'running' && c.sandboxId === sb?.id);
        return sb && sb.state === 'running' ? { id: sb.id, ip: sb.ip, relayContainer: relay?.id } : undefined;
      },
    });
    this.metrics = new Metrics({
      runtime: () => this.ready,
      cluster: this.cluster,
      node: this.node,
      pods: () => [...this.pods.values()],
      nodeLabels: () => this.nodeObject()?.metadata.labels ?? {},
    });
  }

  /** Starts the kubelet; resolves once the runtime answered and the pods are being synced. */
  async start(): Promise<void> {
    this.register();
    const dependents = (kind: 'configMaps' | 'secrets' | 'pvcs') => ({
      add: (o: KubeObject) => this.resyncUsers(kind, o),
      update: (_old: KubeObject, o: KubeObject) => this.resyncUsers(kind, o),
      delete: (o: KubeObject) => this.resyncUsers(kind, o),
    });
    this.configMaps.addHandler(dependents('configMaps'));
    this.secrets.addHandler(dependents('secrets'));
    this.claims.addHandler(dependents('pvcs'));
    for (const i of [this.configMaps, this.secrets, this.services, this.claims, this.volumesInformer]) i.start();
    if (this.opts.localPath !== false) {
      this.localPath = new LocalPathProvisioner(this.ctx, { root: join(this.ctx.dataDir, 'storage'), node: this.node, recorder: this.recorder });
      this.localPath.start();
    }
    const rt = await this.connectRuntime();
    if (this.stopped) return;
    this.probes = new ProbeManager(rt, this.clock, this.recorder, (uid) => this.workers.sync(uid));
    this.rm = new RuntimeManager({
      runtime: rt,
      clock: this.clock,
      recorder: this.recorder,
      cluster: this.cluster,
      node: this.node,
      network: this.ctx.network,
      volumes: this.volumes,
      images: new ImageManager(rt, this.recorder, this.clock, () => nodeAgentFor(this.ctx.client, this.node)?.refreshImages()),
      probes: this.probes,
      env: this.envSources(),
      hostIP: () => this.hostIP(),
      ...(this.opts.sandboxImage && { sandboxImage: this.opts.sandboxImage }),
      clusterUid: this.ctx.client.resource('', 'Namespace').get(undefined, 'kube-system')?.metadata.uid,
    });
    await this.prepareRuntime(rt);
    if (this.stopped) return;
    await this.subscribe(rt);
    // Adoption: what Docker has now, then the pods the API has; whatever no pod owns goes.
    const existing = await this.rm.listAll();
    this.watchPods();
    await this.removeOrphans(existing);
    this.runtime = rt;
    this.resolveReady(rt);
  }

  /** Serve logs/exec/metrics for this node through the API server (idempotent). */
  register(): void {
    this.unregister ??= registerNodeServer(this.ctx.features, this.node, { pods: this.connector, metrics: this.metrics });
  }

  private envSources(): EnvSources {
    const self = this;
    return {
      configMap: (ns, n) => this.configMaps.get(ns, n),
      secret: (ns, n) => this.secrets.get(ns, n),
      services: (ns) => this.services.list(ns),
      get nodeAllocatable() {
        return self.allocatable();
      },
    };
  }

  private nodeObject(): KubeObject | undefined {
    return this.ctx.client.resource('', 'Node').get(undefined, this.node);
  }

  private allocatable(): EnvSources['nodeAllocatable'] {
    const a = obj(obj(this.nodeObject()?.status).allocatable);
    return { cpuMillis: milliValue(a.cpu), memoryBytes: quantityValue(a.memory), ephemeralBytes: quantityValue(a['ephemeral-storage']) };
  }

  private hostIP(): string | undefined {
    const addrs = arr(obj(this.nodeObject()?.status).addresses);
    return str(addrs.find((a) => a.type === 'InternalIP')?.address);
  }

  /** The runtime, waiting (with back-off, not a busy loop) until Docker answers. */
  private async connectRuntime(): Promise<ContainerRuntime> {
    let rt = this.opts.runtime;
    if (!rt) {
      const { DockerRuntime } = await import('./runtime/docker.js');
      rt = new DockerRuntime(this.opts.sandboxImage ? { sandboxImage: this.opts.sandboxImage } : {});
    }
    let delay = 1000;
    while (!this.stopped && !(await rt.ping())) {
      await new Promise((r) => this.clock.setTimeout(() => r(undefined), delay));
      delay = Math.min(RECONNECT_MAX_MS, delay * 2);
    }
    return rt;
  }

  /** The cluster network and the sandbox image; retried until they work (another cluster may hold the subnet). */
  private async prepareRuntime(rt: ContainerRuntime): Promise<void> {
    let delay = 2000;
    for (;;) {
      if (this.stopped) return;
      try {
        const net = this.ctx.network;
        if (this.opts.settleSubnet !== false) await settlePodSubnet(this.ctx, rt);
        const ipRange = this.opts.settleSubnet !== false ? localNodeCIDR(net.podSubnet) : net.podSubnet;
        await rt.ensureNetwork({ name: net.networkName, subnet: net.podSubnet, labels: { [LABEL.cluster]: this.cluster }, ...(ipRange !== net.podSubnet && { ipRange }) });
        break;
      } catch (e) {
        console.error(`kubelet: cluster network ${this.ctx.network.networkName} (${this.ctx.network.podSubnet}): ${(e as Error).message}; retrying`);
        await new Promise((r) => this.clock.setTimeout(() => r(undefined), delay));
        delay = Math.min(RECONNECT_MAX_MS, delay * 2);
      }
    }
    if (!this.opts.sandboxImage) await rt.ensureSandboxImage().catch((e: Error) => console.error(`kubelet: sandbox image: ${e.message}`));
  }

  private async subscribe(rt: ContainerRuntime, since?: Date): Promise<void> {
    this.events = await rt.events(
      { labels: { [LABEL.cluster]: this.cluster, [LABEL.node]: this.node } },
      (e) => this.onRuntimeEvent(e),
      { ...(since && { since }), onError: () => this.onRuntimeLost(rt) },
    );
  }

  /**
   * A container died (or was OOM-killed, or removed behind our back): re-sync its pod. Creates
   * and starts are always this kubelet's own doing (it re-reads after acting), so they are not
   * echoed back; nor are removals it made itself.
   */
  private onRuntimeEvent(e: RuntimeEvent): void {
    const uid = e.labels[LABEL.podUid];
    if (DEBUG) console.error(`kubelet: runtime event ${e.type} ${e.containerId.slice(0, 12)} pod ${e.labels[LABEL.podName]} ${uid}`);
    if (!uid || e.type === 'create' || e.type === 'start' || this.rm.isOwnEvent(e.containerId, e.type)) return;
    this.rm.invalidate(e.containerId);
    this.workers.sync(uid);
  }

  /** The Docker event stream broke: Docker is gone or restarting. */
  private onRuntimeLost(rt: ContainerRuntime): void {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    this.events = undefined;
    nodeAgentFor(this.ctx.client, this.node)?.checkNow();
    const lostAt = new Date(this.clock.now());
    void (async () => {
      let delay = 1000;
      while (!this.stopped) {
        if (await rt.ping()) {
          try {
            await this.subscribe(rt, lostAt);
            break;
          } catch {
            // fall through to the back-off
          }
        }
        await new Promise((r) => this.clock.setTimeout(() => r(undefined), delay));
        delay = Math.min(RECONNECT_MAX_MS, delay * 2);
      }
      this.reconnecting = false;
      if (this.stopped) return;
      nodeAgentFor(this.ctx.client, this.node)?.checkNow();
      await this.prepareRuntime(rt);
      const existing = await this.rm.listAll().catch(() => []);
      await this.removeOrphans(existing);
      for (const uid of this.workers.uids()) this.workers.sync(uid);
    })();
  }

  // -------------------------------------------------------------------------------------------
  // pod source

  /** list + watch of this node's pods (spec.nodeName field selector); relists on 410. */
  private watchPods(): void {
    const pods = this.ctx.client.resource('', 'Pod');
    const fieldSelector = `spec.nodeName=${this.node}`;
    const relist = () => {
      if (this.stopped) return;
      this.stopWatch?.();
      const { items, resourceVersion } = pods.list(undefined, { fieldSelector });
      const seen = new Set<string>();
      for (const p of items) {
        seen.add(podUid(p));
        this.onPod(p, false);
      }
      for (const [uid, p] of this.pods) if (!seen.has(uid)) this.onPod(p, true);
      try {
        this.stopWatch = pods.watch(undefined, { resourceVersion, fieldSelector }, (ev) => {
          if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return;
          this.onPod(ev.object, ev.type === 'DELETED');
        });
      } catch (e) {
        if (e instanceof ApiError && e.code === 410) setImmediate(relist);
        else throw e;
      }
    };
    relist();
  }

  private onPod(pod: KubeObject, removed: boolean): void {
    const uid = podUid(pod);
    if (!uid) return;
    const old = this.pods.get(uid);
    if (removed) {
      this.pods.delete(uid);
      this.refs.delete(uid);
    } else {
      this.pods.set(uid, pod);
      this.refs.set(uid, podReferences(pod));
      // Our own status writes come back as updates: nothing to do for them.
      if (old && !specChanged(old, pod)) return;
    }
    queueMicrotask(() => this.workers.update(pod, removed));
  }

  private resyncUsers(kind: 'configMaps' | 'secrets' | 'pvcs', o: KubeObject): void {
    const name = o.metadata.name ?? '';
    const ns = o.metadata.namespace;
    for (const [uid, r] of this.refs) {
      const pod = this.pods.get(uid);
      if (pod && pod.metadata.namespace === ns && r[kind].has(name)) queueMicrotask(() => this.workers.sync(uid));
    }
  }

  private async removeOrphans(existing: { id: string; uid?: string; clusterUid?: string }[]): Promise<void> {
    const owned = new Set(this.pods.keys());
    const foreign = existing.filter((c) => this.rm.isForeign(c));
    if (foreign.length && !this.warnedForeign) {
      this.warnedForeign = true;
      console.error(`kubelet: ${foreign.length} containers labelled with cluster "${this.cluster}" belong to another Skiff engine (another data dir); they are left alone. Give each engine its own cluster name (--cluster-name or SKIFF_CLUSTER_NAME).`);
    }
    const orphans = new Set(existing.filter((c) => !this.rm.isForeign(c)).map((c) => c.uid).filter((u): u is string => !!u && !owned.has(u) && !this.workers.has(u)));
    for (const uid of orphans) {
      try {
        await this.rm.removeOrphan(uid);
      } catch (e) {
        console.error(`kubelet: removing containers of deleted pod ${uid}: ${(e as Error).message}`);
      }
    }
    for (const uid of await this.volumes.podDirs()) {
      if (!owned.has(uid) && !this.workers.has(uid)) await this.volumes.cleanup(uid).catch(() => undefined);
    }
  }

  // -------------------------------------------------------------------------------------------
  // worker handlers

  private async syncPod(pod: KubeObject): Promise<boolean> {
    await this.ready;
    const uid = podUid(pod);
    let observed = await this.rm.observe(uid);
    const r = await this.rm.syncPod(pod, observed);
    if (r.changed) observed = await this.rm.observe(uid);
    if (DEBUG) console.error(`kubelet: sync ${pod.metadata.name}: ${observed.containers.map((c) => `${c.name}#${c.attempt}=${c.state}`).join(' ')} changed=${r.changed} terminal=${r.terminal}`);
    await this.rm.collectTerminationMessages(pod, observed);
    this.writeStatus(pod, observed, r.terminal);
    if (r.terminal) this.probes.removePod(uid);
    else {
      const started = new Map(observed.containers.map((c) => [c.id, c.startedAt ?? c.createdAt]));
      this.probes.sync(pod, observed, (id) => started.get(id) ?? this.clock.now());
    }
    this.wakeAt(uid, r.wakeAt);
    return r.terminal;
  }

  private async syncTerminatingPod(pod: KubeObject, grace: number): Promise<void> {
    await this.ready;
    const uid = podUid(pod);
    this.wakeAt(uid, undefined);
    this.probes.removePod(uid);
    const observed = await this.rm.observe(uid);
    await this.rm.killPod(pod, observed, grace);
  }

  private async syncTerminatedPod(pod: KubeObject, deleted: boolean): Promise<void> {
    await this.ready;
    const uid = podUid(pod);
    this.wakeAt(uid, undefined);
    if (!deleted) {
      // A finished pod keeps its containers (logs) until it is deleted; report the final state.
      const observed = await this.rm.observe(uid);
      await this.rm.collectTerminationMessages(pod, observed);
      this.writeStatus(pod, observed, true);
      return;
    }
    await this.rm.removePod(uid);
    const pods = this.ctx.client.resource('', 'Pod');
    const cur = pods.get(pod.metadata.namespace, pod.metadata.name ?? '');
    if (cur && cur.metadata.uid === uid) {
      pods.delete(pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
    }
  }

  private wakeAt(uid: string, at: number | undefined): void {
    const t = this.wakeTimers.get(uid);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.wakeTimers.delete(uid);
    if (at === undefined || this.stopped) return;
    this.wakeTimers.set(
      uid,
      this.clock.setTimeout(() => {
        this.wakeTimers.delete(uid);
        this.workers.sync(uid);
      }, Math.max(0, at - this.clock.now())),
    );
  }

  /** Writes the pod's status (status manager): generated on the newest object, skipped when equal. */
  private writeStatus(pod: KubeObject, observed: ObservedPod, terminal: boolean): void {
    const pods = this.ctx.client.resource('', 'Pod');
    const uid = podUid(pod);
    const hostIP = this.hostIP();
    const reasons = this.rm.reasons(uid);
    const messages = this.rm.terminationMessages();
    try {
      pods.modify(
        pod.metadata.namespace,
        pod.metadata.name ?? '',
        (cur) => {
          if (cur.metadata.uid !== uid) return cur;
          cur.status = generatePodStatus({
            pod: cur,
            observed,
            now: this.clock.now(),
            hostIP,
            reasons,
            probes: (c, id) => this.probes.state(c, id),
            terminationMessages: messages,
            terminal,
          });
          return cur;
        },
        { status: true },
      );
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    this.events?.stop();
    this.workers.stop();
    this.probes?.stop();
    for (const t of this.wakeTimers.values()) this.clock.clearTimeout(t);
    this.wakeTimers.clear();
    for (const i of [this.configMaps, this.secrets, this.services, this.claims, this.volumesInformer]) i.stop();
    this.localPath?.stop();
    this.recorder.stop();
    this.unregister?.();
    this.unregister = undefined;
  }
}

/** Did anything but status and bookkeeping change? */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata as Record<string, unknown>;
    void _rv;
    void _mf;
    return JSON.stringify([o.spec, meta]);
  };
  return strip(a) !== strip(b);
}

/** Starts the kubelet for ctx.nodeName on the local Docker engine. */
export function startKubelet(ctx: EngineContext, opts: KubeletOptions = {}): Component & { kubelet: Kubelet } {
  const kubelet = new Kubelet(ctx, opts);
  // Registered at once so the API server serves logs/exec/metrics as soon as it answers.
  kubelet.register();
  void kubelet.start().catch((e: unknown) => console.error(`kubelet: ${(e as Error).stack ?? String(e)}`));
  return {
    kubelet,
    stop: () => kubelet.stop(),
  };
}

