/**
 * Time for the kubelet, and client-go's flowcontrol.Backoff (the one upstream's kubelet uses for
 * CrashLoopBackOff and ImagePullBackOff).
 *
 * The kubelet needs timers (probe periods, back-off wake-ups, grace periods), so its clock is
 * more than the engine's `now()`: `setTimeout`/`clearTimeout` too. The shape is the runtime
 * fake's `Clock`, so one `ManualClock` drives the fake runtime and the kubelet in unit tests.
 */

import { setLongTimeout, type LongTimeout } from '../api/timers.js';

/** Milliseconds since the epoch, and timers on the same time line. */
export interface KubeletClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: KubeletClock = {
  now: () => Date.now(),
  // Long delays (a pod's activeDeadlineSeconds) are chunked instead of overflowing to 1 ms.
  // Back-off and probe timers never keep the process alive on their own.
  setTimeout: (fn, ms) => setLongTimeout(fn, ms).unref(),
  clearTimeout: (h) => (h as LongTimeout | undefined)?.cancel(),
};

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

/**
 * Per-key exponential back-off, exactly as flowcontrol.Backoff:
 * - `next(key, t)` starts at `initial` for a new (or expired) key, else doubles up to `max`, and
 *   records `t` as the key's last update;
 * - an entry expires when the event it is asked about is more than 2 × max after its last update
 *   (for the kubelet: a container that ran 10 minutes before crashing again starts over at 10 s);
 * - `isInBackOffSince(key, t)`: is `now - t` still inside the current back-off? (CrashLoopBackOff
 *   asks it with the container's finishedAt);
 * - `isInBackOffSinceUpdate(key, t)`: is `t - lastUpdate` inside it? (image pulls ask it with now).
 */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    private readonly clock: KubeletClock,
  ) {}

  /** The current back-off of `key`, 0 when it has none. */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(eventTime, e.lastUpdate)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
    e.lastUpdate = eventTime;
  }

  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(eventTime, e.lastUpdate)) return false;
    return this.clock.now() - eventTime < e.backoffMs;
  }

  isInBackOffSinceUpdate(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(eventTime, e.lastUpdate)) return false;
    return eventTime - e.lastUpdate < e.backoffMs;
  }

  /** When the back-off that `isInBackOffSince(key, eventTime)` reports ends (ms epoch). */
  endsAt(key: string, eventTime: number): number {
    return eventTime + this.get(key);
  }

  /** When the back-off that `isInBackOffSinceUpdate` reports ends. */
  updateEndsAt(key: string): number {
    const e = this.entries.get(key);
    return e ? e.lastUpdate + e.backoffMs : this.clock.now();
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry of keys starting with `prefix` (a pod's, when it goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Forgets expired entries. */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (this.expired(now, e.lastUpdate)) this.entries.delete(k);
  }

  private expired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > this.maxMs * 2;
  }
}
