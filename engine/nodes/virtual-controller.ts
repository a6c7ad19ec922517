/**
 * The virtual node host: a Component of the engine that runs a virtual kubelet
 * (virtual-kubelet.ts) for every Node labelled `node.skiff.io/virtual=true`. Nodes are declared
 * through the API — `skiff node add --virtual`, `kubectl apply` of a labelled Node, or
 * addVirtualNode() in-process — and the server process hosts them, so they work against a
 * running `skiff serve` and survive its restarts (state lives in the Node objects: capacity in
 * annotations, the pod subnet in spec.podCIDR, pod IPs in the pods' status).
 *
 * Handlers only note keys; a worker on the next turn of the event loop does the writes, in
 * slices so that thousands of pods don't block the API server. A single ticker renews leases
 * of all hosted nodes as they fall due (staggered), instead of a timer per node.
 *
 * `node.skiff.io/stopped=true` on a Node (or pause() in-process) stops its kubelet: no lease
 * renewals, no pod updates — the node lifecycle controller then sees a failed node.
 *
 * Another Docker engine as a node (DOCKER_HOST style, `skiff node add --docker-host`) is hosted
 * by the sibling component in docker-host.ts — a real kubelet per engine on its own dockerode
 * connection — which startVirtualNodes starts alongside this one.
 */
import type { Clock } from '../api/clock.js';
import { realClock } from '../api/clock.js';
import * as errors from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Component, EngineContext } from '../component.js';
import type { Client } from '../client/client.js';
import { Informer, keyOf } from '../client/informer.js';
import { STOPPED_ANNOTATION, TYPE_LABEL, VIRTUAL_LABEL } from './constants.js';
import { VirtualKubelet } from './virtual-kubelet.js';
import { startDockerNodes } from './docker-host.js';

export interface VirtualNodeHostOptions {
  client: Client;
  clock?: Clock;
  /** Lease renewal interval per node (ms, default 10 s like the kubelet). */
  heartbeatMs?: number;
  /** How often the ticker looks for due heartbeats (ms). */
  tickMs?: number;
  /** Run timers and the background worker (unit tests drive tick()/drain() by hand). */
  timers?: boolean;
}

/** The i-th /24 of the virtual pod space: 10.254.0.0/24, 10.254.1.0/24 … then 10.253.x … down to 10.245.x. */
export function subnetFor(i: number): string {
  return `10.${254 - Math.floor(i / 256)}.${i % 256}`;
}

function podCIDROf(node: KubeObject): string | undefined {
  const spec = isPlainObject(node.spec) ? node.spec : {};
  return typeof spec.podCIDR === 'string' ? spec.podCIDR : undefined;
}

function nodeNameOf(pod: KubeObject): string {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  return typeof spec.nodeName === 'string' ? spec.nodeName : '';
}

export class VirtualNodeHost implements Component {
  readonly kubelets = new Map<string, VirtualKubelet>();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly heartbeatMs: number;
  private readonly nodeInformer: Informer;
  private readonly podInformer: Informer;
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly forcedPause = new Set<string>();
  private pendingNodes = new Set<string>();
  private pendingPods = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private ticker: NodeJS.Timeout | undefined;
  private readonly timers: boolean;
  private readonly tickMs: number;

  constructor(opts: VirtualNodeHostOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.tickMs = opts.tickMs ?? 1000;
    this.timers = opts.timers !== false;
    this.nodeInformer = new Informer(this.client.resource('', 'Node'), undefined, `${VIRTUAL_LABEL}=true`);
    this.podInformer = new Informer(this.client.resource('', 'Pod'));
  }

