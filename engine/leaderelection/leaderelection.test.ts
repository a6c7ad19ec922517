import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, realClock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { makeNode, makePod, newTestEngine, until, type TestEngine } from '../scheduler/testing.js';
import { LeaderElector, LeaseLock, type LeaderElectionRecord, type ResourceLock } from './leaderelection.js';
import { runWithLeaderElection, startControlPlane } from './run.js';

function lease(e: TestEngine, name = 'kube-scheduler'): Record<string, unknown> {
  return e.client.resource('coordination.k8s.io', 'Lease').get('kube-system', name)?.spec as Record<string, unknown>;
}

function elector(e: TestEngine, clock: FakeClock, identity: string, log: string[], lock?: ResourceLock) {
  return new LeaderElector({
    lock: lock ?? new LeaseLock(e.client, 'kube-system', 'kube-scheduler', identity),
    clock,
    callbacks: {
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: () => log.push(`${identity} stopped`),
    },
  });
}

describe('LeaderElector (fake clock)', () => {
  it('one leader; the standby takes over within leaseDuration (+ one retry) after the leader dies', () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const e = newTestEngine({ clock });
    const log: string[] = [];
    const a = elector(e, clock, 'a', log);
    const b = elector(e, clock, 'b', log);
    a.step();
    b.step();
    assert.deepEqual(log, ['a started']);
    const first = lease(e);
    assert.equal(first.holderIdentity, 'a');
    assert.equal(first.leaseDurationSeconds, 15);
    assert.equal(first.leaseTransitions, 0);
    assert.match(String(first.renewTime), /^2025-01-01T00:00:00\.000000Z$/);

    // Both keep stepping every retry period; a renews, b keeps seeing fresh records.
    for (let i = 0; i < 5; i++) {
      clock.advance(2000);
      a.step();
      b.step();
    }
    assert.equal(lease(e).holderIdentity, 'a');
    assert.equal(lease(e).acquireTime, first.acquireTime, 'renewals keep acquireTime');
    const lastRenewal = clock.now().getTime();

    a.crash(); // no more renewals, nothing released
    let tookOverAt = 0;
    for (let i = 0; i < 20 && !tookOverAt; i++) {
      clock.advance(2000);
      b.step();
      if (b.isLeader()) tookOverAt = clock.now().getTime();
    }
    const waited = tookOverAt - lastRenewal;
    assert.ok(waited > 15_000 && waited <= 17_000, `took over after ${waited} ms`);
    assert.deepEqual(log, ['a started', 'b started']);
    const l = lease(e);
    assert.equal(l.holderIdentity, 'b');
    assert.equal(l.leaseTransitions, 1);
    assert.equal(l.acquireTime, l.renewTime);
  });

  it('a leader that cannot renew for renewDeadline stops leading', () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const e = newTestEngine({ clock });
    const log: string[] = [];
    const real = new LeaseLock(e.client, 'kube-system', 'kube-scheduler', 'a');
    let broken = false;
    const flaky: ResourceLock = {
      identity: 'a',
      get: () => {
        if (broken) throw new Error('apiserver unavailable');
        return real.get();
      },
      create: (r: LeaderElectionRecord) => real.create(r),
      update: (r: LeaderElectionRecord) => {
        if (broken) throw new Error('apiserver unavailable');
        real.update(r);
      },
      describe: () => real.describe(),
    };
    const a = elector(e, clock, 'a', log, flaky);
    a.step();
    assert.ok(a.isLeader());
    broken = true;
    for (let t = 2000; t < 10_000; t += 2000) {
      clock.advance(2000);
      a.step();
      assert.ok(a.isLeader(), `still leader ${t} ms into the outage`);
    }
    clock.advance(2000);
    a.step();
    assert.equal(a.isLeader(), false);
    assert.deepEqual(log, ['a started', 'a stopped']);
  });

  it('releases the lease on a clean stop so the standby needn\'t wait', () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const e = newTestEngine({ clock });
    const log: string[] = [];
    const a = elector(e, clock, 'a', log);
    const b = elector(e, clock, 'b', log);
    a.step();
    b.step();
    a.stop();
    assert.equal(lease(e).holderIdentity, '');
    assert.equal(lease(e).leaseDurationSeconds, 1);
    clock.advance(2000);
    b.step();
    assert.ok(b.isLeader());
    assert.deepEqual(log, ['a started', 'a stopped', 'b started']);
  });

  it('takes over at once a lease held by a process from before this engine started', () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const e = newTestEngine({ clock });
    const old = elector(e, clock, 'old-process', []);
    old.step();
    old.crash();
    clock.advance(1000);
    const log: string[] = [];
    const fresh = new LeaderElector({
      lock: new LeaseLock(e.client, 'kube-system', 'kube-scheduler', 'new-process'),
      clock,
      staleBefore: new Date(clock.now().getTime() - 1),
      callbacks: { onStartedLeading: () => log.push('started'), onStoppedLeading: () => {} },
    });
    fresh.step();
    assert.deepEqual(log, ['started']);
  });

  it('rejects inconsistent timings', () => {
    const e = newTestEngine();
    const lock = new LeaseLock(e.client, 'kube-system', 'x', 'a');
    assert.throws(() => new LeaderElector({ lock, leaseDurationMs: 5000, renewDeadlineMs: 5000, callbacks: { onStartedLeading() {}, onStoppedLeading() {} } }));
  });
});

