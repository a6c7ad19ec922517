import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import { makeNode, makePod, newTestEngine } from '../scheduler/testing.js';
import { Recorder } from './recorder.js';

function setup() {
  const clock = new FakeClock(Date.UTC(2025, 0, 1, 12, 0, 0));
  const e = newTestEngine({ clock });
  const pod = e.client.resource('', 'Pod').create(makePod('web'));
  const recorder = new Recorder(e.client, { component: 'default-scheduler', instance: 'default-scheduler-test', clock, sync: true });
  const list = (ns = 'default') => e.client.resource('', 'Event').list(ns).items;
  return { e, clock, pod, recorder, list };
}

describe('Recorder', () => {
  it('writes a core/v1 Event as upstream names and fills it', () => {
    const { pod, recorder, list } = setup();
    recorder.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.');
    const [ev] = list();
    assert.match(ev.metadata.name as string, /^web\.[0-9a-f]+$/);
    assert.equal(ev.metadata.namespace, 'default');
    assert.deepEqual(ev.involvedObject, { kind: 'Pod', namespace: 'default', name: 'web', uid: pod.metadata.uid, apiVersion: 'v1', resourceVersion: pod.metadata.resourceVersion });
    assert.equal(ev.reason, 'FailedScheduling');
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.count, 1);
    assert.equal(ev.firstTimestamp, '2025-01-01T12:00:00Z');
    assert.equal(ev.lastTimestamp, '2025-01-01T12:00:00Z');
    assert.deepEqual(ev.source, { component: 'default-scheduler' });
    assert.equal(ev.reportingComponent, 'default-scheduler');
    assert.equal(ev.reportingInstance, 'default-scheduler-test');
  });

  it('dedups the same event: count+1 and lastTimestamp, same object', () => {
    const { pod, recorder, list, clock } = setup();
    recorder.event(pod, 'Warning', 'FailedScheduling', 'same');
    clock.advance(30_000);
    recorder.event(pod, 'Warning', 'FailedScheduling', 'same');
    clock.advance(30_000);
    recorder.event(pod, 'Warning', 'FailedScheduling', 'same');
    const evs = list();
    assert.equal(evs.length, 1);
    assert.equal(evs[0].count, 3);
    assert.equal(evs[0].firstTimestamp, '2025-01-01T12:00:00Z');
    assert.equal(evs[0].lastTimestamp, '2025-01-01T12:01:00Z');
  });

  it('different messages are different events until 10 similar ones, then they combine', () => {
    const { pod, recorder, list } = setup();
    for (let i = 0; i < 9; i++) recorder.event(pod, 'Warning', 'BackOff', `message ${i}`);
    assert.equal(list().length, 9);
    recorder.event(pod, 'Warning', 'BackOff', 'message 9');
    recorder.event(pod, 'Warning', 'BackOff', 'message 10');
    const evs = list();
    assert.equal(evs.length, 10);
    const combined = evs.find((ev) => String(ev.message).startsWith('(combined from similar events): '));
    assert.ok(combined);
    assert.equal(combined.message, '(combined from similar events): message 10');
    assert.equal(combined.count, 2);
  });

  it('puts events about cluster-scoped objects in the default namespace', () => {
    const { e, recorder, list } = setup();
    const node = e.client.resource('', 'Node').create(makeNode('n1'));
    recorder.event(node, 'Normal', 'NodeNotReady', 'Node n1 status is now: NodeNotReady');
    const ev = list().find((x) => x.reason === 'NodeNotReady') as KubeObject;
    assert.equal(ev.metadata.namespace, 'default');
    assert.equal((ev.involvedObject as { kind: string }).kind, 'Node');
  });

  it('drops events over the spam filter burst', () => {
    const { e, pod, clock } = setup();
    const r = new Recorder(e.client, { component: 'c', clock, sync: true, spamBurst: 3, spamRefillMs: 1000 });
    for (let i = 0; i < 5; i++) r.event(pod, 'Normal', 'Tick', 'same');
    const count = () => e.client.resource('', 'Event').list('default').items.find((x) => x.reason === 'Tick')?.count;
    assert.equal(count(), 3);
    clock.advance(1000);
    r.event(pod, 'Normal', 'Tick', 'same');
    assert.equal(count(), 4);
  });

  it('starts a new Event when the old one was deleted', () => {
    const { e, pod, recorder, list } = setup();
    recorder.event(pod, 'Normal', 'Pulled', 'ok');
    const first = list()[0];
    e.client.resource('', 'Event').delete('default', first.metadata.name as string);
    recorder.event(pod, 'Normal', 'Pulled', 'ok');
    const evs = list();
    assert.equal(evs.length, 1);
    assert.equal(evs[0].count, 1);
  });

  it('batches writes to the next turn of the event loop by default', async () => {
    const { e, pod } = setup();
    const r = new Recorder(e.client, { component: 'c' });
    r.event(pod, 'Normal', 'Later', 'x');
    assert.equal(e.client.resource('', 'Event').list('default').items.length, 0);
    await new Promise((res) => setImmediate(res));
    assert.equal(e.client.resource('', 'Event').list('default').items.length, 1);
  });
});
