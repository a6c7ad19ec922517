/** Status badges, ticking ages and other small cells shared by every table and details page. */
import { formatAge, useNow } from '../lib/time';
import { statusTone, type Tone } from '../lib/format';

export function StatusBadge({ status, tone }: { status: string; tone?: Tone }) {
  const t = tone ?? statusTone(status);
  return <span className={`badge tone-${t}`}>{status}</span>;
}

export function Age({ ts }: { ts: string | undefined }) {
  const now = useNow();
  return <span title={ts}>{formatAge(ts, now)}</span>;
}

export function Labels({ labels, max }: { labels?: Record<string, string>; max?: number }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  const shown = max ? entries.slice(0, max) : entries;
  return (
    <span>
      {shown.map(([k, v]) => (
        <span className="chip" key={k} title={`${k}=${v}`}>
          {k}={v}
        </span>
      ))}
      {max && entries.length > max ? <span className="muted">+{entries.length - max}</span> : null}
    </span>
  );
}

export function LivePhase({ phase, error }: { phase?: string; error?: string }) {
  if (!phase) return null;
  const label = phase === 'live' ? 'Live' : phase === 'loading' ? 'Loading…' : 'Reconnecting…';
  return (
    <span className={`live ${phase}`} title={error ?? 'Watching for changes'}>
      {label}
    </span>
  );
}
