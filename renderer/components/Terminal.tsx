/**
 * A shell in a container: xterm.js over the exec subresource's WebSocket, spoken directly in
 * the `v5.channel.k8s.io` protocol (v4 accepted): binary frames whose first byte is the channel.
 */
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { clusterBase } from '../lib/api';
import { EXEC_PROTOCOLS, STDIN, STDOUT, STDERR, STATUS, frame, parseExitStatus, parseFrame, resizeFrame } from '../lib/channels';

const SHELL = 'TERM=xterm-256color; export TERM; [ -x /bin/bash ] && exec /bin/bash || exec /bin/sh';

function fit(term: Terminal, el: HTMLElement): { cols: number; rows: number } {
  // Cell size from a probe with the terminal's font (avoids xterm's private fit internals).
  const probe = document.createElement('span');
  probe.style.cssText = `position:absolute;visibility:hidden;font-family:${term.options.fontFamily};font-size:${term.options.fontSize}px;white-space:pre`;
  probe.textContent = 'W'.repeat(50);
  document.body.appendChild(probe);
  const w = probe.getBoundingClientRect().width / 50;
  document.body.removeChild(probe);
  const h = Math.ceil((term.options.fontSize ?? 13) * (term.options.lineHeight ?? 1.2));
  const cols = Math.max(20, Math.floor((el.clientWidth - 16) / (w || 7.8)));
  const rows = Math.max(5, Math.floor((el.clientHeight - 12) / h));
  if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
  return { cols, rows };
}

export function TerminalView({ ctx, namespace, pod, containers }: { ctx: string; namespace: string; pod: string; containers: string[] }) {
  const [container, setContainer] = useState(containers[0] ?? '');
  const [state, setState] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [session, setSession] = useState(0);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const dark = document.documentElement.dataset.theme !== 'light';
    const term = new Terminal({
      fontFamily: "'JetBrains Mono', ui-monospace, Menlo, Consolas, monospace",
      fontSize: 13,
      lineHeight: 1.2,
      cursorBlink: true,
      theme: dark ? { background: '#0b0f17' } : { background: '#0b0f17' },
      scrollback: 5000,
    });
    term.open(el);
    const size = fit(term, el);
    const q = new URLSearchParams({ stdin: 'true', stdout: 'true', stderr: 'true', tty: 'true' });
    if (container) q.set('container', container);
    for (const c of ['sh', '-c', SHELL]) q.append('command', c);
    const url = `ws://${location.host}${clusterBase(ctx)}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec?${q}`;
    const ws = new WebSocket(url, EXEC_PROTOCOLS);
    ws.binaryType = 'arraybuffer';
    setState('connecting');
    const dec = new TextDecoder();
    ws.onopen = () => {
      setState('open');
      ws.send(resizeFrame(size.cols, size.rows));
      term.focus();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') return;
      const f = parseFrame(ev.data as ArrayBuffer);
      if (!f) return;
      if (f.channel === STDOUT || f.channel === STDERR) term.write(f.payload);
      else if (f.channel === STATUS) {
        const s = parseExitStatus(dec.decode(f.payload));
        term.write(`\r\n\x1b[90m[process exited${s.code ? ` with code ${s.code}` : ''}${s.message && s.code ? `: ${s.message}` : ''}]\x1b[0m\r\n`);
      }
    };
    ws.onclose = (ev) => {
      setState('closed');
      if (ev.code !== 1000 && ev.code !== 1005) term.write(`\r\n\x1b[31m[connection closed${ev.reason ? `: ${ev.reason}` : ''}]\x1b[0m\r\n`);
    };
    ws.onerror = () => term.write('\r\n\x1b[31m[could not connect: is the pod running and does the container have a shell?]\x1b[0m\r\n');
    const data = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(frame(STDIN, d)));
    const ro = new ResizeObserver(() => {
      const s = fit(term, el);
      if (ws.readyState === WebSocket.OPEN) ws.send(resizeFrame(s.cols, s.rows));
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      data.dispose();
      ws.close();
      term.dispose();
    };
  }, [ctx, namespace, pod, container, session]);

  return (
    <div className="logs" data-testid="terminal">
      <div className="logs-toolbar">
        {containers.length > 1 ? (
          <select className="select" value={container} onChange={(e) => setContainer(e.target.value)} aria-label="container">
            {containers.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        ) : (
          <span className="muted">{container}</span>
        )}
        <span className={`live ${state === 'open' ? '' : state === 'connecting' ? 'loading' : 'reconnecting'}`}>{state === 'open' ? 'Connected' : state === 'connecting' ? 'Connecting…' : 'Disconnected'}</span>
        <button className="btn sm" style={{ marginLeft: 'auto' }} onClick={() => setSession((s) => s + 1)}>
          Reconnect
        </button>
      </div>
      <div className="term" ref={host} />
    </div>
  );
}
