/**
 * Test fixtures for controllers: an in-memory engine (SQLite ':memory:' store, the real REST
 * layer with admission, the in-process client, a fake clock) and builders for the objects
 * controller tests need, in upstream's style (newPod(), newReplicaSet(), newDeployment() …).
 *
 *   const env = newTestEnv();
 *   const rs = env.create(newReplicaSet('web', 3, { app: 'web' }));
 *   const c = new ReplicaSetController(env.ctx, { recorder: env.recorder });
 *   c.start();
 *   await settle(c);
 *   …
 *   env.close();
 *
 * Nothing here is used in production code paths.
 */
import { FakeClock } from '../../api/clock.js';
import * as errors from '../../api/errors.js';
import { buildRegistry } from '../../api/resources/index.js';
import type { Registry } from '../../api/registry.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { clone } from '../../api/types.js';
import { Rest } from '../../apiserver/rest.js';
import { installAdmission } from '../../apiserver/admission.js';
import { Client } from '../../client/client.js';
import type { EngineContext } from '../../component.js';
import { Store } from '../../store/store.js';
import { defaultNetwork } from '../../network.js';
import type { EventRecorder, ObjectReference } from '../../events/recorder.js';
import type { Pod, PodCondition } from './pods.js';
import { metaTime } from './controller.js';

export interface RecordedEvent {
  object: string;
  type: string;
  reason: string;
  message: string;
}

/** A recorder that keeps events in memory for assertions. */
export class FakeRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];
  event(obj: KubeObject | ObjectReference, type: string, reason: string, message: string): void {
    const name = 'metadata' in obj ? obj.metadata.name : obj.name;
    this.events.push({ object: String(name), type, reason, message });
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

export interface TestEnv {
  clock: FakeClock;
  store: Store;
  registry: Registry;
  rest: Rest;
  client: Client;
  ctx: EngineContext;
  recorder: FakeRecorder;
  /** Creates an object (as the engine's own components do) and returns the stored copy. */
  create<T extends KubeObject>(obj: T): T;
  get<T extends KubeObject = KubeObject>(group: string, kind: string, namespace: string | undefined, name: string): T | undefined;
  list<T extends KubeObject = KubeObject>(group: string, kind: string, namespace?: string, labelSelector?: string): T[];
  /** Reads, changes and writes an object (status too when `status`). */
  modify<T extends KubeObject = KubeObject>(group: string, kind: string, namespace: string | undefined, name: string, fn: (o: T) => void, status?: boolean): T;
  close(): void;
}

const KINDS: Record<string, string> = {
  Pod: '',
  ReplicaSet: 'apps',
  Deployment: 'apps',
  ReplicationController: '',
  Service: '',
  Endpoints: '',
  Namespace: '',
  ServiceAccount: '',
  ConfigMap: '',
  Secret: '',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
  EndpointSlice: 'discovery.k8s.io',
};

export function newTestEnv(opts: { namespaces?: string[]; start?: number } = {}): TestEnv {
  const clock = new FakeClock(opts.start ?? Date.UTC(2025, 0, 1));
  const store = new Store({ path: ':memory:' });
  const registry = buildRegistry();
  const rest = new Rest(store, registry, clock);
  installAdmission(rest);
  const client = new Client(rest, registry);
  const ctx: EngineContext = {
    client,
    rest,
    registry,
    clock,
    dataDir: '',
    nodeName: 'node-1',
    clusterName: 'test',
    apiServer: { url: 'https://127.0.0.1:6443', caCert: '-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n', token: 'token' },
    features: {},
    identity: 'test',
    network: defaultNetwork('test'),
  };
  const nsClient = client.resource('', 'Namespace');
  for (const name of opts.namespaces ?? ['default']) nsClient.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const groupOf = (o: KubeObject) => {
    const g = KINDS[o.kind as string];
    if (g === undefined) throw new Error(`testing: unknown kind ${o.kind}`);
    return g;
  };
  return {
    clock,
    store,
    registry,
    rest,
    client,
    ctx,
    recorder: new FakeRecorder(),
    create<T extends KubeObject>(obj: T): T {
      return client.resource<T>(groupOf(obj), obj.kind as string).create(obj);
    },
    get<T extends KubeObject>(group: string, kind: string, namespace: string | undefined, name: string) {
      return client.resource<T>(group, kind).get(namespace, name);
    },
    list<T extends KubeObject>(group: string, kind: string, namespace?: string, labelSelector?: string) {
      return client.resource<T>(group, kind).list(namespace, { labelSelector }).items;
    },
    modify<T extends KubeObject>(group: string, kind: string, namespace: string | undefined, name: string, fn: (o: T) => void, status?: boolean): T {
      const r = client.resource<T>(group, kind).modify(namespace, name, (o) => fn(o), { status });
      if (!r) throw new Error(`testing: ${kind} ${namespace}/${name} not found`);
      return r;
    },
    close() {
      store.close();
    },
  };
}

/** Something with a drainable queue (every controller here). */
export interface Drainable {
  drain(): Promise<number>;
}

/**
 * Makes creates of `kind` fail as ResourceQuota admission rejects them: 403 Forbidden with
 * upstream's message (`pods "<name>" is forbidden: exceeded quota: …`), while `on` is true.
 * `messages` collects what was answered, so tests can compare events and conditions with it.
 */
export function rejectCreatesLikeQuota(env: TestEnv, kind = 'Pod'): { on: boolean; messages: string[] } {
  const state = { on: true, messages: [] as string[] };
  env.rest.addAdmission((obj, _old, a) => {
    if (!state.on || a.op !== 'create' || a.def.kind !== kind) return;
    const msg = `${a.def.plural} "${obj.metadata.name}" is forbidden: exceeded quota: compute, requested: ${a.def.plural}=1, used: ${a.def.plural}=0, limited: ${a.def.plural}=0`;
    state.messages.push(msg);
    throw errors.forbidden(msg);
  });
  return state;
}

/** Runs every controller's queue until none has work left. */
export async function settle(...controllers: Drainable[]): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    let n = 0;
    for (const c of controllers) n += await c.drain();
    if (n === 0) return;
  }
  throw new Error('controllers did not settle');
}

