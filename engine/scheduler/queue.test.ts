import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../api/clock.js';
import type { ClusterEvent } from './framework/types.js';
import { SchedulingQueue } from './queue.js';
import { makePod } from './testing.js';

const pluginEvents = new Map<string, ReadonlySet<ClusterEvent>>([
  ['NodeResourcesFit', new Set<ClusterEvent>(['NodeAdd', 'NodeAllocatable', 'AssignedPodDelete'])],
  ['NodeAffinity', new Set<ClusterEvent>(['NodeAdd', 'NodeLabel'])],
  ['NodeUnschedulable', new Set<ClusterEvent>(['NodeAdd', 'NodeSchedulable'])],
]);

function newQueue(clock = new FakeClock()) {
  return { q: new SchedulingQueue({ clock, pluginEvents, timers: false }), clock };
}

describe('SchedulingQueue', () => {
  it('pops by priority, then by age', () => {
    const { q, clock } = newQueue();
    q.add(makePod('low1'));
    clock.advance(1);
    q.add(makePod('high', { priority: 100 }));
    clock.advance(1);
    q.add(makePod('low2'));
    assert.deepEqual([q.popSync()?.key, q.popSync()?.key, q.popSync()?.key, q.popSync()], ['default/high', 'default/low1', 'default/low2', undefined]);
  });

  it('collapses duplicate adds and forgets deleted pods', () => {
    const { q } = newQueue();
    const p = makePod('a');
    q.add(p);
    q.add(p);
    q.add(makePod('b'));
    q.delete(p);
    assert.equal(q.popSync()?.key, 'default/b');
    assert.equal(q.popSync(), undefined);
  });

  it('parks an unschedulable pod and retries it when a node is added', () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    const qp = q.popSync();
    assert.ok(qp);
    q.addUnschedulable(qp, new Set(['NodeResourcesFit']));
    assert.equal(q.where('default/p'), 'unschedulable');
    assert.equal(q.popSync(), undefined);
    // Backoff (1 s after the first attempt) not over yet: the event moves it to backoffQ.
    q.onEvent('NodeAdd');
    assert.equal(q.where('default/p'), 'backoff');
    q.flushBackoff();
    assert.equal(q.popSync(), undefined);
    clock.advance(1000);
    q.flushBackoff();
    assert.equal(q.popSync()?.key, 'default/p');
  });

  it('moves straight to activeQ when the backoff is already over', () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    q.addUnschedulable(q.popSync()!, new Set(['NodeResourcesFit']));
    clock.advance(5000);
    q.onEvent('NodeAllocatable');
    assert.equal(q.where('default/p'), 'active');
  });

  it('only events the rejecting plugin cares about move a pod', () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    q.addUnschedulable(q.popSync()!, new Set(['NodeAffinity']));
    clock.advance(5000);
    q.onEvent('AssignedPodDelete');
    q.onEvent('NodeAllocatable');
    assert.equal(q.where('default/p'), 'unschedulable');
    q.onEvent('NodeLabel');
    assert.equal(q.where('default/p'), 'active');
  });

  it('a cordoned-node rejection waits for uncordon', () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    q.addUnschedulable(q.popSync()!, new Set(['NodeUnschedulable']));
    clock.advance(5000);
    q.onEvent('NodeTaint');
    assert.equal(q.where('default/p'), 'unschedulable');
    q.onEvent('NodeSchedulable');
    assert.equal(q.where('default/p'), 'active');
  });

  it('an event during the attempt sends the failed pod to backoff, not unschedulable', () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const qp = q.popSync()!;
    q.onEvent('NodeAdd'); // arrives while p is being scheduled
    q.addUnschedulable(qp, new Set(['NodeResourcesFit']));
    assert.equal(q.where('default/p'), 'backoff');
  });

  it('errors go to backoff with exponential delays capped at 10 s', () => {
    const { q } = newQueue();
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n)), [1000, 2000, 4000, 8000, 10000, 10000]);
    q.add(makePod('p'));
    q.addUnschedulable(q.popSync()!, new Set(), true);
    assert.equal(q.where('default/p'), 'backoff');
  });

  it('a spec change of an unschedulable pod retries it; a status change does not', () => {
    const { q, clock } = newQueue();
    const p = makePod('p', { nodeSelector: { zone: 'x' } });
    q.add(p);
    q.addUnschedulable(q.popSync()!, new Set(['NodeAffinity']));
    clock.advance(5000);
    q.update(p, { ...p, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    assert.equal(q.where('default/p'), 'unschedulable');
    q.update(p, { ...p, spec: { ...(p.spec as object), nodeSelector: { zone: 'y' } } });
    assert.equal(q.where('default/p'), 'active');
  });

  it('retries pods left unschedulable for 5 minutes', () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    q.addUnschedulable(q.popSync()!, new Set(['NodeAffinity']));
    clock.advance(299_000);
    q.flushUnschedulableLeftover();
    assert.equal(q.where('default/p'), 'unschedulable');
    clock.advance(2000);
    q.flushUnschedulableLeftover();
    assert.equal(q.where('default/p'), 'active');
  });

  it('pop() waits for work and returns undefined once closed', async () => {
    const { q } = newQueue();
    const waiting = q.pop();
    q.add(makePod('late'));
    assert.equal((await waiting)?.key, 'default/late');
    const closed = q.pop();
    q.close();
    assert.equal(await closed, undefined);
  });
});
