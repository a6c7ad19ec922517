/**
 * PodInfo: what the scheduler needs from a Pod, computed once per object version (the store's
 * objects are immutable and shared, so a WeakMap keyed by the object is a safe memo).
 *
 * Requests follow upstream's resource.PodRequests (k8s.io/component-helpers/resource):
 *   containers are summed; an init container runs alone, so the pod needs
 *   max(sum(containers), each init container); restartable init containers (sidecars,
 *   restartPolicy: Always) keep running, so they add to everything started after them;
 *   spec.overhead is added on top.
 * For scoring, a container without a request counts as 100m cpu / 200Mi memory (upstream's
 * non-zero defaults), so best-effort pods still spread across nodes.
 */
import { milliValue, value } from '../../api/quantity.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { Toleration } from '../util/taints.js';
import { normalizeImageName } from '../util/images.js';
import { parsePreferredTerms, parseRequiredTerms, type AffinityTerm, type WeightedAffinityTerm } from '../util/podaffinity.js';

type Obj = Record<string, unknown>;

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and hugepage resources, in whole units. */
  scalar?: Map<string, number>;
}

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0 };
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  minDomains?: number;
  matchLabelKeys?: string[];
  nodeAffinityPolicy?: 'Honor' | 'Ignore';
  nodeTaintsPolicy?: 'Honor' | 'Ignore';
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
}

export interface PodInfo {
  readonly pod: KubeObject;
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Record<string, string>;
  readonly nodeName: string;
  readonly schedulerName: string;
  readonly nodeSelector: Record<string, string> | undefined;
  readonly nodeAffinity: NodeAffinity | undefined;
  readonly tolerations: Toleration[];
  readonly topologySpreadConstraints: TopologySpreadConstraint[];
  readonly requests: Resource;
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly priority: number;
  readonly preemptionPolicy: string;
  readonly hostPorts: HostPort[];
  /** Normalized image names of all containers. */
  readonly images: string[];
  readonly terminating: boolean;
  /** Succeeded or Failed: holds no resources any more. */
  readonly terminal: boolean;
  readonly nominatedNodeName: string;
  /** spec.affinity.podAffinity / podAntiAffinity, parsed (InterPodAffinity). */
  readonly requiredAffinityTerms: AffinityTerm[];
  readonly requiredAntiAffinityTerms: AffinityTerm[];
  readonly preferredAffinityTerms: WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: WeightedAffinityTerm[];
  /** Any of the four above is non-empty (upstream NodeInfo.PodsWithAffinity). */
  readonly hasAffinity: boolean;
  /** Claims the pod's volumes use: persistentVolumeClaim.claimName, or <pod>-<volume> for ephemeral volumes. */
  readonly claims: { name: string; ephemeral: boolean }[];
}

const memo = new WeakMap<KubeObject, PodInfo>();

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.filter(isPlainObject) as Obj[]) : [];
}

function addList(r: Resource, list: Obj): void {
  for (const [name, q] of Object.entries(list)) {
    if (name === 'cpu') r.milliCPU += milliValue(q);
    else if (name === 'memory') r.memory += value(q);
    else if (name === 'ephemeral-storage') r.ephemeralStorage += value(q);
    else if (name !== 'pods') {
      r.scalar ??= new Map();
      r.scalar.set(name, (r.scalar.get(name) ?? 0) + value(q));
    }
  }
}

function addResource(a: Resource, b: Resource): void {
  a.milliCPU += b.milliCPU;
  a.memory += b.memory;
  a.ephemeralStorage += b.ephemeralStorage;
  if (b.scalar) {
    a.scalar ??= new Map();
    for (const [k, v] of b.scalar) a.scalar.set(k, (a.scalar.get(k) ?? 0) + v);
  }
}

function maxResource(a: Resource, b: Resource): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  if (b.scalar) {
    a.scalar ??= new Map();
    for (const [k, v] of b.scalar) a.scalar.set(k, Math.max(a.scalar.get(k) ?? 0, v));
  }
}

function copy(r: Resource): Resource {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar ? new Map(r.scalar) : undefined };
}

