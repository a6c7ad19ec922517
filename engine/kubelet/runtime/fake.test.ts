// The in-memory runtime: same contract as docker.test.ts, in milliseconds.
// `npx tsx --test engine/kubelet/runtime/fake.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRuntime, ManualClock } from './fake.js';
import {
  ImagePullError,
  LABEL,
  RuntimeError,
  isRuntimeError,
  parseImageRef,
  specHash,
  type ContainerRuntime,
  type PodRef,
  type RuntimeEvent,
} from './runtime.js';

const BUSYBOX = 'skiff-test/busybox:1';
const cluster = 'c1';
const network = 'skiff-c1';

async function setup(opts: ConstructorParameters<typeof FakeRuntime>[0] = {}) {
  const clock = new ManualClock();
  const rt = new FakeRuntime({ clock, images: [BUSYBOX], ...opts });
  await rt.ensureNetwork({ name: network, subnet: '10.244.0.0/16' });
  let n = 0;
  const pod = (name: string): PodRef => ({ namespace: 'default', name, uid: `uid-${++n}` });
  const sandbox = (p: PodRef) => rt.createSandbox({ cluster, node: 'n1', pod: p, attempt: 0, network });
  return { rt, clock, pod, sandbox };
}

async function text(r: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FakeRuntime', () => {
  test('implements the interface (type-level) and answers ping/info', async () => {
    const { rt } = await setup();
    const asRuntime: ContainerRuntime = rt;
    assert.equal(await asRuntime.ping(), true);
    assert.equal((await asRuntime.info()).runtime, 'fake');
  });

  test('networks: idempotent, conflicts on other or overlapping subnets', async () => {
    const { rt } = await setup();
    assert.equal((await rt.ensureNetwork({ name: network, subnet: '10.244.0.0/16' })).gateway, '10.244.0.1');
    await assert.rejects(rt.ensureNetwork({ name: network, subnet: '10.245.0.0/16' }), (e) => isRuntimeError(e, 'Conflict'));
    await assert.rejects(rt.ensureNetwork({ name: 'other', subnet: '10.244.7.0/24' }), (e) => isRuntimeError(e, 'Conflict'));
    await rt.ensureNetwork({ name: 'other', subnet: '10.245.0.0/24' });
    await rt.removeNetwork('other');
    await rt.removeNetwork('other');
  });

  test('sandbox: IPs allocated, static IPs honoured, labels, names unique', async () => {
    const { rt, pod, sandbox } = await setup();
    const p = pod('web');
    const a = await sandbox(p);
    assert.equal(a.ip, '10.244.0.2');
    assert.equal(a.state, 'running');
    assert.deepEqual(a.pod, p);
    assert.equal(a.labels[LABEL.role], 'sandbox');
    const b = await rt.createSandbox({ cluster, node: 'n1', pod: pod('b'), attempt: 0, network, ip: '10.244.9.9' });
    assert.equal(b.ip, '10.244.9.9');
    await assert.rejects(rt.createSandbox({ cluster, node: 'n1', pod: pod('c'), attempt: 0, network, ip: '10.244.9.9' }), (e) => isRuntimeError(e, 'Conflict'));
    await assert.rejects(sandbox(p), (e) => isRuntimeError(e, 'AlreadyExists'));
    await assert.rejects(rt.createSandbox({ cluster, node: 'n1', pod: pod('d'), attempt: 0, network: 'nope' }), (e) => isRuntimeError(e, 'NotFound'));
    // After removal the address is free again.
    await rt.removeSandbox(a.id);
    assert.equal((await sandbox(pod('e'))).ip, '10.244.0.2');
  });

  test('containers: labels from the sandbox, list by label, removeSandbox takes members', async () => {
    const { rt, pod, sandbox } = await setup();
    const p = pod('app');
    const sb = await sandbox(p);
    const hash = specHash({ image: BUSYBOX });
    const id = await rt.createContainer(sb.id, { name: 'main', attempt: 2, hash, image: BUSYBOX });
    const init = await rt.createContainer(sb.id, { name: 'setup', role: 'init', attempt: 0, image: BUSYBOX });
    await rt.startContainer(id);
    const st = await rt.inspectContainer(id);
    assert.equal(st?.state, 'running');
    assert.equal(st?.attempt, 2);
    assert.equal(st?.hash, hash);
    assert.equal(st?.sandboxId, sb.id);
    assert.deepEqual(st?.pod, p);
    assert.equal(st?.containerName, 'main');
    assert.equal(st?.image, parseImageRef(BUSYBOX).full);
    const running = await rt.listContainers({ labels: { [LABEL.podUid]: p.uid }, runningOnly: true });
    assert.deepEqual(running.map((c) => c.role).sort(), ['app', 'sandbox']);
    const inits = await rt.listContainers({ labels: { [LABEL.role]: 'init' } });
    assert.deepEqual(inits.map((c) => c.id), [init]);
    assert.equal((await rt.listContainers({ labels: { [LABEL.hash]: true } })).length, 1);
    await assert.rejects(rt.createContainer(sb.id, { name: 'main', attempt: 2, image: BUSYBOX }), (e) => isRuntimeError(e, 'AlreadyExists'));
    await assert.rejects(rt.createContainer(sb.id, { name: 'x', attempt: 0, image: 'absent:1' }), (e) => isRuntimeError(e, 'ImageNotPresent'));
    await assert.rejects(rt.createContainer('nope', { name: 'x', attempt: 0, image: BUSYBOX }), (e) => isRuntimeError(e, 'NotFound'));
    await rt.removeSandbox(sb.id);
    assert.deepEqual(await rt.listContainers({ labels: { [LABEL.cluster]: cluster } }), []);
    await rt.removeSandbox(sb.id); // idempotent
  });

  test('scripted exit on the clock, with logs and events', async () => {
    const { rt, clock, pod, sandbox } = await setup({
      script: (spec) => (spec.name === 'job' ? { logs: ['working', { stream: 'stderr', text: 'warn' }], exitAfterMs: 5000, exitCode: 3 } : undefined),
    });
    const p = pod('job');
    const events: RuntimeEvent[] = [];
    const sub = await rt.events({ labels: { [LABEL.podUid]: p.uid, [LABEL.role]: 'app' } }, (e) => events.push(e));
    const sb = await sandbox(p);
    const id = await rt.createContainer(sb.id, { name: 'job', attempt: 0, image: BUSYBOX });
    await rt.startContainer(id);
    const followed = rt.logs(id, { follow: true });
    clock.advance(4999);
    assert.equal((await rt.inspectContainer(id))?.state, 'running');
    clock.advance(1);
    const st = await rt.inspectContainer(id);
    assert.equal(st?.state, 'exited');
    assert.equal(st?.exitCode, 3);
    assert.equal(st?.reason, 'Error');
    assert.equal(st?.finishedAt?.getTime(), (st?.startedAt?.getTime() ?? 0) + 5000);
    assert.equal(await text(await followed), 'working\nwarn\n');
    await tick();
    assert.deepEqual(events.map((e) => e.type), ['create', 'start', 'die']);
    assert.equal(events[2]?.exitCode, 3);
    sub.stop();
    // Replay with `since`.
    const replay: RuntimeEvent[] = [];
    const sub2 = await rt.events({ labels: { [LABEL.podUid]: p.uid } }, (e) => replay.push(e), { since: new Date(0) });
    assert.deepEqual(replay.map((e) => e.type), ['create', 'start', 'create', 'start', 'die']);
    sub2.stop();
  });

  test('logs: tail, since, timestamps; follow ends on stop', async () => {
    const { rt, clock, pod, sandbox } = await setup();
    const sb = await sandbox(pod('logs'));
    const id = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: BUSYBOX });
    await rt.startContainer(id);
    rt.writeLog(id, 'one');
    clock.advance(1000);
    const mid = new Date(clock.now());
    rt.writeLog(id, 'two');
    rt.writeLog(id, 'three', 'stderr');
    assert.equal(await text(await rt.logs(id, { tail: 2 })), 'two\nthree\n');
    assert.equal(await text(await rt.logs(id, { since: mid })), 'two\nthree\n');
    assert.match(await text(await rt.logs(id, { tail: 1, timestamps: true })), /^2025-01-01T00:00:01\.000000000Z three\n$/);
    const f = rt.logs(id, { follow: true, tail: 0 });
    rt.writeLog(id, 'four');
    await rt.stopContainer(id, 30);
    assert.equal(await text(await f), 'four\n');
    assert.equal((await rt.inspectContainer(id))?.exitCode, 143);
  });

  test('stop: a stubborn process is killed when the grace period ends', async () => {
    const { rt, clock, pod, sandbox } = await setup({ script: () => ({ ignoreSigterm: true }) });
    const sb = await sandbox(pod('stop'));
    const id = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: BUSYBOX });
    await rt.startContainer(id);
    let done = false;
    const stopping = rt.stopContainer(id, 30).then(() => (done = true));
    clock.advance(29_000);
    await tick();
    assert.equal(done, false);
    clock.advance(1000);
    await stopping;
    const st = await rt.inspectContainer(id);
    assert.equal(st?.exitCode, 137);
    assert.equal(clock.pending, 0);
    await rt.stopContainer(id, 30); // idempotent
    await rt.stopContainer('missing', 30);
  });

  test('start errors, OOM, manual exit', async () => {
    const { rt, pod, sandbox } = await setup({
      script: (s) => (s.name === 'bad' ? { startError: 'exec: "/nope": no such file or directory' } : s.name === 'oom' ? { exitAfterMs: 0, oom: true } : undefined),
    });
    const sb = await sandbox(pod('fail'));
    const bad = await rt.createContainer(sb.id, { name: 'bad', attempt: 0, image: BUSYBOX });
    await assert.rejects(rt.startContainer(bad), (e) => isRuntimeError(e, 'StartFailed'));
    assert.equal((await rt.inspectContainer(bad))?.reason, 'StartError');
    const oom = await rt.createContainer(sb.id, { name: 'oom', attempt: 0, image: BUSYBOX });
    await rt.startContainer(oom);
    (rt.clock as ManualClock).advance(0);
    const o = await rt.inspectContainer(oom);
    assert.equal(o?.reason, 'OOMKilled');
    assert.equal(o?.exitCode, 137);
    const ok = await rt.createContainer(sb.id, { name: 'ok', attempt: 0, image: BUSYBOX });
    await rt.startContainer(ok);
    rt.exit(ok, 0);
    assert.equal((await rt.inspectContainer(ok))?.reason, 'Completed');
    // Containers cannot start in a stopped sandbox.
    await rt.stopSandbox(sb.id);
    const late = await rt.createContainer(sb.id, { name: 'late', attempt: 0, image: BUSYBOX });
    await assert.rejects(rt.startContainer(late), (e) => isRuntimeError(e, 'StartFailed'));
  });

  test('exec and attach', async () => {
    const { rt, pod, sandbox } = await setup({ script: () => ({ echoStdin: true }) });
    const sb = await sandbox(pod('io'));
    const id = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: BUSYBOX, stdin: true, stdinOnce: true });
    await rt.startContainer(id);
    const ex = await rt.exec(id, { cmd: ['cat'], stdin: true });
    const out = text(ex.stdout);
    ex.stdin?.end('hello\n');
    assert.equal(await ex.wait(), 0);
    assert.equal(await out, 'hello\n');
    const ex2 = await rt.exec(id, { cmd: ['sh', '-c', 'exit 5'] });
    assert.equal(await ex2.wait(), 5);
    const att = await rt.attach(id, { stdin: true });
    const attOut = text(att.stdout);
    att.stdin?.end('ping\n');
    assert.equal(await attOut, 'ping\n');
    assert.equal((await rt.inspectContainer(id))?.state, 'exited'); // stdinOnce + cat
    await assert.rejects(rt.exec(id, { cmd: ['true'] }), (e) => isRuntimeError(e, 'InvalidArgument'));
  });

  test('exec: custom handler sees cmd, env, stdin', async () => {
    const { rt, pod, sandbox } = await setup({
      onExec: (ctx) => ({ stdout: `${ctx.cmd.join(' ')}|${ctx.env['A']}|${ctx.stdin}`, stderr: 'e', exitCode: 2 }),
    });
    const sb = await sandbox(pod('h'));
    const id = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: BUSYBOX });
    await rt.startContainer(id);
    const ex = await rt.exec(id, { cmd: ['probe', '--x'], env: [{ name: 'A', value: '1' }], stdin: true });
    const [o, e] = [text(ex.stdout), text(ex.stderr ?? ex.stdout)];
    ex.stdin?.end('in');
    assert.equal(await ex.wait(), 2);
    assert.equal(await o, 'probe --x|1|in');
    assert.equal(await e, 'e');
  });

  test('stats: cumulative CPU and nanocores on the clock', async () => {
    const { rt, clock, pod, sandbox } = await setup({ script: () => ({ cpuNanoCores: 250_000_000, memoryBytes: 10_000_000 }) });
    const sb = await sandbox(pod('s'));
    const id = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: BUSYBOX });
    await rt.startContainer(id);
    clock.advance(1000);
    const a = await rt.stats(id);
    assert.equal(a.cpu.usageCoreNanoSeconds, 250_000_000);
    assert.equal(a.cpu.usageNanoCores, undefined);
    clock.advance(2000);
    const b = await rt.stats(id);
    assert.equal(b.cpu.usageNanoCores, 250_000_000);
    assert.equal(b.memory.workingSetBytes, 10_000_000);
  });

  test('images: pull adds, failures are typed, bad names rejected', async () => {
    const { rt } = await setup({ pullFailures: { 'private/app:1': 'Unauthorized' } });
    assert.equal(await rt.imageExists('nginx'), false);
    const progress: string[] = [];
    const img = await rt.pullImage('nginx', { onProgress: (p) => progress.push(p.status) });
    assert.deepEqual(img.repoTags, ['nginx:latest']);
    assert.ok(progress.length > 0);
    assert.equal(await rt.imageExists('nginx:latest'), true);
    await assert.rejects(rt.pullImage('private/app:1'), (e) => e instanceof ImagePullError && e.failure === 'Unauthorized');
    rt.setPullFailure('ghost', 'NotFound');
    await assert.rejects(rt.pullImage('ghost:latest'), (e) => e instanceof ImagePullError && e.failure === 'NotFound');
    await assert.rejects(rt.pullImage('UPPER/case'), (e) => isRuntimeError(e, 'InvalidImageName'));
    assert.equal(await rt.ensureSandboxImage(), 'skiff/pause:1');
    await rt.removeImage('nginx');
    assert.equal(await rt.imageExists('nginx'), false);
  });

  test('failure injection and an unavailable daemon', async () => {
    const { rt, pod, sandbox } = await setup();
    rt.failNext('createSandbox', new RuntimeError('Unknown', 'boom'));
    await assert.rejects(sandbox(pod('x')), /boom/);
    await sandbox(pod('y'));
    let broke: Error | undefined;
    await rt.events({ labels: {} }, () => undefined, { onError: (e) => (broke = e) });
    rt.setUnavailable(true);
    assert.equal(await rt.ping(), false);
    assert.ok(isRuntimeError(broke, 'Unavailable'));
    await assert.rejects(rt.listContainers({ labels: {} }), (e) => isRuntimeError(e, 'Unavailable'));
    rt.setUnavailable(false);
    assert.equal((await rt.listContainers({ labels: {} })).length, 1);
    assert.ok(rt.calls.some((c) => c.method === 'createSandbox'));
  });
});

