/**
 * Service port model → iptables rules (kube-proxy's iptables mode, reduced to what one local
 * node needs). Pure: the dataplane feeds the output to `iptables-restore --noflush`, which
 * replaces every chain it declares in one transaction, so a sync never leaves half-written rules.
 *
 * nat table (P = this cluster's chain prefix, see {@link chainPrefix}):
 *   PREROUTING (from the pod subnet) and OUTPUT (host) → P-SERVICES
 *   P-SERVICES  -d <ClusterIP> -p <proto> --dport <port>  → P-SVC-<hash>
 *               (last) -s <pod subnet> -m addrtype --dst-type LOCAL  → P-NODEPORTS
 *   P-NODEPORTS -p <proto> --dport <nodePort>            → P-SVC-<hash>   (pods → nodeIP:nodePort)
 *   P-LOCALPORTS -d 127.0.0.1 --dport <nodePort|LB port> → mark for masquerade, P-SVC-<hash>:
 *               the host's own connections to 127.0.0.1:<nodePort> skip the userspace relay
 *               (needs route_localnet on the cluster bridge, see dataplane.ts)
 *   P-SVC-<h>   affinity: -m recent --rcheck per endpoint; then one rule per endpoint with
 *               `statistic --mode random --probability 1/(n-i)` (uniform), last unconditional
 *   P-SEP-<h>   -s <itself> → P-MARK-MASQ (hairpin); [-m recent --set]; DNAT to ip:port
 *   POSTROUTING → P-POST: packets carrying the masquerade mark are MASQUERADEd (a pod reaching
 *               itself through its Service needs a source address that is not its own)
 * filter table:
 *   P-NOEP      -d <ClusterIP> --dport <port> -j REJECT for service ports with no ready endpoint
 *               (a client fails at once with "connection refused", as with kube-proxy), jumped
 *               to from P-FW (FORWARD, pods) and P-OUT (OUTPUT, host) for NEW connections.
 */
import { createHash } from 'node:crypto';
import type { ServicePort } from './model.js';

/** Packet mark bits (chosen away from kube-proxy's 0x4000/0x8000 and Docker, which uses none). */
export const MASQ_MARK = 0x2000000;
export const ALLOW_MARK = 0x4000000;

/**
 * `SKF-<6 hex>`: one per engine instance — cluster name, network and data dir — so several Skiff
 * clusters (and test runs) on one Docker host never rewrite each other's chains, while a restart
 * of the same cluster finds (and replaces) its own.
 */
export function chainPrefix(clusterName: string, networkName: string, dataDir = ''): string {
  return `SKF-${createHash('sha256').update(`${clusterName}\0${networkName}\0${dataDir}`).digest('hex').slice(0, 6)}`;
}

function h(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}

export interface NatRules {
  /** Chains to declare in the nat table (flushed and rewritten by the restore). */
  chains: string[];
  rules: string[];
  /** filter-table chain P-NOEP's rules. */
  noEndpointRules: string[];
}

export interface NatOptions {
  prefix: string;
  podSubnet: string;
  /**
   * Host ports on 127.0.0.1 this engine holds (`tcp:127.0.0.1:30080`, bound by the userspace
   * relay, which doubles as the cross-process lock on the port): NodePorts and LoadBalancer
   * ports in this set are also DNATed by the kernel for connections from the host itself.
   */
  localPorts?: Set<string>;
}

function comment(sp: ServicePort, what: string): string {
  const text = `${sp.namespace}/${sp.name}${sp.portName ? ':' + sp.portName : ''} ${what}`.replace(/[^a-zA-Z0-9./_: -]/g, '_');
  return `-m comment --comment "${text}"`;
}

