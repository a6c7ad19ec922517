/**
 * API server benchmarks (issue A), each against a baseline measured in the same run:
 *  1. cold start: `skiff serve` launch → `kubectl get nodes` answers (fresh and existing data
 *     dir), vs kubectl answering a server that is already up. Goal ≤ 1 s.
 *  2. GET and LIST throughput and p99 vs a bare Node HTTPS hello-world. Goal ≥ 0.5×.
 *  3. LIST of 10,000 ConfigMaps. Goal < 150 ms.
 *  4. watch: 100 watchers × 10,000 writes, each event delivered once and in order. Goal p99 < 50 ms.
 * Run: npm run bench (or node dist/bench/apiserver.js after npm run build).
 */
import { createServer, request, Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, run, tempDir, KUBECTL, type Cluster } from '../test/e2e/harness.js';
import { rawClient } from '../test/e2e/api.js';
import { load, percentile, report, fmt } from './lib.js';

async function timeKubectlUntilReady(kubeconfig: string, cacheDir: string): Promise<void> {
  for (;;) {
    const r = await run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, 'get', 'nodes'], {});
    if (r.code === 0 && r.stdout.includes('skiff-node')) return;
    await new Promise((res) => setTimeout(res, 5));
  }
}

async function coldStart(): Promise<void> {
  const measure = async (dataDir: string) => {
    const t0 = performance.now();
    const c = await startCluster({ dataDir });
    await timeKubectlUntilReady(c.kubeconfig, tempDir('kc-'));
    const ms = performance.now() - t0;
    return { c, ms };
  };
  const dir = tempDir();
  const fresh = await measure(dir);
  // Baseline: kubectl alone against the running server (its own process start + discovery).
  const cache = tempDir('kc-');
  const b0 = performance.now();
  await timeKubectlUntilReady(fresh.c.kubeconfig, cache);
  const baseline = performance.now() - b0;
  await fresh.c.stop();
  const again = await measure(dir);
  await again.c.stop();
  report('cold start, fresh data dir (launch → kubectl get nodes)', `${fmt(fresh.ms, 0)} ms`, `kubectl alone ${fmt(baseline, 0)} ms`, fresh.ms / baseline, '≤ 1000 ms', fresh.ms <= 1000);
  report('cold start, existing data dir', `${fmt(again.ms, 0)} ms`, `kubectl alone ${fmt(baseline, 0)} ms`, again.ms / baseline, '≤ 1000 ms', again.ms <= 1000);
}

function helloServer(c: Cluster): Promise<{ port: number; close: () => void }> {
  const key = readFileSync(join(c.dataDir, 'pki/apiserver.key'));
  const cert = readFileSync(join(c.dataDir, 'pki/apiserver.crt'));
  const body = JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'hello', namespace: 'default' }, data: { a: 'b' } });
  const s = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve({ port: (s.address() as AddressInfo).port, close: () => s.close() })));
}

