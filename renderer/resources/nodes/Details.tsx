import { useMemo, useState } from 'react';
import { kindByKey } from '../../lib/kinds';
import { useItems } from '../../lib/queryClient';
import { cordon, drain } from '../../lib/actions';
import { formatBytes, formatCpu, parseQuantity } from '../../lib/format';
import { KV, PodsTable, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { Confirm } from '../../components/Dialog';
import { Icon } from '../../components/Icons';
import { toast, toastError } from '../../components/Toasts';
import { Meter, podRequests } from '../overview/Overview';
import { useMetrics } from '../../lib/metrics';
import { MetricsState, SampleNote, UsageCard } from '../../components/Charts';

/** Node CPU/memory from NodeMetrics, sampled while the panel is open (lib/metrics.ts). */
function NodeUsage({ ctx, node }: { ctx: string; node: DetailsProps['obj'] }) {
  const snap = useMetrics(ctx, { kind: 'nodes' });
  const name = node.metadata.name;
  const alloc = node.status?.allocatable ?? {};
  return (
    <Section title="Usage" right={<SampleNote snap={snap} />}>
      {snap?.status === 'ok' && snap.cpuBy.get(name) ? (
        <div className="grid cols-2" data-testid="node-usage">
          <UsageCard title="CPU" points={snap.cpuBy.get(name)?.points ?? []} format={formatCpu} limit={parseQuantity(alloc.cpu)} limitLabel="allocatable" testId="node-cpu" />
          <UsageCard title="Memory" points={snap.memoryBy.get(name)?.points ?? []} format={formatBytes} binary limit={parseQuantity(alloc.memory)} limitLabel="allocatable" color="var(--chart-2)" testId="node-memory" />
        </div>
      ) : (
        <MetricsState snap={snap} compact missing="metrics.k8s.io reports no usage for this node (virtual nodes, or a node whose kubelet is not serving stats)." />
      )}
    </Section>
  );
}

export function NodeDetails({ ctx, kind, obj }: DetailsProps) {
  const [draining, setDraining] = useState(false);
  const pods = useItems({ ctx, kind: kindByKey('pods'), fieldSelector: `spec.nodeName=${obj.metadata.name}` }).items;
  const active = useMemo(() => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'), [pods]);
  const req = useMemo(() => podRequests(active), [active]);
  const alloc = obj.status?.allocatable ?? {};
  const info = obj.status?.nodeInfo ?? {};
  const unsched = !!obj.spec?.unschedulable;
  return (
    <StandardDetails
      ctx={ctx}
      kind={kind}
      obj={obj}
      actions={
        <>
          <button className="btn sm" data-testid="action-cordon" onClick={() => cordon(ctx, obj.metadata.name, !unsched).then(() => toast(unsched ? 'Node uncordoned' : 'Node cordoned', 'ok'), toastError)}>
            <Icon name="cordon" size={14} /> {unsched ? 'Uncordon' : 'Cordon'}
          </button>
          <button className="btn sm" data-testid="action-drain" onClick={() => setDraining(true)}>
            Drain
          </button>
          {draining ? (
            <Confirm
              title={`Drain ${obj.metadata.name}?`}
              body="The node is cordoned and its pods are evicted (DaemonSet pods stay), like kubectl drain --ignore-daemonsets."
              confirm="Drain"
              danger
              onClose={() => setDraining(false)}
              onConfirm={async () => {
                try {
                  const n = await drain(ctx, obj.metadata.name);
                  toast(`Drained: ${n.length} pod${n.length === 1 ? '' : 's'} evicted`, 'ok');
                } catch (e) {
                  toastError(e);
                }
              }}
            />
          ) : null}
        </>
      }
    >
      <NodeUsage ctx={ctx} node={obj} />
      <Section title="Capacity vs requests">
        <Meter label="CPU" used={req.cpu} total={parseQuantity(alloc.cpu)} fmt={formatCpu} />
        <Meter label="Memory" used={req.memory} total={parseQuantity(alloc.memory)} fmt={formatBytes} />
        <Meter label="Pods" used={active.length} total={parseQuantity(alloc.pods)} fmt={(n) => String(Math.round(n))} />
      </Section>
      <Section title="System">
        <KV
          rows={[
            ['Schedulable', unsched ? 'no (cordoned)' : 'yes'],
            ['OS / arch', `${info.operatingSystem ?? ''} ${info.architecture ?? ''}`],
            ['OS image', info.osImage],
            ['Kernel', info.kernelVersion],
            ['Container runtime', info.containerRuntimeVersion],
            ['Kubelet', info.kubeletVersion],
            ['Addresses', ((obj.status?.addresses ?? []) as { type: string; address: string }[]).map((a) => `${a.type}: ${a.address}`).join(', ')],
            ['Taints', ((obj.spec?.taints ?? []) as { key: string; value?: string; effect: string }[]).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')],
          ]}
        />
      </Section>
      <Section title={`Pods (${active.length})`}>
        <PodsTable pods={active} />
      </Section>
    </StandardDetails>
  );
}
