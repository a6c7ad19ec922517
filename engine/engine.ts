/**
 * The engine: Skiff's Kubernetes in one process. This file is the composition root — it wires
 * the store (etcd's role), the API server, and the node components, and starts and stops them
 * in order. Nothing here knows about Electron or React: the desktop app and `skiff serve` both
 * host an Engine.
 *
 * Start-up is ordered for "ready in under a second": credentials, store and API server first,
 * then the node is registered and `start()` resolves — kubectl can list the node. The
 * components (virtual nodes, scheduler and controller manager, service proxy, kubelet) and the
 * node's first Docker call are imported and started a moment later (`settleMs`), in the
 * background (`componentsStarted`): their modules (dockerode alone pulls ssh2, gRPC and
 * protobufjs) cost 0.3–0.5 s of CPU on the one JS thread, which would otherwise sit in front of
 * the first kubectl's discovery and `get nodes` (measured by bench/apiserver.ts: launch →
 * answer went from ~0.7–1.1 s to ~0.3–0.4 s).
 *
 * `stop()` may come at any moment, also while `start()` is still running: every step after an
 * await checks for it, and stop waits for the start to settle before it tears anything down,
 * so no component ever writes to a closed store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { realClock, type Clock } from './api/clock.js';
import { buildRegistry } from './api/resources/index.js';
import type { Registry } from './api/registry.js';
import { ApiServer } from './apiserver/server.js';
import { ensureCredentials, kubeconfigYaml, writeSecret, type Credentials } from './apiserver/certs.js';
import type { ApiFeatures } from './apiserver/features.js';
import { ResourceHandler } from './apiserver/handlers.js';
import { Rest } from './apiserver/rest.js';
import { installAdmission } from './apiserver/admission.js';
import { Store } from './store/store.js';
import { Client } from './client/client.js';
import { NodeAgent, type NodeHost } from './kubelet/node.js';
import { dockerNodeHost } from './kubelet/dockerhost.js';
import { loadFeatures } from './features.js';
import { apiServiceIP, defaultNetwork, type ClusterNetwork } from './network.js';
import { randomUUID } from 'node:crypto';
import type { Component, EngineContext } from './component.js';

/** How long the API server has to itself after it starts listening (see Engine.settled). */
const SETTLE_MS = 250;

/** A NodeHost whose calls wait for `ready` (the first one loads dockerode). */
function afterSettle(host: NodeHost, ready: Promise<void>): NodeHost {
  return {
    info: async () => (await ready, host.info()),
    ping: async () => (await ready, host.ping()),
    ...(host.images && { images: async () => (await ready, host.images!()) }),
  };
}

/** Thrown by `start()` when `stop()` was called before the engine finished starting. */
export class EngineStoppedError extends Error {
  readonly code = 'stopped';
  constructor() {
    super('the engine was stopped while starting');
  }
}

export interface EngineOptions {
  dataDir: string;
  /** API server port on 127.0.0.1; 0 picks a free one. */
  port: number;
  clock?: Clock;
  /** Node name for the local Docker engine; defaults to "skiff-<hostname>"? kept short: "skiff". */
  nodeName?: string;
  /** Override the node's container host (tests use a fake). */
  nodeHost?: NodeHost;
  /** Skip registering the local node (API-only tests). */
  noNode?: boolean;
  /** Run only the API server and store (no scheduler, controllers or kubelet). */
  apiOnly?: boolean;
  /** Cluster name for Docker labels and networks (default "skiff"). */
  clusterName?: string;
  /** Also run standby replicas of the scheduler and controller manager (leader election). */
  standby?: boolean;
  /** Delay between the API listening and the components starting (default 250 ms). */
  settleMs?: number;
}

export class Engine {
  readonly clock: Clock;
  readonly registry: Registry;
  store!: Store;
  rest!: Rest;
  client!: Client;
  credentials!: Credentials;
  port = 0;
  private api: ApiServer | undefined;
  private node: NodeAgent | undefined;
  private started = false;
  private stopRequested = false;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private components: Component[] = [];
  /**
   * Resolves `settleMs` after the API listens. Loading the components and dockerode (for the
   * node's first Docker ping) is ~0.3–0.5 s of CPU on one thread: started at once, it sits in
   * front of the first kubectl's discovery and `get nodes`, which arrive within that window.
   */
  private settled: Promise<void> = Promise.resolve();
  /** Resolves once the background components have started (or the engine stopped first). */
  componentsStarted: Promise<void> = Promise.resolve();
  context!: EngineContext;
  readonly features: ApiFeatures = {};

  constructor(readonly opts: EngineOptions) {
    this.clock = opts.clock ?? realClock;
    this.registry = buildRegistry();
  }

  get kubeconfigPath(): string {
    return join(this.opts.dataDir, 'kubeconfig');
  }

