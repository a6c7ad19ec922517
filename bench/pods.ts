/**
 * Kubelet benchmarks (issue B), each against a baseline measured in the same run on the same
 * Docker engine:
 *  1. Pod start latency: API create → watch says Running (image present, spec.nodeName set, so
 *     the kubelet alone is measured; a scheduled variant is printed for information), vs raw
 *     Docker API create+start of the same sandbox (pause image on the cluster network) and app
 *     container (joining its namespaces). Goals: p50 ≤ 1.3×, p99 ≤ 2×.
 *  2. 50 pods created at once until all are Running, vs 50 parallel raw sandbox+app runs.
 *     Goal ≤ 1.5×.
 *  3. Idle cost with 20 running pods: CPU of the `skiff serve` process over 10 s (from
 *     /proc/<pid>/stat) and its RSS. Goals: < 2 % of a core, < 200 MB.
 * Run: npm run bench pods (or node dist/bench/pods.js after npm run build). Needs Docker and the
 * test images (bash test/images/build.sh).
 */
import { request, Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import YAML from 'yaml';
import { startKubeletCluster, BUSYBOX, NODE, type KubeletCluster } from '../test/e2e/kubelet-cluster.js';
import { percentile, report, fmt, rawRun as rawRunPod, rawCleanup } from './lib.js';

const SEQUENTIAL = Number(process.env.BENCH_PODS_N ?? 30);
const CONCURRENT = 50;
const IDLE_PODS = 20;

interface Api {
  create(pod: Record<string, unknown>): Promise<number>;
  del(name: string): Promise<void>;
  watchRunning(): { until(name: string): Promise<number>; close(): void };
  close(): void;
}

function api(kubeconfig: string): Api {
  const kc = YAML.parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const server = new URL(kc.clusters[0].cluster.server);
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  const token = kc.users[0].user.token;
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ca });
  const call = (method: string, path: string, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const h: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
      if (body) {
        h['Content-Type'] = 'application/json';
        h['Content-Length'] = String(Buffer.byteLength(body));
      }
      const r = request({ host: server.hostname, port: server.port, method, path, headers: h, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', reject);
      r.end(body);
    });
  return {
    create: (pod) => call('POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod)),
    del: async (name) => {
      await call('DELETE', `/api/v1/namespaces/default/pods/${name}`, JSON.stringify({ gracePeriodSeconds: 0 }));
    },
    watchRunning() {
      const seen = new Map<string, number>();
      const waiters = new Map<string, (t: number) => void>();
      const req = request(
        { host: server.hostname, port: server.port, method: 'GET', path: '/api/v1/namespaces/default/pods?watch=true', headers: { Authorization: `Bearer ${token}` }, ca },
        (res) => {
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const t = performance.now();
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line) as { object: { metadata: { name: string }; status?: { phase?: string } } };
              const name = ev.object.metadata.name;
              if (ev.object.status?.phase === 'Running' && !seen.has(name)) {
                seen.set(name, t);
                waiters.get(name)?.(t);
              }
            }
          });
        },
      );
      req.end();
      return {
        until: (name) => {
          const t = seen.get(name);
          if (t !== undefined) return Promise.resolve(t);
          return new Promise((r) => waiters.set(name, r));
        },
        close: () => req.destroy(),
      };
    },
    close: () => agent.destroy(),
  };
}

function podSpec(name: string, scheduled = false): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'pods' } },
    spec: {
      ...(scheduled ? {} : { nodeName: NODE }),
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: BUSYBOX, command: ['sleep', '3600'] }],
    },
  };
}

/** The same sandbox + app container the runtime makes, straight through the Docker API. */
function rawRun(docker: Docker, network: string, cluster: string, name: string): Promise<string[]> {
  return rawRunPod(docker, network, cluster, name, BUSYBOX, ['sleep', '3600']);
}

