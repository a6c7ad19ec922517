/** Active port-forwards (held by the dashboard backend): open in the browser, stop. */
import { usePortForwards, stopPortForward } from '../../lib/portforwards';
import { useRoute } from '../../lib/router';
import { Age } from '../../components/Status';
import { Icon } from '../../components/Icons';
import { toastError } from '../../components/Toasts';

export default function PortForwardsList() {
  const r = useRoute();
  const { data, isLoading } = usePortForwards();
  const items = (data ?? []).filter((f) => !r.q || `${f.namespace}/${f.pod ?? f.service}`.includes(r.q));
  return (
    <div className="main">
      <div className="page" data-testid="page-portforwards">
        <div className="page-head">
          <h1>Port Forwards</h1>
          <span className="sub">local listeners on 127.0.0.1 · start one from a pod's or service's ports</span>
        </div>
        <div className="scroll-page">
          <div className="card" style={{ padding: 0 }}>
            <table className="mini-table">
              <thead>
                <tr>
                  <th>Target</th>
                  <th>Context</th>
                  <th>Local</th>
                  <th>Pod port</th>
                  <th>Mode</th>
                  <th>Conns</th>
                  <th>Started</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((f) => (
                  <tr key={f.id} data-testid="portforward-row">
                    <td>
                      <b>{f.service ? `service/${f.service}` : `pod/${f.pod}`}</b>
                      <div className="muted">{f.namespace}</div>
                    </td>
                    <td>{f.context}</td>
                    <td>
                      <a href={f.url} target="_blank" rel="noopener noreferrer">
                        {f.url} <Icon name="external" size={12} />
                      </a>
                    </td>
                    <td className="mono">
                      {f.targetPod}:{f.targetPort}
                    </td>
                    <td>{f.mode === 'tunnel' ? 'TCP tunnel' : 'HTTP via pod proxy'}</td>
                    <td>{f.connections}</td>
                    <td>
                      <Age ts={f.startedAt} />
                    </td>
                    <td>
                      <button className="btn sm danger" onClick={() => void stopPortForward(f.id).catch(toastError)} data-testid="portforward-stop">
                        Stop
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {items.length === 0 ? <div className="empty">{isLoading ? 'Loading…' : <><b>No port-forwards</b>Open a pod or service and press Forward next to a port.</>}</div> : null}
          </div>
        </div>
      </div>
    </div>
  );
}
