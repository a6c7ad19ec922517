/**
 * A work queue of keys in client-go's style: duplicate keys collapse while waiting, a key is
 * never handed to two workers at once (a key added while it is processed is re-queued after),
 * and failed keys come back with per-key exponential backoff.
 */
import { setLongTimeout, nodeTimers, type LongTimeout, type TimerHost } from '../api/timers.js';

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Timers and time for addAfter (tests pass a manual clock). */
  timers?: TimerHost;
  now?: () => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: LongTimeout; at: number }>();
  private waiters: (() => void)[] = [];
  private shutdown = false;
  private readonly base: number;
  private readonly max: number;
  private readonly host: TimerHost;
  private readonly now: () => number;

  constructor(opts: WorkQueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 60_000;
    this.host = opts.timers ?? nodeTimers;
    this.now = opts.now ?? Date.now;
  }

  add(key: string): void {
    if (this.shutdown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    const w = this.waiters.shift();
    if (w) w();
  }

  /**
   * Adds `key` after `ms`; a pending earlier time for the same key wins, as in client-go.
   * Delays past setTimeout's 2^31-1 ms limit (a @yearly CronJob) wait in chunks instead of
   * overflowing to 1 ms and spinning.
   */
  addAfter(key: string, ms: number): void {
    if (this.shutdown) return;
    if (!(ms > 0)) return this.add(key);
    const at = this.now() + ms;
    const existing = this.timers.get(key);
    if (existing) {
      if (existing.at <= at) return;
      existing.timer.cancel();
    }
    const timer = setLongTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms, this.host);
    this.timers.set(key, { timer, at });
  }

  /** Re-queues with exponential backoff (5 ms doubling, capped). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.max, this.base * 2 ** n));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for a key; undefined once shut down. Call done(key) after processing. */
  async get(): Promise<string | undefined> {
    while (!this.shutdown && this.queue.length === 0) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
    if (this.shutdown) return undefined;
    const key = this.queue.shift() as string;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      const w = this.waiters.shift();
      if (w) w();
    }
  }

  get length(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shutdown = true;
    for (const t of this.timers.values()) t.timer.cancel();
    this.timers.clear();
    for (const w of this.waiters) w();
    this.waiters = [];
  }
}
