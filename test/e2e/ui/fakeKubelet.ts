/**
 * A stand-in for the kubelet's node-side streams (the engine's PodConnector), so the dashboard's
 * logs, terminal and port-forward paths are proven end to end where no real kubelet runs pods:
 *   logs        "<pod> tick-N" every 150 ms while following (timestamps on request)
 *   exec        v5/v4.channel.k8s.io over WebSocket; a toy shell: `echo X` prints `OUT:X`;
 *               resize frames are recorded; `exit` sends a Success status
 *   portforward v4.channel.k8s.io; connects to the given local HTTP server
 * Only the protocol is fake; the API server, dashboard proxy, mux and browser code are real.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { KubeObject } from '../../../engine/api/types.js';
import type { LogOptions, PodConnector } from '../../../engine/apiserver/features.js';

export interface FakeKubelet extends PodConnector {
  resizes: { Width: number; Height: number }[];
}

export function fakeKubelet(opts: { httpPort: number }): FakeKubelet {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => ['v5.channel.k8s.io', 'v4.channel.k8s.io'].find((p) => protocols.has(p)) ?? false,
  });
  const resizes: { Width: number; Height: number }[] = [];
  return {
    resizes,
    async logs(pod: KubeObject, o: LogOptions, req: IncomingMessage, res: ServerResponse) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      let n = 0;
      const line = () => `${o.timestamps ? `${new Date().toISOString()} ` : ''}${pod.metadata.name} tick-${n++}\n`;
      for (let i = 0; i < 3; i++) res.write(line());
      if (!o.follow) return void res.end();
      const t = setInterval(() => res.write(line()), 150);
      req.on('close', () => clearInterval(t));
    },
    async upgrade(kind, _pod, req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (kind === 'portforward') {
          const port = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ports'));
          const hdr = Buffer.from([port & 0xff, port >> 8]);
          ws.send(Buffer.concat([Buffer.from([0]), hdr]));
          ws.send(Buffer.concat([Buffer.from([1]), hdr]));
          const up = connect(opts.httpPort, '127.0.0.1');
          up.on('data', (d) => ws.send(Buffer.concat([Buffer.from([0]), d])));
          up.on('close', () => ws.close());
          ws.on('message', (m: Buffer) => m[0] === 0 && up.write(m.subarray(1)));
          ws.on('close', () => up.destroy());
          return;
        }
        const out = (s: string) => ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(s)]));
        out('$ ');
        let line = '';
        ws.on('message', (m: Buffer) => {
          if (m[0] === 4) resizes.push(JSON.parse(m.subarray(1).toString()) as { Width: number; Height: number });
          if (m[0] !== 0) return;
          for (const ch of m.subarray(1).toString()) {
            if (ch === '\r' || ch === '\n') {
              out('\r\n');
              if (line.startsWith('echo ')) out(`OUT:${line.slice(5)}\r\n`);
              if (line === 'exit') {
                ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }))]));
                ws.close(1000);
                return;
              }
              line = '';
              out('$ ');
            } else {
              line += ch;
              out(ch); // a tty echoes what you type
            }
          }
        });
      });
    },
    async proxy(_pod: KubeObject, _port: string, _path: string, _req: IncomingMessage, res: ServerResponse) {
      res.writeHead(501).end();
    },
  };
}
