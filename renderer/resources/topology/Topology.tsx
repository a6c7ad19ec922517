/**
 * Network topology: Service → Endpoints → Pods → Nodes as a live graph (SVG, layout computed in
 * columns by lib/topology.ts). Live from the same watches as the lists (services, endpoints,
 * pods, nodes of the namespace shown). Every box opens its object's details panel.
 *
 * Stays usable with hundreds or thousands of pods: pods beyond 8 per Service collapse into a
 * "+N more" row (click to expand), only the rows in view are drawn (the map is windowed on
 * scroll), and node boxes are placed next to the pods on screen rather than at one spot of a
 * very tall canvas.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { useList } from '../../lib/queryClient';
import { podStatus, statusTone, nodeReady } from '../../lib/format';
import { updateRoute, useRoute } from '../../lib/router';
import { COL, SIZE, computeLayout, placeNodes, type Box, type Edge } from '../../lib/topology';
import { DetailsDrawer, type DetailsProps } from '../../components/Details';
import { LivePhase } from '../../components/Status';
import { PodDetails } from '../pods/Details';
import { ServiceDetails } from '../services/Details';
import { EndpointsDetails } from '../endpoints/Details';
import { NodeDetails } from '../nodes/Details';

const DETAILS: Record<string, ComponentType<DetailsProps>> = { pods: PodDetails, services: ServiceDetails, endpoints: EndpointsDetails, nodes: NodeDetails };
const OVERSCAN = 400;

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}

/** Rough text widths (px) of the map's two font sizes, to fit labels without measuring. */
const TITLE_CH = 7.3;
const SUB_CH = 6.6;