  start(): void {
    this.nodeInformer.addHandler({
      add: (n) => this.noteNode(n.metadata.name as string),
      update: (_o, n) => this.noteNode(n.metadata.name as string),
      delete: (n) => this.noteNode(n.metadata.name as string),
    });
    this.podInformer.addHandler({
      add: (p) => this.notePod(p),
      update: (_o, p) => this.notePod(p),
      delete: (p) => {
        const node = nodeNameOf(p);
        this.podsByNode.get(node)?.delete(keyOf(p));
        const ip = isPlainObject(p.status) ? p.status.podIP : undefined;
        if (typeof ip === 'string') this.kubelets.get(node)?.releaseIP(ip);
      },
    });
    this.podInformer.start();
    this.nodeInformer.start();
    if (this.timers) {
      this.ticker = setInterval(() => this.tick(), this.tickMs);
      this.ticker.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.nodeInformer.stop();
    this.podInformer.stop();
  }

  /** Simulates a node failure in-process (same effect as the stopped annotation). */
  pause(name: string): void {
    this.forcedPause.add(name);
    this.noteNode(name);
    this.drain();
  }

  resume(name: string): void {
    this.forcedPause.delete(name);
    this.noteNode(name);
    this.drain();
  }

  private noteNode(name: string): void {
    this.pendingNodes.add(name);
    this.schedule();
  }

  private notePod(p: KubeObject): void {
    const node = nodeNameOf(p);
    if (!node) return;
    const key = keyOf(p);
    let set = this.podsByNode.get(node);
    if (!set) {
      set = new Set();
      this.podsByNode.set(node, set);
    }
    set.add(key);
    const k = this.kubelets.get(node);
    if (!k) return;
    const ip = isPlainObject(p.status) ? p.status.podIP : undefined;
    if (typeof ip === 'string' && ip) k.noteIP(ip);
    this.pendingPods.add(key);
    this.schedule();
  }

  private schedule(): void {
    if (!this.timers || this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain(20);
    });
  }

  /** Processes noted nodes and pods (all of them, or for at most `sliceMs`, then continues later). */
  drain(sliceMs = Infinity): void {
    if (this.stopped) return;
    const t0 = performance.now();
    while (this.pendingNodes.size || this.pendingPods.size) {
      if (this.pendingNodes.size) {
        const name = this.pendingNodes.values().next().value as string;
        this.pendingNodes.delete(name);
        this.guard(() => this.syncNode(name), () => this.retry(() => this.noteNode(name)));
      } else {
        const key = this.pendingPods.values().next().value as string;
        this.pendingPods.delete(key);
        this.guard(() => this.syncPod(key), () => this.retry(() => {
          this.pendingPods.add(key);
          this.schedule();
        }));
      }
      if (performance.now() - t0 > sliceMs) {
        this.schedule();
        return;
      }
    }
  }

