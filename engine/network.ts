/**
 * The cluster's network plan, shared by the kubelet (pod sandboxes), API admission (ClusterIP and
 * NodePort allocation), the service proxy, cluster DNS, NetworkPolicy and the ingress controller.
 * One user-defined Docker network per cluster; pod IPs come from its subnet, Service ClusterIPs
 * from the service CIDR. Defaults avoid common home/office LAN ranges and Docker's own address
 * pools: 10.244.0.0/16 for pods and 10.96.0.0/16 for services are kubeadm's/kind's conventions,
 * so addresses look familiar.
 *
 * Every value can be overridden from the environment of the engine process (the API server's
 * admission reads the same plan, so allocations stay inside the ranges the proxy serves):
 *   SKIFF_POD_SUBNET=10.244.0.0/16        SKIFF_SERVICE_CIDR=10.96.0.0/16
 *   (without SKIFF_POD_SUBNET the engine picks a free /16 when 10.244/16 is taken — see
 *   engine/kubelet/podsubnet.ts — and keeps it in <data-dir>/pod-subnet)
 *   SKIFF_NODEPORT_RANGE=30000-32767      SKIFF_CLUSTER_DOMAIN=cluster.local
 *   SKIFF_INGRESS_HTTP_PORT=80            SKIFF_INGRESS_HTTPS_PORT=443   (0 = any free port)
 *   SKIFF_NETWORK_NAME=skiff-<cluster>    (Docker network; two clusters need two networks)
 */
import type { KubeObject } from './api/types.js';
import { isPlainObject } from './api/types.js';

export interface ClusterNetwork {
  /** Docker network name, e.g. "skiff-skiff". */
  networkName: string;
  /**
   * The cluster's pod range: the local Docker network's subnet, and the range node podCIDRs are
   * carved from. Settled once Docker answers (engine/kubelet/podsubnet.ts): SKIFF_POD_SUBNET if
   * given, else the subnet recorded in the data dir, else 10.244.0.0/16 or a free /16.
   */
  podSubnet: string;
  /** SKIFF_POD_SUBNET was given: use it as is, never pick another. */
  podSubnetExplicit?: boolean;
  /** Service ClusterIP range. */
  serviceCIDR: string;
  /** NodePort range. */
  nodePortRange: [number, number];
  clusterDomain: string;
  /**
   * IP of cluster DNS (the `kube-dns` Service's ClusterIP, {@link dnsServiceIP}). engine/proxy
   * sets it synchronously when it starts — before the kubelet creates sandboxes — and clears it
   * if the data path that makes the VIP reachable cannot run (then pods keep Docker's resolver).
   */
  dnsServerIP?: string;
  /**
   * Ports of the built-in ingress controller on 127.0.0.1. Default 80/443 as Docker Desktop and
   * k3s; when a default port cannot be bound (not root, or taken) the controller falls back to
   * 8080/8443 and then to any free port, and reports the port in Ingress status.
   */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
}

type Env = Record<string, string | undefined>;

export function defaultNetwork(clusterName: string, env: Env = process.env): ClusterNetwork {
  const range = /^(\d+)-(\d+)$/.exec(env.SKIFF_NODEPORT_RANGE ?? '');
  const port = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) && Number(v) < 65536 ? Number(v) : undefined);
  return {
    networkName: env.SKIFF_NETWORK_NAME || `skiff-${clusterName}`,
    podSubnet: validCidr(env.SKIFF_POD_SUBNET) ?? '10.244.0.0/16',
    podSubnetExplicit: !!validCidr(env.SKIFF_POD_SUBNET),
    serviceCIDR: validCidr(env.SKIFF_SERVICE_CIDR) ?? '10.96.0.0/16',
    nodePortRange: range && Number(range[1]) <= Number(range[2]) ? [Number(range[1]), Number(range[2])] : [30000, 32767],
    clusterDomain: env.SKIFF_CLUSTER_DOMAIN || 'cluster.local',
    ingressHttpPort: port(env.SKIFF_INGRESS_HTTP_PORT),
    ingressHttpsPort: port(env.SKIFF_INGRESS_HTTPS_PORT),
  };
}

function validCidr(v: string | undefined): string | undefined {
  if (!v) return undefined;
  try {
    parseCidr(v);
    return v;
  } catch {
    return undefined;
  }
}

// ---- IPv4 helpers ------------------------------------------------------------------------------

export function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((p) => Number(p) <= 255);
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  /** First address (network address), as a number. */
  base: number;
  prefix: number;
  /** Number of addresses. */
  size: number;
}

