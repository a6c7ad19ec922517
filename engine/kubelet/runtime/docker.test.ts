// The Docker runtime against the real engine: `bash test/images/build.sh` first (CI does), then
// `npx tsx --test engine/kubelet/runtime/docker.test.ts`. Everything made here carries a cluster
// label unique to this run and is removed at the end, even when a test fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerRuntime } from './docker.js';
import { ImagePullError, LABEL, isRuntimeError, specHash, type PodRef, type RuntimeEvent, type SandboxInfo } from './runtime.js';
import { PAUSE_HASH_LABEL, pauseArchFor, pauseHash } from './pause.js';

const BUSYBOX = 'skiff-test/busybox:1';
const rt = new DockerRuntime();
const cluster = `t${Date.now().toString(36)}${process.pid}`;
const network = `skiff-test-${cluster}`;
const node = 'node-1';
let subnet = '';

const skip = (await rt.ping())
  ? (await rt.imageExists(BUSYBOX))
    ? false
    : `${BUSYBOX} missing: run bash test/images/build.sh`
  : 'Docker is not reachable';

let podSeq = 0;
function pod(name: string): PodRef {
  return { namespace: 'default', name, uid: `uid-${cluster}-${++podSeq}` };
}

async function sandbox(p: PodRef, extra: Partial<Parameters<DockerRuntime['createSandbox']>[0]> = {}): Promise<SandboxInfo> {
  return rt.createSandbox({ cluster, node, pod: p, attempt: 0, network, ...extra });
}

async function readText(r: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of r) s += String(chunk);
  return s;
}

