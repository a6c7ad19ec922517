import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import { makePod, newTestEngine } from '../scheduler/testing.js';
import { addVirtualNode, removeNode, startVirtualNode, stopVirtualNode, virtualNodeObject } from './api.js';
import { inProcessNodeApi, runNodeCommand } from './cli.js';
import { VirtualNodeHost, ensureVirtualNodeHost, subnetFor } from './virtual-controller.js';

function setup() {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const e = newTestEngine({ clock });
  const host = new VirtualNodeHost({ client: e.client, clock, timers: false });
  host.start();
  return { e, clock, host };
}

const node = (e: ReturnType<typeof setup>['e'], name: string) => e.client.resource('', 'Node').get(undefined, name) as KubeObject;
const status = (o: KubeObject | undefined) => (o?.status ?? {}) as Record<string, unknown>;
const leaseRenew = (e: ReturnType<typeof setup>['e'], name: string) =>
  (e.client.resource('coordination.k8s.io', 'Lease').get('kube-node-lease', name)?.spec as Record<string, unknown> | undefined)?.renewTime;

describe('virtual nodes', () => {
  it('a Node with the virtual label becomes a Ready node with the declared capacity and a lease', () => {
    const { e, host } = setup();
    addVirtualNode(e, { name: 'vn1', cpu: 8, memory: '16Gi', pods: 50 });
    host.drain();
    const n = node(e, 'vn1');
    assert.deepEqual(status(n).capacity, { cpu: '8', 'ephemeral-storage': '100Gi', memory: '16Gi', pods: '50' });
    assert.deepEqual(status(n).allocatable, status(n).capacity);
    const ready = (status(n).conditions as Record<string, unknown>[]).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(n.metadata.labels?.type, 'virtual');
    assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], 'vn1');
    assert.equal((n.spec as Record<string, unknown>).podCIDR, '10.254.0.0/24');
    assert.ok(leaseRenew(e, 'vn1'));
  });

  it('labels and defaults a bare `kubectl apply`-style Node', () => {
    const { e, host } = setup();
    e.client.resource('', 'Node').create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare', labels: { 'node.skiff.io/virtual': 'true' } } });
    host.drain();
    const n = node(e, 'bare');
    assert.equal(n.metadata.labels?.type, 'virtual');
    assert.deepEqual(status(n).capacity, { cpu: '4', 'ephemeral-storage': '100Gi', memory: '8Gi', pods: '110' });
  });

  it('label removals stick: labels are set at registration only (type=virtual only for a new Node)', () => {
    const { e, clock, host } = setup();
    addVirtualNode(e, { name: 'v2' });
    host.drain();
    assert.equal(node(e, 'v2').metadata.labels?.type, 'virtual');
    const drop = (...keys: string[]) =>
      e.client.resource('', 'Node').modify(undefined, 'v2', (n) => {
        n.metadata.labels = { ...(n.metadata.labels ?? {}) };
        for (const k of keys) delete n.metadata.labels[k];
      });
    drop('type', 'kubernetes.io/os');
    host.drain();
    clock.advance(120_000);
    host.tick();
    host.drain();
    let labels = node(e, 'v2').metadata.labels ?? {};
    assert.equal(labels.type, undefined, 'type stays removed');
    assert.equal(labels['kubernetes.io/os'], undefined, 'os stays removed while the kubelet runs');
    assert.equal(labels['node.skiff.io/virtual'], 'true');
    host.stop();
    // A restarted engine re-registers: well-known labels come back (upstream updateDefaultLabels), type does not.
    const again = new VirtualNodeHost({ client: e.client, clock, timers: false });
    again.start();
    again.drain();
    labels = node(e, 'v2').metadata.labels ?? {};
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.equal(labels.type, undefined);
    again.stop();
  });

  it('runs bound pods without containers and removes deleted ones at once', () => {
    const { e, host } = setup();
    addVirtualNode(e, { name: 'vn1' });
    host.drain();
    const pods = e.client.resource('', 'Pod');
    pods.create(makePod('web', { nodeName: 'vn1', containers: [{ name: 'a' }, { name: 'b' }] }));
    pods.create(makePod('web2', { nodeName: 'vn1' }));
    host.drain();
    const p = pods.get('default', 'web') as KubeObject;
    const st = status(p);
    assert.equal(st.phase, 'Running');
    assert.match(String(st.podIP), /^10\.254\.0\.\d+$/);
    assert.notEqual(st.podIP, status(pods.get('default', 'web2')).podIP, 'distinct pod IPs');
    assert.equal(st.hostIP, '10.254.0.1');
    const conds = Object.fromEntries((st.conditions as Record<string, unknown>[]).map((c) => [c.type, c.status]));
    assert.deepEqual(conds, { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    const cs = st.containerStatuses as Record<string, unknown>[];
    assert.deepEqual(cs.map((c) => [c.name, c.ready, Object.keys(c.state as object)[0]]), [['a', true, 'running'], ['b', true, 'running']]);
    pods.delete('default', 'web'); // graceful (30 s) — the virtual kubelet finishes it at once
    host.drain();
    assert.equal(pods.get('default', 'web'), undefined);
  });

  it('a stopped node renews nothing and touches no pods until started again', () => {
    const { e, clock, host } = setup();
    addVirtualNode(e, { name: 'vn1' });
    host.drain();
    const before = leaseRenew(e, 'vn1');
    stopVirtualNode(e, 'vn1');
    host.drain();
    clock.advance(30_000);
    host.tick();
    assert.equal(leaseRenew(e, 'vn1'), before);
    e.client.resource('', 'Pod').create(makePod('late', { nodeName: 'vn1' }));
    host.drain();
    assert.notEqual(status(e.client.resource('', 'Pod').get('default', 'late')).phase, 'Running');
    startVirtualNode(e, 'vn1');
    host.drain();
    assert.notEqual(leaseRenew(e, 'vn1'), before);
    assert.equal(status(e.client.resource('', 'Pod').get('default', 'late')).phase, 'Running');
  });

  it('renews leases on the heartbeat interval and repairs a Ready=Unknown status', () => {
    const { e, clock, host } = setup();
    addVirtualNode(e, { name: 'vn1' });
    host.drain();
    e.client.resource('', 'Node').modify(
      undefined,
      'vn1',
      (n) => {
        (status(n).conditions as Record<string, unknown>[]).forEach((c) => (c.status = 'Unknown'));
      },
      { status: true },
    );
    const before = leaseRenew(e, 'vn1');
    clock.advance(10_001);
    host.tick();
    assert.notEqual(leaseRenew(e, 'vn1'), before);
    const ready = (status(node(e, 'vn1')).conditions as Record<string, unknown>[]).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
  });

  it('removing a virtual node removes its pods and lease', () => {
    const { e, host } = setup();
    addVirtualNode(e, { name: 'vn1' });
    host.drain();
    e.client.resource('', 'Pod').create(makePod('p', { nodeName: 'vn1' }));
    host.drain();
    removeNode(e, 'vn1');
    host.drain();
    assert.equal(e.client.resource('', 'Pod').get('default', 'p'), undefined);
    assert.equal(leaseRenew(e, 'vn1'), undefined);
  });

  it('gives each node its own pod subnet', () => {
    const { e, host } = setup();
    addVirtualNode(e, { name: 'a' });
    addVirtualNode(e, { name: 'b' });
    host.drain();
    const cidrs = ['a', 'b'].map((n) => (node(e, n).spec as Record<string, unknown>).podCIDR);
    assert.notEqual(cidrs[0], cidrs[1]);
    assert.equal(subnetFor(256), '10.253.0');
  });

  it('ensureVirtualNodeHost shares one host per engine and stops with the last holder', () => {
    const { e } = setup();
    const a = ensureVirtualNodeHost(e.ctx, { timers: false });
    const b = ensureVirtualNodeHost(e.ctx, { timers: false });
    assert.equal(a.host, b.host);
    a.stop();
    const c = ensureVirtualNodeHost(e.ctx, { timers: false });
    assert.equal(c.host, a.host, 'still running while b holds it');
    b.stop();
    c.stop();
    const d = ensureVirtualNodeHost(e.ctx, { timers: false });
    assert.notEqual(d.host, a.host);
    d.stop();
  });

  it('rejects invalid quantities', () => {
    assert.throws(() => virtualNodeObject({ name: 'x', cpu: 'lots' }), /invalid cpu "lots"/);
  });
});

