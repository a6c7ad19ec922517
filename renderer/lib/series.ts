/**
 * Bounded time series for the usage charts, and the arithmetic of drawing them (scales, nice
 * ticks, SVG paths with gaps). No imports: unit-tested under Node.
 *
 * Memory is bounded twice: by time (points older than the window are dropped) and by count
 * (a series never holds more than `maxPoints`), and a SeriesSet caps how many series it keeps.
 */
export interface Point {
  /** ms since epoch */
  t: number;
  v: number;
}

export class Series {
  private pts: Point[] = [];

  constructor(
    readonly windowMs = 15 * 60_000,
    readonly maxPoints = 240,
  ) {}

  add(t: number, v: number): void {
    if (!Number.isFinite(v)) return;
    const last = this.pts[this.pts.length - 1];
    if (last && t <= last.t) {
      // Same instant (a cached sample): replace, never go back in time.
      if (t === last.t) last.v = v;
      return;
    }
    this.pts.push({ t, v });
    this.prune(t);
  }

  prune(now: number): void {
    const cut = now - this.windowMs;
    let i = 0;
    while (i < this.pts.length && this.pts[i].t < cut) i++;
    const over = this.pts.length - i - this.maxPoints;
    if (over > 0) i += over;
    if (i > 0) this.pts = this.pts.slice(i);
  }

  get points(): readonly Point[] {
    return this.pts;
  }

  get last(): Point | undefined {
    return this.pts[this.pts.length - 1];
  }

  get length(): number {
    return this.pts.length;
  }
}

/** Named series (per node, per pod) with a cap on how many are kept (least recently updated go first). */
export class SeriesSet {
  private readonly map = new Map<string, Series>();

  constructor(
    readonly maxSeries = 2000,
    readonly windowMs = 15 * 60_000,
    readonly maxPoints = 240,
  ) {}

  add(name: string, t: number, v: number): void {
    let s = this.map.get(name);
    if (s) this.map.delete(name); // re-insert: Map order = recency
    else s = new Series(this.windowMs, this.maxPoints);
    s.add(t, v);
    this.map.set(name, s);
    while (this.map.size > this.maxSeries) this.map.delete(this.map.keys().next().value as string);
  }

  get(name: string): Series | undefined {
    return this.map.get(name);
  }

  /** Drops series not updated within the window. */
  prune(now: number): void {
    for (const [k, s] of this.map) {
      s.prune(now);
      if (s.length === 0) this.map.delete(k);
    }
  }

  get size(): number {
    return this.map.size;
  }

  names(): string[] {
    return [...this.map.keys()];
  }
}

/**
 * A "nice" upper bound for an axis at or above `v`: 1, 2, 2.5, 5 × 10^n, or for byte
 * quantities (`binary`) a power of two (so ticks read 512Ki, 1Mi, 64Mi…).
 */
export function niceCeil(v: number, binary = false): number {
  if (!(v > 0)) return 1;
  if (binary) return Math.pow(2, Math.ceil(Math.log2(v) - 1e-9));
  const e = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v * 0.999999) return m * e;
  return 10 * e;
}

export interface PathOptions {
  width: number;
  height: number;
  /** Time range shown (right edge = `end`). */
  start: number;
  end: number;
  max: number;
  /** Points further apart than this start a new segment (a gap while the view was hidden). */
  gapMs: number;
}

/**
 * SVG path data for a line and the area under it, split into segments at gaps (no samples: the
 * view was hidden, or the metrics API did not answer). Gaps get a separate dashed connector,
 * and a segment of a single sample is returned as a dot — nothing is drawn where no data is.
 */
export function chartPaths(points: readonly Point[], o: PathOptions): { line: string; area: string; gaps: string; dots: { x: number; y: number }[] } {
  const x = (t: number) => ((t - o.start) / Math.max(1, o.end - o.start)) * o.width;
  const y = (v: number) => o.height - (Math.min(v, o.max) / (o.max || 1)) * o.height;
  const segs: Point[][] = [];
  let cur: Point[] = [];
  for (const p of points) {
    if (p.t < o.start - o.gapMs) continue;
    if (cur.length && p.t - cur[cur.length - 1].t > o.gapMs) {
      segs.push(cur);
      cur = [];
    }
    cur.push(p);
  }
  if (cur.length) segs.push(cur);
  let line = '';
  let area = '';
  let gaps = '';
  const dots: { x: number; y: number }[] = [];
  const f = (n: number) => (Math.round(n * 10) / 10).toString();
  const xy = (p: Point) => `${f(Math.max(0, x(p.t)))},${f(y(p.v))}`;
  segs.forEach((s, i) => {
    if (i > 0) {
      const prev = segs[i - 1][segs[i - 1].length - 1];
      gaps += `M${xy(prev)}L${xy(s[0])}`;
    }
    if (s.length === 1) {
      dots.push({ x: Math.max(0, x(s[0].t)), y: y(s[0].v) });
      return;
    }
    line += `M${s.map(xy).join('L')}`;
    area += `M${f(Math.max(0, x(s[0].t)))},${f(o.height)}L${s.map(xy).join('L')}L${f(x(s[s.length - 1].t))},${f(o.height)}Z`;
  });
  return { line, area, gaps, dots };
}

/** The point nearest to time `t` (for hover read-outs). */
export function nearest(points: readonly Point[], t: number): Point | undefined {
  let best: Point | undefined;
  let d = Infinity;
  for (const p of points) {
    const dd = Math.abs(p.t - t);
    if (dd < d) {
      d = dd;
      best = p;
    }
  }
  return best;
}
