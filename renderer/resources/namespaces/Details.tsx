import { navigate, routeHref } from '../../lib/router';
import { KV, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { StatusBadge } from '../../components/Status';

export function NamespaceDetails({ ctx, kind, obj }: DetailsProps) {
  return (
    <StandardDetails
      ctx={ctx}
      kind={kind}
      obj={obj}
      actions={
        <button className="btn sm" onClick={() => navigate(routeHref({ ctx, view: 'pods', ns: obj.metadata.name }))}>
          Show workloads
        </button>
      }
    >
      <Section title="Namespace">
        <KV rows={[['Status', <StatusBadge status={obj.status?.phase ?? 'Active'} />]]} />
      </Section>
    </StandardDetails>
  );
}
