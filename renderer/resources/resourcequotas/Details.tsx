import { Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { ProgressBar } from '../../components/Progress';
import { parseQuantity } from '../../lib/format';

/** Used vs hard per resource, with a bar that turns amber at 80 % and red when full (as Lens). */
export function ResourceQuotaDetails({ ctx, kind, obj }: DetailsProps) {
  const hard = (obj.status?.hard ?? obj.spec?.hard ?? {}) as Record<string, string>;
  const used = (obj.status?.used ?? {}) as Record<string, string>;
  const scopes: string[] = obj.spec?.scopes ?? [];
  const rows = Object.keys(hard).sort();
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title="Usage">
        {rows.length === 0 ? <div className="muted">No hard limits.</div> : null}
        <table className="mini-table" data-testid="quota-usage">
          <tbody>
            {rows.map((r) => {
              const u = parseQuantity(used[r] ?? '0');
              const h = parseQuantity(hard[r]);
              const ratio = h > 0 ? u / h : u > 0 ? 1 : 0;
              return (
                <tr key={r}>
                  <td className="mono">{r}</td>
                  <td className="mono" style={{ textAlign: 'right', whiteSpace: 'nowrap' }}>
                    {used[r] ?? '0'} / {hard[r]}
                  </td>
                  <td style={{ width: '40%' }}>
                    <ProgressBar value={u} max={h || 1} tone={ratio >= 1 ? 'bad' : ratio >= 0.8 ? 'warn' : 'ok'} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {scopes.length ? <div className="muted" style={{ marginTop: 8 }}>Scopes: {scopes.join(', ')}</div> : null}
      </Section>
    </StandardDetails>
  );
}
