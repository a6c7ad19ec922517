import { Section, StandardDetails, type DetailsProps } from '../../components/Details';

export function ConfigMapDetails({ ctx, kind, obj }: DetailsProps) {
  const data = Object.entries((obj.data ?? {}) as Record<string, string>);
  const bin = Object.keys((obj.binaryData ?? {}) as Record<string, string>);
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title={`Data (${data.length + bin.length})`}>
        {data.length + bin.length === 0 ? <div className="muted">No data.</div> : null}
        {data.map(([k, v]) => (
          <div key={k} style={{ marginBottom: 12 }}>
            <div className="mono" style={{ marginBottom: 4, fontWeight: 600 }}>
              {k}
            </div>
            <pre className="code" data-testid={`cm-${k}`}>{v}</pre>
          </div>
        ))}
        {bin.map((k) => (
          <div key={k} className="mono">
            {k} <span className="muted">(binary)</span>
          </div>
        ))}
      </Section>
    </StandardDetails>
  );
}
