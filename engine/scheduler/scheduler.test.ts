import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import { Recorder } from '../events/recorder.js';
import { fitErrorMessage } from './fiterror.js';
import { Status } from './framework/types.js';
import { Scheduler, nodeEvents } from './scheduler.js';
import { makeNode, makePod, newTestEngine, until, type TestEngine } from './testing.js';

function nodeOf(e: TestEngine, name: string): string | undefined {
  const p = e.client.resource('', 'Pod').get('default', name);
  return (p?.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

function events(e: TestEngine, pod: string, reason?: string): KubeObject[] {
  return e.client
    .resource('', 'Event')
    .list('default')
    .items.filter((ev) => (ev.involvedObject as { name?: string }).name === pod && (!reason || ev.reason === reason));
}

describe('Scheduler (in-memory engine)', () => {
  let e: TestEngine;
  let s: Scheduler;
  let recorder: Recorder;
  beforeEach(() => {
    e = newTestEngine({ clock: realClock });
    recorder = new Recorder(e.client, { component: 'default-scheduler', sync: true });
    s = new Scheduler({ client: e.client, recorder, queue: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    s.start();
  });
  afterEach(async () => {
    await s.stop();
    e.close();
  });

  it('binds pending pods, spreads them, and records Scheduled events', async () => {
    const nodes = e.client.resource('', 'Node');
    nodes.create(makeNode('n1'));
    nodes.create(makeNode('n2'));
    const pods = e.client.resource('', 'Pod');
    for (let i = 0; i < 6; i++) pods.create(makePod(`p${i}`, { cpu: '500m', memory: '256Mi' }));
    await until(() => [0, 1, 2, 3, 4, 5].every((i) => nodeOf(e, `p${i}`)), 3000, 'all bound');
    const counts = new Map<string, number>();
    for (let i = 0; i < 6; i++) counts.set(nodeOf(e, `p${i}`)!, (counts.get(nodeOf(e, `p${i}`)!) ?? 0) + 1);
    assert.deepEqual([...counts.values()].sort(), [3, 3], 'LeastAllocated spreads evenly');
    const ev = events(e, 'p0', 'Scheduled')[0];
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.message, `Successfully assigned default/p0 to ${nodeOf(e, 'p0')}`);
    assert.deepEqual(ev.source, { component: 'default-scheduler' });
    assert.equal(ev.reportingComponent, 'default-scheduler');
    const cond = ((pods.get('default', 'p0')?.status as { conditions: { type: string; status: string }[] }).conditions ?? []).find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
  });

  it('leaves an impossible pod Pending with the upstream FailedScheduling message', async () => {
    const nodes = e.client.resource('', 'Node');
    nodes.create(makeNode('big', { labels: { zone: 'a' } }));
    nodes.create(makeNode('other', { labels: { zone: 'b' } }));
    e.client.resource('', 'Pod').create(makePod('huge', { cpu: '1000', nodeSelector: { zone: 'a' } }));
    const ev = await until(() => events(e, 'huge', 'FailedScheduling')[0], 3000, 'FailedScheduling');
    assert.equal(ev.type, 'Warning');
    assert.equal(
      ev.message,
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
    const pod = e.client.resource('', 'Pod').get('default', 'huge');
    const cond = ((pod?.status as { conditions?: Record<string, unknown>[] }).conditions ?? []).find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'Unschedulable');
    assert.equal(cond?.message, ev.message);
    assert.equal(s.queue.where('default/huge'), 'unschedulable');
  });

  it('retries an unschedulable pod when a node that fits is added', async () => {
    e.client.resource('', 'Node').create(makeNode('small', { cpu: '1' }));
    e.client.resource('', 'Pod').create(makePod('p', { cpu: '2' }));
    await until(() => s.queue.where('default/p') === 'unschedulable', 3000, 'parked');
    e.client.resource('', 'Node').create(makeNode('large', { cpu: '8' }));
    await until(() => nodeOf(e, 'p') === 'large', 3000, 'bound to the new node');
  });

  it('says "no nodes available" without nodes, then binds when one registers', async () => {
    e.client.resource('', 'Pod').create(makePod('early'));
    const ev = await until(() => events(e, 'early', 'FailedScheduling')[0], 3000, 'FailedScheduling');
    assert.equal(ev.message, 'no nodes available to schedule pods');
    e.client.resource('', 'Node').create(makeNode('n'));
    await until(() => nodeOf(e, 'early') === 'n', 3000, 'bound');
  });

  it('honours cordon and uncordon', async () => {
    const nodes = e.client.resource('', 'Node');
    nodes.create(makeNode('n', { unschedulable: true }));
    e.client.resource('', 'Pod').create(makePod('p'));
    const ev = await until(() => events(e, 'p', 'FailedScheduling')[0], 3000, 'FailedScheduling');
    assert.match(String(ev.message), /^0\/1 nodes are available: 1 node\(s\) were unschedulable\./);
    nodes.modify(undefined, 'n', (n) => {
      (n.spec as Record<string, unknown>).unschedulable = false;
    });
    await until(() => nodeOf(e, 'p') === 'n', 3000, 'bound after uncordon');
  });

  it('needs a toleration for a tainted node', async () => {
    const nodes = e.client.resource('', 'Node');
    nodes.create(makeNode('gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
    const pods = e.client.resource('', 'Pod');
    pods.create(makePod('plain'));
    pods.create(makePod('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    await until(() => nodeOf(e, 'tolerant') === 'gpu', 3000, 'tolerant bound');
    const ev = await until(() => events(e, 'plain', 'FailedScheduling')[0], 3000, 'FailedScheduling');
    assert.match(String(ev.message), /1 node\(s\) had untolerated taint \{dedicated: gpu\}/);
  });

  it('frees a node when a bound pod is deleted', async () => {
    e.client.resource('', 'Node').create(makeNode('n', { cpu: '2' }));
    const pods = e.client.resource('', 'Pod');
    pods.create(makePod('first', { cpu: '2' }));
    await until(() => nodeOf(e, 'first'), 3000, 'first bound');
    pods.create(makePod('second', { cpu: '2' }));
    await until(() => s.queue.where('default/second') === 'unschedulable', 3000, 'second parked');
    pods.delete('default', 'first', { gracePeriodSeconds: 0 });
    await until(() => nodeOf(e, 'second') === 'n', 3000, 'second bound');
  });

  it('counts requests incrementally from informer events (no listing per pod)', async () => {
    e.client.resource('', 'Node').create(makeNode('n', { cpu: '4', memory: '8Gi' }));
    const pods = e.client.resource('', 'Pod');
    pods.create(makePod('a', { cpu: '1500m', memory: '1Gi' }));
    pods.create(makePod('b', { cpu: '500m', memory: '1Gi', initContainers: [{ cpu: '1' }] }));
    await until(() => nodeOf(e, 'a') && nodeOf(e, 'b'), 3000, 'bound');
    const info = s.cache.get('n')!;
    assert.equal(info.requested.milliCPU, 2500);
    assert.equal(info.requested.memory, 2 * 2 ** 30);
    assert.equal(info.pods.size, 2);
    // A finished pod frees its requests.
    pods.modify('default', 'a', (p) => {
      p.status = { ...(p.status as object), phase: 'Succeeded' };
    }, { status: true });
    assert.equal(s.cache.get('n')!.requested.milliCPU, 1000);
    pods.delete('default', 'b', { gracePeriodSeconds: 0 });
    assert.equal(s.cache.get('n')!.requested.milliCPU, 0);
  });

  it('ignores pods for other schedulers', async () => {
    e.client.resource('', 'Node').create(makeNode('n'));
    e.client.resource('', 'Pod').create(makePod('mine'));
    e.client.resource('', 'Pod').create(makePod('theirs', { schedulerName: 'other-scheduler' }));
    await until(() => nodeOf(e, 'mine'), 3000, 'mine bound');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(nodeOf(e, 'theirs'), undefined);
  });

  it('holds pods with schedulingGates until the gates are removed', async () => {
    e.client.resource('', 'Node').create(makeNode('n'));
    const pods = e.client.resource('', 'Pod');
    const gated = makePod('gated');
    (gated.spec as Record<string, unknown>).schedulingGates = [{ name: 'example.com/wait' }];
    pods.create(gated);
    const cond = await until(() => ((pods.get('default', 'gated')?.status as { conditions?: Record<string, unknown>[] }).conditions ?? []).find((c) => c.type === 'PodScheduled'), 3000, 'gated condition');
    assert.equal(cond.reason, 'SchedulingGated');
    assert.equal(nodeOf(e, 'gated'), undefined);
    pods.modify('default', 'gated', (p) => {
      delete (p.spec as Record<string, unknown>).schedulingGates;
    });
    await until(() => nodeOf(e, 'gated') === 'n', 3000, 'bound once ungated');
  });

  it('required pod anti-affinity leaves extra replicas Pending until a slot frees', async () => {
    const nodes = e.client.resource('', 'Node');
    for (const n of ['n1', 'n2', 'n3']) nodes.create(makeNode(n));
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    const pods = e.client.resource('', 'Pod');
    for (let i = 0; i < 5; i++) pods.create(makePod(`web-${i}`, { labels: { app: 'web' }, affinity }));
    await until(() => [0, 1, 2, 3, 4].filter((i) => nodeOf(e, `web-${i}`)).length === 3, 3000, 'three bound');
    const bound = [0, 1, 2, 3, 4].filter((i) => nodeOf(e, `web-${i}`));
    assert.deepEqual(new Set(bound.map((i) => nodeOf(e, `web-${i}`))).size, 3, 'one per node');
    const pending = [0, 1, 2, 3, 4].filter((i) => !nodeOf(e, `web-${i}`));
    const ev = await until(() => events(e, `web-${pending[0]}`, 'FailedScheduling')[0], 3000, 'FailedScheduling');
    assert.equal(ev.message, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    // Deleting one bound replica lets exactly one pending replica in.
    pods.delete('default', `web-${bound[0]}`, { gracePeriodSeconds: 0 });
    await until(() => pending.filter((i) => nodeOf(e, `web-${i}`)).length === 1, 3000, 'one pending bound');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(pending.filter((i) => nodeOf(e, `web-${i}`)).length, 1);
    // A new node takes the last one.
    nodes.create(makeNode('n4'));
    await until(() => pending.every((i) => nodeOf(e, `web-${i}`)), 3000, 'all bound');
  });

  it('waits for an Immediate claim to be bound, then follows its PV to the pinned node', async () => {
    const nodes = e.client.resource('', 'Node');
    for (const n of ['n1', 'n2', 'n3']) nodes.create(makeNode(n));
    const pods = e.client.resource('', 'Pod');
    const pod = makePod('db');
    (pod.spec as Record<string, unknown>).volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    pods.create(pod);
    let ev = await until(() => events(e, 'db', 'FailedScheduling')[0], 3000, 'FailedScheduling');
    assert.equal(ev.message, '0/3 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    const pvcs = e.client.resource('', 'PersistentVolumeClaim');
    pvcs.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } } });
    ev = await until(() => events(e, 'db', 'FailedScheduling').find((x) => String(x.message).includes('unbound immediate')), 3000, 'unbound event');
    assert.equal(ev.message, '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    e.client.resource('', 'PersistentVolume').create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-data' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'manual',
        hostPath: { path: '/tmp/x' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] } },
      },
    });
    pvcs.modify('default', 'data', (c) => {
      (c.spec as Record<string, unknown>).volumeName = 'pv-data';
    });
    await until(() => nodeOf(e, 'db') === 'n2', 5000, 'bound to the PV node');
  });

  it('aggregates repeated FailedScheduling into one event with a count', async () => {
    e.client.resource('', 'Node').create(makeNode('n', { cpu: '1' }));
    e.client.resource('', 'Pod').create(makePod('p', { cpu: '2' }));
    await until(() => events(e, 'p', 'FailedScheduling')[0], 3000, 'first event');
    // Unrelated node churn retries the pod; the message is the same each time.
    for (let i = 0; i < 3; i++) {
      e.client.resource('', 'Node').modify(undefined, 'n', (n) => {
        n.metadata.labels = { ...(n.metadata.labels ?? {}), round: String(i) };
      });
      await new Promise((r) => setTimeout(r, 80));
    }
    const evs = events(e, 'p', 'FailedScheduling');
    assert.equal(evs.length, 1);
    assert.ok((evs[0].count as number) >= 2, `count ${String(evs[0].count)}`);
  });
});

describe('FailedScheduling message', () => {
  it('counts reasons over nodes, sorted as strings, as upstream FitError', () => {
    const statuses = new Map([
      ['a', Status.unschedulable('Insufficient cpu', 'Insufficient memory')],
      ['b', Status.unschedulable('Insufficient cpu')],
      ['c', Status.unresolvable('node(s) had untolerated taint {k: v}')],
      ['d', Status.unresolvable('node(s) were unschedulable')],
      ['e', Status.unresolvable("node(s) didn't match Pod's node affinity/selector")],
    ]);
    assert.equal(
      fitErrorMessage(5, statuses),
      "0/5 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {k: v}, 1 node(s) were unschedulable, 2 Insufficient cpu.",
    );
    assert.equal(fitErrorMessage(3, new Map(), 'PreFilter says no', 'preemption: x'), '0/3 nodes are available: PreFilter says no. preemption: x');
  });

  it('node updates that are only heartbeats wake nobody', () => {
    const a = makeNode('n');
    const b = { ...a, status: { ...(a.status as object), conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'later' }] } };
    assert.deepEqual(nodeEvents(a, b), []);
    const c = { ...a, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } };
    assert.deepEqual(nodeEvents(a, c), ['NodeTaint']);
  });
});
