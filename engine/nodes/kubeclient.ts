/**
 * A minimal client for a running `skiff serve`, from its kubeconfig (server, CA, bearer token):
 * enough for `skiff node …` — get/list/create/update/delete of cluster-scoped Nodes. Errors
 * carry the server's Status message, so the CLI prints what kubectl would.
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { KubeObject } from '../api/types.js';

export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface KubeconfigShape {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[];
  users?: { name: string; user: { token?: string } }[];
}

export interface KubeClient {
  get(path: string): Promise<KubeObject | undefined>;
  send(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<KubeObject>;
  close(): void;
}

export function kubeClientFromKubeconfig(path: string): KubeClient {
  const kc = YAML.parse(readFileSync(path, 'utf8')) as KubeconfigShape;
  const ctxName = kc['current-context'];
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
  const cluster = (kc.clusters?.find((c) => c.name === ctx?.cluster) ?? kc.clusters?.[0])?.cluster;
  const user = (kc.users?.find((u) => u.name === ctx?.user) ?? kc.users?.[0])?.user;
  if (!cluster) throw new Error(`${path}: no cluster`);
  const server = new URL(cluster.server);
  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64')
    : cluster['certificate-authority']
      ? readFileSync(cluster['certificate-authority'])
      : undefined;
  const agent = new Agent({ keepAlive: true, ca });
  const call = (method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (user?.token) headers.Authorization = `Bearer ${user.token}`;
      if (data !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(data));
      }
      const req = request({ host: server.hostname, port: server.port, method, path: p, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = { message: text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ECONNREFUSED' ? new Error(`cannot reach the cluster at ${server.origin}: is \`skiff serve\` running?`) : e));
      req.end(data);
    });
  const fail = (r: { status: number; json: unknown }): never => {
    const s = (r.json ?? {}) as { message?: string; reason?: string };
    throw new KubeApiError(r.status, s.reason ?? '', s.message ?? `HTTP ${r.status}`);
  };
  return {
    async get(p) {
      const r = await call('GET', p);
      if (r.status === 404) return undefined;
      if (r.status >= 300) fail(r);
      return r.json as KubeObject;
    },
    async send(method, p, body) {
      const r = await call(method, p, body);
      if (r.status >= 300) fail(r);
      return r.json as KubeObject;
    },
    close() {
      agent.destroy();
    },
  };
}
