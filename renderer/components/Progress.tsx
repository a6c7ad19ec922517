/**
 * Progress UI: image pulls of a pod (list cell and details section) and a Deployment's rollout
 * (bar per revision, Progressing condition). State comes from lib/progress.ts over the live
 * lists (pods, events, replicasets) — nothing is polled.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { kindByKey } from '../lib/kinds';
import type { KubeObject } from '../lib/listState';
import { useItems } from '../lib/queryClient';
import { indexPullEvents, podPull, rolloutOf, type PodPull, type PullState } from '../lib/progress';
import { podStatus } from '../lib/format';
import { formatAge, useNow } from '../lib/time';
import { routeHref, useRoute, Link } from '../lib/router';
import { Age, StatusBadge } from './Status';
import { Section } from './Details';

export function ProgressBar({ value, max, indeterminate, tone = 'accent', segments, height = 6, testId }: { value?: number; max?: number; indeterminate?: boolean; tone?: 'accent' | 'ok' | 'warn' | 'bad'; segments?: { value: number; tone: string; title?: string }[]; height?: number; testId?: string }) {
  const pct = max && value !== undefined ? Math.min(100, (value / max) * 100) : 0;
  return (
    <span className={`pbar${indeterminate ? ' indeterminate' : ''} tone-${tone}`} style={{ height }} data-testid={testId} role="progressbar" aria-valuemin={0} aria-valuemax={max} aria-valuenow={indeterminate ? undefined : value}>
      {segments && max ? (
        segments.map((s, i) => <span key={i} className={`seg ${s.tone}`} style={{ width: `${Math.min(100, (s.value / max) * 100)}%` }} title={s.title} />)
      ) : (
        <span className="fill" style={indeterminate ? undefined : { width: `${pct}%` }} />
      )}
    </span>
  );
}

// ---- image pulls

const PullIndex = createContext<ReturnType<typeof indexPullEvents> | null>(null);

/** Pull events of a namespace (or all), from the live Events list. */
export function usePullIndex(ctx: string, namespace: string | undefined) {
  const events = useItems({ ctx, kind: kindByKey('events'), namespace }).items;
  return useMemo(() => indexPullEvents(events), [events]);
}

export function PullIndexProvider({ ctx, namespace, children }: { ctx: string; namespace: string | undefined; children: ReactNode }) {
  const idx = usePullIndex(ctx, namespace);
  return <PullIndex.Provider value={idx}>{children}</PullIndex.Provider>;
}

const PHASE_TEXT: Record<PullState['phase'], string> = {
  waiting: 'Waiting',
  pulling: 'Pulling image',
  pulled: 'Pulled',
  present: 'Image present',
  failed: 'Pull failed',
  backoff: 'Pull back-off',
  creating: 'Creating container',
  running: 'Started',
};

function Elapsed({ since }: { since?: string }) {
  const now = useNow();
  if (!since) return null;
  return <span className="muted">{formatAge(since, now)}</span>;
}

/** The Pods list's status cell: kubectl's status, plus pull progress while images come in. */
export function PodStatusCell({ pod }: { pod: KubeObject }) {
  const idx = useContext(PullIndex);
  const st = podStatus(pod);
  const pull: PodPull | undefined = idx && (pod.status?.phase === 'Pending' || /Pull|Image|ContainerCreating/.test(st)) ? podPull(pod, idx) : undefined;
  if (pull?.summary === 'pulling') {
    return (
      <span className="status-progress" title={pull.message} data-testid="pull-progress">
        <StatusBadge status="Pulling" tone="info" />
        <ProgressBar indeterminate tone="accent" />
        <span className="muted">
          {pull.ready}/{pull.total}
        </span>
      </span>
    );
  }
  if (pull && st === 'ContainerCreating') {
    return (
      <span className="status-progress" title={`${pull.ready} of ${pull.total} images ready`}>
        <StatusBadge status={st} />
        <ProgressBar value={pull.ready} max={pull.total} tone="warn" />
      </span>
    );
  }
  return (
    <span title={pull?.message}>
      <StatusBadge status={st} />
    </span>
  );
}

/** Pod details: one row per container with the state of its image. */
export function ImagePulls({ ctx, pod }: { ctx: string; pod: KubeObject }) {
  const idx = usePullIndex(ctx, pod.metadata.namespace);
  const pull = useMemo(() => podPull(pod, idx), [pod, idx]);
  const busy = pull.containers.some((c) => c.phase !== 'running' && c.phase !== 'pulled' && c.phase !== 'present');
  const anyEvent = pull.containers.some((c) => c.since);
  if (!busy && !anyEvent) return null;
  return (
    <Section
      title="Images"
      right={
        <span className="row-gap muted" style={{ fontSize: 12 }}>
          {pull.ready} of {pull.total} ready
          <ProgressBar value={pull.ready} max={pull.total} tone={pull.ready === pull.total ? 'ok' : 'accent'} testId="images-progress" />
        </span>
      }
    >
      <div className="pull-rows" data-testid="image-pulls">
        {pull.containers.map((c) => {
          const tone = c.phase === 'failed' || c.phase === 'backoff' ? 'bad' : c.phase === 'pulling' || c.phase === 'creating' || c.phase === 'waiting' ? 'accent' : 'ok';
          return (
            <div key={c.container} className={`pull-row ${tone}`} data-testid={`pull-${c.container}`} data-phase={c.phase}>
              <span className="pull-icon" aria-hidden="true">
                {tone === 'bad' ? '!' : tone === 'ok' ? '✓' : ''}
              </span>
              <div className="pull-main">
                <div className="row-gap">
                  <b>{c.container}</b>
                  {c.init ? <span className="chip">init</span> : null}
                  <span className="mono muted">{c.image}</span>
                </div>
                {c.message && tone === 'bad' ? <div className="pull-msg">{c.message}</div> : null}
              </div>
              <div className="pull-state">
                <span className={`pull-phase ${tone}`}>{PHASE_TEXT[c.phase]}</span>
                {c.phase === 'pulling' ? (
                  <>
                    <ProgressBar indeterminate />
                    <Elapsed since={c.since} />
                  </>
                ) : c.took ? (
                  <span className="muted">in {c.took}</span>
                ) : c.phase === 'creating' ? (
                  <ProgressBar indeterminate tone="warn" />
                ) : null}
              </div>
            </div>
          );
        })}
      </div>
    </Section>
  );
}

