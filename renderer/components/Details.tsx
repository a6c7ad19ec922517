/**
 * The details drawer and the sections every kind's Details page is built from: metadata,
 * conditions, key/values, related objects (owner, pods, events) and the YAML tab.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { KubeObject } from '../lib/listState';
import { kindByKey, kindFor, type KindInfo } from '../lib/kinds';
import { routeHref, updateRoute, useRoute, Link } from '../lib/router';
import { useItems } from '../lib/queryClient';
import { remove } from '../lib/api';
import { podReady, podRestarts, podStatus } from '../lib/format';
import { Age, Labels, StatusBadge } from './Status';
import { Icon } from './Icons';
import { YamlTab } from './Yaml';
import { Confirm } from './Dialog';
import { toast, toastError } from './Toasts';

export interface DetailsTab {
  id: string;
  title: string;
  render: () => ReactNode;
  /** Full-height content without padding (logs, terminal). */
  flush?: boolean;
}

export interface DetailsProps {
  ctx: string;
  kind: KindInfo;
  obj: KubeObject;
}

export function Section({ title, children, right }: { title: string; children: ReactNode; right?: ReactNode }) {
  return (
    <div className="section">
      <div className="section-head">
        <h3>{title}</h3>
        {right ? <span style={{ marginLeft: 'auto' }}>{right}</span> : null}
      </div>
      {children}
    </div>
  );
}

export function KV({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="kv">
      {rows
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => (
          <FragmentKV key={k} k={k} v={v} />
        ))}
    </dl>
  );
}

