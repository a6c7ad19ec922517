import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { PdbDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('min', 'Min available', '110px', (p) => p.spec?.minAvailable ?? 'N/A', { align: 'right' }),
  textCol('max', 'Max unavailable', '120px', (p) => p.spec?.maxUnavailable ?? 'N/A', { align: 'right' }),
  textCol('allowed', 'Allowed disruptions', '150px', (p) => p.status?.disruptionsAllowed ?? 0, { align: 'right' }),
  ageCol,
];

export default function PodDisruptionBudgetsList() {
  return <ResourceListPage kind={kindByKey('poddisruptionbudgets')} columns={columns} Details={PdbDetails} />;
}
