/**
 * The scheduler's cache (upstream internal/cache): a NodeInfo per node, kept up to date from
 * the node and pod informers — adding, updating or removing a bound pod adjusts only its
 * node's sums — plus pods the scheduler has *assumed* onto a node between deciding and the
 * binding being observed. A scheduling cycle reads this cache and never lists anything.
 *
 * Pods bound to a node the cache doesn't know yet (or any more) are kept on a placeholder
 * NodeInfo, so the sums are right when the Node object (re)appears. Pods in a terminal phase
 * (Succeeded/Failed) hold no resources and are not counted (the kubelet frees them too).
 */
import type { KubeObject } from '../api/types.js';
import { NodeInfo } from './framework/nodeinfo.js';
import { podInfo, type PodInfo } from './framework/podinfo.js';

export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  /** NodeInfos that have a Node object, in a stable order for round-robin scanning. */
  private readonly list: NodeInfo[] = [];
  private readonly index = new Map<string, number>();
  /** pod key → node name it is accounted on. */
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private readonly imageCounts = new Map<string, number>();

  /** Nodes with a Node object. Don't mutate. */
  nodes(): readonly NodeInfo[] {
    return this.list;
  }

  get(name: string): NodeInfo | undefined {
    const n = this.infos.get(name);
    return n?.node ? n : undefined;
  }

  get nodeCount(): number {
    return this.list.length;
  }

  imageNodeCount(image: string): number {
    return this.imageCounts.get(image) ?? 0;
  }

  isAssumed(podKey: string): boolean {
    return this.assumed.has(podKey);
  }

  private info(name: string): NodeInfo {
    let n = this.infos.get(name);
    if (!n) {
      n = new NodeInfo(name);
      this.infos.set(name, n);
    }
    return n;
  }

  // ---- nodes

  addNode(node: KubeObject): NodeInfo {
    const name = node.metadata.name as string;
    const n = this.info(name);
    for (const img of n.images.keys()) this.countImage(img, -1);
    n.setNode(node);
    for (const img of n.images.keys()) this.countImage(img, 1);
    if (!this.index.has(name)) {
      this.index.set(name, this.list.length);
      this.list.push(n);
    }
    return n;
  }

  updateNode(node: KubeObject): NodeInfo {
    return this.addNode(node);
  }

  removeNode(name: string): void {
    const n = this.infos.get(name);
    if (!n) return;
    for (const img of n.images.keys()) this.countImage(img, -1);
    n.node = undefined;
    n.images = new Map();
    const i = this.index.get(name);
    if (i !== undefined) {
      const last = this.list.pop() as NodeInfo;
      if (last !== n) {
        this.list[i] = last;
        this.index.set(last.name, i);
      }
      this.index.delete(name);
    }
    if (n.pods.size === 0) this.infos.delete(name);
  }

  private countImage(img: string, d: number): void {
    const v = (this.imageCounts.get(img) ?? 0) + d;
    if (v <= 0) this.imageCounts.delete(img);
    else this.imageCounts.set(img, v);
  }

  // ---- pods

  /** Adds or refreshes a bound pod (from the informer); confirms an assumed one. */
  addPod(pod: KubeObject): void {
    const pi = podInfo(pod);
    if (!pi.nodeName) return;
    this.assumed.delete(pi.key);
    const prevNode = this.podNode.get(pi.key);
    if (pi.terminal) {
      if (prevNode !== undefined) this.removeKey(pi.key, prevNode);
      return;
    }
    if (prevNode !== undefined && prevNode !== pi.nodeName) this.removeKey(pi.key, prevNode);
    this.info(pi.nodeName).addPod(pi);
    this.podNode.set(pi.key, pi.nodeName);
  }

  updatePod(pod: KubeObject): void {
    this.addPod(pod);
  }

  removePod(pod: KubeObject): void {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const node = this.podNode.get(key);
    if (node === undefined) return;
    // A pod of the same name on the node may be a newer incarnation: only drop the same uid.
    const cur = this.infos.get(node)?.pods.get(key);
    if (cur && pod.metadata.uid && cur.uid && cur.uid !== pod.metadata.uid) return;
    this.removeKey(key, node);
  }

  private removeKey(key: string, node: string): void {
    const n = this.infos.get(node);
    n?.removePod(key);
    this.podNode.delete(key);
    this.assumed.delete(key);
    if (n && !n.node && n.pods.size === 0) this.infos.delete(node);
  }

  /** Accounts a pod on `nodeName` before its binding is observed. */
  assumePod(pi: PodInfo, nodeName: string): void {
    const n = this.get(nodeName);
    if (!n) throw new Error(`node ${nodeName} not in cache`);
    n.addPod(pi);
    this.podNode.set(pi.key, nodeName);
    this.assumed.add(pi.key);
  }

  /** Undoes assumePod (the binding failed). */
  forgetPod(key: string): void {
    if (!this.assumed.has(key)) return;
    const node = this.podNode.get(key);
    if (node !== undefined) this.removeKey(key, node);
    this.assumed.delete(key);
  }

  /** Pods accounted on a node (tests, preemption). */
  podsOn(name: string): PodInfo[] {
    return [...(this.infos.get(name)?.pods.values() ?? [])];
  }
}
