/**
 * NodeInfo: one node and the pods bound to it, with running sums (upstream framework.NodeInfo).
 * The scheduler cache keeps one per node and updates it incrementally from informer events —
 * adding or removing a pod adjusts `requested` in O(1) — so a scheduling cycle never lists pods.
 */
import { milliValue, value } from '../../api/quantity.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import { nodeTaints, type Taint } from '../util/taints.js';
import { normalizeImageName } from '../util/images.js';
import { emptyResource, type HostPort, type PodInfo, type Resource } from './podinfo.js';

type Obj = Record<string, unknown>;

export class NodeInfo {
  node: KubeObject | undefined;
  labels: Record<string, string> = {};
  taints: Taint[] = [];
  unschedulable = false;
  allocatable: Resource = emptyResource();
  allowedPodNumber = 0;
  /** Sum of the requests of pods on this node. */
  requested: Resource = emptyResource();
  /** Same with upstream's non-zero defaults, for scoring. */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  readonly pods = new Map<string, PodInfo>();
  /** "protocol/ip/port" → count. */
  readonly usedPorts = new Map<string, number>();
  /** normalized image name → size in bytes (node.status.images). */
  images = new Map<string, number>();
  /** Pods with any pod (anti-)affinity term / with required anti-affinity terms (InterPodAffinity skips nodes without). */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Bumped on every change (lets callers cache per-node results). */
  generation = 0;

  constructor(readonly name: string) {}

  setNode(node: KubeObject): void {
    this.node = node;
    this.labels = node.metadata.labels ?? {};
    this.taints = nodeTaints(node);
    const spec = isPlainObject(node.spec) ? node.spec : {};
    this.unschedulable = spec.unschedulable === true;
    const status = isPlainObject(node.status) ? node.status : {};
    const alloc = (isPlainObject(status.allocatable) ? status.allocatable : isPlainObject(status.capacity) ? status.capacity : {}) as Obj;
    const a = emptyResource();
    for (const [k, q] of Object.entries(alloc)) {
      if (k === 'cpu') a.milliCPU = milliValue(q);
      else if (k === 'memory') a.memory = value(q);
      else if (k === 'ephemeral-storage') a.ephemeralStorage = value(q);
      else if (k !== 'pods') {
        a.scalar ??= new Map();
        a.scalar.set(k, value(q));
      }
    }
    this.allocatable = a;
    this.allowedPodNumber = value(alloc.pods);
    const images = new Map<string, number>();
    for (const img of Array.isArray(status.images) ? status.images : []) {
      if (!isPlainObject(img)) continue;
      const size = typeof img.sizeBytes === 'number' ? img.sizeBytes : 0;
      for (const n of Array.isArray(img.names) ? img.names : []) if (typeof n === 'string') images.set(normalizeImageName(n), size);
    }
    this.images = images;
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.key)) this.removePod(pi.key);
    this.pods.set(pi.key, pi);
    this.account(pi, 1);
    this.generation++;
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.pods.get(key);
    if (!pi) return undefined;
    this.pods.delete(key);
    this.account(pi, -1);
    this.generation++;
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.requests;
    this.requested.milliCPU += sign * r.milliCPU;
    this.requested.memory += sign * r.memory;
    this.requested.ephemeralStorage += sign * r.ephemeralStorage;
    if (r.scalar) {
      this.requested.scalar ??= new Map();
      for (const [k, v] of r.scalar) this.requested.scalar.set(k, (this.requested.scalar.get(k) ?? 0) + sign * v);
    }
    if (pi.hasAffinity) this.podsWithAffinity += sign;
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity += sign;
    this.nonZeroMilliCPU += sign * pi.nonZeroMilliCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    for (const p of pi.hostPorts) {
      const k = portKey(p);
      const n = (this.usedPorts.get(k) ?? 0) + sign;
      if (n <= 0) this.usedPorts.delete(k);
      else this.usedPorts.set(k, n);
    }
  }

  /** A copy for what-if runs (preemption); PodInfos are shared (immutable). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.allocatable = this.allocatable;
    c.allowedPodNumber = this.allowedPodNumber;
    c.images = this.images;
    for (const pi of this.pods.values()) c.addPod(pi);
    c.generation = this.generation;
    return c;
  }
}

export function portKey(p: HostPort): string {
  return `${p.protocol}/${p.hostIP}/${p.port}`;
}