function containerRequests(c: Obj, nonZero: boolean): Resource {
  const r = emptyResource();
  addList(r, obj(obj(c.resources).requests));
  if (nonZero) {
    const req = obj(obj(c.resources).requests);
    if (req.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/** Pod requests per resource.PodRequests (sidecar-aware init container max rule, plus overhead). */
export function podRequests(spec: Obj, nonZero = false): Resource {
  const reqs = emptyResource();
  for (const c of arr(spec.containers)) addResource(reqs, containerRequests(c, nonZero));
  const restartable = emptyResource();
  const initMax = emptyResource();
  for (const ic of arr(spec.initContainers)) {
    const r = containerRequests(ic, nonZero);
    if (ic.restartPolicy === 'Always') {
      addResource(reqs, r);
      addResource(restartable, r);
      maxResource(initMax, copy(restartable));
    } else {
      const tmp = copy(r);
      addResource(tmp, restartable);
      maxResource(initMax, tmp);
    }
  }
  maxResource(reqs, initMax);
  if (isPlainObject(spec.overhead)) addList(reqs, spec.overhead);
  return reqs;
}

export function podInfo(pod: KubeObject): PodInfo {
  let pi = memo.get(pod);
  if (pi) return pi;
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const requests = podRequests(spec);
  const nonZero = podRequests(spec, true);
  const hostPorts: HostPort[] = [];
  const images: string[] = [];
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    if (typeof c.image === 'string') images.push(normalizeImageName(c.image));
    for (const p of arr(c.ports)) {
      if (typeof p.hostPort === 'number' && p.hostPort > 0) {
        hostPorts.push({ protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP', hostIP: typeof p.hostIP === 'string' && p.hostIP ? p.hostIP : '0.0.0.0', port: p.hostPort });
      }
    }
  }
  const affinity = obj(spec.affinity);
  const phase = status.phase;
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const podAff = obj(affinity.podAffinity);
  const podAnti = obj(affinity.podAntiAffinity);
  const requiredAffinityTerms = parseRequiredTerms(podAff.requiredDuringSchedulingIgnoredDuringExecution, ns);
  const requiredAntiAffinityTerms = parseRequiredTerms(podAnti.requiredDuringSchedulingIgnoredDuringExecution, ns);
  const preferredAffinityTerms = parsePreferredTerms(podAff.preferredDuringSchedulingIgnoredDuringExecution, ns);
  const preferredAntiAffinityTerms = parsePreferredTerms(podAnti.preferredDuringSchedulingIgnoredDuringExecution, ns);
  const claims: { name: string; ephemeral: boolean }[] = [];
  for (const v of arr(spec.volumes)) {
    const pvc = obj(v.persistentVolumeClaim);
    if (typeof pvc.claimName === 'string' && pvc.claimName) claims.push({ name: pvc.claimName, ephemeral: false });
    else if (isPlainObject(v.ephemeral) && typeof v.name === 'string') claims.push({ name: `${name}-${v.name}`, ephemeral: true });
  }
  pi = {
    pod,
    key: `${ns}/${name}`,
    namespace: ns,
    name,
    uid: pod.metadata.uid ?? '',
    labels: pod.metadata.labels ?? {},
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    schedulerName: typeof spec.schedulerName === 'string' && spec.schedulerName ? spec.schedulerName : 'default-scheduler',
    nodeSelector: isPlainObject(spec.nodeSelector) && Object.keys(spec.nodeSelector).length ? (spec.nodeSelector as Record<string, string>) : undefined,
    nodeAffinity: isPlainObject(affinity.nodeAffinity) ? (affinity.nodeAffinity as NodeAffinity) : undefined,
    tolerations: arr(spec.tolerations) as Toleration[],
    topologySpreadConstraints: arr(spec.topologySpreadConstraints) as unknown as TopologySpreadConstraint[],
    requests,
    nonZeroMilliCPU: nonZero.milliCPU,
    nonZeroMemory: nonZero.memory,
    priority: typeof spec.priority === 'number' ? spec.priority : 0,
    preemptionPolicy: typeof spec.preemptionPolicy === 'string' ? spec.preemptionPolicy : 'PreemptLowerPriority',
    hostPorts,
    images,
    terminating: pod.metadata.deletionTimestamp !== undefined,
    terminal: phase === 'Succeeded' || phase === 'Failed',
    nominatedNodeName: typeof status.nominatedNodeName === 'string' ? status.nominatedNodeName : '',
    requiredAffinityTerms,
    requiredAntiAffinityTerms,
    preferredAffinityTerms,
    preferredAntiAffinityTerms,
    hasAffinity: requiredAffinityTerms.length + requiredAntiAffinityTerms.length + preferredAffinityTerms.length + preferredAntiAffinityTerms.length > 0,
    claims,
  };
  memo.set(pod, pi);
  return pi;
}