  get server(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the store and the API server and registers the node; resolves when the API answers.
   * The other components start in the background (see `componentsStarted`).
   */
  start(): Promise<void> {
    this.starting ??= this.startApi();
    return this.starting;
  }

  /** Throws if a stop came in meanwhile: called after every await of the start-up. */
  private checkStop(): void {
    if (this.stopRequested) throw new EngineStoppedError();
  }

  private async startApi(): Promise<void> {
    const dataDir = this.opts.dataDir;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // One network plan for admission (allocation), the proxy, DNS and the kubelet.
    const network: ClusterNetwork = defaultNetwork(this.opts.clusterName ?? 'skiff');
    // Pods reach the API server as https://kubernetes.default.svc (the first ClusterIP).
    this.credentials = await ensureCredentials(dataDir, [apiServiceIP(network)]);
    this.checkStop();
    this.store = new Store({ path: join(dataDir, 'state.db'), compactIntervalMs: 5 * 60_000 });
    this.rest = new Rest(this.store, this.registry, this.clock);
    installAdmission(this.rest, network, this.clock);
    this.client = new Client(this.rest, this.registry);
    this.bootstrap();
    Object.assign(this.features, await loadFeatures(this.registry));
    this.checkStop();
    const handler = new ResourceHandler(this.rest, this.features, this.clock);
    this.api = new ApiServer({
      registry: this.registry,
      handler,
      credentials: this.credentials,
      features: this.features,
      clock: this.clock,
      ready: () => this.started,
    });
    this.port = await this.api.listen(this.opts.port);
    this.checkStop();
    this.settled = new Promise((r) => setTimeout(r, this.opts.settleMs ?? SETTLE_MS).unref());
    writeSecret(this.kubeconfigPath, kubeconfigYaml({ server: this.server, caCert: this.credentials.caCert, token: this.credentials.token }));
    if (!this.opts.noNode) {
      this.node = new NodeAgent({
        name: this.nodeName,
        client: this.client,
        host: this.opts.nodeHost ?? afterSettle(dockerNodeHost(), this.settled),
        clock: this.clock,
      });
      // Registration is synchronous; the first Docker ping runs in the background so that the
      // API is ready at once (the node turns Ready when Docker answers).
      void this.node.start().catch((e: unknown) => {
        if (!this.stopRequested) console.error(`node agent: ${(e as Error).message}`);
      });
    }
    this.context = {
      client: this.client,
      rest: this.rest,
      registry: this.registry,
      clock: this.clock,
      dataDir,
      nodeName: this.nodeName,
      clusterName: this.opts.clusterName ?? 'skiff',
      apiServer: { url: this.server, caCert: this.credentials.caCert, token: this.credentials.token },
      features: this.features,
      identity: `${hostname()}_${randomUUID()}`,
      network,
    };
    if (!this.opts.apiOnly) {
      this.componentsStarted = this.startComponents().catch((e: unknown) => {
        if (!(e instanceof EngineStoppedError)) console.error(`engine: components not started: ${(e as Error).stack ?? String(e)}`);
      });
    }
    this.started = true;
  }

  /** The components, loaded once the API has had its moment (see `settled`). */
  private async startComponents(): Promise<void> {
    await this.settled;
    this.checkStop();
    const [{ startVirtualNodes }, { startControlPlane }, { startControllerManager }, { startScheduler }, { startServiceProxy }, { startKubelet }] = await Promise.all([
      import('./nodes/virtual-controller.js'),
      import('./leaderelection/run.js'),
      import('./controllers/manager.js'),
      import('./scheduler/scheduler.js'),
      import('./proxy/proxy.js'),
      import('./kubelet/kubelet.js'),
    ]);
    this.checkStop();
    // Virtual (kwok-style) nodes first, then the control plane behind leader election.
    this.components.push(startVirtualNodes(this.context));
    this.components.push(startControlPlane(this.context, { standby: this.opts.standby, startControllerManager, startScheduler }));
    this.components.push(startServiceProxy(this.context));
    if (!this.opts.noNode) this.components.push(startKubelet(this.context));
  }

  get nodeName(): string {
    return this.opts.nodeName ?? 'skiff-node';
  }

  /** Objects every cluster has: the default namespaces. */
  private bootstrap(): void {
    const ns = this.client.resource('', 'Namespace');
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      if (!ns.get(undefined, name)) ns.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }

  /**
   * Stops everything, in reverse order. Safe at any moment: a start still running is told to
   * give up and awaited first, so components never outlive the store.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.stopRequested = true;
    this.started = false;
    await this.starting?.catch(() => {});
    await this.componentsStarted;
    for (const c of this.components.reverse()) await c.stop();
    this.components = [];
    this.node?.stop();
    await this.api?.close();
    this.store?.close();
  }
}
