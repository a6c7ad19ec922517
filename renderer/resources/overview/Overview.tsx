/**
 * Cluster overview: nodes, capacity vs requests, pods by phase, workload health, recent warnings,
 * and CPU/memory usage charts from metrics.k8s.io when the cluster serves it (sampled every 15 s
 * while this view is visible — see lib/metrics.ts for why that is not polling for state).
 */
import { useMemo } from 'react';
import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { useItems } from '../../lib/queryClient';
import { useMetrics } from '../../lib/metrics';
import { formatBytes, formatCpu, nodeReady, parseQuantity, podStatus } from '../../lib/format';
import { Link, routeHref, useRoute } from '../../lib/router';
import { Age, StatusBadge } from '../../components/Status';
import { eventTime } from '../../components/Details';
import { MetricsState, SampleNote, Sparkline, UsageCard } from '../../components/Charts';

export function podRequests(pods: KubeObject[]): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const p of pods) {
    for (const c of (p.spec?.containers ?? []) as { resources?: { requests?: Record<string, string> } }[]) {
      cpu += parseQuantity(c.resources?.requests?.cpu);
      memory += parseQuantity(c.resources?.requests?.memory);
    }
  }
  return { cpu, memory };
}

export function Meter({ label, used, total, fmt, usage }: { label: string; used: number; total: number; fmt: (n: number) => string; usage?: number }) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  const upct = usage !== undefined && total > 0 ? Math.min(100, (usage / total) * 100) : undefined;
  return (
    <div className="meter">
      <div className="row">
        <span>{label}</span>
        <span>
          <b>{fmt(used)}</b> requested of {fmt(total)} ({Math.round(pct)}%){usage !== undefined ? ` · ${fmt(usage)} in use` : ''}
        </span>
      </div>
      <div className="bar">
        <span style={{ width: `${pct}%` }} />
        {upct !== undefined ? <span className="used" style={{ width: `${upct}%`, opacity: 0.75, height: 4, top: 2 }} /> : null}
      </div>
    </div>
  );
}

const PHASE_COLORS: Record<string, string> = { Running: 'var(--ok)', Pending: 'var(--warn)', Succeeded: 'var(--info)', Failed: 'var(--bad)', Unknown: 'var(--text-3)' };

function Donut({ parts }: { parts: { label: string; value: number; color: string }[] }) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  const R = 42;
  const C = 2 * Math.PI * R;
  let off = 0;
  return (
    <svg width="120" height="120" viewBox="0 0 120 120" role="img" aria-label="pods by phase">
      <circle cx="60" cy="60" r={R} fill="none" stroke="var(--muted-bg)" strokeWidth="14" />
      {total > 0
        ? parts.map((p) => {
            const len = (p.value / total) * C;
            const el = <circle key={p.label} cx="60" cy="60" r={R} fill="none" stroke={p.color} strokeWidth="14" strokeDasharray={`${len} ${C - len}`} strokeDashoffset={-off} transform="rotate(-90 60 60)" />;
            off += len;
            return el;
          })
        : null}
      <text x="60" y="57" textAnchor="middle" fontSize="22" fontWeight="650" fill="var(--text)">
        {total}
      </text>
      <text x="60" y="75" textAnchor="middle" fontSize="11" fill="var(--text-3)">
        pods
      </text>
    </svg>
  );
}

function nodeRoles(n: KubeObject): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.join(', ') || '—';
}

/** A usage bar for table cells: share of a capacity, with the value. */
function UsageBar({ used, total, fmt }: { used: number | undefined; total: number; fmt: (n: number) => string }) {
  if (used === undefined) return <span className="muted">—</span>;
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <span className="usage-cell" title={total ? `${fmt(used)} of ${fmt(total)} (${pct.toFixed(1)}%)` : fmt(used)}>
      <span className="mini-bar">
        <span style={{ width: `${Math.max(pct, used > 0 ? 2 : 0)}%` }} />
      </span>
      {fmt(used)}
    </span>
  );
}

