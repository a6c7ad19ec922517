import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allocateNodeCIDR, cidrsOverlap, defaultNetwork, nodeCIDR, pickPodSubnet } from './network.js';

const inOrder = (c: string[]) => c;

describe('pod subnet picking', () => {
  it('overlap of CIDRs', () => {
    assert.equal(cidrsOverlap('10.244.0.0/16', '10.244.3.0/24'), true);
    assert.equal(cidrsOverlap('10.244.3.0/24', '10.244.0.0/16'), true);
    assert.equal(cidrsOverlap('10.244.0.0/16', '10.245.0.0/16'), false);
    assert.equal(cidrsOverlap('10.0.0.0/8', '10.244.0.0/16'), true);
    assert.equal(cidrsOverlap('172.17.0.0/16', '10.244.0.0/16'), false);
  });

  it('keeps 10.244.0.0/16 when nothing uses it', () => {
    assert.equal(pickPodSubnet(['172.17.0.0/16', '192.168.1.0/24'], undefined, inOrder), '10.244.0.0/16');
  });

  it('picks a free /16 when another network (another cluster, kind) has 10.244/16 or part of it', () => {
    assert.equal(pickPodSubnet(['10.244.0.0/16'], undefined, inOrder), '10.128.0.0/16');
    assert.equal(pickPodSubnet(['10.244.7.0/24', '10.128.0.0/16', '10.129.5.0/24'], undefined, inOrder), '10.130.0.0/16');
    // A LAN on 10.0.0.0/8 leaves nothing in 10/8.
    assert.equal(pickPodSubnet(['10.0.0.0/8'], undefined, inOrder), undefined);
    // Never the service range nor virtual nodes' 10.245–10.254.
    const all = [];
    for (let i = 0; i < 50; i++) all.push(pickPodSubnet(['10.244.0.0/16']) as string);
    for (const s of all) {
      const b = Number(s.split('.')[1]);
      assert.ok(b >= 128 && b <= 243, s);
    }
  });

  it('ignores garbage in the used list', () => {
    assert.equal(pickPodSubnet(['', 'fd00::/64', 'nonsense'], undefined, inOrder), '10.244.0.0/16');
  });

  it('SKIFF_POD_SUBNET is explicit', () => {
    assert.equal(defaultNetwork('c', {}).podSubnetExplicit, false);
    const n = defaultNetwork('c', { SKIFF_POD_SUBNET: '10.150.0.0/16' });
    assert.equal(n.podSubnet, '10.150.0.0/16');
    assert.equal(n.podSubnetExplicit, true);
  });
});

describe('node podCIDR allocation', () => {
  it('hands out /24s of the cluster range in order, skipping taken ones', () => {
    assert.equal(nodeCIDR('10.244.0.0/16', 0), '10.244.0.0/24');
    assert.equal(nodeCIDR('10.244.0.0/16', 255), '10.244.255.0/24');
    assert.throws(() => nodeCIDR('10.244.0.0/16', 256));
    assert.equal(allocateNodeCIDR('10.244.0.0/16', []), '10.244.0.0/24');
    assert.equal(allocateNodeCIDR('10.244.0.0/16', ['10.244.0.0/24']), '10.244.1.0/24');
    assert.equal(allocateNodeCIDR('10.244.0.0/16', ['10.244.0.0/24', '10.244.2.0/24']), '10.244.1.0/24');
    // Virtual nodes' subnets outside the range don't matter; a bigger block inside it does.
    assert.equal(allocateNodeCIDR('10.244.0.0/16', ['10.254.0.0/24', '10.244.0.0/23']), '10.244.2.0/24');
  });

  it('never gives two nodes overlapping subnets, and says when the range is full', () => {
    const taken: string[] = [];
    for (let i = 0; i < 4; i++) taken.push(allocateNodeCIDR('10.9.0.0/22', taken));
    assert.deepEqual(taken, ['10.9.0.0/24', '10.9.1.0/24', '10.9.2.0/24', '10.9.3.0/24']);
    assert.throws(() => allocateNodeCIDR('10.9.0.0/22', taken), /no free \/24 left in the cluster pod range 10\.9\.0\.0\/22/);
  });
});
