/**
 * Services, cluster DNS, NetworkPolicy and Ingress for one cluster: kube-proxy's, CoreDNS's,
 * Calico's and an ingress controller's roles, in the engine process. No process per Service.
 *
 * ## Design, and why
 *
 * A ClusterIP must be reachable from every pod (TCP and UDP) at little cost over a direct pod
 * connection, and pods must resolve names. Shapes considered:
 *
 * 1. A userspace proxy per Service (or per port) in a container: a process per Service, and every
 *    byte crosses two extra sockets — rejected by the brief and by the latency goal.
 * 2. A per-cluster system container holding all VIPs and proxying in userspace: one process, but
 *    pods only reach VIPs through their default route (the bridge gateway on the host), so the
 *    host still has to steer VIP traffic to that container — and the proxy would have to be a
 *    static binary we ship without a registry (a full TCP/UDP proxy in hand-made machine code).
 * 3. **Chosen: the kernel does the data path, the engine does the control plane.** Pods' packets
 *    to a ClusterIP leave through the bridge gateway into the Docker host's network namespace;
 *    nat rules there (kube-proxy's iptables mode: PREROUTING/OUTPUT → DNAT to a ready endpoint,
 *    uniform random choice, `recent` for ClientIP affinity, masquerade for hairpin) translate
 *    them. Cost: one conntrack lookup per packet — no copy, no extra socket, no process per
 *    Service (bench/network.ts measures it). The rules are applied through one per-cluster
 *    system container (dataplane.ts) that runs the host's own `iptables` with CAP_NET_ADMIN in
 *    the host network namespace — only the Docker API is used, the engine needs no root, and no
 *    image beyond Skiff's pause image is needed.
 *
 * Cluster DNS is served by the engine itself (engine/dns, node:dgram + TCP, answers from the
 * informer caches), listening on the cluster bridge's gateway address on a free port. It is the
 * `kube-dns` Service (kube-system, ClusterIP = 10th address of the service CIDR, 10.96.0.10),
 * whose Endpoints this component writes (gateway:port), so the same nat rules bring pods' DNS
 * traffic to it. Pods get that VIP as nameserver with the Kubernetes search path
 * (network.ts podDnsConfig, applied by the kubelet); Docker's embedded resolver in each pod keeps
 * answering Docker names and forwards the rest to us from inside the pod's namespace. Names
 * outside the cluster are forwarded to the host's resolvers.
 *
 * NodePort and LoadBalancer reach the host on 127.0.0.1 (ARCHITECTURE §4). The engine holds
 * each such port with a listener (userspace.ts, on a worker thread: relay-worker.ts; one per host
 * port, none per Service) — that is the lock that keeps two clusters or a local program from
 * sharing a port, and the data path when the kernel path is unavailable — and the kernel DNATs
 * the host's own connections to 127.0.0.1:<port> straight to an endpoint (P-LOCALPORTS, with
 * route_localnet on the cluster bridge only), so they cost what a ClusterIP costs.
 * LoadBalancer Services get `status.loadBalancer.ingress: [{ip: 127.0.0.1}]`, the address that
 * actually reaches them (Docker Desktop reports "localhost", k3s node IPs; an IP is what
 * `kubectl get svc` shows in EXTERNAL-IP and what clients can connect to without a lookup). A
 * LoadBalancer port already bound by another Service or program stays `<pending>` with a Warning
 * event, as k3s' servicelb does. Pods reaching nodeIP:nodePort go through the kernel rules.
 *
 * NetworkPolicy is compiled to filter rules (engine/netpol) applied by the same dataplane, in a
 * chain hooked into DOCKER-USER; the ingress controller (engine/ingress) is an HTTP(S) proxy on
 * 127.0.0.1. The API server's services/proxy subresource (ServiceConnector) relays to an endpoint.
 *
 * ## Trade-offs (where it runs)
 * - LINUX-ONLY: the kernel data path (dataplane.ts) and every place the engine dials a pod IP
 *   (127.0.0.1 relays, ingress, services/proxy) need the Docker bridge on this machine. On
 *   Docker Desktop the helper cannot start: the component then records a Warning event on the
 *   Node (`ServiceProxyUnavailable`) and on each NetworkPolicy (`NetworkPolicyNotEnforced`) and
 *   leaves cluster DNS off so pods keep Docker's resolver. Making Desktop work needs a relay
 *   container on the cluster network with a real userland (an image we would have to ship).
 * - br_netfilter must be on (bridge-nf-call-iptables=1, Docker's default) for pod-to-pod VIP
 *   replies and pod-to-pod policy; a warning event says so when it is off.
 * - UDP conntrack entries of a removed endpoint are not flushed (no `conntrack` tool on the host
 *   by default): a long-lived UDP flow keeps its old endpoint until the flow idles out (30–120 s).
 * - Traffic from the node itself (probes, the 127.0.0.1 relays, ingress) is not subject to
 *   NetworkPolicy, as node traffic in most CNIs.
 * - SCTP Service ports are accepted by the API but not programmed.
 * - Endpoints on the host's loopback (the `kubernetes` Service → API server on 127.0.0.1) are
 *   reached from pods through a small relay on the bridge gateway (syncRelays), since a DNAT to
 *   127.0.0.1 would be dropped as martian.
 *
 * ## Flow
 * Informer handlers only mark the state dirty; one serialized `sync` (debounced) recomputes
 * service ports from Services + Endpoints (the endpoints controller's output — readiness is
 * already applied there), compiles rules, applies them if they changed, reconciles the 127.0.0.1
 * listeners and writes LoadBalancer status. A full re-apply runs every minute (repairs rules
 * flushed by a Docker restart).
 */