export default function Overview() {
  const r = useRoute();
  const ctx = r.ctx;
  const ns = r.ns || undefined;
  const nodes = useItems({ ctx, kind: kindByKey('nodes') }).items;
  const podsQ = useItems({ ctx, kind: kindByKey('pods'), namespace: ns });
  const pods = podsQ.items;
  const deps = useItems({ ctx, kind: kindByKey('deployments'), namespace: ns }).items;
  const events = useItems({ ctx, kind: kindByKey('events'), namespace: ns }).items;
  // Usage: node totals for the charts, pod usage (of the namespace shown) for the top list.
  const nodeMetrics = useMetrics(ctx, { kind: 'nodes' });
  const podMetrics = useMetrics(ctx, { kind: 'pods', namespace: ns }, nodeMetrics?.status === 'ok');

  const active = useMemo(() => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'), [pods]);
  const req = useMemo(() => podRequests(active), [active]);
  const cap = useMemo(() => {
    let cpu = 0;
    let memory = 0;
    let podsCap = 0;
    for (const n of nodes) {
      cpu += parseQuantity(n.status?.allocatable?.cpu);
      memory += parseQuantity(n.status?.allocatable?.memory);
      podsCap += parseQuantity(n.status?.allocatable?.pods);
    }
    return { cpu, memory, pods: podsCap };
  }, [nodes]);
  const hasMetrics = nodeMetrics?.status === 'ok';
  // With a namespace picked, the charts show that namespace's pods (against the cluster's capacity).
  const usageSeries = ns && podMetrics?.status === 'ok' ? podMetrics : nodeMetrics;
  const usage = hasMetrics && usageSeries ? { cpu: usageSeries.cpu.last?.v ?? 0, memory: usageSeries.memory.last?.v ?? 0 } : undefined;
  const topPods = useMemo(() => {
    if (podMetrics?.status !== 'ok') return [];
    return [...podMetrics.latest.entries()].sort((a, b) => b[1].cpu - a[1].cpu || b[1].memory - a[1].memory).slice(0, 6);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [podMetrics?.version]);
  const phases = useMemo(() => {
    const c: Record<string, number> = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0, Unknown: 0 };
    for (const p of pods) c[p.status?.phase ?? 'Unknown'] = (c[p.status?.phase ?? 'Unknown'] ?? 0) + 1;
    return c;
  }, [pods]);
  const problems = useMemo(() => pods.filter((p) => /BackOff|Err|Failed|Unknown|OOM|Evicted/.test(podStatus(p))).slice(0, 6), [pods]);
  const warnings = useMemo(() => events.filter((e) => e.type === 'Warning').sort((a, b) => eventTime(b).localeCompare(eventTime(a))).slice(0, 10), [events]);
  const podsPerNode = useMemo(() => {
    const m = new Map<string, number>();
    for (const p of active) if (p.spec?.nodeName) m.set(p.spec.nodeName, (m.get(p.spec.nodeName) ?? 0) + 1);
    return m;
  }, [active]);
  const readyNodes = nodes.filter((n) => nodeReady(n).startsWith('Ready')).length;
  const availableDeps = deps.filter((d) => (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1)).length;

  return (
    <div className="main">
      <div className="page" data-testid="page-overview">
        <div className="page-head">
          <h1>Cluster overview</h1>
          <span className="sub">
            {ctx}
            {ns ? ` · namespace ${ns}` : ''}
          </span>
        </div>
        <div className="scroll-page">
          <div className="grid cols-4">
            <div className="card stat">
              <div className="label">Nodes</div>
              <div className="value">
                {readyNodes}/{nodes.length}
              </div>
              <div className="hint">ready</div>
            </div>
            <div className="card stat">
              <div className="label">Pods</div>
              <div className="value">{pods.length}</div>
              <div className="hint">{phases.Running} running · {phases.Pending} pending</div>
            </div>
            <div className="card stat">
              <div className="label">Deployments</div>
              <div className="value">
                {availableDeps}/{deps.length}
              </div>
              <div className="hint">available</div>
            </div>
            <div className="card stat">
              <div className="label">Warnings</div>
              <div className="value" style={{ color: warnings.length ? 'var(--warn)' : undefined }}>
                {events.filter((e) => e.type === 'Warning').length}
              </div>
              <div className="hint">events</div>
            </div>
          </div>
          <div className="grid cols-2" style={{ marginTop: 14 }} data-testid="usage-charts">
            {hasMetrics ? (
              <>
                <div className="card">
                  <UsageCard title={ns ? `CPU usage · ${ns}` : 'CPU usage'} points={usageSeries?.cpu.points ?? []} format={formatCpu} limit={cap.cpu} limitLabel="allocatable" color="var(--accent)" testId="metrics-chart-cpu" right={<SampleNote snap={nodeMetrics} />} />
                </div>
                <div className="card">
                  <UsageCard title={ns ? `Memory usage · ${ns}` : 'Memory usage'} points={usageSeries?.memory.points ?? []} format={formatBytes} binary limit={cap.memory} limitLabel="allocatable" color="var(--chart-2)" testId="metrics-chart-memory" right={<SampleNote snap={nodeMetrics} />} />
                </div>
              </>
            ) : (
              <div className="card" style={{ gridColumn: '1 / -1' }}>
                <MetricsState snap={nodeMetrics} />
              </div>
            )}
          </div>
          <div className="grid cols-2" style={{ marginTop: 14 }}>
            <div className="card">
              <h3>Capacity vs requests</h3>
              <Meter label="CPU" used={req.cpu} total={cap.cpu} fmt={formatCpu} usage={usage?.cpu} />
              <Meter label="Memory" used={req.memory} total={cap.memory} fmt={formatBytes} usage={usage?.memory} />
              <Meter label="Pods" used={active.length} total={cap.pods} fmt={(n) => String(Math.round(n))} />
              <div className="muted" style={{ fontSize: 12 }}>
                {usage ? 'Blue: requested by pods. Green: in use now (metrics.k8s.io).' : 'Usage appears here when the cluster serves metrics.k8s.io.'}
              </div>
            </div>
            <div className="card">
              <h3>Pods by phase</h3>
              <div className="donut-wrap">
                <Donut parts={Object.entries(phases).map(([label, value]) => ({ label, value, color: PHASE_COLORS[label] ?? 'var(--text-3)' }))} />
                <div className="legend">
                  {Object.entries(phases).map(([k, v]) => (
                    <div key={k}>
                      <span className="sw" style={{ background: PHASE_COLORS[k] }} />
                      {k} <b style={{ marginLeft: 6 }}>{v}</b>
                    </div>
                  ))}
                </div>
              </div>
              {problems.length ? (
                <div style={{ marginTop: 12 }}>
                  {problems.map((p) => (
                    <div key={p.metadata.uid} className="row-gap" style={{ marginBottom: 4 }}>
                      <StatusBadge status={podStatus(p)} />
                      <Link to={routeHref({ ctx, view: 'pods', ns: r.ns, sel: { namespace: p.metadata.namespace, name: p.metadata.name } })}>{p.metadata.name}</Link>
                    </div>
                  ))}
                </div>
              ) : null}
            </div>
          </div>
          <div className="grid cols-2" style={{ marginTop: 14 }}>
            <div className="card">
              <h3>
                Top pods by CPU <span className="muted" style={{ fontWeight: 500 }}>{ns ? `· ${ns}` : '· all namespaces'}</span>
              </h3>
              {podMetrics?.status !== 'ok' ? (
                <MetricsState snap={hasMetrics ? podMetrics : nodeMetrics} compact />
              ) : topPods.length === 0 ? (
                <div className="muted">No pod is using resources right now.</div>
              ) : (
                <table className="mini-table" data-testid="top-pods">
                  <thead>
                    <tr>
                      <th>Pod</th>
                      <th>CPU</th>
                      <th>Memory</th>
                      <th>Trend</th>
                    </tr>
                  </thead>
                  <tbody>
                    {topPods.map(([key, u]) => {
                      const [pns, pname] = key.split('/');
                      return (
                        <tr key={key}>
                          <td>
                            <Link to={routeHref({ ctx, view: 'pods', ns: r.ns, sel: { namespace: pns, name: pname } })}>{pname}</Link>
                            {!ns ? <div className="muted" style={{ fontSize: 11.5 }}>{pns}</div> : null}
                          </td>
                          <td className="mono">{formatCpu(u.cpu)}</td>
                          <td className="mono">{formatBytes(u.memory)}</td>
                          <td>
                            <Sparkline points={podMetrics.cpuBy.get(key)?.points ?? []} width={80} height={20} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </div>
            <div className="card">
              <h3>Recent warnings</h3>
              {warnings.length === 0 ? (
                <div className="muted">No warnings. All quiet.</div>
              ) : (
                <table className="mini-table">
                  <tbody>
                    {warnings.map((e) => {
                      const io = (e.involvedObject ?? {}) as { kind?: string; name?: string };
                      return (
                        <tr key={`${e.metadata.namespace}/${e.metadata.name}`}>
                          <td style={{ width: 150, whiteSpace: 'nowrap' }}>
                            <b>{String(e.reason ?? '')}</b>
                          </td>
                          <td>
                            <div>
                              {io.kind}/{io.name}
                            </div>
                            <div className="muted">{String(e.message ?? '')}</div>
                          </td>
                          <td style={{ width: 60 }} className="muted">
                            <Age ts={eventTime(e)} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </div>
          </div>
          <div className="grid" style={{ marginTop: 14 }}>
            <div className="card">
              <h3>Nodes</h3>
              <table className="mini-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Status</th>
                    <th>Roles</th>
                    <th>CPU used</th>
                    <th>CPU (15 min)</th>
                    <th>Memory used</th>
                    <th>Memory (15 min)</th>
                    <th>Pods</th>
                    <th>Age</th>
                  </tr>
                </thead>
                <tbody>
                  {nodes.map((n) => (
                    <tr key={n.metadata.name}>
                      <td>
                        <Link to={routeHref({ ctx, view: 'nodes', sel: { name: n.metadata.name } })}>{n.metadata.name}</Link>
                      </td>
                      <td>
                        <StatusBadge status={nodeReady(n)} />
                      </td>
                      <td className="muted">{nodeRoles(n)}</td>
                      <td>
                        <UsageBar used={nodeMetrics?.latest.get(n.metadata.name)?.cpu} total={parseQuantity(n.status?.allocatable?.cpu)} fmt={formatCpu} />
                      </td>
                      <td>
                        <Sparkline points={nodeMetrics?.cpuBy.get(n.metadata.name)?.points ?? []} width={110} height={22} />
                      </td>
                      <td>
                        <UsageBar used={nodeMetrics?.latest.get(n.metadata.name)?.memory} total={parseQuantity(n.status?.allocatable?.memory)} fmt={formatBytes} />
                      </td>
                      <td>
                        <Sparkline points={nodeMetrics?.memoryBy.get(n.metadata.name)?.points ?? []} width={110} height={22} color="var(--chart-2)" />
                      </td>
                      <td>
                        {podsPerNode.get(n.metadata.name) ?? 0}
                        <span className="muted"> / {n.status?.allocatable?.pods ?? '—'}</span>
                      </td>
                      <td>
                        <Age ts={n.metadata.creationTimestamp} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </div>
      </div>
    </div>
  );
}
