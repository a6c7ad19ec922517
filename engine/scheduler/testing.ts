/**
 * Fixture builders for scheduler, node and controller tests: an in-memory engine (store on
 * ':memory:', the real REST layer and in-process client, no HTTP) and Node/Pod builders.
 */
import { hostname } from 'node:os';
import type { Clock } from '../api/clock.js';
import { FakeClock } from '../api/clock.js';
import { buildRegistry } from '../api/resources/index.js';
import type { KubeObject } from '../api/types.js';
import { installAdmission } from '../apiserver/admission.js';
import { Rest } from '../apiserver/rest.js';
import { Client } from '../client/client.js';
import type { EngineContext } from '../component.js';
import { defaultNetwork } from '../network.js';
import { Store } from '../store/store.js';
import type { Taint, Toleration } from './util/taints.js';
import { podInfo, type PodInfo } from './framework/podinfo.js';
import { NodeInfo } from './framework/nodeinfo.js';

export interface TestEngine {
  store: Store;
  rest: Rest;
  client: Client;
  clock: Clock;
  ctx: EngineContext;
  close(): void;
}

export function newTestEngine(opts: { clock?: Clock; identity?: string } = {}): TestEngine {
  const clock = opts.clock ?? new FakeClock(Date.now());
  const store = new Store({ path: ':memory:' });
  const registry = buildRegistry();
  const rest = new Rest(store, registry, clock);
  installAdmission(rest);
  const client = new Client(rest, registry);
  const ns = client.resource('', 'Namespace');
  for (const name of ['default', 'kube-system', 'kube-node-lease']) ns.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const ctx: EngineContext = {
    client,
    rest,
    registry,
    clock,
    dataDir: '/nonexistent',
    nodeName: 'skiff-node',
    clusterName: 'test',
    apiServer: { url: 'https://127.0.0.1:0', caCert: '', token: '' },
    features: {},
    identity: opts.identity ?? `${hostname()}_test`,
    network: defaultNetwork('test', {}),
  };
  return { store, rest, client, clock, ctx, close: () => store.close() };
}

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
  ready?: boolean;
  extra?: Record<string, string>;
}

export function makeNode(name: string, o: NodeOptions = {}): KubeObject {
  const capacity: Record<string, string> = {
    cpu: o.cpu ?? '4',
    memory: o.memory ?? '8Gi',
    pods: o.pods ?? '110',
    'ephemeral-storage': o.ephemeralStorage ?? '100Gi',
    ...(o.extra ?? {}),
  };
  const spec: Record<string, unknown> = {};
  if (o.taints) spec.taints = o.taints;
  if (o.unschedulable) spec.unschedulable = true;
  const status: Record<string, unknown> = {
    capacity,
    allocatable: { ...capacity },
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
  };
  if (o.images) status.images = o.images;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec,
    status,
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  containers?: { name?: string; image?: string; cpu?: string; memory?: string; hostPort?: number }[];
  initContainers?: { name?: string; cpu?: string; memory?: string; restartPolicy?: string }[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  tolerations?: Toleration[];
  labels?: Record<string, string>;
  priority?: number;
  preemptionPolicy?: string;
  topologySpreadConstraints?: Record<string, unknown>[];
  schedulerName?: string;
  image?: string;
  terminationGracePeriodSeconds?: number;
  overhead?: Record<string, string>;
  phase?: string;
}

function container(name: string, image: string, cpu?: string, memory?: string, hostPort?: number, restartPolicy?: string): Record<string, unknown> {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  const c: Record<string, unknown> = { name, image, resources: Object.keys(requests).length ? { requests } : {} };
  if (hostPort) c.ports = [{ containerPort: hostPort, hostPort, protocol: 'TCP' }];
  if (restartPolicy) c.restartPolicy = restartPolicy;
  return c;
}

export function makePod(name: string, o: PodOptions = {}): KubeObject {
  const containers = o.containers
    ? o.containers.map((c, i) => container(c.name ?? `c${i}`, c.image ?? o.image ?? 'busybox:1.36', c.cpu, c.memory, c.hostPort))
    : [container('app', o.image ?? 'busybox:1.36', o.cpu, o.memory)];
  const spec: Record<string, unknown> = { containers };
  if (o.initContainers) spec.initContainers = o.initContainers.map((c, i) => container(c.name ?? `init${i}`, 'busybox:1.36', c.cpu, c.memory, undefined, c.restartPolicy));
  if (o.nodeName) spec.nodeName = o.nodeName;
  if (o.nodeSelector) spec.nodeSelector = o.nodeSelector;
  if (o.affinity) spec.affinity = o.affinity;
  if (o.tolerations) spec.tolerations = o.tolerations;
  if (o.priority !== undefined) spec.priority = o.priority;
  if (o.preemptionPolicy) spec.preemptionPolicy = o.preemptionPolicy;
  if (o.topologySpreadConstraints) spec.topologySpreadConstraints = o.topologySpreadConstraints;
  if (o.schedulerName) spec.schedulerName = o.schedulerName;
  if (o.terminationGracePeriodSeconds !== undefined) spec.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds;
  if (o.overhead) spec.overhead = o.overhead;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels ?? {} },
    spec,
  };
  if (o.phase) pod.status = { phase: o.phase };
  return pod;
}

/** A PodInfo straight from a builder (plugin unit tests, no store). */
export function pi(name: string, o: PodOptions = {}): PodInfo {
  return podInfo(makePod(name, o));
}

/** A NodeInfo with pods on it (plugin unit tests, no store). */
export function ni(node: KubeObject, pods: KubeObject[] = []): NodeInfo {
  const n = new NodeInfo(node.metadata.name as string);
  n.setNode(node);
  for (const p of pods) n.addPod(podInfo({ ...p, spec: { ...(p.spec as object), nodeName: node.metadata.name } }));
  return n;
}

/** Waits until `fn` returns something truthy (polling the event loop), or throws. */
export async function until<T>(fn: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