function FragmentKV({ k, v }: { k: string; v: ReactNode }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

/** Link to an object's details page, when the UI has a view for its kind. */
export function ObjectLink({ kind, name, namespace, apiVersion }: { kind: string; name: string; namespace?: string; apiVersion?: string }) {
  const r = useRoute();
  const k = kindFor(apiVersion ?? guessApiVersion(kind), kind);
  if (!k) return <span>{`${kind}/${name}`}</span>;
  return <Link to={routeHref({ ctx: r.ctx, view: k.key, ns: r.ns, sel: { namespace, name } })}>{`${kind}/${name}`}</Link>;
}

function guessApiVersion(kind: string): string | undefined {
  for (const key of ['pods', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'services', 'nodes', 'configmaps', 'secrets', 'persistentvolumeclaims', 'persistentvolumes']) {
    const k = kindByKey(key);
    if (k.kind === kind) return k.group ? `${k.group}/${k.version}` : k.version;
  }
  return undefined;
}

export function MetaSection({ obj }: { obj: KubeObject }) {
  const m = obj.metadata;
  const owners = m.ownerReferences ?? [];
  const annotations = Object.entries(m.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration');
  return (
    <Section title="Metadata">
      <KV
        rows={[
          ['Name', <span className="mono">{m.name}</span>],
          ['Namespace', m.namespace],
          ['Created', m.creationTimestamp ? <span><Age ts={m.creationTimestamp} /> ago <span className="muted">({new Date(m.creationTimestamp).toLocaleString()})</span></span> : undefined],
          ['Deleting', m.deletionTimestamp ? <StatusBadge status="Terminating" /> : undefined],
          ['UID', <span className="mono muted">{m.uid}</span>],
          ['Labels', <Labels labels={m.labels} />],
          ['Annotations', annotations.length ? <span>{annotations.map(([k, v]) => <span key={k} className="chip" title={`${k}=${v}`}>{k}={v.length > 60 ? `${v.slice(0, 60)}…` : v}</span>)}</span> : undefined],
          ['Controlled by', owners.length ? <span>{owners.map((o) => <span key={o.uid} style={{ marginRight: 8 }}><ObjectLink kind={o.kind} name={o.name} namespace={m.namespace} apiVersion={o.apiVersion} /></span>)}</span> : undefined],
        ]}
      />
    </Section>
  );
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function Conditions({ conditions }: { conditions?: Condition[] }) {
  if (!conditions?.length) return null;
  return (
    <Section title="Conditions">
      <table className="mini-table">
        <thead>
          <tr>
            <th>Type</th>
            <th>Status</th>
            <th>Reason</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type} title={c.message}>
              <td>{c.type}</td>
              <td>
                <StatusBadge status={c.status} tone={c.status === 'True' ? (/Pressure|Unavailable|Failed/.test(c.type) ? 'bad' : 'ok') : c.status === 'False' ? (/Pressure|Unavailable|Failed/.test(c.type) ? 'ok' : 'warn') : 'muted'} />
              </td>
              <td>
                {c.reason ?? ''}
                {c.message ? <div className="muted">{c.message}</div> : null}
              </td>
              <td>{c.lastTransitionTime ? <Age ts={c.lastTransitionTime} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** Events about an object (from the live Events list of its namespace). */
export function EventsFor({ ctx, obj, all }: { ctx: string; obj: KubeObject; all?: boolean }) {
  const { items } = useItems({ ctx, kind: kindByKey('events'), namespace: obj.metadata.namespace });
  const evs = useMemo(
    () =>
      items
        .filter((e) => (e.involvedObject as { uid?: string; name?: string; kind?: string } | undefined)?.uid === obj.metadata.uid || ((e.involvedObject as { name?: string })?.name === obj.metadata.name && (e.involvedObject as { kind?: string })?.kind === obj.kind))
        .sort((a, b) => eventTime(b).localeCompare(eventTime(a))),
    [items, obj.metadata.uid, obj.metadata.name, obj.kind],
  );
  const shown = all ? evs : evs.slice(0, 8);
  return (
    <Section title={`Events (${evs.length})`}>
      {shown.length === 0 ? (
        <div className="muted">No events.</div>
      ) : (
        <table className="mini-table">
          <tbody>
            {shown.map((e) => (
              <tr key={e.metadata.name}>
                <td style={{ width: 80 }}>
                  <StatusBadge status={String(e.type ?? 'Normal')} tone={e.type === 'Warning' ? 'warn' : 'muted'} />
                </td>
                <td style={{ width: 140 }}>
                  <b>{String(e.reason ?? '')}</b>
                </td>
                <td>{String(e.message ?? '')}</td>
                <td style={{ width: 70 }} className="muted">
                  <Age ts={eventTime(e)} />
                  {Number(e.count ?? 1) > 1 ? ` ×${String(e.count)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

export function eventTime(e: KubeObject): string {
  return String(e.lastTimestamp ?? e.eventTime ?? (e.series as { lastObservedTime?: string } | undefined)?.lastObservedTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
}

/** A compact pod table for workloads, services and nodes. */
export function PodsTable({ pods }: { pods: KubeObject[] }) {
  const r = useRoute();
  if (pods.length === 0) return <div className="muted">No pods.</div>;
  return (
    <table className="mini-table" data-testid="related-pods">
      <thead>
        <tr>
          <th>Name</th>
          <th>Ready</th>
          <th>Status</th>
          <th>Restarts</th>
          <th>Node</th>
          <th>Age</th>
        </tr>
      </thead>
      <tbody>
        {pods.slice(0, 100).map((p) => (
          <tr key={p.metadata.uid ?? p.metadata.name}>
            <td>
              <Link to={routeHref({ ctx: r.ctx, view: 'pods', ns: r.ns, sel: { namespace: p.metadata.namespace, name: p.metadata.name } })}>{p.metadata.name}</Link>
            </td>
            <td>{podReady(p)}</td>
            <td>
              <StatusBadge status={podStatus(p)} />
            </td>
            <td>{podRestarts(p)}</td>
            <td className="muted">{p.spec?.nodeName ?? '—'}</td>
            <td>
              <Age ts={p.metadata.creationTimestamp} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Pods owned (directly, or through a ReplicaSet) by a workload. */
export function useOwnedPods(ctx: string, obj: KubeObject): KubeObject[] {
  const ns = obj.metadata.namespace;
  const pods = useItems({ ctx, kind: kindByKey('pods'), namespace: ns }).items;
  const needRs = obj.kind === 'Deployment';
  const rs = useItems({ ctx, kind: kindByKey('replicasets'), namespace: ns }, needRs).items;
  return useMemo(() => {
    const owners = new Set([obj.metadata.uid]);
    if (needRs) for (const r of rs) if ((r.metadata.ownerReferences ?? []).some((o) => o.uid === obj.metadata.uid)) owners.add(r.metadata.uid);
    if (obj.kind === 'CronJob') return [];
    return pods.filter((p) => (p.metadata.ownerReferences ?? []).some((o) => owners.has(o.uid)));
  }, [pods, rs, obj.metadata.uid, obj.kind, needRs]);
}

export function DetailsDrawer({ ctx, kind, obj, tabs, actions, missing }: { ctx: string; kind: KindInfo; obj: KubeObject | undefined; tabs: DetailsTab[]; actions?: ReactNode; missing?: string }) {
  const r = useRoute();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const close = () => updateRoute(r, { sel: undefined, tab: '' });
  const all: DetailsTab[] = obj ? [...tabs, { id: 'yaml', title: 'YAML', render: () => <YamlTab ctx={ctx} kind={kind} obj={obj} /> }] : [];
  const active = all.find((t) => t.id === r.tab) ?? all[0];
  return (
    <aside className="drawer" data-testid="details" aria-label={`${kind.kind} details`}>
      <div className="drawer-head">
        <div className="drawer-title">
          <Icon name={kind.key} size={18} />
          <span className="kind-tag">{kind.kind}</span>
          <h2 title={missing ?? obj?.metadata.name}>{obj?.metadata.name ?? missing}</h2>
          <span style={{ marginLeft: 'auto' }} />
          <button className="btn ghost icon-btn" onClick={close} title="Close (Esc)" aria-label="Close details">
            <Icon name="close" />
          </button>
        </div>
        {obj ? (
          <div className="drawer-actions">
            {actions}
            <button className="btn sm danger" onClick={() => setConfirmDelete(true)} data-testid="action-delete">
              <Icon name="trash" size={14} /> Delete
            </button>
          </div>
        ) : null}
        <div className="tabs" role="tablist">
          {all.map((t) => (
            <button key={t.id} role="tab" aria-selected={t.id === active?.id} className={`tab${t.id === active?.id ? ' active' : ''}`} onClick={() => updateRoute(r, { tab: t.id }, true)} data-testid={`tab-${t.id}`}>
              {t.title}
            </button>
          ))}
        </div>
      </div>
      <div className={`drawer-body${active?.flush ? ' flush' : ''}`}>{obj ? active?.render() : <div className="empty"><b>Not found</b>This object no longer exists (or is not loaded yet).</div>}</div>
      {confirmDelete && obj ? (
        <Confirm
          title={`Delete ${kind.kind}?`}
          body={
            <>
              <b>{obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}
              {obj.metadata.name}</b> will be deleted{kind.templated || kind.kind === 'CronJob' ? ', with the objects it owns' : ''}.
            </>
          }
          confirm="Delete"
          danger
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            try {
              await remove(ctx, kind, obj.metadata.namespace, obj.metadata.name);
              toast(`${kind.kind} ${obj.metadata.name} deleted`, 'ok');
              close();
            } catch (e) {
              toastError(e);
            }
          }}
        />
      ) : null}
    </aside>
  );
}

/** The usual Details page: Overview (metadata, kind-specific body, conditions, events) + extra tabs + YAML. */
export function StandardDetails({ ctx, kind, obj, children, actions, tabs, conditions, events = true }: DetailsProps & { children?: ReactNode; actions?: ReactNode; tabs?: DetailsTab[]; conditions?: Condition[] | null; events?: boolean }) {
  const t: DetailsTab[] = [
    {
      id: 'overview',
      title: 'Overview',
      render: () => (
        <>
          <MetaSection obj={obj} />
          {children}
          {conditions === null ? null : <Conditions conditions={conditions ?? obj.status?.conditions} />}
          {events ? <EventsFor ctx={ctx} obj={obj} /> : null}
        </>
      ),
    },
    ...(tabs ?? []),
  ];
  return <DetailsDrawer ctx={ctx} kind={kind} obj={obj} tabs={t} actions={actions} />;
}
