/**
 * NetworkPolicy (networking.k8s.io/v1) → iptables filter rules, the job Calico or kube-router do
 * in a real cluster. Pure: policies, pods and namespaces in, `iptables-restore` lines out; the
 * proxy's dataplane (engine/proxy/dataplane.ts) applies them on the Docker host, in a chain hooked
 * into DOCKER-USER (FORWARD), where bridged pod-to-pod packets pass when br_netfilter is on.
 *
 * Semantics, as the API reference defines them:
 * - A pod is isolated for ingress (egress) when at least one policy in its namespace selects it
 *   and has that policy type. policyTypes defaults to ["Ingress"], plus "Egress" when the policy
 *   has an `egress` section. Non-isolated pods accept/send everything.
 * - Traffic to an isolated pod is allowed if ANY rule of ANY selecting policy allows it; a rule
 *   allows traffic from (to) any of its peers on any of its ports. An empty/missing `from`/`to`
 *   means all peers; empty/missing `ports` means all ports; no rules at all = deny all.
 * - Peers: podSelector (pods in the policy's namespace), namespaceSelector (all pods in matching
 *   namespaces), both (matching pods in matching namespaces), ipBlock (cidr minus except).
 * - Ports: protocol (default TCP), port by number or by name (resolved against the container
 *   ports of the destination pod), endPort for ranges.
 * - Both sides must allow: egress of the source, then ingress of the destination.
 * - Replies of allowed connections pass (conntrack ESTABLISHED/RELATED is checked first).
 * - Service VIPs are translated before filtering (nat PREROUTING), so policies see pod IPs, as
 *   in Kubernetes.
 *
 * Not filtered (documented choice): traffic between pods and the node itself — kubelet probes,
 * NodePort/LoadBalancer/Ingress traffic the engine relays from 127.0.0.1, port-forward — and
 * queries to cluster DNS (served by the engine on the bridge gateway, not by a pod, so a policy
 * could not name it with a pod/namespace selector). Denied packets are REJECTed (ICMP port
 * unreachable), so a denied connection fails at once instead of hanging until a timeout.
 *
 * Chain layout (P = the cluster's chain prefix):
 *   P-FW  (from DOCKER-USER) … -s <pod> -j P-EG-<pod>   for egress-isolated pods
 *                            … -d <pod> -j P-IN-<pod>   for ingress-isolated pods
 *   P-IN-<pod>: clear the allow mark; each allowed (peer, port) sets it; mark set → RETURN;
 *               else REJECT. ipBlock `except` uses a sub-chain whose RETURN skips the peer.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import { fromLabelSelector, matchesLabels, type LabelSelectorObject } from '../api/selectors.js';
import { parseCidr, intToIp } from '../network.js';

export interface PodInfo {
  namespace: string;
  name: string;
  ip: string;
  labels: Record<string, string>;
  /** Named container ports (for named policy ports). */
  ports: { name: string; port: number; protocol: string }[];
}

export interface CompileOptions {
  /** Chain prefix of this cluster, e.g. "SKF-1a2b3c". */
  prefix: string;
  /** Packet mark bit used for "allowed" while walking a pod's chain (e.g. 0x4000000). */
  allowMark: number;
}

export interface CompiledPolicies {
  /** Chains to declare (besides P-FW, which the caller owns). */
  chains: string[];
  /** `-A …` lines: the P-FW dispatch lines first, then the per-pod chains. */
  rules: string[];
  /** Pods (ns/name) isolated for ingress / egress, for status and tests. */
  ingressIsolated: string[];
  egressIsolated: string[];
}

type Obj = Record<string, unknown>;

interface PortMatch {
  protocol: string;
  /** "80" or "8000:9000"; undefined = every port of the protocol. */
  dport?: string;
}

type Peer = { kind: 'all' } | { kind: 'ip'; ip: string } | { kind: 'block'; cidr: string; except: string[] };

const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function policyTypes(policy: KubeObject): { ingress: boolean; egress: boolean } {
  const spec = obj(policy.spec);
  const types = arr(spec.policyTypes).filter((t): t is string => typeof t === 'string');
  if (types.length) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: spec.egress !== undefined };
}

function selects(policy: KubeObject, pod: PodInfo): boolean {
  if (policy.metadata.namespace !== pod.namespace) return false;
  const sel = fromLabelSelector(obj(policy.spec).podSelector as LabelSelectorObject | undefined ?? {});
  return sel !== null && matchesLabels(sel, pod.labels);
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}

