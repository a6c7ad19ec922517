import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { EndpointsController, type EndpointSubset } from './endpoints_controller.js';
import { firstServiceIP } from './kubernetes_service.js';
import { newPod, newService, newTestEnv, setPodStatus, settle, type PodOptions, type TestEnv } from '../shared/testing.js';

const web = { app: 'web' };
const httpPort = [{ name: 'http', containerPort: 8080 }];

describe('endpoints controller', () => {
  let env: TestEnv;
  let c: EndpointsController;
  beforeEach(() => {
    env = newTestEnv();
    c = new EndpointsController(env.ctx);
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    env.close();
  });
  const subsets = (name = 'svc') => (env.get('', 'Endpoints', 'default', name)?.subsets ?? []) as EndpointSubset[];

  const cases: { name: string; pods: [string, PodOptions][]; svc?: Parameters<typeof newService>[2]; want: EndpointSubset[] }[] = [
    {
      name: 'ready pods under addresses, unready under notReadyAddresses',
      pods: [
        ['a', { labels: web, ready: true, podIP: '10.244.0.2', nodeName: 'node-1', ports: httpPort }],
        ['b', { labels: web, ready: false, podIP: '10.244.0.3', nodeName: 'node-1', ports: httpPort }],
      ],
      svc: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      want: [
        {
          addresses: [{ ip: '10.244.0.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: '*' } }],
          notReadyAddresses: [{ ip: '10.244.0.3', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: '*' } }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    },
    {
      name: 'pods without an IP, terminal pods and other labels are left out',
      pods: [
        ['noip', { labels: web, ready: false }],
        ['done', { labels: web, phase: 'Succeeded', podIP: '10.244.0.9' }],
        ['other', { labels: { app: 'db' }, ready: true, podIP: '10.244.0.10' }],
      ],
      want: [],
    },
    {
      name: 'named targetPort resolved per pod; pods without that port are skipped',
      pods: [
        ['a', { labels: web, ready: true, podIP: '10.244.0.2', ports: [{ name: 'http', containerPort: 8080 }] }],
        ['b', { labels: web, ready: true, podIP: '10.244.0.3', ports: [{ name: 'http', containerPort: 9090 }] }],
        ['c', { labels: web, ready: true, podIP: '10.244.0.4', ports: [{ name: 'metrics', containerPort: 9100 }] }],
      ],
      svc: { ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
      want: [
        { addresses: [{ ip: '10.244.0.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: '*' } }], ports: [{ name: 'web', port: 8080, protocol: 'TCP' }] },
        { addresses: [{ ip: '10.244.0.3', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: '*' } }], ports: [{ name: 'web', port: 9090, protocol: 'TCP' }] },
      ],
    },
    {
      name: 'several ports are packed in one subset; hostname when the subdomain is the service',
      pods: [['a', { labels: web, ready: true, podIP: '10.244.0.2', hostname: 'a0', subdomain: 'svc' }]],
      svc: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
      want: [
        {
          addresses: [{ ip: '10.244.0.2', hostname: 'a0', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: '*' } }],
          ports: [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'https', port: 8443, protocol: 'TCP' },
          ],
        },
      ],
    },
    {
      name: 'publishNotReadyAddresses lists unready pods as ready',
      pods: [['a', { labels: web, ready: false, podIP: '10.244.0.2' }]],
      svc: { publishNotReadyAddresses: true },
      want: [{ addresses: [{ ip: '10.244.0.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: '*' } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      for (const [n, o] of tc.pods) env.create(newPod(n, o));
      env.create(newService('svc', web, tc.svc));
      await settle(c);
      const got = structuredClone(subsets());
      for (const s of got) for (const a of [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]) if (a.targetRef) a.targetRef.uid = '*';
      assert.deepEqual(got, tc.want);
    });
  }

  it('follows pod readiness and deletion', async () => {
    env.create(newPod('a', { labels: web, ready: false, podIP: '10.244.0.2', nodeName: 'node-1' }));
    env.create(newService('svc', web));
    await settle(c);
    assert.equal(subsets()[0].notReadyAddresses?.length, 1);
    setPodStatus(env, 'default', 'a', { phase: 'Running', ready: true, podIP: '10.244.0.2' });
    await settle(c);
    assert.equal(subsets()[0].addresses?.length, 1);
    assert.equal(subsets()[0].notReadyAddresses, undefined);
    env.client.resource('', 'Pod').delete('default', 'a'); // bound: graceful, terminating
    await settle(c);
    assert.deepEqual(subsets(), [], 'terminating pods leave Endpoints');
  });

  it('leaves Endpoints of services without a selector alone', async () => {
    env.create(newService('manual', undefined));
    env.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] } as KubeObject);
    await settle(c);
    assert.equal(subsets('manual')[0].addresses?.[0].ip, '192.0.2.1');
  });

  it('deletes the Endpoints with their Service, labels them like the Service', async () => {
    env.create(newService('svc', web, { labels: { tier: 'front' } }));
    await settle(c);
    const ep = env.get('', 'Endpoints', 'default', 'svc');
    assert.deepEqual(ep?.metadata.labels, { tier: 'front' });
    env.client.resource('', 'Service').delete('default', 'svc');
    await settle(c);
    assert.equal(env.get('', 'Endpoints', 'default', 'svc'), undefined);
  });

  it('marks headless Services', async () => {
    env.create(newService('h', web, { clusterIP: 'None' }));
    await settle(c);
    assert.equal(env.get('', 'Endpoints', 'default', 'h')?.metadata.labels?.['service.kubernetes.io/headless'], '');
  });

  it('keeps the kubernetes Service and its endpoints pointing at the API server', async () => {
    await settle(c);
    const svc = env.get('', 'Service', 'default', 'kubernetes') as KubeObject & { spec: { clusterIP: string; ports: { port: number; targetPort: number; name: string }[] } };
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, 6443]]);
    const ep = env.get('', 'Endpoints', 'default', 'kubernetes') as KubeObject & { subsets: EndpointSubset[] };
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = env.get('discovery.k8s.io', 'EndpointSlice', 'default', 'kubernetes') as KubeObject & { endpoints: { addresses: string[] }[] };
    assert.deepEqual(slice.endpoints[0].addresses, ['127.0.0.1']);
    env.client.resource('', 'Service').delete('default', 'kubernetes');
    env.client.resource('', 'Endpoints').delete('default', 'kubernetes');
    await settle(c);
    assert.ok(env.get('', 'Endpoints', 'default', 'kubernetes'), 'endpoints recreated');
    c.worker.enqueue('default/kubernetes');
    await settle(c);
    assert.ok(env.get('', 'Service', 'default', 'kubernetes'), 'service recreated');
  });

  it('firstServiceIP', () => {
    assert.equal(firstServiceIP('10.96.0.0/16'), '10.96.0.1');
    assert.equal(firstServiceIP('172.20.0.0/12'), '172.20.0.1');
  });
});
