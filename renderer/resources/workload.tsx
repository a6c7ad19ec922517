/** Details shared by the workload kinds: replicas, selector, images, owned pods, workload logs. */
import type { ReactNode } from 'react';
import type { KubeObject } from '../lib/listState';
import { selectorString } from '../lib/format';
import { KV, PodsTable, Section, StandardDetails, useOwnedPods, type DetailsProps } from '../components/Details';
import { WorkloadActions } from '../components/Actions';
import { LogsView } from '../components/Logs';

export function images(o: KubeObject): string {
  const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec ?? {};
  return ((spec.containers ?? []) as { image: string }[]).map((c) => c.image).join(', ');
}

export function WorkloadDetails({ ctx, kind, obj, rows, extraActions, children }: DetailsProps & { rows: [string, ReactNode][]; extraActions?: ReactNode; children?: ReactNode }) {
  const pods = useOwnedPods(ctx, obj);
  const containers = ((obj.spec?.template?.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
  return (
    <StandardDetails
      ctx={ctx}
      kind={kind}
      obj={obj}
      actions={
        <>
          <WorkloadActions ctx={ctx} kind={kind} obj={obj} />
          {extraActions}
        </>
      }
      tabs={[
        {
          id: 'logs',
          title: `Logs (${pods.length} pod${pods.length === 1 ? '' : 's'})`,
          flush: true,
          render: () =>
            pods.length ? (
              <LogsView ctx={ctx} title={obj.metadata.name} sources={pods.map((p) => ({ namespace: p.metadata.namespace ?? 'default', pod: p.metadata.name, containers }))} />
            ) : (
              <div className="empty">No pods yet.</div>
            ),
        },
      ]}
    >
      {children}
      <Section title="Spec">
        <KV rows={[...rows, ['Selector', <span className="mono">{selectorString(obj.spec?.selector) || '—'}</span>], ['Images', <span className="mono">{images(obj)}</span>]]} />
      </Section>
      <Section title={`Pods (${pods.length})`}>
        <PodsTable pods={pods} />
      </Section>
    </StandardDetails>
  );
}
