/**
 * CPU/memory usage from metrics.k8s.io (NodeMetrics, PodMetrics) for the charts.
 *
 * Why this samples on a timer although everything else in the dashboard is list+watch and
 * "never poll": usage is not object state. metrics.k8s.io serves measurements computed on
 * request (the kubelet's stats, metrics-server's scrape); its objects have no resourceVersion and
 * the API has no watch verb, so there is no change stream to subscribe to — a new sample is a new
 * data point of a time series, not an update we would otherwise miss. Object state (pods, nodes,
 * their status) still comes only from watches. Sampling is therefore bounded to what a chart on
 * screen needs:
 *   - every 15 s (metrics-server's default resolution; the kubelet caches stats for 5 s),
 *   - only while a chart subscribes (a view showing usage is mounted) AND the page is visible
 *     (document.visibilityState) — a hidden tab, a closed details panel or another view costs
 *     nothing,
 *   - one request per scope (all nodes; the pods of a namespace; one pod) however many charts
 *     show it,
 *   - history in memory only, last 15 minutes, a fixed number of points and series (series.ts).
 * When the cluster doesn't serve metrics.k8s.io, the charts say so; the sampler keeps asking at
 * the same 15 s pace while visible, so usage appears when a metrics provider starts.
 */
import { useSyncExternalStore } from 'react';
import { ApiError, request } from './api';
import { parseQuantity } from './format';
import { SeriesSet, Series } from './series';

export const SAMPLE_MS = 15_000;
export const WINDOW_MS = 15 * 60_000;

export type MetricsStatus = 'loading' | 'ok' | 'unavailable' | 'error';

export interface Usage {
  cpu: number;
  memory: number;
}

export interface MetricsSnapshot {
  status: MetricsStatus;
  error?: string;
  /** When the last successful sample was taken. */
  at?: number;
  /** Sum over every object in scope (cluster total for nodes). */
  cpu: Series;
  memory: Series;
  /** Per object (`name` for nodes, `namespace/name` for pods). */
  cpuBy: SeriesSet;
  memoryBy: SeriesSet;
  /** Latest usage per object, and per container for pods (`namespace/name/container`). */
  latest: Map<string, Usage>;
  containers: Map<string, Usage>;
  /** Bumped on each change (cheap React change detection). */
  version: number;
}

export type MetricsScope = { kind: 'nodes' } | { kind: 'pods'; namespace?: string } | { kind: 'pod'; namespace: string; name: string };

interface MetricsItem {
  metadata: { name: string; namespace?: string };
  usage?: { cpu?: string; memory?: string };
  containers?: { name: string; usage: { cpu?: string; memory?: string } }[];
}

function scopePath(s: MetricsScope): string {
  const base = '/apis/metrics.k8s.io/v1beta1';
  if (s.kind === 'nodes') return `${base}/nodes`;
  if (s.kind === 'pod') return `${base}/namespaces/${encodeURIComponent(s.namespace)}/pods/${encodeURIComponent(s.name)}`;
  return s.namespace ? `${base}/namespaces/${encodeURIComponent(s.namespace)}/pods` : `${base}/pods`;
}

class Sampler {
  private subs = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight = false;
  private lastAttempt = 0;
  snap: MetricsSnapshot;

  constructor(
    readonly ctx: string,
    readonly scope: MetricsScope,
  ) {
    this.snap = { status: 'loading', cpu: new Series(WINDOW_MS), memory: new Series(WINDOW_MS), cpuBy: new SeriesSet(2000, WINDOW_MS), memoryBy: new SeriesSet(2000, WINDOW_MS), latest: new Map(), containers: new Map(), version: 0 };
  }

  readonly subscribe = (fn: () => void): (() => void) => {
    this.subs.add(fn);
    this.sync();
    return () => {
      this.subs.delete(fn);
      this.sync();
    };
  };

