import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { GarbageCollector } from './garbagecollector.js';
import { ReplicaSetController } from '../replicaset/replica_set.js';
import { DeploymentController } from '../deployment/deployment_controller.js';
import { newDeployment, newPod, newReplicaSet, newTestEnv, setPodStatus, settle, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';
import { installCustomResources } from '../../apiserver/crd/index.js';

/** A namespaced CRD `widgets.example.com` (kind Widget), as `kubectl apply` would create it. */
const widgetCRD = (): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
});

function ref(o: KubeObject, opts: { controller?: boolean; block?: boolean } = {}): OwnerReference {
  const r: OwnerReference = { apiVersion: o.apiVersion as string, kind: o.kind as string, name: o.metadata.name as string, uid: o.metadata.uid as string };
  if (opts.controller) r.controller = true;
  if (opts.block) r.blockOwnerDeletion = true;
  return r;
}

const cm = (name: string, owners?: OwnerReference[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(owners ? { ownerReferences: owners } : {}) }, data: {} });

describe('garbage collector', () => {
  let env: TestEnv;
  let gc: GarbageCollector;
  beforeEach(() => {
    env = newTestEnv();
    gc = new GarbageCollector(env.ctx);
    gc.start();
  });
  afterEach(async () => {
    await gc.stop();
    env.close();
  });
  const exists = (kind: string, name: string, group = '') => env.get(group, kind, 'default', name) !== undefined;

  it('background: dependents of a deleted owner are deleted, transitively', async () => {
    const rs = env.create(newReplicaSet('web', 0, { app: 'web' }));
    env.create(newPod('p1', { labels: { app: 'web' }, ownerReferences: [ref(rs, { controller: true, block: true })] }));
    const owned = env.create(cm('owned-by-pod', [ref(env.get('', 'Pod', 'default', 'p1') as KubeObject)]));
    env.create(cm('unrelated'));
    await settle(gc);
    assert.ok(exists('Pod', 'p1'), 'owner present: kept');
    env.client.resource('apps', 'ReplicaSet').delete('default', 'web', { propagationPolicy: 'Background' });
    await settle(gc);
    assert.ok(!exists('Pod', 'p1'), 'pod collected');
    assert.ok(!exists('ConfigMap', owned.metadata.name as string), 'its dependent too');
    assert.ok(exists('ConfigMap', 'unrelated'));
  });

  it('deletes objects whose owner never existed, keeps those with a solid owner (dangling refs removed)', async () => {
    const owner = env.create(cm('owner'));
    env.create(cm('orphaned', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'no-such-uid' }]));
    env.create(cm('mixed', [ref(owner), { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost2', uid: 'no-such-uid-2' }]));
    await settle(gc);
    assert.ok(!exists('ConfigMap', 'orphaned'));
    const mixed = env.get('', 'ConfigMap', 'default', 'mixed') as KubeObject;
    assert.deepEqual(mixed.metadata.ownerReferences?.map((r) => r.uid), [owner.metadata.uid]);
  });

  it('a namesake owner with another uid does not hold dependents', async () => {
    const first = env.create(cm('owner'));
    env.client.resource('', 'ConfigMap').delete('default', 'owner');
    env.create(cm('owner')); // recreated: new uid
    env.create(cm('dep', [ref(first)]));
    await settle(gc);
    assert.ok(!exists('ConfigMap', 'dep'));
  });

  it('orphan: references are removed from dependents, then the owner goes', async () => {
    const rs = env.create(newReplicaSet('web', 0, { app: 'web' }));
    env.create(newPod('p1', { labels: { app: 'web' }, ownerReferences: [ref(rs, { controller: true, block: true })] }));
    env.create(newPod('p2', { labels: { app: 'web' }, ownerReferences: [ref(rs, { controller: true, block: true })] }));
    await settle(gc);
    env.client.resource('apps', 'ReplicaSet').delete('default', 'web', { propagationPolicy: 'Orphan' });
    assert.ok(exists('ReplicaSet', 'web', 'apps'), 'held by the orphan finalizer');
    await settle(gc);
    assert.ok(!exists('ReplicaSet', 'web', 'apps'), 'owner gone');
    for (const n of ['p1', 'p2']) {
      const p = env.get<Pod>('', 'Pod', 'default', n);
      assert.ok(p, `${n} kept`);
      assert.equal(p.metadata.ownerReferences, undefined, `${n} orphaned`);
    }
  });

  it('foreground: the owner waits for blocking dependents, which go first (graceful pods too)', async () => {
    const rs = env.create(newReplicaSet('web', 0, { app: 'web' }));
    env.create(newPod('p1', { labels: { app: 'web' }, ownerReferences: [ref(rs, { controller: true, block: true })] }));
    // A bound pod: its deletion is graceful and waits for the kubelet.
    env.create(newPod('p2', { labels: { app: 'web' }, ownerReferences: [ref(rs, { controller: true, block: true })] }));
    setPodStatus(env, 'default', 'p2', { phase: 'Running', nodeName: 'node-1' });
    await settle(gc);
    env.client.resource('apps', 'ReplicaSet').delete('default', 'web', { propagationPolicy: 'Foreground' });
    await settle(gc);
    assert.ok(!exists('Pod', 'p1'));
    assert.ok(env.get('', 'Pod', 'default', 'p2')?.metadata.deletionTimestamp, 'p2 terminating');
    const held = env.get('apps', 'ReplicaSet', 'default', 'web');
    assert.ok(held?.metadata.finalizers?.includes('foregroundDeletion'), 'owner still waits');
    // The kubelet removes p2.
    env.client.resource('', 'Pod').delete('default', 'p2', { gracePeriodSeconds: 0 });
    await settle(gc);
    assert.ok(!exists('ReplicaSet', 'web', 'apps'), 'owner gone after its dependents');
  });

  it('foreground cascades: a dependent with dependents is deleted in the foreground too', async () => {
    const d = env.create(newDeployment('web', 0, { app: 'web' }));
    const rs = env.create({ ...newReplicaSet('web-1', 0, { app: 'web' }), metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' }, ownerReferences: [ref(d, { controller: true, block: true })] } });
    env.create(newPod('p1', { labels: { app: 'web' }, ownerReferences: [ref(rs, { controller: true, block: true })] }));
    setPodStatus(env, 'default', 'p1', { phase: 'Running', nodeName: 'node-1' });
    await settle(gc);
    env.client.resource('apps', 'Deployment').delete('default', 'web', { propagationPolicy: 'Foreground' });
    await settle(gc);
    const heldRS = env.get('apps', 'ReplicaSet', 'default', 'web-1');
    assert.ok(heldRS?.metadata.finalizers?.includes('foregroundDeletion'), 'the ReplicaSet waits for its pod');
    assert.ok(exists('Deployment', 'web', 'apps'), 'the Deployment waits for its ReplicaSet');
    env.client.resource('', 'Pod').delete('default', 'p1', { gracePeriodSeconds: 0 });
    await settle(gc);
    assert.ok(!exists('ReplicaSet', 'web-1', 'apps'));
    assert.ok(!exists('Deployment', 'web', 'apps'));
  });

  it('a non-blocking dependent does not hold a foreground owner', async () => {
    const owner = env.create(cm('owner'));
    env.create(cm('dep', [ref(owner)])); // blockOwnerDeletion unset
    await settle(gc);
    env.client.resource('', 'ConfigMap').delete('default', 'owner', { propagationPolicy: 'Foreground' });
    await settle(gc);
    assert.ok(!exists('ConfigMap', 'owner'));
    assert.ok(!exists('ConfigMap', 'dep'), 'still deleted as garbage');
  });

  it('with the workload controllers: deleting a Deployment removes its ReplicaSets and pods', async () => {
    const rsc = new ReplicaSetController(env.ctx, { recorder: env.recorder });
    const dc = new DeploymentController(env.ctx, { recorder: env.recorder });
    rsc.start();
    dc.start();
    env.create(newDeployment('web', 3, { app: 'web' }));
    await settle(dc, rsc, gc);
    assert.equal(env.list('', 'Pod', 'default').length, 3);
    env.client.resource('apps', 'Deployment').delete('default', 'web', { propagationPolicy: 'Background' });
    await settle(dc, rsc, gc);
    assert.equal(env.list('apps', 'ReplicaSet', 'default').length, 0);
    assert.equal(env.list('', 'Pod', 'default').length, 0);
    await dc.stop();
    await rsc.stop();
  });

  describe('kinds added after start (custom resources)', () => {
    let crds: ReturnType<typeof installCustomResources>;
    beforeEach(() => {
      crds = installCustomResources({ rest: env.rest, registry: env.registry, features: env.ctx.features, clock: env.clock });
    });
    afterEach(() => crds?.stop());
    const widgets = () => env.client.resource('example.com', 'Widget');
    const widget = (name: string, owners?: OwnerReference[]): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name, namespace: 'default', ...(owners ? { ownerReferences: owners } : {}) },
      spec: {},
    });

    it('a CRD established after start is monitored: its objects are collected and can own things', async () => {
      assert.ok(!gc.graph.monitoredKindNames().includes('example.com/Widget'));
      env.client.resource('apiextensions.k8s.io', 'CustomResourceDefinition').create(widgetCRD());
      await settle(gc);
      assert.ok(gc.graph.monitoredKindNames().includes('example.com/Widget'), 'monitor added on the registry change');
      const owner = env.create(cm('owner'));
      const w = widgets().create(widget('w1', [ref(owner)]));
      env.create(cm('owned-by-widget', [ref(w)]));
      await settle(gc);
      assert.ok(widgets().get('default', 'w1'), 'owner present: kept');
      env.client.resource('', 'ConfigMap').delete('default', 'owner');
      await settle(gc);
      assert.equal(widgets().get('default', 'w1'), undefined, 'the custom resource is collected (background)');
      assert.ok(!exists('ConfigMap', 'owned-by-widget'), 'and what it owned, transitively');
    });

    it('foreground deletion of a custom resource owner waits for its blocking dependents', async () => {
      env.client.resource('apiextensions.k8s.io', 'CustomResourceDefinition').create(widgetCRD());
      await settle(gc);
      const w = widgets().create(widget('w1'));
      env.create(newPod('p1', { ownerReferences: [ref(w, { controller: true, block: true })] }));
      setPodStatus(env, 'default', 'p1', { phase: 'Running', nodeName: 'node-1' });
      await settle(gc);
      widgets().delete('default', 'w1', { propagationPolicy: 'Foreground' });
      await settle(gc);
      assert.ok(widgets().get('default', 'w1')?.metadata.finalizers?.includes('foregroundDeletion'), 'the owner waits');
      assert.ok(env.get('', 'Pod', 'default', 'p1')?.metadata.deletionTimestamp, 'its pod is being deleted');
      env.client.resource('', 'Pod').delete('default', 'p1', { gracePeriodSeconds: 0 });
      await settle(gc);
      assert.equal(widgets().get('default', 'w1'), undefined, 'owner gone after its dependent');
    });

    it('a kind that leaves the registry loses its monitor', async () => {
      env.registry.add({ group: 'example.com', version: 'v1', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true });
      await settle(gc);
      assert.ok(gc.graph.monitoredKindNames().includes('example.com/Gadget'));
      env.registry.remove('example.com', 'v1', 'gadgets');
      await settle(gc);
      assert.ok(!gc.graph.monitoredKindNames().includes('example.com/Gadget'));
      assert.ok(gc.graph.monitoredKindNames().includes('/ConfigMap'), 'the others stay');
    });
  });
});