async function waitExited(id: string, timeoutMs = 10_000): Promise<NonNullable<Awaited<ReturnType<DockerRuntime['inspectContainer']>>>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await rt.inspectContainer(id);
    assert.ok(s, `container ${id} vanished`);
    if (s.state === 'exited') return s;
    if (Date.now() > end) assert.fail(`container ${id} still ${s.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe('DockerRuntime on a real engine', { skip }, () => {
  before(async () => {
    // A random /24 so parallel runs (and a real Skiff cluster on 10.244/16) do not collide.
    for (let i = 0; ; i++) {
      subnet = `10.${200 + Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 256)}.0/24`;
      try {
        await rt.ensureNetwork({ name: network, subnet, labels: { [LABEL.cluster]: cluster } });
        break;
      } catch (e) {
        if (!isRuntimeError(e, 'Conflict') || i > 10) throw e;
      }
    }
  });

  after(async () => {
    const left = await rt.listContainers({ labels: { [LABEL.cluster]: cluster } });
    await Promise.all(left.map((c) => rt.removeContainer(c.id)));
    await rt.removeNetwork(network);
    assert.deepEqual(await rt.listContainers({ labels: { [LABEL.cluster]: cluster } }), []);
  });

  test('ping and info', async () => {
    assert.equal(await rt.ping(), true);
    const i = await rt.info();
    assert.equal(i.runtime, 'docker');
    assert.ok(i.cpus > 0 && i.memoryBytes > 0);
    assert.match(i.architecture, /^(amd64|arm64|.+)$/);
    assert.equal(i.osType, 'linux');
  });

  test('ensureNetwork is idempotent and refuses another subnet', async () => {
    const again = await rt.ensureNetwork({ name: network, subnet });
    assert.equal(again.subnet, subnet);
    assert.equal(again.labels[LABEL.cluster], cluster);
    await assert.rejects(rt.ensureNetwork({ name: network, subnet: '10.199.199.0/24' }), (e) => isRuntimeError(e, 'Conflict'));
    // An overlapping subnet under another name is a Conflict too.
    await assert.rejects(rt.ensureNetwork({ name: `${network}-2`, subnet }), (e) => isRuntimeError(e, 'Conflict'));
  });

  test('pause image: built locally, stays up, stops fast on SIGTERM', async (t) => {
    const info = await rt.info();
    const arch = pauseArchFor(info.architecture);
    if (!arch) return t.skip(`no pause code for ${info.architecture}`);
    // Rebuild from scratch when nothing else uses the image (a dev machine may run a cluster).
    try {
      await rt.removeImage('skiff/pause:1');
    } catch (e) {
      if (!isRuntimeError(e, 'Conflict')) throw e;
      t.diagnostic('skiff/pause:1 in use; not rebuilding');
    }
    const fresh = new DockerRuntime();
    const t0 = performance.now();
    const ref = await fresh.ensureSandboxImage();
    t.diagnostic(`ensureSandboxImage: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(ref, 'skiff/pause:1');
    const img = await rt.inspectImage(ref);
    assert.ok(img);
    assert.equal(img.labels[PAUSE_HASH_LABEL], pauseHash(arch));
    assert.deepEqual(img.entrypoint, ['/pause']);
    assert.ok(img.sizeBytes < 4096, `pause image is ${img.sizeBytes} bytes`);
    assert.equal(await fresh.ensureSandboxImage(), ref); // cached, no rebuild

    const sb = await sandbox(pod('pause-check'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await rt.inspectContainer(sb.id))?.state, 'running');
    const t1 = performance.now();
    await rt.stopContainer(sb.id, 10);
    const stopMs = performance.now() - t1;
    t.diagnostic(`docker stop of the sandbox: ${stopMs.toFixed(0)} ms`);
    assert.ok(stopMs < 2000, `stop took ${stopMs} ms: SIGTERM not handled`);
    const st = await rt.inspectContainer(sb.id);
    assert.equal(st?.exitCode, 0);
    assert.equal(st?.reason, 'Completed');
    await rt.removeSandbox(sb.id);

    // Pruned behind our back: the next sandbox rebuilds it instead of failing the pod.
    try {
      await rt.removeImage(ref);
    } catch (e) {
      if (!isRuntimeError(e, 'Conflict')) throw e;
      return;
    }
    const again = await sandbox(pod('pause-rebuilt'));
    assert.equal(again.state, 'running');
    await rt.removeSandbox(again.id);
  });

  test('pod: sandbox + two containers share localhost, hostname, DNS and /etc/hosts', async () => {
    const p = pod('web');
    const staticIp = subnet.replace(/0\/24$/, '77');
    const sb = await sandbox(p, {
      ip: staticIp,
      dns: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] },
      extraHosts: [{ ip: '10.1.2.3', hostnames: ['db.example', 'db'] }],
      domainname: 'sub.default.svc.cluster.local',
    });
    assert.equal(sb.ip, staticIp);
    assert.equal(sb.state, 'running');
    assert.deepEqual(sb.pod, p);

    const server = await rt.createContainer(sb.id, {
      name: 'server',
      attempt: 0,
      image: BUSYBOX,
      command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
    });
    await rt.startContainer(server);
    const client = await rt.createContainer(sb.id, {
      name: 'client',
      attempt: 0,
      image: BUSYBOX,
      command: ['sh', '-c'],
      args: [
        'for i in $(seq 1 100); do wget -qO- http://localhost:8080/ && break; sleep 0.05; done; ' +
          'echo "host=$(hostname) fqdn=$(hostname -f)"; cat /etc/resolv.conf /etc/hosts',
      ],
    });
    await rt.startContainer(client);
    const done = await waitExited(client);
    assert.equal(done.exitCode, 0);
    assert.equal(done.reason, 'Completed');
    const out = await readText(await rt.logs(client));
    assert.match(out, /<h1>skiff-test<\/h1>/);
    assert.match(out, /host=web fqdn=web\.sub\.default\.svc\.cluster\.local/);
    assert.match(out, /search default\.svc\.cluster\.local svc\.cluster\.local/);
    assert.match(out, /options ndots:5/);
    assert.match(out, /10\.1\.2\.3\s+db\.example/);
    assert.match(out, new RegExp(`${staticIp.replace(/\./g, '\\.')}\\s+web`));

    // The same server through dial() (the host reaches pod IPs: Linux).
    const sock = await rt.dial(sb.id, 8080);
    sock.end('GET / HTTP/1.0\r\n\r\n');
    assert.match(await readText(sock), /200 OK[\s\S]*skiff-test/);
    await assert.rejects(rt.dial(sb.id, 8081), (e) => isRuntimeError(e));

    // Everything of the pod, by label; the sandbox goes with its containers.
    const mine = await rt.listContainers({ labels: { [LABEL.podUid]: p.uid } });
    assert.deepEqual(mine.map((c) => c.role ?? '').sort(), ['app', 'app', 'sandbox']);
    const apps = await rt.listContainers({ labels: { [LABEL.podUid]: p.uid, [LABEL.role]: 'app' }, runningOnly: true });
    assert.deepEqual(apps.map((c) => c.containerName), ['server']);
    assert.equal(apps[0]?.sandboxId, sb.id);
    assert.equal(apps[0]?.pod?.uid, p.uid);
    const sbRow = mine.find((c) => c.role === 'sandbox');
    assert.equal(sbRow?.ip, staticIp);
    await rt.removeSandbox(sb.id);
    assert.deepEqual(await rt.listContainers({ labels: { [LABEL.podUid]: p.uid } }), []);
    assert.equal(await rt.inspectSandbox(sb.id), undefined);
  });

  test('command/args/env/workingDir follow Kubernetes semantics', async () => {
    const sb = await sandbox(pod('cmd'));
    const run = async (name: string, spec: { command?: string[]; args?: string[] }, extra = {}) => {
      const id = await rt.createContainer(sb.id, { name, attempt: 0, image: BUSYBOX, ...spec, ...extra });
      await rt.startContainer(id);
      await waitExited(id);
      return (await readText(await rt.logs(id))).trim();
    };
    // command + args; env in order; workingDir
    assert.equal(
      await run('both', { command: ['sh', '-c'], args: ['echo "$A-$B $(pwd)"'] }, {
        env: [
          { name: 'A', value: 'one' },
          { name: 'B', value: 'two words' },
        ],
        workingDir: '/www',
      }),
      'one-two words /www',
    );
    // command only: image CMD (sh) is dropped
    assert.equal(await run('cmdonly', { command: ['echo', 'just-command'] }), 'just-command');
    // args only: replace CMD (no ENTRYPOINT in the image)
    assert.equal(await run('argsonly', { args: ['echo', 'just-args'] }), 'just-args');
    // neither: image CMD `sh` with no stdin exits 0 immediately
    assert.equal(await run('neither', {}), '');
    await rt.removeSandbox(sb.id);
  });

  test('resources, user, labels and hash reach Docker', async () => {
    const sb = await sandbox(pod('res'));
    const hash = specHash({ name: 'r', image: BUSYBOX });
    const id = await rt.createContainer(sb.id, {
      name: 'r',
      attempt: 3,
      hash,
      image: BUSYBOX,
      command: ['id'],
      resources: { cpuLimitMillis: 500, cpuRequestMillis: 250, memoryLimitBytes: 64 * 1024 * 1024 },
      securityContext: { runAsUser: 65534, runAsGroup: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      labels: { 'example.com/x': 'y', [LABEL.cluster]: 'cannot-override' },
    });
    const raw = await rt.docker.getContainer(id).inspect();
    assert.equal(raw.HostConfig.NanoCpus, 500_000_000);
    assert.equal(raw.HostConfig.CpuShares, 256);
    assert.equal(raw.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(raw.HostConfig.ReadonlyRootfs, true);
    assert.equal(raw.HostConfig.NetworkMode, `container:${sb.id}`);
    assert.equal(raw.Config.User, '65534:65534');
    await rt.startContainer(id);
    const st = await waitExited(id);
    assert.equal(st.attempt, 3);
    assert.equal(st.hash, hash);
    assert.equal(st.cluster, cluster);
    assert.equal(st.labels['example.com/x'], 'y');
    assert.match(await readText(await rt.logs(id)), /uid=65534\(nobody\) gid=65534\(nogroup\)/);
    // Same pod, container, attempt again: the name is taken.
    await assert.rejects(
      rt.createContainer(sb.id, { name: 'r', attempt: 3, image: BUSYBOX }),
      (e) => isRuntimeError(e, 'AlreadyExists'),
    );
    await rt.removeSandbox(sb.id);
  });

  test('logs: follow ends when the container exits; tail; timestamps; stderr interleaved', async () => {
    const sb = await sandbox(pod('logs'));
    const id = await rt.createContainer(sb.id, {
      name: 'talker',
      attempt: 0,
      image: BUSYBOX,
      command: ['sh', '-c', 'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.2; done'],
    });
    await rt.startContainer(id);
    const t0 = performance.now();
    const followed = await readText(await rt.logs(id, { follow: true }));
    assert.ok(performance.now() - t0 < 5000);
    assert.deepEqual(followed.trim().split('\n').sort(), ['err1', 'err2', 'err3', 'out1', 'out2', 'out3']);
    assert.equal((await rt.inspectContainer(id))?.state, 'exited');
    assert.deepEqual((await readText(await rt.logs(id, { tail: 2 }))).trim().split('\n').sort(), ['err3', 'out3']);
    assert.equal(await readText(await rt.logs(id, { since: new Date(Date.now() + 60_000) })), '');
    assert.equal((await readText(await rt.logs(id, { since: new Date(0) }))).split('\n').length, 7);
    const stamped = await readText(await rt.logs(id, { timestamps: true, tail: 1 }));
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (out|err)3\n$/);
    // A TTY container's log is raw (no multiplexing).
    const tty = await rt.createContainer(sb.id, { name: 'tty', attempt: 0, image: BUSYBOX, tty: true, command: ['echo', 'on-a-tty'] });
    await rt.startContainer(tty);
    assert.match(await readText(await rt.logs(tty, { follow: true })), /on-a-tty\r?\n/);
    await rt.removeSandbox(sb.id);
  });

  test('exec: stdin, separate stderr, exit code; tty; not running', async () => {
    const sb = await sandbox(pod('exec'));
    const id = await rt.createContainer(sb.id, { name: 'main', attempt: 0, image: BUSYBOX, command: ['sleep', '600'] });
    await rt.startContainer(id);
    const ex = await rt.exec(id, { cmd: ['sh', '-c', 'tr a-z A-Z; echo to-stderr >&2; echo "$GREETING"; exit 7'], stdin: true, env: [{ name: 'GREETING', value: 'hi' }] });
    assert.ok(ex.stdin && ex.stderr);
    const out = readText(ex.stdout);
    const err = readText(ex.stderr);
    ex.stdin.write('hello ');
    ex.stdin.end('world\n');
    assert.equal(await ex.wait(), 7);
    assert.equal(await out, 'HELLO WORLD\nhi\n');
    assert.equal(await err, 'to-stderr\n');

    // No stdin: nothing to write, output still demultiplexed.
    const plain = await rt.exec(id, { cmd: ['echo', 'plain'], workingDir: '/www', user: '65534' });
    assert.equal(plain.stdin, undefined);
    const plainOut = readText(plain.stdout);
    assert.equal(await plain.wait(), 0);
    assert.equal(await plainOut, 'plain\n');

    // TTY: one output stream, the size we set, input echoed by the terminal.
    const tty = await rt.exec(id, { cmd: ['sh', '-c', 'read line; stty size; tty; echo "got $line"'], tty: true, stdin: true });
    assert.equal(tty.stderr, undefined);
    const ttyOut = readText(tty.stdout);
    await tty.resize({ cols: 100, rows: 40 });
    tty.stdin?.write('go\n');
    assert.equal(await tty.wait(), 0);
    tty.stdin?.end();
    const text = await ttyOut;
    assert.match(text, /40 100\r?\n\/dev\/pts\/\d+\r?\ngot go/);
    await tty.resize({ cols: 80, rows: 24 }); // after exit: ignored, not an error

    await rt.stopContainer(id, 0);
    await assert.rejects(rt.exec(id, { cmd: ['true'] }), (e) => isRuntimeError(e, 'InvalidArgument'));
    await rt.removeSandbox(sb.id);
  });

  test('attach: stdin into the main process, output back', async () => {
    const sb = await sandbox(pod('attach'));
    const id = await rt.createContainer(sb.id, { name: 'cat', attempt: 0, image: BUSYBOX, command: ['cat'], stdin: true, stdinOnce: true });
    await rt.startContainer(id);
    const s = await rt.attach(id, { stdin: true });
    assert.ok(s.stdin);
    const out = readText(s.stdout);
    s.stdin.end('ping\n');
    assert.equal(await out, 'ping\n');
    // stdinOnce: closing our stdin closed cat's, so it exited.
    assert.equal((await waitExited(id)).exitCode, 0);
    await rt.removeSandbox(sb.id);
  });

  test('stop: grace period then SIGKILL; a process that handles SIGTERM exits at once', async () => {
    const sb = await sandbox(pod('stop'));
    const stubborn = await rt.createContainer(sb.id, { name: 'stubborn', attempt: 0, image: BUSYBOX, command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] });
    const polite = await rt.createContainer(sb.id, { name: 'polite', attempt: 0, image: BUSYBOX, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'] });
    await Promise.all([rt.startContainer(stubborn), rt.startContainer(polite)]);
    await new Promise((r) => setTimeout(r, 200));
    let t0 = performance.now();
    await rt.stopContainer(polite, 30);
    assert.ok(performance.now() - t0 < 3000);
    assert.equal((await rt.inspectContainer(polite))?.exitCode, 0);
    t0 = performance.now();
    await rt.stopContainer(stubborn, 1);
    const ms = performance.now() - t0;
    assert.ok(ms >= 900 && ms < 5000, `stubborn stop took ${ms} ms`);
    const st = await rt.inspectContainer(stubborn);
    assert.equal(st?.exitCode, 137);
    assert.equal(st?.reason, 'Error');
    // Idempotent on stopped and missing containers.
    await rt.stopContainer(stubborn, 1);
    await rt.stopContainer('does-not-exist', 1);
    await rt.removeContainer('does-not-exist');
    await rt.removeSandbox(sb.id);
  });

  test('start failure and OOM are told apart', async () => {
    const sb = await sandbox(pod('fail'));
    const bad = await rt.createContainer(sb.id, { name: 'bad', attempt: 0, image: BUSYBOX, command: ['/no/such/binary'] });
    await assert.rejects(rt.startContainer(bad), (e) => isRuntimeError(e, 'StartFailed') && /no such file/.test(e.message));
    const st = await rt.inspectContainer(bad);
    assert.equal(st?.reason, 'StartError');
    assert.match(st?.message ?? '', /no such file/);
    const oom = await rt.createContainer(sb.id, {
      name: 'oom',
      attempt: 0,
      image: BUSYBOX,
      command: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'],
      resources: { memoryLimitBytes: 16 * 1024 * 1024 },
    });
    await rt.startContainer(oom);
    const o = await waitExited(oom, 30_000);
    assert.equal(o.reason, 'OOMKilled');
    assert.equal(o.exitCode, 137);
    await rt.removeSandbox(sb.id);
  });

  test('shareProcessNamespace: the sandbox is PID 1 and reaps orphans', async () => {
    const sb = await sandbox(pod('pid'));
    const id = await rt.createContainer(sb.id, {
      name: 'orphans',
      attempt: 0,
      image: BUSYBOX,
      shareProcessNamespace: true,
      // The inner sh exits at once; its sleep children are re-parented to PID 1 and then exit.
      command: ['sh', '-c', 'sh -c "sleep 0.1 & sleep 0.1 & exit 0"; sleep 0.8; ps -o pid,stat,comm'],
    });
    await rt.startContainer(id);
    await waitExited(id);
    const ps = await readText(await rt.logs(id));
    assert.match(ps, /^\s*1\s+\S+\s+pause$/m);
    assert.doesNotMatch(ps, /\sZ\s/, `zombies left:\n${ps}`);
    await rt.removeSandbox(sb.id);
  });

  test('hostPort mapping reaches the pod on 127.0.0.1', async () => {
    const port = await freePort();
    const sb = await sandbox(pod('ports'), { portMappings: [{ containerPort: 80, hostPort: port }] });
    const id = await rt.createContainer(sb.id, { name: 'httpd', attempt: 0, image: 'skiff-test/httpd:1' });
    await rt.startContainer(id);
    let body = '';
    for (let i = 0; i < 50 && !body.includes('skiff-test'); i++) {
      body = await new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.end('GET / HTTP/1.0\r\n\r\n'));
        let b = '';
        s.on('data', (d) => (b += String(d)));
        s.on('close', () => resolve(b));
        s.on('error', () => resolve(''));
      });
      if (!body.includes('skiff-test')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(body, /skiff-test/);
    await rt.removeSandbox(sb.id);
  });

  test('stats: cumulative CPU, nanocores from two samples, working set', async (t) => {
    const sb = await sandbox(pod('stats'));
    const id = await rt.createContainer(sb.id, { name: 'busy', attempt: 0, image: BUSYBOX, command: ['sh', '-c', 'while true; do :; done'] });
    await rt.startContainer(id);
    const t0 = performance.now();
    const a = await rt.stats(id);
    t.diagnostic(`first stats: ${(performance.now() - t0).toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 300));
    const t1 = performance.now();
    const b = await rt.stats(id);
    t.diagnostic(`second stats: ${(performance.now() - t1).toFixed(0)} ms, ${b.cpu.usageNanoCores} nanocores`);
    assert.ok(b.cpu.usageCoreNanoSeconds > a.cpu.usageCoreNanoSeconds);
    assert.ok(b.timestamp > a.timestamp);
    assert.ok((b.cpu.usageNanoCores ?? 0) > 0.3e9, `busy loop at ${b.cpu.usageNanoCores} nanocores`);
    assert.ok(b.memory.workingSetBytes > 0 && b.memory.workingSetBytes <= b.memory.usageBytes);
    await rt.removeSandbox(sb.id);
  });

  test('events: start and die with exit code, filtered by label', async () => {
    const p = pod('events');
    const seen: RuntimeEvent[] = [];
    const sub = await rt.events({ labels: { [LABEL.cluster]: cluster, [LABEL.podUid]: p.uid } }, (e) => seen.push(e));
    const other = await sandbox(pod('not-watched'));
    const sb = await sandbox(p);
    const id = await rt.createContainer(sb.id, { name: 'exiter', attempt: 0, image: BUSYBOX, command: ['sh', '-c', 'exit 7'] });
    await rt.startContainer(id);
    await waitExited(id);
    for (let i = 0; i < 100 && !seen.some((e) => e.type === 'die' && e.containerId === id); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    sub.stop();
    const mine = seen.filter((e) => e.containerId === id).map((e) => e.type);
    assert.deepEqual(mine, ['create', 'start', 'die']);
    const die = seen.find((e) => e.type === 'die' && e.containerId === id);
    assert.equal(die?.exitCode, 7);
    assert.equal(die?.labels[LABEL.containerName], 'exiter');
    assert.ok(!seen.some((e) => e.containerId === other.id), 'events of other pods leaked through the filter');
    await rt.removeSandbox(sb.id);
    await rt.removeSandbox(other.id);
  });

  test('images: absent image fails fast and typed; bad names; create without the image', async (t) => {
    const t0 = performance.now();
    const progress: string[] = [];
    await assert.rejects(
      rt.pullImage(`skiff-test/absent-${cluster}`, { onProgress: (p) => progress.push(p.status) }),
      (e) => e instanceof ImagePullError && ['Unreachable', 'NotFound', 'Unauthorized'].includes(e.failure),
    );
    const ms = performance.now() - t0;
    t.diagnostic(`failed pull took ${ms.toFixed(0)} ms`);
    assert.ok(ms < 15_000);
    await assert.rejects(rt.pullImage('Not A Valid/Ref'), (e) => isRuntimeError(e, 'InvalidImageName'));
    assert.equal(await rt.imageExists(`skiff-test/absent-${cluster}`), false);
    assert.equal(await rt.imageExists(BUSYBOX), true);
    const listed = await rt.listImages();
    assert.ok(listed.some((i) => i.repoTags.includes(BUSYBOX)));
    const sb = await sandbox(pod('noimage'));
    await assert.rejects(
      rt.createContainer(sb.id, { name: 'x', attempt: 0, image: `skiff-test/absent-${cluster}:1` }),
      (e) => isRuntimeError(e, 'ImageNotPresent'),
    );
    await rt.removeSandbox(sb.id);
  });

  test('errors for unknown ids', async () => {
    assert.equal(await rt.inspectContainer('nope-nope'), undefined);
    assert.equal(await rt.inspectSandbox('nope-nope'), undefined);
    await assert.rejects(rt.createContainer('nope-nope', { name: 'x', attempt: 0, image: BUSYBOX }), (e) => isRuntimeError(e, 'NotFound'));
    await assert.rejects(rt.logs('nope-nope'), (e) => isRuntimeError(e, 'NotFound'));
    await assert.rejects(rt.startContainer('nope-nope'), (e) => isRuntimeError(e, 'NotFound'));
  });

  test('timings: sandbox + container vs raw create/start and `docker run -d`', async (t) => {
    const N = 5;
    const ms = (t0: number) => performance.now() - t0;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const sbT: number[] = [];
    const ctrT: number[] = [];
    const rawT: number[] = [];
    const cliT: number[] = [];
    for (let i = 0; i < N; i++) {
      let t0 = performance.now();
      const sb = await sandbox(pod(`timing-${i}`));
      sbT.push(ms(t0));
      t0 = performance.now();
      const id = await rt.createContainer(sb.id, { name: 'app', attempt: 0, image: BUSYBOX, command: ['sleep', '60'] });
      await rt.startContainer(id);
      ctrT.push(ms(t0));
      t0 = performance.now();
      const raw = await rt.docker.createContainer({
        Image: BUSYBOX,
        Cmd: ['sleep', '60'],
        Labels: { [LABEL.cluster]: cluster },
        HostConfig: { NetworkMode: network },
      });
      await raw.start();
      rawT.push(ms(t0));
      t0 = performance.now();
      await promisify(execFile)('docker', ['run', '-d', '--label', `${LABEL.cluster}=${cluster}`, '--network', network, BUSYBOX, 'sleep', '60']);
      cliT.push(ms(t0));
    }
    const line = `median of ${N}: sandbox create+start ${median(sbT).toFixed(0)} ms; app container create+start ${median(ctrT).toFixed(0)} ms; raw API create+start on the network ${median(rawT).toFixed(0)} ms; docker run -d ${median(cliT).toFixed(0)} ms`;
    t.diagnostic(line);
  });
});
