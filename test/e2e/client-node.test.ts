/**
 * @kubernetes/client-node as a second, independent oracle of the API server: typed list and
 * create, a raw watch, and an informer (list + watch with resourceVersion).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, eventually, type Cluster } from './harness.js';

describe('@kubernetes/client-node against skiff serve', () => {
  let c: Cluster;
  let kc: k8s.KubeConfig;
  before(async () => {
    c = await startCluster();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
  });
  after(async () => {
    await c.stop();
  });

  it('lists nodes and namespaces', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    assert.equal(nodes.items.length, 1);
    const ns = await core.listNamespace();
    assert.ok(ns.items.some((n) => n.metadata?.name === 'kube-system'));
  });

  it('creates (without apiVersion/kind, as client-node sends) and watches', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const rv = list.metadata?.resourceVersion;
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: rv },
      (type: string, obj: k8s.V1ConfigMap) => events.push(`${type} ${obj.metadata?.name}`),
      () => {},
    );
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-client-node' }, data: { k: 'v' } } });
    assert.equal(created.kind, 'ConfigMap');
    assert.equal(created.apiVersion, 'v1');
    await core.deleteNamespacedConfigMap({ name: 'from-client-node', namespace: 'default' });
    await eventually(() => events.length >= 2);
    assert.deepEqual(events, ['ADDED from-client-node', 'DELETED from-client-node']);
    req.abort();
  });

  it('keeps an informer cache in sync', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const seen = new Set<string>();
    informer.on('add', (o: k8s.V1ConfigMap) => seen.add(o.metadata?.name ?? ''));
    await informer.start();
    for (const name of ['inf-a', 'inf-b']) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
    await eventually(() => seen.has('inf-a') && seen.has('inf-b'));
    assert.equal(informer.list('default').filter((o) => o.metadata?.name?.startsWith('inf-')).length, 2);
    await informer.stop();
  });

  it('reports errors as ApiException with a Status body', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }), (e: unknown) => {
      const err = e as { code?: number; body?: string };
      assert.equal(err.code, 404);
      assert.equal(JSON.parse(err.body ?? '{}').reason, 'NotFound');
      return true;
    });
  });
});