  private guard(fn: () => void, onError: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof errors.ApiError && e.code === 404) return;
      if (!this.stopped) console.error(`virtual nodes: ${(e as Error).message}`);
      onError();
    }
  }

  private retry(fn: () => void): void {
    if (!this.timers) return;
    const t = setTimeout(() => {
      if (!this.stopped) fn();
    }, 1000);
    t.unref();
  }

  /** Renews the leases that are due. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock.now().getTime();
    for (const k of this.kubelets.values()) {
      if (k.paused || now < k.nextHeartbeat) continue;
      this.guard(() => k.heartbeat(), () => {});
    }
  }

  private syncNode(name: string): void {
    const node = this.nodeInformer.get(undefined, name);
    if (!node) {
      const k = this.kubelets.get(name);
      if (!k) return;
      this.kubelets.delete(name);
      if (!this.client.resource('', 'Node').get(undefined, name)) this.cleanup(name);
      return;
    }
    // Labels are set when the kubelet registers, never afterwards, as upstream's kubelet does
    // (initialNode on creation, updateDefaultLabels for an existing Node): the well-known
    // hostname/os/arch ones at each registration, `type=virtual` only for a Node that was never
    // registered (no status yet). A label the user removes later stays removed.
    const registering = !this.kubelets.has(name);
    const labels = node.metadata.labels ?? {};
    const wantLabels: Record<string, string> = registering
      ? {
          ...(isPlainObject(node.status) && Object.keys(node.status).length ? {} : { [TYPE_LABEL]: 'virtual' }),
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
        }
      : {};
    const missing = Object.entries(wantLabels).filter(([k]) => labels[k] === undefined);
    let cidr = podCIDROf(node);
    if (missing.length || !cidr) {
      if (!cidr) cidr = this.freeSubnet(name);
      const podCIDR = cidr;
      this.client.resource('', 'Node').modify(undefined, name, (n) => {
        n.metadata.labels = { ...(n.metadata.labels ?? {}) };
        for (const [k, v] of missing) n.metadata.labels[k] ??= v;
        const spec = (isPlainObject(n.spec) ? n.spec : {}) as Record<string, unknown>;
        if (typeof spec.podCIDR !== 'string') {
          spec.podCIDR = podCIDR;
          spec.podCIDRs = [podCIDR];
        }
        n.spec = spec;
      });
    }
    const subnet = cidr.replace(/\.0\/24$/, '');
    const paused = node.metadata.annotations?.[STOPPED_ANNOTATION] === 'true' || this.forcedPause.has(name);
    let k = this.kubelets.get(name);
    if (!k) {
      k = new VirtualKubelet(name, this.client, this.clock, subnet, this.heartbeatMs);
      k.paused = paused;
      this.kubelets.set(name, k);
      for (const key of this.podsByNode.get(name) ?? []) {
        const p = this.podInformer.getByKey(key);
        const ip = p && isPlainObject(p.status) ? p.status.podIP : undefined;
        if (typeof ip === 'string' && ip) k.noteIP(ip);
      }
      if (!paused) {
        k.heartbeat(true);
        // Stagger the following renewals over one interval.
        k.nextHeartbeat = this.clock.now().getTime() + Math.floor(Math.random() * this.heartbeatMs);
        this.resyncPods(name);
      }
      return;
    }
    k.setSubnet(subnet);
    if (k.paused && !paused) {
      k.paused = false;
      k.heartbeat(true);
      this.resyncPods(name);
    } else if (!k.paused && paused) k.paused = true;
  }

  private resyncPods(node: string): void {
    for (const key of this.podsByNode.get(node) ?? []) this.pendingPods.add(key);
  }

  private freeSubnet(self: string): string {
    const used = new Set<string>();
    for (const n of this.nodeInformer.list()) {
      if (n.metadata.name === self) continue;
      const c = podCIDROf(n);
      if (c) used.add(c);
    }
    // 10.254.x … 10.245.x: 2,560 nodes, clear of the default pod (10.244/16) and service (10.96/16) ranges.
    for (let i = 0; i < 256 * 10; i++) {
      const c = `${subnetFor(i)}.0/24`;
      if (!used.has(c)) return c;
    }
    throw new Error('no free pod subnet for virtual nodes');
  }

  private syncPod(key: string): void {
    const pod = this.podInformer.getByKey(key);
    if (!pod) return;
    const k = this.kubelets.get(nodeNameOf(pod));
    if (!k || k.paused) return;
    k.syncPod(pod);
  }

  /** The Node is gone: its lease and pods go too (no kubelet will ever finish them). */
  private cleanup(name: string): void {
    this.client.resource('coordination.k8s.io', 'Lease').delete('kube-node-lease', name);
    const pods = this.client.resource('', 'Pod');
    for (const key of [...(this.podsByNode.get(name) ?? [])]) {
      const p = this.podInformer.getByKey(key);
      if (!p || nodeNameOf(p) !== name) continue;
      pods.delete(p.metadata.namespace, p.metadata.name as string, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
    }
    this.podsByNode.delete(name);
  }
}

const hosts = new WeakMap<Client, { host: VirtualNodeHost; refs: number }>();

/**
 * Starts the engine's virtual node host, once per engine (per client): further calls share it,
 * and it stops when the last holder stops. This is what engine.ts should call; until it does,
 * startScheduler calls it too.
 */
export function ensureVirtualNodeHost(ctx: Pick<EngineContext, 'client' | 'clock'>, opts: Partial<VirtualNodeHostOptions> = {}): Component & { host: VirtualNodeHost } {
  let entry = hosts.get(ctx.client);
  if (!entry) {
    const host = new VirtualNodeHost({ client: ctx.client, clock: ctx.clock, ...opts });
    host.start();
    entry = { host, refs: 0 };
    hosts.set(ctx.client, entry);
  }
  entry.refs++;
  const e = entry;
  let released = false;
  return {
    host: e.host,
    stop() {
      if (released) return;
      released = true;
      e.refs--;
      if (e.refs === 0) {
        e.host.stop();
        hosts.delete(ctx.client);
      }
    },
  };
}

/** The component engine.ts starts: hosts every virtual node and every Docker-host node. */
export function startVirtualNodes(ctx: EngineContext): Component {
  const virtual = ensureVirtualNodeHost(ctx);
  const docker = startDockerNodes(ctx);
  return {
    async stop() {
      await docker.stop();
      virtual.stop();
    },
  };
}

/** The running host of an engine, if any (for in-process stopVirtualNode). */
export function virtualNodeHostOf(client: Client): VirtualNodeHost | undefined {
  return hosts.get(client)?.host;
}
