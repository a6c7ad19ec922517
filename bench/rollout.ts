/**
 * A rolling update of 20 replicas (issue C): a 20-replica Deployment is Ready, then
 * `kubectl set env` changes its pod template (a new ReplicaSet, as `kubectl set image` would
 * make), and the clock runs until `kubectl rollout status` (the real kubectl) exits reporting
 * the rollout complete: every replica updated and available, no old replica counted. Both
 * kubectl processes are inside the measured time, as a user would see them.
 *
 * The baseline, in the same run on the same Docker engine: the same replacement done with raw
 * Docker by a zero-overhead controller that follows the Deployment's own rolling algorithm
 * with the default maxSurge 25 % and maxUnavailable 25 % (5 and 5 of 20): start new pods while
 * old + new ≤ 25, remove old pods while old + ready new ≥ 15 + 1, re-evaluate each time a new
 * pod is running. Each pod is the raw sandbox + app pair (bench/lib.ts rawRun), removed with a
 * forced remove of both containers. The baseline ends when the last new pod is running and the
 * last old removal has been issued — what `rollout status` waits for (terminating pods are no
 * longer counted) — so both sides leave their old containers' removal in flight. A plain
 * "replace 20 containers at once" would not be the same work: the rolling pattern serialises
 * the update into waves whose length is a pod start, and that is the cost being compared.
 * The time of the fresh 20-replica create (apply → rollout status) is printed for information.
 *
 * Rounds alternate which side goes first; the median is reported. Issue C sets no figure for
 * this one; we hold it to the 1.5× of the 100-replica benchmark. Every container the bench
 * makes is removed on the way out, also on failure.
 *
 *   npm run bench rollout     (or node dist/bench/rollout.js after a build)
 *   BENCH_ROLLOUT_REPLICAS=20 BENCH_ROLLOUT_ROUNDS=3
 * Needs Docker and the test images (bash test/images/build.sh).
 */
import Docker from 'dockerode';
import { startKubeletCluster, BUSYBOX, type KubeletCluster } from '../test/e2e/kubelet-cluster.js';
import { cleanupOnSignal, fmt, median, rawCleanup, rawRun, report } from './lib.js';

const REPLICAS = Number(process.env.BENCH_ROLLOUT_REPLICAS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROLLOUT_ROUNDS ?? 3);
const COMMAND = ['sleep', '3600'];
const NAME = 'roll';
const GOAL = 1.5;
// The Deployment defaults (25 %): surge rounds up, unavailable rounds down, as upstream.
const SURGE = Math.ceil(REPLICAS * 0.25);
const UNAVAILABLE = Math.floor(REPLICAS * 0.25);

function manifest(): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, labels: { bench: 'rollout' } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME, bench: 'rollout' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: BUSYBOX, command: COMMAND, env: [{ name: 'ROUND', value: 'initial' }] }] },
      },
    },
  });
}

async function kubectlOk(c: KubeletCluster, args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `kubectl set env` then `kubectl rollout status` until it exits; returns ms and its last line. */
async function timeRollout(c: KubeletCluster, round: number): Promise<{ ms: number; said: string }> {
  const t0 = performance.now();
  await kubectlOk(c, ['set', 'env', `deployment/${NAME}`, `ROUND=${round}`]);
  const out = await kubectlOk(c, ['rollout', 'status', `deployment/${NAME}`, '--timeout=10m']);
  const ms = performance.now() - t0;
  return { ms, said: out.trim().split('\n').pop() ?? '' };
}

/** Waits until only `n` app containers of the cluster's pods are left (old ones removed). */
async function waitAppContainers(c: KubeletCluster, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 1200; i++) {
    if (c.containers({ 'io.skiff.role': 'app' }).length === n) return performance.now() - t0;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`old pod containers were not removed`);
}

function removeRawPod(docker: Docker, name: string): Promise<void> {
  const rm = (id: string) => docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  return rm(`${name}-app`).then(() => rm(`${name}-pod`));
}

/**
 * The Deployment controller's rolling pattern over raw Docker, with nothing between the
 * decision and Docker. `old` are the running old pods (raw pod names); returns the time until
 * all new pods run and every old removal is issued, then waits for the removals.
 */
