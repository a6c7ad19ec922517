/** Action buttons shared by details pages: scale, restart, rollback, port-forward. */
import { useState } from 'react';
import type { KindInfo } from '../lib/kinds';
import type { KubeObject } from '../lib/listState';
import { restart, rollback, scale } from '../lib/actions';
import { startPortForward } from '../lib/portforwards';
import { updateRoute, useRoute } from '../lib/router';
import { Confirm, NumberPrompt } from './Dialog';
import { Icon } from './Icons';
import { toast, toastError } from './Toasts';

export function WorkloadActions({ ctx, kind, obj, logs = true }: { ctx: string; kind: KindInfo; obj: KubeObject; logs?: boolean }) {
  const r = useRoute();
  const [dialog, setDialog] = useState<'scale' | 'restart' | 'rollback' | null>(null);
  const ns = obj.metadata.namespace;
  const name = obj.metadata.name;
  const canRestart = ['Deployment', 'StatefulSet', 'DaemonSet'].includes(kind.kind);
  return (
    <>
      {logs ? (
        <button className="btn sm" onClick={() => updateRoute(r, { tab: 'logs' }, true)} data-testid="action-logs">
          <Icon name="logs" size={14} /> Logs
        </button>
      ) : null}
      {kind.scalable ? (
        <button className="btn sm" onClick={() => setDialog('scale')} data-testid="action-scale">
          <Icon name="scale" size={14} /> Scale
        </button>
      ) : null}
      {canRestart ? (
        <button className="btn sm" onClick={() => setDialog('restart')} data-testid="action-restart">
          <Icon name="restart" size={14} /> Restart
        </button>
      ) : null}
      {kind.kind === 'Deployment' ? (
        <button className="btn sm" onClick={() => setDialog('rollback')} data-testid="action-rollback">
          <Icon name="undo" size={14} /> Rollback
        </button>
      ) : null}
      {dialog === 'scale' ? (
        <NumberPrompt
          title={`Scale ${kind.kind} ${name}`}
          label="Desired number of replicas"
          initial={Number(obj.spec?.replicas ?? 1)}
          onClose={() => setDialog(null)}
          onSubmit={async (n) => {
            try {
              await scale(ctx, kind, ns, name, n);
              toast(`${name} scaled to ${n}`, 'ok');
            } catch (e) {
              toastError(e);
            }
          }}
        />
      ) : null}
      {dialog === 'restart' ? (
        <Confirm
          title={`Restart ${name}?`}
          body="All pods are replaced by a rolling update (kubectl rollout restart)."
          confirm="Restart"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            try {
              await restart(ctx, kind, ns, name);
              toast(`${name} restarting`, 'ok');
            } catch (e) {
              toastError(e);
            }
          }}
        />
      ) : null}
      {dialog === 'rollback' ? (
        <Confirm
          title={`Roll back ${name}?`}
          body="The pod template of the previous revision is restored (kubectl rollout undo)."
          confirm="Roll back"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            try {
              const rev = await rollback(ctx, ns ?? 'default', name);
              toast(`${name} rolled back to revision ${rev}`, 'ok');
            } catch (e) {
              toastError(e);
            }
          }}
        />
      ) : null}
    </>
  );
}

export function ForwardButton({ ctx, namespace, pod, service, port }: { ctx: string; namespace: string; pod?: string; service?: string; port: number }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      className="btn sm"
      disabled={busy}
      data-testid={`forward-${port}`}
      onClick={() => {
        setBusy(true);
        startPortForward({ context: ctx, namespace, pod, service, port })
          .then((f) => {
            toast(`Forwarding ${f.url} → ${f.targetPod}:${f.targetPort}`, 'ok');
            window.open(f.url, '_blank', 'noopener');
          })
          .catch(toastError)
          .finally(() => setBusy(false));
      }}
    >
      <Icon name="portforwards" size={14} /> Forward
    </button>
  );
}
