/**
 * Settles the cluster's pod range once Docker answers, so that two clusters (or Skiff and kind)
 * on one Docker engine need no SKIFF_POD_SUBNET: the engine picks a free range itself.
 *
 * Order (first that applies wins):
 * 1. SKIFF_POD_SUBNET (ClusterNetwork.podSubnetExplicit) — used as is;
 * 2. the subnet of this cluster's Docker network if it already exists (the network is the truth:
 *    clusters made before the file existed keep theirs);
 * 3. the range recorded in `<data-dir>/pod-subnet` by an earlier start — stable across restarts
 *    (re-picked only if another network took it while the cluster network was gone);
 * 4. 10.244.0.0/16 if no Docker network and no interface of this machine overlaps it, else a free
 *    /16 (network.ts pickPodSubnet). Two engines that start at the same moment may pick the same
 *    one: Docker refuses the second network ("Pool overlaps"), and the loser picks again.
 *
 * Settling also creates the cluster network, with IPRange = the local node's podCIDR (the
 * range's first /24), so Docker hands local pods addresses only from that /24 and the rest of
 * the range is free for other nodes' podCIDRs (Docker-host nodes, engine/nodes/docker-host.ts).
 * A network made before this existed has no IPRange and is adopted as it is.
 *
 * One settle per ClusterNetwork object (the kubelet and the service proxy both wait for it);
 * a failure (Docker went away) is forgotten so that the next caller tries again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { NODE_CIDR_MASK, nodeCIDR, parseCidr, pickPodSubnet, type ClusterNetwork } from '../network.js';
import { LABEL, isRuntimeError, type ContainerRuntime } from './runtime/runtime.js';

/** File in the data dir that keeps the picked range. */
export const POD_SUBNET_FILE = 'pod-subnet';

/** What settling needs: the cluster's identity, its data dir and its network plan. */
export interface SubnetContext {
  dataDir: string;
  clusterName: string;
  network: ClusterNetwork;
}

/** Docker networks' subnets by network name (dockerode through DockerRuntime.docker). */
export type NetworkLister = () => Promise<{ name: string; subnets: string[] }[]>;

const settled = new WeakMap<ClusterNetwork, Promise<string>>();

/** The local node's podCIDR: the range's first /24, or the whole range when it is that small. */
export function localNodeCIDR(range: string): string {
  return parseCidr(range).prefix >= NODE_CIDR_MASK ? range : nodeCIDR(range, 0);
}

/** Lists networks when the runtime is a DockerRuntime (the fake runtime of unit tests has none). */
export function dockerNetworkLister(rt: ContainerRuntime): NetworkLister | undefined {
  const docker = (rt as { docker?: { listNetworks(): Promise<{ Name: string; IPAM?: { Config?: { Subnet?: string }[] | null } }[]> } }).docker;
  if (!docker || typeof docker.listNetworks !== 'function') return undefined;
  return async () => (await docker.listNetworks()).map((n) => ({ name: n.Name, subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter(Boolean) }));
}

/** This machine's interface networks (LINUX-ONLY meaningfully: on Docker Desktop the VM's are not seen). */
function hostSubnets(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => !!a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.cidr ?? '')
    .filter(Boolean);
}

/**
 * The cluster pod range when it is known without asking Docker (SKIFF_POD_SUBNET, or recorded
 * by an earlier start), so other nodes' podCIDRs do not wait for the local engine.
 */
export function knownPodSubnet(ctx: SubnetContext): string | undefined {
  if (ctx.network.podSubnetExplicit) return ctx.network.podSubnet;
  try {
    const recorded = readFileSync(join(ctx.dataDir, POD_SUBNET_FILE), 'utf8').trim();
    parseCidr(recorded);
    return recorded;
  } catch {
    return undefined;
  }
}

/** Settles ctx.network.podSubnet (see the header) and makes sure the local cluster network exists. */
export function settlePodSubnet(ctx: SubnetContext, rt: ContainerRuntime, seams: { list?: NetworkLister; hostSubnets?: () => string[] } = {}): Promise<string> {
  let p = settled.get(ctx.network);
  if (!p) {
    p = settle(ctx, rt, 'list' in seams ? seams.list : dockerNetworkLister(rt), seams.hostSubnets ?? hostSubnets);
    settled.set(ctx.network, p);
    p.catch(() => settled.delete(ctx.network));
  }
  return p;
}

async function settle(ctx: SubnetContext, rt: ContainerRuntime, list: NetworkLister | undefined, host: () => string[]): Promise<string> {
  const net = ctx.network;
  const file = join(ctx.dataDir, POD_SUBNET_FILE);
  const labels = { [LABEL.cluster]: ctx.clusterName };
  const create = async (subnet: string) => {
    const ipRange = localNodeCIDR(subnet);
    await rt.ensureNetwork({ name: net.networkName, subnet, labels, ...(ipRange !== subnet && { ipRange }) });
  };
  let recorded: string | undefined;
  try {
    recorded = readFileSync(file, 'utf8').trim() || undefined;
    if (recorded) parseCidr(recorded);
  } catch {
    recorded = undefined;
  }
  if (net.podSubnetExplicit || !list) {
    await create(net.podSubnet);
    return net.podSubnet;
  }
  const networks = await list();
  const own = networks.find((n) => n.name === net.networkName)?.subnets[0];
  // An existing network is the truth; else what we recorded (if still free), else pick.
  let subnet: string | undefined = own ?? recorded;
  const used = [...networks.filter((n) => n.name !== net.networkName).flatMap((n) => n.subnets), ...host()];
  for (let attempt = 0; ; attempt++) {
    subnet ??= pickPodSubnet(used, net.podSubnet);
    if (!subnet) throw new Error('no free /16 for the pod network: set SKIFF_POD_SUBNET');
    try {
      await create(subnet);
      break;
    } catch (e) {
      // Another engine took it between our list and our create (or since we recorded it): pick again.
      if (subnet === own || attempt >= 5 || !isRuntimeError(e, 'Conflict')) throw e;
      used.push(subnet);
      subnet = undefined;
    }
  }
  net.podSubnet = subnet;
  try {
    writeFileSync(file, `${subnet}\n`);
  } catch (e) {
    console.error(`kubelet: cannot record the pod subnet in ${file}: ${(e as Error).message}`);
  }
  return subnet;
}
