import { KV, ObjectLink, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { StatusBadge } from '../../components/Status';

export function PvDetails({ ctx, kind, obj }: DetailsProps) {
  const claim = obj.spec?.claimRef;
  const source = Object.keys(obj.spec ?? {}).find((k) => ['hostPath', 'local', 'nfs', 'csi', 'emptyDir'].includes(k));
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj}>
      <Section title="Volume">
        <KV
          rows={[
            ['Status', <StatusBadge status={obj.status?.phase ?? 'Pending'} />],
            ['Capacity', obj.spec?.capacity?.storage],
            ['Access modes', (obj.spec?.accessModes ?? []).join(', ')],
            ['Reclaim policy', obj.spec?.persistentVolumeReclaimPolicy],
            ['Storage class', obj.spec?.storageClassName],
            ['Claim', claim ? <ObjectLink kind="PersistentVolumeClaim" name={claim.name} namespace={claim.namespace} apiVersion="v1" /> : undefined],
            ['Source', source ? <span className="mono">{source}: {JSON.stringify(obj.spec[source])}</span> : undefined],
          ]}
        />
      </Section>
    </StandardDetails>
  );
}
