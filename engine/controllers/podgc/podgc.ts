/**
 * The pod garbage collector (upstream pkg/controller/podgc/gc_controller.go). One pass:
 * - terminated pods (Succeeded/Failed) above `terminatedPodThreshold` (upstream default
 *   12,500) are deleted, evicted ones first, then the oldest;
 * - pods bound to a node that no longer exists — after a 40 s quarantine and a fresh check
 *   against the API, since a node may be re-registering — are marked Failed with a
 *   DisruptionTarget condition (reason DeletionByPodGC) and deleted;
 * - pods terminating on a node tainted `node.kubernetes.io/out-of-service` that is not Ready
 *   are force-deleted (so their controllers can replace them elsewhere);
 * - unscheduled pods being deleted are force-deleted.
 *
 * Upstream runs the pass every 20 s. Skiff runs it only when something it cares about happens
 * (a pod turning terminal while the count is over the threshold, a pod bound to an unknown
 * node, a node deleted or tainted out-of-service, an unscheduled pod marked for deletion),
 * debounced by a second, and when a quarantine ends — so an idle cluster costs nothing.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf } from '../../client/informer.js';
import { Controller, isNotFound, metaTime, parseTime, startDeferred } from '../shared/controller.js';
import { getPodCondition, isPodTerminal, podPhase, type Pod, type PodCondition } from '../shared/pods.js';

export const DEFAULT_TERMINATED_POD_THRESHOLD = 12_500;
export const QUARANTINE_MS = 40_000;
const DEBOUNCE_MS = 1000;
const GC_KEY = 'gc';
const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

interface Node extends KubeObject {
  spec?: { taints?: { key: string; effect: string; value?: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface PodGCOptions {
  terminatedPodThreshold?: number;
  quarantineMs?: number;
}

export class PodGCController extends Controller {
  private podInformer!: Informer<Pod>;
  private nodeInformer!: Informer<Node>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly nodeClient: ResourceClient<Node>;
  private readonly threshold: number;
  private readonly quarantineMs: number;
  /** Terminal pods by key (kept by the handlers, so the threshold check is O(1)). */
  private readonly terminal = new Set<string>();
  /** Unknown node → when it was first seen missing. */
  private readonly quarantine = new Map<string, number>();
  private scheduled = false;

  constructor(ctx: EngineContext, opts: PodGCOptions = {}) {
    super(ctx, 'pod-garbage-collector');
    this.threshold = opts.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_THRESHOLD;
    this.quarantineMs = opts.quarantineMs ?? QUARANTINE_MS;
    this.podClient = ctx.client.resource<Pod>('', 'Pod');
    this.nodeClient = ctx.client.resource<Node>('', 'Node');
  }

  /** The queue holds one key: a pass over every pod. */
  sync(): void {
    this.gc();
  }

  protected register(): void {
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.nodeInformer = this.informer<Node>('', 'Node');
    this.podInformer.addHandler({
      add: (p) => this.podSeen(p),
      update: (_o, p) => this.podSeen(p),
      delete: (p) => {
        this.terminal.delete(keyOf(p));
      },
    });
    this.nodeInformer.addHandler({
      add: (n) => this.quarantine.delete(n.metadata.name as string),
      update: (o, n) => {
        if (hasOutOfServiceTaint(n) && !hasOutOfServiceTaint(o)) this.schedule();
      },
      delete: () => this.schedule(),
    });
  }

  override run(workers = 1): void {
    super.run(workers);
    // One pass at start-up: pods may have been orphaned while the engine was down.
    this.schedule();
  }

  /** Runs a pass now (tests, and the first pass). */
  trigger(): void {
    this.worker.enqueue(GC_KEY);
  }

  private schedule(ms = DEBOUNCE_MS): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.requeueAfter(GC_KEY, ms);
  }

  private podSeen(p: Pod): void {
    const key = keyOf(p);
    if (isPodTerminal(p)) {
      this.terminal.add(key);
      if (this.threshold > 0 && this.terminal.size > this.threshold) this.schedule();
    } else this.terminal.delete(key);
    const node = p.spec?.nodeName;
    if (node && !this.nodeInformer.get(undefined, node)) this.schedule();
    if (p.metadata.deletionTimestamp && !node) this.schedule();
  }

  /** One collection pass. */
  gc(): void {
    this.scheduled = false;
    const pods = this.podInformer.list();
    const nodes = new Map(this.nodeInformer.list().map((n) => [n.metadata.name as string, n]));
    if (this.threshold > 0) this.gcTerminated(pods);
    this.gcTerminating(pods, nodes);
    this.gcOrphaned(pods, nodes);
    this.gcUnscheduledTerminating(pods);
  }

  private gcTerminated(pods: Pod[]): void {
    const terminated = pods.filter(isPodTerminal);
    const excess = terminated.length - this.threshold;
    if (excess <= 0) return;
    terminated.sort((a, b) => {
      const ea = isEvicted(a) ? 0 : 1;
      const eb = isEvicted(b) ? 0 : 1;
      if (ea !== eb) return ea - eb;
      return (parseTime(a.metadata.creationTimestamp) ?? 0) - (parseTime(b.metadata.creationTimestamp) ?? 0);
    });
    for (const p of terminated.slice(0, excess)) this.markFailedAndDelete(p);
  }

  /** Pods terminating on out-of-service, not-Ready nodes: force delete. */
  private gcTerminating(pods: Pod[], nodes: Map<string, Node>): void {
    for (const p of pods) {
      if (!p.metadata.deletionTimestamp || isPodTerminal(p)) continue;
      const node = nodes.get(p.spec?.nodeName ?? '');
      if (!node || !hasOutOfServiceTaint(node) || nodeReady(node)) continue;
      this.markFailedAndDelete(p);
    }
  }

  private gcOrphaned(pods: Pod[], nodes: Map<string, Node>): void {
    const now = this.ctx.clock.now().getTime();
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (n && !nodes.has(n) && !this.quarantine.has(n)) this.quarantine.set(n, now);
    }
    const deleted = new Set<string>();
    let next: number | undefined;
    for (const [name, since] of this.quarantine) {
      if (nodes.has(name)) {
        this.quarantine.delete(name);
        continue;
      }
      const left = since + this.quarantineMs - now;
      if (left > 0) {
        next = next === undefined ? left : Math.min(next, left);
        continue;
      }
      // Confirm with the API (the cache may lag a re-registering node).
      if (this.nodeClient.get(undefined, name)) {
        this.quarantine.delete(name);
        continue;
      }
      deleted.add(name);
    }
    for (const p of pods) {
      if (!deleted.has(p.spec?.nodeName ?? '')) continue;
      this.markFailedAndDelete(p, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
    }
    for (const name of deleted) this.quarantine.delete(name);
    if (next !== undefined) {
      this.scheduled = false;
      this.schedule(next);
    }
  }

  private gcUnscheduledTerminating(pods: Pod[]): void {
    for (const p of pods) {
      if (!p.metadata.deletionTimestamp || p.spec?.nodeName) continue;
      this.markFailedAndDelete(p);
    }
  }

  /** markFailedAndDeletePodWithCondition: Failed (with the condition) unless finished; delete now. */
  private markFailedAndDelete(p: Pod, condition?: PodCondition): void {
    const ns = p.metadata.namespace;
    const name = p.metadata.name as string;
    try {
      if (!isPodTerminal(p)) {
        this.podClient.modify(
          ns,
          name,
          (cur) => {
            if (cur.metadata.uid !== p.metadata.uid || isPodTerminal(cur)) return cur;
            const status = (cur.status ??= {});
            status.phase = 'Failed';
            if (condition) {
              const conds = (status.conditions ?? []).filter((c) => c.type !== condition.type);
              conds.push({ ...condition, lastTransitionTime: metaTime(this.ctx.clock.now()) });
              status.conditions = conds;
            }
          },
          { status: true },
        );
      }
      this.podClient.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

function isEvicted(p: Pod): boolean {
  return podPhase(p) === 'Failed' && (p.status?.reason === 'Evicted' || getPodCondition(p, 'DisruptionTarget')?.status === 'True');
}

function hasOutOfServiceTaint(n: Node): boolean {
  return (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT && t.effect === 'NoExecute');
}

function nodeReady(n: Node): boolean {
  return (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** controller-manager entry point: `podgc`. */
export function startPodGCController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new PodGCController(ctx));
}
