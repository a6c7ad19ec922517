/**
 * A tiny router over the History API. Routes: `/c/<context>/<view>?ns=&q=&sel=<ns>/<name>&tab=`.
 * `view` is `overview`, `portforwards`, or a kind key (`pods`, `deployments`…).
 */
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';

const subs = new Set<() => void>();
let href = location.pathname + location.search;

function notify(): void {
  href = location.pathname + location.search;
  for (const s of subs) s();
}
window.addEventListener('popstate', notify);

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

export interface Route {
  ctx: string;
  view: string;
  ns: string;
  q: string;
  sel?: { namespace?: string; name: string };
  /** Kind key of `sel` on views that show several kinds (the topology map). */
  kind?: string;
  tab: string;
}

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const sp = new URLSearchParams(search);
  const selRaw = sp.get('sel');
  let sel: Route['sel'];
  if (selRaw) {
    const i = selRaw.indexOf('/');
    sel = i >= 0 ? { namespace: selRaw.slice(0, i) || undefined, name: selRaw.slice(i + 1) } : { name: selRaw };
  }
  return {
    ctx: parts[0] === 'c' ? (parts[1] ?? '') : '',
    view: parts[0] === 'c' ? (parts[2] ?? 'overview') : 'overview',
    ns: sp.get('ns') ?? '',
    q: sp.get('q') ?? '',
    sel,
    kind: sp.get('kind') ?? undefined,
    tab: sp.get('tab') ?? '',
  };
}

export function routeHref(r: Partial<Route> & { ctx: string; view: string }): string {
  const sp = new URLSearchParams();
  if (r.ns) sp.set('ns', r.ns);
  if (r.q) sp.set('q', r.q);
  if (r.sel) sp.set('sel', `${r.sel.namespace ?? ''}/${r.sel.name}`);
  if (r.sel && r.kind) sp.set('kind', r.kind);
  if (r.tab) sp.set('tab', r.tab);
  const s = sp.toString();
  return `/c/${encodeURIComponent(r.ctx)}/${r.view}${s ? `?${s.replace(/%2F/g, '/')}` : ''}`;
}

function subscribe(fn: () => void): () => void {
  subs.add(fn);
  return () => subs.delete(fn);
}

export function useRoute(): Route {
  const h = useSyncExternalStore(subscribe, () => href);
  const i = h.indexOf('?');
  return parseRoute(i >= 0 ? h.slice(0, i) : h, i >= 0 ? h.slice(i) : '');
}

/** Changes some route fields, keeping the others. */
export function updateRoute(cur: Route, patch: Partial<Route>, replace = false): void {
  navigate(routeHref({ ...cur, ...patch }), replace);
}

export function Link({ to, children, className, title }: { to: string; children: ReactNode; className?: string; title?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className} title={title}>
      {children}
    </a>
  );
}
