import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { HpaDetails } from './Details';

export function hpaTargets(h: KubeObject): string {
  const metrics: { type: string; resource?: { name: string; target?: { averageUtilization?: number; averageValue?: string } } }[] = h.spec?.metrics ?? [];
  const current: { resource?: { name: string; current?: { averageUtilization?: number } } }[] = h.status?.currentMetrics ?? [];
  return metrics
    .map((m) => {
      if (m.type !== 'Resource' || !m.resource) return m.type;
      const cur = current.find((c) => c.resource?.name === m.resource?.name)?.resource?.current?.averageUtilization;
      const t = m.resource.target?.averageUtilization;
      return `${m.resource.name}: ${cur ?? '<unknown>'}${cur !== undefined ? '%' : ''}/${t ?? m.resource.target?.averageValue ?? '?'}${t !== undefined ? '%' : ''}`;
    })
    .join(', ');
}

const columns: Column[] = [
  nameCol(),
  textCol('ref', 'Reference', 'minmax(140px, 1.5fr)', (h) => `${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`),
  textCol('targets', 'Targets', 'minmax(140px, 1.5fr)', hpaTargets, { dim: true }),
  textCol('min', 'Min', '60px', (h) => h.spec?.minReplicas ?? 1, { align: 'right' }),
  textCol('max', 'Max', '60px', (h) => h.spec?.maxReplicas, { align: 'right' }),
  textCol('replicas', 'Replicas', '80px', (h) => h.status?.currentReplicas ?? 0, { align: 'right' }),
  ageCol,
];

export default function HpaList() {
  return <ResourceListPage kind={kindByKey('horizontalpodautoscalers')} columns={columns} Details={HpaDetails} />;
}
