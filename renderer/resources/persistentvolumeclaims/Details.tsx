import { KV, ObjectLink, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { StatusBadge } from '../../components/Status';

export function PvcDetails({ ctx, kind, obj }: DetailsProps) {
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj}>
      <Section title="Claim">
        <KV
          rows={[
            ['Status', <StatusBadge status={obj.status?.phase ?? 'Pending'} />],
            ['Volume', obj.spec?.volumeName ? <ObjectLink kind="PersistentVolume" name={obj.spec.volumeName} apiVersion="v1" /> : undefined],
            ['Requested', obj.spec?.resources?.requests?.storage],
            ['Capacity', obj.status?.capacity?.storage],
            ['Access modes', (obj.spec?.accessModes ?? []).join(', ')],
            ['Storage class', obj.spec?.storageClassName],
            ['Volume mode', obj.spec?.volumeMode],
          ]}
        />
      </Section>
    </StandardDetails>
  );
}
