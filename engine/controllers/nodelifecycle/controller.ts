/**
 * The node lifecycle controller (upstream pkg/controller/nodelifecycle plus the taint eviction
 * controller): notices nodes that stopped reporting, taints them, and evicts their pods so
 * their controllers recreate them on healthy nodes — the self-healing across nodes the seeds
 * describe.
 *
 * Health: a node is alive while its Lease in kube-node-lease is renewed (or its Ready
 * condition's heartbeat changes). The time is the *controller's* clock when it saw the change,
 * not the timestamps written by the node (no clock-skew trouble). After the grace period
 * (40 s; SKIFF_NODE_MONITOR_GRACE_PERIOD or the option for tests) without news, the node's
 * Ready/MemoryPressure/DiskPressure/PIDPressure conditions become Unknown ("NodeStatusUnknown",
 * "Kubelet stopped posting node status."), its pods turn Ready=False, and events are recorded.
 *
 * Taints follow the conditions, as upstream's TaintNodesByCondition and NoExecute tainting:
 *   Ready=False   → node.kubernetes.io/not-ready:NoSchedule   + :NoExecute
 *   Ready=Unknown → node.kubernetes.io/unreachable:NoSchedule + :NoExecute
 *   spec.unschedulable → node.kubernetes.io/unschedulable:NoSchedule; pressures → their taints
 * and are removed when the node's own agent reports Ready=True again.
 *
 * Evictions (NoExecute): a pod on a node with NoExecute taints it doesn't tolerate is deleted
 * at once; one that tolerates them for tolerationSeconds is deleted that long after the taint
 * was seen (pods get 300 s for not-ready/unreachable by default admission); no
 * tolerationSeconds means it stays. Before deleting, the pod gets a DisruptionTarget condition
 * and a TaintManagerEviction event, as upstream.
 *
 * Disruption modes (upstream zone states): if every node of every zone is not ready, the
 * controller assumes the problem is on its side and adds no NoExecute taints (and removes
 * them); a zone with more than 2 and at least 55% of its nodes not ready gets no new NoExecute
 * taints either (upstream's rate for small clusters is 0). Not done: the rate limiting of
 * tainting in the normal state (upstream taints 0.1 node/s).
 *
 * If the engine itself was suspended (laptop sleep) longer than the grace period, nodes are
 * given a fresh grace period instead of being declared dead for the controller's own absence.
 */
import type { Clock } from '../../api/clock.js';
import { realClock } from '../../api/clock.js';
import * as errors from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import { Informer, keyOf } from '../../client/informer.js';
import { Recorder, type EventRecorder } from '../../events/recorder.js';
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  nodeTaints,
  toleratesTaint,
  type Taint,
  type Toleration,
} from '../../scheduler/util/taints.js';

type Obj = Record<string, unknown>;

export const DEFAULT_GRACE_PERIOD_MS = 40_000;
const UNHEALTHY_ZONE_THRESHOLD = 0.55;

/** Taints this controller owns (key:effect); it never touches others. */
const MANAGED = new Set([
  `${TAINT_NODE_NOT_READY}:NoSchedule`,
  `${TAINT_NODE_NOT_READY}:NoExecute`,
  `${TAINT_NODE_UNREACHABLE}:NoSchedule`,
  `${TAINT_NODE_UNREACHABLE}:NoExecute`,
  `${TAINT_NODE_UNSCHEDULABLE}:NoSchedule`,
  `${TAINT_NODE_MEMORY_PRESSURE}:NoSchedule`,
  `${TAINT_NODE_DISK_PRESSURE}:NoSchedule`,
  `${TAINT_NODE_PID_PRESSURE}:NoSchedule`,
  `${TAINT_NODE_NETWORK_UNAVAILABLE}:NoSchedule`,
]);

const CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
  /** How long a node may stay silent before it is marked Unknown (ms). */
  gracePeriodMs?: number;
  /** How often node health is checked (ms). */
  monitorPeriodMs?: number;
  /** How often due evictions are looked for (ms). */
  evictionPeriodMs?: number;
  /** Run timers (unit tests call monitor()/processEvictions() with a fake clock). */
  timers?: boolean;
  /** Give nodes a fresh grace period after the engine was suspended (on by default with timers). */
  detectSuspend?: boolean;
}

