/**
 * The topology map's model and layout: Service → Endpoints → Pods → Nodes, in four columns.
 *
 * Each Service is a horizontal band: its box and its Endpoints box centred on the band, its pods
 * one per row. Pods come from the Endpoints' addresses (ready / not ready, by targetRef) plus the
 * pods the selector matches that are not (yet) endpoints (Pending, no IP). Beyond `maxPods` per
 * Service the rest collapse into one "+N more" group row (expandable), so a Service with 500
 * replicas costs a dozen rows. Node boxes are not placed here: the view puts them next to the
 * pods on screen (placeNodes), so the map stays readable however tall it gets.
 *
 * No imports (no DOM, no React): unit-tested under Node.
 */
export interface TopoObject {
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  subsets?: unknown;
  [k: string]: unknown;
}

export type EdgeKind = 'service' | 'ready' | 'notready' | 'unlisted' | 'node';
export type BoxKind = 'service' | 'endpoints' | 'pod' | 'group' | 'node';

export interface Box {
  id: string;
  kind: BoxKind;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The object (service, endpoints, pod, node); absent for groups. */
  obj?: TopoObject;
  /** service band this box belongs to */
  band: string;
  label: string;
  sub?: string;
  /** group: how many pods it stands for; node: pods on it */
  count?: number;
  /** pod: its node; group: nodes of its pods */
  nodes?: string[];
  ready?: boolean;
}

export interface Edge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  band: string;
}

export interface Band {
  id: string;
  top: number;
  height: number;
  service?: TopoObject;
  pods: number;
  hidden: number;
}

export interface Layout {
  boxes: Box[];
  edges: Edge[];
  bands: Band[];
  height: number;
  width: number;
  /** Totals for the header. */
  services: number;
  pods: number;
}

export interface LayoutOptions {
  maxPods?: number;
  /** Bands (service ids) shown in full. */
  expanded?: ReadonlySet<string>;
  /** Add a band for pods no Service selects. */
  unexposed?: boolean;
  filter?: string;
}

export const COL = { service: 0, endpoints: 280, pod: 530, node: 900 } as const;
export const SIZE = { service: { w: 220, h: 54 }, endpoints: { w: 180, h: 46 }, pod: { w: 290, h: 30 }, node: { w: 200, h: 48 } } as const;
export const ROW = 38;
const BAND_GAP = 22;
const TOP = 8;

type Addr = { ip?: string; nodeName?: string; targetRef?: { kind?: string; name?: string; namespace?: string; uid?: string } };
type Subset = { addresses?: Addr[]; notReadyAddresses?: Addr[]; ports?: { port: number; protocol?: string; name?: string }[] };

function key(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const e = Object.entries(selector ?? {});
  if (e.length === 0) return false;
  return e.every(([k, v]) => labels?.[k] === v);
}

function stateRank(state: 'ready' | 'notready' | 'unlisted'): number {
  return state === 'ready' ? 0 : state === 'notready' ? 1 : 2;
}

