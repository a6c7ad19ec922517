import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chainPrefix, compileNat } from './iptables.js';
import type { ServicePort } from './model.js';

function sp(over: Partial<ServicePort>): ServicePort {
  return {
    key: 'default/web:http/TCP',
    namespace: 'default',
    name: 'web',
    portName: 'http',
    protocol: 'TCP',
    port: 80,
    clusterIP: '10.96.0.20',
    loadBalancer: false,
    endpoints: [],
    ...over,
  };
}

describe('compileNat', () => {
  const P = 'SKF-abc123';

  it('DNATs a ClusterIP uniformly over its endpoints', () => {
    const r = compileNat(
      [
        sp({
          endpoints: [
            { ip: '10.244.0.2', port: 8080 },
            { ip: '10.244.0.3', port: 8080 },
            { ip: '10.244.0.4', port: 8080 },
          ],
        }),
      ],
      { prefix: P, podSubnet: '10.244.0.0/16' },
    );
    const svcJump = r.rules.find((l) => l.startsWith(`-A ${P}-SERVICES -d 10.96.0.20/32`));
    assert.ok(svcJump?.includes('-p tcp') && svcJump.includes('--dport 80'), svcJump);
    const svc = svcJump?.split(' -j ')[1] ?? '';
    const choice = r.rules.filter((l) => l.startsWith(`-A ${svc} `));
    assert.equal(choice.length, 3);
    assert.ok(choice[0].includes('--probability 0.3333333333'));
    assert.ok(choice[1].includes('--probability 0.5000000000'));
    assert.ok(!choice[2].includes('statistic'));
    const dnat = r.rules.filter((l) => l.includes('DNAT'));
    assert.deepEqual(
      dnat.map((l) => l.split('--to-destination ')[1]),
      ['10.244.0.2:8080', '10.244.0.3:8080', '10.244.0.4:8080'],
    );
    // hairpin: an endpoint talking to itself through the VIP is masqueraded
    assert.ok(r.rules.some((l) => l.includes('-s 10.244.0.2/32') && l.endsWith(`-j ${P}-MARK-MASQ`)));
    for (const c of r.chains) assert.ok(c.length <= 28, c);
    assert.deepEqual(r.noEndpointRules, []);
  });

  it('rejects service ports with no ready endpoint', () => {
    const r = compileNat([sp({ protocol: 'UDP', port: 53, key: 'k/dns:dns/UDP' })], { prefix: P, podSubnet: '10.244.0.0/16' });
    assert.equal(r.noEndpointRules.length, 1);
    assert.match(r.noEndpointRules[0], /-d 10\.96\.0\.20\/32 -p udp .*--dport 53 -j REJECT/);
    assert.ok(!r.rules.some((l) => l.includes('10.96.0.20')));
  });

  it('uses recent for ClientIP affinity and adds node ports for pods', () => {
    const r = compileNat([sp({ nodePort: 30080, affinitySeconds: 60, endpoints: [{ ip: '10.244.0.2', port: 80 }, { ip: '10.244.0.3', port: 80 }] })], { prefix: P, podSubnet: '10.244.0.0/16' });
    assert.equal(r.rules.filter((l) => l.includes('--rcheck --seconds 60 --reap')).length, 2);
    assert.equal(r.rules.filter((l) => l.includes('--set -m tcp -j DNAT')).length, 2);
    assert.ok(r.rules.some((l) => l.startsWith(`-A ${P}-NODEPORTS -p tcp`) && l.includes('--dport 30080')));
    assert.ok(r.rules.some((l) => l === `-A ${P}-SERVICES -s 10.244.0.0/16 -m addrtype --dst-type LOCAL -j ${P}-NODEPORTS`));
  });

  it('gives each engine instance its own chain prefix', () => {
    assert.match(chainPrefix('skiff', 'skiff-skiff', '/a'), /^SKF-[0-9a-f]{6}$/);
    assert.notEqual(chainPrefix('skiff', 'skiff-skiff', '/a'), chainPrefix('skiff', 'skiff-skiff', '/b'));
    assert.equal(chainPrefix('skiff', 'skiff-skiff', '/a'), chainPrefix('skiff', 'skiff-skiff', '/a'));
  });
});
