/**
 * The cluster's network plan, shared by the kubelet (pod sandboxes), the service proxy and
 * cluster DNS. One user-defined Docker network per cluster; pod IPs come from its subnet,
 * Service ClusterIPs from the service CIDR. Defaults avoid common home/office LAN ranges.
 */
import type { KubeObject } from './api/types.js';
import { isPlainObject } from './api/types.js';

export interface ClusterNetwork {
  /** Docker network name, e.g. "skiff-skiff". */
  networkName: string;
  /** Pod subnet of the Docker network. */
  podSubnet: string;
  /** Service ClusterIP range. */
  serviceCIDR: string;
  /** NodePort range. */
  nodePortRange: [number, number];
  clusterDomain: string;
  /** IP of cluster DNS once it runs (set by engine/dns); undefined until then. */
  dnsServerIP?: string;
}

export function defaultNetwork(clusterName: string): ClusterNetwork {
  return {
    networkName: `skiff-${clusterName}`,
    podSubnet: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    clusterDomain: 'cluster.local',
  };
}

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
