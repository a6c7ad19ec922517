import { Section, StandardDetails, type DetailsProps } from '../../components/Details';

type Limit = { type?: string; min?: Record<string, string>; max?: Record<string, string>; default?: Record<string, string>; defaultRequest?: Record<string, string>; maxLimitRequestRatio?: Record<string, string> };

const FIELDS = ['min', 'max', 'defaultRequest', 'default', 'maxLimitRequestRatio'] as const;

/** One row per type × resource, the layout of `kubectl describe limitrange`. */
export function LimitRangeDetails({ ctx, kind, obj }: DetailsProps) {
  const limits: Limit[] = obj.spec?.limits ?? [];
  const rows: { type: string; resource: string; values: (string | undefined)[] }[] = [];
  for (const l of limits) {
    const resources = new Set<string>();
    for (const f of FIELDS) for (const r of Object.keys(l[f] ?? {})) resources.add(r);
    for (const r of [...resources].sort()) rows.push({ type: l.type ?? '?', resource: r, values: FIELDS.map((f) => l[f]?.[r]) });
  }
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title="Limits">
        {rows.length === 0 ? <div className="muted">No limits.</div> : null}
        <table className="mini-table" data-testid="limitrange-table">
          <thead>
            <tr>
              <th>Type</th>
              <th>Resource</th>
              <th>Min</th>
              <th>Max</th>
              <th>Default request</th>
              <th>Default limit</th>
              <th>Max limit/request</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.type}/${r.resource}`}>
                <td>{r.type}</td>
                <td className="mono">{r.resource}</td>
                {r.values.map((v, i) => (
                  <td key={i} className="mono">
                    {v ?? '-'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </StandardDetails>
  );
}
