/**
 * Another Docker engine as a node (issue C), end to end: a second dockerd on this machine (its
 * own socket, data root, exec root and managed containerd; no bridge, no iptables, so the main
 * daemon is untouched), `skiff node add --docker-host unix://… d2`, then the real kubectl: the
 * node is Ready with that engine's capacity and its own podCIDR, a pod pinned to d2 runs there
 * (init container, emptyDir, env from the downward API, readiness probe), logs / exec /
 * port-forward / top reach it, `skiff serve` restarts adopt it, stopping the engine turns the
 * node NotReady (and back), and `skiff node rm d2` removes its containers from that engine.
 *
 * The cluster's local node is a dockerd of its own too (DOCKER_HOST for `skiff serve`), so the
 * test is hermetic: it touches neither the shared daemon's containers nor its locks.
 * Needs root and a dockerd binary; otherwise the suite is skipped with the reason.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { ROOT, eventually, run, startCluster, writeTemp, type Cluster } from './harness.js';

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'a second dockerd needs Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'a second dockerd needs root';
  if (spawnSync('sh', ['-c', 'command -v dockerd'], { stdio: 'ignore' }).status !== 0) return 'no dockerd binary';
  if (spawnSync('sh', ['-c', 'command -v ip'], { stdio: 'ignore' }).status !== 0) return 'no ip command (iproute2) to give the second dockerd a bridge';
  // The images come from the main engine (a short timeout: a wedged shared daemon is a skip, not a hang).
  if (spawnSync('docker', ['image', 'inspect', 'skiff-test/busybox:1', 'skiff-test/httpd:1'], { stdio: 'ignore', timeout: 20_000 }).status !== 0) return 'Docker (with the test images) is not available';
  return false;
}

/** A second Docker daemon in a temp dir. */
class SecondDockerd {
  readonly dir = mkdtempSync('/tmp/skiff-d2-');
  readonly sock = join(this.dir, 'docker.sock');
  readonly endpoint = `unix://${this.sock}`;
  proc?: ChildProcess;
  log = '';

  /**
   * Its own default bridge. With `--bridge=none` dockerd deletes the host's `docker0` (it shares
   * the kernel's network namespace with the main daemon), so each test daemon gets a bridge of
   * its own instead, in the CGNAT range that Docker's address pools never use.
   */
  readonly bridge = `skd${randomBytes(3).toString('hex')}`;

