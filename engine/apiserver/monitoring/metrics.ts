/**
 * `GET /metrics`: a small set of kube-apiserver's Prometheus metrics in the text exposition
 * format (version 0.0.4), with upstream's names and labels so dashboards and `kubectl get --raw
 * /metrics | grep apiserver_request_total` read the same:
 *
 *   apiserver_request_total{code,component,dry_run,group,resource,scope,subresource,verb,version}
 *   apiserver_request_duration_seconds{component,dry_run,group,resource,scope,subresource,verb,version} (histogram)
 *   apiserver_current_inflight_requests{request_kind}
 *   apiserver_longrunning_requests{component,group,resource,scope,subresource,verb,version}
 *   apiserver_storage_objects{resource}
 *   apiserver_registered_watchers-like etcd/store gauges, process_*, kubernetes_build_info
 */
import type { Registry } from '../../api/registry.js';
import { storagePrefix } from '../../api/registry.js';
import type { Store } from '../../store/store.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  dryRun: boolean;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class ApiMetrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly durations = new Map<string, { labels: Record<string, string>; h: Histogram }>();
  private readonly longrunning = new Map<string, { labels: Record<string, string>; n: number }>();
  private inflight = { readOnly: 0, mutating: 0 };
  private readonly startTime = Date.now() / 1000;

  constructor(
    private readonly registry: Registry,
    private readonly store: Store,
    private readonly build: { major: string; minor: string; gitVersion: string; gitCommit: string; gitTreeState: string; buildDate: string; goVersion: string; compiler: string; platform: string },
  ) {}

  private base(l: RequestLabels): Record<string, string> {
    return { component: 'apiserver', dry_run: l.dryRun ? 'All' : '', group: l.group, resource: l.resource, scope: l.scope, subresource: l.subresource, verb: l.verb, version: l.version };
  }

  /** Marks a request in flight; call the returned function when it ends. */
  begin(mutating: boolean): () => void {
    const k = mutating ? 'mutating' : 'readOnly';
    this.inflight[k]++;
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.inflight[k]--;
      }
    };
  }

  /** Tracks a long-running request (watch, logs, exec); call the returned function when it ends. */
  beginLongRunning(l: RequestLabels): () => void {
    const labels = this.base(l);
    delete labels.dry_run;
    const key = labelText(labels);
    const e = this.longrunning.get(key) ?? { labels, n: 0 };
    e.n++;
    this.longrunning.set(key, e);
    let done = false;
    return () => {
      if (!done) {
        done = true;
        e.n--;
      }
    };
  }

  observe(l: RequestLabels, code: number, seconds: number): void {
    const labels = { ...this.base(l), code: String(code) };
    const key = labelText(labels);
    const r = this.requests.get(key) ?? { labels, n: 0 };
    r.n++;
    this.requests.set(key, r);
    if (l.verb === 'WATCH' || l.verb === 'CONNECT') return; // upstream excludes long-running requests from latency
    const dl = this.base(l);
    const dk = labelText(dl);
    const d = this.durations.get(dk) ?? { labels: dl, h: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 } };
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) d.h.counts[i]++;
    });
    d.h.sum += seconds;
    d.h.count++;
    this.durations.set(dk, d);
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`);
    family('apiserver_current_inflight_requests', 'gauge', 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.');
    out.push(`apiserver_current_inflight_requests{request_kind="mutating"} ${this.inflight.mutating}`, `apiserver_current_inflight_requests{request_kind="readOnly"} ${this.inflight.readOnly}`);
    family('apiserver_longrunning_requests', 'gauge', 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.');
    for (const { labels, n } of this.longrunning.values()) out.push(`apiserver_longrunning_requests${labelText(labels)} ${n}`);
    family('apiserver_request_duration_seconds', 'histogram', 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.');
    for (const { labels, h } of this.durations.values()) {
      BUCKETS.forEach((b, i) => out.push(`apiserver_request_duration_seconds_bucket${labelText({ ...labels, le: String(b) })} ${h.counts[i]}`));
      out.push(`apiserver_request_duration_seconds_bucket${labelText({ ...labels, le: '+Inf' })} ${h.count}`);
      out.push(`apiserver_request_duration_seconds_sum${labelText(labels)} ${h.sum}`);
      out.push(`apiserver_request_duration_seconds_count${labelText(labels)} ${h.count}`);
    }
    family('apiserver_request_total', 'counter', 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.');
    for (const { labels, n } of this.requests.values()) out.push(`apiserver_request_total${labelText(labels)} ${n}`);
    family('apiserver_storage_objects', 'gauge', 'Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.');
    const seen = new Set<string>();
    for (const d of this.registry.all()) {
      if (d.virtual || (d.storageVersion && d.storageVersion !== d.version)) continue;
      const resource = d.group ? `${d.plural}.${d.group}` : d.plural;
      if (seen.has(resource)) continue;
      seen.add(resource);
      out.push(`apiserver_storage_objects${labelText({ resource })} ${this.store.count(storagePrefix(d))}`);
    }
    out.push('# HELP etcd_current_revision Current revision of the store (Skiff: the SQLite log).', '# TYPE etcd_current_revision gauge', `etcd_current_revision ${this.store.revision}`);
    out.push('# HELP apiserver_registered_watchers Number of currently registered watchers (all resources).', '# TYPE apiserver_registered_watchers gauge', `apiserver_registered_watchers ${this.store.watcherCount}`);
    const b = this.build;
    out.push('# HELP kubernetes_build_info [ALPHA] A metric with a constant \'1\' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.', '# TYPE kubernetes_build_info gauge');
    out.push(`kubernetes_build_info${labelText({ build_date: b.buildDate, compiler: b.compiler, git_commit: b.gitCommit, git_tree_state: b.gitTreeState, git_version: b.gitVersion, go_version: b.goVersion, major: b.major, minor: b.minor, platform: b.platform })} 1`);
    const mem = process.memoryUsage();
    out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    out.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.', '# TYPE process_start_time_seconds gauge', `process_start_time_seconds ${this.startTime}`);
    const cpu = process.cpuUsage();
    out.push('# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.', '# TYPE process_cpu_seconds_total counter', `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
    return out.join('\n') + '\n';
  }
}
