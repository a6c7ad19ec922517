/**
 * The kubelet's node half: registers this node's Node object (capacity and nodeInfo from the
 * container engine), keeps its `kube-node-lease` Lease renewed, and turns the Ready condition
 * True/False as the engine (Docker) comes and goes. Health is checked with a cheap ping on a
 * slow timer; status is only written when something changes (or once a minute, as heartbeat).
 */
import type { Clock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/client.js';

export interface NodeHostInfo {
  cpus: number;
  memoryBytes: number;
  os: string;
  osImage: string;
  kernelVersion: string;
  architecture: string;
  containerRuntimeVersion: string;
  internalIP?: string;
}

/** One entry of Node status.images. */
export interface NodeImage {
  names: string[];
  sizeBytes: number;
}

/** What the node agent needs from the container runtime. */
export interface NodeHost {
  info(): Promise<NodeHostInfo>;
  ping(): Promise<boolean>;
  /** Local images for status.images (the scheduler's ImageLocality reads them). Optional. */
  images?(): Promise<NodeImage[]>;
}

/** Upstream's nodeStatusMaxImages. */
const MAX_IMAGES = 50;

/** Running agents by client and node name, so the kubelet can ask for an immediate check. */
const agents = new WeakMap<Client, Map<string, NodeAgent>>();

/** The node agent of `name` started on this client, if any. */
export function nodeAgentFor(client: Client, name: string): NodeAgent | undefined {
  return agents.get(client)?.get(name);
}

export interface NodeAgentOptions {
  name: string;
  client: Client;
  host: NodeHost;
  clock: Clock;
  labels?: Record<string, string>;
  /** Max pods on this node (upstream default 110). */
  maxPods?: number;
  leaseDurationSeconds?: number;
  /** How often to renew the lease and check the runtime, ms. */
  heartbeatMs?: number;
}

export class NodeAgent {
  private timer: NodeJS.Timeout | undefined;
  private healthy: boolean | undefined;
  private info: NodeHostInfo | undefined;
  private lastStatusWrite = 0;
  private stopped = false;
  private images: NodeImage[] | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: NodeAgentOptions) {}

  /** Registers the node at once (NotReady until the runtime answers) and starts heartbeats. */
  async start(): Promise<void> {
    let m = agents.get(this.o.client);
    if (!m) agents.set(this.o.client, (m = new Map()));
    m.set(this.o.name, this);
    this.register();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.o.heartbeatMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const m = agents.get(this.o.client);
    if (m?.get(this.o.name) === this) m.delete(this.o.name);
  }

  /**
   * Check the runtime now (the kubelet calls this when Docker's event stream breaks or comes
   * back), so Ready follows Docker within a second instead of the next heartbeat.
   */
  checkNow(): void {
    void this.tick();
  }

  /** Re-read the local images for status.images (after pulls). */
  refreshImages(): void {
    this.images = undefined;
    this.lastStatusWrite = 0;
    void this.tick();
  }

  private now(): string {
    return this.o.clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  private register(): void {
    const nodes = this.o.client.resource('', 'Node');
    if (nodes.get(undefined, this.o.name)) return;
    const labels = {
      'kubernetes.io/hostname': this.o.name,
      'kubernetes.io/os': process.platform === 'win32' ? 'windows' : 'linux',
      'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
      'node-role.kubernetes.io/control-plane': '',
      ...(this.o.labels ?? {}),
    };
    nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.o.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
      spec: { podCIDR: undefined },
      status: { conditions: [this.readyCondition(false, 'KubeletNotReady', 'container runtime status check may not have completed yet')] },
    });
  }

  private readyCondition(ready: boolean, reason: string, message: string): Record<string, unknown> {
    const now = this.now();
    return { type: 'Ready', status: ready ? 'True' : 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason, message };
  }

  private tick(): Promise<void> {
    // One check at a time: checkNow() during a heartbeat joins it.
    this.ticking ??= this.check().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    let imagesChanged = false;
    try {
      // A hung Docker socket must not stall lease renewal: the ping gets 5 s.
      ok = await Promise.race([this.o.host.ping(), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
      if (ok && !this.info) this.info = await this.o.host.info();
      if (ok && this.o.host.images && this.images === undefined) {
        this.images = (await this.o.host.images()).sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, MAX_IMAGES);
        imagesChanged = true;
      }
    } catch {
      ok = false;
    }
    if (this.stopped) return;
    this.renewLease();
    // Compare with the stored Node too: the node lifecycle controller may have set Ready=Unknown.
    const stored = this.o.client.resource('', 'Node').get(undefined, this.o.name);
    const storedReady = ((stored?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
    const changed = ok !== this.healthy || imagesChanged || storedReady !== (ok ? 'True' : 'False');
    const stale = this.o.clock.now().getTime() - this.lastStatusWrite > 60_000;
    if (changed || stale) this.writeStatus(ok);
    this.healthy = ok;
  }

  private renewLease(): void {
    const leases = this.o.client.resource('coordination.k8s.io', 'Lease');
    const now = this.o.clock.now().toISOString().replace('Z', '000Z').replace(/(\.\d{6})\d*Z$/, '$1Z');
    const existing = leases.get('kube-node-lease', this.o.name);
    if (!existing) {
      leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.name, namespace: 'kube-node-lease' },
        spec: { holderIdentity: this.o.name, leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40, renewTime: now },
      });
      return;
    }
    leases.modify('kube-node-lease', this.o.name, (l) => {
      (l.spec as Record<string, unknown>).renewTime = now;
    });
  }

  private writeStatus(ready: boolean): void {
    const nodes = this.o.client.resource('', 'Node');
    const info = this.info;
    nodes.modify(
      undefined,
      this.o.name,
      (n: KubeObject) => {
        const status = (n.status ?? {}) as Record<string, unknown>;
        const conds = (Array.isArray(status.conditions) ? status.conditions : []) as Record<string, unknown>[];
        const prev = conds.find((c) => c.type === 'Ready');
        const next = this.readyCondition(
          ready,
          ready ? 'KubeletReady' : 'KubeletNotReady',
          ready ? 'kubelet is posting ready status' : 'container runtime is down: the Docker engine does not answer',
        );
        if (prev && prev.status === next.status) next.lastTransitionTime = prev.lastTransitionTime;
        const others = ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => {
          const p = conds.find((c) => c.type === type);
          return {
            type,
            status: 'False',
            lastHeartbeatTime: next.lastHeartbeatTime,
            lastTransitionTime: p?.lastTransitionTime ?? next.lastTransitionTime,
            reason: `KubeletHasNo${type}`,
            message: `kubelet has no ${type.replace('Pressure', '').toLowerCase()} pressure`,
          };
        });
        status.conditions = [...others, next];
        if (info) {
          const capacity = {
            cpu: String(info.cpus),
            memory: `${Math.floor(info.memoryBytes / 1024)}Ki`,
            pods: String(this.o.maxPods ?? 110),
            'ephemeral-storage': '100Gi',
          };
          status.capacity = capacity;
          status.allocatable = { ...capacity };
          status.nodeInfo = {
            machineID: '',
            systemUUID: '',
            bootID: '',
            kernelVersion: info.kernelVersion,
            osImage: info.osImage,
            containerRuntimeVersion: info.containerRuntimeVersion,
            kubeletVersion: 'v1.32.4-skiff',
            kubeProxyVersion: 'v1.32.4-skiff',
            operatingSystem: info.os,
            architecture: info.architecture,
          };
          status.addresses = [
            { type: 'InternalIP', address: info.internalIP ?? '127.0.0.1' },
            { type: 'Hostname', address: this.o.name },
          ];
        }
        if (this.images) status.images = this.images;
        status.daemonEndpoints = { kubeletEndpoint: { Port: 0 } };
        n.status = status;
      },
      { status: true },
    );
    this.lastStatusWrite = this.o.clock.now().getTime();
  }
}