import type Docker from 'dockerode';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import type { Component, EngineContext } from '../component.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { ServiceConnector } from '../apiserver/features.js';
import { Informer, keyOf } from '../client/informer.js';
import { Recorder } from '../events/recorder.js';
import { dnsServiceIP, nthAddress } from '../network.js';
import { VIRTUAL_LABEL } from '../nodes/constants.js';
import { networkInterfaces } from 'node:os';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';
import { LABEL } from '../kubelet/runtime/runtime.js';
import { settlePodSubnet } from '../kubelet/podsubnet.js';
import { ClusterZone } from '../dns/records.js';
import { DnsServer } from '../dns/server.js';
import { Upstream, hostResolvers, type UpstreamServer } from '../dns/upstream.js';
import { compilePolicies, podInfo, type PodInfo } from '../netpol/compile.js';
import { IngressController } from '../ingress/controller.js';
import type { Backend } from '../ingress/router.js';
import { Balancer } from './balancer.js';
import { HostIptablesDataplane, type Dataplane, type RuleSet } from './dataplane.js';
import { forwardHttp } from './httpforward.js';
import { ALLOW_MARK, chainPrefix, compileNat } from './iptables.js';
import { findPort, readyEndpoints, servicePorts, type Endpoint, type Protocol, type ServicePort } from './model.js';
import type { ListenerSpec } from './userspace.js';
import { RelayHost } from './relay-worker.js';

export const DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' };

export interface ServiceProxyOptions {
  /** The kernel data path; default: iptables on the Docker host through the helper container. */
  dataplane?: Dataplane;
  /**
   * Docker access for the default dataplane and the cluster network; false = none (unit tests:
   * no helper, DNS only where `dnsListen` says).
   */
  docker?: false | { docker: Docker; runtime: ContainerRuntime };
  /** Where DNS listens; default: the cluster bridge's gateway, any free port. */
  dnsListen?: { host: string; port: number };
  /** Resolvers for names outside the cluster; default: the host's /etc/resolv.conf. */
  upstreams?: UpstreamServer[];
  /** Ingress controller ports; false = no ingress controller. */
  ingress?: false | { httpPort?: number; httpsPort?: number; host?: string };
  /** Host for the NodePort/LoadBalancer listeners (default 127.0.0.1). */
  listenHost?: string;
  /** Debounce of syncs after a change (ms). */
  debounceMs?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});

export class ServiceProxy implements Component, ServiceConnector {
  readonly balancer = new Balancer();
  /** NodePort/LoadBalancer relays on 127.0.0.1, in a worker thread. */
  readonly userspace = new RelayHost();
  readonly prefix: string;
  readonly dnsIP: string;
  dns: DnsServer | undefined;
  ingress: IngressController | undefined;
  dataplane: Dataplane | undefined;
  /** Every service port, by key. */
  ports = new Map<string, ServicePort>();
  /** The cluster bridge (Linux interface name) and its gateway, once known. */
  bridge: string | undefined;
  gateway: string | undefined;
  /** Resolves when the first sync after start has run (tests). */
  readonly initialized: Promise<void>;
  private markInitialized!: () => void;

  private readonly recorder: Recorder;
  private readonly informers: Informer[] = [];
  readonly services: Informer;
  readonly endpoints: Informer;
  readonly pods: Informer;
  readonly namespaces: Informer;
  readonly policies: Informer;
  private readonly ingresses: Informer;
  private readonly ingressClasses: Informer;
  private readonly nodes: Informer;

