import { KV, ObjectLink, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { hpaTargets } from './List';

export function HpaDetails({ ctx, kind, obj }: DetailsProps) {
  const ref = obj.spec?.scaleTargetRef ?? {};
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj}>
      <Section title="Scaling">
        <KV
          rows={[
            ['Target', ref.kind ? <ObjectLink kind={ref.kind} name={ref.name} namespace={obj.metadata.namespace} apiVersion={ref.apiVersion} /> : undefined],
            ['Replicas', `${obj.status?.currentReplicas ?? 0} current → ${obj.status?.desiredReplicas ?? 0} desired (min ${obj.spec?.minReplicas ?? 1}, max ${obj.spec?.maxReplicas})`],
            ['Metrics', hpaTargets(obj)],
          ]}
        />
      </Section>
    </StandardDetails>
  );
}