  /** Runs the 15 s timer only while someone shows the data and the page is visible. */
  sync(): void {
    const want = this.subs.size > 0 && document.visibilityState === 'visible';
    if (want && !this.timer) {
      const due = Math.max(0, this.lastAttempt + SAMPLE_MS - Date.now());
      this.timer = setTimeout(() => this.tick(), due);
    } else if (!want && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    void this.sample().finally(() => {
      if (!this.timer) return; // stopped meanwhile
      this.timer = setTimeout(() => this.tick(), SAMPLE_MS);
    });
  }

  private async sample(): Promise<void> {
    if (this.inflight) return;
    this.inflight = true;
    this.lastAttempt = Date.now();
    try {
      // A sample that takes longer than the interval is dropped: it would be stale anyway.
      const body = await request<{ items?: MetricsItem[] } & MetricsItem>(this.ctx, scopePath(this.scope), { signal: AbortSignal.timeout(SAMPLE_MS - 2000) });
      const items: MetricsItem[] = body.items ?? (body.metadata?.name ? [body] : []);
      this.record(items, Date.now());
    } catch (e) {
      // 404/503: no metrics provider (or, for one pod, no sample for it yet); else a real error,
      // shown without dropping the history already drawn.
      const unavailable = e instanceof ApiError && (e.code === 404 || e.code === 503 || e.code === 403);
      this.snap = {
        ...this.snap,
        status: unavailable ? 'unavailable' : this.snap.status === 'ok' ? 'ok' : 'error',
        error: e instanceof Error ? e.message : String(e),
        version: this.snap.version + 1,
      };
      this.emit();
    } finally {
      this.inflight = false;
    }
  }

  private record(items: MetricsItem[], now: number): void {
    const s = this.snap;
    let cpu = 0;
    let memory = 0;
    const latest = new Map<string, Usage>();
    const containers = new Map<string, Usage>();
    for (const it of items) {
      const name = it.metadata.namespace ? `${it.metadata.namespace}/${it.metadata.name}` : it.metadata.name;
      let c = 0;
      let m = 0;
      if (it.usage) {
        c = parseQuantity(it.usage.cpu);
        m = parseQuantity(it.usage.memory);
      }
      for (const ct of it.containers ?? []) {
        const cc = parseQuantity(ct.usage.cpu);
        const cm = parseQuantity(ct.usage.memory);
        containers.set(`${name}/${ct.name}`, { cpu: cc, memory: cm });
        if (!it.usage) {
          c += cc;
          m += cm;
        }
      }
      latest.set(name, { cpu: c, memory: m });
      s.cpuBy.add(name, now, c);
      s.memoryBy.add(name, now, m);
      cpu += c;
      memory += m;
    }
    s.cpu.add(now, cpu);
    s.memory.add(now, memory);
    s.cpuBy.prune(now);
    s.memoryBy.prune(now);
    this.snap = { ...s, status: 'ok', error: undefined, at: now, latest, containers, version: s.version + 1 };
    this.emit();
  }

  private emit(): void {
    for (const f of this.subs) f();
  }
}

const samplers = new Map<string, Sampler>();
const MAX_SAMPLERS = 24;

function samplerFor(ctx: string, scope: MetricsScope): Sampler {
  const key = `${ctx}|${JSON.stringify(scope)}`;
  let s = samplers.get(key);
  if (s) {
    samplers.delete(key);
    samplers.set(key, s);
    return s;
  }
  s = new Sampler(ctx, scope);
  samplers.set(key, s);
  // Bound memory: forget the least recently used scopes that nobody shows.
  for (const [k, v] of samplers) {
    if (samplers.size <= MAX_SAMPLERS) break;
    if (v !== s) samplers.delete(k);
  }
  return s;
}

if (typeof document !== 'undefined') document.addEventListener('visibilitychange', () => samplers.forEach((s) => s.sync()));

/** Usage for a scope, sampled every 15 s while the calling component is mounted and the page visible. */
export function useMetrics(ctx: string, scope: MetricsScope, enabled = true): MetricsSnapshot | undefined {
  const s = enabled ? samplerFor(ctx, scope) : undefined;
  return useSyncExternalStore(s ? s.subscribe : noSubscribe, () => s?.snap);
}

const noSubscribe = () => () => undefined;
