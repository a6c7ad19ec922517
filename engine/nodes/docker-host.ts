/**
 * Docker-host nodes: another Docker engine (DOCKER_HOST style endpoint) as a real node. A Node
 * labelled `node.skiff.io/docker-host=true` with its endpoint in `node.skiff.io/docker-endpoint`
 * (written by `skiff node add --docker-host`, or kubectl) is hosted by this component in the
 * server process: a real kubelet (engine/kubelet) on a second dockerode connection, plus its
 * NodeAgent (status, capacity from that engine's `docker info`, lease, Ready from its ping).
 * All state is in the Node object (endpoint, spec.podCIDR) and in the engine's container labels,
 * so a `skiff serve` restart adopts the running pods; deleting the Node stops its kubelet and
 * removes its containers and network from that engine.
 *
 * Node IPAM (upstream's range allocator): every Docker-host node gets a /24 of the cluster pod
 * range as spec.podCIDR (the local node has the first one, network.ts allocateNodeCIDR), and
 * its kubelet puts pods on a network `skiff-<cluster>-<node>` with that subnet on its engine.
 *
 * What works, and the limits (both engines on one Linux host — they share the kernel):
 * - pods run with everything the kubelet does (init containers, probes, env, restarts); logs,
 *   exec, attach, port-forward, pods/proxy and `kubectl top` go through the API server's router
 *   (kubelet/router.ts) to this kubelet; port-forward and pods/proxy dial the pod IP, which the
 *   host routes to the other engine's bridge (LINUX-ONLY, same host only);
 * - volumes are directories of this machine (<data-dir>/nodes/<node>/kubelet) bind-mounted
 *   into the containers: right when the engine runs on this machine, not for a remote engine;
 * - the local-path provisioner stays on the local node (PVCs bind there);
 * - pod-to-pod across engines is not provided. This host reaches both bridges (tested: probes,
 *   port-forward); by the routing (not covered by a test) local pods see the whole pod range as
 *   on-link on their bridge and so miss the other engine's /24, and the main daemon's FORWARD
 *   policy drops new flows from a bridge it does not manage. Services and cluster DNS for pods
 *   on another engine are therefore not promised (their resolv.conf still names the cluster
 *   DNS VIP, whose nat rules live in this host's namespace). A remote engine (tcp://) has no
 *   network path to this host's pods at all.
 * - The node's Ready follows its engine: an engine that stops answering turns it NotReady
 *   (the node lifecycle controller then taints and evicts as for any node).
 */
import { rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Component, EngineContext } from '../component.js';
import { Informer } from '../client/informer.js';
import { allocateNodeCIDR, parseCidr, type ClusterNetwork } from '../network.js';
import { Kubelet } from '../kubelet/kubelet.js';
import { NodeAgent } from '../kubelet/node.js';
import { dockerNodeHost } from '../kubelet/dockerhost.js';
import { knownPodSubnet, localNodeCIDR, settlePodSubnet } from '../kubelet/podsubnet.js';
import { LABEL, type ContainerRuntime } from '../kubelet/runtime/runtime.js';
import { DOCKER_CERT_PATH_ANNOTATION, DOCKER_ENDPOINT_ANNOTATION, DOCKER_HOST_LABEL, DOCKER_TLS_VERIFY_ANNOTATION } from './constants.js';

/** dockerode constructor options for a DOCKER_HOST style endpoint. Throws on what it cannot reach. */
export function dockerOptionsFor(endpoint: string, tls: { verify?: boolean; certPath?: string } = {}, read: (p: string) => Buffer = readFileSync): Docker.DockerOptions {
  const u = new URL(endpoint);
  if (u.protocol === 'unix:') {
    if (!u.pathname) throw new Error(`invalid Docker endpoint "${endpoint}": no socket path`);
    return { socketPath: decodeURIComponent(u.pathname) };
  }
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    const secure = u.protocol === 'https:' || !!tls.verify || !!tls.certPath;
    const port = u.port ? Number(u.port) : secure ? 2376 : 2375;
    const opts: Docker.DockerOptions = { host: u.hostname, port, protocol: secure ? 'https' : 'http' };
    if (tls.certPath) {
      opts.ca = read(join(tls.certPath, 'ca.pem'));
      opts.cert = read(join(tls.certPath, 'cert.pem'));
      opts.key = read(join(tls.certPath, 'key.pem'));
    }
    return opts;
  }
  throw new Error(`unsupported Docker endpoint "${endpoint}": use unix:///path/docker.sock or tcp://host:port`);
}

