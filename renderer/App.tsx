/**
 * The app shell: sidebar, top bar, the current view, the command palette and shortcuts.
 * Routes carry the kubeconfig context, so every view works for every cluster.
 */
import { Suspense, useCallback, useEffect, useState } from 'react';
import { navigate, routeHref, updateRoute, useRoute } from './lib/router';
import { fetchInfo, listenBackendEvents, useContexts } from './lib/portforwards';
import { Sidebar, Topbar } from './components/Layout';
import { CommandPalette } from './components/CommandPalette';
import { Toasts } from './components/Toasts';
import { Modal } from './components/Dialog';
import { VIEWS } from './resources/index';

type Theme = 'dark' | 'light';

function initialTheme(): Theme {
  const saved = localStorage.getItem('skiff.theme');
  if (saved === 'dark' || saved === 'light') return saved;
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

const GO: Record<string, string> = { o: 'overview', p: 'pods', d: 'deployments', s: 'services', n: 'nodes', e: 'events', c: 'configmaps', f: 'portforwards', t: 'topology' };

function Shortcuts({ onClose }: { onClose: () => void }) {
  const rows: [string, string][] = [
    ['Ctrl/⌘ K', 'Command palette: jump to any view or resource'],
    ['/', 'Focus the filter'],
    ['Esc', 'Close details / dialogs'],
    ['g then o p d s n e c f t', 'Go to Overview, Pods, Deployments, Services, Nodes, Events, ConfigMaps, Port Forwards, Topology'],
    ['?', 'This help'],
  ];
  return (
    <Modal onClose={onClose}>
      <h2>Keyboard shortcuts</h2>
      <table className="mini-table">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td style={{ width: 170 }}>
                <span className="kbd">{k}</span>
              </td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

export function App() {
  const r = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  const contexts = useContexts();

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('skiff.theme', theme);
  }, [theme]);
  const toggleTheme = useCallback(() => setTheme((t) => (t === 'dark' ? 'light' : 'dark')), []);

  useEffect(() => listenBackendEvents(), []);

  // No context in the URL: open the bundled cluster (or the kubeconfig's current context).
  useEffect(() => {
    if (r.ctx) return;
    void fetchInfo().then((info) => {
      const list = contexts.data?.contexts ?? [];
      const ctx = info.bundledContext ?? list.find((c) => c.current)?.name ?? list[0]?.name;
      if (ctx) navigate(routeHref({ ctx, view: 'overview' }), true);
    });
  }, [r.ctx, contexts.data]);

  useEffect(() => {
    let g = false;
    let gTimer: ReturnType<typeof setTimeout> | undefined;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      const typing = /INPUT|TEXTAREA|SELECT/.test(t.tagName) || t.isContentEditable || !!t.closest('.xterm, .cm-editor');
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPalette((p) => !p);
        return;
      }
      if (typing) return;
      if (e.key === 'Escape' && r.sel) updateRoute(r, { sel: undefined, tab: '' });
      else if (e.key === '?') setHelp(true);
      else if (g && GO[e.key]) {
        g = false;
        navigate(routeHref({ ctx: r.ctx, view: GO[e.key], ns: r.ns }));
      } else if (e.key === 'g' && !e.ctrlKey && !e.metaKey) {
        g = true;
        clearTimeout(gTimer);
        gTimer = setTimeout(() => (g = false), 1200);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      clearTimeout(gTimer);
    };
  }, [r]);

  const View = VIEWS[r.view];
  return (
    <div className="app">
      <Sidebar />
      <Topbar theme={theme} onTheme={toggleTheme} onPalette={() => setPalette(true)} />
      {r.ctx ? (
        <Suspense fallback={<div className="main" />}>
          {View ? (
            <View key={`${r.ctx}|${r.view}`} />
          ) : (
            <div className="main">
              <div className="empty">
                <b>Unknown view</b>
                {r.view}
              </div>
            </div>
          )}
        </Suspense>
      ) : (
        <div className="main">
          <div className="empty">{contexts.isLoading ? 'Loading contexts…' : 'No Kubernetes context found. Start the cluster or add one to your kubeconfig.'}</div>
        </div>
      )}
      {palette ? <CommandPalette onClose={() => setPalette(false)} onTheme={toggleTheme} /> : null}
      {help ? <Shortcuts onClose={() => setHelp(false)} /> : null}
      <Toasts />
    </div>
  );
}
