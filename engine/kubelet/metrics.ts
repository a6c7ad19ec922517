/**
 * metrics.k8s.io/v1beta1 from Docker stats (apiserver features.MetricsProvider), so that
 * `kubectl top pod` and `kubectl top node` work without metrics-server:
 * - PodMetrics: per container `usage.cpu` in nanocores ("123456n") and `usage.memory` as the
 *   working set in Ki ("1234Ki") — what the kubelet's resource metrics endpoint reports.
 * - NodeMetrics: the sum over every container of this node (pods and their sandboxes). Docker
 *   Desktop runs containers in a VM whose own usage the Engine API does not expose, so the sum
 *   is the portable measure; on Linux it leaves out processes outside Docker.
 * Nothing is sampled until someone asks; a sample is cached for a few seconds. CPU is a rate,
 * so a container seen for the first time is sampled twice, 500 ms apart.
 */
import type { KubeObject } from '../api/types.js';
import type { MetricsProvider } from '../apiserver/features.js';
import { LABEL, type ContainerRuntime, type ContainerStats, type ContainerSummary } from './runtime/runtime.js';
import { apiTime } from './podutil.js';

export interface MetricsDeps {
  runtime(): Promise<ContainerRuntime>;
  cluster: string;
  node: string;
  /** Pods bound to this node (for metadata). */
  pods(): KubeObject[];
  /** Node labels (copied to NodeMetrics metadata, as metrics-server does). */
  nodeLabels(): Record<string, string>;
  cacheMs?: number;
}

interface Sample {
  at: number;
  windowMs: number;
  containers: ContainerSummary[];
  stats: Map<string, ContainerStats>;
}

export class Metrics implements MetricsProvider {
  private cached?: Sample;
  private inflight?: Promise<Sample>;

  constructor(private readonly deps: MetricsDeps) {}

  private async sample(): Promise<Sample> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < (this.deps.cacheMs ?? 5000)) return this.cached;
    this.inflight ??= this.take().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async take(): Promise<Sample> {
    const rt = await this.deps.runtime();
    const list = await rt.listContainers({ labels: { [LABEL.cluster]: this.deps.cluster, [LABEL.node]: this.deps.node }, runningOnly: true });
    const stats = new Map<string, ContainerStats>();
    const once = async (ids: string[]) => {
      await Promise.all(
        ids.map(async (id) => {
          try {
            stats.set(id, await rt.stats(id));
          } catch {
            stats.delete(id);
          }
        }),
      );
    };
    await once(list.map((c) => c.id));
    let windowMs = 0;
    const fresh = list.filter((c) => stats.get(c.id)?.cpu.usageNanoCores === undefined).map((c) => c.id);
    if (fresh.length) {
      windowMs = 500;
      await new Promise((r) => setTimeout(r, windowMs));
      await once(fresh);
    }
    const s: Sample = { at: Date.now(), windowMs: windowMs || 10_000, containers: list, stats };
    this.cached = s;
    return s;
  }

  async nodeMetrics(): Promise<KubeObject[]> {
    const s = await this.sample();
    let cpu = 0;
    let mem = 0;
    for (const st of s.stats.values()) {
      cpu += st.cpu.usageNanoCores ?? 0;
      mem += st.memory.workingSetBytes;
    }
    return [
      {
        kind: 'NodeMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: this.deps.node, creationTimestamp: apiTime(s.at), labels: this.deps.nodeLabels() },
        timestamp: apiTime(s.at),
        window: `${s.windowMs / 1000}s`,
        usage: { cpu: `${Math.round(cpu)}n`, memory: `${Math.floor(mem / 1024)}Ki` },
      },
    ];
  }

  async podMetrics(namespace: string | undefined): Promise<KubeObject[]> {
    const s = await this.sample();
    const byUid = new Map<string, ContainerSummary[]>();
    for (const c of s.containers) {
      if (c.role === 'sandbox' || !c.pod || !c.containerName) continue;
      const l = byUid.get(c.pod.uid) ?? [];
      l.push(c);
      byUid.set(c.pod.uid, l);
    }
    const out: KubeObject[] = [];
    for (const pod of this.deps.pods()) {
      if (namespace && pod.metadata.namespace !== namespace) continue;
      const cs = byUid.get(pod.metadata.uid ?? '');
      if (!cs) continue;
      out.push({
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: apiTime(s.at), labels: pod.metadata.labels ?? {} },
        timestamp: apiTime(s.at),
        window: `${s.windowMs / 1000}s`,
        containers: cs
          .filter((c) => s.stats.has(c.id))
          .map((c) => {
            const st = s.stats.get(c.id) as ContainerStats;
            return { name: c.containerName, usage: { cpu: `${Math.round(st.cpu.usageNanoCores ?? 0)}n`, memory: `${Math.floor(st.memory.workingSetBytes / 1024)}Ki` } };
          }),
      });
    }
    return out;
  }
}
