import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { NamespaceController, deletionConditions, mergeConditions, type NamespaceCondition } from './namespace_controller.js';
import { GarbageCollector } from '../garbagecollector/garbagecollector.js';
import { ReplicaSetController } from '../replicaset/replica_set.js';
import { DeploymentController } from '../deployment/deployment_controller.js';
import { newDeployment, newNamespace, newPod, newService, newTestEnv, setPodStatus, settle, type TestEnv } from '../shared/testing.js';

describe('namespace controller', () => {
  let env: TestEnv;
  let nc: NamespaceController;
  beforeEach(() => {
    env = newTestEnv();
    env.create(newNamespace('demo'));
    nc = new NamespaceController(env.ctx);
    nc.start();
  });
  afterEach(async () => {
    await nc.stop();
    env.close();
  });
  const ns = () => env.get('', 'Namespace', undefined, 'demo');
  const count = () => ['Pod', 'ConfigMap', 'Service', 'Secret'].reduce((n, k) => n + env.list('', k, 'demo').length, 0) + env.list('apps', 'Deployment', 'demo').length;

  it('leaves active namespaces alone', async () => {
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'demo' } });
    await settle(nc);
    assert.equal(env.list('', 'ConfigMap', 'demo').length, 1);
    assert.equal((ns()?.status as { phase: string }).phase, 'Active');
  });

  it('deletes every object of every kind, then finalizes so the namespace disappears', async () => {
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'demo' } });
    env.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'demo' } });
    env.create(newService('svc', { app: 'x' }, { namespace: 'demo' }));
    env.create(newPod('p', { namespace: 'demo' }));
    env.create(newDeployment('d', 1, { app: 'x' }, { namespace: 'demo' }));
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'default' } });
    env.client.resource('', 'Namespace').delete(undefined, 'demo');
    assert.equal((ns()?.status as { phase: string }).phase, 'Terminating');
    await settle(nc);
    assert.equal(count(), 0);
    assert.equal(ns(), undefined, 'namespace removed');
    assert.equal(env.list('', 'ConfigMap', 'default').length, 1, 'other namespaces untouched');
  });

  it('deletes custom resources too (kinds registered after the controller started)', async () => {
    // As a CRD being established does: the registry gains the kind at run time.
    env.registry.add({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: true });
    const widgets = env.client.resource('example.com', 'Widget');
    widgets.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' } });
    widgets.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } });
    env.client.resource('', 'Namespace').delete(undefined, 'demo');
    await settle(nc);
    assert.equal(widgets.list('demo').items.length, 0);
    assert.equal(ns(), undefined, 'namespace removed');
    assert.equal(widgets.list('default').items.length, 1, 'other namespaces untouched');
  });

  it('waits for terminating pods (graceful) before finalizing', async () => {
    env.create(newPod('p', { namespace: 'demo' }));
    setPodStatus(env, 'demo', 'p', { phase: 'Running', nodeName: 'node-1' });
    env.client.resource('', 'Namespace').delete(undefined, 'demo');
    await settle(nc);
    assert.ok(env.get('', 'Pod', 'demo', 'p')?.metadata.deletionTimestamp, 'pod terminating');
    assert.ok(ns(), 'namespace still there');
    assert.deepEqual((ns()?.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
    // The kubelet removes the pod; the controller notices.
    env.client.resource('', 'Pod').delete('demo', 'p', { gracePeriodSeconds: 0 });
    await settle(nc);
    assert.equal(ns(), undefined);
  });

  it('waits for objects held by finalizers', async () => {
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'demo', finalizers: ['example.com/hold'] } });
    env.client.resource('', 'Namespace').delete(undefined, 'demo');
    await settle(nc);
    assert.ok(env.get('', 'ConfigMap', 'demo', 'held')?.metadata.deletionTimestamp);
    assert.ok(ns());
    env.modify('', 'ConfigMap', 'demo', 'held', (o: KubeObject) => void (o.metadata.finalizers = []));
    nc.worker.enqueue('demo');
    await settle(nc);
    assert.equal(ns(), undefined);
  });

  it('explains a stuck namespace with upstream\'s deletion conditions, then clears them', async () => {
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'demo', finalizers: ['example.com/hold'] } });
    env.client.resource('', 'Namespace').delete(undefined, 'demo');
    await settle(nc);
    const conds = () => new Map(((ns()?.status as { conditions?: NamespaceCondition[] }).conditions ?? []).map((c) => [c.type, c]));
    let c = conds();
    assert.deepEqual([...c.keys()], [
      'NamespaceDeletionDiscoveryFailure',
      'NamespaceDeletionGroupVersionParsingFailure',
      'NamespaceDeletionContentFailure',
      'NamespaceContentRemaining',
      'NamespaceFinalizersRemaining',
    ]);
    assert.equal(c.get('NamespaceContentRemaining')?.status, 'True');
    assert.equal(c.get('NamespaceContentRemaining')?.reason, 'SomeResourcesRemain');
    assert.equal(c.get('NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
    assert.equal(c.get('NamespaceFinalizersRemaining')?.status, 'True');
    assert.equal(c.get('NamespaceFinalizersRemaining')?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    assert.equal(c.get('NamespaceDeletionContentFailure')?.status, 'False');
    assert.equal(c.get('NamespaceDeletionContentFailure')?.reason, 'ContentDeleted');
    assert.equal(c.get('NamespaceDeletionDiscoveryFailure')?.message, 'All resources successfully discovered');
    // Status writes do not end the Terminating state (spec.finalizers still holds `kubernetes`).
    assert.deepEqual((ns()?.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
    const rv = ns()?.metadata.resourceVersion;
    nc.worker.enqueue('demo');
    await settle(nc);
    assert.equal(ns()?.metadata.resourceVersion, rv, 'unchanged conditions are not rewritten');
    // A second held object of another kind: both counted, sorted.
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'default' } });
    env.modify('', 'ConfigMap', 'demo', 'held', (o: KubeObject) => void (o.metadata.finalizers = []));
    nc.worker.enqueue('demo');
    await settle(nc);
    assert.equal(ns(), undefined);
  });

  it('words content failures and ok conditions as upstream', () => {
    const failing = deletionConditions({
      remaining: 3,
      estimateMs: 0,
      errors: ['widgets: boom', 'gadgets: bang'],
      byResource: new Map([['widgets.example.com', 2], ['configmaps.', 1]]),
      byFinalizer: new Map([['b/x', 1], ['a/y', 2]]),
    });
    assert.equal(failing.get('NamespaceDeletionContentFailure')?.message, 'Failed to delete all resource types, 2 remaining: gadgets: bang, widgets: boom');
    assert.equal(failing.get('NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps. has 1 resource instances, widgets.example.com has 2 resource instances');
    assert.equal(failing.get('NamespaceFinalizersRemaining')?.message, 'Some content in the namespace has finalizers remaining: a/y in 2 resource instances, b/x in 1 resource instances');
    const t0 = new Date(Date.UTC(2025, 0, 1));
    const first = mergeConditions([], failing, t0);
    assert.equal(first?.length, 5);
    assert.equal(mergeConditions(first!, failing, new Date(t0.getTime() + 5000)), undefined, 'no change, no write');
    const cleared = mergeConditions(first!, new Map(), new Date(t0.getTime() + 5000))!;
    const remaining = cleared.find((c) => c.type === 'NamespaceContentRemaining')!;
    assert.deepEqual([remaining.status, remaining.reason, remaining.message], ['False', 'ContentRemoved', 'All content successfully removed']);
    assert.equal(remaining.lastTransitionTime, '2025-01-01T00:00:05Z');
  });

  it('with the other controllers running, nothing is recreated and the namespace goes', async () => {
    const rsc = new ReplicaSetController(env.ctx, { recorder: env.recorder });
    const dc = new DeploymentController(env.ctx, { recorder: env.recorder });
    const gc = new GarbageCollector(env.ctx);
    for (const c of [rsc, dc, gc]) c.start();
    env.create(newDeployment('web', 3, { app: 'web' }, { namespace: 'demo' }));
    await settle(rsc, dc, gc, nc);
    assert.equal(env.list('', 'Pod', 'demo').length, 3);
    env.client.resource('', 'Namespace').delete(undefined, 'demo');
    await settle(rsc, dc, gc, nc);
    assert.equal(env.list('', 'Pod', 'demo').length, 0);
    assert.equal(env.list('apps', 'ReplicaSet', 'demo').length, 0);
    assert.equal(ns(), undefined);
    for (const c of [rsc, dc, gc]) await c.stop();
  });
});
