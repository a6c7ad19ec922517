import { kindByKey } from '../../lib/kinds';
import { podReady, podRestarts, podStatus } from '../../lib/format';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, statusCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { PodDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('ready', 'Ready', '70px', podReady),
  statusCol(podStatus, '170px'),
  textCol('restarts', 'Restarts', '80px', podRestarts, { align: 'right' }),
  textCol('ip', 'IP', '120px', (p) => p.status?.podIP, { dim: true }),
  textCol('node', 'Node', 'minmax(100px, 1fr)', (p) => p.spec?.nodeName, { dim: true }),
  ageCol,
];

export default function PodsList() {
  return <ResourceListPage kind={kindByKey('pods')} columns={columns} Details={PodDetails} searchText={(p) => `${podStatus(p)} ${p.spec?.nodeName ?? ''} ${p.status?.podIP ?? ''}`} />;
}
