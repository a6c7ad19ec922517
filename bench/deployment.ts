/**
 * A 100-replica Deployment (issue C): the time from `kubectl apply -f` (the real kubectl,
 * /usr/bin/kubectl, through the cluster's kubeconfig) until the Deployment's
 * `status.readyReplicas` is 100, against 100 parallel raw Docker runs of the same containers in
 * the same run on the same Docker engine. Goal ≤ 1.5×.
 *
 * Measuring the Deployment: a watch on the Deployment (opened before the apply) stamps the
 * event whose readyReplicas reaches 100, so neither polling intervals nor a second kubectl
 * process add to the figure. The clock starts before kubectl is spawned, so kubectl's own
 * start-up (~0.1 s) is included, as a user would see it. A watch on the pods records when the
 * last pod was created, bound and Ready, which splits the time into controller → scheduler →
 * kubelet (printed per round for information).
 *
 * The baseline: a pod is a sandbox container owning the network namespace plus the app
 * container joining it, so the fair raw equivalent of a replica is exactly that pair made
 * straight through the Docker API (bench/lib.ts rawRun: pause image on the cluster's network,
 * then busybox `sleep 3600` with --network/--ipc container:<sandbox>), 100 of them started at
 * once, until every `start` call has returned (the container is running). A single bare
 * `docker run -d` per replica would compare two containers against one and would not give each
 * replica its own IP the way pods have; the pair is what Docker must do for a pod, whoever
 * drives it. No readiness probe is set, so Ready means the containers are started, as for the
 * baseline.
 *
 * Rounds alternate which side goes first, so drift on a shared machine hits both alike; the
 * median of the rounds is reported. Every container the bench makes carries the cluster's label
 * and is removed on the way out, also on failure.
 *
 *   npm run bench deployment     (or node dist/bench/deployment.js after a build)
 *   BENCH_DEPLOY_REPLICAS=100 BENCH_DEPLOY_ROUNDS=3
 * Needs Docker and the test images (bash test/images/build.sh).
 */
import Docker from 'dockerode';
import { startKubeletCluster, BUSYBOX, type KubeletCluster } from '../test/e2e/kubelet-cluster.js';
import type { KubeObject } from '../engine/api/types.js';
import { cleanupOnSignal, fmt, kubeApi, median, rawCleanup, rawRun, report, type KubeApi } from './lib.js';

const REPLICAS = Number(process.env.BENCH_DEPLOY_REPLICAS ?? 100);
const ROUNDS = Number(process.env.BENCH_DEPLOY_ROUNDS ?? 3);
const COMMAND = ['sleep', '3600'];
const GOAL = 1.5;

function manifest(name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { bench: 'deployment' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, bench: 'deployment' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: BUSYBOX, command: COMMAND }] },
      },
    },
  });
}

interface PodTimes {
  applied: number;
  created: number;
  bound: number;
  running: number;
  ready: number;
}

/** Applies a Deployment with the real kubectl and times it until readyReplicas == replicas. */
async function timeDeployment(c: KubeletCluster, api: KubeApi, name: string, replicas: number): Promise<{ ms: number; last: PodTimes }> {
  let resolveReady!: (t: number) => void;
  const readyAt = new Promise<number>((r) => (resolveReady = r));
  const dw = await api.watch(`/apis/apps/v1/namespaces/default/deployments?fieldSelector=metadata.name%3D${name}`, (ev, t) => {
    const st = ev.object.status as { readyReplicas?: number } | undefined;
    if (ev.type !== 'DELETED' && (st?.readyReplicas ?? 0) >= replicas) resolveReady(t);
  });
  // Per pod: the first time it was seen created, bound, Running and Ready.
  const pods = new Map<string, Partial<PodTimes>>();
  const pw = await api.watch(`/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`, (ev, t) => {
    const o = ev.object as KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };
    const p = pods.get(o.metadata.name ?? '') ?? {};
    pods.set(o.metadata.name ?? '', p);
    p.created ??= t;
    if (o.spec?.nodeName) p.bound ??= t;
    if (o.status?.phase === 'Running') p.running ??= t;
    if (o.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) p.ready ??= t;
  });
  try {
    const t0 = performance.now();
    const r = await c.kubectl(['apply', '-f', '-'], { input: manifest(name, replicas) });
    if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
    const applied = performance.now() - t0;
    const t1 = await withTimeout(readyAt, 600_000, `${name}: readyReplicas never reached ${replicas}`);
    const lastOf = (k: keyof PodTimes) => Math.max(...[...pods.values()].map((p) => p[k] ?? NaN)) - t0;
    return { ms: t1 - t0, last: { applied, created: lastOf('created'), bound: lastOf('bound'), running: lastOf('running'), ready: lastOf('ready') } };
  } finally {
    dw.close();
    pw.close();
  }
}

