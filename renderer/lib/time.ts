/**
 * Ages that tick. One shared 1 Hz ticker for the whole UI, running only while some visible
 * component shows an age and the page is visible — otherwise no timer at all.
 */
import { useSyncExternalStore } from 'react';

let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const subs = new Set<() => void>();

function tick(): void {
  now = Date.now();
  for (const s of subs) s();
}

function sync(): void {
  const want = subs.size > 0 && document.visibilityState === 'visible';
  if (want && !timer) {
    tick();
    timer = setInterval(tick, 1000);
  } else if (!want && timer) {
    clearInterval(timer);
    timer = undefined;
  }
}

if (typeof document !== 'undefined') document.addEventListener('visibilitychange', sync);

function subscribe(fn: () => void): () => void {
  subs.add(fn);
  sync();
  return () => {
    subs.delete(fn);
    sync();
  };
}

export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}

/** kubectl's age format: 5s, 3m12s, 2h5m, 4d3h, 2y. */
export function formatAge(fromIso: string | undefined, nowMs: number): string {
  if (!fromIso) return '—';
  const t = Date.parse(fromIso);
  if (!Number.isFinite(t)) return '—';
  let s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  s %= 60;
  if (m < 10) return s ? `${m}m${s}s` : `${m}m`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}
