/**
 * Cluster DNS records, computed from Services and Endpoints as the Kubernetes DNS specification
 * (github.com/kubernetes/dns/blob/master/docs/specification.md) and CoreDNS's `kubernetes` plugin
 * describe them. Nothing is precomputed: each question reads the informer caches, so answers
 * follow the API at once (a deleted Service answers NXDOMAIN on the next query).
 *
 *   <svc>.<ns>.svc.<zone>              A     ClusterIP; headless: every ready endpoint IP
 *                                      CNAME ExternalName target
 *   <host>.<svc>.<ns>.svc.<zone>       A     headless endpoint by hostname (StatefulSet pods via
 *                                            spec.subdomain) or by dashed IP (10-244-0-5)
 *   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV  named ports (ClusterIP: one target; headless:
 *                                            one per endpoint, with A records in additional)
 *   <a-b-c-d>.<ns>.pod.<zone>          A     the IP in the name ("pods insecure", as kubeadm)
 *   d.c.b.a.in-addr.arpa               PTR   ClusterIPs and named headless endpoints
 *
 * Names inside the zone that match nothing are NXDOMAIN with the zone SOA (negative caching);
 * names that exist with no record of the asked type are NOERROR with no answer (NODATA), so
 * resolvers asking A and AAAA in parallel are not told that an IPv4-only name does not exist.
 * Anything outside the zone and the cluster's reverse ranges is not ours: `resolve` returns
 * undefined and the server forwards it upstream.
 */
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import { cidrContains, isIPv4, parseCidr, type Cidr } from '../network.js';
import { CLASS_IN, RCODE, TYPE, type ResourceRecord } from './message.js';

/** What records are computed from (informer listers in the engine, maps in tests). */
export interface ClusterLookup {
  service(namespace: string, name: string): KubeObject | undefined;
  endpoints(namespace: string, name: string): KubeObject | undefined;
  namespaceExists(namespace: string): boolean;
  /** Every Service (for reverse lookups). */
  services(): Iterable<KubeObject>;
}

export interface ZoneConfig {
  /** e.g. "cluster.local". */
  domain: string;
  serviceCIDR: string;
  podSubnet: string;
  /** TTL of positive answers and of the SOA minimum (CoreDNS: 5 s). */
  ttl?: number;
}

export interface Resolution {
  rcode: number;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  /**
   * The answer ends in a CNAME to a name outside the zone (ExternalName): the server should
   * resolve `chase` upstream and append those records, as a recursive resolver would.
   */
  chase?: string;
  /** Authoritative (inside the zone). */
  authoritative: boolean;
}

interface EndpointAddr {
  ip: string;
  hostname?: string;
}

interface EndpointPort {
  name: string;
  port: number;
  protocol: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The ready addresses and the ports of an Endpoints object (every subset). */
export function readyAddresses(ep: KubeObject | undefined): { addresses: EndpointAddr[]; ports: EndpointPort[][] } {
  const addresses: EndpointAddr[] = [];
  const ports: EndpointPort[][] = [];
  if (!ep) return { addresses, ports };
  for (const s of Array.isArray(ep.subsets) ? ep.subsets : []) {
    if (!isPlainObject(s)) continue;
    const ps: EndpointPort[] = (Array.isArray(s.ports) ? s.ports : []).filter(isPlainObject).map((p) => ({ name: str(p.name) ?? '', port: Number(p.port), protocol: str(p.protocol) ?? 'TCP' }));
    for (const a of Array.isArray(s.addresses) ? s.addresses : []) {
      if (!isPlainObject(a) || !str(a.ip)) continue;
      addresses.push({ ip: a.ip as string, hostname: str(a.hostname) });
      ports.push(ps);
    }
  }
  return { addresses, ports };
}

export class ClusterZone {
  readonly domain: string;
  private readonly ttl: number;
  private readonly serviceRange: Cidr;
  private readonly podRange: Cidr;
  private readonly serial = Math.floor(Date.now() / 1000) >>> 0;

  constructor(
    private readonly lookup: ClusterLookup,
    cfg: ZoneConfig,
  ) {
    this.domain = cfg.domain.toLowerCase().replace(/\.$/, '');
    this.ttl = cfg.ttl ?? 5;
    this.serviceRange = parseCidr(cfg.serviceCIDR);
    this.podRange = parseCidr(cfg.podSubnet);
  }

  /** Undefined: not a cluster name, forward it. */
  resolve(qname: string, qtype: number): Resolution | undefined {
    const name = qname.toLowerCase().replace(/\.$/, '');
    if (name === this.domain || name.endsWith('.' + this.domain)) {
      const rel = name === this.domain ? [] : name.slice(0, -(this.domain.length + 1)).split('.');
      return this.inZone(qname, rel, qtype);
    }
    if (name.endsWith('.in-addr.arpa')) return this.reverse(qname, name, qtype);
    return undefined;
  }

