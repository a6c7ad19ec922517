import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { ageCol, nameCol, textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { IngressDetails } from './Details';

export function ingressHosts(i: KubeObject): string {
  return ((i.spec?.rules ?? []) as { host?: string }[]).map((r) => r.host ?? '*').join(', ');
}

const columns: Column[] = [
  nameCol(),
  textCol('class', 'Class', '110px', (i) => i.spec?.ingressClassName, { dim: true }),
  textCol('hosts', 'Hosts', 'minmax(140px, 2fr)', ingressHosts),
  textCol('address', 'Address', '130px', (i) => ((i.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[]).map((x) => x.ip ?? x.hostname).join(','), { dim: true }),
  textCol('ports', 'Ports', '70px', (i) => ((i.spec?.tls ?? []).length ? '80, 443' : '80'), { dim: true }),
  ageCol,
];

export default function IngressesList() {
  return <ResourceListPage kind={kindByKey('ingresses')} columns={columns} Details={IngressDetails} />;
}