// ---- builders

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  nodeName?: string;
  phase?: string;
  ready?: boolean;
  /** Ready condition's lastTransitionTime. */
  readySince?: string;
  podIP?: string;
  restarts?: number;
  hostname?: string;
  subdomain?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  creationTimestamp?: string;
}

export function newPod(name: string, o: PodOptions = {}): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels ?? {} },
    spec: { containers: [{ name: 'c', image: 'busybox:1', ...(o.ports ? { ports: o.ports } : {}) }] },
  };
  if (o.annotations) pod.metadata.annotations = o.annotations;
  if (o.ownerReferences) pod.metadata.ownerReferences = o.ownerReferences;
  if (o.nodeName) pod.spec!.nodeName = o.nodeName;
  if (o.hostname) pod.spec!.hostname = o.hostname;
  if (o.subdomain) pod.spec!.subdomain = o.subdomain;
  const status = podStatus(o);
  if (status) pod.status = status;
  return pod;
}

function podStatus(o: PodOptions): Pod['status'] | undefined {
  if (o.phase === undefined && o.ready === undefined && o.podIP === undefined && o.restarts === undefined) return undefined;
  const st: NonNullable<Pod['status']> = { phase: o.phase ?? (o.ready ? 'Running' : 'Pending') };
  if (o.ready !== undefined) {
    const c: PodCondition = { type: 'Ready', status: o.ready ? 'True' : 'False' };
    if (o.readySince) c.lastTransitionTime = o.readySince;
    st.conditions = [c];
  }
  if (o.podIP) {
    st.podIP = o.podIP;
    st.podIPs = [{ ip: o.podIP }];
  }
  if (o.restarts !== undefined) st.containerStatuses = [{ name: 'c', ready: !!o.ready, restartCount: o.restarts }];
  return st;
}

