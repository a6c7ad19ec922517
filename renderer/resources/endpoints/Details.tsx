import { ObjectLink, Section, StandardDetails, type DetailsProps } from '../../components/Details';

type Addr = { ip: string; nodeName?: string; targetRef?: { kind: string; name: string; namespace?: string } };
type Subset = { addresses?: Addr[]; notReadyAddresses?: Addr[]; ports?: { name?: string; port: number; protocol?: string }[] };

export function EndpointsDetails({ ctx, kind, obj }: DetailsProps) {
  const subsets = (obj.subsets ?? []) as Subset[];
  const rows = subsets.flatMap((s) => [...(s.addresses ?? []).map((a) => ({ a, ready: true, s })), ...(s.notReadyAddresses ?? []).map((a) => ({ a, ready: false, s }))]);
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title={`Addresses (${rows.length})`}>
        <table className="mini-table">
          <thead>
            <tr>
              <th>IP</th>
              <th>Ready</th>
              <th>Target</th>
              <th>Node</th>
              <th>Ports</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ a, ready, s }, i) => (
              <tr key={i}>
                <td className="mono">{a.ip}</td>
                <td>{ready ? 'yes' : 'no'}</td>
                <td>{a.targetRef ? <ObjectLink kind={a.targetRef.kind} name={a.targetRef.name} namespace={a.targetRef.namespace} apiVersion="v1" /> : '—'}</td>
                <td>{a.nodeName ?? '—'}</td>
                <td className="mono">{(s.ports ?? []).map((p) => `${p.name ? `${p.name}:` : ''}${p.port}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </StandardDetails>
  );
}