export function computeLayout(services: TopoObject[], endpoints: TopoObject[], pods: TopoObject[], o: LayoutOptions = {}): Layout {
  const maxPods = o.maxPods ?? 8;
  const filter = (o.filter ?? '').toLowerCase().trim();
  const podsByKey = new Map(pods.map((p) => [key(p), p]));
  const podsByUid = new Map(pods.filter((p) => p.metadata.uid).map((p) => [p.metadata.uid as string, p]));
  const epByKey = new Map(endpoints.map((e) => [key(e), e]));
  const boxes: Box[] = [];
  const edges: Edge[] = [];
  const bands: Band[] = [];
  const exposed = new Set<string>();
  let y = TOP;
  let podCount = 0;

  const sorted = [...services].sort((a, b) => key(a).localeCompare(key(b)));
  const addBand = (bandId: string, svc: TopoObject | undefined, members: { pod: TopoObject; state: 'ready' | 'notready' | 'unlisted' }[], extraAddrs: number, ep: TopoObject | undefined, ports: string) => {
    members.sort((a, b) => stateRank(a.state) - stateRank(b.state) || a.pod.metadata.name.localeCompare(b.pod.metadata.name));
    const full = o.expanded?.has(bandId) || members.length <= maxPods + 1;
    const shown = full ? members : members.slice(0, maxPods);
    const hidden = members.length - shown.length;
    const rows = Math.max(1, shown.length + (hidden > 0 ? 1 : 0) + (full && members.length > maxPods + 1 ? 1 : 0));
    const height = rows * ROW;
    const mid = y + height / 2;
    const band: Band = { id: bandId, top: y, height, service: svc, pods: members.length, hidden };
    bands.push(band);
    let epId: string | undefined;
    if (svc) {
      const sid = `svc:${key(svc)}`;
      const type = svc.spec?.type ?? 'ClusterIP';
      const ip = svc.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? svc.spec.clusterIP : svc.spec?.clusterIP === 'None' ? 'headless' : '';
      const sub = `${type === 'ClusterIP' ? '' : `${type} · `}${ip}${ports}`;
      boxes.push({ id: sid, kind: 'service', x: COL.service, y: mid - SIZE.service.h / 2, w: SIZE.service.w, h: SIZE.service.h, obj: svc, band: bandId, label: svc.metadata.name, sub });
      epId = `ep:${key(svc)}`;
      const ready = members.filter((m) => m.state === 'ready').length;
      const notReady = members.filter((m) => m.state === 'notready').length;
      const subParts = [`${ready + extraAddrs} ready`];
      if (notReady) subParts.push(`${notReady} not ready`);
      boxes.push({
        id: epId,
        kind: 'endpoints',
        x: COL.endpoints,
        y: mid - SIZE.endpoints.h / 2,
        w: SIZE.endpoints.w,
        h: SIZE.endpoints.h,
        obj: ep,
        band: bandId,
        label: ep ? 'endpoints' : 'no endpoints',
        sub: subParts.join(' · '),
        ready: ready + extraAddrs > 0,
      });
      edges.push({ id: `${sid}>${epId}`, from: sid, to: epId, kind: 'service', band: bandId });
    }
    let row = 0;
    for (const m of shown) {
      const pid = `pod:${bandId}:${key(m.pod)}`;
      const py = y + row * ROW + (ROW - SIZE.pod.h) / 2;
      const node = m.pod.spec?.nodeName as string | undefined;
      boxes.push({ id: pid, kind: 'pod', x: COL.pod, y: py, w: SIZE.pod.w, h: SIZE.pod.h, obj: m.pod, band: bandId, label: m.pod.metadata.name, nodes: node ? [node] : [], ready: m.state === 'ready' });
      if (epId) edges.push({ id: `${epId}>${pid}`, from: epId, to: pid, kind: m.state, band: bandId });
      row++;
    }
    if (hidden > 0 || (full && members.length > maxPods + 1)) {
      const gid = `group:${bandId}`;
      const rest = full ? [] : members.slice(maxPods);
      const nodes = [...new Set(rest.map((m) => m.pod.spec?.nodeName as string | undefined).filter((n): n is string => !!n))];
      const ready = rest.filter((m) => m.state === 'ready').length;
      boxes.push({
        id: gid,
        kind: 'group',
        x: COL.pod,
        y: y + row * ROW + (ROW - SIZE.pod.h) / 2,
        w: SIZE.pod.w,
        h: SIZE.pod.h,
        band: bandId,
        label: full ? 'Show fewer' : `+${hidden} more pods`,
        sub: full ? undefined : `${ready} ready`,
        count: hidden,
        nodes,
        ready: ready > 0,
      });
      if (epId && !full) edges.push({ id: `${epId}>${gid}`, from: epId, to: gid, kind: ready ? 'ready' : 'notready', band: bandId });
    }
    podCount += members.length;
    y += height + BAND_GAP;
  };

  for (const svc of sorted) {
    const ep = epByKey.get(key(svc));
    const subsets = ((ep?.subsets ?? []) as Subset[]) ?? [];
    const members: { pod: TopoObject; state: 'ready' | 'notready' | 'unlisted' }[] = [];
    const seen = new Set<string>();
    let extraAddrs = 0;
    for (const s of subsets) {
      for (const [list, state] of [
        [s.addresses ?? [], 'ready'],
        [s.notReadyAddresses ?? [], 'notready'],
      ] as const) {
        for (const a of list) {
          const ref = a.targetRef;
          const pod = ref?.kind === 'Pod' ? ((ref.uid && podsByUid.get(ref.uid)) || podsByKey.get(`${ref.namespace ?? svc.metadata.namespace ?? ''}/${ref.name}`)) : undefined;
          if (!pod) {
            if (state === 'ready') extraAddrs++;
            continue;
          }
          const k = key(pod);
          if (seen.has(k)) continue;
          seen.add(k);
          members.push({ pod, state });
        }
      }
    }
    // Pods the selector picks that are not endpoints (yet): Pending, no IP, terminating.
    const sel = svc.spec?.selector as Record<string, string> | undefined;
    for (const p of pods) {
      if (p.metadata.namespace !== svc.metadata.namespace || seen.has(key(p)) || !selects(sel, p.metadata.labels)) continue;
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      seen.add(key(p));
      members.push({ pod: p, state: 'unlisted' });
    }
    for (const k of seen) exposed.add(k);
    if (filter && !svc.metadata.name.toLowerCase().includes(filter) && !members.some((m) => m.pod.metadata.name.toLowerCase().includes(filter))) continue;
    const ports = ((svc.spec?.ports ?? []) as { port: number; protocol?: string }[]).map((p) => `${p.port}${p.protocol && p.protocol !== 'TCP' ? `/${p.protocol}` : ''}`).join(',');
    addBand(`svc:${key(svc)}`, svc, members, extraAddrs, ep, ports ? ` :${ports}` : '');
  }
  if (o.unexposed) {
    const rest = pods.filter((p) => !exposed.has(key(p)) && (!filter || p.metadata.name.toLowerCase().includes(filter)));
    if (rest.length) addBand('unexposed', undefined, rest.map((pod) => ({ pod, state: 'unlisted' as const })), 0, undefined, '');
  }
  return { boxes, edges, bands, height: Math.max(y - BAND_GAP + TOP, 0), width: COL.node + SIZE.node.w + 8, services: bands.filter((b) => b.service).length, pods: podCount };
}

