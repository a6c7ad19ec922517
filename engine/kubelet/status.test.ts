// Pod status computation (status.ts), table-driven: phases, conditions, container states.
// `npx tsx --test engine/kubelet/status.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { generatePodStatus, type WaitingReason } from './status.js';
import type { ObservedPod } from './observed.js';
import { container, exited, newPod, observed, running, sandbox } from './testing.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function status(pod: KubeObject, obs: ObservedPod, o: { reasons?: Record<string, WaitingReason>; notReady?: string[]; terminal?: boolean } = {}): Obj {
  return generatePodStatus({
    pod,
    observed: obs,
    now: Date.UTC(2025, 0, 1, 12),
    hostIP: '192.168.65.3',
    reasons: new Map(Object.entries(o.reasons ?? {})),
    probes: (c) => ({ started: true, ready: !(o.notReady ?? []).includes(c.name) }),
    terminal: o.terminal,
  }) as Obj;
}

function cond(s: Obj, type: string): Obj {
  return (s.conditions as Obj[]).find((c) => c.type === type) as Obj;
}

describe('phase (upstream getPhase)', () => {
  const one = (restartPolicy: string) => newPod('p', { restartPolicy, containers: [container('a')] });
  const two = (restartPolicy: string) => newPod('p', { restartPolicy, containers: [container('a'), container('b')] });
  const cases: Array<[string, KubeObject, ObservedPod, string, { terminal?: boolean; reasons?: Record<string, WaitingReason> }?]> = [
    ['nothing yet', one('Always'), observed([], []), 'Pending'],
    ['sandbox only', one('Always'), observed([sandbox()], []), 'Pending'],
    ['running', one('Always'), observed([sandbox()], [running('a')]), 'Running'],
    ['one running one waiting', two('Always'), observed([sandbox()], [running('a')]), 'Pending'],
    ['Never: exit 0', one('Never'), observed([sandbox()], [exited('a', 0, 0)]), 'Succeeded'],
    ['Never: exit 1', one('Never'), observed([sandbox()], [exited('a', 0, 1)]), 'Failed'],
    ['Never: one failed one ok', two('Never'), observed([sandbox()], [exited('a', 0, 1), exited('b', 0, 0)]), 'Failed'],
    ['OnFailure: exit 0', one('OnFailure'), observed([sandbox()], [exited('a', 0, 0)]), 'Succeeded'],
    ['OnFailure: exit 1 restarting', one('OnFailure'), observed([sandbox()], [exited('a', 0, 1)]), 'Running'],
    ['Always: exited is restarting', one('Always'), observed([sandbox()], [exited('a', 0, 0)]), 'Running'],
    ['Always: crash loop', one('Always'), observed([sandbox()], [exited('a', 3, 1)]), 'Running', { reasons: { a: { reason: 'CrashLoopBackOff' } } }],
    ['terminal pod: all succeeded', one('Always'), observed([sandbox('exited')], [exited('a', 0, 0)]), 'Succeeded', { terminal: true }],
    ['waiting on image pull', one('Always'), observed([sandbox()], []), 'Pending', { reasons: { a: { reason: 'ImagePullBackOff' } } }],
  ];
  for (const [name, pod, obs, phase, o] of cases) {
    test(name, () => assert.equal(status(pod, obs, o ?? {}).phase, phase));
  }

  test('init containers: pending while they run, Failed when one fails under Never', () => {
    const pod = (rp: string) => newPod('p', { restartPolicy: rp, initContainers: [container('i1'), container('i2')], containers: [container('a')] });
    assert.equal(status(pod('Always'), observed([sandbox()], [running('i1', 0, { role: 'init' })])).phase, 'Pending');
    assert.equal(status(pod('Always'), observed([sandbox()], [exited('i1', 0, 0, { role: 'init' }), running('i2', 0, { role: 'init' })])).phase, 'Pending');
    assert.equal(status(pod('Never'), observed([sandbox()], [exited('i1', 0, 1, { role: 'init' })])).phase, 'Failed');
    assert.equal(status(pod('Always'), observed([sandbox()], [exited('i1', 0, 1, { role: 'init' })])).phase, 'Pending');
    assert.equal(
      status(pod('Always'), observed([sandbox()], [exited('i1', 0, 0, { role: 'init' }), exited('i2', 0, 0, { role: 'init' }), running('a')])).phase,
      'Running',
    );
  });

  test('a terminal phase is never left', () => {
    const pod = newPod('p', { containers: [container('a')] });
    pod.status = { phase: 'Succeeded' };
    assert.equal(status(pod, observed([sandbox()], [running('a')])).phase, 'Succeeded');
  });
});

