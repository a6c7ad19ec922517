/**
 * Ingress routing (networking.k8s.io/v1), pure: Ingress objects in, "which Service port serves
 * this Host and path" out. The rules, as the API reference and the conformance tests define them:
 *
 * - Host: an exact host beats a wildcard (`*.example.com` matches exactly one extra label:
 *   `a.example.com`, not `example.com` nor `a.b.example.com`), which beats rules without a host.
 *   The port in the Host header is ignored; hosts compare case-insensitively.
 * - Path, within the chosen host: an `Exact` match beats any prefix; among `Prefix` matches the
 *   longest path wins. `Prefix` matches whole path elements (`/foo` matches `/foo`, `/foo/` and
 *   `/foo/bar`, never `/foobar`; a trailing slash in the rule is ignored). We treat
 *   `ImplementationSpecific` as `Prefix`.
 * - Equal rules from several Ingresses: the oldest Ingress wins (then namespace/name order).
 * - Nothing matches: the oldest `spec.defaultBackend`, else 404.
 */
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';

export interface Backend {
  namespace: string;
  service: string;
  /** Service port number or name. */
  port: number | string;
}

export interface Route {
  host: string | undefined;
  path: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: Backend | undefined;
  /** `ns/name` of the Ingress. */
  ingress: string;
}

interface Candidate extends Route {
  order: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function backendOf(ns: string, b: unknown): Backend | undefined {
  const svc = obj(obj(b).service);
  if (typeof svc.name !== 'string') return undefined;
  const port = obj(svc.port);
  const p = typeof port.number === 'number' ? port.number : typeof port.name === 'string' ? port.name : undefined;
  if (p === undefined) return undefined;
  return { namespace: ns, service: svc.name, port: p };
}

function age(i: KubeObject): string {
  return `${i.metadata.creationTimestamp ?? ''}\0${i.metadata.namespace}/${i.metadata.name}`;
}

export class IngressRouter {
  private readonly exact = new Map<string, Candidate[]>();
  private readonly wildcard = new Map<string, Candidate[]>();
  private readonly any: Candidate[] = [];
  private readonly fallback: Backend | undefined;
  readonly hosts: string[] = [];

  constructor(ingresses: KubeObject[]) {
    const sorted = [...ingresses].sort((a, b) => (age(a) < age(b) ? -1 : age(a) > age(b) ? 1 : 0));
    let order = 0;
    let fallback: Backend | undefined;
    for (const ing of sorted) {
      const ns = ing.metadata.namespace ?? 'default';
      const id = `${ns}/${ing.metadata.name}`;
      const spec = obj(ing.spec);
      fallback ??= backendOf(ns, spec.defaultBackend);
      for (const r of arr(spec.rules)) {
        const rule = obj(r);
        const host = typeof rule.host === 'string' && rule.host ? rule.host.toLowerCase() : undefined;
        const paths = arr(obj(rule.http).paths);
        for (const p of paths) {
          const po = obj(p);
          const pathType = po.pathType === 'Exact' || po.pathType === 'Prefix' ? po.pathType : 'ImplementationSpecific';
          const path = typeof po.path === 'string' && po.path ? po.path : '/';
          const c: Candidate = { host, path, pathType, backend: backendOf(ns, po.backend), ingress: id, order: order++ };
          if (!host) this.any.push(c);
          else if (host.startsWith('*.')) push(this.wildcard, host.slice(2), c);
          else push(this.exact, host, c);
        }
        if (host && !this.hosts.includes(host)) this.hosts.push(host);
      }
    }
    this.fallback = fallback;
  }

  /** The route for a request, or the default backend (route undefined), or nothing (404). */
  match(hostHeader: string | undefined, rawPath: string): { route?: Route; backend?: Backend } {
    const host = stripPort(hostHeader ?? '').toLowerCase();
    const path = rawPath.split('?')[0] || '/';
    const groups: Candidate[][] = [];
    const ex = this.exact.get(host);
    if (ex) groups.push(ex);
    const dot = host.indexOf('.');
    if (dot > 0) {
      const wc = this.wildcard.get(host.slice(dot + 1));
      if (wc) groups.push(wc);
    }
    groups.push(this.any);
    for (const g of groups) {
      const r = bestPath(g, path);
      if (r) return { route: r, backend: r.backend };
    }
    return this.fallback ? { backend: this.fallback } : {};
  }
}

function push(m: Map<string, Candidate[]>, k: string, c: Candidate): void {
  const l = m.get(k);
  if (l) l.push(c);
  else m.set(k, [c]);
}

function stripPort(h: string): string {
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 ? h.slice(0, i) : h;
}

/** Does a Prefix rule path match the request path (element-wise)? */
export function prefixMatches(rule: string, path: string): boolean {
  const r = rule.replace(/\/+$/, '');
  if (r === '') return true;
  return path === r || path.startsWith(r + '/');
}

function bestPath(cands: Candidate[], path: string): Candidate | undefined {
  let best: Candidate | undefined;
  let bestLen = -1;
  for (const c of cands) {
    if (c.pathType === 'Exact') {
      if (c.path === path && (!best || best.pathType !== 'Exact' || c.order < best.order)) {
        best = c;
        bestLen = Infinity;
      }
      continue;
    }
    if (best?.pathType === 'Exact') continue;
    if (!prefixMatches(c.path, path)) continue;
    const len = c.path.replace(/\/+$/, '').length;
    if (len > bestLen || (len === bestLen && best && c.order < best.order)) {
      best = c;
      bestLen = len;
    }
  }
  return best;
}