describe('runtime helpers', () => {
  test('parseImageRef adds :latest only where a tag can go', () => {
    assert.equal(parseImageRef('busybox').full, 'busybox:latest');
    assert.equal(parseImageRef('busybox:1.36').full, 'busybox:1.36');
    assert.equal(parseImageRef('localhost:5000/app').full, 'localhost:5000/app:latest');
    assert.equal(parseImageRef('localhost:5000/app:v1').tag, 'v1');
    assert.equal(parseImageRef('registry.k8s.io/pause:3.10').repository, 'registry.k8s.io/pause');
    const d = `sha256:${'a'.repeat(64)}`;
    assert.equal(parseImageRef(`busybox@${d}`).full, `busybox@${d}`);
    for (const bad of ['', 'Busybox', 'a b', 'x:', ':tag', 'busybox@sha256:zz']) {
      assert.throws(() => parseImageRef(bad), (e) => isRuntimeError(e, 'InvalidImageName'), bad);
    }
  });

  test('specHash is stable under key order and ignores undefined', () => {
    assert.equal(specHash({ a: 1, b: [1, { c: 2, d: undefined }] }), specHash({ b: [1, { c: 2 }], a: 1 }));
    assert.notEqual(specHash({ a: 1 }), specHash({ a: 2 }));
    assert.match(specHash('x'), /^[0-9a-f]{16}$/);
  });
});
