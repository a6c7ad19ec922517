import { kindByKey } from '../../lib/kinds';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { ConfigMapDetails } from './Details';

const columns: Column[] = [
  nameCol(),
  textCol('data', 'Data', '70px', (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length, { align: 'right' }),
  textCol('keys', 'Keys', 'minmax(120px, 2fr)', (c) => Object.keys(c.data ?? {}).join(', '), { dim: true }),
  ageCol,
];

export default function ConfigMapsList() {
  return <ResourceListPage kind={kindByKey('configmaps')} columns={columns} Details={ConfigMapDetails} />;
}