  async start(): Promise<void> {
    const cidr = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}.1/24`;
    const exists = spawnSync('ip', ['link', 'show', this.bridge], { stdio: 'ignore' }).status === 0;
    for (const args of exists ? [] : [['link', 'add', 'name', this.bridge, 'type', 'bridge'], ['addr', 'add', cidr, 'dev', this.bridge], ['link', 'set', this.bridge, 'up']]) {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
    }
    this.proc = spawn(
      'dockerd',
      [
        '--host', this.endpoint,
        '--data-root', join(this.dir, 'root'),
        '--exec-root', join(this.dir, 'exec'),
        '--pidfile', join(this.dir, 'pid'),
        `--bridge=${this.bridge}`, '--iptables=false', '--ip-masq=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.proc.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    await eventually(() => this.docker(['info', '--format', '{{.ID}}']).code === 0, 60_000, 500).catch((e: Error) => {
      throw new Error(`second dockerd did not start: ${e.message}\n${this.log.slice(-3000)}`);
    });
  }

  docker(args: string[]): { code: number; out: string } {
    const r = spawnSync('docker', ['-H', this.endpoint, ...args], { encoding: 'utf8' });
    return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
  }

  /** Stops the daemon (its containers stop with it); SIGKILL after 30 s. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.on('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
  }

  /** Stops it and deletes its dirs (lazily unmounting anything it left mounted). */
  async destroy(): Promise<void> {
    // Its networks are bridges in the host's kernel: remove them while the daemon still answers.
    if (this.proc && this.proc.exitCode === null) {
      const ids = this.docker(['ps', '-aq']).out.split(/\s+/).filter(Boolean);
      if (ids.length) this.docker(['rm', '-f', ...ids]);
      this.docker(['network', 'prune', '-f']);
    }
    await this.stop();
    const mounts = existsSync('/proc/mounts')
      ? readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(this.dir))
      : [];
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web-d2
spec:
  nodeSelector:
    kubernetes.io/hostname: d2
  initContainers:
  - name: init
    image: skiff-test/busybox:1
    command: [sh, -c, 'echo served-from-d2 > /data/index.html']
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: web
    image: skiff-test/httpd:1
    command: [httpd, -f, -p, '80', -h, /data]
    volumeMounts: [{name: data, mountPath: /data}]
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
  - name: talker
    image: skiff-test/busybox:1
    command: [sh, -c, 'echo hello from $NODE; sleep 3600']
    env:
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
  volumes:
  - name: data
    emptyDir: {}
`;

interface NodeJson {
  spec?: { podCIDR?: string };
  status?: { conditions?: { type: string; status: string }[]; capacity?: Record<string, string>; nodeInfo?: { containerRuntimeVersion?: string } };
}

describe('a second Docker engine as a node', { skip: skipReason() }, () => {
  let d1: SecondDockerd;
  let d2: SecondDockerd;
  let c: Cluster;
  let c2: Cluster | undefined;
  const cluster = () => c2 ?? c;
  const skiff = (args: string[]) => run(process.execPath, [join(ROOT, 'bin/skiff.js'), 'node', ...args, '--kubeconfig', cluster().kubeconfig]);
  const nodeJson = async (name: string) => JSON.parse(await cluster().k(['get', 'node', name, '-o', 'json'])) as NodeJson;
  const ready = (n: NodeJson) => n.status?.conditions?.find((x) => x.type === 'Ready')?.status;
  const d2Containers = () => d2.docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${c.name}`, '--filter', 'label=io.skiff.node=d2']).out.split('\n').filter(Boolean);

  before(async () => {
    d1 = new SecondDockerd();
    d2 = new SecondDockerd();
    await Promise.all([d1.start(), d2.start()]);
    for (const d of [d1, d2]) {
      const load = spawnSync('sh', ['-c', `docker save skiff-test/busybox:1 skiff-test/httpd:1 | docker -H ${d.endpoint} load`], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(load.status, 0, load.stderr);
    }
    c = await startCluster({ keepDocker: true, env: { DOCKER_HOST: d1.endpoint } });
  });

  after(async () => {
    // Everything this test made, even on failure: the clusters, the second daemon and its dirs.
    await c2?.stop();
    if (c && c.proc.exitCode === null) await c.stop();
    await d2?.destroy();
    await d1?.destroy();
  });

  it('skiff node add --docker-host: d2 turns Ready with the other engine’s capacity and its own podCIDR', async () => {
    const add = await skiff(['add', '--docker-host', d2.endpoint, 'd2']);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /node\/d2 created/);
    const n = await eventually(async () => {
      const j = await nodeJson('d2');
      return ready(j) === 'True' && j.spec?.podCIDR ? j : undefined;
    }, 90_000);
    const info = d2.docker(['info', '--format', '{{.NCPU}} {{.MemTotal}} {{.ServerVersion}}']).out.split(' ');
    assert.equal(n.status?.capacity?.cpu, info[0]);
    assert.equal(n.status?.capacity?.memory, `${Math.floor(Number(info[1]) / 1024)}Ki`);
    assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, `docker://${info[2]}`);
    const range = readFileSync(join(c.dataDir, 'pod-subnet'), 'utf8').trim();
    const local = await eventually(async () => (await nodeJson('skiff-node')).spec?.podCIDR);
    // Both /24s of the cluster range, different ones.
    const prefix = range.split('.').slice(0, 2).join('.');
    assert.equal(local, `${prefix}.0.0/24`);
    assert.equal(n.spec?.podCIDR, `${prefix}.1.0/24`);
    const wide = await cluster().k(['get', 'nodes', '-o', 'wide']);
    assert.match(wide, /^d2\s+Ready\s/m);
    const list = await skiff(['list']);
    assert.match(list.stdout, /^d2\s+Ready\s+docker-host\s/m);
    assert.match(list.stdout, /^skiff-node\s+Ready\s+docker\s/m);
  });

