import { useMemo } from 'react';
import { kindByKey } from '../../lib/kinds';
import { useItems } from '../../lib/queryClient';
import { setSuspend, triggerCronJob } from '../../lib/actions';
import { routeHref, useRoute, Link } from '../../lib/router';
import { KV, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { Age, StatusBadge } from '../../components/Status';
import { Icon } from '../../components/Icons';
import { toast, toastError } from '../../components/Toasts';
import { images } from '../workload';
import { jobStatus } from '../jobs/List';

export function CronJobDetails({ ctx, kind, obj }: DetailsProps) {
  const r = useRoute();
  const jobs = useItems({ ctx, kind: kindByKey('jobs'), namespace: obj.metadata.namespace }).items;
  const owned = useMemo(() => jobs.filter((j) => (j.metadata.ownerReferences ?? []).some((o) => o.uid === obj.metadata.uid)).sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp))), [jobs, obj.metadata.uid]);
  return (
    <StandardDetails
      ctx={ctx}
      kind={kind}
      obj={obj}
      actions={
        <>
          <button className="btn sm" data-testid="action-trigger" onClick={() => triggerCronJob(ctx, obj).then((n) => toast(`Job ${n} created`, 'ok'), toastError)}>
            <Icon name="play" size={14} /> Trigger now
          </button>
          <button className="btn sm" onClick={() => setSuspend(ctx, obj, !obj.spec?.suspend).then(() => toast(obj.spec?.suspend ? 'Resumed' : 'Suspended', 'ok'), toastError)}>
            <Icon name={obj.spec?.suspend ? 'play' : 'pause'} size={14} /> {obj.spec?.suspend ? 'Resume' : 'Suspend'}
          </button>
        </>
      }
    >
      <Section title="Schedule">
        <KV
          rows={[
            ['Schedule', <span className="mono">{obj.spec?.schedule}</span>],
            ['Time zone', obj.spec?.timeZone],
            ['Suspended', String(!!obj.spec?.suspend)],
            ['Concurrency', obj.spec?.concurrencyPolicy ?? 'Allow'],
            ['Last schedule', obj.status?.lastScheduleTime ? <span><Age ts={obj.status.lastScheduleTime} /> ago</span> : 'never'],
            ['Images', <span className="mono">{images(obj)}</span>],
          ]}
        />
      </Section>
      <Section title={`Jobs (${owned.length})`}>
        {owned.length === 0 ? (
          <div className="muted">No jobs yet.</div>
        ) : (
          <table className="mini-table">
            <tbody>
              {owned.map((j) => (
                <tr key={j.metadata.name}>
                  <td>
                    <Link to={routeHref({ ctx, view: 'jobs', ns: r.ns, sel: { namespace: j.metadata.namespace, name: j.metadata.name } })}>{j.metadata.name}</Link>
                  </td>
                  <td>
                    <StatusBadge status={jobStatus(j)} />
                  </td>
                  <td className="muted">
                    <Age ts={j.metadata.creationTimestamp} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </StandardDetails>
  );
}
