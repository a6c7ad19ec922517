import { useState } from 'react';
import { KV, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { Icon } from '../../components/Icons';

function decode(b64: string): string {
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } catch {
    return '(not valid base64)';
  }
}

/** Values stay hidden until revealed, one key at a time (and are never in the DOM before). */
export function SecretDetails({ ctx, kind, obj }: DetailsProps) {
  const [shown, setShown] = useState<Record<string, boolean>>({});
  const data = Object.entries((obj.data ?? {}) as Record<string, string>);
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title="Secret">
        <KV rows={[['Type', obj.type as string]]} />
      </Section>
      <Section title={`Data (${data.length})`}>
        <table className="mini-table">
          <tbody>
            {data.map(([k, v]) => (
              <tr key={k}>
                <td style={{ width: 180 }} className="mono">
                  <b>{k}</b>
                </td>
                <td className="secret-val" data-testid={`secret-${k}`}>
                  {shown[k] ? decode(v) : '••••••••'}
                </td>
                <td style={{ width: 90 }}>
                  <button className="btn sm" onClick={() => setShown((s) => ({ ...s, [k]: !s[k] }))} data-testid={`reveal-${k}`}>
                    <Icon name="eye" size={14} /> {shown[k] ? 'Hide' : 'Reveal'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </StandardDetails>
  );
}
