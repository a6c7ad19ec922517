/**
 * The scheduler (kube-scheduler's role): watches pods that have no node yet and whose
 * schedulerName is ours, and binds each to a node in two phases, as the seeds describe —
 * filter (which nodes *can* run it) then score (which of those is best).
 *
 *   informers ──► queue (active / backoff / unschedulable) ──pop──► scheduleOne
 *   scheduleOne: PreFilter → Filter over nodes (round-robin start, stop after enough feasible
 *                nodes as upstream's percentageOfNodesToScore) → PostFilter (preemption) if none
 *                → PreScore/Score/Normalize → pick the best (ties: random) → assume → bind
 *   failure:     FailedScheduling Warning event + PodScheduled=False/Unschedulable condition,
 *                pod parked until a cluster event that may help (or its backoff) moves it back
 *
 * Everything a cycle reads comes from the incremental cache (cache.ts); nothing is listed per
 * pod, so the cost per pod is O(nodes examined), not O(nodes × pods). The in-process bind is a
 * synchronous write whose watch event confirms the assumed pod before bind() returns.
 *
 * Besides nodes and pods the scheduler watches namespaces (namespaceSelector in pod affinity
 * terms), PersistentVolumeClaims, PersistentVolumes and StorageClasses (VolumeBinding); changes
 * to the latter move pods that VolumeBinding rejected back to the queue.
 *
 * Upstream parts not done: VolumeRestrictions/VolumeZone/NodeVolumeLimits, extenders, multiple profiles via
 * configuration, the default topology spread constraints, PodDisruptionBudgets in preemption.
 */
import type { Clock } from '../api/clock.js';
import { realClock } from '../api/clock.js';
import * as errors from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Component, EngineContext } from '../component.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { Recorder, type EventRecorder } from '../events/recorder.js';
import { ensureVirtualNodeHost, virtualNodeHostOf } from '../nodes/virtual-controller.js';
import { SchedulerCache } from './cache.js';
import { FitError, NO_NODES_AVAILABLE } from './fiterror.js';
import { Framework } from './framework/framework.js';
import type { NodeInfo } from './framework/nodeinfo.js';
import { podInfo, type PodInfo } from './framework/podinfo.js';
import { CycleState, Status, type ClusterEvent, type FrameworkHandle } from './framework/types.js';
import { DEFAULT_PROFILE, buildPlugins, type Profile } from './plugins/registry.js';
import { SchedulingQueue, type QueueOptions, type QueuedPod } from './queue.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export interface SchedulerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
  profile?: Profile;
  /** 0 = upstream's adaptive default (50% − nodes/125, at least 5%, at least 100 nodes). */
  percentageOfNodesToScore?: number;
  queue?: QueueOptions;
  /** Random source for tie breaks (tests pass a fixed one). */
  random?: () => number;
  /** How long the loop may run before yielding to the event loop, ms. */
  sliceMs?: number;
}

export interface ScheduleResult {
  nodeName: string;
  /** Nodes examined / found feasible (diagnostics, tests). */
  evaluated: number;
  feasible: number;
}

function assigned(pod: KubeObject): boolean {
  const spec = pod.spec as { nodeName?: unknown } | undefined;
  return typeof spec?.nodeName === 'string' && spec.nodeName !== '';
}

function conditionsOf(pod: KubeObject): Record<string, unknown>[] {
  const status = isPlainObject(pod.status) ? pod.status : {};
  return (Array.isArray(status.conditions) ? status.conditions : []).filter(isPlainObject) as Record<string, unknown>[];
}

