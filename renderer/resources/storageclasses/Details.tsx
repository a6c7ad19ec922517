import { KV, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { isDefaultClass } from './List';

export function StorageClassDetails({ ctx, kind, obj }: DetailsProps) {
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null} events={false}>
      <Section title="Storage class">
        <KV
          rows={[
            ['Provisioner', obj.provisioner as string],
            ['Default', isDefaultClass(obj) ? 'yes' : 'no'],
            ['Reclaim policy', (obj.reclaimPolicy as string) ?? 'Delete'],
            ['Binding mode', (obj.volumeBindingMode as string) ?? 'Immediate'],
            ['Expansion', String(!!obj.allowVolumeExpansion)],
            ['Parameters', <span className="mono">{Object.entries((obj.parameters ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(', ') || '—'}</span>],
          ]}
        />
      </Section>
    </StandardDetails>
  );
}