/** iptables -p/-m names. */
function proto(p: string): string {
  return p.toLowerCase();
}

function portMatches(ports: unknown[], resolveNamed: (name: string, protocol: string) => number[]): PortMatch[] | 'all' {
  if (ports.length === 0) return 'all';
  const out: PortMatch[] = [];
  for (const raw of ports) {
    const p = obj(raw);
    const protocol = typeof p.protocol === 'string' ? p.protocol.toUpperCase() : 'TCP';
    if (p.port === undefined || p.port === null) {
      out.push({ protocol });
      continue;
    }
    if (typeof p.port === 'number') {
      const end = typeof p.endPort === 'number' && p.endPort > p.port ? p.endPort : undefined;
      out.push({ protocol, dport: end ? `${p.port}:${end}` : String(p.port) });
      continue;
    }
    if (typeof p.port === 'string') {
      if (/^\d+$/.test(p.port)) out.push({ protocol, dport: p.port });
      else for (const n of resolveNamed(p.port, protocol)) out.push({ protocol, dport: String(n) });
    }
  }
  return out;
}

function portArgs(m: PortMatch): string {
  const p = proto(m.protocol);
  return m.dport ? `-p ${p} -m ${p} --dport ${m.dport}` : `-p ${p}`;
}

/** The normalised CIDR text iptables prints (host bits cleared). */
function normCidr(c: string): string | undefined {
  try {
    const x = parseCidr(c);
    return `${intToIp(x.base)}/${x.prefix}`;
  } catch {
    return undefined;
  }
}

