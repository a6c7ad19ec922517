import { kindByKey } from '../../lib/kinds';
import { podReady, podRestarts, podStatus } from '../../lib/format';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { PodStatusCell, PullIndexProvider } from '../../components/Progress';
import { useRoute } from '../../lib/router';
import { PodDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('ready', 'Ready', '70px', podReady),
  { ...statusCol(podStatus, '190px'), cell: (p) => <PodStatusCell pod={p} /> },
  textCol('restarts', 'Restarts', '80px', podRestarts, { align: 'right' }),
  textCol('ip', 'IP', '120px', (p) => p.status?.podIP, { dim: true }),
  textCol('node', 'Node', 'minmax(100px, 1fr)', (p) => p.spec?.nodeName, { dim: true }),
  ageCol,
];

export default function PodsList() {
  const r = useRoute();
  // Pull progress comes from the kubelet's events of the namespace shown (shared live list).
  return (
    <PullIndexProvider ctx={r.ctx} namespace={r.ns || undefined}>
      <ResourceListPage kind={kindByKey('pods')} columns={columns} Details={PodDetails} searchText={(p) => `${podStatus(p)} ${p.spec?.nodeName ?? ''} ${p.status?.podIP ?? ''}`} />
    </PullIndexProvider>
  );
}
