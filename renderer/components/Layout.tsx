/** Sidebar navigation (Lens/Headlamp style) and the top bar: context, namespace, filter, theme. */
import { useEffect, useRef, useState } from 'react';
import { KINDS, kindByKey, type Section } from '../lib/kinds';
import { Link, navigate, routeHref, updateRoute, useRoute } from '../lib/router';
import { useItems } from '../lib/queryClient';
import { useContexts } from '../lib/portforwards';
import { Icon } from './Icons';

const SECTIONS: Section[] = ['Cluster', 'Workloads', 'Config', 'Network', 'Storage'];

export function Sidebar() {
  const r = useRoute();
  const item = (view: string, title: string, icon: string) => (
    <Link key={view} to={routeHref({ ctx: r.ctx, view, ns: r.ns })} className={r.view === view ? 'active' : undefined}>
      <Icon name={icon} />
      {title}
    </Link>
  );
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="logo">
          <svg width="16" height="16" viewBox="0 0 32 32" aria-hidden="true">
            <path d="M4 19h24l-4 7H8z M15 4v13H7z M17 8l8 9h-8z" fill="#fff" />
          </svg>
        </span>
        Skiff
      </div>
      <div className="nav">
        {SECTIONS.map((s) => (
          <div className="nav-section" key={s}>
            <div className="nav-title">{s}</div>
            {s === 'Cluster' ? item('overview', 'Overview', 'overview') : null}
            {s === 'Network' ? item('topology', 'Topology', 'topology') : null}
            {KINDS.filter((k) => k.section === s).map((k) => item(k.key, k.title, k.key))}
            {s === 'Network' ? item('portforwards', 'Port Forwards', 'portforwards') : null}
          </div>
        ))}
      </div>
      <div className="sidebar-foot">
        <span className="kbd">Ctrl K</span> command palette
      </div>
    </nav>
  );
}

function ContextSwitcher() {
  const r = useRoute();
  const { data } = useContexts();
  const contexts = data?.contexts ?? [];
  return (
    <div className="ctx-switch">
      <span className="ctx-dot" />
      <select
        className="select"
        value={r.ctx}
        onChange={(e) => navigate(routeHref({ ctx: e.target.value, view: r.view === 'portforwards' ? 'overview' : r.view }))}
        aria-label="Kubernetes context"
        data-testid="context-select"
        style={{ maxWidth: 240, fontWeight: 600 }}
      >
        {contexts.length === 0 ? <option value={r.ctx}>{r.ctx}</option> : null}
        {contexts.map((c) => (
          <option key={c.name} value={c.name} title={c.server}>
            {c.name}
            {c.bundled ? ' (local)' : ''}
          </option>
        ))}
      </select>
    </div>
  );
}

function NamespaceSelect() {
  const r = useRoute();
  const { items } = useItems({ ctx: r.ctx, kind: kindByKey('namespaces') }, !!r.ctx);
  const names = items.map((n) => n.metadata.name).sort();
  if (r.ns && !names.includes(r.ns)) names.unshift(r.ns);
  return (
    <select className="select" value={r.ns} onChange={(e) => updateRoute(r, { ns: e.target.value, sel: undefined })} aria-label="Namespace" data-testid="namespace-select" style={{ maxWidth: 200 }}>
      <option value="">All namespaces</option>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}

function FilterBox() {
  const r = useRoute();
  const [v, setV] = useState(r.q);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => setV(r.q), [r.q]);
  useEffect(() => {
    const k = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === '/' && !/INPUT|TEXTAREA|SELECT/.test(t.tagName) && !t.isContentEditable && !t.closest('.xterm, .cm-editor')) {
        e.preventDefault();
        ref.current?.focus();
      }
    };
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, []);
  return (
    <div className="search">
      <Icon name="search" size={14} />
      <input
        ref={ref}
        className="input"
        placeholder="Filter by name, label…   /"
        value={v}
        onChange={(e) => {
          setV(e.target.value);
          updateRoute(r, { q: e.target.value }, true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setV('');
            updateRoute(r, { q: '' }, true);
            e.currentTarget.blur();
          }
        }}
        aria-label="Filter"
        data-testid="filter"
      />
    </div>
  );
}

export function Topbar({ theme, onTheme, onPalette }: { theme: string; onTheme: () => void; onPalette: () => void }) {
  const r = useRoute();
  const showNs = r.view === 'overview' || kindOrUndefined(r.view)?.namespaced || r.view === 'portforwards' || r.view === 'topology';
  return (
    <header className="topbar">
      <ContextSwitcher />
      {showNs ? <NamespaceSelect /> : null}
      <FilterBox />
      <span className="spacer" />
      <button className="btn ghost" onClick={onPalette} title="Command palette (Ctrl/Cmd-K)">
        <Icon name="search" size={14} /> Jump to… <span className="kbd">Ctrl K</span>
      </button>
      <button className="btn ghost icon-btn" onClick={onTheme} title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} aria-label="Toggle theme" data-testid="theme-toggle">
        <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
      </button>
    </header>
  );
}

function kindOrUndefined(view: string) {
  return KINDS.find((k) => k.key === view);
}