  private timer: NodeJS.Timeout | undefined;
  private ingressTimer: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private force = true;
  private lastApplied = '';
  /** 127.0.0.1 ports our relay holds (see compileNat localPorts). */
  private localPorts = new Set<string>();
  private stopped = false;
  private reported = new Set<string>();
  private ready = false;

  constructor(
    readonly ctx: EngineContext,
    private readonly opts: ServiceProxyOptions = {},
  ) {
    this.prefix = chainPrefix(ctx.clusterName, ctx.network.networkName, ctx.dataDir);
    this.dnsIP = dnsServiceIP(ctx.network);
    this.recorder = new Recorder(ctx.client, { component: 'service-proxy', host: ctx.nodeName, clock: ctx.clock });
    this.initialized = new Promise((r) => (this.markInitialized = r));
    const inf = (group: string, kind: string) => {
      const i = new Informer(ctx.client.resource(group, kind));
      this.informers.push(i);
      return i;
    };
    this.services = inf('', 'Service');
    this.endpoints = inf('', 'Endpoints');
    this.pods = inf('', 'Pod');
    this.namespaces = inf('', 'Namespace');
    this.policies = inf('networking.k8s.io', 'NetworkPolicy');
    this.ingresses = inf('networking.k8s.io', 'Ingress');
    this.ingressClasses = inf('networking.k8s.io', 'IngressClass');
    this.nodes = inf('', 'Node');
  }

  /** Synchronous part: DNS address for the kubelet, informers, API hooks; the rest runs async. */
  start(): void {
    // The kubelet reads this when it creates sandboxes: set it before any pod starts. Cleared
    // again below if the data path that makes the VIP reachable turns out not to work here.
    const canRoute = this.opts.dataplane !== undefined || (process.platform === 'linux' && this.opts.docker !== false);
    if (canRoute) this.ctx.network.dnsServerIP = this.dnsIP;
    this.ensureDnsService();
    const onChange = { add: () => this.schedule(), update: () => this.schedule(), delete: () => this.schedule() };
    this.services.addHandler(onChange);
    this.endpoints.addHandler(onChange);
    this.policies.addHandler(onChange);
    this.namespaces.addHandler(onChange);
    this.nodes.addHandler({ add: () => this.schedule(), delete: () => this.schedule(), update: (a, b) => a.metadata.labels?.[VIRTUAL_LABEL] !== b.metadata.labels?.[VIRTUAL_LABEL] && this.schedule() });
    // Pods matter for NetworkPolicy only (IPs and labels); status churn without IP/label change
    // is filtered here so a busy cluster does not recompile on every probe result.
    this.pods.addHandler({
      add: (p) => podInfo(p) && this.schedule(),
      update: (a, b) => {
        const x = podInfo(a);
        const y = podInfo(b);
        if (JSON.stringify(x) !== JSON.stringify(y)) this.schedule();
      },
      delete: () => this.schedule(),
    });
    const onIngress = { add: () => this.scheduleIngress(), update: () => this.scheduleIngress(), delete: () => this.scheduleIngress() };
    this.ingresses.addHandler(onIngress);
    this.ingressClasses.addHandler(onIngress);
    for (const i of this.informers) i.start();
    this.ctx.features.services = this;
    void this.init().catch((e: unknown) => console.error(`service proxy: ${(e as Error).stack ?? e}`));
  }

  // ---- start-up -------------------------------------------------------------------------------