/**
 * Sets a pod's status as a kubelet would: phase, Ready condition (transition time = now unless
 * given), IP, node. Writes through the status subresource.
 */
export function setPodStatus(env: TestEnv, namespace: string, name: string, o: PodOptions): Pod {
  if (o.nodeName && !env.get<Pod>('', 'Pod', namespace, name)?.spec?.nodeName) env.client.bind(namespace, name, o.nodeName);
  return env.modify<Pod>('', 'Pod', namespace, name, (p) => {
    const prev = p.status ?? {};
    const next = podStatus({ ...o, readySince: o.readySince ?? metaTime(env.clock.now()) }) ?? {};
    p.status = { ...prev, ...next };
  }, true);
}

/** Marks every pod matching `labelSelector` in `namespace` Running and Ready now. */
export function markPodsReady(env: TestEnv, namespace: string, labelSelector: string, filter: (p: Pod) => boolean = () => true): number {
  let n = 0;
  for (const p of env.list<Pod>('', 'Pod', namespace, labelSelector)) {
    if (p.metadata.deletionTimestamp || !filter(p)) continue;
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    setPodStatus(env, namespace, p.metadata.name as string, { phase: 'Running', ready: true, podIP: p.status?.podIP });
    n++;
  }
  return n;
}

export interface TemplateOptions {
  namespace?: string;
  image?: string;
  annotations?: Record<string, string>;
  selector?: Record<string, string>;
  minReadySeconds?: number;
}

function template(labels: Record<string, string>, o: TemplateOptions) {
  return {
    metadata: { labels: { ...labels }, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { containers: [{ name: 'c', image: o.image ?? 'busybox:1' }] },
  };
}

export function newReplicaSet(name: string, replicas: number, labels: Record<string, string>, o: TemplateOptions = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: o.namespace ?? 'default', labels: { ...labels } },
    spec: {
      replicas,
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      selector: { matchLabels: o.selector ?? { ...labels } },
      template: template(labels, o),
    },
  };
}

export function newReplicationController(name: string, replicas: number, labels: Record<string, string>, o: TemplateOptions = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: { replicas, selector: o.selector ?? { ...labels }, template: template(labels, o) },
  };
}

export interface DeploymentOptions extends TemplateOptions {
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

export function newDeployment(name: string, replicas: number, labels: Record<string, string>, o: DeploymentOptions = {}): KubeObject {
  const strategy: Record<string, unknown> = { type: o.strategy ?? 'RollingUpdate' };
  if ((o.strategy ?? 'RollingUpdate') === 'RollingUpdate' && (o.maxSurge !== undefined || o.maxUnavailable !== undefined)) {
    strategy.rollingUpdate = {
      ...(o.maxSurge !== undefined ? { maxSurge: o.maxSurge } : {}),
      ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}),
    };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: o.namespace ?? 'default', labels: { ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: o.selector ?? { ...labels } },
      template: template(labels, o),
      strategy,
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.paused ? { paused: true } : {}),
    },
  };
}

export interface ServiceOptions {
  namespace?: string;
  ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
}

export function newService(name: string, selector: Record<string, string> | undefined, o: ServiceOptions = {}): KubeObject {
  const spec: Record<string, unknown> = { ports: o.ports ?? [{ port: 80, targetPort: 8080 }] };
  if (selector) spec.selector = selector;
  if (o.clusterIP) spec.clusterIP = o.clusterIP;
  if (o.publishNotReadyAddresses) spec.publishNotReadyAddresses = true;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: o.namespace ?? 'default', ...(o.labels ? { labels: o.labels } : {}) }, spec };
}

export function newNamespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** A deep copy, for tests that keep a snapshot. */
export function snapshot<T>(o: T): T {
  return clone(o);
}
