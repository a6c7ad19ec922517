// The kubelet on the fake runtime with a manual clock: pod lifecycle, CrashLoopBackOff timing,
// image pull back-off, config errors, probes, termination and restart adoption.
// `npx tsx --test engine/kubelet/kubelet.test.ts`
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { newTestEnv } from '../controllers/shared/testing.js';
import { FakeRuntime, ManualClock, type FakeExecContext, type FakeExecResult, type FakeScript } from './runtime/fake.js';
import { LABEL, type ContainerSpec } from './runtime/runtime.js';
import { Kubelet } from './kubelet.js';

const BUSYBOX = 'skiff-test/busybox:1';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Setup {
  script?: (spec: ContainerSpec) => FakeScript | undefined;
  onExec?: (ctx: FakeExecContext) => FakeExecResult;
  rt?: FakeRuntime;
  clock?: ManualClock;
  env?: ReturnType<typeof newTestEnv>;
}

async function setup(o: Setup = {}) {
  const env = o.env ?? newTestEnv();
  if (!o.env) {
    const dir = mkdtempSync(join(tmpdir(), 'kubelet-unit-'));
    dirs.push(dir);
    env.ctx.dataDir = dir;
  }
  const clock = o.clock ?? new ManualClock(Date.UTC(2025, 0, 1));
  const rt = o.rt ?? new FakeRuntime({ clock, images: [BUSYBOX], script: o.script, onExec: o.onExec });
  const kubelet = new Kubelet(env.ctx, { runtime: rt, clock, localPath: false });
  await kubelet.start();
  const pods = env.client.resource('', 'Pod');
  const settle = async () => {
    // Workers may be blocked on the manual clock (a grace period): wait for idle, but not forever.
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setImmediate(r));
      await Promise.race([kubelet.workers.idle(), new Promise((r) => setTimeout(r, 50))]);
    }
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  const pod = (name: string) => pods.get('default', name) as KubeObject & { status: Obj };
  const cs = (name: string, i = 0) => pod(name).status.containerStatuses[i] as Obj;
  const events = () => env.client.resource('', 'Event').list('default').items.map((e) => `${e.reason}: ${e.message}`);
  const create = async (name: string, spec: Record<string, unknown>) => {
    pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: env.ctx.nodeName, terminationGracePeriodSeconds: 30, ...spec } });
    await settle();
  };
  return { env, clock, rt, kubelet, pods, settle, advance, pod, cs, events, create };
}

const app = (extra: Record<string, unknown> = {}) => ({ containers: [{ name: 'c', image: BUSYBOX, command: ['sleep', '3600'], ...extra }] });