export function endpointOf(node: KubeObject): string | undefined {
  return node.metadata.annotations?.[DOCKER_ENDPOINT_ANNOTATION] || undefined;
}

function podCIDROf(node: KubeObject): string | undefined {
  const spec = isPlainObject(node.spec) ? node.spec : {};
  return typeof spec.podCIDR === 'string' ? spec.podCIDR : undefined;
}

interface Hosted {
  endpoint: string;
  cidr: string;
  docker: Docker;
  runtime: ContainerRuntime;
  kubelet: Kubelet;
  agent: NodeAgent;
}

export interface DockerNodeHostOptions {
  /** A dockerode client for an endpoint (tests); default: dockerode with dockerOptionsFor(). */
  connect?: (node: KubeObject) => Promise<Docker>;
  /** The local engine's runtime, to settle the cluster pod range (default: the default Docker connection). */
  localRuntime?: () => Promise<ContainerRuntime>;
  heartbeatMs?: number;
}

export class DockerNodeHost implements Component {
  readonly hosted = new Map<string, Hosted>();
  private readonly nodes: Informer;
  private readonly pending = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: DockerNodeHostOptions = {},
  ) {
    this.nodes = new Informer(ctx.client.resource('', 'Node'), undefined, `${DOCKER_HOST_LABEL}=true`);
  }

  start(): void {
    const note = (n: KubeObject) => this.enqueue(n.metadata.name as string);
    this.nodes.addHandler({ add: note, update: (_o, n) => note(n), delete: note });
    this.nodes.start();
  }

  /** Resolves when every noted node has been synced (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(name: string): void {
    if (this.stopped || this.pending.has(name)) return;
    this.pending.add(name);
    this.chain = this.chain.then(async () => {
      this.pending.delete(name);
      if (this.stopped) return;
      try {
        await this.sync(name);
      } catch (e) {
        if (this.stopped) return;
        console.error(`docker node ${name}: ${(e as Error).message}`);
        setTimeout(() => this.enqueue(name), 2000).unref();
      }
    });
  }

  private async sync(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    const cur = this.hosted.get(name);
    if (!node) {
      if (!cur) return;
      this.hosted.delete(name);
      await this.stopHosted(cur);
      // Deleted, not just relabelled: nothing will ever run its pods again.
      if (!this.ctx.client.resource('', 'Node').get(undefined, name)) await this.cleanup(name, cur);
      return;
    }
    const endpoint = endpointOf(node);
    if (!endpoint) throw new Error(`no ${DOCKER_ENDPOINT_ANNOTATION} annotation`);
    const cidr = podCIDROf(node) ?? (await this.allocate(name));
    if (cur && cur.endpoint === endpoint && cur.cidr === cidr) return;
    if (cur) {
      this.hosted.delete(name);
      await this.stopHosted(cur);
    }
    const docker = await (this.opts.connect ?? defaultConnect)(node);
    const { DockerRuntime } = await import('../kubelet/runtime/docker.js');
    const runtime = new DockerRuntime({ docker });
    // The node's own view of the cluster: its name, its network on its engine, its root dir.
    // The network inherits the rest (cluster DNS IP, domain) live from the cluster's plan.
    const network: ClusterNetwork = Object.create(this.ctx.network) as ClusterNetwork;
    Object.assign(network, { networkName: `${this.ctx.network.networkName}-${name}`, podSubnet: cidr, podSubnetExplicit: true });
    const nodeCtx: EngineContext = { ...this.ctx, nodeName: name, network, dataDir: join(this.ctx.dataDir, 'nodes', name) };
    const agent = new NodeAgent({ name, client: this.ctx.client, host: dockerNodeHost(docker), clock: this.ctx.clock, heartbeatMs: this.opts.heartbeatMs });
    const kubelet = new Kubelet(nodeCtx, { runtime, localPath: false, settleSubnet: false });
    this.hosted.set(name, { endpoint, cidr, docker, runtime, kubelet, agent });
    kubelet.register();
    void agent.start().catch((e: unknown) => console.error(`docker node ${name}: node agent: ${(e as Error).message}`));
    void kubelet.start().catch((e: unknown) => console.error(`docker node ${name}: kubelet: ${(e as Error).stack ?? String(e)}`));
  }

  /** Gives the node the first free /24 of the cluster range (the local node's is reserved). */
  private async allocate(name: string): Promise<string> {
    const range = await this.clusterRange();
    if (parseCidr(range).prefix >= 24) throw new Error(`the cluster pod range ${range} has no room for another node's /24 (SKIFF_POD_SUBNET is too small)`);
    const taken = [localNodeCIDR(range), ...this.ctx.client.resource('', 'Node').list().items.filter((n) => n.metadata.name !== name).map(podCIDROf).filter((c): c is string => !!c)];
    const cidr = allocateNodeCIDR(range, taken);
    this.ctx.client.resource('', 'Node').modify(undefined, name, (n) => {
      const spec = (isPlainObject(n.spec) ? n.spec : {}) as Record<string, unknown>;
      if (typeof spec.podCIDR !== 'string') {
        spec.podCIDR = cidr;
        spec.podCIDRs = [cidr];
      }
      n.spec = spec;
    });
    return podCIDROf(this.ctx.client.resource('', 'Node').get(undefined, name) ?? ({ metadata: {} } as KubeObject)) ?? cidr;
  }

  /** The settled cluster pod range (it may still be being picked when the server starts). */
  private async clusterRange(): Promise<string> {
    let range = knownPodSubnet(this.ctx);
    if (!range) {
      const rt = await (this.opts.localRuntime ?? defaultLocalRuntime)();
      range = await settlePodSubnet(this.ctx, rt);
    }
    this.labelLocalNode(range);
    return range;
  }

  /** The local node's podCIDR, for the record (as node IPAM would have given it). */
  private labelLocalNode(range: string): void {
    const nodes = this.ctx.client.resource('', 'Node');
    const local = nodes.get(undefined, this.ctx.nodeName);
    if (!local || podCIDROf(local)) return;
    const cidr = localNodeCIDR(range);
    nodes.modify(undefined, this.ctx.nodeName, (n) => {
      const spec = (isPlainObject(n.spec) ? n.spec : {}) as Record<string, unknown>;
      if (typeof spec.podCIDR === 'string') return;
      spec.podCIDR = cidr;
      spec.podCIDRs = [cidr];
      n.spec = spec;
    });
  }

  private async stopHosted(h: Hosted): Promise<void> {
    h.agent.stop();
    await h.kubelet.stop();
  }

  /** The node is gone: its containers and network on its engine, its lease, pods and files go too. */
  private async cleanup(name: string, h: Hosted): Promise<void> {
    const labels = { [LABEL.cluster]: this.ctx.clusterName, [LABEL.node]: name };
    // The engine may have just come back (or be busy): try a few times before giving up, so a
    // removed node does not leave running containers behind on it.
    for (let attempt = 1; attempt <= 5 && !this.stopped; attempt++) {
      try {
        const list = await h.runtime.listContainers({ labels });
        await Promise.all(list.map((c) => h.runtime.removeContainer(c.id)));
        await h.runtime.removeNetwork(`${this.ctx.network.networkName}-${name}`);
        if ((await h.runtime.listContainers({ labels })).length === 0) break;
      } catch (e) {
        console.error(`docker node ${name}: removing its containers from ${h.endpoint} (attempt ${attempt}): ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    this.ctx.client.resource('coordination.k8s.io', 'Lease').delete('kube-node-lease', name);
    const pods = this.ctx.client.resource('', 'Pod');
    for (const p of pods.list(undefined, { fieldSelector: `spec.nodeName=${name}` }).items) {
      try {
        pods.delete(p.metadata.namespace, p.metadata.name as string, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
      } catch (e) {
        console.error(`docker node ${name}: deleting pod ${p.metadata.namespace}/${p.metadata.name}: ${(e as Error).message}`);
      }
    }
    await rm(join(this.ctx.dataDir, 'nodes', name), { recursive: true, force: true }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nodes.stop();
    await this.chain.catch(() => undefined);
    for (const h of this.hosted.values()) await this.stopHosted(h);
    this.hosted.clear();
  }
}

async function defaultConnect(node: KubeObject): Promise<Docker> {
  const a = node.metadata.annotations ?? {};
  const opts = dockerOptionsFor(endpointOf(node) ?? '', { verify: a[DOCKER_TLS_VERIFY_ANNOTATION] === 'true', certPath: a[DOCKER_CERT_PATH_ANNOTATION] || undefined });
  const { default: DockerCtor } = await import('dockerode');
  return new DockerCtor(opts);
}

let localRuntime: Promise<ContainerRuntime> | undefined;
function defaultLocalRuntime(): Promise<ContainerRuntime> {
  return (localRuntime ??= import('../kubelet/runtime/docker.js').then(({ DockerRuntime }) => new DockerRuntime()));
}

/** Starts the Docker-host node component (from the node host, engine/nodes/virtual-controller.ts). */
export function startDockerNodes(ctx: EngineContext, opts: DockerNodeHostOptions = {}): DockerNodeHost {
  const host = new DockerNodeHost(ctx, opts);
  host.start();
  return host;
}
