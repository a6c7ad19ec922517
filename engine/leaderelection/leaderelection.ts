/**
 * Leader election in client-go's shape (tools/leaderelection) over a coordination.k8s.io/v1
 * Lease, so that of several replicas of a component (controller manager, scheduler) exactly one
 * works and a standby takes over when the leader dies — the seeds' "主 Controller-Manager 故障,
 * 备用的将代替它继续工作".
 *
 * The record lives in the Lease spec: holderIdentity, leaseDurationSeconds, acquireTime and
 * renewTime (MicroTime), leaseTransitions. Timing (defaults as kube-controller-manager):
 *   leaseDuration 15 s — how long others wait after the last change they *saw* before taking over
 *   renewDeadline 10 s — how long the leader keeps trying to renew before it gives up leading
 *   retryPeriod    2 s — how often everyone tries (candidates with jitter)
 * Expiry is judged on each elector's own clock from when it last observed the record change
 * (never from timestamps in the record), as client-go does, so clock skew doesn't matter.
 *
 * The elector is step-driven: step() is one tryAcquireOrRenew round plus the leading/lost
 * bookkeeping; run() calls it on timers, and unit tests call it with a fake clock.
 */
import type { Clock } from '../api/clock.js';
import { realClock } from '../api/clock.js';
import * as errors from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import type { EventRecorder } from '../events/recorder.js';

export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 with microseconds. */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** Where the record is kept. Update must fail (throw) when the object changed since get(). */
export interface ResourceLock {
  readonly identity: string;
  get(): { record: LeaderElectionRecord; raw: string } | undefined;
  create(record: LeaderElectionRecord): void;
  update(record: LeaderElectionRecord): void;
  describe(): string;
  /** The object, for events. */
  object?(): KubeObject | undefined;
}

export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A Lease lock through the in-process client (optimistic concurrency on resourceVersion). */
export class LeaseLock implements ResourceLock {
  private lastResourceVersion: string | undefined;

  constructor(
    private readonly client: Client,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
  ) {}

  private leases() {
    return this.client.resource('coordination.k8s.io', 'Lease');
  }

  get(): { record: LeaderElectionRecord; raw: string } | undefined {
    const l = this.leases().get(this.namespace, this.name);
    if (!l) return undefined;
    this.lastResourceVersion = l.metadata.resourceVersion;
    const spec = (isPlainObject(l.spec) ? l.spec : {}) as Record<string, unknown>;
    const record: LeaderElectionRecord = {
      holderIdentity: typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '',
      leaseDurationSeconds: typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0,
      acquireTime: typeof spec.acquireTime === 'string' ? spec.acquireTime : '',
      renewTime: typeof spec.renewTime === 'string' ? spec.renewTime : '',
      leaseTransitions: typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
    };
    return { record, raw: JSON.stringify(spec) };
  }

  create(record: LeaderElectionRecord): void {
    const l = this.leases().create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: { ...record } });
    this.lastResourceVersion = l.metadata.resourceVersion;
  }

  update(record: LeaderElectionRecord): void {
    if (this.lastResourceVersion === undefined) throw new Error('lease not read yet');
    const l = this.leases().update({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: this.lastResourceVersion },
      spec: { ...record },
    });
    this.lastResourceVersion = l.metadata.resourceVersion;
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  object(): KubeObject | undefined {
    return this.leases().get(this.namespace, this.name);
  }
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  /** Someone (maybe us) became leader. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  lock: ResourceLock;
  callbacks: LeaderCallbacks;
  clock?: Clock;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Give the lease up (holder "", duration 1 s) when stopped cleanly, so a successor needn't wait. */
  releaseOnCancel?: boolean;
  /**
   * Holders whose last renewal is older than this are known dead (for the in-process lock: the
   * store is owned by one process, so a holder from before this engine started can't be alive).
   */
  staleBefore?: Date;
  recorder?: EventRecorder;
  /** Random source for candidates' jitter. */
  random?: () => number;
}

const JITTER = 1.2;

export class LeaderElector {
  private readonly clock: Clock;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private observed: LeaderElectionRecord | undefined;
  private observedRaw: string | undefined;
  private observedTimeMs = 0;
  private leading = false;
  private lastRenewMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reportedLeader: string | undefined;

  constructor(private readonly config: LeaderElectionConfig) {
    this.clock = config.clock ?? realClock;
    this.leaseDurationMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
  }

  get identity(): string {
    return this.config.lock.identity;
  }