describe('kubelet on the fake runtime', () => {
  test('a pod runs: sandbox + container, status Running with IP, events in order', async () => {
    const t = await setup();
    await t.create('web', app({ ports: [{ containerPort: 80 }] }));
    const p = t.pod('web');
    assert.equal(p.status.phase, 'Running');
    assert.match(p.status.podIP, /^10\.244\.0\.\d+$/);
    assert.equal(t.cs('web').ready, true);
    assert.equal(t.cs('web').restartCount, 0);
    const roles = t.rt.all().map((c) => c.labels[LABEL.role]).sort();
    assert.deepEqual(roles, ['app', 'sandbox']);
    await t.kubelet.stop();
    // Events are written on the next turn.
    await t.settle();
    assert.deepEqual(
      t.events().filter((e) => !e.startsWith('Scheduled')),
      [`Pulled: Container image "${BUSYBOX}" already present on machine`, 'Created: Created container: c', 'Started: Started container c'],
    );
  });

  test('CrashLoopBackOff: 10 s doubling to 5 min, first restart immediate, reset after 10 min of running', async () => {
    let longRunAttempt = -1;
    const t = await setup({ script: (s) => ({ exitAfterMs: s.attempt === longRunAttempt ? 11 * 60_000 : 1000, exitCode: 1 }) });
    await t.create('crash', app());
    assert.equal(t.cs('crash').restartCount, 0);
    await t.advance(1000);
    // First crash: restarted at once.
    assert.equal(t.cs('crash').restartCount, 1);
    assert.ok(t.cs('crash').state.running);
    let attempt = 1;
    for (const backoff of [10, 20, 40, 80, 160, 300, 300]) {
      await t.advance(1000); // the instance crashes
      const s = t.cs('crash');
      assert.equal(s.state.waiting?.reason, 'CrashLoopBackOff', `after attempt ${attempt}`);
      const shown = backoff >= 60 ? `${Math.floor(backoff / 60)}m${backoff % 60}s` : `${backoff}s`;
      assert.match(s.state.waiting.message, new RegExp(`^back-off ${shown} restarting failed container=c pod=crash_default\\(`));
      assert.equal(s.lastState.terminated.exitCode, 1);
      assert.equal(t.pod('crash').status.phase, 'Running');
      await t.advance(backoff * 1000 - 1);
      assert.equal(t.cs('crash').restartCount, attempt, `still backing off ${backoff}s`);
      await t.advance(1);
      attempt++;
      assert.equal(t.cs('crash').restartCount, attempt, `restarted after ${backoff}s`);
    }
    // This instance runs 11 minutes before crashing: the back-off starts over (immediate restart).
    longRunAttempt = attempt + 1;
    await t.advance(1000);
    await t.advance(300_000);
    attempt += 1;
    assert.equal(t.cs('crash').restartCount, attempt);
    await t.advance(11 * 60_000);
    assert.equal(t.cs('crash').restartCount, attempt + 1, 'restarted at once after a long run');
    await t.advance(1000);
    assert.match(t.cs('crash').state.waiting?.message ?? '', /^back-off 10s/);
    await t.kubelet.stop();
    await t.settle();
    assert.ok(t.events().some((e) => /^BackOff: Back-off restarting failed container c in pod crash_default\(/.test(e)));
  });

  test('restartPolicy Never/OnFailure: Succeeded and Failed with exit codes, nothing restarted', async () => {
    const codes: Record<string, number> = { ok: 0, bad: 3, onfail: 0 };
    const t = await setup({ script: (s) => ({ exitAfterMs: 100, exitCode: codes[s.name] ?? 0 }) });
    await t.create('p1', { restartPolicy: 'Never', containers: [{ name: 'ok', image: BUSYBOX }] });
    await t.create('p2', { restartPolicy: 'Never', containers: [{ name: 'bad', image: BUSYBOX }] });
    await t.create('p3', { restartPolicy: 'OnFailure', containers: [{ name: 'onfail', image: BUSYBOX }] });
    await t.advance(100);
    assert.equal(t.pod('p1').status.phase, 'Succeeded');
    assert.equal(t.pod('p2').status.phase, 'Failed');
    assert.equal(t.cs('p2').state.terminated.exitCode, 3);
    assert.equal(t.cs('p2').state.terminated.reason, 'Error');
    assert.equal(t.pod('p3').status.phase, 'Succeeded');
    assert.equal(t.rt.calls.filter((c) => c.method === 'createContainer').length, 3);
    // Finished pods keep their containers for logs, but not their sandboxes.
    assert.equal(t.rt.all().filter((c) => c.labels[LABEL.role] === 'sandbox' && c.state === 'running').length, 0);
    assert.equal(t.rt.all().filter((c) => c.labels[LABEL.role] === 'app').length, 3);
    await t.kubelet.stop();
  });

  test('init containers run in order before app containers; a failing one is retried with back-off', async () => {
    let i2Fails = 2;
    const t = await setup({
      script: (s) => {
        if (s.name === 'i1') return { exitAfterMs: 100, exitCode: 0 };
        if (s.name === 'i2') return { exitAfterMs: 100, exitCode: i2Fails-- > 0 ? 1 : 0 };
        return undefined;
      },
    });
    await t.create('init', { initContainers: [{ name: 'i1', image: BUSYBOX }, { name: 'i2', image: BUSYBOX }], containers: [{ name: 'app', image: BUSYBOX }] });
    const order = () => t.rt.calls.filter((c) => c.method === 'createContainer').map((c) => (c.arg as ContainerSpec).name);
    assert.deepEqual(order(), ['i1']);
    assert.equal(t.pod('init').status.phase, 'Pending');
    await t.advance(100);
    assert.deepEqual(order(), ['i1', 'i2']);
    await t.advance(100); // i2 fails: restarted at once
    assert.deepEqual(order(), ['i1', 'i2', 'i2']);
    await t.advance(100); // fails again: back-off 10 s
    assert.equal((t.pod('init').status.initContainerStatuses[1] as Obj).state.waiting.reason, 'CrashLoopBackOff');
    const cond = (t.pod('init').status.conditions as Obj[]).find((c) => c.type === 'Initialized') as Obj;
    assert.equal(cond.message, 'containers with incomplete status: [i2]');
    await t.advance(10_000);
    await t.advance(100);
    assert.deepEqual(order(), ['i1', 'i2', 'i2', 'i2', 'app']);
    assert.equal(t.pod('init').status.phase, 'Running');
    await t.kubelet.stop();
  });

  test('image pulls: ErrImagePull, then ImagePullBackOff, retried after the back-off; Never policy', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const rt = new FakeRuntime({ clock, images: [BUSYBOX], pullFailures: { 'skiff-test/nope:1': 'NotFound' } });
    const t = await setup({ rt, clock });
    await t.create('pull', { containers: [{ name: 'c', image: 'skiff-test/nope:1', imagePullPolicy: 'IfNotPresent' }] });
    assert.equal(t.cs('pull').state.waiting.reason, 'ErrImagePull');
    await t.advance(1000);
    assert.equal(t.cs('pull').state.waiting.reason, 'ImagePullBackOff');
    assert.equal(t.cs('pull').state.waiting.message, 'Back-off pulling image "skiff-test/nope:1"');
    const pulls = () => rt.calls.filter((c) => c.method === 'pullImage').length;
    assert.equal(pulls(), 1);
    await t.advance(9000);
    assert.equal(pulls(), 2, 'pulled again after 10 s');
    rt.setPullFailure('skiff-test/nope:1', undefined);
    await t.advance(20_000);
    assert.equal(t.pod('pull').status.phase, 'Running');
    await t.create('never', { containers: [{ name: 'c', image: 'skiff-test/absent:1', imagePullPolicy: 'Never' }] });
    assert.equal(t.cs('never').state.waiting.reason, 'ErrImageNeverPull');
    await t.kubelet.stop();
    await t.settle();
    const ev = t.events();
    assert.ok(ev.includes('Pulling: Pulling image "skiff-test/nope:1"'));
    assert.ok(ev.some((e) => e.startsWith('Failed: Failed to pull image "skiff-test/nope:1"')));
    assert.ok(ev.includes('Failed: Error: ErrImagePull'));
    assert.ok(ev.includes('BackOff: Back-off pulling image "skiff-test/nope:1"'));
    assert.ok(ev.some((e) => /^Pulled: Successfully pulled image "skiff-test\/nope:1" in /.test(e)));
  });

  test('CreateContainerConfigError until the ConfigMap exists; then env is resolved', async () => {
    const t = await setup();
    await t.create('cfg', app({ env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } }] }));
    assert.deepEqual(t.cs('cfg').state.waiting, { reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' });
    t.env.client.resource('', 'ConfigMap').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { level: 'debug' } });
    await t.settle();
    assert.ok(t.cs('cfg').state.running);
    const spec = t.rt.calls.find((c) => c.method === 'createContainer')?.arg as ContainerSpec;
    assert.ok(spec.env?.some((e) => e.name === 'LEVEL' && e.value === 'debug'));
    await t.kubelet.stop();
  });

  test('probes: readiness drives Ready; liveness failures restart the container', async () => {
    const answers: Record<string, number> = { ready: 1, live: 0 };
    const t = await setup({ onExec: (ctx) => ({ exitCode: answers[ctx.cmd[1]] ?? 0, stdout: `${ctx.cmd[1]}?` }) });
    await t.create('probed', {
      containers: [
        {
          name: 'c',
          image: BUSYBOX,
          readinessProbe: { exec: { command: ['check', 'ready'] }, periodSeconds: 5, failureThreshold: 1, successThreshold: 1, timeoutSeconds: 1 },
          livenessProbe: { exec: { command: ['check', 'live'] }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3, successThreshold: 1, timeoutSeconds: 1 },
        },
      ],
    });
    const ready = () => ((t.pod('probed').status.conditions as Obj[]).find((c) => c.type === 'Ready') as Obj).status;
    assert.equal(ready(), 'False');
    answers.ready = 0;
    await t.advance(5000);
    assert.equal(ready(), 'True');
    assert.equal(t.cs('probed').ready, true);
    answers.ready = 1;
    await t.advance(5000);
    assert.equal(ready(), 'False');
    answers.live = 1;
    await t.advance(10_000); // first liveness probe at 10 s (fails 1/3)
    await t.advance(10_000); // 2/3
    assert.equal(t.cs('probed').restartCount, 0);
    await t.advance(10_000); // 3/3: killed and restarted
    assert.equal(t.cs('probed').restartCount, 1);
    assert.equal(t.cs('probed').lastState.terminated.exitCode, 143);
    await t.kubelet.stop();
    await t.settle();
    assert.ok(t.events().includes('Unhealthy: Liveness probe failed: live?'));
    assert.ok(t.events().includes('Killing: Container c failed liveness probe, will be restarted'));
  });

  test('deletion: SIGTERM, grace period, SIGKILL, then containers, sandbox and the pod object are gone', async () => {
    const t = await setup({ script: () => ({ ignoreSigterm: true }) });
    await t.create('stubborn', { ...app(), terminationGracePeriodSeconds: 20 });
    t.pods.delete('default', 'stubborn', {});
    await t.settle();
    assert.ok(t.pod('stubborn')?.metadata.deletionTimestamp, 'still there while stopping');
    await t.advance(19_000);
    assert.equal(t.rt.all().filter((c) => c.state === 'running').length, 2);
    await t.advance(1000);
    assert.equal(t.pod('stubborn'), undefined);
    assert.equal(t.rt.all().length, 0);
    await t.kubelet.stop();
    await t.settle();
    assert.ok(t.events().includes('Killing: Stopping container c'));
  });

  test('restart adoption: same containers after a kubelet restart, orphans removed', async () => {
    const first = await setup();
    await first.create('keep', app());
    await first.create('gone', app());
    const ids = first.rt.all().map((c) => c.id).sort();
    await first.kubelet.stop();
    // While the kubelet is down, one pod is force-deleted.
    first.pods.delete('default', 'gone', { gracePeriodSeconds: 0 });
    const creates = first.rt.calls.filter((c) => c.method === 'createContainer' || c.method === 'createSandbox').length;
    const second = await setup({ env: first.env, rt: first.rt, clock: first.clock });
    await second.settle();
    const keepUid = second.pod('keep').metadata.uid;
    const left = second.rt.all();
    assert.ok(left.every((c) => c.labels[LABEL.podUid] === keepUid), 'orphans removed');
    assert.deepEqual(left.map((c) => c.id).sort(), ids.filter((id) => left.some((c) => c.id === id)).sort());
    assert.equal(left.length, 2);
    assert.equal(second.rt.calls.filter((c) => c.method === 'createContainer' || c.method === 'createSandbox').length, creates, 'nothing recreated');
    assert.equal(second.cs('keep').restartCount, 0);
    await second.kubelet.stop();
  });

  test("another engine's containers (same cluster name, other cluster uid) are not orphans", async () => {
    const env = newTestEnv({ namespaces: ['default', 'kube-system'] });
    const dir = mkdtempSync(join(tmpdir(), 'kubelet-unit-'));
    dirs.push(dir);
    env.ctx.dataDir = dir;
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const rt = new FakeRuntime({ clock, images: [BUSYBOX] });
    await rt.ensureNetwork({ name: env.ctx.network.networkName, subnet: env.ctx.network.podSubnet });
    const base = { cluster: env.ctx.clusterName, node: env.ctx.nodeName, attempt: 0, network: env.ctx.network.networkName };
    const foreign = await rt.createSandbox({ ...base, pod: { namespace: 'default', name: 'theirs', uid: 'u-theirs' }, labels: { 'io.skiff.cluster.uid': 'another-cluster' } });
    const orphan = await rt.createSandbox({ ...base, pod: { namespace: 'default', name: 'gone', uid: 'u-gone' } });
    const t = await setup({ env, rt, clock });
    await t.settle();
    assert.ok(rt.container(foreign.id), 'foreign sandbox kept');
    assert.equal(rt.container(orphan.id), undefined, 'orphan removed');
    await t.create('mine', app());
    const uid = env.client.resource('', 'Namespace').get(undefined, 'kube-system')?.metadata.uid;
    assert.ok(rt.all().filter((c) => c.labels[LABEL.podUid] === t.pod('mine').metadata.uid).every((c) => c.labels['io.skiff.cluster.uid'] === uid));
    await t.kubelet.stop();
  });

  test('the runtime going away and coming back: the kubelet re-subscribes and re-syncs', async () => {
    const t = await setup();
    await t.create('web', app());
    t.rt.setUnavailable(true);
    await t.settle();
    // While Docker is "down" a container dies; nothing can be seen.
    const appId = t.rt.all().find((c) => c.labels[LABEL.role] === 'app')?.id as string;
    t.rt.setUnavailable(false);
    t.rt.exit(appId, 137);
    await t.advance(1000);
    await t.settle();
    assert.equal(t.cs('web').restartCount, 1, 'seen and restarted after reconnecting');
    await t.kubelet.stop();
  });
});