/** "10.96.0.0/16" → base/prefix/size. A bare address is a /32. Throws on garbage. */
export function parseCidr(cidr: string): Cidr {
  const [ip, p = '32'] = cidr.split('/');
  const prefix = Number(p);
  if (!isIPv4(ip) || !/^\d+$/.test(p) || prefix > 32) throw new Error(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { base, prefix, size };
}

export function cidrContains(cidr: string | Cidr, ip: string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  if (!isIPv4(ip)) return false;
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + c.size;
}

/** The n-th address of a CIDR (n = 1 → 10.96.0.1). */
export function nthAddress(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  return intToIp(c.base + n);
}

/** The `kube-dns` ClusterIP: the 10th address of the service CIDR (10.96.0.10), as kubeadm. */
export function dnsServiceIP(net: Pick<ClusterNetwork, 'serviceCIDR'>): string {
  return nthAddress(net.serviceCIDR, 10);
}

/** The `kubernetes` Service ClusterIP: the first address of the service CIDR (10.96.0.1). */
export function apiServiceIP(net: Pick<ClusterNetwork, 'serviceCIDR'>): string {
  return nthAddress(net.serviceCIDR, 1);
}

// ---- pod DNS -----------------------------------------------------------------------------------

export interface PodDnsConfig {
  nameservers: string[];
  searches: string[];
  options: { name: string; value?: string }[];
}

/**
 * The resolver a pod gets, as the kubelet computes it from dnsPolicy: ClusterFirst (default)
 * → cluster DNS and the `<ns>.svc.<domain> svc.<domain> <domain>` search path with ndots:5;
 * Default → the node's resolver (undefined: leave Docker's); None → only spec.dnsConfig.
 * spec.dnsConfig is merged in as upstream does.
 */
export function podDnsConfig(pod: KubeObject, net: ClusterNetwork): PodDnsConfig | undefined {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const policy = typeof spec.dnsPolicy === 'string' ? spec.dnsPolicy : 'ClusterFirst';
  const extra = isPlainObject(spec.dnsConfig) ? spec.dnsConfig : {};
  const extraNs = Array.isArray(extra.nameservers) ? extra.nameservers.filter((x): x is string => typeof x === 'string') : [];
  const extraSearch = Array.isArray(extra.searches) ? extra.searches.filter((x): x is string => typeof x === 'string') : [];
  const extraOpts = Array.isArray(extra.options) ? extra.options.filter(isPlainObject).map((o) => ({ name: String(o.name), value: typeof o.value === 'string' ? o.value : undefined })) : [];
  const hostNetwork = spec.hostNetwork === true;
  let base: PodDnsConfig | undefined;
  if (policy === 'None') base = { nameservers: [], searches: [], options: [] };
  else if (policy === 'Default' || (hostNetwork && policy === 'ClusterFirst') || !net.dnsServerIP) base = undefined;
  else {
    const ns = pod.metadata.namespace ?? 'default';
    const d = net.clusterDomain;
    base = { nameservers: [net.dnsServerIP], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: [{ name: 'ndots', value: '5' }] };
  }
  if (!base) return extraNs.length || extraSearch.length || extraOpts.length ? { nameservers: extraNs, searches: extraSearch, options: extraOpts } : undefined;
  return {
    nameservers: [...base.nameservers, ...extraNs].slice(0, 3),
    searches: [...base.searches, ...extraSearch],
    options: [...base.options.filter((o) => !extraOpts.some((e) => e.name === o.name)), ...extraOpts],
  };
}

// ---- subnet planning ---------------------------------------------------------------------------

/** Do two CIDRs share any address? */
export function cidrsOverlap(a: string | Cidr, b: string | Cidr): boolean {
  const x = typeof a === 'string' ? parseCidr(a) : a;
  const y = typeof b === 'string' ? parseCidr(b) : b;
  return x.base < y.base + y.size && y.base < x.base + x.size;
}

/** The default cluster pod range (kubeadm's and kind's). */
export const DEFAULT_POD_SUBNET = '10.244.0.0/16';

/**
 * Picks the cluster's pod range: `preferred` (10.244.0.0/16) when it overlaps none of `used`
 * (the subnets of the Docker engine's networks and this machine's interface addresses), else a
 * free /16 among 10.128–10.243 (clear of the service range 10.96/16 and of virtual nodes'
 * 10.245–10.254), tried in the order `order` gives (random, so that two engines starting at the
 * same moment rarely race for the same one). Undefined when everything is taken.
 */
export function pickPodSubnet(used: string[], preferred = DEFAULT_POD_SUBNET, order: (candidates: string[]) => string[] = shuffle): string | undefined {
  const parsed = used.flatMap((u) => {
    try {
      return [parseCidr(u)];
    } catch {
      return [];
    }
  });
  const free = (c: string) => !parsed.some((u) => cidrsOverlap(c, u));
  if (free(preferred)) return preferred;
  const candidates: string[] = [];
  for (let b = 128; b <= 243; b++) candidates.push(`10.${b}.0.0/16`);
  return order(candidates).find(free);
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Node pod subnets are /24s of the cluster range (upstream's default --node-cidr-mask-size). */
export const NODE_CIDR_MASK = 24;

/** The i-th node subnet of `range` (i = 0 → 10.244.0.0/24). */
export function nodeCIDR(range: string, i: number, mask = NODE_CIDR_MASK): string {
  const r = parseCidr(range);
  const size = 2 ** (32 - mask);
  if (mask < r.prefix || (i + 1) * size > r.size) throw new Error(`no node subnet #${i} of /${mask} in ${range}`);
  return `${intToIp(r.base + i * size)}/${mask}`;
}

/**
 * Node IPAM (upstream's range allocator): the first /24 of the cluster range that overlaps none
 * of the podCIDRs already given to other nodes. Index 0 is the local node's; Docker-host nodes get
 * the next free ones. Throws when the range is full (upstream's CIDRNotAvailable).
 */
export function allocateNodeCIDR(range: string, taken: string[], mask = NODE_CIDR_MASK): string {
  const r = parseCidr(range);
  const count = Math.max(1, Math.floor(r.size / 2 ** (32 - mask)));
  const parsed = taken.flatMap((t) => {
    try {
      return [parseCidr(t)];
    } catch {
      return [];
    }
  });
  for (let i = 0; i < count; i++) {
    const c = nodeCIDR(range, i, mask);
    if (!parsed.some((t) => cidrsOverlap(c, t))) return c;
  }
  throw new Error(`no free /${mask} left in the cluster pod range ${range}`);
}
