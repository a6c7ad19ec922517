/** A raw HTTPS client for tests that need to send exact bytes (fuzzing, crash tests). */
import { request, Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawClient {
  req(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<RawResponse>;
  close(): void;
}

interface KubeconfigShape {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { token: string } }[];
}

export function rawClient(kubeconfigPath: string, opts: { token?: string | null } = {}): RawClient {
  const kc = YAML.parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigShape;
  const server = new URL(kc.clusters[0].cluster.server);
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  const token = opts.token === undefined ? kc.users[0].user.token : opts.token;
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca });
  return {
    req(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const h: Record<string, string> = { Accept: 'application/json', ...headers };
        if (token) h.Authorization = `Bearer ${token}`;
        if (body !== undefined) {
          h['Content-Type'] ??= 'application/json';
          h['Content-Length'] = String(Buffer.byteLength(body));
        }
        const r = request({ host: server.hostname, port: server.port, method, path, headers: h, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        r.on('error', reject);
        if (body !== undefined) r.end(body);
        else r.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}
