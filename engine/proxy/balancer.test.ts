import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { Balancer } from './balancer.js';
import { findPort, servicePorts } from './model.js';

function service(spec: Record<string, unknown>): KubeObject {
  return { kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', ...spec } };
}

const endpoints: KubeObject = {
  kind: 'Endpoints',
  metadata: { namespace: 'default', name: 'web' },
  subsets: [
    {
      addresses: [
        { ip: '10.244.0.3', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-b' } },
        { ip: '10.244.0.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-a' } },
      ],
      notReadyAddresses: [{ ip: '10.244.0.4' }],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ],
    },
    { addresses: [{ ip: '10.244.0.5' }], ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
  ],
};

describe('servicePorts', () => {
  it('matches Endpoints ports to Service ports by name and protocol; ready addresses only', () => {
    const ports = servicePorts(
      service({
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' },
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
        ],
      }),
      endpoints,
    );
    assert.equal(ports.length, 2);
    const http = findPort(ports, 'http');
    assert.equal(http?.key, 'default/web:http/TCP');
    assert.deepEqual(
      http?.endpoints.map((e) => `${e.ip}:${e.port}`),
      ['10.244.0.2:8080', '10.244.0.3:8080', '10.244.0.5:9090'],
    );
    assert.equal(http?.endpoints[0].pod, 'default/web-a');
    const dns = findPort(ports, 'dns');
    assert.equal(dns?.protocol, 'UDP');
    assert.deepEqual(
      dns?.endpoints.map((e) => `${e.ip}:${e.port}`),
      ['10.244.0.2:5353', '10.244.0.3:5353'],
    );
    assert.equal(findPort(ports, 80)?.portName, 'http');
    assert.equal(findPort(ports, '80')?.portName, 'http');
    assert.equal(findPort(ports, '')?.portName, 'http');
  });

  it('knows node ports, load balancers, affinity and headless', () => {
    const [lb] = servicePorts(service({ type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 80, nodePort: 30080 }] }), undefined);
    assert.equal(lb.nodePort, 30080);
    assert.equal(lb.loadBalancer, true);
    assert.equal(lb.affinitySeconds, 10800);
    assert.deepEqual(lb.endpoints, []);
    const [cip] = servicePorts(service({ ports: [{ port: 80, nodePort: 30080 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), undefined);
    assert.equal(cip.nodePort, undefined);
    assert.equal(cip.affinitySeconds, undefined);
    const [headless] = servicePorts(service({ clusterIP: 'None', ports: [{ port: 80 }] }), undefined);
    assert.equal(headless.clusterIP, undefined);
    assert.deepEqual(servicePorts(service({ type: 'ExternalName', externalName: 'x.com' }), undefined), []);
  });
});

describe('Balancer', () => {
  const [http] = servicePorts(service({ ports: [{ name: 'http', port: 80 }] }), endpoints);

  it('round-robins over the ready endpoints', () => {
    const b = new Balancer();
    const seen = Array.from({ length: 6 }, () => b.pick(http, '1.2.3.4')?.ip);
    assert.deepEqual(seen, ['10.244.0.2', '10.244.0.3', '10.244.0.5', '10.244.0.2', '10.244.0.3', '10.244.0.5']);
  });

  it('never picks a not-ready endpoint and picks nothing when none is ready', () => {
    const b = new Balancer();
    for (let i = 0; i < 10; i++) assert.notEqual(b.pick(http)?.ip, '10.244.0.4');
    assert.equal(b.pick({ ...http, endpoints: [] }), undefined);
  });

  it('keeps a client on one endpoint with ClientIP affinity until it times out or leaves', () => {
    let now = 1_000_000;
    const b = new Balancer(() => now);
    const sticky = { ...http, affinitySeconds: 10 };
    const first = b.pick(sticky, '192.0.2.1');
    for (let i = 0; i < 5; i++) assert.deepEqual(b.pick(sticky, '192.0.2.1'), first);
    const other = b.pick(sticky, '192.0.2.2');
    assert.notDeepEqual(other, first);
    // the endpoint leaves the ready set → the client moves
    const without = { ...sticky, endpoints: sticky.endpoints.filter((e) => e.ip !== first?.ip) };
    const moved = b.pick(without, '192.0.2.1');
    assert.notEqual(moved?.ip, first?.ip);
    assert.deepEqual(b.pick(without, '192.0.2.1'), moved);
    // idle past the timeout → a fresh choice (round robin continues)
    now += 11_000;
    const picks = new Set(Array.from({ length: 3 }, () => b.pick({ ...sticky, key: 'other' }, `10.0.0.${Math.random()}`)?.ip));
    assert.equal(picks.size, 3);
  });
});
