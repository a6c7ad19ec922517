/**
 * Timers whose delay may exceed what setTimeout can hold. Node (like browsers) stores a timer's
 * delay as a signed 32-bit count of milliseconds: anything above 2^31-1 (about 24.8 days) is
 * replaced by 1 ms with a TimeoutOverflowWarning. A @yearly CronJob or a Job with a long
 * activeDeadlineSeconds asks for such delays, and a requeue that fires after 1 ms only to ask
 * again becomes a busy loop. `setLongTimeout` waits in chunks of at most MAX_TIMEOUT_MS, so a
 * long delay fires once, at its time.
 */

/** The longest delay one setTimeout can wait: 2^31-1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Where the chunks are scheduled: the global timers, or a test's manual clock. */
export interface TimerHost {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const nodeTimers: TimerHost = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A pending long timer: cancel it, or let it not keep the process alive. */
export interface LongTimeout {
  cancel(): void;
  unref(): LongTimeout;
}

/** Clamps a delay into what one setTimeout accepts (non-finite and negative → 0). */
export function clampDelay(ms: number): number {
  if (!Number.isFinite(ms)) return ms > 0 ? MAX_TIMEOUT_MS : 0;
  return Math.min(MAX_TIMEOUT_MS, Math.max(0, ms));
}

/**
 * Runs `fn` after `ms`, however long; chunks of at most MAX_TIMEOUT_MS are chained. An infinite
 * delay never fires (it re-arms every ~24.8 days until cancelled).
 */
export function setLongTimeout(fn: () => void, ms: number, host: TimerHost = nodeTimers): LongTimeout {
  let remaining = Number.isNaN(ms) ? 0 : Math.max(0, ms);
  let handle: unknown;
  let unrefd = false;
  let cancelled = false;
  const arm = () => {
    const chunk = Math.min(remaining, MAX_TIMEOUT_MS);
    remaining -= chunk;
    handle = host.setTimeout(() => {
      if (cancelled) return;
      if (remaining > 0) arm();
      else fn();
    }, chunk);
    if (unrefd) (handle as { unref?: () => void } | undefined)?.unref?.();
  };
  arm();
  const t: LongTimeout = {
    cancel: () => {
      cancelled = true;
      host.clearTimeout(handle);
    },
    unref: () => {
      unrefd = true;
      (handle as { unref?: () => void } | undefined)?.unref?.();
      return t;
    },
  };
  return t;
}

/** Time moves only on `advance`, which runs due timers in time order. */
export class ManualClock implements TimerHost {
  private t: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  constructor(start = Date.UTC(2025, 0, 1)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Move time forward, firing timers as their time comes (timers they add fire too). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
  /** Number of pending timers (to assert nothing is left waiting). */
  get pending(): number {
    return this.timers.size;
  }
}
