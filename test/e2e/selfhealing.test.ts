/**
 * Self-healing and rollout strategies on real containers, driven by the real kubectl (issue C's
 * "Proven by"): a container killed behind the cluster's back with `docker kill` is restarted by
 * the kubelet; a deleted pod is replaced by its ReplicaSet; the Recreate strategy removes every
 * old pod before a new one exists; a rollout that cannot progress fails its progress deadline;
 * `kubectl drain` evicts pods (honouring a PodDisruptionBudget) and their controller recreates
 * them on another node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { docker, dockerAvailable, eventually, KUBECTL, writeTemp } from './harness.js';
import { BUSYBOX, NODE, startKubeletCluster, type KubeletCluster } from './kubelet-cluster.js';

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { containerID?: string; restartCount: number; ready: boolean }[] };
}

/** A Deployment whose busybox pods stop at once on SIGTERM (sh ignores it otherwise). */
function deployment(name: string, replicas: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...extra,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] }],
        },
      },
    },
  });
}

describe('self-healing and rollout strategies (real containers)', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  let c: KubeletCluster;
  const pods = async (app: string): Promise<Pod[]> => (JSON.parse(await c.k(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])) as { items: Pod[] }).items;
  const live = async (app: string) => (await pods(app)).filter((p) => !p.metadata.deletionTimestamp);
  const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
  const rollout = async (name: string, timeout = '90s') => {
    const r = await c.kubectl(['rollout', 'status', `deploy/${name}`, `--timeout=${timeout}`], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `rollout status ${name}: ${r.stderr}${r.stdout}`);
  };

  before(async () => {
    c = await startKubeletCluster();
  });
  after(async () => {
    await c?.destroy();
  });

  it('docker kill of a pod container: the kubelet restarts it (restartCount 1, Ready again)', async () => {
    await c.k(['apply', '-f', writeTemp('heal.json', deployment('heal', 2))]);
    await rollout('heal');
    const [victim] = await live('heal');
    const id = victim.status?.containerStatuses?.[0]?.containerID?.replace('docker://', '');
    assert.ok(id, 'the pod reports its container ID');
    docker(['kill', id]);
    await eventually(async () => {
      const p = (await live('heal')).find((x) => x.metadata.name === victim.metadata.name);
      const cs = p?.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 1 && cs.ready && cs.containerID !== `docker://${id}`;
    }, 60_000);
  });

  it('kubectl delete pod: the ReplicaSet replaces it', async () => {
    const before = (await live('heal')).map((p) => p.metadata.name);
    await c.k(['delete', 'pod', before[0], '--wait=false']);
    await eventually(async () => {
      const now = await live('heal');
      return now.length === 2 && now.every(ready) && !now.some((p) => p.metadata.name === before[0]);
    }, 60_000);
  });

  it('strategy Recreate: every old pod is gone before the first new one is created', async () => {
    await c.k(['apply', '-f', writeTemp('heal.json', deployment('heal', 2, { strategy: { type: 'Recreate' } }))]);
    const oldHash = (await live('heal'))[0].metadata.labels?.['pod-template-hash'];
    // A watch of the pods records the order of events as the API server sends them.
    const watch = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, 'get', 'pods', '-l', 'app=heal', '--watch-only', '--output-watch-events', '-o', 'jsonpath={.type} {.object.metadata.name} {.object.metadata.labels.pod-template-hash}{"\\n"}'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    watch.stdout.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1000)); // the watch is established
      await c.k(['set', 'env', 'deploy/heal', 'ROUND=2']);
      await rollout('heal');
      await eventually(() => log.split('\n').filter((l) => l.startsWith('DELETED')).length >= 2, 10_000);
    } finally {
      watch.kill();
    }
    const lines = log.split('\n').filter(Boolean).map((l) => l.split(' '));
    const lastOldDeleted = lines.findLastIndex(([type, , hash]) => type === 'DELETED' && hash === oldHash);
    const firstNewAdded = lines.findIndex(([type, , hash]) => type === 'ADDED' && hash !== oldHash);
    assert.ok(lastOldDeleted >= 0 && firstNewAdded >= 0, `watch saw the old pods go and new ones come:\n${log}`);
    assert.ok(lastOldDeleted < firstNewAdded, `Recreate created a new pod before the old ones were gone:\n${log}`);
    const now = await live('heal');
    assert.equal(now.length, 2);
    assert.ok(now.every((p) => p.metadata.labels?.['pod-template-hash'] !== oldHash));
  });

  it('a rollout that cannot become ready exceeds progressDeadlineSeconds', async () => {
    await c.k(['apply', '-f', writeTemp('stuck.json', deployment('stuck', 1, { progressDeadlineSeconds: 8 }))]);
    await rollout('stuck');
    // The new pods never become Ready: the readiness probe always fails.
    const patch = { spec: { template: { spec: { containers: [{ name: 'main', readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }] } } } };
    await c.k(['patch', 'deploy', 'stuck', '-p', JSON.stringify(patch)]);
    const r = await c.kubectl(['rollout', 'status', 'deploy/stuck', '--timeout=90s'], { timeoutMs: 120_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deployment "stuck" exceeded its progress deadline/);
    const progressing = await c.k(['get', 'deploy', 'stuck', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
    assert.equal(progressing, 'ProgressDeadlineExceeded');
    // The old pod kept serving: maxUnavailable protects it.
    assert.equal((await live('stuck')).filter(ready).length, 1);
    await c.k(['delete', 'deploy', 'stuck']);
  });

  it('kubectl drain evicts pods within their PodDisruptionBudget; they come back on another node', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'spare', labels: { 'node.skiff.io/virtual': 'true' } } };
    await c.k(['apply', '-f', writeTemp('spare.json', JSON.stringify(node))]);
    await eventually(async () => (await c.k(['get', 'node', 'spare', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', 30_000);
    // minAvailable 2 of 2 replicas: no disruption is allowed, so drain cannot evict.
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'heal' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'heal' } } } };
    await c.k(['apply', '-f', writeTemp('pdb.json', JSON.stringify(pdb))]);
    await eventually(async () => (await c.k(['get', 'pdb', 'heal', '-o', 'jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}'])) === '2/0', 30_000);
    assert.equal((await live('heal')).filter((p) => p.spec.nodeName === NODE).length, 2, 'both pods start on the local node');
    const drain = (timeout: string) => c.kubectl(['drain', NODE, '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector=app=heal', `--timeout=${timeout}`], { timeoutMs: 150_000 });
    const blocked = await drain('8s');
    assert.notEqual(blocked.code, 0, 'drain gives up while the budget allows nothing');
    assert.match(blocked.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.equal((await live('heal')).length, 2, 'nothing was evicted');
    // The drain cordoned the node: a third replica lands on the spare node and frees one disruption.
    await c.k(['scale', 'deploy', 'heal', '--replicas=3']);
    await eventually(async () => (await c.k(['get', 'pdb', 'heal', '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '1', 30_000);
    const r = await drain('120s');
    assert.equal(r.code, 0, `drain: ${r.stderr}${r.stdout}`);
    assert.match(r.stdout, /evicted/);
    assert.match(r.stdout, /node\/skiff-node drained/);
    const now = await live('heal');
    assert.equal(now.length, 3);
    assert.ok(now.every((p) => p.spec.nodeName === 'spare'), 'replacements run on the spare node');
    assert.equal(await c.k(['get', 'node', NODE, '-o', 'jsonpath={.spec.unschedulable}']), 'true');
    await c.k(['uncordon', NODE]);
  });
});
