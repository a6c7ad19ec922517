/**
 * Endpoint selection for the paths the engine proxies itself (NodePort and LoadBalancer on
 * 127.0.0.1, the ingress controller, the API server's services/proxy): round robin over the
 * ready endpoints, with ClientIP session affinity when the Service asks for it (the same client
 * address keeps its endpoint until the affinity timeout passes without traffic, or the endpoint
 * leaves the ready set). The kernel path (iptables) does the same with `statistic` and `recent`.
 */
import type { Endpoint, ServicePort } from './model.js';

interface Sticky {
  ep: string;
  lastUsed: number;
}

export class Balancer {
  private readonly cursor = new Map<string, number>();
  private readonly affinity = new Map<string, Map<string, Sticky>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** An endpoint for a new connection from `clientIP`, or undefined when none is ready. */
  pick(sp: Pick<ServicePort, 'key' | 'endpoints' | 'affinitySeconds'>, clientIP?: string): Endpoint | undefined {
    const eps = sp.endpoints;
    if (eps.length === 0) return undefined;
    const t = this.now();
    if (sp.affinitySeconds !== undefined && clientIP) {
      let table = this.affinity.get(sp.key);
      if (!table) this.affinity.set(sp.key, (table = new Map()));
      const s = table.get(clientIP);
      if (s && t - s.lastUsed <= sp.affinitySeconds * 1000) {
        const ep = eps.find((e) => `${e.ip}:${e.port}` === s.ep);
        if (ep) {
          s.lastUsed = t;
          return ep;
        }
      }
      const ep = this.next(sp.key, eps);
      table.set(clientIP, { ep: `${ep.ip}:${ep.port}`, lastUsed: t });
      return ep;
    }
    return this.next(sp.key, eps);
  }

  private next(key: string, eps: Endpoint[]): Endpoint {
    const i = (this.cursor.get(key) ?? -1) + 1;
    const n = i % eps.length;
    this.cursor.set(key, n);
    return eps[n];
  }

  /** Forget state of service ports that are gone (and stale affinity entries). */
  prune(live: Set<string>): void {
    const t = this.now();
    for (const k of this.cursor.keys()) if (!live.has(k)) this.cursor.delete(k);
    for (const [k, table] of this.affinity) {
      if (!live.has(k)) {
        this.affinity.delete(k);
        continue;
      }
      for (const [ip, s] of table) if (t - s.lastUsed > 86_400_000) table.delete(ip);
    }
  }
}