export function compileNat(ports: ServicePort[], opts: NatOptions): NatRules {
  const P = opts.prefix;
  const SERVICES = `${P}-SERVICES`;
  const NODEPORTS = `${P}-NODEPORTS`;
  const LOCAL = `${P}-LOCALPORTS`;
  const MARK = `${P}-MARK-MASQ`;
  const POST = `${P}-POST`;
  const mark = `0x${MASQ_MARK.toString(16)}`;
  const chains = [SERVICES, NODEPORTS, LOCAL, MARK, POST];
  const rules: string[] = [
    `-A ${MARK} -j MARK --set-xmark ${mark}/${mark}`,
    `-A ${POST} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${POST} -j MARK --set-xmark 0x0/${mark}`,
    `-A ${POST} -j MASQUERADE`,
  ];
  const svcRules: string[] = [];
  const nodePortRules: string[] = [];
  const localRules: string[] = [];
  const local = (sp: ServicePort, port: number, svc: string) => {
    const p = sp.protocol.toLowerCase();
    if (!opts.localPorts?.has(`${p}:127.0.0.1:${port}`)) return;
    // From 127.0.0.1 the pod could not answer: masquerade to the bridge address.
    localRules.push(`-A ${LOCAL} -d 127.0.0.1/32 -p ${p} ${comment(sp, 'localhost')} -m ${p} --dport ${port} -j ${MARK}`);
    localRules.push(`-A ${LOCAL} -d 127.0.0.1/32 -p ${p} ${comment(sp, 'localhost')} -m ${p} --dport ${port} -j ${svc}`);
  };
  const noEndpointRules: string[] = [];
  const sorted = [...ports].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const sp of sorted) {
    const p = sp.protocol.toLowerCase();
    if (sp.protocol === 'SCTP') continue; // not offered (module often absent); documented
    const eps = sp.endpoints;
    if (eps.length === 0) {
      if (sp.clusterIP) noEndpointRules.push(`-A ${P}-NOEP -d ${sp.clusterIP}/32 -p ${p} ${comment(sp, 'has no endpoints')} -m ${p} --dport ${sp.port} -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    const svc = `${P}-SVC-${h(sp.key)}`;
    chains.push(svc);
    if (sp.clusterIP) svcRules.push(`-A ${SERVICES} -d ${sp.clusterIP}/32 -p ${p} ${comment(sp, 'cluster IP')} -m ${p} --dport ${sp.port} -j ${svc}`);
    if (sp.nodePort) nodePortRules.push(`-A ${NODEPORTS} -p ${p} ${comment(sp, 'node port')} -m ${p} --dport ${sp.nodePort} -j ${svc}`);
    if (sp.nodePort) local(sp, sp.nodePort, svc);
    if (sp.loadBalancer) local(sp, sp.port, svc);
    const seps = eps.map((e) => ({ e, chain: `${P}-SEP-${h(`${sp.key}>${e.ip}:${e.port}`)}` }));
    const affinity = sp.affinitySeconds !== undefined ? sp.affinitySeconds : undefined;
    if (affinity !== undefined) {
      for (const { chain } of seps) rules.push(`-A ${svc} -m recent --name ${chain} --mask 255.255.255.255 --rsource --rcheck --seconds ${affinity} --reap -j ${chain}`);
    }
    seps.forEach(({ chain }, i) => {
      const left = seps.length - i;
      rules.push(left > 1 ? `-A ${svc} -m statistic --mode random --probability ${(1 / left).toFixed(10)} -j ${chain}` : `-A ${svc} -j ${chain}`);
    });
    for (const { e, chain } of seps) {
      chains.push(chain);
      rules.push(`-A ${chain} -s ${e.ip}/32 -j ${MARK}`);
      const recent = affinity !== undefined ? `-m recent --name ${chain} --mask 255.255.255.255 --rsource --set ` : '';
      rules.push(`-A ${chain} -p ${p} ${recent}-m ${p} -j DNAT --to-destination ${e.ip}:${e.port}`);
    }
  }
  // Node ports last, and only for packets from pods to one of the host's own addresses: the host
  // itself uses 127.0.0.1:<nodePort> (served in userspace), and the LAN must not reach pods.
  svcRules.push(`-A ${SERVICES} -s ${opts.podSubnet} -m addrtype --dst-type LOCAL -j ${NODEPORTS}`);
  if (localRules.length) svcRules.push(`-A ${SERVICES} -d 127.0.0.1/32 -j ${LOCAL}`);
  return { chains, rules: [...svcRules, ...nodePortRules, ...localRules, ...rules], noEndpointRules };
}
