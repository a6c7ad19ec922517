/**
 * Small SVG charts for usage (no chart library): an area chart with grid, time axis, capacity
 * read-out and a hover cursor, and a sparkline for table cells. Sized in real pixels (a
 * ResizeObserver measures the box), so strokes and text never stretch.
 */
import { useEffect, useId, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import { chartPaths, nearest, niceCeil, type Point } from '../lib/series';
import { SAMPLE_MS, WINDOW_MS, type MetricsSnapshot } from '../lib/metrics';
import { Icon } from './Icons';

function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    setW(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

const MIN_SPAN = 2 * 60_000;

function timeLabel(ms: number): string {
  if (ms === 0) return 'now';
  const s = Math.round(ms / 1000);
  return s % 60 ? `-${Math.floor(s / 60) ? `${Math.floor(s / 60)}m` : ''}${s % 60}s` : `-${s / 60}m`;
}

/** Time ticks (ms before the right edge) at a round step, at most 5. */
function timeTicks(span: number): number[] {
  const step = [30_000, 60_000, 120_000, 300_000, 600_000].find((s) => span / s <= 4) ?? 600_000;
  const out: number[] = [];
  for (let d = 0; d <= span + 1; d += step) out.push(d);
  return out;
}

export interface AreaChartProps {
  points: readonly Point[];
  format: (v: number) => string;
  /** A line for the limit (allocatable, a container limit), drawn when within the scale. */
  limit?: number;
  color?: string;
  height?: number;
  testId?: string;
  label: string;
  /** Byte quantities: axis steps in powers of two. */
  binary?: boolean;
}

export function AreaChart({ points, format, limit, color = 'var(--accent)', height = 110, testId, label, binary }: AreaChartProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const gid = useId().replace(/:/g, '');
  const last = points[points.length - 1];
  const end = last ? Math.max(last.t, Date.now() - SAMPLE_MS) : Date.now();
  const first = points[0]?.t ?? end;
  // The window grows with the history: from 2 minutes up to the 15 kept.
  const span = Math.min(WINDOW_MS, Math.max(MIN_SPAN, end - first));
  const start = end - span;
  const peak = points.reduce((m, p) => Math.max(m, p.v), 0);
  const max = niceCeil(Math.max(peak * 1.15, limit && limit <= peak * 2.5 ? limit : 0, peak > 0 ? 0 : 1e-9) || 1, binary);
  const LEFT = 0;
  const plotW = Math.max(0, width - LEFT);
  const paths = useMemo(() => chartPaths(points, { width: plotW, height, start, end, max, gapMs: SAMPLE_MS * 2.5 }), [points, plotW, height, start, end, max]);
  const hp = hover !== null ? nearest(points, start + (hover / Math.max(1, plotW)) * span) : undefined;
  const x = (t: number) => ((t - start) / span) * plotW;
  const y = (v: number) => height - (Math.min(v, max) / max) * height;
  const ticks = [0.5, 1].map((f) => max * f);
  const xTicks = timeTicks(span);
  return (
    <div className="area-chart" data-testid={testId} aria-label={label} role="img">
      <div className="plot" ref={ref} style={{ height }} onMouseMove={(e) => setHover(e.clientX - e.currentTarget.getBoundingClientRect().left - LEFT)} onMouseLeave={() => setHover(null)}>
        {width > 0 ? (
          <svg width={width} height={height} className="chart-svg">
            <defs>
              <linearGradient id={`g${gid}`} x1="0" y1="0" x2="0" y2="1">
                <stop offset="0%" stopColor={color} stopOpacity="0.35" />
                <stop offset="100%" stopColor={color} stopOpacity="0.02" />
              </linearGradient>
            </defs>
            {ticks.map((v) => (
              <line key={v} x1={LEFT} x2={width} y1={Math.round(y(v)) + 0.5} y2={Math.round(y(v)) + 0.5} className="grid" />
            ))}
            <line x1={LEFT} x2={width} y1={height - 0.5} y2={height - 0.5} className="axis" />
            {limit !== undefined && limit > 0 && limit <= max ? <line x1={LEFT} x2={width} y1={y(limit)} y2={y(limit)} className="limit" /> : null}
            <g transform={`translate(${LEFT},0)`}>
              <path d={paths.area} fill={`url(#g${gid})`} />
              <path d={paths.line} fill="none" stroke={color} strokeWidth="1.8" strokeLinejoin="round" strokeLinecap="round" className="series" />
              <path d={paths.gaps} fill="none" stroke={color} strokeWidth="1.2" strokeDasharray="3 4" opacity="0.55" className="gap" />
              {paths.dots.map((d, i) => (
                <circle key={i} cx={d.x} cy={d.y} r="2.2" fill={color} />
              ))}
              {last ? <circle cx={x(last.t)} cy={y(last.v)} r="3.2" fill={color} stroke="var(--panel)" strokeWidth="1.5" /> : null}
              {hp ? (
                <>
                  <line x1={x(hp.t)} x2={x(hp.t)} y1={0} y2={height} className="cursor" />
                  <circle cx={x(hp.t)} cy={y(hp.v)} r="3.5" fill="var(--panel)" stroke={color} strokeWidth="2" />
                </>
              ) : null}
            </g>
          </svg>
        ) : null}
        {ticks.map((v) => (
          <span key={v} className="y-label" style={{ top: y(v) }}>
            {format(v)}
          </span>
        ))}
        {hp ? (
          <div className="chart-tip" style={{ left: Math.min(Math.max(x(hp.t) + LEFT, 60), width - 60) }}>
            <b>{format(hp.v)}</b> <span className="muted">{new Date(hp.t).toLocaleTimeString()}</span>
          </div>
        ) : null}
      </div>
      <div className="x-labels">
        {xTicks.map((d) => (
          <span key={d} style={{ left: plotW - (d / span) * plotW }} className={d === 0 ? 'end' : d >= span - 1 ? 'start' : undefined}>
            {timeLabel(d)}
          </span>
        ))}
      </div>
    </div>
  );
}

export function Sparkline({ points, width = 90, height = 24, color = 'var(--accent)', max: fixedMax }: { points: readonly Point[]; width?: number; height?: number; color?: string; max?: number }) {
  const gid = useId().replace(/:/g, '');
  if (points.length === 0) return <span className="muted">—</span>;
  const end = points[points.length - 1].t;
  const span = Math.min(WINDOW_MS, Math.max(MIN_SPAN, end - points[0].t));
  const peak = points.reduce((m, p) => Math.max(m, p.v), 0);
  const max = fixedMax ?? (peak > 0 ? peak * 1.2 : 1);
  const { line, area, gaps } = chartPaths(points, { width, height: height - 2, start: end - span, end, max, gapMs: SAMPLE_MS * 2.5 });
  return (
    <svg width={width} height={height} className="sparkline" aria-hidden="true">
      <defs>
        <linearGradient id={`s${gid}`} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0%" stopColor={color} stopOpacity="0.3" />
          <stop offset="100%" stopColor={color} stopOpacity="0" />
        </linearGradient>
      </defs>
      <g transform="translate(0,1)">
        <path d={area} fill={`url(#s${gid})`} />
        <path d={line} fill="none" stroke={color} strokeWidth="1.5" strokeLinejoin="round" />
        <path d={gaps} fill="none" stroke={color} strokeWidth="1" strokeDasharray="2 3" opacity="0.6" />
      </g>
    </svg>
  );
}

/** A usage card: title, current value, share of the limit, and the chart. */
export function UsageCard({ title, points, format, limit, limitLabel, color, testId, right, binary }: { title: string; points: readonly Point[]; format: (v: number) => string; limit?: number; limitLabel?: string; color?: string; testId?: string; right?: ReactNode; binary?: boolean }) {
  const last = points[points.length - 1];
  const pct = last && limit ? (last.v / limit) * 100 : undefined;
  return (
    <div className="usage">
      <div className="usage-head">
        <span className="usage-title">{title}</span>
        <span className="usage-value" data-testid={testId ? `${testId}-value` : undefined}>
          {last ? format(last.v) : '—'}
        </span>
        {limit ? (
          <span className="usage-sub">
            of {format(limit)} {limitLabel ?? ''}
            {pct !== undefined ? ` · ${pct < 1 && pct > 0 ? '<1' : Math.round(pct)}%` : ''}
          </span>
        ) : null}
        <span style={{ marginLeft: 'auto' }}>{right}</span>
      </div>
      <AreaChart points={points} format={format} limit={limit} color={color} testId={testId} label={title} binary={binary} />
    </div>
  );
}

/** What the charts show without data: loading, no metrics API, or an error. */
export function MetricsState({ snap, compact, missing }: { snap: MetricsSnapshot | undefined; compact?: boolean; missing?: string }) {
  if (!snap || snap.status === 'loading') return <div className={`metrics-state${compact ? ' compact' : ''}`}>Sampling usage…</div>;
  if (snap.status === 'ok') {
    if (!missing) return null;
    return (
      <div className={`metrics-state${compact ? ' compact' : ''}`} data-testid="metrics-missing">
        <Icon name="scale" size={18} />
        <div className="muted">{missing}</div>
      </div>
    );
  }
  return (
    <div className={`metrics-state${compact ? ' compact' : ''}`} data-testid="metrics-unavailable">
      <Icon name="scale" size={18} />
      <div>
        <b>{snap.status === 'unavailable' ? 'Metrics unavailable' : 'Metrics error'}</b>
        <div className="muted">
          {snap.status === 'unavailable' ? 'This cluster does not serve metrics.k8s.io (yet). Skiff’s kubelet serves it while it runs pods; on other clusters install metrics-server.' : snap.error}
        </div>
      </div>
    </div>
  );
}

export function SampleNote({ snap }: { snap: MetricsSnapshot | undefined }) {
  if (!snap?.at) return null;
  return (
    <span className="sample-note" title="metrics.k8s.io has no watch: usage is sampled every 15 s while this view is open and visible; last 15 minutes kept in memory">
      <span className="pulse" /> every 15 s
    </span>
  );
}
