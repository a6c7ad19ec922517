import type { KubeObject } from '../../lib/listState';
import { formatBytes, formatCpu, parseQuantity, podStatus } from '../../lib/format';
import { useMetrics } from '../../lib/metrics';
import { MetricsState, SampleNote, UsageCard } from '../../components/Charts';
import { ImagePulls } from '../../components/Progress';
import { updateRoute, useRoute } from '../../lib/router';
import { KV, ObjectLink, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { StatusBadge } from '../../components/Status';
import { LogsView } from '../../components/Logs';
import { TerminalView } from '../../components/Terminal';
import { ForwardButton } from '../../components/Actions';
import { Icon } from '../../components/Icons';

interface Container {
  name: string;
  image: string;
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

function containerState(s: { state?: Record<string, { reason?: string; exitCode?: number }> } | undefined): string {
  if (!s?.state) return 'Waiting';
  const [k, v] = Object.entries(s.state)[0] ?? ['waiting', {}];
  if (k === 'running') return 'Running';
  return v?.reason ?? (k === 'terminated' ? `ExitCode:${v?.exitCode}` : 'Waiting');
}

export function containerNames(pod: KubeObject): string[] {
  return [...((pod.spec?.containers ?? []) as Container[]).map((c) => c.name), ...((pod.spec?.initContainers ?? []) as Container[]).map((c) => c.name)];
}

/** Sum of a resource over containers, or undefined unless every container sets it. */
function sumOf(containers: Container[], what: 'limits' | 'requests', res: 'cpu' | 'memory'): number | undefined {
  let n = 0;
  for (const c of containers) {
    const v = c.resources?.[what]?.[res];
    if (v === undefined) return undefined;
    n += parseQuantity(v);
  }
  return containers.length ? n : undefined;
}

/** CPU and memory of a running pod, sampled while its details are open (see lib/metrics.ts). */
function PodUsage({ ctx, pod, containers }: { ctx: string; pod: KubeObject; containers: Container[] }) {
  const running = pod.status?.phase === 'Running';
  const snap = useMetrics(ctx, { kind: 'pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name }, running);
  if (!running) return null;
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  return (
    <Section title="Usage" right={<SampleNote snap={snap} />}>
      {snap?.status === 'ok' ? (
        <div className="grid cols-2" data-testid="pod-usage">
          <UsageCard title="CPU" points={snap.cpuBy.get(key)?.points ?? []} format={formatCpu} limit={sumOf(containers, 'limits', 'cpu')} limitLabel="limit" testId="pod-cpu" />
          <UsageCard title="Memory" points={snap.memoryBy.get(key)?.points ?? []} format={formatBytes} binary limit={sumOf(containers, 'limits', 'memory')} limitLabel="limit" color="var(--chart-2)" testId="pod-memory" />
        </div>
      ) : (
        <MetricsState snap={snap} compact />
      )}
    </Section>
  );
}

function ContainerUsage({ ctx, pod, container }: { ctx: string; pod: KubeObject; container: string }) {
  const snap = useMetrics(ctx, { kind: 'pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name }, pod.status?.phase === 'Running');
  const u = snap?.containers.get(`${pod.metadata.namespace}/${pod.metadata.name}/${container}`);
  if (!u) return <span className="muted">—</span>;
  return (
    <span className="mono" style={{ whiteSpace: 'nowrap' }}>
      {formatCpu(u.cpu)} · {formatBytes(u.memory)}
    </span>
  );
}

export function PodDetails({ ctx, kind, obj }: DetailsProps) {
  const r = useRoute();
  const ns = obj.metadata.namespace ?? 'default';
  const statuses: { name: string; ready?: boolean; restartCount?: number; state?: Record<string, { reason?: string }> }[] = obj.status?.containerStatuses ?? [];
  const containers = (obj.spec?.containers ?? []) as Container[];
  const names = containerNames(obj);
  return (
    <StandardDetails
      ctx={ctx}
      kind={kind}
      obj={obj}
      actions={
        <>
          <button className="btn sm" onClick={() => updateRoute(r, { tab: 'logs' }, true)} data-testid="action-logs">
            <Icon name="logs" size={14} /> Logs
          </button>
          <button className="btn sm" onClick={() => updateRoute(r, { tab: 'terminal' }, true)} data-testid="action-shell">
            <Icon name="terminal" size={14} /> Shell
          </button>
        </>
      }
      tabs={[
        { id: 'logs', title: 'Logs', flush: true, render: () => <LogsView ctx={ctx} sources={[{ namespace: ns, pod: obj.metadata.name, containers: names }]} /> },
        { id: 'terminal', title: 'Terminal', flush: true, render: () => <TerminalView ctx={ctx} namespace={ns} pod={obj.metadata.name} containers={containers.map((c) => c.name)} /> },
      ]}
    >
      <Section title="Status">
        <KV
          rows={[
            ['Status', <StatusBadge status={podStatus(obj)} />],
            ['Node', obj.spec?.nodeName ? <ObjectLink kind="Node" name={obj.spec.nodeName} apiVersion="v1" /> : 'not scheduled'],
            ['Pod IP', obj.status?.podIP],
            ['Host IP', obj.status?.hostIP],
            ['QoS class', obj.status?.qosClass],
            ['Service account', obj.spec?.serviceAccountName],
            ['Restart policy', obj.spec?.restartPolicy],
            ['Message', obj.status?.message],
          ]}
        />
      </Section>
      <ImagePulls ctx={ctx} pod={obj} />
      <PodUsage ctx={ctx} pod={obj} containers={containers} />
      <Section title="Containers">
        <table className="mini-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Image</th>
              <th>State</th>
              <th>Restarts</th>
              <th>Usage</th>
              <th>Ports</th>
            </tr>
          </thead>
          <tbody>
            {containers.map((c) => {
              const s = statuses.find((x) => x.name === c.name);
              return (
                <tr key={c.name}>
                  <td>
                    <b>{c.name}</b>
                  </td>
                  <td className="mono">{c.image}</td>
                  <td>
                    <StatusBadge status={containerState(s)} />
                    {s?.ready ? <span className="muted"> ready</span> : null}
                  </td>
                  <td>{s?.restartCount ?? 0}</td>
                  <td>
                    <ContainerUsage ctx={ctx} pod={obj} container={c.name} />
                  </td>
                  <td>
                    {(c.ports ?? []).map((p) => (
                      <div key={p.containerPort} className="row-gap" style={{ marginBottom: 4 }}>
                        <span className="mono">
                          {p.containerPort}/{p.protocol ?? 'TCP'}
                          {p.name ? ` (${p.name})` : ''}
                        </span>
                        <ForwardButton ctx={ctx} namespace={ns} pod={obj.metadata.name} port={p.containerPort} />
                      </div>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
    </StandardDetails>
  );
}