  private soa(): ResourceRecord {
    return {
      name: this.domain,
      type: TYPE.SOA,
      class: CLASS_IN,
      ttl: this.ttl,
      data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  private nx(): Resolution {
    return { rcode: RCODE.NXDOMAIN, answers: [], authorities: [this.soa()], additionals: [], authoritative: true };
  }

  private nodata(): Resolution {
    return { rcode: RCODE.NOERROR, answers: [], authorities: [this.soa()], additionals: [], authoritative: true };
  }

  private ok(answers: ResourceRecord[], additionals: ResourceRecord[] = []): Resolution {
    return answers.length ? { rcode: RCODE.NOERROR, answers, authorities: [], additionals, authoritative: true } : this.nodata();
  }

  private a(name: string, ip: string): ResourceRecord {
    return { name, type: TYPE.A, class: CLASS_IN, ttl: this.ttl, data: ip };
  }

  private inZone(qname: string, rel: string[], qtype: number): Resolution {
    const n = rel.length;
    if (n === 0) {
      if (qtype === TYPE.SOA) return { ...this.ok([this.soa()]) };
      if (qtype === TYPE.NS) return this.ok([{ name: qname, type: TYPE.NS, class: CLASS_IN, ttl: this.ttl, data: `ns.dns.${this.domain}` }]);
      return this.nodata();
    }
    const kind = rel[n - 1];
    if (kind === 'svc') {
      if (n === 1) return this.nodata();
      const ns = rel[n - 2];
      if (n === 2) return this.lookup.namespaceExists(ns) ? this.nodata() : this.nx();
      const svcName = rel[n - 3];
      const svc = this.lookup.service(ns, svcName);
      if (!svc) return this.nx();
      if (n === 3) return this.service(qname, svc, qtype);
      if (n === 4) return this.endpointName(qname, svc, rel[0], qtype);
      if (n === 5 && rel[0].startsWith('_') && rel[1].startsWith('_')) return this.srv(qname, svc, rel[0].slice(1), rel[1].slice(1), qtype);
      return this.nx();
    }
    if (kind === 'pod' && n === 3) {
      const ip = rel[0].replace(/-/g, '.');
      if (!isIPv4(ip)) return this.nx();
      if (!this.lookup.namespaceExists(rel[1])) return this.nx();
      return qtype === TYPE.A || qtype === TYPE.ANY ? this.ok([this.a(qname, ip)]) : this.nodata();
    }
    if (kind === 'pod' && n === 1) return this.nodata();
    return this.nx();
  }

  private service(qname: string, svc: KubeObject, qtype: number): Resolution {
    const spec = isPlainObject(svc.spec) ? svc.spec : {};
    if (spec.type === 'ExternalName') {
      const target = str(spec.externalName)?.replace(/\.$/, '');
      if (!target) return this.nodata();
      const cname: ResourceRecord = { name: qname, type: TYPE.CNAME, class: CLASS_IN, ttl: this.ttl, data: target };
      if (qtype === TYPE.CNAME) return this.ok([cname]);
      // If the target is a cluster name, answer it here; otherwise let the server chase it.
      const inner = this.resolve(target, qtype);
      if (inner) return { ...inner, rcode: inner.rcode === RCODE.NXDOMAIN ? RCODE.NOERROR : inner.rcode, answers: [cname, ...inner.answers] };
      return { rcode: RCODE.NOERROR, answers: [cname], authorities: [], additionals: [], chase: target, authoritative: true };
    }
    const clusterIP = str(spec.clusterIP);
    const wantsA = qtype === TYPE.A || qtype === TYPE.ANY;
    if (clusterIP && clusterIP !== 'None') {
      if (wantsA && isIPv4(clusterIP)) return this.ok([this.a(qname, clusterIP)]);
      if (qtype === TYPE.SRV) return this.ok(this.srvAll(qname, svc, spec, clusterIP));
      return this.nodata();
    }
    // Headless: the ready endpoints.
    const { addresses } = readyAddresses(this.lookup.endpoints(svc.metadata.namespace ?? 'default', svc.metadata.name ?? ''));
    if (wantsA) {
      const seen = new Set<string>();
      return this.ok(addresses.filter((a) => isIPv4(a.ip) && !seen.has(a.ip) && seen.add(a.ip)).map((a) => this.a(qname, a.ip)));
    }
    if (qtype === TYPE.SRV) return this.ok(this.srvAll(qname, svc, spec, undefined));
    return this.nodata();
  }

  /** SRV for the bare service name: one record per named port (CoreDNS does the same). */
  private srvAll(qname: string, svc: KubeObject, spec: Record<string, unknown>, clusterIP: string | undefined): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isPlainObject(p)) continue;
      if (clusterIP) out.push({ name: qname, type: TYPE.SRV, class: CLASS_IN, ttl: this.ttl, data: { priority: 0, weight: 100, port: Number(p.port), target: this.fqdn(svc) } });
    }
    if (!clusterIP) {
      const { addresses, ports } = readyAddresses(this.lookup.endpoints(svc.metadata.namespace ?? 'default', svc.metadata.name ?? ''));
      addresses.forEach((a, i) => {
        for (const p of ports[i]) out.push({ name: qname, type: TYPE.SRV, class: CLASS_IN, ttl: this.ttl, data: { priority: 0, weight: 100, port: p.port, target: `${a.hostname ?? dashed(a.ip)}.${this.fqdn(svc)}` } });
      });
    }
    return out;
  }

