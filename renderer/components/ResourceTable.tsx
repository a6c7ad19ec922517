/**
 * The shared resource table: sortable columns, text filter, virtualized rows. Only the rows in
 * view exist in the DOM, so 50,000 pods scroll like 50; sorting and filtering are memoized on
 * the (batched) list snapshot.
 */
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { KubeObject } from '../lib/listState';

export interface Column {
  id: string;
  title: string;
  /** CSS grid track, e.g. `minmax(200px, 2fr)` or `90px`. */
  width: string;
  cell: (o: KubeObject) => ReactNode;
  /** Sort key; columns without one aren't sortable. */
  sort?: (o: KubeObject) => string | number;
  align?: 'right';
  className?: string;
}

export interface TableProps {
  columns: Column[];
  items: KubeObject[];
  filter: string;
  /** Extra text a row is searchable by (name, namespace and labels always are). */
  searchText?: (o: KubeObject) => string;
  selectedKey?: string;
  onSelect: (o: KubeObject) => void;
  defaultSort?: { id: string; desc?: boolean };
  empty?: ReactNode;
  loading?: boolean;
  footer?: ReactNode;
}

/** One collator for all sorts: Intl.Collator#compare is an order of magnitude faster than localeCompare with options. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function rowKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function matches(o: KubeObject, terms: string[], extra?: (o: KubeObject) => string): boolean {
  const m = o.metadata;
  let hay = `${m.name} ${m.namespace ?? ''}`;
  if (m.labels) for (const [k, v] of Object.entries(m.labels)) hay += ` ${k}=${v}`;
  if (extra) hay += ` ${extra(o)}`;
  hay = hay.toLowerCase();
  return terms.every((t) => hay.includes(t));
}

export function ResourceTable({ columns, items, filter, searchText, selectedKey, onSelect, defaultSort, empty, loading, footer }: TableProps) {
  const [sort, setSort] = useState<{ id: string; desc: boolean }>({ id: defaultSort?.id ?? 'name', desc: !!defaultSort?.desc });
  const grid = columns.map((c) => c.width).join(' ');
  const rows = useMemo(() => {
    const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const filtered = terms.length ? items.filter((o) => matches(o, terms, searchText)) : items.slice();
    const col = columns.find((c) => c.id === sort.id && c.sort);
    if (col?.sort) {
      const key = col.sort;
      const keyed = filtered.map((o) => ({ o, k: key(o) }));
      keyed.sort((a, b) => {
        const r = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : collator.compare(String(a.k), String(b.k));
        return sort.desc ? -r : r;
      });
      return keyed.map((x) => x.o);
    }
    return filtered;
  }, [items, filter, sort, columns, searchText]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => 34, overscan: 12 });

  const toggle = (c: Column) => {
    if (!c.sort) return;
    setSort((s) => (s.id === c.id ? { id: c.id, desc: !s.desc } : { id: c.id, desc: false }));
  };

  return (
    <div className="table" role="table">
      <div className="thead" style={{ gridTemplateColumns: grid }} role="row">
        {columns.map((c) => (
          <div key={c.id} className={`th${c.align === 'right' ? ' right' : ''}`} onClick={() => toggle(c)} role="columnheader" aria-sort={sort.id === c.id ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
            {c.title}
            {sort.id === c.id && c.sort ? <span className="arrow">{sort.desc ? '▼' : '▲'}</span> : null}
          </div>
        ))}
      </div>
      <div className="tbody" ref={scrollRef}>
        {rows.length === 0 ? (
          <div className="empty">{loading ? 'Loading…' : (empty ?? <><b>Nothing here</b>No objects match.</>)}</div>
        ) : (
          <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
            {virt.getVirtualItems().map((vr) => {
              const o = rows[vr.index];
              const key = rowKey(o);
              return (
                <div
                  key={key}
                  className={`trow${selectedKey === key ? ' selected' : ''}`}
                  style={{ gridTemplateColumns: grid, transform: `translateY(${vr.start}px)` }}
                  onClick={() => onSelect(o)}
                  role="row"
                  data-name={o.metadata.name}
                >
                  {columns.map((c) => (
                    <div key={c.id} className={`td ${c.className ?? ''}${c.align === 'right' ? ' right' : ''}`} role="cell">
                      {c.cell(o)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="tfoot">
        <span data-testid="row-count">
          {rows.length === items.length ? `${items.length} item${items.length === 1 ? '' : 's'}` : `${rows.length} of ${items.length} items`}
        </span>
        {footer}
      </div>
    </div>
  );
}