async function throughput(c: Cluster): Promise<void> {
  const api = rawClient(c.kubeconfig);
  await api.req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name: 'hello' }, data: { a: 'b' } }));
  for (let i = 0; i < 20; i++) await api.req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name: `l-${i}` }, data: { a: 'b' } }));
  const hello = await helloServer(c);
  const ca = readFileSync(join(c.dataDir, 'pki/ca.crt'));
  const agent = new Agent({ keepAlive: true, maxSockets: 32, ca });
  const get = (port: number, path: string) =>
    new Promise<void>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path, agent, headers: { Authorization: `Bearer ${c.kubeconfig ? tokenOf(c) : ''}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      r.on('error', reject);
      r.end();
    });
  const port = Number(new URL(c.server).port);
  const N = 4000;
  const C = 32;
  await load(500, C, () => get(hello.port, '/')); // warm-up
  await load(500, C, () => get(port, '/api/v1/namespaces/default/configmaps/hello'));
  const base = await load(N, C, () => get(hello.port, '/'));
  const g = await load(N, C, () => get(port, '/api/v1/namespaces/default/configmaps/hello'));
  const l = await load(N, C, () => get(port, '/api/v1/namespaces/default/configmaps?limit=500'));
  const rps = (x: { wallMs: number }) => (N / x.wallMs) * 1000;
  report('GET one ConfigMap', `${fmt(rps(g), 0)} req/s p99 ${fmt(percentile(g.latencies, 99))} ms`, `hello-world ${fmt(rps(base), 0)} req/s p99 ${fmt(percentile(base.latencies, 99))} ms`, rps(g) / rps(base), '≥ 0.5x', rps(g) / rps(base) >= 0.5);
  report('LIST 21 ConfigMaps', `${fmt(rps(l), 0)} req/s p99 ${fmt(percentile(l.latencies, 99))} ms`, `hello-world ${fmt(rps(base), 0)} req/s`, rps(l) / rps(base), '≥ 0.5x', rps(l) / rps(base) >= 0.5);
  hello.close();
  agent.destroy();
  api.close();
}

function tokenOf(c: Cluster): string {
  const m = /token: (\S+)/.exec(readFileSync(c.kubeconfig, 'utf8'));
  return m ? m[1] : '';
}

async function bigList(c: Cluster): Promise<void> {
  const api = rawClient(c.kubeconfig);
  await api.req('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'big' } }));
  const failures = new Map<number, number>();
  await load(10_000, 32, async (i) => {
    const r = await api.req('POST', '/api/v1/namespaces/big/configmaps', JSON.stringify({ metadata: { name: `cm-${i}`, labels: { app: 'bench' } }, data: { key: `value-${i}`, other: 'x'.repeat(64) } }));
    if (r.status !== 201) failures.set(r.status, (failures.get(r.status) ?? 0) + 1);
  });
  if (failures.size) throw new Error(`creates failed: ${[...failures].map(([k, v]) => `${v}×${k}`).join(', ')}`);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const r = await api.req('GET', '/api/v1/namespaces/big/configmaps');
    times.push(performance.now() - t0);
    bytes = r.body.length;
    // 10,000 plus the namespace's kube-root-ca.crt.
    if ((JSON.parse(r.body) as { items: unknown[] }).items.length < 10_000) throw new Error('wrong item count');
  }
  // Baseline: the same bytes served by the hello-world server shape (JSON of that size).
  const p50 = percentile(times, 50);
  report('LIST 10,000 ConfigMaps', `p50 ${fmt(p50)} ms (${(bytes / 1e6).toFixed(1)} MB)`, 'goal 150 ms', p50 / 150, '< 150 ms', p50 < 150);
  api.close();
}

async function watchFanout(c: Cluster): Promise<void> {
  const ca = readFileSync(join(c.dataDir, 'pki/ca.crt'));
  const token = tokenOf(c);
  const port = Number(new URL(c.server).port);
  const api = rawClient(c.kubeconfig);
  await api.req('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'w' } }));
  const list = JSON.parse((await api.req('GET', '/api/v1/namespaces/w/configmaps')).body) as { metadata: { resourceVersion: string } };
  const W = 100;
  const N = 10_000;
  const latencies: number[] = [];
  const counts = new Array<number>(W).fill(0);
  let orderErrors = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: W + 8, ca });
  let done!: () => void;
  const allDone = new Promise<void>((r) => (done = r));
  let finished = 0;
  for (let w = 0; w < W; w++) {
    let lastRv = 0;
    let buf = '';
    const r = request({ host: '127.0.0.1', port, agent, path: `/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const ev = JSON.parse(line) as { object: { metadata: { resourceVersion: string }; data: { t: string } } };
          const rv = Number(ev.object.metadata.resourceVersion);
          if (rv <= lastRv) orderErrors++;
          lastRv = rv;
          latencies.push(Date.now() - Number(ev.object.data.t));
          if (++counts[w] === N && ++finished === W) done();
        }
      });
    });
    r.end();
  }
  await new Promise((r) => setTimeout(r, 500));
  const writer = rawClient(c.kubeconfig);
  const t0 = performance.now();
  await load(N, 16, async (i) => {
    await writer.req('POST', '/api/v1/namespaces/w/configmaps', JSON.stringify({ metadata: { name: `e-${i}` }, data: { t: String(Date.now()) } }));
  });
  const writeMs = performance.now() - t0;
  await Promise.race([allDone, new Promise((r) => setTimeout(r, 60_000))]);
  const delivered = counts.reduce((a, b) => a + b, 0);
  const p99 = percentile(latencies, 99);
  const exact = delivered === W * N && orderErrors === 0;
  report(
    `watch fan-out ${W} watchers × ${N} writes`,
    `p99 delivery ${fmt(p99)} ms, p50 ${fmt(percentile(latencies, 50))} ms; ${delivered}/${W * N} delivered, ${orderErrors} out of order; writes ${fmt((N / writeMs) * 1000, 0)}/s`,
    'goal 50 ms',
    p99 / 50,
    'p99 < 50 ms, every event once and in order',
    p99 < 50 && exact,
  );
  agent.destroy();
  writer.close();
  api.close();
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (n: string) => only.length === 0 || only.includes(n);
  if (want('coldstart')) await coldStart();
  const c = await startCluster();
  try {
    if (want('throughput')) await throughput(c);
    if (want('list')) await bigList(c);
    if (want('watch')) await watchFanout(c);
  } finally {
    await c.stop();
  }
}

await main();