describe('container statuses', () => {
  test('running: state, ready, started, ids, restartCount = attempt, lastState = previous run', () => {
    const pod = newPod('p', { containers: [container('a')] });
    const prev = exited('a', 1, 137, { reason: 'OOMKilled' });
    const cur = running('a', 2);
    const s = status(pod, observed([sandbox()], [prev, cur]));
    const cs = (s.containerStatuses as Obj[])[0];
    assert.deepEqual(cs.state, { running: { startedAt: '1970-01-01T00:00:01Z' } });
    assert.equal(cs.restartCount, 2);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.containerID, `docker://${cur.id}`);
    assert.equal(cs.imageID, 'docker://sha256:abc');
    assert.equal(cs.image, 'skiff-test/busybox:1');
    assert.equal(cs.lastState.terminated.reason, 'OOMKilled');
    assert.equal(cs.lastState.terminated.exitCode, 137);
    assert.equal(cs.lastState.terminated.containerID, `docker://${prev.id}`);
  });

  test('waiting with a recorded reason keeps the last run as lastState', () => {
    const pod = newPod('p', { containers: [container('a')] });
    const s = status(pod, observed([sandbox()], [exited('a', 4, 2)]), { reasons: { a: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=a pod=p_default(uid-p)' } } });
    const cs = (s.containerStatuses as Obj[])[0];
    assert.equal(cs.state.waiting.reason, 'CrashLoopBackOff');
    assert.match(cs.state.waiting.message, /back-off 1m20s/);
    assert.equal(cs.lastState.terminated.exitCode, 2);
    assert.equal(cs.restartCount, 4);
    assert.equal(cs.ready, false);
  });

  test('terminated when it will not be restarted (Never), with reason and exit code', () => {
    const pod = newPod('p', { restartPolicy: 'Never', containers: [container('a')] });
    const cs = (status(pod, observed([sandbox()], [exited('a', 0, 3)])).containerStatuses as Obj[])[0];
    assert.deepEqual(Object.keys(cs.state), ['terminated']);
    assert.equal(cs.state.terminated.exitCode, 3);
    assert.equal(cs.state.terminated.reason, 'Error');
  });

  test('never started: ContainerCreating, PodInitializing with init containers, or the recorded reason', () => {
    const plain = newPod('p', { containers: [container('a')] });
    assert.equal((status(plain, observed([], [])).containerStatuses as Obj[])[0].state.waiting.reason, 'ContainerCreating');
    const withInit = newPod('p', { initContainers: [container('i')], containers: [container('a')] });
    const s = status(withInit, observed([sandbox()], [running('i', 0, { role: 'init' })]));
    assert.equal((s.containerStatuses as Obj[])[0].state.waiting.reason, 'PodInitializing');
    assert.equal((s.initContainerStatuses as Obj[])[0].state.running !== undefined, true);
    const pulling = status(plain, observed([sandbox()], []), { reasons: { a: { reason: 'ErrImagePull', message: 'no such host' } } });
    assert.deepEqual((pulling.containerStatuses as Obj[])[0].state, { waiting: { reason: 'ErrImagePull', message: 'no such host' } });
  });

  test('start errors show as terminated StartError, exit 128', () => {
    const pod = newPod('p', { restartPolicy: 'Never', containers: [container('a')] });
    const c = running('a', 0, { state: 'created', reason: 'StartError', message: 'exec: "nope": executable file not found', exitCode: 128, startedAt: undefined });
    const cs = (status(pod, observed([sandbox()], [c])).containerStatuses as Obj[])[0];
    assert.equal(cs.state.terminated.reason, 'StartError');
    assert.equal(cs.state.terminated.exitCode, 128);
    assert.match(cs.state.terminated.message, /executable file not found/);
  });
});

describe('conditions', () => {
  test('all kubelet conditions, in upstream order, with pod IP and host IP', () => {
    const pod = newPod('p', { containers: [container('a')] });
    const s = status(pod, observed([sandbox()], [running('a')]));
    assert.deepEqual(
      (s.conditions as Obj[]).map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.equal(s.podIP, '10.244.0.9');
    assert.deepEqual(s.podIPs, [{ ip: '10.244.0.9' }]);
    assert.equal(s.hostIP, '192.168.65.3');
    assert.equal(s.startTime, '2025-01-01T12:00:00Z');
  });

  test('readiness drives Ready and ContainersReady, with upstream reasons and messages', () => {
    const pod = newPod('p', { containers: [container('a'), container('b')] });
    const s = status(pod, observed([sandbox()], [running('a'), running('b')]), { notReady: ['b'] });
    assert.deepEqual(cond(s, 'Ready'), { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [b]', lastProbeTime: null, lastTransitionTime: '2025-01-01T12:00:00Z' });
    assert.equal(cond(s, 'ContainersReady').message, 'containers with unready status: [b]');
  });

  test('Initialized lists incomplete init containers', () => {
    const pod = newPod('p', { initContainers: [container('i1'), container('i2')], containers: [container('a')] });
    const s = status(pod, observed([sandbox()], [running('i1', 0, { role: 'init' })]));
    assert.equal(cond(s, 'Initialized').status, 'False');
    assert.equal(cond(s, 'Initialized').reason, 'ContainersNotInitialized');
    assert.equal(cond(s, 'Initialized').message, 'containers with incomplete status: [i1 i2]');
  });

  test('a completed pod: PodCompleted reasons, sandbox gone, IP kept', () => {
    const pod = newPod('p', { restartPolicy: 'Never', containers: [container('a')] });
    pod.status = { phase: 'Running', podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }] };
    const s = status(pod, observed([sandbox('exited')], [exited('a', 0, 0)]), { terminal: true });
    assert.equal(s.phase, 'Succeeded');
    assert.equal(cond(s, 'Ready').reason, 'PodCompleted');
    assert.equal(cond(s, 'Initialized').reason, 'PodCompleted');
    assert.equal(cond(s, 'PodReadyToStartContainers').status, 'False');
    assert.equal(s.podIP, '10.244.0.9');
  });

  test('lastTransitionTime only moves when the status flips; foreign conditions are kept', () => {
    const pod = newPod('p', { containers: [container('a')] });
    pod.status = {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' },
        { type: 'DisruptionTarget', status: 'True', lastTransitionTime: '2024-02-02T00:00:00Z' },
      ],
    };
    const same = status(pod, observed([sandbox()], [running('a')]));
    assert.equal(cond(same, 'Ready').lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(cond(same, 'DisruptionTarget').lastTransitionTime, '2024-02-02T00:00:00Z');
    const flipped = status(pod, observed([sandbox()], [running('a')]), { notReady: ['a'] });
    assert.equal(cond(flipped, 'Ready').lastTransitionTime, '2025-01-01T12:00:00Z');
  });
});