interface Health {
  /** When this controller last saw the node alive (ms, its own clock). */
  probeMs: number;
  leaseRenewTime?: string;
  readyHeartbeat?: string;
}

interface PendingEviction {
  uid: string;
  node: string;
  startMs: number;
  dueMs: number;
}

/** Parses "40s", "1m30s", "500ms" or a plain number of seconds. */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    matched += m[0];
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  return matched === text ? total : undefined;
}

function conditions(node: KubeObject): Obj[] {
  const status = isPlainObject(node.status) ? node.status : {};
  return (Array.isArray(status.conditions) ? status.conditions : []).filter(isPlainObject) as Obj[];
}

function readyOf(node: KubeObject): Obj | undefined {
  return conditions(node).find((c) => c.type === 'Ready');
}

function zoneOf(node: KubeObject): string {
  const l = node.metadata.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return `${region}:\u0000:${zone}`;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export class NodeLifecycleController {
  readonly nodeInformer: Informer;
  readonly leaseInformer: Informer;
  readonly podInformer: Informer;
  readonly gracePeriodMs: number;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly ownRecorder: Recorder | undefined;
  private readonly health = new Map<string, Health>();
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly evictions = new Map<string, PendingEviction>();
  private readonly dirtyNodes = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private lastMonitorMs = 0;
  private stopped = false;
  private scheduled = false;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.gracePeriodMs = opts.gracePeriodMs ?? parseDurationMs(process.env.SKIFF_NODE_MONITOR_GRACE_PERIOD) ?? DEFAULT_GRACE_PERIOD_MS;
    if (opts.recorder) this.recorder = opts.recorder;
    else {
      this.ownRecorder = new Recorder(this.client, { component: 'node-controller', clock: this.clock });
      this.recorder = this.ownRecorder;
    }
    this.nodeInformer = new Informer(this.client.resource('', 'Node'));
    this.leaseInformer = new Informer(this.client.resource('coordination.k8s.io', 'Lease'), 'kube-node-lease');
    this.podInformer = new Informer(this.client.resource('', 'Pod'));
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  start(): void {
    this.nodeInformer.addHandler({
      add: (n) => {
        this.observeNode(n);
        this.markDirty(n.metadata.name as string);
      },
      update: (_o, n) => {
        this.observeNode(n);
        this.markDirty(n.metadata.name as string);
      },
      delete: (n) => {
        this.health.delete(n.metadata.name as string);
      },
    });
    this.leaseInformer.addHandler({
      add: (l) => this.observeLease(l),
      update: (_o, l) => this.observeLease(l),
    });
    this.podInformer.addHandler({
      add: (p) => this.indexPod(p),
      update: (o, p) => {
        const before = this.nodeNameOf(o);
        if (before && before !== this.nodeNameOf(p)) this.podsByNode.get(before)?.delete(keyOf(p));
        this.indexPod(p);
      },
      delete: (p) => {
        this.podsByNode.get(this.nodeNameOf(p))?.delete(keyOf(p));
        this.evictions.delete(keyOf(p));
      },
    });
    this.leaseInformer.start();
    this.nodeInformer.start();
    this.podInformer.start();
    this.lastMonitorMs = this.now();
    if (this.opts.timers !== false) {
      const t1 = setInterval(() => this.safe(() => this.monitor()), this.opts.monitorPeriodMs ?? 5000);
      const t2 = setInterval(() => this.safe(() => this.processEvictions()), this.opts.evictionPeriodMs ?? 500);
      t1.unref();
      t2.unref();
      this.timers.push(t1, t2);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.nodeInformer.stop();
    this.leaseInformer.stop();
    this.podInformer.stop();
    this.ownRecorder?.stop();
  }

  private safe(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (e) {
      console.error(`node lifecycle: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private nodeNameOf(p: KubeObject): string {
    const spec = isPlainObject(p.spec) ? p.spec : {};
    return typeof spec.nodeName === 'string' ? spec.nodeName : '';
  }

  private indexPod(p: KubeObject): void {
    const node = this.nodeNameOf(p);
    if (!node) return;
    let s = this.podsByNode.get(node);
    if (!s) {
      s = new Set();
      this.podsByNode.set(node, s);
    }
    s.add(keyOf(p));
    // A pod landing on a NoExecute-tainted node is looked at soon (handlers don't write).
    if (this.nodeInformer.get(undefined, node) && nodeTaints(this.nodeInformer.get(undefined, node) as KubeObject).some((t) => t.effect === 'NoExecute')) this.markDirty(node);
  }

  private markDirty(node: string): void {
    this.dirtyNodes.add(node);
    if (this.opts.timers === false || this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.safe(() => this.reconcileDirty());
    });
  }

  /** Taint and eviction bookkeeping for nodes that changed (no health decisions). */
  reconcileDirty(): void {
    const names = [...this.dirtyNodes];
    this.dirtyNodes.clear();
    const disruption = this.disruption();
    for (const name of names) {
      const node = this.nodeInformer.get(undefined, name);
      if (!node) continue;
      this.reconcileTaints(node, disruption);
      this.scheduleEvictions(name);
    }
    this.processEvictions();
  }

  private health_(name: string): Health {
    let h = this.health.get(name);
    if (!h) {
      h = { probeMs: this.now() };
      this.health.set(name, h);
    }
    return h;
  }

  private observeNode(n: KubeObject): void {
    const h = this.health_(n.metadata.name as string);
    const ready = readyOf(n);
    const hb = typeof ready?.lastHeartbeatTime === 'string' ? ready.lastHeartbeatTime : undefined;
    if (hb !== undefined && hb !== h.readyHeartbeat) {
      if (h.readyHeartbeat !== undefined) h.probeMs = this.now();
      h.readyHeartbeat = hb;
    }
  }

  private observeLease(l: KubeObject): void {
    const spec = isPlainObject(l.spec) ? l.spec : {};
    const renew = typeof spec.renewTime === 'string' ? spec.renewTime : undefined;
    const h = this.health_(l.metadata.name as string);
    if (renew !== undefined && renew !== h.leaseRenewTime) {
      if (h.leaseRenewTime !== undefined) h.probeMs = this.now();
      h.leaseRenewTime = renew;
    }
  }

  /** One health pass over all nodes (every monitor period). */
  monitor(): void {
    const now = this.now();
    const suspended = (this.opts.detectSuspend ?? this.opts.timers !== false) && now - this.lastMonitorMs > this.gracePeriodMs;
    this.lastMonitorMs = now;
    const nodes = this.nodeInformer.list();
    for (const node of nodes) {
      const name = node.metadata.name as string;
      const h = this.health_(name);
      if (suspended) {
        // We were not running: nobody could have seen the node; start its grace period again.
        h.probeMs = now;
        continue;
      }
      if (now - h.probeMs <= this.gracePeriodMs) continue;
      const ready = readyOf(node);
      if (ready && ready.status === 'Unknown') continue;
      this.markUnknown(node);
    }
    const disruption = this.disruption();
    for (const node of this.nodeInformer.list()) this.reconcileTaints(node, disruption);
    for (const node of this.nodeInformer.list()) this.scheduleEvictions(node.metadata.name as string);
    this.processEvictions();
  }

  private markUnknown(node: KubeObject): void {
    const name = node.metadata.name as string;
    const ts = rfc3339(this.now());
    const wasReady = readyOf(node)?.status === 'True';
    this.client.resource('', 'Node').modify(
      undefined,
      name,
      (n) => {
        const status = (isPlainObject(n.status) ? n.status : {}) as Obj;
        const conds = conditions(n).map((c) => ({ ...c }));
        for (const type of CONDITION_TYPES) {
          const c = conds.find((x) => x.type === type);
          if (!c) {
            conds.push({
              type,
              status: 'Unknown',
              lastHeartbeatTime: n.metadata.creationTimestamp,
              lastTransitionTime: ts,
              reason: 'NodeStatusNeverUpdated',
              message: 'Kubelet never posted node status.',
            });
          } else if (c.status !== 'Unknown') {
            c.status = 'Unknown';
            c.reason = 'NodeStatusUnknown';
            c.message = 'Kubelet stopped posting node status.';
            c.lastTransitionTime = ts;
          }
        }
        status.conditions = conds;
        n.status = status;
      },
      { status: true },
    );
    this.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    if (wasReady) this.markPodsNotReady(name);
  }

  private markPodsNotReady(nodeName: string): void {
    const pods = this.client.resource('', 'Pod');
    const ts = rfc3339(this.now());
    for (const key of this.podsByNode.get(nodeName) ?? []) {
      const p = this.podInformer.getByKey(key);
      if (!p || this.nodeNameOf(p) !== nodeName) continue;
      const ready = ((isPlainObject(p.status) ? p.status.conditions : undefined) as Obj[] | undefined)?.find((c) => c.type === 'Ready');
      if (!ready || ready.status !== 'True') continue;
      try {
        pods.modify(
          p.metadata.namespace,
          p.metadata.name as string,
          (cur) => {
            const st = (isPlainObject(cur.status) ? cur.status : {}) as Obj;
            st.conditions = ((Array.isArray(st.conditions) ? st.conditions : []) as Obj[]).map((c) => (c.type === 'Ready' && c.status === 'True' ? { ...c, status: 'False', lastTransitionTime: ts } : c));
            cur.status = st;
          },
          { status: true },
        );
        this.recorder.event(p, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        if (!(e instanceof errors.ApiError && e.code === 404)) throw e;
      }
    }
  }

  /**
   * Whether new NoExecute taints may be added, per zone: false in full disruption of all zones
   * ("master disruption mode") and in partial disruption of a zone.
   */
  private disruption(): { allDown: boolean; noNewNoExecute: Set<string> } {
    const zones = new Map<string, { ready: number; notReady: number }>();
    for (const n of this.nodeInformer.list()) {
      const z = zoneOf(n);
      const s = zones.get(z) ?? { ready: 0, notReady: 0 };
      if (readyOf(n)?.status === 'True') s.ready++;
      else s.notReady++;
      zones.set(z, s);
    }
    const noNew = new Set<string>();
    let allDown = zones.size > 0;
    for (const [z, s] of zones) {
      const full = s.ready === 0 && s.notReady > 0;
      if (!full) allDown = false;
      if (!full && s.notReady > 2 && s.notReady / (s.notReady + s.ready) >= UNHEALTHY_ZONE_THRESHOLD) noNew.add(z);
    }
    return { allDown, noNewNoExecute: noNew };
  }

  /** The taints this controller wants on a node (its managed ones only). */
  desiredTaints(node: KubeObject, disruption = this.disruption()): Taint[] {
    const out: Taint[] = [];
    const ready = readyOf(node);
    const spec = isPlainObject(node.spec) ? node.spec : {};
    const conds = conditions(node);
    const cond = (t: string) => conds.find((c) => c.type === t)?.status;
    if (ready?.status === 'False') out.push({ key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' });
    if (ready?.status === 'Unknown') out.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' });
    if (spec.unschedulable === true) out.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
    if (cond('MemoryPressure') === 'True') out.push({ key: TAINT_NODE_MEMORY_PRESSURE, effect: 'NoSchedule' });
    if (cond('DiskPressure') === 'True') out.push({ key: TAINT_NODE_DISK_PRESSURE, effect: 'NoSchedule' });
    if (cond('PIDPressure') === 'True') out.push({ key: TAINT_NODE_PID_PRESSURE, effect: 'NoSchedule' });
    if (cond('NetworkUnavailable') === 'True') out.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
    if (!disruption.allDown && (ready?.status === 'False' || ready?.status === 'Unknown')) {
      const key = ready.status === 'False' ? TAINT_NODE_NOT_READY : TAINT_NODE_UNREACHABLE;
      const existing = nodeTaints(node).find((t) => t.key === key && t.effect === 'NoExecute');
      if (existing) out.push(existing);
      else if (!disruption.noNewNoExecute.has(zoneOf(node))) out.push({ key, effect: 'NoExecute', timeAdded: rfc3339(this.now()) });
    }
    return out;
  }

  private reconcileTaints(node: KubeObject, disruption: { allDown: boolean; noNewNoExecute: Set<string> }): void {
    const current = nodeTaints(node);
    const managedNow = current.filter((t) => MANAGED.has(`${t.key}:${t.effect}`));
    const desired = this.desiredTaints(node, disruption);
    const sig = (ts: Taint[]) => ts.map((t) => `${t.key}:${t.effect}`).sort().join(',');
    if (sig(managedNow) === sig(desired)) return;
    const managedKeys = new Set([...managedNow, ...desired].map((t) => `${t.key}:${t.effect}`));
    this.client.resource('', 'Node').modify(undefined, node.metadata.name as string, (n) => {
      const spec = (isPlainObject(n.spec) ? n.spec : {}) as Obj;
      const others = nodeTaints(n).filter((t) => !managedKeys.has(`${t.key}:${t.effect}`));
      const taints = [...others, ...desired];
      if (taints.length) spec.taints = taints;
      else delete spec.taints;
      n.spec = spec;
    });
  }

  /** Plans (or cancels) NoExecute evictions for the pods on one node. */
  private scheduleEvictions(nodeName: string): void {
    const node = this.nodeInformer.get(undefined, nodeName);
    const noExec = node ? nodeTaints(node).filter((t) => t.effect === 'NoExecute') : [];
    for (const key of this.podsByNode.get(nodeName) ?? []) {
      const pod = this.podInformer.getByKey(key);
      if (!pod || this.nodeNameOf(pod) !== nodeName) continue;
      if (noExec.length === 0 || pod.metadata.deletionTimestamp) {
        this.evictions.delete(key);
        continue;
      }
      const tolerations = ((isPlainObject(pod.spec) ? pod.spec.tolerations : undefined) as Toleration[] | undefined) ?? [];
      const wait = minTolerationMs(noExec, tolerations) ?? 0; // undefined: a taint it doesn't tolerate → now
      if (wait === Infinity) {
        this.evictions.delete(key);
        continue;
      }
      const prev = this.evictions.get(key);
      const start = prev && prev.uid === pod.metadata.uid ? prev.startMs : this.now();
      this.evictions.set(key, { uid: pod.metadata.uid as string, node: nodeName, startMs: start, dueMs: start + wait });
    }
  }

  /** Deletes pods whose toleration time is over. */
  processEvictions(): void {
    const now = this.now();
    for (const [key, ev] of this.evictions) {
      if (ev.dueMs > now) continue;
      this.evictions.delete(key);
      const pod = this.podInformer.getByKey(key);
      if (!pod || pod.metadata.uid !== ev.uid || pod.metadata.deletionTimestamp || this.nodeNameOf(pod) !== ev.node) continue;
      this.evict(pod);
    }
  }

  private evict(pod: KubeObject): void {
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name as string;
    const pods = this.client.resource('', 'Pod');
    const ts = rfc3339(this.now());
    try {
      pods.modify(
        ns,
        name,
        (p) => {
          if (p.metadata.uid !== pod.metadata.uid) return p;
          const st = (isPlainObject(p.status) ? p.status : {}) as Obj;
          const conds = ((Array.isArray(st.conditions) ? st.conditions : []) as Obj[]).filter((c) => c.type !== 'DisruptionTarget');
          conds.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: ts, reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
          st.conditions = conds;
          p.status = st;
        },
        { status: true },
      );
      this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
      pods.delete(ns, name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!(e instanceof errors.ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
  }

  /** Pending evictions (tests, diagnostics): pod key → due time (ms). */
  pendingEvictions(): Map<string, number> {
    return new Map([...this.evictions].map(([k, v]) => [k, v.dueMs]));
  }
}

/**
 * How long a pod may stay on a node with these NoExecute taints: undefined = evict now (some
 * taint not tolerated), Infinity = forever, else the smallest tolerationSeconds (ms).
 */
export function minTolerationMs(taints: Taint[], tolerations: Toleration[]): number | undefined {
  let min = Infinity;
  for (const taint of taints) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return undefined;
    for (const t of matching) {
      if (typeof t.tolerationSeconds === 'number') min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000);
    }
  }
  return min;
}
