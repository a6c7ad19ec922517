/**
 * A resource kind's page: header (title, live state, create), the virtualized table and the
 * details drawer of the selected object. Every kind's List.tsx is a thin call of this.
 */
import { useMemo, useState, type ComponentType, type ReactNode } from 'react';
import type { KindInfo } from '../lib/kinds';
import type { KubeObject } from '../lib/listState';
import { useList } from '../lib/queryClient';
import { updateRoute, useRoute } from '../lib/router';
import { ResourceTable, type Column } from './ResourceTable';
import { withNamespace } from './columns';
import { DetailsDrawer, type DetailsProps } from './Details';
import { LivePhase } from './Status';
import { Icon } from './Icons';
import { CreateDialog, ErrorBox } from './Yaml';
import { templateFor } from '../resources/templates';

export interface ListPageProps {
  kind: KindInfo;
  columns: Column[];
  Details: ComponentType<DetailsProps>;
  defaultSort?: { id: string; desc?: boolean };
  searchText?: (o: KubeObject) => string;
  /** Items shown (e.g. Events: only Warnings); defaults to all. */
  filterItems?: (items: KubeObject[]) => KubeObject[];
  headerExtra?: ReactNode;
}

export function ResourceListPage({ kind, columns, Details, defaultSort, searchText, filterItems, headerExtra }: ListPageProps) {
  const r = useRoute();
  const ns = kind.namespaced ? r.ns : '';
  const q = useList({ ctx: r.ctx, kind, namespace: ns });
  const [creating, setCreating] = useState(false);
  const all = q.data?.items;
  const items = useMemo(() => (all && filterItems ? filterItems(all) : (all ?? [])), [all, filterItems]);
  const cols = useMemo(() => withNamespace(columns, kind.namespaced && !ns), [columns, kind.namespaced, ns]);
  const selKey = r.sel ? `${kind.namespaced ? (r.sel.namespace ?? '') : ''}/${r.sel.name}` : undefined;
  const selected = useMemo(() => (selKey ? items.find((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` === selKey) : undefined), [items, selKey]);
  return (
    <div className="main">
      <div className="page" data-testid={`page-${kind.key}`}>
        <div className="page-head">
          <h1>{kind.title}</h1>
          <span className="sub">{kind.namespaced ? (ns ? `namespace ${ns}` : 'all namespaces') : 'cluster-wide'}</span>
          <LivePhase phase={q.data?.phase} error={q.data?.error} />
          <div className="actions">
            {headerExtra}
            <button className="btn primary" onClick={() => setCreating(true)} data-testid="create">
              <Icon name="plus" size={14} /> Create
            </button>
          </div>
        </div>
        {q.error ? (
          <div className="banner">
            <ErrorBox error={q.error} />
          </div>
        ) : null}
        <div className="page-body">
          <ResourceTable
            columns={cols}
            items={items}
            filter={r.q}
            searchText={searchText}
            selectedKey={selKey}
            onSelect={(o) => updateRoute(r, { sel: { namespace: o.metadata.namespace, name: o.metadata.name }, tab: r.tab })}
            defaultSort={defaultSort}
            loading={q.isLoading}
            empty={
              <>
                <b>No {kind.title.toLowerCase()}</b>
                {r.q ? 'Nothing matches the filter.' : kind.namespaced && ns ? `There are none in namespace ${ns}.` : 'There are none yet.'}
              </>
            }
          />
        </div>
      </div>
      {r.sel ? selected ? <Details ctx={r.ctx} kind={kind} obj={selected} /> : <DetailsDrawer ctx={r.ctx} kind={kind} obj={undefined} tabs={[]} missing={r.sel.name} /> : null}
      {creating ? <CreateDialog ctx={r.ctx} namespace={ns || 'default'} initial={templateFor(kind, ns || 'default')} initialKind={kind.key} onClose={() => setCreating(false)} /> : null}
    </div>
  );
}
