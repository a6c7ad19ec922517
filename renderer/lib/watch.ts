/**
 * List-then-watch for one collection (client-go's Reflector, Headlamp's data layer):
 *   1. list in pages (limit/continue): a small first page shown at once, then bigger pages,
 *   2. watch from the list's resourceVersion (with bookmarks) and apply events to the state —
 *      over the dashboard's stream multiplexer (mux.ts), one WebSocket for all of a tab's watches,
 *   3. when the server ends the watch (its timeout), watch again from the last resourceVersion,
 *   4. on 410 Gone (HTTP or ERROR event) relist; on network errors retry with backoff.
 * Updates are batched: one snapshot per ~50 ms (more for very large lists), so 500 events/s
 * cost a few renders a second. Nothing runs while idle: no polling, no timers.
 */
import { ApiError, collectionPath, request, type ListPage } from './api';
import { lineSplitter, mux } from './mux';
import type { KindInfo } from './kinds';
import { ListState, type KubeObject, type WatchEvent } from './listState';

export type ListPhase = 'loading' | 'live' | 'reconnecting';

export interface ListSnapshot {
  items: KubeObject[];
  resourceVersion: string;
  phase: ListPhase;
  /** Last stream error while reconnecting. */
  error?: string;
}

export interface ListWatchOptions {
  ctx: string;
  kind: KindInfo;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  onUpdate: (s: ListSnapshot) => void;
}

const MAX_BACKOFF_MS = 30_000;

export class ListWatch {
  private readonly state = new ListState();
  private abort = new AbortController();
  private stopped = false;
  private phase: ListPhase = 'loading';
  private error: string | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private backoff = 1000;
  private closeStream: (() => void) | undefined;

  constructor(private readonly o: ListWatchOptions) {}

  /** Lists the first page and resolves with it; paging and watching continue in the background. */
  start(): Promise<ListSnapshot> {
    return new Promise<ListSnapshot>((resolve, reject) => {
      void this.run(resolve, reject);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.closeStream?.();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private query(extra: Record<string, string>): string {
    const q = new URLSearchParams();
    if (this.o.labelSelector) q.set('labelSelector', this.o.labelSelector);
    if (this.o.fieldSelector) q.set('fieldSelector', this.o.fieldSelector);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return `${collectionPath(this.o.kind, this.o.namespace)}?${q}`;
  }

  private snapshot(): ListSnapshot {
    return { items: this.state.takeSnapshot(), resourceVersion: this.state.resourceVersion, phase: this.phase, error: this.error };
  }

  private async run(resolveFirst?: (s: ListSnapshot) => void, rejectFirst?: (e: unknown) => void): Promise<void> {
    try {
      await this.list(resolveFirst);
    } catch (e) {
      if (this.stopped) return;
      // The server answered (403, 404…): the view shows the error. A network failure (the
      // browser's ERR_NETWORK_CHANGED when an interface appears, a laptop waking up) is
      // retried with backoff while the first page is still awaited.
      if (rejectFirst) {
        if (e instanceof ApiError || this.backoff >= MAX_BACKOFF_MS) return rejectFirst(e);
        return this.retryFirst(e, resolveFirst, rejectFirst);
      }
      return this.retry(e, true);
    }
    void this.watch();
  }

  private async list(onFirst?: (s: ListSnapshot) => void): Promise<void> {
    // A small first page paints fast; the rest come in bigger pages (fewer round trips).
    const first = String(this.o.pageSize ?? 500);
    const rest = String(Math.max(Number(first), 5000));
    let cont: string | undefined;
    let isFirst = true;
    const fresh = new ListState();
    do {
      const page = await request<ListPage>(this.o.ctx, this.query(cont ? { limit: rest, continue: cont } : { limit: first }), { signal: this.abort.signal });
      if (this.stopped) return;
      const kind = page.kind?.replace(/List$/, '');
      fresh.addPage(page.items ?? [], kind, page.apiVersion);
      cont = page.metadata.continue || undefined;
      fresh.resourceVersion = page.metadata.resourceVersion ?? fresh.resourceVersion;
      if (isFirst && (onFirst || !cont)) {
        // Show the first page now (first paint < 1 s even with 50,000 objects).
        this.state.reset();
        for (const [k, v] of fresh.items) this.state.items.set(k, v);
        this.state.resourceVersion = fresh.resourceVersion;
        this.phase = cont ? 'loading' : 'live';
        if (onFirst) onFirst(this.snapshot());
        else this.flushNow();
      }
      isFirst = false;
    } while (cont);
    // The complete list replaces whatever the first page showed.
    this.state.reset();
    for (const [k, v] of fresh.items) this.state.items.set(k, v);
    this.state.resourceVersion = fresh.resourceVersion;
    this.phase = 'live';
    this.error = undefined;
    this.flushNow();
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      const outcome = await this.watchOnce();
      if (this.stopped) return;
      if (outcome === 'gone') return this.relist();
      if (outcome !== 'ended') return this.retry(new Error(outcome.error), false);
      // 'ended': the server closed the watch (its timeout) — watch again from where we are.
    }
  }

  /** One watch request over the shared stream multiplexer, until it ends or fails. */
  private watchOnce(): Promise<'ended' | 'gone' | { error: string }> {
    return new Promise((resolve) => {
      const path = this.query({ watch: '1', resourceVersion: this.state.resourceVersion, allowWatchBookmarks: 'true' });
      let settled = false;
      const settle = (v: 'ended' | 'gone' | { error: string }) => {
        if (settled) return;
        settled = true;
        this.closeStream = undefined;
        close();
        resolve(v);
      };
      const feed = lineSplitter((line) => {
        if (settled || !line.trim()) return;
        let ev: WatchEvent;
        try {
          ev = JSON.parse(line) as WatchEvent;
        } catch {
          return;
        }
        const r = this.state.apply(ev);
        if (r === 'gone') settle('gone');
        else if (r === 'error') settle({ error: (ev.object as { message?: string }).message ?? 'watch error' });
        else if (this.state.dirty) this.scheduleFlush();
      });
      const close = mux.open(this.o.ctx, path, {
        onOpen: () => {
          this.backoff = 1000;
          if (this.phase !== 'live') {
            this.phase = 'live';
            this.error = undefined;
            this.scheduleFlush();
          }
        },
        onData: feed,
        onEnd: () => settle('ended'),
        onError: (code, message) => settle(code === 410 ? 'gone' : { error: message }),
      });
      this.closeStream = () => settle('ended');
    });
  }

  private retryFirst(e: unknown, resolveFirst: ((s: ListSnapshot) => void) | undefined, rejectFirst: (e: unknown) => void): void {
    this.error = e instanceof Error ? e.message : String(e);
    const delay = Math.min(this.backoff, 4000);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.run(resolveFirst, rejectFirst);
    }, delay);
  }

  private relist(): void {
    void this.run();
  }

  private retry(e: unknown, gone: boolean): void {
    if (this.stopped) return;
    this.phase = 'reconnecting';
    this.error = e instanceof Error ? e.message : String(e);
    this.flushNow();
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (gone) this.relist();
      else void this.watch();
    }, delay);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    // Bigger lists re-sort on every snapshot: fewer, larger batches keep scrolling smooth.
    const n = this.state.items.size;
    const delay = n > 20_000 ? 500 : n > 5000 ? 250 : 50;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushNow();
    }, delay);
  }

  private flushNow(): void {
    if (this.stopped) return;
    this.o.onUpdate(this.snapshot());
  }
}