describe('HA: two in-process schedulers with real time', () => {
  it('the standby scheduler takes over when the leader dies', async () => {
    const e = newTestEngine({ clock: realClock });
    const nodes = e.client.resource('', 'Node');
    const pods = e.client.resource('', 'Pod');
    nodes.create(makeNode('n1'));
    const started: string[] = [];
    const timing = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
    const replica = (identity: string) =>
      runWithLeaderElection(
        { ...e.ctx, identity },
        'kube-scheduler',
        () => {
          started.push(identity);
          const s = new Scheduler({ client: e.client, queue: { initialBackoffMs: 10, maxBackoffMs: 50 } });
          s.start();
          return { stop: () => s.stop() };
        },
        { identity, ...timing },
      );
    const a = replica('engine-a');
    const b = replica('engine-b');
    assert.ok(a.running() && !b.running(), 'only the first replica schedules');
    pods.create(makePod('before'));
    await until(() => (pods.get('default', 'before')?.spec as { nodeName?: string }).nodeName, 3000, 'bound by the leader');

    const t0 = Date.now();
    await a.crash();
    pods.create(makePod('after'));
    await until(() => (pods.get('default', 'after')?.spec as { nodeName?: string }).nodeName, 5000, 'bound by the standby');
    const took = Date.now() - t0;
    assert.ok(took < timing.leaseDurationMs + 3 * timing.retryPeriodMs, `took over in ${took} ms`);
    assert.deepEqual(started, ['engine-a', 'engine-b']);
    const l = e.client.resource('coordination.k8s.io', 'Lease').get('kube-system', 'kube-scheduler') as KubeObject;
    assert.equal((l.spec as Record<string, unknown>).holderIdentity, 'engine-b');
    assert.equal((l.spec as Record<string, unknown>).leaseTransitions, 1);
    // Events are recorded asynchronously (the recorder batches): wait for it.
    await until(
      () =>
        e.client
          .resource('', 'Event')
          .list('kube-system')
          .items.find((x) => x.reason === 'LeaderElection' && x.message === 'engine-b became leader'),
      3000,
      'LeaderElection event on the Lease',
    );
    await b.stop();
    e.close();
  });

  it('startControlPlane runs one leader per component and hands over on stop', async () => {
    const e = newTestEngine({ clock: realClock });
    const running = new Map<string, number>();
    const counter = (name: string) => () => {
      running.set(name, (running.get(name) ?? 0) + 1);
      return { stop: () => void running.set(name, (running.get(name) ?? 1) - 1) };
    };
    const cp = startControlPlane(e.ctx, {
      standby: true,
      startControllerManager: counter('cm'),
      startScheduler: counter('sched'),
      leaseDurationMs: 1500,
      renewDeadlineMs: 1000,
      retryPeriodMs: 200,
    });
    assert.deepEqual(Object.fromEntries(running), { cm: 1, sched: 1 });
    const primary = cp.replicas.filter((r) => !r.identity.endsWith('-standby'));
    for (const r of primary) await r.replica.crash();
    await until(() => running.get('cm') === 1 && running.get('sched') === 1 && cp.replicas.filter((r) => r.replica.running()).every((r) => r.identity.endsWith('-standby')), 5000, 'standbys lead');
    await cp.stop();
    assert.deepEqual(Object.fromEntries(running), { cm: 0, sched: 0 });
    e.close();
  });
});
