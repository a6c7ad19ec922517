import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { RootCACertPublisher, ServiceAccountsController, ROOT_CA_CONFIGMAP } from './serviceaccounts_controller.js';
import { newNamespace, newTestEnv, settle, type TestEnv } from '../shared/testing.js';

describe('serviceaccount controllers', () => {
  let env: TestEnv;
  let sa: ServiceAccountsController;
  let ca: RootCACertPublisher;
  beforeEach(() => {
    env = newTestEnv({ namespaces: ['default', 'kube-system'] });
    sa = new ServiceAccountsController(env.ctx);
    ca = new RootCACertPublisher(env.ctx);
    sa.start();
    ca.start();
  });
  afterEach(async () => {
    await sa.stop();
    await ca.stop();
    env.close();
  });

  it('creates the default ServiceAccount in existing and new namespaces', async () => {
    await settle(sa, ca);
    for (const ns of ['default', 'kube-system']) assert.ok(env.get('', 'ServiceAccount', ns, 'default'), ns);
    env.create(newNamespace('demo'));
    await settle(sa, ca);
    assert.ok(env.get('', 'ServiceAccount', 'demo', 'default'));
  });

  it('recreates a deleted default ServiceAccount', async () => {
    await settle(sa, ca);
    const first = env.get('', 'ServiceAccount', 'default', 'default') as KubeObject;
    env.client.resource('', 'ServiceAccount').delete('default', 'default');
    await settle(sa, ca);
    const again = env.get('', 'ServiceAccount', 'default', 'default') as KubeObject;
    assert.ok(again);
    assert.notEqual(again.metadata.uid, first.metadata.uid);
  });

  it('publishes kube-root-ca.crt with the cluster CA and repairs it', async () => {
    await settle(sa, ca);
    const cm = env.get('', 'ConfigMap', 'default', ROOT_CA_CONFIGMAP) as KubeObject & { data: Record<string, string> };
    assert.equal(cm.data['ca.crt'], env.ctx.apiServer.caCert);
    assert.match(cm.metadata.annotations?.['kubernetes.io/description'] ?? '', /CA bundle/);
    env.modify('', 'ConfigMap', 'default', ROOT_CA_CONFIGMAP, (o: KubeObject) => void (o.data = { 'ca.crt': 'tampered' }));
    await settle(sa, ca);
    assert.equal((env.get('', 'ConfigMap', 'default', ROOT_CA_CONFIGMAP) as typeof cm).data['ca.crt'], env.ctx.apiServer.caCert);
    env.client.resource('', 'ConfigMap').delete('default', ROOT_CA_CONFIGMAP);
    await settle(sa, ca);
    assert.ok(env.get('', 'ConfigMap', 'default', ROOT_CA_CONFIGMAP));
  });

  it('does nothing in a terminating namespace', async () => {
    env.create(newNamespace('bye'));
    env.client.resource('', 'Namespace').delete(undefined, 'bye');
    await settle(sa, ca);
    assert.equal(env.get('', 'ServiceAccount', 'bye', 'default'), undefined);
    assert.equal(env.get('', 'ConfigMap', 'bye', ROOT_CA_CONFIGMAP), undefined);
  });
});
