/**
 * A virtual kubelet: everything a kubelet shows the API for one node, without containers.
 * - Node: capacity/allocatable from the node's annotations, Ready and the pressure conditions,
 *   addresses, nodeInfo; re-written when it drifts (e.g. the node lifecycle controller marked
 *   it Unknown while it was stopped) and once a minute as a heartbeat.
 * - Lease kube-node-lease/<node>: renewed every heartbeat interval (10 s).
 * - Pods bound to the node: marked Running and Ready at once (pod IP from the node's podCIDR,
 *   running containerStatuses, completed init containers); a pod marked for deletion is
 *   removed at once (grace period 0), as kwok does.
 * A stopped kubelet does nothing at all — no renewals, no pod updates — which is what a failed
 * node looks like to the control plane.
 */
import type { Clock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import { canonicalQuantity } from '../api/quantity.js';
import {
  CPU_ANNOTATION,
  DEFAULT_CPU,
  DEFAULT_EPHEMERAL_STORAGE,
  DEFAULT_MEMORY,
  DEFAULT_PODS,
  EPHEMERAL_STORAGE_ANNOTATION,
  KUBELET_VERSION,
  MEMORY_ANNOTATION,
  PODS_ANNOTATION,
} from './constants.js';

type Obj = Record<string, unknown>;

const STATUS_REFRESH_MS = 60_000;

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.filter(isPlainObject) as Obj[]) : [];
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Capacity a virtual node advertises, from its annotations (defaults 4 cpu, 8Gi, 110 pods). */
export function virtualCapacity(node: KubeObject): Record<string, string> {
  const a = node.metadata.annotations ?? {};
  return {
    cpu: canonicalQuantity(a[CPU_ANNOTATION] ?? DEFAULT_CPU),
    'ephemeral-storage': canonicalQuantity(a[EPHEMERAL_STORAGE_ANNOTATION] ?? DEFAULT_EPHEMERAL_STORAGE),
    memory: canonicalQuantity(a[MEMORY_ANNOTATION] ?? DEFAULT_MEMORY),
    pods: canonicalQuantity(a[PODS_ANNOTATION] ?? DEFAULT_PODS),
  };
}

export class VirtualKubelet {
  /** Stopped: simulates a dead node. */
  paused = false;
  nextHeartbeat = 0;
  private lastStatusWrite = 0;
  private readonly usedIPs = new Set<string>();

  constructor(
    readonly name: string,
    private readonly client: Client,
    private readonly clock: Clock,
    /** Third octet of this node's /24 (from spec.podCIDR). */
    private subnet: string | undefined,
    private readonly heartbeatMs: number,
  ) {}

  setSubnet(cidr: string | undefined): void {
    this.subnet = cidr;
  }

  /** Renews the lease and repairs the Node status when needed. */
  heartbeat(force = false): void {
    if (this.paused) return;
    const now = this.clock.now();
    this.nextHeartbeat = now.getTime() + this.heartbeatMs;
    this.renewLease(now);
    const node = this.client.resource('', 'Node').get(undefined, this.name);
    if (!node) return;
    if (force || this.statusStale(node, now)) this.writeStatus(now);
  }

  private statusStale(node: KubeObject, now: Date): boolean {
    if (now.getTime() - this.lastStatusWrite > STATUS_REFRESH_MS) return true;
    const status = obj(node.status);
    const ready = arr(status.conditions).find((c) => c.type === 'Ready');
    if (!ready || ready.status !== 'True') return true;
    return JSON.stringify(status.capacity) !== JSON.stringify(virtualCapacity(node));
  }

