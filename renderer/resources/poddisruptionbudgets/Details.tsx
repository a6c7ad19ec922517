import { KV, Section, StandardDetails, type DetailsProps } from '../../components/Details';

export function PdbDetails({ ctx, kind, obj }: DetailsProps) {
  const sel = obj.spec?.selector?.matchLabels as Record<string, string> | undefined;
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj}>
      <Section title="Budget">
        <KV
          rows={[
            ['Selector', sel ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
            ['Min available', obj.spec?.minAvailable],
            ['Max unavailable', obj.spec?.maxUnavailable],
            ['Healthy', `${obj.status?.currentHealthy ?? 0} current / ${obj.status?.desiredHealthy ?? 0} desired (${obj.status?.expectedPods ?? 0} pods)`],
            ['Allowed disruptions', obj.status?.disruptionsAllowed ?? 0],
          ]}
        />
      </Section>
    </StandardDetails>
  );
}
