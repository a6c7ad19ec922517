/**
 * Fixes from a user review, each driven with the real kubectl v1.32 against `skiff serve`:
 * namespace deletion conditions, NamespaceLifecycle's Forbidden/NotFound wording, label removals
 * that stick on a virtual node, Go-style label maps in selector errors, and Job
 * backoffLimitPerIndex (pods kept unschedulable; the test plays the kubelet with status patches).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startCluster, type Cluster } from './harness.js';

interface Obj {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** A nodeSelector no node matches: the pod stays Pending and unbound. */
const NOWHERE = { 'skiff.io/e2e-unschedulable': 'true' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kubectl review fixes', () => {
  let c: Cluster;
  const json = async <T = Obj>(args: string[]): Promise<T> => JSON.parse(await c.k([...args, '-o', 'json'])) as T;

  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('a namespace stuck in Terminating explains itself; creates in it are Forbidden, in a missing one NotFound', async () => {
    await c.k(['create', 'namespace', 'q']);
    await c.k(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'q', finalizers: ['example.com/hold'] } }),
    });
    await c.k(['delete', 'namespace', 'q', '--wait=false']);
    const msg = await eventually(async () => {
      const out = await c.k(['get', 'ns', 'q', '-o', 'jsonpath={.status.conditions[?(@.type=="NamespaceContentRemaining")].message}']);
      return out || undefined;
    });
    assert.equal(msg, 'Some resources are remaining: configmaps. has 1 resource instances');
    const fin = await c.k(['get', 'ns', 'q', '-o', 'jsonpath={.status.conditions[?(@.type=="NamespaceFinalizersRemaining")].message}']);
    assert.equal(fin, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    const describe = await c.k(['describe', 'ns', 'q']);
    assert.match(describe, /Status:\s+Terminating/);
    for (const t of ['NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionGroupVersionParsingFailure', 'NamespaceDeletionContentFailure', 'NamespaceContentRemaining', 'NamespaceFinalizersRemaining']) {
      assert.ok(describe.includes(t), `describe lists ${t}:\n${describe}`);
    }
    assert.ok(describe.includes('SomeFinalizersRemain'), describe);

    const forbidden = await c.kubectl(['-n', 'q', 'create', 'configmap', 'y']);
    assert.notEqual(forbidden.code, 0);
    assert.equal(forbidden.stderr.trim(), 'error: failed to create configmap: configmaps "y" is forbidden: unable to create new content in namespace q because it is being terminated');
    const status = await c.kubectl(['-n', 'q', 'create', '-f', '-', '-o', 'json'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z' } }) });
    assert.equal(status.stderr.trim(), 'Error from server (Forbidden): error when creating "STDIN": configmaps "z" is forbidden: unable to create new content in namespace q because it is being terminated');
    const missing = await c.kubectl(['-n', 'nope', 'create', 'configmap', 'y']);
    assert.equal(missing.stderr.trim(), 'error: failed to create configmap: namespaces "nope" not found');

    // Releasing the finalizer lets the namespace go.
    await c.k(['-n', 'q', 'patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await eventually(async () => (await c.kubectl(['get', 'ns', 'q'])).code !== 0);
  });

  it('a label removed from a virtual node stays removed', async () => {
    await c.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'v2', labels: { 'node.skiff.io/virtual': 'true' } } }) });
    await eventually(async () => (await c.k(['get', 'node', 'v2', '-o', 'jsonpath={.metadata.labels.type}'])) === 'virtual' || undefined);
    await eventually(async () => (await c.k(['get', 'node', 'v2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True' || undefined);
    await c.k(['label', 'node', 'v2', 'type-', 'kubernetes.io/os-']);
    // Several reconcile passes and heartbeats later the labels are still gone.
    for (let i = 0; i < 3; i++) {
      await c.k(['annotate', 'node', 'v2', `review/poke=${i}`, '--overwrite']);
      await sleep(1000);
    }
    const node = await json(['get', 'node', 'v2']);
    assert.equal(node.metadata.labels?.type, undefined);
    assert.equal(node.metadata.labels?.['kubernetes.io/os'], undefined);
    assert.equal(node.metadata.labels?.['node.skiff.io/virtual'], 'true');
    assert.equal(node.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'True', 'still a working virtual node');
    await c.k(['delete', 'node', 'v2']);
  });

  it('selector vs template labels: the labels printed as upstream (map[string]string{…})', async () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'mismatch', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(rs) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The ReplicaSet "mismatch" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"b"\}: `selector` does not match template `labels`/);
  });

  it('Job backoffLimitPerIndex (status patches): a failing index stops after limit+1 tries, the others finish, Failed/FailedIndexes', async () => {
    const bad = await c.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'nonindexed', namespace: 'default' },
        spec: { completions: 2, backoffLimitPerIndex: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
      }),
    });
    assert.match(bad.stderr, /The Job "nonindexed" is invalid: spec\.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode/);

    await c.k(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'perindex', namespace: 'default' },
        spec: {
          completions: 3,
          parallelism: 3,
          completionMode: 'Indexed',
          backoffLimitPerIndex: 1,
          template: { spec: { restartPolicy: 'Never', nodeSelector: NOWHERE, containers: [{ name: 'c', image: 'skiff-test/busybox:1' }] } },
        },
      }),
    });
    const podsOf = async (ix: number) =>
      (await json<{ items: Obj[] }>(['get', 'pods', '-l', `batch.kubernetes.io/job-name=perindex,batch.kubernetes.io/job-completion-index=${ix}`])).items;
    const runningOf = async (ix: number) => (await podsOf(ix)).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
    const phase = (name: string, p: 'Failed' | 'Succeeded') =>
      c.k(['patch', 'pod', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: p } })]);

    // Index 1 fails twice (its first try and one retry, after the per-index backoff of ~10 s).
    for (let attempt = 0; attempt < 2; attempt++) {
      const pod = await eventually(async () => (await runningOf(1))[0], 40_000);
      assert.equal(pod.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], String(attempt));
      await phase(pod.metadata.name, 'Failed');
    }
    await eventually(async () => (await c.k(['get', 'job', 'perindex', '-o', 'jsonpath={.status.failedIndexes}'])) === '1' || undefined);
    assert.equal((await c.k(['get', 'job', 'perindex', '-o', 'jsonpath={.spec.backoffLimit}'])), '2147483647');
    // The other indexes keep running; index 1 is not retried a third time.
    await sleep(2000);
    assert.equal((await runningOf(1)).length, 0);
    for (const ix of [0, 2]) {
      const pod = (await runningOf(ix))[0];
      assert.ok(pod, `index ${ix} still running`);
      await phase(pod.metadata.name, 'Succeeded');
    }
    const out = await c.kubectl(['wait', 'job/perindex', '--for=condition=Failed', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(out.code, 0, out.stderr);
    const job = await json(['get', 'job', 'perindex']);
    const failed = job.status?.conditions?.find((x) => x.type === 'Failed');
    assert.equal(failed?.reason, 'FailedIndexes');
    assert.equal(failed?.message, 'Job has failed indexes');
    assert.equal(job.status?.completedIndexes, '0,2');
    assert.equal(job.status?.failedIndexes, '1');
    assert.equal(job.status?.failed, 2);
    assert.equal(job.status?.succeeded, 2);
  });
});