  private renewLease(now: Date): void {
    const leases = this.client.resource('coordination.k8s.io', 'Lease');
    const renewTime = microTime(now);
    const cur = leases.get('kube-node-lease', this.name);
    if (!cur) {
      const node = this.client.resource('', 'Node').get(undefined, this.name);
      const metadata: KubeObject['metadata'] = { name: this.name, namespace: 'kube-node-lease' };
      // Owned by the Node, as the kubelet's lease is, so it goes away with the node.
      if (node) metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid as string }];
      leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: { holderIdentity: this.name, leaseDurationSeconds: 40, renewTime } });
      return;
    }
    leases.modify('kube-node-lease', this.name, (l) => {
      const spec = obj(l.spec);
      spec.holderIdentity = this.name;
      spec.renewTime = renewTime;
      l.spec = spec;
    });
  }

  private writeStatus(now: Date): void {
    const ts = rfc3339(now);
    this.client.resource('', 'Node').modify(
      undefined,
      this.name,
      (n) => {
        const status = obj(n.status);
        const prev = arr(status.conditions);
        const cond = (type: string, st: string, reason: string, message: string) => {
          const p = prev.find((c) => c.type === type);
          return { type, status: st, lastHeartbeatTime: ts, lastTransitionTime: p && p.status === st ? p.lastTransitionTime : ts, reason, message };
        };
        const capacity = virtualCapacity(n);
        status.capacity = capacity;
        status.allocatable = { ...capacity };
        status.conditions = [
          cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        ];
        status.addresses = [
          { type: 'InternalIP', address: this.nodeIP() },
          { type: 'Hostname', address: this.name },
        ];
        status.daemonEndpoints = { kubeletEndpoint: { Port: 0 } };
        status.nodeInfo = {
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: '',
          osImage: 'Skiff virtual node',
          containerRuntimeVersion: 'skiff-virtual://0.1.0',
          kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: KUBELET_VERSION,
          operatingSystem: 'linux',
          architecture: 'amd64',
        };
        n.status = status;
      },
      { status: true },
    );
    this.lastStatusWrite = now.getTime();
  }

  private nodeIP(): string {
    return this.subnet ? `${this.subnet}.1` : '127.0.0.1';
  }

  /** Records IPs already held by pods on this node (after a restart). */
  noteIP(ip: string): void {
    this.usedIPs.add(ip);
  }

  releaseIP(ip: string): void {
    this.usedIPs.delete(ip);
  }

  private allocateIP(): string {
    const base = this.subnet ?? '127.0.0';
    for (let i = 2; i < 255; i++) {
      const ip = `${base}.${i}`;
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    throw new Error(`virtual node ${this.name}: no free pod IP in ${base}.0/24`);
  }

  /** Brings one bound pod to Running (or removes it when it is being deleted). */
  syncPod(pod: KubeObject): void {
    if (this.paused) return;
    const pods = this.client.resource('', 'Pod');
    const status = obj(pod.status);
    if (pod.metadata.deletionTimestamp) {
      if (typeof status.podIP === 'string') this.releaseIP(status.podIP);
      pods.delete(pod.metadata.namespace, pod.metadata.name as string, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      return;
    }
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return;
    if (status.phase === 'Running' && typeof status.podIP === 'string' && status.podIP) return;
    const ip = typeof status.podIP === 'string' && status.podIP ? status.podIP : this.allocateIP();
    const now = rfc3339(this.clock.now());
    pods.modify(
      pod.metadata.namespace,
      pod.metadata.name as string,
      (p) => {
        if (p.metadata.uid !== pod.metadata.uid || p.metadata.deletionTimestamp) return p;
        const spec = obj(p.spec);
        const st = obj(p.status);
        const prevConds = arr(st.conditions);
        const cond = (type: string) => {
          const prev = prevConds.find((c) => c.type === type);
          return { type, status: 'True', lastProbeTime: null, lastTransitionTime: prev?.status === 'True' ? prev.lastTransitionTime : now };
        };
        const scheduled = prevConds.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
        st.phase = 'Running';
        st.conditions = [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), scheduled];
        st.hostIP = this.nodeIP();
        st.hostIPs = [{ ip: this.nodeIP() }];
        st.podIP = ip;
        st.podIPs = [{ ip }];
        st.startTime ??= now;
        const uid = String(p.metadata.uid ?? '').replace(/-/g, '').slice(0, 12);
        const containerStatus = (c: Obj, state: Obj, ready: boolean) => ({
          name: c.name,
          image: c.image,
          imageID: `skiff-virtual://${String(c.image ?? '')}`,
          containerID: `skiff-virtual://${uid}-${String(c.name ?? '')}`,
          ready,
          started: ready,
          restartCount: 0,
          state,
          lastState: {},
        });
        st.initContainerStatuses = arr(spec.initContainers).map((c) =>
          c.restartPolicy === 'Always'
            ? containerStatus(c, { running: { startedAt: now } }, true)
            : containerStatus(c, { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, containerID: `skiff-virtual://${uid}-${String(c.name ?? '')}` } }, true),
        );
        if ((st.initContainerStatuses as unknown[]).length === 0) delete st.initContainerStatuses;
        st.containerStatuses = arr(spec.containers).map((c) => containerStatus(c, { running: { startedAt: now } }, true));
        p.status = st;
        return p;
      },
      { status: true },
    );
  }
}