async function waitNoPods(c: KubeletCluster): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await c.kubectl(['get', 'pods', '-l', 'bench=pods', '-o', 'name']);
    if (r.code === 0 && r.stdout.trim() === '' && c.containers({ 'io.skiff.role': 'app' }).length === 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]); // utime + stime (fields 14, 15)
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function main(): Promise<void> {
  const c = await startKubeletCluster();
  const docker = new Docker();
  const a = api(c.kubeconfig);
  const w = a.watchRunning();
  try {
    // Warm up: the kubelet has connected to Docker, built its network and sandbox image.
    await a.create(podSpec('warm'));
    await w.until('warm');
    await a.del('warm');
    const network = `skiff-${c.name}`;
    await rawRun(docker, network, c.name, 'bench-warm');
    await rawCleanup(docker, c.name);
    await waitNoPods(c);

    // 1. Sequential start latency, alternating pod and raw runs so drift hits both alike.
    const pods: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const name = `seq-${i}`;
      const t0 = performance.now();
      await a.create(podSpec(name));
      pods.push((await w.until(name)) - t0);
      const r0 = performance.now();
      await rawRun(docker, network, c.name, `bench-seq-${i}`);
      raw.push(performance.now() - r0);
    }
    const scheduled: number[] = [];
    for (let i = 0; i < 10; i++) {
      const name = `sched-${i}`;
      const t0 = performance.now();
      await a.create(podSpec(name, true));
      scheduled.push((await w.until(name)) - t0);
    }
    const p50 = percentile(pods, 50) / percentile(raw, 50);
    const p99 = percentile(pods, 99) / percentile(raw, 99);
    console.log(`pod start (n=${SEQUENTIAL}): pods p50 ${fmt(percentile(pods, 50))} ms p99 ${fmt(percentile(pods, 99))} ms | raw docker p50 ${fmt(percentile(raw, 50))} ms p99 ${fmt(percentile(raw, 99))} ms`);
    report('pod start latency p50 (create → Running)', `${fmt(percentile(pods, 50))} ms`, `raw docker ${fmt(percentile(raw, 50))} ms`, p50, '≤ 1.3x', p50 <= 1.3);
    report('pod start latency p99 (create → Running)', `${fmt(percentile(pods, 99))} ms`, `raw docker ${fmt(percentile(raw, 99))} ms`, p99, '≤ 2x', p99 <= 2);
    console.log(`(info) with the scheduler binding: p50 ${fmt(percentile(scheduled, 50))} ms, p99 ${fmt(percentile(scheduled, 99))} ms`);
    await Promise.all([...pods.keys()].map((i) => a.del(`seq-${i}`)));
    await Promise.all([...scheduled.keys()].map((i) => a.del(`sched-${i}`)));
    await rawCleanup(docker, c.name);
    await waitNoPods(c);

    // 2. 50 at once.
    const b0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => a.create(podSpec(`burst-${i}`))));
    await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => w.until(`burst-${i}`)));
    const burst = performance.now() - b0;
    const r0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => rawRun(docker, network, c.name, `bench-burst-${i}`)));
    const rawBurst = performance.now() - r0;
    await rawCleanup(docker, c.name);
    report(`${CONCURRENT} pods at once (create → all Running)`, `${fmt(burst, 0)} ms`, `${CONCURRENT} parallel raw docker runs ${fmt(rawBurst, 0)} ms`, burst / rawBurst, '≤ 1.5x', burst / rawBurst <= 1.5);

    // 3. Idle cost with 20 running pods (the burst's first 20 stay).
    await Promise.all(Array.from({ length: CONCURRENT - IDLE_PODS }, (_, i) => a.del(`burst-${IDLE_PODS + i}`)));
    // Wait until the deleted pods are gone (containers stopped and removed), then let it settle.
    for (let i = 0; i < 600; i++) {
      const r = await c.kubectl(['get', 'pods', '-l', 'bench=pods', '-o', 'name']);
      if (r.stdout.trim().split('\n').filter(Boolean).length === IDLE_PODS && c.containers({ 'io.skiff.role': 'app' }).length === IDLE_PODS) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const pid = c.proc.pid as number;
    await new Promise((r) => setTimeout(r, 5000));
    const hz = 100; // USER_HZ on Linux
    const t0 = cpuTicks(pid);
    const s0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const ticks = cpuTicks(pid) - t0;
    const seconds = (performance.now() - s0) / 1000;
    const cpuPct = (ticks / hz / seconds) * 100;
    const rss = rssBytes(pid);
    report(`idle CPU with ${IDLE_PODS} running pods`, `${fmt(cpuPct, 2)} % of a core`, 'goal 2 %', cpuPct / 2, '< 1x (2 % of a core)', cpuPct < 2);
    report(`idle RSS with ${IDLE_PODS} running pods`, `${fmt(rss / 1048576, 0)} MB`, 'goal 200 MB', rss / (200 * 1048576), '< 1x (200 MB)', rss < 200 * 1048576);
  } finally {
    w.close();
    a.close();
    await rawCleanup(docker, c.name).catch(() => undefined);
    await c.destroy();
  }
}

await main();