/** Which scheduler-relevant parts of a node changed (heartbeats alone change nothing). */
export function nodeEvents(oldN: KubeObject, newN: KubeObject): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const os = (isPlainObject(oldN.status) ? oldN.status : {}) as Record<string, unknown>;
  const ns = (isPlainObject(newN.status) ? newN.status : {}) as Record<string, unknown>;
  const osp = (isPlainObject(oldN.spec) ? oldN.spec : {}) as Record<string, unknown>;
  const nsp = (isPlainObject(newN.spec) ? newN.spec : {}) as Record<string, unknown>;
  if (JSON.stringify(os.allocatable) !== JSON.stringify(ns.allocatable)) out.push('NodeAllocatable');
  if (JSON.stringify(oldN.metadata.labels ?? {}) !== JSON.stringify(newN.metadata.labels ?? {})) out.push('NodeLabel');
  if (JSON.stringify(osp.taints ?? []) !== JSON.stringify(nsp.taints ?? [])) out.push('NodeTaint');
  if (osp.unschedulable === true && nsp.unschedulable !== true) out.push('NodeSchedulable');
  if (JSON.stringify(os.images ?? []) !== JSON.stringify(ns.images ?? [])) out.push('NodeImages');
  return out;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly nodeInformer: Informer;
  readonly podInformer: Informer;
  readonly namespaceInformer: Informer;
  readonly pvcInformer: Informer;
  readonly pvInformer: Informer;
  readonly classInformer: Informer;
  private readonly clock: Clock;
  private readonly client: Client;
  private readonly recorder: EventRecorder;
  private readonly random: () => number;
  private readonly percentage: number;
  private readonly sliceMs: number;
  private nextStartNodeIndex = 0;
  private stopped = false;
  private loopDone: Promise<void> | undefined;
  /** Pods bound by this scheduler (metrics, tests). */
  bound = 0;

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.percentage = opts.percentageOfNodesToScore ?? 0;
    this.sliceMs = opts.sliceMs ?? 10;
    this.recorder = opts.recorder ?? new Recorder(opts.client, { component: DEFAULT_SCHEDULER_NAME, clock: this.clock });
    const profile = opts.profile ?? DEFAULT_PROFILE;
    const handle: FrameworkHandle = {
      nodes: () => this.cache.nodes(),
      imageNodeCount: (img) => this.cache.imageNodeCount(img),
      runFilters: (state, pod, node) => this.framework.runFilters(state, pod, node),
      deletePod: (pod, reason, message) => this.deleteVictim(pod, reason, message),
      now: () => this.clock.now(),
      namespaceLabels: (name) => {
        const ns = this.namespaceInformer.get(undefined, name);
        return ns ? (ns.metadata.labels ?? {}) : undefined;
      },
      pvc: (ns, name) => this.pvcInformer.get(ns, name),
      pv: (name) => this.pvInformer.get(undefined, name),
      storageClass: (name) => this.classInformer.get(undefined, name),
      setClaimSelectedNode: (ns, claim, node) => {
        this.client.resource('', 'PersistentVolumeClaim').modify(ns, claim, (c) => {
          c.metadata.annotations = { ...(c.metadata.annotations ?? {}), 'volume.kubernetes.io/selected-node': node };
          return c;
        });
      },
    };
    const plugins = buildPlugins(profile, handle);
    this.framework = new Framework(profile.schedulerName, plugins, profile.scoreWeights);
    const pluginEvents = new Map<string, ReadonlySet<ClusterEvent>>();
    for (const p of plugins) if (p.events) pluginEvents.set(p.name, new Set(p.events));
    this.queue = new SchedulingQueue({ clock: this.clock, pluginEvents, ...opts.queue });
    this.nodeInformer = new Informer(this.client.resource('', 'Node'));
    this.podInformer = new Informer(this.client.resource('', 'Pod'));
    this.namespaceInformer = new Informer(this.client.resource('', 'Namespace'));
    this.pvcInformer = new Informer(this.client.resource('', 'PersistentVolumeClaim'));
    this.pvInformer = new Informer(this.client.resource('', 'PersistentVolume'));
    this.classInformer = new Informer(this.client.resource('storage.k8s.io', 'StorageClass'));
  }

  private responsible(pod: KubeObject): boolean {
    return podInfo(pod).schedulerName === this.framework.schedulerName;
  }

  /**
   * spec.schedulingGates (upstream's SchedulingGates PreEnqueue plugin): a gated pod is not
   * queued; it shows PodScheduled=False/SchedulingGated until its gates are removed.
   */
  private gated(pod: KubeObject): boolean {
    const spec = pod.spec as { schedulingGates?: unknown } | undefined;
    if (!Array.isArray(spec?.schedulingGates) || spec.schedulingGates.length === 0) return false;
    const cond = conditionsOf(pod).find((c) => c.type === 'PodScheduled');
    if (cond?.reason !== 'SchedulingGated') {
      // Handlers don't write: mark it on the next turn.
      setImmediate(() => {
        if (this.stopped) return;
        const cur = this.podInformer.get(pod.metadata.namespace, pod.metadata.name as string);
        if (!cur || assigned(cur) || cur.metadata.uid !== pod.metadata.uid) return;
        try {
          this.updatePodScheduledCondition(cur, 'SchedulingGated', 'Scheduling is blocked due to non-empty scheduling gates');
        } catch (e) {
          if (!(e instanceof errors.ApiError && e.code === 404)) console.error(`scheduler: ${(e as Error).message}`);
        }
      });
    }
    return true;
  }

  /** Starts the informers and the scheduling loop. */
  start(): void {
    this.nodeInformer.addHandler({
      add: (n) => {
        this.cache.addNode(n);
        this.queue.onEvent('NodeAdd');
      },
      update: (o, n) => {
        this.cache.updateNode(n);
        for (const ev of nodeEvents(o, n)) this.queue.onEvent(ev);
      },
      delete: (n) => this.cache.removeNode(n.metadata.name as string),
    });
    this.podInformer.addHandler({
      add: (p) => {
        if (assigned(p)) {
          this.cache.addPod(p);
          this.queue.onEvent('AssignedPodAdd');
        } else if (this.responsible(p) && !p.metadata.deletionTimestamp && !this.gated(p)) this.queue.add(p);
      },
      update: (o, p) => {
        if (assigned(p)) {
          if (!assigned(o)) this.queue.delete(p);
          this.cache.updatePod(p);
          const pi = podInfo(p);
          if (pi.terminal && !podInfo(o).terminal) this.queue.onEvent('AssignedPodDelete');
          else this.queue.onEvent(assigned(o) ? 'AssignedPodUpdate' : 'AssignedPodAdd');
        } else if (p.metadata.deletionTimestamp || !this.responsible(p) || this.gated(p)) this.queue.delete(p);
        else this.queue.update(o, p);
      },
      delete: (p) => {
        if (assigned(p)) {
          this.cache.removePod(p);
          this.queue.onEvent('AssignedPodDelete');
        } else this.queue.delete(p);
      },
    });
    this.pvcInformer.addHandler({ add: () => this.queue.onEvent('PvcAdd'), update: () => this.queue.onEvent('PvcUpdate') });
    this.pvInformer.addHandler({ add: () => this.queue.onEvent('PvAdd'), update: () => this.queue.onEvent('PvUpdate') });
    this.classInformer.addHandler({ add: () => this.queue.onEvent('StorageClassAdd') });
    // Nodes (and what plugins look up) first, so pending pods find a full cache on their first attempt.
    for (const i of [this.namespaceInformer, this.pvcInformer, this.pvInformer, this.classInformer]) i.start();
    this.nodeInformer.start();
    this.podInformer.start();
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    this.nodeInformer.stop();
    this.podInformer.stop();
    for (const i of [this.namespaceInformer, this.pvcInformer, this.pvInformer, this.classInformer]) i.stop();
    await this.loopDone;
    if (this.recorder instanceof Recorder) this.recorder.stop();
  }

  private async loop(): Promise<void> {
    let sliceStart = performance.now();
    while (!this.stopped) {
      let qp = this.queue.popSync();
      if (!qp) {
        qp = await this.queue.pop();
        if (!qp) return;
        sliceStart = performance.now();
      }
      try {
        this.scheduleOne(qp);
      } catch (e) {
        console.error(`scheduler: ${qp.key}: ${(e as Error).stack ?? String(e)}`);
        this.queue.addUnschedulable(qp, new Set(), true);
      }
      if (performance.now() - sliceStart > this.sliceMs) {
        // Let the API server, timers and event writes run between slices.
        await new Promise<void>((r) => setImmediate(r));
        sliceStart = performance.now();
      }
    }
  }

  /** Number of feasible nodes to look for before scoring (upstream numFeasibleNodesToFind). */
  numFeasibleNodesToFind(numAllNodes: number): number {
    if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
    let pct = this.percentage;
    if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.floor(numAllNodes / 125));
    if (pct >= 100) return numAllNodes;
    return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.floor((numAllNodes * pct) / 100));
  }

  /** One scheduling attempt of one pod (synchronous). */
  scheduleOne(qp: QueuedPod): void {
    const pod = this.podInformer.getByKey(qp.key);
    if (!pod || assigned(pod) || pod.metadata.deletionTimestamp || !this.responsible(pod)) {
      this.queue.done(qp.key);
      return;
    }
    qp.pod = pod;
    const pi = podInfo(pod);
    const state = new CycleState();
    const result = this.schedulePod(state, pi);
    if (result instanceof FitError) {
      const post = this.framework.runPostFilters(state, pi, result.statuses);
      if (post && post.status.code !== 'Success') result.postFilterMsg = post.status.message;
      this.fail(qp, pod, result.message, 'Unschedulable', result.unschedulablePlugins, false, post?.nominatedNodeName);
      return;
    }
    if (typeof result === 'string') {
      this.fail(qp, pod, result, 'SchedulerError', new Set(), true);
      return;
    }
    const nodeName = result.nodeName;
    this.cache.assumePod(pi, nodeName);
    const preBind = this.framework.runPreBinds(state, pi, nodeName);
    if (preBind) {
      this.cache.forgetPod(pi.key);
      this.fail(qp, pod, `running PreBind plugin "${preBind.plugin ?? ''}": ${preBind.message}`, 'SchedulerError', new Set(), true);
      return;
    }
    try {
      this.client.bind(pi.namespace, pi.name, nodeName);
    } catch (e) {
      this.cache.forgetPod(pi.key);
      if (e instanceof errors.ApiError && (e.code === 404 || e.code === 409)) {
        // Gone, already bound elsewhere, or being deleted: nothing left to do for it.
        this.queue.done(qp.key);
        return;
      }
      this.fail(qp, pod, `Binding rejected: ${(e as Error).message}`, 'SchedulerError', new Set(), true);
      return;
    }
    this.bound++;
    this.queue.done(qp.key);
    this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pi.namespace}/${pi.name} to ${nodeName}`);
  }

  /**
   * Finds a node for the pod: a ScheduleResult, a FitError (no node fits) or an error message.
   * Does not change anything.
   */
  schedulePod(state: CycleState, pi: PodInfo): ScheduleResult | FitError | string {
    const all = this.cache.nodes();
    if (all.length === 0) return NO_NODES_AVAILABLE;
    const pre = this.framework.runPreFilters(state, pi, all);
    if (pre.status) {
      const statuses = new Map<string, Status>();
      for (const n of all) statuses.set(n.name, pre.status);
      const plugins = new Set(pre.status.plugin ? [pre.status.plugin] : []);
      return new FitError(all.length, statuses, plugins, pre.status.message);
    }
    let candidates: readonly NodeInfo[] = all;
    if (pre.nodeNames) candidates = [...pre.nodeNames].map((n) => this.cache.get(n)).filter((n): n is NodeInfo => n !== undefined);
    const statuses = new Map<string, Status>();
    const plugins = new Set<string>();
    let feasible: NodeInfo[] = [];
    // A pod nominated by preemption tries its node first.
    if (pi.nominatedNodeName) {
      const n = this.cache.get(pi.nominatedNodeName);
      if (n && !this.framework.runFilters(state, pi, n)) feasible = [n];
    }
    let evaluated = feasible.length;
    if (feasible.length === 0) {
      const len = candidates.length;
      const want = this.numFeasibleNodesToFind(len);
      const start = pre.nodeNames || len === 0 ? 0 : this.nextStartNodeIndex % len;
      let processed = 0;
      for (let i = 0; i < len; i++) {
        const node = candidates[(start + i) % len];
        processed++;
        const st = this.framework.runFilters(state, pi, node);
        if (st) {
          if (st.code === 'Error') return `running "${st.plugin ?? ''}" filter plugin: ${st.message}`;
          statuses.set(node.name, st);
          if (st.plugin) plugins.add(st.plugin);
        } else {
          feasible.push(node);
          if (feasible.length >= want) break;
        }
      }
      if (!pre.nodeNames && len > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % len;
      evaluated = processed;
    }
    if (feasible.length === 0) {
      // Nodes PreFilter ruled out count as unresolvable for them.
      if (pre.nodeNames) {
        const absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${(pre.limitedBy ?? []).join(' ')}]`);
        for (const n of all) if (!statuses.has(n.name) && !pre.nodeNames.has(n.name)) statuses.set(n.name, absent);
      }
      return new FitError(all.length, statuses, plugins);
    }
    if (feasible.length === 1) return { nodeName: feasible[0].name, evaluated, feasible: 1 };
    const scores = this.framework.runScores(state, pi, feasible);
    return { nodeName: feasible[this.selectHost(scores)].name, evaluated, feasible: feasible.length };
  }

  /** Index of the best score; ties broken uniformly at random (reservoir sampling, as upstream). */
  private selectHost(scores: number[]): number {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
        ties = 1;
      } else if (scores[i] === scores[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return best;
  }

  private fail(qp: QueuedPod, pod: KubeObject, message: string, reason: string, plugins: ReadonlySet<string>, error: boolean, nominated?: string): void {
    this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    try {
      this.updatePodScheduledCondition(pod, reason, message, nominated);
    } catch (e) {
      if (!(e instanceof errors.ApiError && e.code === 404)) console.error(`scheduler: updating ${qp.key}: ${(e as Error).message}`);
    }
    this.queue.addUnschedulable(qp, plugins, error);
  }

  /** PodScheduled=False with the reason and message, written only when it changes. */
  private updatePodScheduledCondition(pod: KubeObject, reason: string, message: string, nominated?: string): void {
    const cur = conditionsOf(pod).find((c) => c.type === 'PodScheduled');
    const status = isPlainObject(pod.status) ? pod.status : {};
    const nominatedNow = typeof status.nominatedNodeName === 'string' ? status.nominatedNodeName : undefined;
    const sameCondition = cur && cur.status === 'False' && cur.reason === reason && cur.message === message;
    if (sameCondition && (nominated === undefined || nominated === nominatedNow)) return;
    const now = this.clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
    this.client.resource('', 'Pod').modify(
      pod.metadata.namespace,
      pod.metadata.name as string,
      (p) => {
        if (p.metadata.uid !== pod.metadata.uid || assigned(p)) return p;
        const st = (isPlainObject(p.status) ? p.status : {}) as Record<string, unknown>;
        const conds = conditionsOf(p).filter((c) => c.type !== 'PodScheduled');
        const prev = conditionsOf(p).find((c) => c.type === 'PodScheduled');
        conds.push({
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime: prev && prev.status === 'False' ? prev.lastTransitionTime : now,
          reason,
          message,
        });
        st.conditions = conds;
        if (nominated !== undefined) st.nominatedNodeName = nominated;
        p.status = st;
        return p;
      },
      { status: true },
    );
  }

  private deleteVictim(pod: KubeObject, reason: string, message: string): void {
    this.recorder.event(pod, 'Normal', reason, message);
    this.client.resource('', 'Pod').delete(pod.metadata.namespace, pod.metadata.name as string, { preconditions: { uid: pod.metadata.uid } });
  }
}

/** The engine's scheduler component. */
export function startScheduler(ctx: EngineContext): Component {
  const s = new Scheduler({ client: ctx.client, clock: ctx.clock, recorder: new Recorder(ctx.client, { component: DEFAULT_SCHEDULER_NAME, clock: ctx.clock }) });
  s.start();
  // Bridge until engine.ts starts the virtual node host itself (startVirtualNodes, before the
  // scheduler): only when no host runs yet for this engine does the scheduler start one.
  const host = virtualNodeHostOf(ctx.client) ? undefined : ensureVirtualNodeHost(ctx);
  return {
    async stop() {
      await s.stop();
      await host?.stop();
    },
  };
}
