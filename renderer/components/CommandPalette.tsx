/**
 * Ctrl/Cmd-K: jump to any view or object. Objects come from the live lists in the query cache;
 * opening the palette also starts lists of the common kinds (they stop again a minute after the
 * palette closes, when the cache collects them).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { KINDS, kindByKey } from '../lib/kinds';
import { listQueryOptions, queryClient } from '../lib/queryClient';
import { navigate, routeHref, useRoute } from '../lib/router';
import type { ListSnapshot } from '../lib/watch';
import { Icon } from './Icons';

const PREFETCH = ['pods', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'services', 'ingresses', 'configmaps', 'secrets', 'nodes', 'namespaces', 'persistentvolumeclaims'];

interface Item {
  label: string;
  kindTitle: string;
  icon: string;
  ns?: string;
  go: () => void;
}

export function CommandPalette({ onClose, onTheme }: { onClose: () => void; onTheme: () => void }) {
  const r = useRoute();
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const [tick, setTick] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    for (const key of PREFETCH) void queryClient.prefetchQuery(listQueryOptions({ ctx: r.ctx, kind: kindByKey(key), namespace: '' }));
    // Re-render as the prefetched lists arrive.
    return queryClient.getQueryCache().subscribe((e) => e.type === 'updated' && setTick((t) => t + 1));
  }, [r.ctx]);

  const items = useMemo<Item[]>(() => {
    const views: Item[] = [
      { label: 'Overview', kindTitle: 'View', icon: 'overview', go: () => navigate(routeHref({ ctx: r.ctx, view: 'overview', ns: r.ns })) },
      ...KINDS.map((k) => ({ label: k.title, kindTitle: 'View', icon: k.key, go: () => navigate(routeHref({ ctx: r.ctx, view: k.key, ns: r.ns })) })),
      { label: 'Port Forwards', kindTitle: 'View', icon: 'portforwards', go: () => navigate(routeHref({ ctx: r.ctx, view: 'portforwards', ns: r.ns })) },
      { label: 'Topology (Service → Pods → Nodes)', kindTitle: 'View', icon: 'topology', go: () => navigate(routeHref({ ctx: r.ctx, view: 'topology', ns: r.ns })) },
      { label: 'Toggle dark/light theme', kindTitle: 'Action', icon: 'sun', go: onTheme },
    ];
    const objs: Item[] = [];
    for (const k of KINDS) {
      const snap = queryClient.getQueryData<ListSnapshot>(listQueryOptions({ ctx: r.ctx, kind: k, namespace: '' }).queryKey);
      const nsSnap = r.ns ? queryClient.getQueryData<ListSnapshot>(listQueryOptions({ ctx: r.ctx, kind: k, namespace: r.ns }).queryKey) : undefined;
      const list = snap?.items ?? nsSnap?.items ?? [];
      if (k.key === 'events') continue;
      for (const o of list) {
        objs.push({
          label: o.metadata.name,
          kindTitle: k.kind,
          icon: k.key,
          ns: o.metadata.namespace,
          go: () => navigate(routeHref({ ctx: r.ctx, view: k.key, ns: r.ns && o.metadata.namespace !== r.ns ? '' : r.ns, sel: { namespace: o.metadata.namespace, name: o.metadata.name } })),
        });
      }
    }
    return [...views, ...objs];
  }, [r.ctx, r.ns, onTheme, tick]);

  const results = useMemo(() => {
    const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return items.slice(0, 60);
    const scored: { it: Item; s: number }[] = [];
    for (const it of items) {
      const hay = `${it.label} ${it.kindTitle} ${it.ns ?? ''}`.toLowerCase();
      if (!terms.every((t) => hay.includes(t))) continue;
      const name = it.label.toLowerCase();
      const s = (name === terms[0] ? 0 : name.startsWith(terms[0]) ? 1 : 2) + (it.kindTitle === 'View' ? 0 : 0.5);
      scored.push({ it, s });
      if (scored.length > 2000) break;
    }
    return scored.sort((a, b) => a.s - b.s).slice(0, 60).map((x) => x.it);
  }, [items, q]);

  useEffect(() => setActive(0), [q]);
  useEffect(() => {
    listRef.current?.querySelector('.palette-item.active')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const choose = (it: Item | undefined) => {
    if (!it) return;
    onClose();
    it.go();
  };

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="palette" role="dialog" aria-label="Command palette">
        <input
          autoFocus
          placeholder="Jump to a view or any resource…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          data-testid="palette-input"
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, results.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === 'Enter') choose(results[active]);
            else if (e.key === 'Escape') onClose();
          }}
        />
        <div className="palette-list" ref={listRef}>
          {results.map((it, i) => (
            <div key={`${it.kindTitle}/${it.ns ?? ''}/${it.label}`} className={`palette-item${i === active ? ' active' : ''}`} onMouseEnter={() => setActive(i)} onClick={() => choose(it)}>
              <Icon name={it.icon} />
              <span className="k">{it.kindTitle}</span>
              <span>{it.label}</span>
              {it.ns ? <span className="ns">{it.ns}</span> : null}
            </div>
          ))}
          {results.length === 0 ? <div className="empty">No matches</div> : null}
        </div>
      </div>
    </div>
  );
}
