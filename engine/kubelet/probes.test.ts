// Probe workers (probes.ts) with a manual clock and a scripted runner: timing fields,
// thresholds, initial results, startup gating, Unhealthy events.
// `npx tsx --test engine/kubelet/probes.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './runtime/fake.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { ProbeManager, type ProbeType } from './probes.js';
import { Backoff } from './backoff.js';
import { container, newPod, observed, running, sandbox } from './testing.js';
import type { EventRecorder } from '../events/recorder.js';

function setup(probes: Record<string, unknown>) {
  const clock = new ManualClock(0);
  const answers: Record<ProbeType, boolean[]> = { liveness: [], readiness: [], startup: [] };
  const calls: Array<[ProbeType, number]> = [];
  const events: string[] = [];
  const changes: string[] = [];
  const recorder: EventRecorder = { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) };
  const m = new ProbeManager({} as ContainerRuntime, clock, recorder, (uid) => changes.push(uid), async (type) => {
    calls.push([type, clock.now()]);
    const ok = answers[type].shift() ?? true;
    return { ok, output: ok ? '' : `${type} says no` };
  });
  const c = container('c', probes);
  const pod = newPod('p', { containers: [c] });
  const inst = running('c', 0, { startedAt: 0 });
  m.sync(pod, observed([sandbox()], [inst]), () => 0);
  const flush = () => new Promise((r) => setImmediate(r));
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(Math.min(1000, ms - t));
      await flush();
      await flush();
    }
  };
  return { m, c, inst, clock, answers, calls, events, changes, advance, flush };
}

describe('probes', () => {
  test('readiness: not ready until successThreshold successes; failureThreshold failures flip it back', async () => {
    const t = setup({ readinessProbe: { exec: { command: ['x'] }, initialDelaySeconds: 5, periodSeconds: 10, successThreshold: 2, failureThreshold: 2 } });
    assert.deepEqual(t.m.state(t.c, t.inst.id), { started: true, ready: false });
    await t.advance(4000);
    assert.equal(t.calls.length, 0, 'nothing before initialDelaySeconds');
    await t.advance(1000);
    assert.deepEqual(t.calls, [['readiness', 5000]]);
    assert.equal(t.m.state(t.c, t.inst.id).ready, false, '1 of 2 successes');
    await t.advance(10_000);
    assert.equal(t.m.state(t.c, t.inst.id).ready, true);
    t.answers.readiness.push(false, false);
    await t.advance(10_000);
    assert.equal(t.m.state(t.c, t.inst.id).ready, true, '1 of 2 failures');
    await t.advance(10_000);
    assert.equal(t.m.state(t.c, t.inst.id).ready, false);
    assert.deepEqual(t.changes, ['uid-p', 'uid-p']);
    assert.equal(t.events.filter((e) => e === 'Warning Unhealthy Readiness probe failed: readiness says no').length, 2);
    assert.deepEqual(t.calls.map((c) => c[1]), [5000, 15000, 25000, 35000]);
    t.m.stop();
  });

  test('liveness: healthy until failureThreshold failures, then held until a new instance', async () => {
    const t = setup({ livenessProbe: { exec: { command: ['x'] }, periodSeconds: 3, failureThreshold: 3 } });
    assert.equal(t.m.livenessFailed(t.inst.id), false);
    t.answers.liveness.push(false, false, false, false);
    await t.advance(1);
    await t.advance(6000);
    assert.equal(t.m.livenessFailed(t.inst.id), true);
    const n = t.calls.length;
    await t.advance(9000);
    assert.equal(t.calls.length, n, 'on hold after the verdict');
    t.m.stop();
  });

  test('startup gates liveness and readiness; the startup worker stops once started', async () => {
    const t = setup({
      startupProbe: { exec: { command: ['s'] }, periodSeconds: 2, failureThreshold: 10 },
      readinessProbe: { exec: { command: ['r'] }, periodSeconds: 2 },
      livenessProbe: { exec: { command: ['l'] }, periodSeconds: 2 },
    });
    t.answers.startup.push(false, false);
    await t.advance(1);
    await t.advance(4000);
    assert.deepEqual(t.m.state(t.c, t.inst.id), { started: true, ready: false });
    assert.ok(!t.calls.some(([type]) => type !== 'startup'), 'only startup ran so far');
    await t.advance(4000);
    assert.equal(t.m.state(t.c, t.inst.id).ready, true);
    const startups = t.calls.filter(([type]) => type === 'startup').length;
    await t.advance(10_000);
    assert.equal(t.calls.filter(([type]) => type === 'startup').length, startups);
    assert.ok(t.m.started(t.inst.id));
    t.m.stop();
  });

  test('a failing startup probe is a failure verdict (the container is killed)', async () => {
    const t = setup({ startupProbe: { exec: { command: ['s'] }, periodSeconds: 1, failureThreshold: 2 } });
    t.answers.startup.push(false, false);
    await t.advance(1);
    await t.advance(2000);
    assert.equal(t.m.startupFailed(t.inst.id), true);
    assert.equal(t.m.state(t.c, t.inst.id).started, false);
    t.m.stop();
  });
});

describe('Backoff (flowcontrol)', () => {
  test('doubles to the cap, expires after 2 × max without events', () => {
    const clock = new ManualClock(0);
    const b = new Backoff(10_000, 300_000, clock);
    const seen: number[] = [];
    let t = 0;
    for (let i = 0; i < 8; i++) {
      b.next('k', t);
      seen.push(b.get('k'));
      t += 1000;
    }
    assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    clock.advance(t);
    assert.equal(b.isInBackOffSince('k', t - 1000), true);
    assert.equal(b.isInBackOffSince('k', t + 600_001), false, 'expired');
    b.next('k', t + 600_001);
    assert.equal(b.get('k'), 10_000, 'starts over');
  });
});
