/**
 * The scheduling queue (upstream internal/queue/scheduling_queue.go), three parts:
 *
 *   activeQ        pods ready to be tried, highest priority first, then oldest first
 *   backoffQ       pods that failed recently, waiting out their backoff (1 s doubling to 10 s)
 *   unschedulable  pods no node fits; they wait for a cluster event that could change that
 *
 * A failed pod remembers which plugins rejected it. When the cluster changes (a node is added,
 * its labels/taints/allocatable change, it is uncordoned, a bound pod is deleted …) only pods
 * rejected by a plugin interested in that event move back (to backoffQ while still backing
 * off, else to activeQ). Pods rejected for no plugin-specific reason move on any event. A pod
 * left in unschedulable for 5 minutes is retried anyway, as upstream does.
 *
 * The "move request cycle" closes a race: if an event arrives while a pod is being scheduled,
 * that pod's failure may predate the event, so it goes to backoffQ, not unschedulable.
 *
 *   add ──► activeQ ──pop──► (scheduling) ──fail──► unschedulable ──event──► activeQ/backoffQ
 *                ▲                         └─error─► backoffQ ──expiry──────────┘
 *                └──────────────────────────────────────────────────────────────┘
 */
import type { Clock } from '../api/clock.js';
import { realClock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import type { ClusterEvent } from './framework/types.js';

export interface QueuedPod {
  key: string;
  /** Latest object seen for the pod. */
  pod: KubeObject;
  /** When it entered activeQ (ms); older pods go first at equal priority. */
  timestamp: number;
  /** When it was first tried (ms). */
  initialAttempt: number;
  attempts: number;
  /** Plugins that rejected it in its last attempt. */
  unschedulablePlugins: Set<string>;
  backoffExpiry: number;
  /** Scheduling cycle in which it was popped. */
  cycle: number;
}

interface Entry {
  qp: QueuedPod;
  removed: boolean;
}

class Heap<T> {
  private readonly a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.a.length;
  }
  peek(): T | undefined {
    return this.a[0];
  }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

export interface QueueOptions {
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  /** plugin name → events that may make pods it rejected schedulable. */
  pluginEvents?: Map<string, ReadonlySet<ClusterEvent>>;
  /** Run the flush timers (off in unit tests that call flushBackoff() themselves). */
  timers?: boolean;
}

function priorityOf(pod: KubeObject): number {
  const spec = pod.spec as { priority?: unknown } | undefined;
  return typeof spec?.priority === 'number' ? spec.priority : 0;
}

/** Spec, labels or annotations changed (status-only writes, like our own condition, don't count). */
export function isPodUpdated(a: KubeObject, b: KubeObject): boolean {
  if (a === b) return false;
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.metadata.annotations ?? {}) !== JSON.stringify(b.metadata.annotations ?? {})
  );
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private readonly pluginEvents: Map<string, ReadonlySet<ClusterEvent>>;
  private readonly active = new Heap<Entry>((x, y) => {
    const px = priorityOf(x.qp.pod);
    const py = priorityOf(y.qp.pod);
    return px !== py ? px > py : x.qp.timestamp < y.qp.timestamp;
  });
  private readonly backoff = new Heap<Entry>((x, y) => x.qp.backoffExpiry < y.qp.backoffExpiry);
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** key → live entry in activeQ or backoffQ. */
  private readonly entries = new Map<string, { q: 'active' | 'backoff'; e: Entry }>();
  private readonly inFlight = new Map<string, QueuedPod>();
  private activeCount = 0;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: (() => void)[] = [];
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private seq = 0;

  constructor(opts: QueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = opts.maxUnschedulableMs ?? 300_000;
    this.pluginEvents = opts.pluginEvents ?? new Map();
    if (opts.timers !== false) {
      const t1 = setInterval(() => this.flushBackoff(), Math.min(200, this.initialBackoff));
      const t2 = setInterval(() => this.flushUnschedulableLeftover(), 30_000);
      t1.unref();
      t2.unref();
      this.timers.push(t1, t2);
    }
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private keyOf(pod: KubeObject): string {
    return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  }

  // ---- sizes, for tests and metrics

  get lengths(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    let backoff = 0;
    for (const v of this.entries.values()) if (v.q === 'backoff') backoff++;
    return { active: this.activeCount, backoff, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  has(key: string): boolean {
    return this.entries.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  where(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    const e = this.entries.get(key);
    if (e) return e.q;
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  // ---- informer-driven changes

  /** A new pending pod. */
  add(pod: KubeObject): void {
    const key = this.keyOf(pod);
    if (this.has(key)) return this.update(pod, pod);
    const now = this.now();
    this.pushActive({ key, pod, timestamp: now, initialAttempt: 0, attempts: 0, unschedulablePlugins: new Set(), backoffExpiry: 0, cycle: 0 });
  }

  /** The pending pod changed. */
  update(oldPod: KubeObject, newPod: KubeObject): void {
    const key = this.keyOf(newPod);
    const live = this.entries.get(key);
    if (live) {
      live.e.qp.pod = newPod;
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = newPod;
      return;
    }
    const qp = this.unschedulable.get(key);
    if (qp) {
      qp.pod = newPod;
      if (isPodUpdated(oldPod, newPod)) {
        // The pod itself changed (e.g. its nodeSelector): it deserves a fresh try.
        this.unschedulable.delete(key);
        qp.unschedulablePlugins.clear();
        if (qp.backoffExpiry > this.now()) this.pushBackoff(qp);
        else this.pushActive(qp);
      }
      return;
    }
    this.add(newPod);
  }

  delete(pod: KubeObject): void {
    const key = this.keyOf(pod);
    const live = this.entries.get(key);
    if (live) {
      live.e.removed = true;
      if (live.q === 'active') this.activeCount--;
      this.entries.delete(key);
    }
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  // ---- the scheduling loop

  /** The next pod to schedule, or undefined when activeQ is empty. */
  popSync(): QueuedPod | undefined {
    for (;;) {
      const e = this.active.pop();
      if (!e) return undefined;
      if (e.removed) continue;
      this.entries.delete(e.qp.key);
      this.activeCount--;
      const qp = e.qp;
      qp.attempts++;
      if (qp.initialAttempt === 0) qp.initialAttempt = this.now();
      qp.cycle = ++this.schedulingCycle;
      this.inFlight.set(qp.key, qp);
      return qp;
    }
  }

  /** Waits for a pod; undefined once closed. */
  async pop(): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const qp = this.popSync();
      if (qp) return qp;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The pod was bound (or dropped): forget it. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return Math.min(d, this.maxBackoff);
  }

  /**
   * A pod no node fits. `plugins` rejected it (empty for errors: it is retried after backoff
   * whatever happens).
   */
  addUnschedulable(qp: QueuedPod, plugins: ReadonlySet<string>, error = false): void {
    if (!this.inFlight.has(qp.key)) return; // deleted or re-added while it was being scheduled
    this.inFlight.delete(qp.key);
    const now = this.now();
    qp.unschedulablePlugins = new Set(plugins);
    qp.backoffExpiry = now + this.backoffDuration(qp.attempts);
    qp.timestamp = now;
    if (error || this.moveRequestCycle >= qp.cycle) this.pushBackoff(qp);
    else this.unschedulable.set(qp.key, qp);
  }

  /** A cluster event: move the unschedulable pods it may help. */
  onEvent(event: ClusterEvent): void {
    this.moveRequestCycle = this.schedulingCycle;
    if (this.unschedulable.size === 0) return;
    const now = this.now();
    for (const [key, qp] of this.unschedulable) {
      if (!this.interested(qp, event)) continue;
      this.unschedulable.delete(key);
      if (qp.backoffExpiry > now) this.pushBackoff(qp);
      else this.pushActive(qp);
    }
  }

  private interested(qp: QueuedPod, event: ClusterEvent): boolean {
    if (qp.unschedulablePlugins.size === 0) return true;
    for (const p of qp.unschedulablePlugins) {
      const evs = this.pluginEvents.get(p);
      if (!evs || evs.has(event)) return true;
    }
    return false;
  }

  /** Moves pods whose backoff has expired to activeQ. */
  flushBackoff(): void {
    const now = this.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top) return;
      if (top.removed) {
        this.backoff.pop();
        continue;
      }
      if (top.qp.backoffExpiry > now) return;
      this.backoff.pop();
      this.entries.delete(top.qp.key);
      this.pushActive(top.qp);
    }
  }

  /** Retries pods that waited in unschedulable longer than the limit (5 min). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, qp] of this.unschedulable) {
      if (now - qp.timestamp < this.maxUnschedulable) continue;
      this.unschedulable.delete(key);
      if (qp.backoffExpiry > now) this.pushBackoff(qp);
      else this.pushActive(qp);
    }
  }

  private pushActive(qp: QueuedPod): void {
    qp.timestamp = qp.timestamp || this.now();
    // Equal timestamps keep insertion order.
    if (qp.attempts === 0) qp.timestamp = this.now() + ++this.seq * 1e-6;
    const e: Entry = { qp, removed: false };
    this.active.push(e);
    this.entries.set(qp.key, { q: 'active', e });
    this.activeCount++;
    const w = this.waiters.shift();
    if (w) w();
  }

  private pushBackoff(qp: QueuedPod): void {
    const e: Entry = { qp, removed: false };
    this.backoff.push(e);
    this.entries.set(qp.key, { q: 'backoff', e });
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const w of this.waiters) w();
    this.waiters = [];
  }
}