  private async init(): Promise<void> {
    let docker = await this.dockerAccess();
    // Stopped while Docker was being reached (a stop during start-up): write nothing more.
    if (this.stopped) return;
    const ingress = this.startIngress();
    // Docker not up yet (the daemon starting with the desktop session): pods cannot run either;
    // keep the DNS VIP off for new pods and wait for it, as the kubelet does.
    for (let wait = 1000; !docker && this.opts.docker !== false && !this.opts.dataplane && !this.stopped; wait = Math.min(wait * 2, 10_000)) {
      if (this.ctx.network.dnsServerIP === this.dnsIP) {
        this.ctx.network.dnsServerIP = undefined;
        this.nodeEvent('Warning', 'ServiceProxyWaiting', 'Docker is not reachable; Services and cluster DNS start when it is');
        this.ready = true; // NodePort/LoadBalancer relays and Ingress work meanwhile
        this.schedule(0);
      }
      await new Promise((r) => setTimeout(r, wait).unref());
      docker = await this.dockerAccess(true);
      if (docker && process.platform === 'linux') this.ctx.network.dnsServerIP = this.dnsIP;
    }
    await Promise.all([this.startDns(docker), ingress]);
    if (this.stopped) return;
    this.dataplane = this.opts.dataplane;
    if (!this.dataplane && docker) {
      this.dataplane = new HostIptablesDataplane({
        docker: docker.docker,
        runtime: docker.runtime,
        clusterName: this.ctx.clusterName,
        nodeName: this.ctx.nodeName,
        prefix: this.prefix,
        podSubnet: this.ctx.network.podSubnet,
        bridge: () => this.bridge,
      });
    }
    if (this.dataplane) await this.dataplane.start();
    if (this.stopped) return;
    const unavailable = this.dataplane ? this.dataplane.unavailable : 'Docker is not reachable';
    if (unavailable) {
      console.error(`service proxy: kernel data path unavailable: ${unavailable}`);
      this.nodeEvent('Warning', 'ServiceProxyUnavailable', `ClusterIPs, NodePorts from pods and NetworkPolicy are not enforced: ${unavailable}`);
      // Keep pods on Docker's resolver: our DNS VIP would not be reachable.
      if (this.ctx.network.dnsServerIP === this.dnsIP) this.ctx.network.dnsServerIP = undefined;
    }
    for (const w of this.dataplane?.warnings ?? []) this.nodeEvent('Warning', 'BridgeNetfilterDisabled', w);
    this.ready = true;
    this.resync = setInterval(() => {
      this.force = true;
      this.schedule();
    }, 60_000);
    this.resync.unref();
    this.schedule(0);
  }