/** 100 raw sandbox + app pairs at once; the time until every start has returned. */
async function timeRaw(docker: Docker, c: KubeletCluster, prefix: string, n: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => rawRun(docker, `skiff-${c.name}`, c.name, `${prefix}-${i}`, BUSYBOX, COMMAND)));
  return performance.now() - t0;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Deletes the Deployment and waits until its pods and their containers are gone. */
async function removeDeployment(c: KubeletCluster, api: KubeApi, name: string): Promise<void> {
  await c.kubectl(['delete', 'deployment', name, '--wait=false']);
  for (let i = 0; i < 1200; i++) {
    const r = await api.call('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`);
    const left = (JSON.parse(r.body) as { items?: unknown[] }).items?.length ?? 1;
    if (r.code === 200 && left === 0 && c.containers({ 'io.skiff.role': 'app' }).length === 0) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`pods of ${name} were not removed`);
}

async function main(): Promise<void> {
  const c = await startKubeletCluster();
  const docker = new Docker();
  cleanupOnSignal(async () => {
    await rawCleanup(docker, c.name).catch(() => undefined);
    await c.destroy();
  });
  const api = kubeApi(c.kubeconfig);
  try {
    // Warm up both paths: the kubelet's Docker connection, network and sandbox image; Docker's
    // image and network caches.
    await timeDeployment(c, api, 'warm', 2);
    await removeDeployment(c, api, 'warm');
    await timeRaw(docker, c, 'raw-warm', 2);
    await rawCleanup(docker, c.name);

    const deploy: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const name = `bench-${round}`;
      let d: Awaited<ReturnType<typeof timeDeployment>> | undefined;
      const runDeployment = async () => {
        d = await timeDeployment(c, api, name, REPLICAS);
        deploy.push(d.ms);
        await removeDeployment(c, api, name);
      };
      const runRaw = async () => {
        raw.push(await timeRaw(docker, c, `raw-${round}`, REPLICAS));
        await rawCleanup(docker, c.name);
      };
      // Alternate which goes first so drift on a shared machine hits both alike.
      if (round % 2 === 0) {
        await runDeployment();
        await runRaw();
      } else {
        await runRaw();
        await runDeployment();
      }
      const l = d!.last;
      console.log(
        `round ${round + 1}: deployment ${fmt(deploy[round], 0)} ms (kubectl apply returned ${fmt(l.applied, 0)}, last pod created ${fmt(l.created, 0)}, bound ${fmt(l.bound, 0)}, Running ${fmt(l.running, 0)}, Ready ${fmt(l.ready, 0)} ms) | raw ${fmt(raw[round], 0)} ms | ${fmt(deploy[round] / raw[round], 2)}x`,
      );
    }
    const ratio = median(deploy) / median(raw);
    report(
      `${REPLICAS}-replica Deployment (kubectl apply → readyReplicas ${REPLICAS}), median of ${ROUNDS}`,
      `${fmt(median(deploy), 0)} ms`,
      `${REPLICAS} parallel raw docker sandbox+app runs ${fmt(median(raw), 0)} ms`,
      ratio,
      `≤ ${GOAL}x`,
      ratio <= GOAL,
    );
  } finally {
    api.close();
    await rawCleanup(docker, c.name).catch(() => undefined);
    await c.destroy();
  }
}

await main();
