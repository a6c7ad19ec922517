/**
 * The API server's view of several kubelets: one PodConnector and one MetricsProvider in
 * ctx.features that route each call to the kubelet of the pod's node (spec.nodeName), as the
 * real apiserver dials the kubelet named in the pod's node. Every kubelet in the process (the
 * local one, one per Docker-host node) registers its connector and metrics under its node name;
 * metrics.k8s.io lists are the union over all of them.
 *
 * A pod whose node has no kubelet here (not scheduled yet, a virtual node) goes to the first
 * registered kubelet — the local one — which answers with the error it always gave for such a
 * pod (Status 503 "no kubelet is serving node …", or the container-state BadRequest).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';
import * as errors from '../api/errors.js';
import type { ApiFeatures, LogOptions, MetricsProvider, PodConnector } from '../apiserver/features.js';

export interface NodeServer {
  pods: PodConnector;
  metrics: MetricsProvider;
}

function nodeOf(pod: KubeObject): string {
  const spec = pod.spec as { nodeName?: unknown } | undefined;
  return typeof spec?.nodeName === 'string' ? spec.nodeName : '';
}

export class NodeRouter implements PodConnector, MetricsProvider {
  /** How long one kubelet may take to answer a metrics list. */
  deadlineMs = 15_000;
  /** Insertion order: the first is the default. */
  private readonly nodes = new Map<string, NodeServer>();

  add(node: string, server: NodeServer): void {
    this.nodes.set(node, server);
  }

  remove(node: string, server?: NodeServer): void {
    if (!server || this.nodes.get(node) === server) this.nodes.delete(node);
  }

  get size(): number {
    return this.nodes.size;
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  /** The kubelet serving `pod`'s node, else the default one. */
  route(pod: KubeObject): NodeServer {
    const s = this.nodes.get(nodeOf(pod)) ?? this.nodes.values().next().value;
    if (!s) throw errors.serviceUnavailable('no kubelet is serving this pod');
    return s;
  }

  logs(pod: KubeObject, opts: LogOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.route(pod).pods.logs(pod, opts, req, res);
  }

  upgrade(kind: 'exec' | 'attach' | 'portforward', pod: KubeObject, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    return this.route(pod).pods.upgrade(kind, pod, req, socket, head);
  }

  proxy(pod: KubeObject, port: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.route(pod).pods.proxy(pod, port, path, req, res);
  }

  /** All nodes' metrics; a kubelet whose engine does not answer is left out (as metrics-server skips a node it cannot scrape). */
  async nodeMetrics(): Promise<KubeObject[]> {
    return this.union((m) => m.nodeMetrics());
  }

  async podMetrics(namespace: string | undefined): Promise<KubeObject[]> {
    return this.union((m) => m.podMetrics(namespace));
  }

  private async union(f: (m: MetricsProvider) => Promise<KubeObject[]>): Promise<KubeObject[]> {
    // A kubelet still waiting for its engine would hold the whole answer: each gets a deadline.
    const all = await Promise.allSettled([...this.nodes.entries()].map(([node, s]) => withDeadline(f(s.metrics), this.deadlineMs, node)));
    const ok = all.filter((r): r is PromiseFulfilledResult<KubeObject[]> => r.status === 'fulfilled');
    if (ok.length === 0 && all.length > 0) throw (all[0] as PromiseRejectedResult).reason;
    return ok.flatMap((r) => r.value);
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, node: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Not unref'd: it is cleared as soon as the kubelet answers.
    t = setTimeout(() => reject(errors.serviceUnavailable(`the kubelet of node ${node} did not answer`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

const routers = new WeakMap<ApiFeatures, NodeRouter>();

/**
 * Registers a kubelet's node-side API under its node name; the router takes ctx.features.pods
 * and .metrics while at least one kubelet is registered. Returns the unregister function.
 */
export function registerNodeServer(features: ApiFeatures, node: string, server: NodeServer): () => void {
  let r = routers.get(features);
  if (!r) routers.set(features, (r = new NodeRouter()));
  r.add(node, server);
  features.pods = r;
  features.metrics = r;
  const router = r;
  return () => {
    router.remove(node, server);
    if (router.size > 0) return;
    if (features.pods === router) delete features.pods;
    if (features.metrics === router) delete features.metrics;
  };
}

/** The router installed in `features`, if any. */
export function nodeRouterOf(features: ApiFeatures): NodeRouter | undefined {
  return routers.get(features);
}