  /** Whether this elector currently runs as leader. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last observed. */
  getLeader(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  private now(): Date {
    return this.clock.now();
  }

  private observedIsMe(): boolean {
    return this.observed?.holderIdentity === this.identity;
  }

  private leaseValid(nowMs: number): boolean {
    return this.observedTimeMs + this.leaseDurationMs > nowMs;
  }

  private setObserved(r: LeaderElectionRecord, raw?: string): void {
    this.observed = r;
    this.observedRaw = raw ?? JSON.stringify(r);
    this.observedTimeMs = this.now().getTime();
  }

  /** client-go's tryAcquireOrRenew: true when we hold the lease after this round. */
  tryAcquireOrRenew(): boolean {
    const now = this.now();
    const nowMs = now.getTime();
    const record: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000) || 1,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    const lock = this.config.lock;
    // 1. Fast path: the leader renews assuming its last observation is current.
    if (this.observedIsMe() && this.leaseValid(nowMs) && this.observed) {
      record.acquireTime = this.observed.acquireTime;
      record.leaseTransitions = this.observed.leaseTransitions;
      try {
        lock.update(record);
        this.setObserved(record);
        return true;
      } catch {
        // fall back to the slow path
      }
    }
    // 2. Read (or create) the record.
    let cur: { record: LeaderElectionRecord; raw: string } | undefined;
    try {
      cur = lock.get();
    } catch {
      return false;
    }
    if (!cur) {
      try {
        lock.create(record);
      } catch {
        return false;
      }
      this.setObserved(record);
      return true;
    }
    // 3. Compare with what we saw last: a change restarts the expiry clock.
    if (cur.raw !== this.observedRaw) this.setObserved(cur.record, cur.raw);
    const stale = this.config.staleBefore !== undefined && cur.record.renewTime !== '' && Date.parse(cur.record.renewTime) < this.config.staleBefore.getTime();
    if (cur.record.holderIdentity !== '' && !this.observedIsMe() && this.leaseValid(nowMs) && !stale) return false;
    // 4. Take over (or renew through the slow path).
    if (this.observedIsMe()) {
      record.acquireTime = cur.record.acquireTime;
      record.leaseTransitions = cur.record.leaseTransitions;
    } else {
      record.leaseTransitions = cur.record.leaseTransitions + 1;
    }
    try {
      lock.update(record);
    } catch (e) {
      if (!(e instanceof errors.ApiError) && !(e instanceof Error)) throw e;
      return false;
    }
    this.setObserved(record);
    return true;
  }

  /** One round: acquire when candidate, renew when leader; gives up after renewDeadline. */
  step(): void {
    if (this.stopped) return;
    const nowMs = this.now().getTime();
    let ok = false;
    try {
      ok = this.tryAcquireOrRenew();
    } catch (e) {
      console.error(`leader election ${this.config.lock.describe()}: ${(e as Error).message}`);
    }
    this.maybeReportLeader();
    if (!this.leading) {
      if (!ok) return;
      this.leading = true;
      this.lastRenewMs = nowMs;
      this.config.recorder?.event(this.config.lock.object?.() ?? { kind: 'Lease', name: 'unknown' }, 'Normal', 'LeaderElection', `${this.identity} became leader`);
      this.config.callbacks.onStartedLeading();
      return;
    }
    if (ok) {
      this.lastRenewMs = nowMs;
      return;
    }
    if (nowMs - this.lastRenewMs >= this.renewDeadlineMs) {
      console.error(`leader election: failed to renew lease ${this.config.lock.describe()}: timed out waiting for the condition`);
      this.leading = false;
      this.config.callbacks.onStoppedLeading();
    }
  }

  private maybeReportLeader(): void {
    const holder = this.observed?.holderIdentity;
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.config.callbacks.onNewLeader?.(holder);
    }
  }

  /** Starts trying on timers (the first attempt runs now, synchronously). */
  run(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.step();
      // Candidates retry with jitter (wait.JitterUntil, factor 1.2); the leader every retryPeriod.
      const wait = this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + JITTER * (this.config.random ?? Math.random)());
      this.timer = setTimeout(loop, wait);
      this.timer.unref();
    };
    loop();
  }

  /** Stops cleanly: stops leading (callback) and releases the lease if configured. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      this.config.callbacks.onStoppedLeading();
    }
    if (this.config.releaseOnCancel !== false) this.release();
  }

  /** Stops renewing abruptly, without releasing or callbacks: what a crashed leader looks like. */
  crash(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.leading = false;
  }

  /** Gives the lease up when we hold it (holder "", 1 s), as client-go's release(). */
  release(): boolean {
    if (!this.observedIsMe() || !this.observed) return false;
    const now = microTime(this.now());
    try {
      const cur = this.config.lock.get();
      if (!cur || cur.record.holderIdentity !== this.identity) return false;
      this.config.lock.update({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: this.observed.leaseTransitions });
    } catch {
      return false;
    }
    this.observed = { ...this.observed, holderIdentity: '' };
    return true;
  }
}
