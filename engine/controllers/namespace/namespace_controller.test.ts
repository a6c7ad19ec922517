import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { NamespaceController } from './namespace_controller.js';
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