// ---- rollouts

export function RolloutSection({ ctx, obj }: { ctx: string; obj: KubeObject }) {
  const r = useRoute();
  const rss = useItems({ ctx, kind: kindByKey('replicasets'), namespace: obj.metadata.namespace }).items;
  const ro = useMemo(() => rolloutOf(obj, rss), [obj, rss]);
  const max = Math.max(ro.desired, ro.updated + ro.old, 1);
  const newNotAvail = Math.max(0, ro.updated - ro.updatedAvailable);
  const stateText = { complete: 'Complete', progressing: 'Progressing', failed: 'Failed', paused: 'Paused', 'scaled-down': 'Scaled to 0' }[ro.state];
  const tone = ro.state === 'complete' ? 'ok' : ro.state === 'failed' ? 'bad' : ro.state === 'progressing' ? 'warn' : 'muted';
  const [shownOld, hiddenOld] = useMemo(() => {
    const live = ro.revisions.filter((x) => x.current_ || x.current > 0 || x.desired > 0);
    return [live, ro.revisions.length - live.length];
  }, [ro.revisions]);
  return (
    <Section title="Rollout" right={<StatusBadge status={stateText} tone={tone} />}>
      <div className="rollout" data-testid="rollout" data-state={ro.state}>
        <div className="rollout-bar">
          <ProgressBar
            max={max}
            height={10}
            testId="rollout-progress"
            segments={[
              { value: ro.updatedAvailable, tone: 'ok', title: `${ro.updatedAvailable} updated and available` },
              { value: newNotAvail, tone: 'accent', title: `${newNotAvail} updated, not available yet` },
              { value: ro.old, tone: 'old', title: `${ro.old} of older revisions` },
            ]}
          />
        </div>
        <div className="rollout-legend">
          <span>
            <b>{ro.updated}</b> of {ro.desired} updated
          </span>
          <span>
            <i className="sw ok" /> <b>{ro.updatedAvailable}</b> updated and available
          </span>
          <span>
            <b>{ro.available}</b> of {ro.desired} available in total
          </span>
          {newNotAvail ? (
            <span>
              <i className="sw accent" /> <b>{newNotAvail}</b> starting
            </span>
          ) : null}
          {ro.old ? (
            <span>
              <i className="sw old" /> <b>{ro.old}</b> old replica{ro.old === 1 ? '' : 's'}
            </span>
          ) : null}
        </div>
        {ro.message ? (
          <div className={`rollout-msg ${tone}`} data-testid="rollout-message">
            <b>{ro.reason}</b> {ro.message}
          </div>
        ) : null}
        {shownOld.length ? (
          <table className="mini-table rollout-table">
            <thead>
              <tr>
                <th>Revision</th>
                <th>ReplicaSet</th>
                <th>Images</th>
                <th style={{ width: 170 }}>Ready</th>
                <th>Age</th>
              </tr>
            </thead>
            <tbody>
              {shownOld.map((x) => (
                <tr key={x.name} className={x.current_ ? 'current' : undefined}>
                  <td>
                    <b>#{x.revision}</b> {x.current_ ? <span className="chip">current</span> : null}
                  </td>
                  <td>
                    <Link to={routeHref({ ctx: r.ctx, view: 'replicasets', ns: r.ns, sel: { namespace: obj.metadata.namespace, name: x.name } })}>{x.name}</Link>
                  </td>
                  <td className="mono muted">{x.images}</td>
                  <td>
                    <span className="row-gap" style={{ flexWrap: 'nowrap' }}>
                      <ProgressBar value={x.ready} max={Math.max(x.desired, x.current, 1)} tone={x.current_ ? (x.ready >= x.desired ? 'ok' : 'accent') : 'warn'} />
                      <span className="mono">
                        {x.ready}/{x.desired}
                      </span>
                    </span>
                  </td>
                  <td className="muted">
                    <Age ts={x.created} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {hiddenOld ? <div className="muted" style={{ fontSize: 12, marginTop: 6 }}>{hiddenOld} older revision{hiddenOld === 1 ? '' : 's'} scaled to 0 (kept for rollback).</div> : null}
      </div>
    </Section>
  );
}

/** Deployments list: status with a small bar while a rollout is in progress. */
export function DeploymentStatusCell({ d, status }: { d: KubeObject; status: string }) {
  if (status !== 'Progressing') return <StatusBadge status={status} />;
  const want = Number(d.spec?.replicas ?? 1);
  const updated = Number(d.status?.updatedReplicas ?? 0);
  const avail = Number(d.status?.availableReplicas ?? 0);
  return (
    <span className="status-progress" title={`${updated}/${want} updated · ${avail} available`}>
      <StatusBadge status={status} />
      <ProgressBar value={Math.min(updated, avail)} max={want} tone="warn" />
    </span>
  );
}