function curve(x1: number, y1: number, x2: number, y2: number): string {
  const dx = Math.max(30, (x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

interface NodeBox {
  name: string;
  y: number;
  pods: number;
  obj?: KubeObject;
}

export default function Topology() {
  const r = useRoute();
  const ctx = r.ctx;
  const ns = r.ns || undefined;
  const svcQ = useList({ ctx, kind: kindByKey('services'), namespace: ns });
  const epQ = useList({ ctx, kind: kindByKey('endpoints'), namespace: ns });
  const podQ = useList({ ctx, kind: kindByKey('pods'), namespace: ns });
  const nodeQ = useList({ ctx, kind: kindByKey('nodes') });
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const [unexposed, setUnexposed] = useState(false);
  const [hover, setHover] = useState<string | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800, width: 1200 });

  const services = svcQ.data?.items;
  const endpoints = epQ.data?.items;
  const pods = podQ.data?.items;
  const nodes = nodeQ.data?.items;
  const layout = useMemo(
    () => computeLayout(services ?? [], endpoints ?? [], pods ?? [], { expanded, unexposed, filter: r.q, maxPods: 8 }),
    [services, endpoints, pods, expanded, unexposed, r.q],
  );
  const nodeByName = useMemo(() => new Map((nodes ?? []).map((n) => [n.metadata.name, n])), [nodes]);
  const podsPerNode = useMemo(() => {
    const m = new Map<string, number>();
    for (const p of pods ?? []) if (p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') m.set(p.spec.nodeName, (m.get(p.spec.nodeName) ?? 0) + 1);
    return m;
  }, [pods]);

  // Windowing: follow the scroll position (one update per frame).
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    let raf = 0;
    const read = () => {
      raf = 0;
      setView({ top: el.scrollTop, height: el.clientHeight, width: el.clientWidth });
    };
    const onScroll = () => {
      if (!raf) raf = requestAnimationFrame(read);
    };
    const ro = new ResizeObserver(onScroll);
    ro.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    read();
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
      cancelAnimationFrame(raf);
    };
  }, []);

  const lo = view.top - OVERSCAN;
  const hi = view.top + view.height + OVERSCAN;
  const visibleBoxes = useMemo(() => layout.boxes.filter((b) => b.y + b.h >= lo && b.y <= hi), [layout, lo, hi]);
  const boxById = useMemo(() => new Map(layout.boxes.map((b) => [b.id, b])), [layout]);

  // Nodes sit beside the pods that are on screen.
  const nodeBoxes: { list: NodeBox[]; more: number } = useMemo(() => {
    const onScreen = layout.boxes.filter((b) => (b.kind === 'pod' || b.kind === 'group') && b.y + b.h >= view.top && b.y <= view.top + view.height);
    const { placed, more } = placeNodes(
      onScreen.map((b) => ({ y: b.y + b.h / 2, nodes: b.nodes ?? [] })),
      view.top,
      Math.max(view.height, SIZE.node.h + 20),
    );
    return { list: placed.map((p) => ({ ...p, obj: nodeByName.get(p.name) })), more };
  }, [layout, view.top, view.height, nodeByName]);
  const nodeY = useMemo(() => new Map(nodeBoxes.list.map((n) => [n.name, n.y])), [nodeBoxes]);

  const select = useCallback(
    (kindKey: string, obj: KubeObject | undefined) => {
      if (!obj) return;
      updateRoute(r, { sel: { namespace: obj.metadata.namespace, name: obj.metadata.name }, kind: kindKey, tab: '' });
    },
    [r],
  );

  // Hover highlights a path: a pod's (service → endpoints → pod → node), or a whole band/node.
  const related = useMemo(() => {
    if (!hover) return null;
    const ids = new Set<string>([hover]);
    const b = boxById.get(hover);
    if (hover.startsWith('node:')) {
      const name = hover.slice(5);
      for (const x of layout.boxes) if (x.nodes?.includes(name)) ids.add(x.id);
    } else if (b?.kind === 'pod' || b?.kind === 'group') {
      for (const e of layout.edges) if (e.to === b.id) ids.add(e.from);
      for (const e of layout.edges) if (ids.has(e.to) && e.kind === 'service') ids.add(e.from);
      for (const n of b.nodes ?? []) ids.add(`node:${n}`);
    } else if (b) {
      for (const x of layout.boxes) if (x.band === b.band) {
        ids.add(x.id);
        for (const n of x.nodes ?? []) ids.add(`node:${n}`);
      }
    }
    return ids;
  }, [hover, boxById, layout]);
  const dim = (id: string) => (related && !related.has(id) ? ' dim' : '');

  const width = Math.max(view.width, layout.width + 16);
  const nodeX = Math.max(COL.node, width - SIZE.node.w - 16);
  const edgeVisible = (e: Edge) => {
    const a = boxById.get(e.from);
    const b = boxById.get(e.to);
    return !!a && !!b && Math.max(a.y + a.h, b.y + b.h) >= lo && Math.min(a.y, b.y) <= hi;
  };
  const loading = !services || !pods;
  const selKind = r.kind && DETAILS[r.kind] ? r.kind : undefined;
  const selObj = useMemo(() => {
    if (!r.sel || !selKind) return undefined;
    const list = selKind === 'pods' ? pods : selKind === 'services' ? services : selKind === 'endpoints' ? endpoints : nodes;
    return list?.find((o) => o.metadata.name === r.sel?.name && (selKind === 'nodes' || o.metadata.namespace === r.sel?.namespace));
  }, [r.sel, selKind, pods, services, endpoints, nodes]);
  const Details = selKind ? DETAILS[selKind] : undefined;
  const phase = [svcQ, epQ, podQ, nodeQ].some((q) => q.data?.phase === 'reconnecting') ? 'reconnecting' : [svcQ, epQ, podQ, nodeQ].every((q) => q.data?.phase === 'live') ? 'live' : 'loading';

  const renderBox = (b: Box) => {
    const cls = `topo-box ${b.kind}${dim(b.id)}`;
    const common = {
      onMouseEnter: () => setHover(b.id),
      onMouseLeave: () => setHover(null),
      transform: `translate(${b.x},${b.y})`,
      'data-testid': `topo-${b.kind}`,
      'data-name': b.obj?.metadata.name ?? b.label,
    };
    if (b.kind === 'service') {
      return (
        <g key={b.id} className={cls} {...common} onClick={() => select('services', b.obj as KubeObject)} role="button" aria-label={`Service ${b.label}`}>
          <rect width={b.w} height={b.h} rx="10" />
          <rect width="4" height={b.h - 16} x="0" y="8" rx="2" className="accent" />
          <text x="16" y="22" className="title">
            {truncate(b.label, ns ? 26 : 18)}
          </text>
          <text x="16" y="40" className="sub">
            {truncate(b.sub ?? '', Math.floor((b.w - 24) / SUB_CH))}
          </text>
          {!(b.obj as KubeObject).metadata.namespace || ns ? null : (
            <text x={b.w - 10} y="22" textAnchor="end" className="ns">
              {truncate((b.obj as KubeObject).metadata.namespace ?? '', 12)}
            </text>
          )}
        </g>
      );
    }
    if (b.kind === 'endpoints') {
      return (
        <g key={b.id} className={`${cls}${b.ready ? ' ok' : ' warn'}`} {...common} onClick={() => select('endpoints', b.obj as KubeObject)} role="button" aria-label={`Endpoints ${b.label}`}>
          <rect width={b.w} height={b.h} rx="23" />
          <circle cx="22" cy={b.h / 2} r="5" className="dot" />
          <text x="36" y="19" className="title">
            {b.label}
          </text>
          <text x="36" y="34" className="sub">
            {b.sub}
          </text>
        </g>
      );
    }
    if (b.kind === 'group') {
      const isLess = b.label === 'Show fewer';
      return (
        <g
          key={b.id}
          className={`${cls}`}
          {...common}
          data-testid="topo-group"
          onClick={() =>
            setExpanded((s) => {
              const n = new Set(s);
              if (n.has(b.band)) n.delete(b.band);
              else n.add(b.band);
              return n;
            })
          }
          role="button"
          aria-label={b.label}
        >
          <rect width={b.w} height={b.h} rx="8" />
          <text x="12" y="19" className="title">
            {isLess ? '− Show fewer' : `${b.label}`}
          </text>
          {b.sub ? (
            <text x={b.w - 10} y="19" textAnchor="end" className="sub">
              {b.sub}
            </text>
          ) : null}
        </g>
      );
    }
    // pod
    const p = b.obj as KubeObject;
    const st = podStatus(p);
    const tone = statusTone(st);
    const statusW = Math.min(st.length, 18) * SUB_CH;
    const nameChars = Math.floor((b.w - 26 - statusW - 22) / TITLE_CH);
    return (
      <g key={b.id} className={`${cls} tone-${tone}`} {...common} onClick={() => select('pods', p)} role="button" aria-label={`Pod ${b.label}`}>
        <rect width={b.w} height={b.h} rx="8" />
        <circle cx="14" cy={b.h / 2} r="4.5" className="dot" />
        <text x="26" y="19.5" className="title">
          {truncate(b.label, nameChars)}
        </text>
        <text x={b.w - 10} y="19.5" textAnchor="end" className="sub status">
          {truncate(st, 18)}
        </text>
        <title>{`${p.metadata.namespace}/${p.metadata.name} · ${st}${p.status?.podIP ? ` · ${p.status.podIP}` : ''}`}</title>
      </g>
    );
  };

  const edgePath = (e: Edge) => {
    const a = boxById.get(e.from)!;
    const b = boxById.get(e.to)!;
    return <path key={e.id} d={curve(a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2)} className={`topo-edge ${e.kind}${related && !(related.has(e.from) && related.has(e.to)) ? ' dim' : ''}`} />;
  };

  return (
    <div className="main">
      <div className="page" data-testid="page-topology">
        <div className="page-head">
          <h1>Topology</h1>
          <span className="sub">
            {ns ? `namespace ${ns}` : 'all namespaces'} · {layout.services} service{layout.services === 1 ? '' : 's'} · {layout.pods} pod{layout.pods === 1 ? '' : 's'}
          </span>
          <LivePhase phase={phase} />
          <div className="actions">
            <div className="topo-legend">
              <span>
                <i className="l ready" /> ready
              </span>
              <span>
                <i className="l notready" /> not ready
              </span>
              <span>
                <i className="l unlisted" /> not an endpoint
              </span>
            </div>
            <label className="check">
              <input type="checkbox" checked={unexposed} onChange={(e) => setUnexposed(e.target.checked)} data-testid="topo-unexposed" /> Pods without a service
            </label>
          </div>
        </div>
        <div className="page-body">
          <div className="topo" ref={scrollRef} data-testid="topology">
            <div className="topo-cols" style={{ width }}>
              <span style={{ left: COL.service + 16 }}>Services</span>
              <span style={{ left: COL.endpoints + 16 }}>Endpoints</span>
              <span style={{ left: COL.pod + 16 }}>Pods</span>
              <span style={{ left: nodeX + 16 }}>Nodes</span>
            </div>
            {loading ? (
              <div className="empty">Loading…</div>
            ) : layout.bands.length === 0 ? (
              <div className="empty">
                <b>No services</b>
                {r.q ? 'Nothing matches the filter.' : ns ? `There are no services in namespace ${ns}.` : 'Create a Service to see how traffic reaches your pods.'}
              </div>
            ) : (
              <svg width={width} height={Math.max(layout.height, view.height - 40)} className="topo-svg" role="group" aria-label="Service topology">
                <g transform="translate(8,0)">
                  {layout.bands
                    .filter((b) => b.top + b.height >= lo && b.top <= hi)
                    .map((b) => (
                      <rect key={b.id} x={-4} y={b.top - 8} width={nodeX - 40} height={b.height + 16} rx="12" className={`topo-band${b.service ? '' : ' unexposed'}`} />
                    ))}
                  {layout.bands
                    .filter((b) => !b.service && b.top + b.height >= lo && b.top <= hi)
                    .map((b) => (
                      <text key={`${b.id}-t`} x={COL.service + 10} y={b.top + 20} className="topo-band-title">
                        Pods without a service ({b.pods})
                      </text>
                    ))}
                  {layout.edges.filter(edgeVisible).map(edgePath)}
                  {/* pod → node edges, to where the node boxes are on screen */}
                  {visibleBoxes
                    .filter((b) => (b.kind === 'pod' || b.kind === 'group') && b.y + b.h >= view.top - 60 && b.y <= view.top + view.height + 60)
                    .flatMap((b) =>
                      (b.nodes ?? [])
                        .filter((n) => nodeY.has(n))
                        .map((n) => <path key={`${b.id}>${n}`} d={curve(b.x + b.w, b.y + b.h / 2, nodeX - 8, (nodeY.get(n) ?? 0) + SIZE.node.h / 2)} className={`topo-edge node${related && (!related.has(b.id) || !related.has(`node:${n}`)) ? ' dim' : ''}`} />),
                    )}
                  {visibleBoxes.map(renderBox)}
                  {nodeBoxes.list.map((n) => {
                    const ready = n.obj ? nodeReady(n.obj) : 'Unknown';
                    const id = `node:${n.name}`;
                    return (
                      <g
                        key={id}
                        className={`topo-box node tone-${statusTone(ready.split(',')[0])}${dim(id)}`}
                        transform={`translate(${nodeX - 8},${n.y})`}
                        onMouseEnter={() => setHover(id)}
                        onMouseLeave={() => setHover(null)}
                        onClick={() => select('nodes', n.obj)}
                        role="button"
                        aria-label={`Node ${n.name}`}
                        data-testid="topo-node"
                        data-name={n.name}
                      >
                        <rect width={SIZE.node.w} height={SIZE.node.h} rx="10" />
                        <g transform="translate(12,14)" className="icon">
                          <rect width="18" height="7" rx="1.5" />
                          <rect y="10" width="18" height="7" rx="1.5" />
                        </g>
                        <text x="40" y="21" className="title">
                          {truncate(n.name, 18)}
                        </text>
                        <text x="40" y="37" className="sub">
                          {ready.split(',')[0]} · {podsPerNode.get(n.name) ?? 0} pod{podsPerNode.get(n.name) === 1 ? '' : 's'}
                        </text>
                      </g>
                    );
                  })}
                  {nodeBoxes.more ? (
                    <text x={nodeX} y={view.top + view.height - 14} className="topo-band-title">
                      +{nodeBoxes.more} more nodes
                    </text>
                  ) : null}
                </g>
              </svg>
            )}
          </div>
        </div>
      </div>
      {r.sel ? Details && selObj ? <Details ctx={ctx} kind={kindByKey(selKind!)} obj={selObj} /> : <DetailsDrawer ctx={ctx} kind={kindByKey(selKind ?? 'pods')} obj={undefined} tabs={[]} missing={r.sel.name} /> : null}
    </div>
  );
}
