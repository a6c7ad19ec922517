import { ObjectLink, Section, StandardDetails, type DetailsProps } from '../../components/Details';

type Path = { path?: string; pathType?: string; backend?: { service?: { name: string; port?: { number?: number; name?: string } } } };

export function IngressDetails({ ctx, kind, obj }: DetailsProps) {
  const rules = (obj.spec?.rules ?? []) as { host?: string; http?: { paths?: Path[] } }[];
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title="Rules">
        <table className="mini-table">
          <thead>
            <tr>
              <th>Host</th>
              <th>Path</th>
              <th>Backend</th>
            </tr>
          </thead>
          <tbody>
            {rules.flatMap((r, i) =>
              (r.http?.paths ?? []).map((p, j) => (
                <tr key={`${i}-${j}`}>
                  <td>{r.host ?? '*'}</td>
                  <td className="mono">
                    {p.path ?? '/'} <span className="muted">({p.pathType})</span>
                  </td>
                  <td>
                    {p.backend?.service ? (
                      <>
                        <ObjectLink kind="Service" name={p.backend.service.name} namespace={obj.metadata.namespace} apiVersion="v1" />:{p.backend.service.port?.number ?? p.backend.service.port?.name}
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </Section>
    </StandardDetails>
  );
}