export interface PlacedNode {
  name: string;
  y: number;
  pods: number;
}

/**
 * Places node boxes in the visible window [top, top+height): each near the middle of its
 * visible pods, without overlaps, inside the window. Nodes that don't fit are counted in `more`.
 */
export function placeNodes(visible: { y: number; nodes: string[] }[], top: number, height: number, boxH = SIZE.node.h, gap = 10): { placed: PlacedNode[]; more: number } {
  const acc = new Map<string, { sum: number; n: number }>();
  for (const v of visible) {
    for (const n of v.nodes) {
      const a = acc.get(n) ?? { sum: 0, n: 0 };
      a.sum += v.y;
      a.n++;
      acc.set(n, a);
    }
  }
  const want = [...acc.entries()].map(([name, a]) => ({ name, y: a.sum / a.n - boxH / 2, pods: a.n })).sort((a, b) => a.y - b.y || a.name.localeCompare(b.name));
  const step = boxH + gap;
  const fit = Math.max(1, Math.floor((height + gap) / step));
  let more = 0;
  let list = want;
  if (want.length > fit) {
    // Keep the nodes with most visible pods; the rest are summarised.
    const keep = new Set([...want].sort((a, b) => b.pods - a.pods).slice(0, fit - 1).map((w) => w.name));
    list = want.filter((w) => keep.has(w.name));
    more = want.length - list.length;
  }
  const min = top + 4;
  const max = top + height - boxH - 4 - (more ? step : 0);
  const ys = list.map((w) => w.y);
  // Forward: not above the window, no overlap. Backward: not below it. Forward again: no
  // overlap wins over the bottom edge (the list was cut to what fits).
  for (let i = 0; i < ys.length; i++) ys[i] = Math.max(ys[i], i ? ys[i - 1] + step : min);
  for (let i = ys.length - 1; i >= 0; i--) ys[i] = Math.min(ys[i], i === ys.length - 1 ? max : ys[i + 1] - step);
  for (let i = 0; i < ys.length; i++) ys[i] = Math.max(ys[i], i ? ys[i - 1] + step : min);
  return { placed: list.map((w, i) => ({ name: w.name, y: ys[i], pods: w.pods })), more };
}
