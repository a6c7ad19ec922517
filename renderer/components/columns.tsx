/** Column builders shared by the List pages. */
import type { KubeObject } from '../lib/listState';
import { Age, StatusBadge } from './Status';
import type { Column } from './ResourceTable';

export const nameCol = (width = 'minmax(220px, 3fr)'): Column => ({
  id: 'name',
  title: 'Name',
  width,
  className: 'name',
  cell: (o) => <span title={o.metadata.name}>{o.metadata.name}</span>,
  sort: (o) => o.metadata.name,
});

export const namespaceCol: Column = {
  id: 'namespace',
  title: 'Namespace',
  width: 'minmax(110px, 1fr)',
  className: 'dim',
  cell: (o) => o.metadata.namespace ?? '',
  sort: (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`,
};

export const ageCol: Column = {
  id: 'age',
  title: 'Age',
  width: '72px',
  align: 'right',
  className: 'dim',
  cell: (o) => <Age ts={o.metadata.creationTimestamp} />,
  // Older first when ascending would be odd; sort by creation time descending = newest first.
  sort: (o) => -Date.parse(o.metadata.creationTimestamp ?? '1970-01-01T00:00:00Z'),
};

export function textCol(id: string, title: string, width: string, get: (o: KubeObject) => string | number | undefined, opts: { align?: 'right'; dim?: boolean } = {}): Column {
  return {
    id,
    title,
    width,
    align: opts.align,
    className: opts.dim ? 'dim' : undefined,
    cell: (o) => {
      const v = get(o);
      return v === undefined || v === '' ? <span className="muted">—</span> : <span title={String(v)}>{v}</span>;
    },
    sort: (o) => get(o) ?? '',
  };
}

export function statusCol(get: (o: KubeObject) => string, width = '150px', title = 'Status'): Column {
  return { id: 'status', title, width, cell: (o) => <StatusBadge status={get(o)} />, sort: (o) => get(o) };
}

/** Inserts the Namespace column after Name when all namespaces are shown. */
export function withNamespace(cols: Column[], show: boolean): Column[] {
  if (!show) return cols;
  const i = cols.findIndex((c) => c.id === 'name');
  return [...cols.slice(0, i + 1), namespaceCol, ...cols.slice(i + 1)];
}
