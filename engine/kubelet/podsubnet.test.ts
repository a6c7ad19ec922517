import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultNetwork } from '../network.js';
import { RuntimeError, type ContainerRuntime, type NetworkSpec } from './runtime/runtime.js';
import { localNodeCIDR, settlePodSubnet } from './podsubnet.js';

/** A Docker engine's networks, with Docker's overlap check. */
function engine(existing: { name: string; subnets: string[] }[]) {
  const nets = [...existing];
  const created: NetworkSpec[] = [];
  const overlaps = (a: string, b: string) => a.split('.').slice(0, 2).join('.') === b.split('.').slice(0, 2).join('.');
  const rt = {
    async ensureNetwork(spec: NetworkSpec) {
      const same = nets.find((n) => n.name === spec.name);
      if (same) {
        if (same.subnets[0] !== spec.subnet) throw new RuntimeError('Conflict', 'exists with another subnet');
        return { id: spec.name, name: spec.name, subnet: spec.subnet };
      }
      if (nets.some((n) => n.subnets.some((s) => overlaps(s, spec.subnet as string)))) throw new RuntimeError('Conflict', 'Pool overlaps');
      nets.push({ name: spec.name, subnets: [spec.subnet as string] });
      created.push(spec);
      return { id: spec.name, name: spec.name, subnet: spec.subnet };
    },
  } as unknown as ContainerRuntime;
  return { rt, nets, created, list: async () => nets.map((n) => ({ ...n })) };
}

function ctx(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-podsubnet-'));
  return { dataDir, clusterName: 'c1', network: defaultNetwork('c1', env), done: () => rmSync(dataDir, { recursive: true, force: true }) };
}

describe('settlePodSubnet', () => {
  it('uses 10.244.0.0/16 when free, creates the network with the local node /24 as IP range, and records it', async () => {
    const c = ctx();
    const d = engine([{ name: 'bridge', subnets: ['172.17.0.0/16'] }]);
    assert.equal(await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] }), '10.244.0.0/16');
    assert.deepEqual(d.created.map((s) => [s.name, s.subnet, s.ipRange]), [['skiff-c1', '10.244.0.0/16', '10.244.0.0/24']]);
    assert.equal(readFileSync(join(c.dataDir, 'pod-subnet'), 'utf8').trim(), '10.244.0.0/16');
    // Settled once per network plan: a second caller shares the answer.
    assert.equal(await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] }), '10.244.0.0/16');
    assert.equal(d.created.length, 1);
    c.done();
  });

  it('picks another /16 when another cluster or kind holds 10.244/16, and keeps it across restarts', async () => {
    const c = ctx();
    const d = engine([{ name: 'kind', subnets: ['10.244.0.0/16'] }]);
    const got = await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] });
    assert.notEqual(got, '10.244.0.0/16');
    assert.match(got, /^10\.(1[3-9]\d|12[89]|2[0-3]\d|24[0-3])\.0\.0\/16$/);
    assert.equal(c.network.podSubnet, got);
    // Restart: a fresh plan on the same data dir (and the network still there) gets the same range.
    const again = { ...c, network: defaultNetwork('c1', {}) };
    assert.equal(await settlePodSubnet(again, d.rt, { list: d.list, hostSubnets: () => [] }), got);
    // Network gone meanwhile: the recorded range is used again.
    d.nets.splice(d.nets.findIndex((n) => n.name === 'skiff-c1'), 1);
    const third = { ...c, network: defaultNetwork('c1', {}) };
    assert.equal(await settlePodSubnet(third, d.rt, { list: d.list, hostSubnets: () => [] }), got);
    c.done();
  });

  it('adopts the subnet of an existing cluster network (clusters from before the file)', async () => {
    const c = ctx();
    const d = engine([{ name: 'skiff-c1', subnets: ['10.150.0.0/16'] }]);
    assert.equal(await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] }), '10.150.0.0/16');
    c.done();
  });

  it('picks again when another engine takes the range between list and create', async () => {
    const c = ctx();
    const d = engine([]);
    let first = true;
    const racing = async () => {
      const l = await d.list();
      if (first) {
        first = false;
        d.nets.push({ name: 'other-cluster', subnets: ['10.244.0.0/16'] }); // appears after our list
      }
      return l;
    };
    const got = await settlePodSubnet(c, d.rt, { list: racing, hostSubnets: () => [] });
    assert.notEqual(got, '10.244.0.0/16');
    c.done();
  });

  it('SKIFF_POD_SUBNET wins and is never re-picked', async () => {
    const c = ctx({ SKIFF_POD_SUBNET: '10.244.0.0/16' });
    const d = engine([{ name: 'kind', subnets: ['10.244.0.0/16'] }]);
    await assert.rejects(settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] }), /Pool overlaps/);
    assert.equal(c.network.podSubnet, '10.244.0.0/16');
    // The failure is not remembered: once the other network is gone it works.
    d.nets.splice(0, 1);
    assert.equal(await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] }), '10.244.0.0/16');
    c.done();
  });

  it("avoids this machine's interface networks (another engine's bridge)", async () => {
    const c = ctx();
    const d = engine([]);
    const got = await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => ['10.244.1.1/24'] });
    assert.notEqual(got, '10.244.0.0/16');
    c.done();
  });

  it('ignores a garbage record', async () => {
    const c = ctx();
    writeFileSync(join(c.dataDir, 'pod-subnet'), 'nonsense\n');
    const d = engine([]);
    assert.equal(await settlePodSubnet(c, d.rt, { list: d.list, hostSubnets: () => [] }), '10.244.0.0/16');
    c.done();
  });

  it('local node CIDR', () => {
    assert.equal(localNodeCIDR('10.244.0.0/16'), '10.244.0.0/24');
    assert.equal(localNodeCIDR('10.77.3.0/24'), '10.77.3.0/24');
    assert.equal(localNodeCIDR('10.77.3.0/26'), '10.77.3.0/26');
  });
});
