import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { EndpointSliceController, type EndpointSlice } from './endpointslice_controller.js';
import { newPod, newService, newTestEnv, setPodStatus, settle, type TestEnv } from '../shared/testing.js';

const web = { app: 'web' };

describe('endpointslice controller', () => {
  let env: TestEnv;
  let c: EndpointSliceController;
  beforeEach(() => {
    env = newTestEnv();
    c = new EndpointSliceController(env.ctx, 3);
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    env.close();
  });
  const slices = (svc = 'svc') => env.list<EndpointSlice>('discovery.k8s.io', 'EndpointSlice', 'default', `kubernetes.io/service-name=${svc}`);
  const all = (svc = 'svc') => slices(svc).flatMap((s) => s.endpoints.map((e) => ({ ...e, ports: s.ports })));

  it('creates a labelled, owned slice with endpoint conditions', async () => {
    env.create(newPod('a', { labels: web, ready: true, podIP: '10.244.0.2', nodeName: 'node-1' }));
    env.create(newPod('b', { labels: web, ready: false, podIP: '10.244.0.3', nodeName: 'node-1' }));
    const svc = env.create(newService('svc', web, { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    await settle(c);
    const [s, ...rest] = slices();
    assert.equal(rest.length, 0);
    assert.match(s.metadata.name as string, /^svc-/);
    assert.equal(s.addressType, 'IPv4');
    assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'svc', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const byName = new Map(s.endpoints.map((e) => [e.targetRef?.name, e]));
    assert.deepEqual(byName.get('a')?.conditions, { ready: true, serving: true, terminating: false });
    assert.deepEqual(byName.get('b')?.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(byName.get('a')?.nodeName, 'node-1');
    assert.deepEqual(byName.get('a')?.addresses, ['10.244.0.2']);
  });

  it('keeps terminating pods as terminating, not ready; drops them when gone', async () => {
    env.create(newPod('a', { labels: web, ready: true, podIP: '10.244.0.2', nodeName: 'node-1' }));
    env.create(newService('svc', web));
    await settle(c);
    const before = slices()[0];
    env.client.resource('', 'Pod').delete('default', 'a');
    await settle(c);
    const [s] = slices();
    assert.equal(s.metadata.name, before.metadata.name, 'slice reused');
    assert.deepEqual(s.endpoints[0].conditions, { ready: false, serving: true, terminating: true });
    env.client.resource('', 'Pod').delete('default', 'a', { gracePeriodSeconds: 0 });
    await settle(c);
    assert.deepEqual(slices().map((x) => x.endpoints.length), [0], 'placeholder slice when empty');
  });

  it('groups by resolved ports and splits beyond the per-slice maximum', async () => {
    for (let i = 0; i < 5; i++) env.create(newPod(`a${i}`, { labels: web, ready: true, podIP: `10.244.0.${10 + i}`, ports: [{ name: 'http', containerPort: 8080 }] }));
    env.create(newPod('b', { labels: web, ready: true, podIP: '10.244.1.1', ports: [{ name: 'http', containerPort: 9090 }] }));
    env.create(newService('svc', web, { ports: [{ name: 'web', port: 80, targetPort: 'http' }] }));
    await settle(c);
    const ss = slices();
    assert.equal(ss.length, 3, '5 pods on 8080 (max 3 per slice) + 1 on 9090');
    assert.equal(all().length, 6);
    assert.deepEqual(ss.map((s) => s.ports[0].port).sort(), [8080, 8080, 9090]);
    // Nothing changes on a resync.
    const rvs = ss.map((s) => s.metadata.resourceVersion).sort();
    c.worker.enqueue('default/svc');
    await settle(c);
    assert.deepEqual(slices().map((s) => s.metadata.resourceVersion).sort(), rvs);
  });

  it('follows readiness changes', async () => {
    env.create(newPod('a', { labels: web, ready: false, podIP: '10.244.0.2' }));
    env.create(newService('svc', web));
    await settle(c);
    assert.equal(all()[0].conditions.ready, false);
    setPodStatus(env, 'default', 'a', { phase: 'Running', ready: true, podIP: '10.244.0.2' });
    await settle(c);
    assert.equal(all()[0].conditions.ready, true);
  });

  it('mirrors hand-written Endpoints of selector-less Services', async () => {
    env.create(newService('manual', undefined, { ports: [{ name: 'db', port: 5432 }] }));
    env.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] } as KubeObject);
    await settle(c);
    const [s] = slices('manual');
    assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(s.endpoints.map((e) => [e.addresses[0], e.conditions.ready]), [['192.0.2.1', true], ['192.0.2.2', false]]);
    env.client.resource('', 'Endpoints').delete('default', 'manual');
    await settle(c);
    assert.equal(slices('manual').length, 0);
  });

  it('deletes the slices with the Service', async () => {
    env.create(newService('svc', web));
    await settle(c);
    assert.equal(slices().length, 1);
    env.client.resource('', 'Service').delete('default', 'svc');
    await settle(c);
    assert.equal(slices().length, 0);
  });
});