  it('a pod pinned to d2 runs on that engine with init containers, volumes, env and probes', async () => {
    await cluster().k(['apply', '-f', writeTemp('pod.yaml', POD)]);
    await eventually(async () => (await cluster().k(['get', 'pod', 'web-d2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', 120_000, 500).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${(await cluster().kubectl(['describe', 'pod', 'web-d2'])).stdout}\n${cluster().output().slice(-3000)}`);
    });
    const pod = JSON.parse(await cluster().k(['get', 'pod', 'web-d2', '-o', 'json'])) as { spec: { nodeName: string }; status: { podIP: string } };
    assert.equal(pod.spec.nodeName, 'd2');
    const cidr = (await nodeJson('d2')).spec?.podCIDR as string;
    assert.ok(pod.status.podIP.startsWith(cidr.split('.').slice(0, 3).join('.') + '.'), `${pod.status.podIP} in ${cidr}`);
    // The containers are on the second engine, labelled, and not on the main one.
    assert.ok(d2Containers().length >= 3, d2.docker(['ps', '-a']).out);
    assert.equal(d1.docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${c.name}`, '--filter', 'label=io.skiff.node=d2']).out, '');
  });

  it('logs, exec, port-forward and top reach the pod on d2', async () => {
    const logs = await eventually(async () => {
      const r = await cluster().kubectl(['logs', 'web-d2', '-c', 'talker']);
      return r.code === 0 && r.stdout.includes('hello from d2') ? r.stdout : undefined;
    });
    assert.match(logs, /hello from d2/);
    assert.equal((await cluster().k(['exec', 'web-d2', '-c', 'web', '--', 'cat', '/data/index.html'])).trim(), 'served-from-d2');
    const ex = await cluster().kubectl(['exec', 'web-d2', '-c', 'talker', '--', 'sh', '-c', 'exit 7']);
    assert.equal(ex.code, 7);
    // port-forward: kubectl picks a local port and says which.
    const pf = spawn('/usr/bin/kubectl', ['--kubeconfig', cluster().kubeconfig, 'port-forward', 'pod/web-d2', ':80'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
      pf.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000);
      const body = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/`, { headers: { Connection: 'close' } })).text(), 15_000);
      assert.equal(body.trim(), 'served-from-d2');
    } finally {
      pf.kill('SIGTERM');
    }
    const top = await eventually(async () => {
      const r = await cluster().kubectl(['top', 'pod', 'web-d2', '--containers']);
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000, 1000);
    assert.match(top, /web-d2\s+talker\s+\d+m\s+\d+Mi/);
    const topNodes = await eventually(async () => {
      const r = await cluster().kubectl(['top', 'node']);
      return r.code === 0 && /^d2\s/m.test(r.stdout) ? r.stdout : undefined;
    }, 60_000, 1000);
    assert.match(topNodes, /^skiff-node\s/m);
  });

  it('survives a skiff serve restart: the pod keeps its containers on d2', async () => {
    const before = d2Containers().sort();
    await c.stop();
    c2 = await startCluster({ dataDir: c.dataDir, name: c.name, env: { DOCKER_HOST: d1.endpoint } });
    await eventually(async () => ready(await nodeJson('d2')) === 'True', 90_000, 500);
    await eventually(async () => (await cluster().k(['get', 'pod', 'web-d2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', 60_000, 500);
    // Adopted, not recreated: the same container ids, no duplicates.
    assert.deepEqual(d2Containers().sort(), before);
    // The pod's Ready status is from before the restart; d2's kubelet serves exec once it is up.
    await eventually(async () => (await cluster().kubectl(['exec', 'web-d2', '-c', 'web', '--', 'cat', '/data/index.html'])).stdout.trim() === 'served-from-d2', 30_000, 500);
  });

  it('d2 turns NotReady when its engine stops answering, and Ready when it is back', async () => {
    await d2.stop();
    await eventually(async () => ready(await nodeJson('d2')) !== 'True', 90_000, 1000);
    const list = await skiff(['list']);
    assert.match(list.stdout, /^d2\s+NotReady\s/m);
    await d2.start();
    await eventually(async () => ready(await nodeJson('d2')) === 'True', 90_000, 1000);
  });

  it('skiff node rm d2 stops its kubelet and removes its containers on that engine', async () => {
    assert.ok(d2Containers().length > 0);
    const rm = await skiff(['rm', 'd2']);
    assert.equal(rm.code, 0, rm.stderr);
    await eventually(() => d2Containers().length === 0, 60_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${d2.docker(['ps', '-a']).out}\n${cluster().output().slice(-4000)}`);
    });
    await eventually(async () => (await cluster().kubectl(['get', 'pod', 'web-d2'])).code !== 0, 30_000, 500);
    assert.equal(d2.docker(['network', 'ls', '-q', '--filter', `name=skiff-${c.name}-d2`]).out, '');
    assert.equal((await cluster().kubectl(['get', 'node', 'd2'])).code, 1);
  });
});