async function timeRawRolling(docker: Docker, c: KubeletCluster, old: string[], prefix: string): Promise<number> {
  const network = `skiff-${c.name}`;
  const removals: Promise<void>[] = [];
  const inflight = new Set<Promise<void>>();
  let started = 0;
  let ready = 0;
  const t0 = performance.now();
  for (;;) {
    // Scale the new generation up within maxSurge.
    while (started < REPLICAS && old.length + started < REPLICAS + SURGE) {
      const p: Promise<void> = rawRun(docker, network, c.name, `${prefix}-${started++}`, BUSYBOX, COMMAND).then(() => {
        ready++;
        inflight.delete(p);
      });
      inflight.add(p);
    }
    // Scale the old generation down within maxUnavailable (old pods are all available).
    while (old.length > 0 && old.length + ready > REPLICAS - UNAVAILABLE) removals.push(removeRawPod(docker, old.pop()!));
    if (ready === REPLICAS && old.length === 0) break;
    await Promise.race(inflight);
  }
  const ms = performance.now() - t0;
  await Promise.all(removals);
  return ms;
}

async function main(): Promise<void> {
  const c = await startKubeletCluster();
  const docker = new Docker();
  cleanupOnSignal(async () => {
    await rawCleanup(docker, c.name).catch(() => undefined);
    await c.destroy();
  });
  try {
    const f0 = performance.now();
    await kubectlOk(c, ['apply', '-f', '-'], manifest());
    await kubectlOk(c, ['rollout', 'status', `deployment/${NAME}`, '--timeout=10m']);
    const fresh = performance.now() - f0;
    console.log(`(info) fresh ${REPLICAS}-replica create (kubectl apply → rollout status complete): ${fmt(fresh, 0)} ms`);
    // Warm up the raw path on the network the kubelet made for the pods.
    await rawRun(docker, `skiff-${c.name}`, c.name, 'raw-warm', BUSYBOX, COMMAND);
    await rawCleanup(docker, c.name);

    // The baseline's old generation: REPLICAS raw pods, started outside the clock.
    let generation = 0;
    const startOld = async (): Promise<string[]> => {
      const names = Array.from({ length: REPLICAS }, (_, i) => `raw-g${generation}-${i}`);
      await Promise.all(names.map((n) => rawRun(docker, `skiff-${c.name}`, c.name, n, BUSYBOX, COMMAND)));
      return names;
    };
    let rawOld = await startOld();

    const rolled: number[] = [];
    const raw: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let said = '';
      let cleanup = 0;
      const runDeployment = async () => {
        const r = await timeRollout(c, round);
        rolled.push(r.ms);
        said = r.said;
        cleanup = r.ms + (await waitAppContainers(c, REPLICAS));
      };
      const runRaw = async () => {
        generation++;
        raw.push(await timeRawRolling(docker, c, rawOld, `raw-g${generation}`));
        rawOld = Array.from({ length: REPLICAS }, (_, i) => `raw-g${generation}-${i}`);
      };
      if (round % 2 === 1) {
        await runDeployment();
        await runRaw();
      } else {
        await runRaw();
        await runDeployment();
      }
      const i = round - 1;
      console.log(`round ${round}: rolling update ${fmt(rolled[i], 0)} ms ("${said}"; old containers all removed at ${fmt(cleanup, 0)} ms) | raw rolling ${fmt(raw[i], 0)} ms | ${fmt(rolled[i] / raw[i], 2)}x`);
    }
    const ratio = median(rolled) / median(raw);
    report(
      `rolling update of ${REPLICAS} replicas (kubectl set env → rollout status complete), median of ${ROUNDS}`,
      `${fmt(median(rolled), 0)} ms`,
      `raw docker replacement in the same surge ${SURGE}/unavailable ${UNAVAILABLE} pattern ${fmt(median(raw), 0)} ms`,
      ratio,
      `≤ ${GOAL}x`,
      ratio <= GOAL,
    );
  } finally {
    await rawCleanup(docker, c.name).catch(() => undefined);
    await c.destroy();
  }
}

await main();
