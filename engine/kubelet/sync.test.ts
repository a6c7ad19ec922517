// computePodActions (sync.ts), table-driven: sandbox, init container order, restart policies.
// `npx tsx --test engine/kubelet/sync.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodActions, containerHash, type ProbeVerdicts } from './sync.js';
import { container, exited, newPod, observed, running, sandbox } from './testing.js';

const healthy: ProbeVerdicts = { livenessFailed: () => false, startupFailed: () => false, started: () => true };

function summary(a: ReturnType<typeof computePodActions>) {
  return {
    createSandbox: a.createSandbox,
    killPod: a.killPod,
    terminal: a.terminal,
    init: a.initToStart.map((s) => `${s.name}#${s.attempt}`),
    start: a.containersToStart.map((s) => `${s.name}#${s.attempt}`),
    kill: a.containersToKill.map((k) => k.name),
  };
}

describe('computePodActions', () => {
  test('new pod: sandbox, then all app containers', () => {
    const pod = newPod('p', { containers: [container('a'), container('b')] });
    assert.deepEqual(summary(computePodActions(pod, observed([], []), healthy)), { createSandbox: true, killPod: false, terminal: false, init: [], start: ['a#0', 'b#0'], kill: [] });
  });

  test('init containers run one at a time, in order, before app containers', () => {
    const pod = newPod('p', { initContainers: [container('i1'), container('i2')], containers: [container('a')] });
    const steps: Array<[ReturnType<typeof observed>, string[], string[]]> = [
      [observed([], []), ['i1#0'], []],
      [observed([sandbox()], [running('i1', 0, { role: 'init' })]), [], []],
      [observed([sandbox()], [exited('i1', 0, 0, { role: 'init' })]), ['i2#0'], []],
      [observed([sandbox()], [exited('i1', 0, 0, { role: 'init' }), running('i2', 0, { role: 'init' })]), [], []],
      [observed([sandbox()], [exited('i1', 0, 0, { role: 'init' }), exited('i2', 0, 0, { role: 'init' })]), [], ['a#0']],
    ];
    for (const [obs, init, start] of steps) {
      const s = summary(computePodActions(pod, obs, healthy));
      assert.deepEqual([s.init, s.start], [init, start]);
    }
  });

  test('a failed init container is retried (Always/OnFailure) or fails the pod (Never)', () => {
    const obs = observed([sandbox()], [exited('i1', 0, 1, { role: 'init' })]);
    for (const rp of ['Always', 'OnFailure']) {
      const pod = newPod('p', { restartPolicy: rp, initContainers: [container('i1')], containers: [container('a')] });
      const a = computePodActions(pod, obs, healthy);
      assert.deepEqual(summary(a).init, ['i1#1'], rp);
      assert.ok(a.initToStart[0].restartOf, 'back-off applies');
    }
    const never = newPod('p', { restartPolicy: 'Never', initContainers: [container('i1')], containers: [container('a')] });
    const a = computePodActions(never, obs, healthy);
    assert.equal(a.terminal, true);
    assert.equal(a.killPod, true);
  });

  test('init containers do not run again once an app container ran', () => {
    const pod = newPod('p', { initContainers: [container('i1')], containers: [container('a')] });
    const a = computePodActions(pod, observed([sandbox()], [exited('a', 0, 1)]), healthy);
    assert.deepEqual(summary(a).init, []);
    assert.deepEqual(summary(a).start, ['a#1']);
  });

  const restarts: Array<[string, number, string[], boolean]> = [
    ['Always', 0, ['a#1'], false],
    ['Always', 1, ['a#1'], false],
    ['OnFailure', 0, [], true],
    ['OnFailure', 1, ['a#1'], false],
    ['Never', 0, [], true],
    ['Never', 1, [], true],
  ];
  for (const [rp, code, start, terminal] of restarts) {
    test(`restartPolicy ${rp}, exit ${code}: ${start.length ? 'restart' : 'terminal'}`, () => {
      const pod = newPod('p', { restartPolicy: rp, containers: [container('a')] });
      const a = computePodActions(pod, observed([sandbox()], [exited('a', 0, code)]), healthy);
      assert.deepEqual(summary(a).start, start);
      assert.equal(a.terminal, terminal);
      if (start.length) assert.ok(a.containersToStart[0].restartOf);
    });
  }

  test('running containers are left alone when healthy and unchanged', () => {
    const c = container('a');
    const pod = newPod('p', { containers: [c] });
    const a = computePodActions(pod, observed([sandbox()], [running('a', 0, { hash: containerHash(c) })]), healthy);
    assert.deepEqual(summary(a), { createSandbox: false, killPod: false, terminal: false, init: [], start: [], kill: [] });
  });

  test('a spec change (new image) or a failed liveness probe kills and restarts', () => {
    const c = container('a', { image: 'skiff-test/busybox:2' });
    const pod = newPod('p', { containers: [c] });
    const changed = computePodActions(pod, observed([sandbox()], [running('a', 0, { hash: containerHash(container('a')) })]), healthy);
    assert.deepEqual([summary(changed).kill, summary(changed).start], [['a'], ['a#1']]);
    assert.match(changed.containersToKill[0].message, /definition changed/);
    const inst = running('a', 2, { hash: containerHash(c) });
    const live = computePodActions(pod, observed([sandbox()], [inst]), { ...healthy, livenessFailed: (id) => id === inst.id });
    assert.deepEqual([summary(live).kill, summary(live).start], [['a'], ['a#3']]);
    assert.equal(live.containersToKill[0].message, 'Container a failed liveness probe, will be restarted');
    const never = newPod('p', { restartPolicy: 'Never', containers: [c] });
    assert.deepEqual(summary(computePodActions(never, observed([sandbox()], [inst]), { ...healthy, livenessFailed: () => true })).start, []);
  });

  test('a dead sandbox is replaced (attempt + 1) and everything restarts', () => {
    const pod = newPod('p', { containers: [container('a')] });
    const a = computePodActions(pod, observed([sandbox('exited', 2)], [exited('a', 3, 137)]), healthy);
    assert.equal(a.createSandbox, true);
    assert.equal(a.sandboxAttempt, 3);
    assert.equal(a.sandboxChanged, true);
    assert.deepEqual(summary(a).start, ['a#4']);
  });

  test('Never: a dead sandbox is not replaced once containers ran', () => {
    const pod = newPod('p', { restartPolicy: 'Never', containers: [container('a')] });
    const a = computePodActions(pod, observed([sandbox('exited')], [exited('a', 0, 0)]), healthy);
    assert.equal(a.createSandbox, false);
    assert.equal(a.terminal, true);
  });

  test('native sidecars start before the next init container and keep running', () => {
    const pod = newPod('p', { initContainers: [container('side', { restartPolicy: 'Always' }), container('i1')], containers: [container('a')] });
    assert.deepEqual(summary(computePodActions(pod, observed([], []), healthy)).init, ['side#0', 'i1#0']);
    const withSide = observed([sandbox()], [running('side', 0, { role: 'init' })]);
    assert.deepEqual(summary(computePodActions(pod, withSide, healthy)).init, ['i1#0']);
    const done = observed([sandbox()], [exited('side', 0, 1, { role: 'init' }), exited('i1', 0, 0, { role: 'init' }), running('a')]);
    assert.deepEqual(summary(computePodActions(pod, done, healthy)).init, ['side#1']);
  });
});
