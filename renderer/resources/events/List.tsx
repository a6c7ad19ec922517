import { useCallback, useState } from 'react';
import { kindByKey } from '../../lib/kinds';
import type { KubeObject } from '../../lib/listState';
import { ResourceListPage } from '../../components/ResourceList';
import { textCol } from '../../components/columns';
import type { Column } from '../../components/ResourceTable';
import { Age, StatusBadge } from '../../components/Status';
import { eventTime } from '../../components/Details';
import { EventDetails } from './Details';

const io = (e: KubeObject) => (e.involvedObject ?? e.regarding ?? {}) as { kind?: string; name?: string };

const columns: Column[] = [
  { id: 'type', title: 'Type', width: '100px', cell: (e) => <StatusBadge status={String(e.type ?? 'Normal')} tone={e.type === 'Warning' ? 'warn' : 'muted'} />, sort: (e) => String(e.type) },
  textCol('reason', 'Reason', '150px', (e) => e.reason as string),
  textCol('object', 'Object', 'minmax(140px, 1.3fr)', (e) => `${io(e).kind}/${io(e).name}`),
  textCol('message', 'Message', 'minmax(200px, 3fr)', (e) => (e.message ?? e.note) as string, { dim: true }),
  textCol('count', 'Count', '60px', (e) => Number(e.count ?? 1), { align: 'right' }),
  { id: 'last', title: 'Last seen', width: '85px', align: 'right', className: 'dim', cell: (e) => <Age ts={eventTime(e)} />, sort: (e) => eventTime(e) },
];

export default function EventsList() {
  const [warningsOnly, setWarningsOnly] = useState(false);
  const filter = useCallback((items: KubeObject[]) => (warningsOnly ? items.filter((e) => e.type === 'Warning') : items), [warningsOnly]);
  return (
    <ResourceListPage
      kind={kindByKey('events')}
      columns={columns}
      Details={EventDetails}
      defaultSort={{ id: 'last', desc: true }}
      filterItems={filter}
      searchText={(e) => `${String(e.reason)} ${String(e.message)} ${io(e).kind}/${io(e).name}`}
      headerExtra={
        <label className="check">
          <input type="checkbox" checked={warningsOnly} onChange={(e) => setWarningsOnly(e.target.checked)} /> Warnings only
        </label>
      }
    />
  );
}
