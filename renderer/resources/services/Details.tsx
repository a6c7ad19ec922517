import { useMemo } from 'react';
import { kindByKey } from '../../lib/kinds';
import { useItems } from '../../lib/queryClient';
import { KV, PodsTable, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { ForwardButton } from '../../components/Actions';
import { externalIp } from './List';

/** Service → its pods (selector) → their nodes: the topology in one page. */
export function ServiceDetails({ ctx, kind, obj }: DetailsProps) {
  const ns = obj.metadata.namespace ?? 'default';
  const sel = (obj.spec?.selector ?? {}) as Record<string, string>;
  const pods = useItems({ ctx, kind: kindByKey('pods'), namespace: ns }).items;
  const matched = useMemo(() => {
    const e = Object.entries(sel);
    if (!e.length) return [];
    return pods.filter((p) => e.every(([k, v]) => p.metadata.labels?.[k] === v));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pods, JSON.stringify(sel)]);
  const ports = (obj.spec?.ports ?? []) as { name?: string; port: number; targetPort?: number | string; nodePort?: number; protocol?: string }[];
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title="Service">
        <KV
          rows={[
            ['Type', obj.spec?.type ?? 'ClusterIP'],
            ['Cluster IP', obj.spec?.clusterIP],
            ['External IP', externalIp(obj)],
            ['Session affinity', obj.spec?.sessionAffinity],
            ['Selector', <span className="mono">{Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(', ') || '—'}</span>],
          ]}
        />
      </Section>
      <Section title="Ports">
        <table className="mini-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Port</th>
              <th>Target</th>
              <th>Node port</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {ports.map((p) => (
              <tr key={`${p.port}/${p.protocol ?? 'TCP'}`}>
                <td>{p.name ?? '—'}</td>
                <td className="mono">
                  {p.port}/{p.protocol ?? 'TCP'}
                </td>
                <td className="mono">{p.targetPort ?? p.port}</td>
                <td className="mono">{p.nodePort ?? '—'}</td>
                <td>{(p.protocol ?? 'TCP') === 'TCP' ? <ForwardButton ctx={ctx} namespace={ns} service={obj.metadata.name} port={p.port} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={`Pods behind it (${matched.length})`}>
        <PodsTable pods={matched} />
      </Section>
    </StandardDetails>
  );
}
