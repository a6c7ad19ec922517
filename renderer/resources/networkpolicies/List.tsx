import { kindByKey } from '../../lib/kinds';
import { selectorString } from '../../lib/format';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { NetworkPolicyDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('podselector', 'Pod selector', 'minmax(140px, 2fr)', (n) => selectorString(n.spec?.podSelector) || '(all pods)', { dim: true }),
  textCol('types', 'Policy types', '140px', (n) => (n.spec?.policyTypes ?? ['Ingress']).join(', ')),
  ageCol,
];

export default function NetworkPoliciesList() {
  return <ResourceListPage kind={kindByKey('networkpolicies')} columns={columns} Details={NetworkPolicyDetails} />;
}
