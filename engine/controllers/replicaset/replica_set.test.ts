import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { ReplicaSetController, REPLICATION_CONTROLLER, type ReplicaSet } from './replica_set.js';
import { newPod, newReplicaSet, newReplicationController, newTestEnv, rejectCreatesLikeQuota, setPodStatus, settle, type TestEnv, type PodOptions } from '../shared/testing.js';
import { sortPodsForDeletion, type Pod } from '../shared/pods.js';
import { metaTime } from '../shared/controller.js';

const rsOf = (env: TestEnv, name: string) => env.get<ReplicaSet>('apps', 'ReplicaSet', 'default', name) as ReplicaSet;
const podsOf = (env: TestEnv, sel = 'app=web') => env.list<Pod>('', 'Pod', 'default', sel);

describe('ReplicaSet controller', () => {
  let env: TestEnv;
  let c: ReplicaSetController;
  beforeEach(() => {
    env = newTestEnv();
    c = new ReplicaSetController(env.ctx, { recorder: env.recorder });
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    env.close();
  });

  it('creates pods from the template with a controller reference and generateName', async () => {
    const rs = env.create(newReplicaSet('web', 3, { app: 'web' }));
    await settle(c);
    const pods = podsOf(env);
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata.name as string, /^web-[a-z0-9]{5}$/);
      assert.equal(p.metadata.generateName, 'web-');
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      assert.equal(p.metadata.labels?.app, 'web');
    }
    const st = rsOf(env, 'web').status;
    assert.equal(st?.replicas, 3);
    assert.equal(st?.fullyLabeledReplicas, 3);
    assert.equal(st?.observedGeneration, 1);
    assert.equal(st?.readyReplicas, undefined);
    assert.equal(env.recorder.reasons().filter((r) => r === 'SuccessfulCreate').length, 3);
  });

  it('scales up and down to the exact count', async () => {
    env.create(newReplicaSet('web', 2, { app: 'web' }));
    await settle(c);
    assert.equal(podsOf(env).length, 2);
    env.modify('apps', 'ReplicaSet', 'default', 'web', (o: KubeObject) => void ((o.spec as { replicas: number }).replicas = 5));
    await settle(c);
    assert.equal(podsOf(env).length, 5);
    env.modify('apps', 'ReplicaSet', 'default', 'web', (o: KubeObject) => void ((o.spec as { replicas: number }).replicas = 1));
    await settle(c);
    assert.equal(podsOf(env).length, 1);
    assert.equal(rsOf(env, 'web').status?.replicas, 1);
    await settle(c);
    assert.equal(podsOf(env).length, 1, 'no extra actions once settled');
  });

  // Each case: pods (created as orphans, then adopted), scale to `to`; the deleted ones are `victims`.
  const victimCases: { name: string; pods: [string, PodOptions][]; to: number; victims: string[] }[] = [
    {
      name: 'unscheduled before scheduled',
      pods: [['a', { nodeName: 'n1', phase: 'Running', ready: true }], ['b', {}], ['c', { nodeName: 'n1', phase: 'Running', ready: true }]],
      to: 2,
      victims: ['b'],
    },
    {
      name: 'pending < unknown < running',
      pods: [['run', { nodeName: 'n1', phase: 'Running' }], ['unk', { nodeName: 'n1', phase: 'Unknown' }], ['pend', { nodeName: 'n1', phase: 'Pending' }]],
      to: 1,
      victims: ['pend', 'unk'],
    },
    {
      name: 'not ready before ready',
      pods: [['r', { nodeName: 'n1', phase: 'Running', ready: true }], ['nr', { nodeName: 'n1', phase: 'Running', ready: false }]],
      to: 1,
      victims: ['nr'],
    },
    {
      name: 'ready more recently before ready longer',
      pods: [
        ['old', { nodeName: 'n1', phase: 'Running', ready: true, readySince: '2024-12-01T00:00:00Z' }],
        ['new', { nodeName: 'n1', phase: 'Running', ready: true, readySince: '2024-12-31T00:00:00Z' }],
      ],
      to: 1,
      victims: ['new'],
    },
    {
      name: 'more restarts first',
      pods: [
        ['few', { nodeName: 'n1', phase: 'Running', ready: true, readySince: '2024-12-01T00:00:00Z', restarts: 1 }],
        ['many', { nodeName: 'n1', phase: 'Running', ready: true, readySince: '2024-12-01T00:00:00Z', restarts: 7 }],
      ],
      to: 1,
      victims: ['many'],
    },
    {
      name: 'lower pod-deletion-cost first',
      pods: [
        ['cheap', { nodeName: 'n1', phase: 'Running', ready: true, annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-10' } }],
        ['dear', { nodeName: 'n1', phase: 'Running', ready: true, annotations: { 'controller.kubernetes.io/pod-deletion-cost': '100' } }],
      ],
      to: 1,
      victims: ['cheap'],
    },
  ];
  for (const tc of victimCases) {
    it(`scale down deletes the least valuable pods: ${tc.name}`, async () => {
      for (const [name, o] of tc.pods) env.create(newPod(name, { ...o, labels: { app: 'web' } }));
      env.create(newReplicaSet('web', tc.pods.length, { app: 'web' }));
      await settle(c);
      assert.equal(podsOf(env).length, tc.pods.length, 'adopted every orphan, created none');
      env.modify('apps', 'ReplicaSet', 'default', 'web', (o: KubeObject) => void ((o.spec as { replicas: number }).replicas = tc.to));
      await settle(c);
      const left = new Set(podsOf(env).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name));
      const gone = tc.pods.map(([n]) => n).filter((n) => !left.has(n));
      assert.deepEqual(gone.sort(), [...tc.victims].sort());
    });
  }

  it('adopts matching orphans and releases pods that stop matching', async () => {
    env.create(newPod('orphan', { labels: { app: 'web' } }));
    env.create(newPod('other', { labels: { app: 'db' } }));
    const rs = env.create(newReplicaSet('web', 2, { app: 'web' }));
    await settle(c);
    const orphan = env.get<Pod>('', 'Pod', 'default', 'orphan') as Pod;
    assert.equal(orphan.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid, 'adopted');
    assert.equal(env.get<Pod>('', 'Pod', 'default', 'other')?.metadata.ownerReferences, undefined, 'not selected: left alone');
    assert.equal(podsOf(env).length, 2, 'one created next to the adopted one');
    // Relabel: released, and replaced.
    env.modify('', 'Pod', 'default', 'orphan', (p: KubeObject) => void (p.metadata.labels = { app: 'debug' }));
    await settle(c);
    assert.equal(env.get<Pod>('', 'Pod', 'default', 'orphan')?.metadata.ownerReferences, undefined, 'released');
    assert.equal(podsOf(env).length, 2, 'replacement created');
  });

  it('does not adopt pods controlled by someone else', async () => {
    env.create(newPod('taken', { labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'other-uid', controller: true }] }));
    env.create(newReplicaSet('web', 1, { app: 'web' }));
    await settle(c);
    assert.equal(env.get<Pod>('', 'Pod', 'default', 'taken')?.metadata.ownerReferences?.[0].uid, 'other-uid');
    assert.equal(podsOf(env).length, 2);
  });

  it('ignores pods being deleted and replaces them at once', async () => {
    env.create(newReplicaSet('web', 1, { app: 'web' }));
    await settle(c);
    const [p] = podsOf(env);
    // Bind it so that deletion is graceful (the pod stays, with a deletionTimestamp).
    setPodStatus(env, 'default', p.metadata.name as string, { phase: 'Running', ready: true, nodeName: 'node-1' });
    env.client.resource('', 'Pod').delete('default', p.metadata.name as string);
    assert.ok(env.get<Pod>('', 'Pod', 'default', p.metadata.name as string)?.metadata.deletionTimestamp, 'graceful');
    await settle(c);
    const pods = podsOf(env);
    assert.equal(pods.length, 2);
    assert.equal(pods.filter((x) => !x.metadata.deletionTimestamp).length, 1);
    assert.equal(rsOf(env, 'web').status?.replicas, 1);
  });

  it('counts ready and available replicas with minReadySeconds on the fake clock', async () => {
    env.create(newReplicaSet('web', 2, { app: 'web' }, { minReadySeconds: 30 }));
    await settle(c);
    for (const p of podsOf(env)) setPodStatus(env, 'default', p.metadata.name as string, { phase: 'Running', ready: true, nodeName: 'node-1', readySince: metaTime(env.clock.now()) });
    await settle(c);
    let st = rsOf(env, 'web').status;
    assert.equal(st?.readyReplicas, 2);
    assert.equal(st?.availableReplicas, undefined, 'not available before minReadySeconds');
    env.clock.advance(31_000);
    c.worker.enqueue('default/web');
    await settle(c);
    st = rsOf(env, 'web').status;
    assert.equal(st?.availableReplicas, 2);
  });

  it('does not act twice while expectations are pending (stale cache)', async () => {
    env.create(newReplicaSet('web', 3, { app: 'web' }));
    c.expectations.expectCreations('default/web', 3);
    await settle(c);
    assert.equal(podsOf(env).length, 0, 'waits for the creations it expects');
    env.clock.advance(5 * 60_000 + 1);
    c.worker.enqueue('default/web');
    await settle(c);
    assert.equal(podsOf(env).length, 3, 'expectations expire');
  });

  it('a create refused by admission (403, as ResourceQuota): Warning FailedCreate "Error creating: <message>" and ReplicaFailure', async () => {
    const quota = rejectCreatesLikeQuota(env);
    env.create(newReplicaSet('web', 2, { app: 'web' }));
    await settle(c);
    assert.equal(podsOf(env).length, 0);
    assert.ok(quota.messages.length > 0);
    const failed = env.recorder.events.filter((e) => e.reason === 'FailedCreate');
    assert.ok(failed.length > 0);
    for (const e of failed) {
      assert.equal(e.type, 'Warning');
      assert.equal(e.object, 'web');
      assert.ok(quota.messages.map((m) => `Error creating: ${m}`).includes(e.message), e.message);
    }
    assert.match(failed[0].message, /^Error creating: pods "web-[a-z0-9]{5}" is forbidden: exceeded quota: compute, /);
    const cond = rsOf(env, 'web').status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'FailedCreate');
    assert.ok(quota.messages.includes(cond?.message ?? ''), cond?.message);
    quota.on = false;
    c.worker.enqueue('default/web');
    await settle(c);
    assert.equal(podsOf(env).length, 2);
    assert.equal(rsOf(env, 'web').status?.conditions, undefined, 'cleared once creates succeed');
  });

  it('writes a ReplicaFailure condition when creation fails and clears it after', async () => {
    const bad = newReplicaSet('web', 1, { app: 'web' });
    env.create(bad);
    // Make pod creation fail: an admission plugin rejecting pods for a while.
    let reject = true;
    env.rest.addAdmission((o, _old, a) => {
      if (reject && a.def.kind === 'Pod' && a.op === 'create') throw new Error('quota exceeded');
    });
    await assert.doesNotReject(c.drain());
    const cond = rsOf(env, 'web').status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    assert.equal(cond?.reason, 'FailedCreate');
    assert.match(cond?.message ?? '', /quota exceeded/);
    reject = false;
    c.worker.enqueue('default/web');
    await settle(c);
    assert.equal(podsOf(env).length, 1);
    assert.equal(rsOf(env, 'web').status?.conditions, undefined);
  });
});