export function compilePolicies(policies: KubeObject[], pods: PodInfo[], namespaces: Map<string, Record<string, string>>, opts: CompileOptions): CompiledPolicies {
  const P = opts.prefix;
  const mark = `0x${opts.allowMark.toString(16)}`;
  const chains: string[] = [];
  const dispatch: string[] = [];
  const body: string[] = [];
  const ingressIsolated: string[] = [];
  const egressIsolated: string[] = [];
  const sorted = [...pods].sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  const sortedPolicies = [...policies].sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));

  /** Pods a peer entry (podSelector / namespaceSelector) of a policy names. */
  const peerPods = (policy: KubeObject, peer: Obj): PodInfo[] => {
    const podSel = peer.podSelector !== undefined ? fromLabelSelector(obj(peer.podSelector) as LabelSelectorObject) : undefined;
    const nsSel = peer.namespaceSelector !== undefined ? fromLabelSelector(obj(peer.namespaceSelector) as LabelSelectorObject) : undefined;
    return sorted.filter((p) => {
      if (nsSel) {
        const labels = { 'kubernetes.io/metadata.name': p.namespace, ...(namespaces.get(p.namespace) ?? {}) };
        if (!matchesLabels(nsSel, labels)) return false;
      } else if (p.namespace !== policy.metadata.namespace) return false;
      return podSel ? matchesLabels(podSel, p.labels) : true;
    });
  };

  const peersOf = (policy: KubeObject, list: unknown): { peers: Peer[]; pods: PodInfo[] } => {
    const entries = arr(list);
    if (list === undefined || list === null || entries.length === 0) return { peers: [{ kind: 'all' }], pods: sorted };
    const peers: Peer[] = [];
    const pods: PodInfo[] = [];
    for (const raw of entries) {
      const e = obj(raw);
      if (isPlainObject(e.ipBlock)) {
        const cidr = typeof e.ipBlock.cidr === 'string' ? normCidr(e.ipBlock.cidr) : undefined;
        if (!cidr) continue;
        const except = arr(e.ipBlock.except)
          .map((x) => (typeof x === 'string' ? normCidr(x) : undefined))
          .filter((x): x is string => !!x);
        peers.push({ kind: 'block', cidr, except });
        continue;
      }
      if (e.podSelector === undefined && e.namespaceSelector === undefined) continue;
      for (const p of peerPods(policy, e)) {
        pods.push(p);
        peers.push({ kind: 'ip', ip: p.ip });
      }
    }
    return { peers, pods };
  };

  const podChain = (dir: 'IN' | 'EG', pod: PodInfo, selecting: KubeObject[]) => {
    const chain = `${P}-${dir}-${hash(`${pod.namespace}/${pod.name}/${pod.ip}`)}`;
    chains.push(chain);
    body.push(`-A ${chain} -j MARK --set-xmark 0x0/${mark}`);
    let sub = 0;
    const peerFlag = dir === 'IN' ? '-s' : '-d';
    for (const policy of selecting) {
      const spec = obj(policy.spec);
      const rules = arr(dir === 'IN' ? spec.ingress : spec.egress);
      for (const raw of rules) {
        const rule = obj(raw);
        const { peers, pods: peerPodList } = peersOf(policy, dir === 'IN' ? rule.from : rule.to);
        const ports = arr(rule.ports);
        const comment = `-m comment --comment "${sanitize(`${policy.metadata.namespace}/${policy.metadata.name}`)}"`;
        // Named ports: ingress resolves against the selected (destination) pod; egress against
        // each destination pod, so pod peers get per-pod port lists.
        const named = (target: PodInfo[]) => (name: string, protocol: string) => [...new Set(target.flatMap((t) => t.ports.filter((x) => x.name === name && x.protocol.toUpperCase() === protocol).map((x) => x.port)))];
        for (const peer of peers) {
          let matches: PortMatch[] | 'all';
          if (dir === 'IN') matches = portMatches(ports, named([pod]));
          else if (peer.kind === 'ip') matches = portMatches(ports, named(peerPodList.filter((p) => p.ip === peer.ip)));
          else matches = portMatches(ports, named(sorted));
          const portList: (PortMatch | undefined)[] = matches === 'all' ? [undefined] : matches;
          if (portList.length === 0) continue;
          const allow = `-j MARK --set-xmark ${mark}/${mark}`;
          if (peer.kind === 'block' && peer.except.length) {
            const sc = `${chain.slice(0, 24)}-${sub++}`;
            chains.push(sc);
            for (const ex of peer.except) body.push(`-A ${sc} ${peerFlag} ${ex} -j RETURN`);
            for (const pm of portList) body.push(`-A ${sc} ${peerFlag} ${peer.cidr} ${pm ? portArgs(pm) + ' ' : ''}${allow}`);
            body.push(`-A ${chain} ${comment} -j ${sc}`);
            continue;
          }
          const who = peer.kind === 'all' ? '' : peer.kind === 'ip' ? `${peerFlag} ${peer.ip}/32 ` : `${peerFlag} ${peer.cidr} `;
          for (const pm of portList) body.push(`-A ${chain} ${who}${pm ? portArgs(pm) + ' ' : ''}${comment} ${allow}`);
        }
      }
    }
    body.push(`-A ${chain} -m mark --mark ${mark}/${mark} -j RETURN`);
    body.push(`-A ${chain} -j REJECT --reject-with icmp-port-unreachable`);
    return chain;
  };

  const egressDispatch: string[] = [];
  const ingressDispatch: string[] = [];
  for (const pod of sorted) {
    const selecting = sortedPolicies.filter((p) => selects(p, pod));
    const ing = selecting.filter((p) => policyTypes(p).ingress);
    const eg = selecting.filter((p) => policyTypes(p).egress);
    if (eg.length) {
      egressIsolated.push(`${pod.namespace}/${pod.name}`);
      egressDispatch.push(`-A ${P}-FW -s ${pod.ip}/32 -j ${podChain('EG', pod, eg)}`);
    }
    if (ing.length) {
      ingressIsolated.push(`${pod.namespace}/${pod.name}`);
      ingressDispatch.push(`-A ${P}-FW -d ${pod.ip}/32 -j ${podChain('IN', pod, ing)}`);
    }
  }
  dispatch.push(...egressDispatch, ...ingressDispatch);
  return { chains, rules: [...dispatch, ...body], ingressIsolated, egressIsolated };
}

function sanitize(s: string): string {
  return s.replace(/[^a-zA-Z0-9./_:-]/g, '_').slice(0, 200);
}

/** A pod as the compiler needs it, from a Pod object (undefined: no IP yet, or host network). */
export function podInfo(pod: KubeObject): PodInfo | undefined {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  if (spec.hostNetwork === true) return undefined;
  const ip = typeof status.podIP === 'string' ? status.podIP : undefined;
  if (!ip) return undefined;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ports: PodInfo['ports'] = [];
  for (const c of arr(spec.containers)) {
    for (const p of arr(obj(c).ports)) {
      const po = obj(p);
      if (typeof po.name === 'string' && typeof po.containerPort === 'number') ports.push({ name: po.name, port: po.containerPort, protocol: typeof po.protocol === 'string' ? po.protocol : 'TCP' });
    }
  }
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', ip, labels: pod.metadata.labels ?? {}, ports };
}
