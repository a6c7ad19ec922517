import { KV, ObjectLink, Section, StandardDetails, eventTime, type DetailsProps } from '../../components/Details';
import { Age } from '../../components/Status';

export function EventDetails({ ctx, kind, obj }: DetailsProps) {
  const io = (obj.involvedObject ?? {}) as { kind?: string; name?: string; namespace?: string; apiVersion?: string };
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null} events={false}>
      <Section title="Event">
        <KV
          rows={[
            ['Type', obj.type as string],
            ['Reason', obj.reason as string],
            ['Object', io.kind && io.name ? <ObjectLink kind={io.kind} name={io.name} namespace={io.namespace} apiVersion={io.apiVersion} /> : undefined],
            ['Message', obj.message as string],
            ['Source', ((obj.source as { component?: string } | undefined)?.component ?? obj.reportingComponent) as string],
            ['Count', String(obj.count ?? 1)],
            ['Last seen', <span><Age ts={eventTime(obj)} /> ago</span>],
          ]}
        />
      </Section>
    </StandardDetails>
  );
}
