/**
 * Shared helpers for benchmarks: percentiles, a ratio line, a concurrent load loop, the raw
 * Docker baseline for one pod, and a small HTTPS client for watching the cluster.
 */
import { request, Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import YAML from 'yaml';
import type { KubeObject } from '../engine/api/types.js';
import { PAUSE_REPOSITORY, PAUSE_VERSION } from '../engine/kubelet/runtime/pause.js';

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** Prints one result line in a fixed shape: name, value, baseline, ratio and the goal. */
export function report(name: string, value: string, baseline: string, ratio: number, goal: string, ok: boolean): void {
  console.log(`${name}: ${value} | baseline ${baseline} | ratio ${fmt(ratio, 2)}x | goal ${goal} ${ok ? 'MET' : 'NOT MET'}`);
}

/** Runs `fn` `total` times with `concurrency` in flight; returns per-call latencies (ms) and wall time. */
export async function load(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        await fn(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}

/** The median of a list (the middle value; the upper middle for an even count). */
export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/**
 * What Docker itself needs to run one pod, straight through its API: the same sandbox (pause
 * image on the cluster network, IPC shareable) and app container joining its namespaces that
 * the kubelet's runtime makes. Benchmarks use it as the raw baseline for "a pod"; every
 * container carries `io.skiff.cluster=<cluster>` and `io.skiff.bench=raw` so rawCleanup (and
 * the harness's removeDockerObjects) find it.
 */
export async function rawRun(docker: Docker, network: string, cluster: string, name: string, image: string, command: string[]): Promise<string[]> {
  const labels = { 'io.skiff.cluster': cluster, 'io.skiff.bench': 'raw' };
  const sb = await docker.createContainer({
    name: `${name}-pod`,
    Image: `${PAUSE_REPOSITORY}:${PAUSE_VERSION}`,
    Hostname: name,
    Labels: labels,
    HostConfig: { NetworkMode: network, IpcMode: 'shareable', RestartPolicy: { Name: 'no' }, ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] },
    NetworkingConfig: { EndpointsConfig: { [network]: {} } },
  });
  await sb.start();
  const ns = `container:${sb.id}`;
  const app = await docker.createContainer({
    name: `${name}-app`,
    Image: image,
    Entrypoint: command.slice(0, 1),
    Cmd: command.slice(1),
    Labels: labels,
    HostConfig: { NetworkMode: ns, IpcMode: ns, RestartPolicy: { Name: 'no' }, LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } } },
  });
  await app.start();
  return [app.id, sb.id];
}

/** Removes every raw-baseline container of a cluster (or only those whose name starts with `prefix`). */
export async function rawCleanup(docker: Docker, cluster: string, prefix?: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`io.skiff.cluster=${cluster}`, 'io.skiff.bench=raw'] } });
  const mine = prefix === undefined ? list : list.filter((c) => c.Names.some((n) => n.replace(/^\//, '').startsWith(prefix)));
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

/** A tiny HTTPS client for the cluster a kubeconfig names (bearer token, the cluster's CA). */
export interface KubeApi {
  call(method: string, path: string, body?: unknown): Promise<{ code: number; body: string }>;
  /**
   * Streams a watch (`path` without `watch=`); `onEvent` gets each event and the time it
   * arrived (performance.now()). Resolves once the response headers are in.
   */
  watch(path: string, onEvent: (ev: { type: string; object: KubeObject }, t: number) => void): Promise<{ close(): void }>;
  close(): void;
}

export function kubeApi(kubeconfig: string): KubeApi {
  const kc = YAML.parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const server = new URL(kc.clusters[0].cluster.server);
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  const token = kc.users[0].user.token;
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca });
  return {
    call: (method, path, body) =>
      new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const h: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
        if (data !== undefined) {
          h['Content-Type'] = 'application/json';
          h['Content-Length'] = String(Buffer.byteLength(data));
        }
        const r = request({ host: server.hostname, port: server.port, method, path, headers: h, agent }, (res) => {
          let out = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (out += d));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: out }));
        });
        r.on('error', reject);
        r.end(data);
      }),
    watch: (path, onEvent) =>
      new Promise((resolve, reject) => {
        const sep = path.includes('?') ? '&' : '?';
        const req = request(
          { host: server.hostname, port: server.port, method: 'GET', path: `${path}${sep}watch=true`, headers: { Authorization: `Bearer ${token}` }, ca },
          (res) => {
            if (res.statusCode !== 200) {
              reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
              res.resume();
              return;
            }
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              const t = performance.now();
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                if (line.trim()) onEvent(JSON.parse(line), t);
              }
            });
            resolve({ close: () => req.destroy() });
          },
        );
        req.on('error', (e) => reject(e));
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

/**
 * Runs `cleanup` if the bench is interrupted (Ctrl-C, a CI timeout's SIGTERM), then exits, so
 * an aborted run leaves no containers behind; `finally` blocks do not run on a signal.
 */
export function cleanupOnSignal(cleanup: () => Promise<void>): void {
  const handler = (sig: NodeJS.Signals) => {
    console.error(`bench: ${sig}, cleaning up`);
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