describe('ReplicationController (same code)', () => {
  it('keeps the replica count with a map selector', async () => {
    const env = newTestEnv();
    const c = new ReplicaSetController(env.ctx, { kind: REPLICATION_CONTROLLER, recorder: env.recorder });
    c.start();
    const rc = env.create(newReplicationController('legacy', 2, { app: 'legacy' }));
    await settle(c);
    const pods = env.list<Pod>('', 'Pod', 'default', 'app=legacy');
    assert.equal(pods.length, 2);
    assert.equal(pods[0].metadata.ownerReferences?.[0].kind, 'ReplicationController');
    assert.equal(pods[0].metadata.ownerReferences?.[0].apiVersion, 'v1');
    assert.equal(pods[0].metadata.ownerReferences?.[0].uid, rc.metadata.uid);
    assert.equal((env.get('', 'ReplicationController', 'default', 'legacy')?.status as { replicas: number }).replicas, 2);
    await c.stop();
    env.close();
  });
});

describe('sortPodsForDeletion', () => {
  it('orders by creation time last: newer first', () => {
    const a = newPod('a', { nodeName: 'n', phase: 'Running' });
    a.metadata.creationTimestamp = '2025-01-01T00:00:00Z';
    const b = newPod('b', { nodeName: 'n', phase: 'Running' });
    b.metadata.creationTimestamp = '2025-01-02T00:00:00Z';
    assert.deepEqual(sortPodsForDeletion([a, b]).map((p) => p.metadata.name), ['b', 'a']);
  });
  it('ranks pods doubled up on a node first', () => {
    const a = newPod('a', { nodeName: 'n1', phase: 'Running' });
    const b = newPod('b', { nodeName: 'n2', phase: 'Running' });
    const rank = (p: Pod) => (p.spec?.nodeName === 'n2' ? 3 : 1);
    assert.deepEqual(sortPodsForDeletion([a, b], rank).map((p) => p.metadata.name), ['b', 'a']);
  });
});