  private fqdn(svc: KubeObject): string {
    return `${svc.metadata.name}.${svc.metadata.namespace}.svc.${this.domain}`;
  }

  private endpointName(qname: string, svc: KubeObject, host: string, qtype: number): Resolution {
    const spec = isPlainObject(svc.spec) ? svc.spec : {};
    // Endpoint names exist only for headless services (as in CoreDNS).
    if (spec.clusterIP !== 'None') return this.nx();
    const { addresses } = readyAddresses(this.lookup.endpoints(svc.metadata.namespace ?? 'default', svc.metadata.name ?? ''));
    const hits = addresses.filter((a) => a.hostname?.toLowerCase() === host || dashed(a.ip) === host);
    if (hits.length === 0) return this.nx();
    if (qtype !== TYPE.A && qtype !== TYPE.ANY) return this.nodata();
    return this.ok([...new Set(hits.map((a) => a.ip))].map((ip) => this.a(qname, ip)));
  }

  private srv(qname: string, svc: KubeObject, portName: string, proto: string, qtype: number): Resolution {
    const spec = isPlainObject(svc.spec) ? svc.spec : {};
    const port = (Array.isArray(spec.ports) ? spec.ports : []).find((p) => isPlainObject(p) && str(p.name)?.toLowerCase() === portName && (str(p.protocol) ?? 'TCP').toLowerCase() === proto);
    if (!isPlainObject(port)) return this.nx();
    if (qtype !== TYPE.SRV && qtype !== TYPE.ANY) return this.nodata();
    const clusterIP = str(spec.clusterIP);
    if (clusterIP && clusterIP !== 'None') {
      return this.ok([{ name: qname, type: TYPE.SRV, class: CLASS_IN, ttl: this.ttl, data: { priority: 0, weight: 100, port: Number(port.port), target: this.fqdn(svc) } }], isIPv4(clusterIP) ? [this.a(this.fqdn(svc), clusterIP)] : []);
    }
    const { addresses, ports } = readyAddresses(this.lookup.endpoints(svc.metadata.namespace ?? 'default', svc.metadata.name ?? ''));
    const answers: ResourceRecord[] = [];
    const extra: ResourceRecord[] = [];
    addresses.forEach((a, i) => {
      const p = ports[i].find((x) => x.name.toLowerCase() === portName && x.protocol.toLowerCase() === proto);
      if (!p) return;
      const target = `${a.hostname ?? dashed(a.ip)}.${this.fqdn(svc)}`;
      answers.push({ name: qname, type: TYPE.SRV, class: CLASS_IN, ttl: this.ttl, data: { priority: 0, weight: 100, port: p.port, target } });
      extra.push(this.a(target, a.ip));
    });
    return this.ok(answers, extra);
  }

  private reverse(qname: string, name: string, qtype: number): Resolution | undefined {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    const ip = parts.reverse().join('.');
    if (!isIPv4(ip)) return undefined;
    const ours = cidrContains(this.serviceRange, ip) || cidrContains(this.podRange, ip);
    if (!ours) return undefined;
    const names = this.reverseNames(ip);
    if (names.length === 0) return this.nx();
    if (qtype !== TYPE.PTR && qtype !== TYPE.ANY) return this.nodata();
    return this.ok(names.map((n) => ({ name: qname, type: TYPE.PTR, class: CLASS_IN, ttl: this.ttl, data: n })));
  }

  private reverseNames(ip: string): string[] {
    const out: string[] = [];
    for (const svc of this.lookup.services()) {
      const spec = isPlainObject(svc.spec) ? svc.spec : {};
      if (spec.clusterIP === ip) out.push(this.fqdn(svc));
      else if (spec.clusterIP === 'None' && cidrContains(this.podRange, ip)) {
        for (const a of readyAddresses(this.lookup.endpoints(svc.metadata.namespace ?? 'default', svc.metadata.name ?? '')).addresses) {
          if (a.ip === ip && a.hostname) out.push(`${a.hostname}.${this.fqdn(svc)}`);
        }
      }
    }
    return out;
  }
}

function dashed(ip: string): string {
  return ip.replace(/\./g, '-');
}