  private async dockerAccess(quiet = false): Promise<{ docker: Docker; runtime: ContainerRuntime } | undefined> {
    if (this.opts.docker === false) return undefined;
    if (this.opts.docker) return this.opts.docker;
    try {
      // dockerode costs ~150 ms to load: only now, after the API server is up.
      const [{ default: DockerCtor }, { DockerRuntime }] = await Promise.all([import('dockerode'), import('../kubelet/runtime/docker.js')]);
      const docker = new DockerCtor();
      await docker.ping();
      return { docker, runtime: new DockerRuntime({ docker }) };
    } catch (e) {
      if (!quiet) console.error(`service proxy: Docker not reachable: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The kube-dns Service: reserves the DNS VIP and makes `kubectl get svc -A` show it. */
  private ensureDnsService(): void {
    const svcs = this.ctx.client.resource('', 'Service');
    const cur = svcs.get(DNS_SERVICE.namespace, DNS_SERVICE.name);
    if (cur) {
      const ip = obj(cur.spec).clusterIP;
      if (typeof ip === 'string' && ip !== this.dnsIP && this.ctx.network.dnsServerIP === this.dnsIP) this.ctx.network.dnsServerIP = ip;
      return;
    }
    try {
      svcs.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: DNS_SERVICE.name,
          namespace: DNS_SERVICE.namespace,
          labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'SkiffDNS' },
        },
        spec: {
          clusterIP: this.dnsIP,
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          ],
        },
      });
    } catch (e) {
      console.error(`service proxy: cannot create ${DNS_SERVICE.namespace}/${DNS_SERVICE.name}: ${(e as Error).message}`);
      if (this.ctx.network.dnsServerIP === this.dnsIP) this.ctx.network.dnsServerIP = undefined;
    }
  }

  private async startDns(docker: { docker: Docker; runtime: ContainerRuntime } | undefined): Promise<void> {
    let listen = this.opts.dnsListen;
    // The kubelet creates the same network at the same time; Docker answers the loser of that race
    // with "pool overlaps" rather than "already exists", so a failure is retried (the second
    // attempt finds the winner's network).
    for (let attempt = 0; docker && !this.gateway && !this.stopped && attempt < 20; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      try {
        // The pod range may still be picked (a free one when 10.244/16 is taken): wait for it.
        await settlePodSubnet(this.ctx, docker.runtime);
        const net = await docker.runtime.ensureNetwork({ name: this.ctx.network.networkName, subnet: this.ctx.network.podSubnet, labels: { [LABEL.cluster]: this.ctx.clusterName } });
        const info = (await docker.docker.getNetwork(net.id).inspect()) as { Id: string; Options?: Record<string, string> };
        this.bridge = info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
        // Docker records the gateway only when it was given; otherwise it is the bridge's own
        // address (LINUX-ONLY: the bridge is an interface of this machine), else the subnet's .1.
        const ifAddr = networkInterfaces()[this.bridge]?.find((a) => a.family === 'IPv4')?.address;
        this.gateway = net.gateway ?? ifAddr ?? nthAddress(this.ctx.network.podSubnet, 1);
      } catch (e) {
        if (attempt >= 3) console.error(`service proxy: cluster network ${this.ctx.network.networkName}: ${(e as Error).message}; retrying`);
      }
    }
    listen ??= this.gateway && process.platform === 'linux' ? { host: this.gateway, port: 0 } : undefined;
    if (!listen) return;
    const zone = new ClusterZone(
      {
        service: (ns, name) => this.services.get(ns, name),
        endpoints: (ns, name) => this.endpoints.get(ns, name),
        namespaceExists: (ns) => !!this.namespaces.get(undefined, ns),
        services: () => this.services.list(),
      },
      { domain: this.ctx.network.clusterDomain, serviceCIDR: this.ctx.network.serviceCIDR, podSubnet: this.ctx.network.podSubnet },
    );
    const server = new DnsServer({ zone, upstream: new Upstream(this.opts.upstreams ?? hostResolvers([listen.host, this.dnsIP])) });
    try {
      const addr = await server.listen(listen.host, listen.port);
      if (this.stopped) {
        await server.close();
        return;
      }
      this.dns = server;
      this.writeDnsEndpoints(addr.host, addr.port);
    } catch (e) {
      console.error(`service proxy: DNS cannot listen on ${listen.host}: ${(e as Error).message}`);
      this.nodeEvent('Warning', 'ClusterDNSUnavailable', `cluster DNS cannot listen on ${listen.host}: ${(e as Error).message}`);
      if (this.ctx.network.dnsServerIP === this.dnsIP) this.ctx.network.dnsServerIP = undefined;
    }
  }

  /** kube-dns deleted or its Endpoints changed by hand: put them back (they carry the DNS VIP). */
  private reconcileDnsObjects(): void {
    if (!this.services.get(DNS_SERVICE.namespace, DNS_SERVICE.name)) this.ensureDnsService();
    const addr = this.dns?.address;
    if (!addr) return;
    const ep = this.endpoints.get(DNS_SERVICE.namespace, DNS_SERVICE.name);
    const ok = (portName: string, protocol: Protocol) => readyEndpoints(ep, portName, protocol).some((e) => e.ip === addr.host && e.port === addr.port);
    if (!ok('dns', 'UDP') || !ok('dns-tcp', 'TCP')) this.writeDnsEndpoints(addr.host, addr.port);
  }

  private writeDnsEndpoints(ip: string, port: number): void {
    const eps = this.ctx.client.resource('', 'Endpoints');
    const subsets = [{ addresses: [{ ip }], ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }] }];
    try {
      const cur = eps.get(DNS_SERVICE.namespace, DNS_SERVICE.name);
      if (cur) {
        eps.modify(DNS_SERVICE.namespace, DNS_SERVICE.name, (o) => {
          o.subsets = subsets;
        });
      } else {
        eps.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: DNS_SERVICE.name, namespace: DNS_SERVICE.namespace, labels: { 'k8s-app': 'kube-dns' } }, subsets });
      }
    } catch (e) {
      console.error(`service proxy: kube-dns endpoints: ${(e as Error).message}`);
    }
  }

  private async startIngress(): Promise<void> {
    if (this.opts.ingress === false || this.stopped) return;
    const cfg = this.opts.ingress ?? {};
    const ing = new IngressController({
      client: this.ctx.client,
      ingresses: this.ingresses,
      classes: this.ingressClasses,
      recorder: this.recorder,
      pick: (b, ip) => this.pickBackend(b, ip),
      httpPort: cfg.httpPort ?? this.ctx.network.ingressHttpPort,
      httpsPort: cfg.httpsPort ?? this.ctx.network.ingressHttpsPort,
      host: cfg.host,
    });
    try {
      await ing.start();
      if (this.stopped) await ing.stop();
      else this.ingress = ing;
    } catch (e) {
      console.error(`ingress: not started: ${(e as Error).message}`);
      this.nodeEvent('Warning', 'IngressUnavailable', `the ingress controller cannot listen: ${(e as Error).message}`);
    }
  }

  // ---- sync ---------------------------------------------------------------------------------

  /** Marks the state dirty and runs a sync soon (coalescing bursts of events). */
  schedule(delay = this.opts.debounceMs ?? 10): void {
    this.dirty = true;
    if (this.timer || this.stopped || !this.ready) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runSync();
    }, delay);
  }

  private scheduleIngress(): void {
    if (this.ingressTimer || this.stopped) return;
    this.ingressTimer = setTimeout(() => {
      this.ingressTimer = undefined;
      this.ingress?.refresh();
    }, 10);
  }

  /** Runs syncs until nothing is dirty; at most one at a time. Resolves when idle. */
  async runSync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      // Let the assignment above happen before the `finally` below can clear it.
      await Promise.resolve();
      try {
        while (this.dirty && !this.stopped) {
          this.dirty = false;
          try {
            await this.sync();
          } catch (e) {
            console.error(`service proxy: sync failed: ${(e as Error).message}`);
            this.nodeEvent('Warning', 'SyncFailed', (e as Error).message);
            // Retry later rather than spin.
            setTimeout(() => this.schedule(), 5_000).unref();
            break;
          }
        }
      } finally {
        this.syncing = undefined;
        this.markInitialized();
      }
    })();
    return this.syncing;
  }

  /**
   * Every Service port with its ready endpoints, from the caches. Endpoints on virtual
   * (kwok-style) nodes are left out: nothing answers at their IPs, and a scale test with
   * thousands of them must not turn into thousands of kernel rules.
   */
  computePorts(): Map<string, ServicePort> {
    const virtual = this.virtualNodes();
    const out = new Map<string, ServicePort>();
    for (const svc of this.services.list()) {
      for (const sp of servicePorts(svc, this.endpoints.get(svc.metadata.namespace, svc.metadata.name ?? ''))) {
        out.set(sp.key, virtual.size ? { ...sp, endpoints: sp.endpoints.filter((e) => !e.node || !virtual.has(e.node)) } : sp);
      }
    }
    return out;
  }

  private virtualNodes(): Set<string> {
    return new Set(this.nodes.list().filter((n) => n.metadata.labels?.[VIRTUAL_LABEL] === 'true').map((n) => n.metadata.name ?? ''));
  }

  /** The full rule set (nat for Services, filter for NoEndpoints and NetworkPolicy). */
  compileRules(ports: ServicePort[]): RuleSet {
    const P = this.prefix;
    const nat = compileNat(ports, { prefix: P, podSubnet: this.ctx.network.podSubnet, localPorts: this.dataplane?.localnet ? this.localPorts : undefined });
    const pods: PodInfo[] = [];
    const virtual = this.virtualNodes();
    for (const p of this.pods.list()) {
      if (virtual.has(String(obj(p.spec).nodeName ?? ''))) continue;
      const info = podInfo(p);
      if (info) pods.push(info);
    }
    const nsLabels = new Map<string, Record<string, string>>();
    for (const ns of this.namespaces.list()) nsLabels.set(ns.metadata.name ?? '', ns.metadata.labels ?? {});
    const pol = compilePolicies(this.policies.list(), pods, nsLabels, { prefix: P, allowMark: ALLOW_MARK });
    return {
      nat: { chains: nat.chains, rules: nat.rules },
      filter: {
        chains: [`${P}-FW`, `${P}-OUT`, `${P}-NOEP`, `${P}-INPUT`, ...pol.chains],
        rules: [
          `-A ${P}-INPUT -d 127.0.0.0/8 ! -i lo -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
          `-A ${P}-FW -m conntrack --ctstate NEW -j ${P}-NOEP`,
          `-A ${P}-OUT -m conntrack --ctstate NEW -j ${P}-NOEP`,
          `-A ${P}-FW -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
          ...pol.rules,
          ...nat.noEndpointRules,
        ],
      },
    };
  }

  private async sync(): Promise<void> {
    this.reconcileDnsObjects();
    this.ports = this.computePorts();
    await this.syncRelays();
    // The kernel rules reach loopback endpoints through the gateway relays; the engine's own
    // relays (on the host) reach them directly.
    const ports = [...this.ports.values()].map((sp) => this.viaRelays(sp));
    this.balancer.prune(new Set(this.ports.keys()));

    // 127.0.0.1 listeners for NodePort and LoadBalancer first: the ports they hold are the ones
    // the kernel may also DNAT for the host's own connections.
    await this.syncListeners([...this.ports.values()]);

    // Kernel rules.
    const dp = this.dataplane;
    if (dp?.ready) {
      const rules = this.compileRules(ports);
      const text = JSON.stringify(rules);
      if (this.force || text !== this.lastApplied) {
        this.force = false;
        await dp.apply(rules);
        this.lastApplied = text;
      }
    } else if (dp?.unavailable && this.policies.size) {
      for (const p of this.policies.list()) this.once(`np:${keyOf(p)}:${p.metadata.uid}`, () => this.recorder.event(p, 'Warning', 'NetworkPolicyNotEnforced', `not enforced: ${dp.unavailable}`));
    }
  }

  private async syncListeners(ports: ServicePort[]): Promise<void> {
    const host = this.opts.listenHost ?? '127.0.0.1';
    const wanted = new Map<string, { spec: ListenerSpec; created: string }>();
    const conflicts = new Map<string, string>();
    const created = (sp: ServicePort) => String(this.services.get(sp.namespace, sp.name)?.metadata.creationTimestamp ?? '');
    const want = (sp: ServicePort, port: number) => {
      const key = `${sp.protocol.toLowerCase()}:${host}:${port}`;
      const entry = { spec: { key, protocol: sp.protocol, host, port, owner: sp.key }, created: created(sp) };
      const cur = wanted.get(key);
      if (cur && cur.spec.owner !== sp.key) {
        // The oldest Service keeps the port.
        const loser = cur.created <= entry.created ? entry : cur;
        if (loser === cur) wanted.set(key, entry);
        conflicts.set(loser.spec.owner, `port ${port}/${sp.protocol} on ${host} is already used by ${(loser === cur ? entry : cur).spec.owner.split(':')[0]}`);
        return;
      }
      wanted.set(key, entry);
    };
    for (const sp of ports) {
      if (sp.protocol === 'SCTP') continue;
      if (sp.nodePort) want(sp, sp.nodePort);
      if (sp.loadBalancer) want(sp, sp.port);
    }
    const owners = new Set([...wanted.values()].map((w) => w.spec.owner));
    this.localPorts = new Set();
    const errors = await this.userspace.reconcile(
      [...wanted.values()].map((w) => w.spec),
      ports.filter((sp) => owners.has(sp.key)).map((sp) => ({ key: sp.key, endpoints: sp.endpoints, affinitySeconds: sp.affinitySeconds })),
    );
    if (host === '127.0.0.1') for (const k of wanted.keys()) if (this.userspace.bound(k)) this.localPorts.add(k);
    for (const [k, err] of errors) {
      const owner = wanted.get(k)?.spec.owner;
      if (owner) conflicts.set(owner, `cannot listen on ${k.split(':').slice(1).join(':')}: ${err}`);
    }
    // Events for ports we could not serve, and LoadBalancer status.
    const lbServices = new Map<string, ServicePort[]>();
    for (const sp of ports) {
      if (!sp.loadBalancer || sp.protocol === 'SCTP') continue;
      const k = `${sp.namespace}/${sp.name}`;
      lbServices.set(k, [...(lbServices.get(k) ?? []), sp]);
    }
    for (const [owner, msg] of conflicts) {
      const [nsName] = owner.split(':');
      const [ns, name] = nsName.split('/');
      const svc = this.services.get(ns, name);
      if (svc) this.once(`port:${svc.metadata.uid}:${msg}`, () => this.recorder.event(svc, 'Warning', 'FailedToListen', msg));
    }
    for (const svc of this.services.list()) {
      const spec = obj(svc.spec);
      const k = keyOf(svc);
      const cur = obj(obj(svc.status).loadBalancer).ingress;
      let want: Obj[] | undefined;
      if (spec.type === 'LoadBalancer') {
        const sps = lbServices.get(k) ?? [];
        const ok = sps.length > 0 && sps.every((sp) => !conflicts.has(sp.key) && this.userspace.bound(`${sp.protocol.toLowerCase()}:${host}:${sp.port}`));
        want = ok ? [{ ip: '127.0.0.1', ipMode: 'VIP' }] : [];
      } else if (Array.isArray(cur) && cur.length) want = []; // no longer a LoadBalancer
      if (want === undefined || JSON.stringify(cur ?? []) === JSON.stringify(want)) continue;
      try {
        this.ctx.client.resource('', 'Service').modify(
          svc.metadata.namespace,
          svc.metadata.name ?? '',
          (o) => {
            o.status = { ...obj(o.status), loadBalancer: want.length ? { ingress: want } : {} };
          },
          { status: true },
        );
        if (want.length) this.recorder.event(svc, 'Normal', 'LoadBalancerReady', `reachable on 127.0.0.1 port(s) ${(lbServices.get(k) ?? []).map((p) => p.port).join(', ')}`);
      } catch (e) {
        console.error(`service proxy: status of ${k}: ${(e as Error).message}`);
      }
    }
  }

  // ---- loopback endpoints -------------------------------------------------------------------

  /**
   * Endpoints on the host's loopback (the `kubernetes` Service → the API server on 127.0.0.1) are
   * not reachable from pods, and a DNAT to 127.0.0.1 is dropped as martian. For each one the
   * engine relays from the bridge gateway (a free port) to it, and the kernel rules DNAT to the
   * relay instead — so in-cluster clients reach the API server at 10.96.0.1:443.
   */
  private readonly relays = new Map<string, { port: number; server: Server }>();

  private async syncRelays(): Promise<void> {
    const want = new Set<string>();
    if (this.gateway && this.dataplane?.ready) {
      for (const sp of this.ports.values()) {
        if (sp.protocol !== 'TCP') continue;
        for (const e of sp.endpoints) if (e.ip.startsWith('127.')) want.add(`${e.ip}:${e.port}`);
      }
    }
    for (const [k, r] of this.relays) {
      if (!want.has(k)) {
        r.server.close();
        this.relays.delete(k);
      }
    }
    for (const k of want) {
      if (this.relays.has(k)) continue;
      const [ip, port] = k.split(':');
      const server = createServer({ noDelay: true }, (c) => {
        const up = connect({ host: ip, port: Number(port), noDelay: true });
        c.pipe(up);
        up.pipe(c);
        const done = () => (c.destroy(), up.destroy());
        c.on('error', done);
        up.on('error', done);
        c.on('close', done);
        up.on('close', done);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, this.gateway, () => resolve());
        });
        const addr = server.address();
        this.relays.set(k, { port: typeof addr === 'object' && addr ? addr.port : 0, server });
      } catch (e) {
        console.error(`service proxy: relay for ${k}: ${(e as Error).message}`);
      }
    }
  }

  private viaRelays(sp: ServicePort): ServicePort {
    if (!sp.endpoints.some((e) => e.ip.startsWith('127.'))) return sp;
    const endpoints: Endpoint[] = [];
    for (const e of sp.endpoints) {
      if (!e.ip.startsWith('127.')) endpoints.push(e);
      else {
        const r = this.relays.get(`${e.ip}:${e.port}`);
        if (r && this.gateway) endpoints.push({ ...e, ip: this.gateway, port: r.port });
      }
    }
    return { ...sp, endpoints };
  }

  // ---- endpoint selection ----------------------------------------------------------------------

  /** A ready endpoint of a Service port named by number or name (ingress backends). */
  pickBackend(b: Backend, clientIP: string): { endpoint?: Endpoint; error?: string } {
    const svc = this.services.get(b.namespace, b.service);
    if (!svc) return { error: `service "${b.namespace}/${b.service}" not found` };
    const sp = findPort(servicePorts(svc, this.endpoints.get(b.namespace, b.service)), b.port);
    if (!sp) return { error: `service "${b.namespace}/${b.service}" has no port ${b.port}` };
    const ep = this.balancer.pick(this.ports.get(sp.key) ?? sp, clientIP);
    return ep ? { endpoint: ep } : { error: `no endpoints available for service "${b.service}"` };
  }

  // ---- ServiceConnector (API server services/NAME:PORT/proxy) --------------------------------

  async proxy(service: KubeObject, port: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ns = service.metadata.namespace ?? 'default';
    const name = service.metadata.name ?? '';
    const fail = (code: number, reason: string, message: string) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
    };
    const sp = findPort(servicePorts(service, this.endpoints.get(ns, name)), port);
    const ep = sp ? this.balancer.pick(this.ports.get(sp.key) ?? sp, req.socket.remoteAddress ?? '') : undefined;
    if (!ep) return fail(503, 'ServiceUnavailable', `no endpoints available for service "${name}${port ? ':' + port : ''}"`);
    const q = (req.url ?? '').indexOf('?');
    const search = q >= 0 ? (req.url ?? '').slice(q) : '';
    await new Promise<void>((resolve) => {
      res.on('close', () => resolve());
      forwardHttp(ep, req, res, {
        path: (path || '/') + search,
        // The API server's credentials are for the API server, never for the backend.
        headers: { authorization: null, host: `${ep.ip}:${ep.port}` },
        onError: (e) => fail(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${ep.ip}:${ep.port}: ${e.message}`),
      });
    });
  }

  // ---- events and stop ----------------------------------------------------------------------

  private once(key: string, fn: () => void): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    fn();
  }

  private nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.once(`node:${reason}:${message}`, () => this.recorder.event({ kind: 'Node', apiVersion: 'v1', name: this.ctx.nodeName, uid: this.ctx.nodeName }, type, reason, message));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.ingressTimer);
    clearInterval(this.resync);
    for (const i of this.informers) i.stop();
    if (this.ctx.features.services === this) delete this.ctx.features.services;
    await this.syncing?.catch(() => undefined);
    for (const r of this.relays.values()) r.server.close();
    this.relays.clear();
    await Promise.all([this.userspace.close(), this.ingress?.stop(), this.dns?.close(), this.dataplane?.stop()]);
    this.recorder.stop();
  }
}

export function startServiceProxy(ctx: EngineContext, opts: ServiceProxyOptions = {}): Component {
  const p = new ServiceProxy(ctx, opts);
  p.start();
  return p;
}
