/**
 * Compatibility sweep, part 3: commands that need pods really running on Docker — `wait
 * --for=condition=Ready -l`, `rollout status` of deployments, statefulsets and daemonsets,
 * field selectors on pod phase, forced deletion of a running pod, and `drain` with
 * PodDisruptionBudgets (policy/v1 Eviction answered 429 while the budget forbids it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerAvailable, eventually, startCluster, writeTemp, type Cluster } from './harness.js';

const SKIP = dockerAvailable() ? false : 'Docker is not available';

const WORKLOADS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: skiff-test/busybox:1, command: [sleep, "3600"]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: skiff-test/busybox:1, command: [sleep, "3600"]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: skiff-test/busybox:1, command: [sleep, "3600"]}]
`;

describe('kubectl compatibility: running workloads', { skip: SKIP }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c.kubectl(['delete', 'all', '--all', '--grace-period=0', '--force', '--wait=false']);
    await c.stop();
  });

  it('rollout status of every kind, wait --for=condition=Ready -l, field selectors on phase', async () => {
    await c.k(['apply', '-f', writeTemp('workloads.yaml', WORKLOADS)]);
    assert.match(await c.k(['rollout', 'status', 'deploy/web', '--timeout=90s']), /deployment "web" successfully rolled out/);
    assert.match(await c.k(['rollout', 'status', 'sts/db', '--timeout=90s']), /partitioned roll out complete: 2 new pods have been updated/);
    assert.match(await c.k(['rollout', 'status', 'ds/agent', '--timeout=90s']), /daemon set "agent" successfully rolled out/);
    const waited = await c.k(['wait', '--for=condition=Ready', 'pod', '-l', 'app=web', '--timeout=60s']);
    assert.equal(waited.trim().split('\n').filter((l) => /condition met$/.test(l)).length, 2);
    await c.k(['run', 'done', '--image=skiff-test/busybox:1', '--restart=Never', '--', 'true']);
    await c.k(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/done', '--timeout=60s']);
    const notRunning = await c.k(['get', 'pods', '--field-selector=status.phase!=Running', '-o', 'name']);
    assert.equal(notRunning.trim(), 'pod/done');
    const running = await c.k(['get', 'pods', '--field-selector=status.phase=Running,metadata.namespace=default', '-o', 'name']);
    assert.equal(running.trim().split('\n').length, 5);
  });

  it('delete --grace-period=0 --force removes a running pod at once; --wait=false returns at once', async () => {
    const pod = (await c.k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const r = await c.kubectl(['delete', 'pod', pod, '--grace-period=0', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`pod "${pod}" force deleted`));
    assert.equal((await c.kubectl(['get', 'pod', pod])).code, 1, 'gone from the API at once');
    const other = (await c.k(['get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const t0 = Date.now();
    assert.match(await c.k(['delete', 'pod', other, '--wait=false']), new RegExp(`pod "${other}" deleted`));
    assert.ok(Date.now() - t0 < 5000, 'does not wait for the grace period');
    await c.k(['rollout', 'status', 'deploy/web', '--timeout=60s']);
  });

  it('drain respects PodDisruptionBudgets (429 from the eviction) and evicts once they allow it', async () => {
    const node = (await c.k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    await c.k(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']);
    await eventually(async () => (await c.k(['get', 'pdb', 'web', '-o', 'jsonpath={.status.currentHealthy}'])) === '2', 30_000);
    const blocked = await c.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector=app=web', '--timeout=7s'], { timeoutMs: 30_000 });
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr, /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.match(await c.k(['get', 'pods', '-l', 'app=web']), /Running/, 'nothing was evicted');
    await c.k(['delete', 'pdb', 'web']);
    const drained = await c.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector=app=web', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /pod\/web-[a-z0-9-]+ evicted/);
    assert.match(drained.stdout, new RegExp(`node/${node} drained`));
    await c.k(['uncordon', node]);
  });
});