describe('skiff node (CLI logic)', () => {
  function cli() {
    const { e, host } = setup();
    const out: string[] = [];
    const err: string[] = [];
    const run = async (...args: string[]) => {
      out.length = 0;
      err.length = 0;
      const code = await runNodeCommand(args, inProcessNodeApi(e.client), { log: (s) => out.push(s), error: (s) => err.push(s) }, () => new Date(Date.UTC(2025, 0, 1, 0, 5)));
      host.drain();
      return code;
    };
    return { e, run, out, err };
  }

  it('add, list, stop, start, rm', async () => {
    const { e, run, out, err } = cli();
    assert.equal(await run('add', '--virtual', 'vn1', '--cpu', '2', '--memory', '4Gi', '--pods', '20', '--label', 'zone=a', '--taint', 'gpu=yes:NoSchedule'), 0, err.join());
    assert.equal(out[0], 'node/vn1 created (virtual: 2 cpu, 4Gi memory, 20 pods)');
    const n = e.client.resource('', 'Node').get(undefined, 'vn1') as KubeObject;
    assert.equal(n.metadata.labels?.zone, 'a');
    assert.deepEqual((n.spec as Record<string, unknown>).taints, [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }]);
    assert.equal(await run('list'), 0);
    assert.match(out[0], /^NAME\s+STATUS\s+TYPE\s+CPU\s+MEMORY\s+PODS\s+AGE\nvn1\s+Ready\s+virtual\s+2\s+4Gi\s+20\s+5m$/);
    assert.equal(await run('stop', 'vn1'), 0);
    await run('list');
    assert.match(out[0], /vn1\s+Ready,Stopped/);
    assert.equal(await run('start', 'vn1'), 0);
    assert.equal(await run('rm', 'vn1'), 0);
    assert.equal(out[0], 'node/vn1 deleted');
    assert.equal(await run('list'), 0);
    assert.equal(out[0], 'No nodes found.');
  });

  it('add --docker-host records the endpoint on the Node and list shows its kind', async () => {
    const { e, run, out, err } = cli();
    assert.equal(await run('add', '--docker-host', 'unix:///tmp/d2/docker.sock', 'd2', '--label', 'zone=b'), 0, err.join());
    assert.equal(out[0], 'node/d2 created (Docker engine at unix:///tmp/d2/docker.sock; the server runs its kubelet)');
    const n = e.client.resource('', 'Node').get(undefined, 'd2') as KubeObject;
    assert.equal(n.metadata.labels?.['node.skiff.io/docker-host'], 'true');
    assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], 'd2');
    assert.equal(n.metadata.labels?.zone, 'b');
    assert.equal(n.metadata.annotations?.['node.skiff.io/docker-endpoint'], 'unix:///tmp/d2/docker.sock');
    assert.equal(n.metadata.annotations?.['node.skiff.io/docker-tls-verify'], undefined);
    assert.equal(await run('add', '--docker-host', 'tcp://10.0.0.5:2376', 'd3', '--tls-verify', '--cert-path', '/certs'), 0, err.join());
    const n3 = e.client.resource('', 'Node').get(undefined, 'd3') as KubeObject;
    assert.equal(n3.metadata.annotations?.['node.skiff.io/docker-tls-verify'], 'true');
    assert.equal(n3.metadata.annotations?.['node.skiff.io/docker-cert-path'], '/certs');
    assert.equal(await run('list'), 0);
    assert.match(out[0], /\nd2\s+\S+\s+docker-host\s/);
    assert.equal(await run('add', '--docker-host', 'd4'), 2);
    assert.match(err[0], /missing (ENDPOINT|NAME)/);
  });

  it('explains what is not supported and reports errors', async () => {
    const { run, err } = cli();
    assert.equal(await run('add', 'docker2'), 2);
    assert.match(err[0], /--virtual NAME, or --docker-host ENDPOINT NAME/);
    assert.equal(await run('add', '--docker-host', 'ftp://x', 'd2'), 1);
    assert.match(err[0], /unsupported Docker endpoint "ftp:\/\/x"/);
    assert.equal(await run('add', '--virtual', 'x', '--taint', 'bad'), 1);
    assert.match(err[0], /invalid taint spec/);
    assert.equal(await run('rm', 'ghost'), 1);
    assert.match(err[0], /nodes "ghost" not found/);
    assert.equal(await run('frobnicate'), 2);
  });
});
