/**
 * A `skiff serve` with its own Docker footprint for kubelet end-to-end tests: a unique cluster
 * name (SKIFF_CLUSTER_NAME → Docker labels and network `skiff-<name>`) and a pod subnet of its
 * own (SKIFF_POD_SUBNET), so tests never touch a developer's cluster or each other's, and a
 * cleanup that removes every container and the network the cluster made.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, freeSubnet, removeDockerObjects, run, startCluster, tempDir, type Cluster, type RunResult } from './harness.js';

export { removeDockerObjects };

export const BUSYBOX = 'skiff-test/busybox:1';
export const HTTPD = 'skiff-test/httpd:1';
export const NODE = 'skiff-node';

export interface KubeletCluster extends Cluster {
  name: string;
  subnet: string;
  /** Restart `skiff serve` on the same data dir and cluster name (after stop() or kill9()). */
  restart(): Promise<KubeletCluster>;
  /** Stop the engine and remove everything it made in Docker and on disk. */
  destroy(): Promise<void>;
  /** `docker ps -a` ids (and names) of this cluster's pod containers, sorted. */
  containers(filter?: Record<string, string>): string[];
  /** Waits for a jsonpath of a pod to satisfy `ok`. */
  waitPod(name: string, jsonpath: string, ok: (v: string) => boolean, timeoutMs?: number): Promise<string>;
  apply(yaml: string): Promise<string>;
}

export async function startKubeletCluster(opts: { name?: string; dataDir?: string; subnet?: string } = {}): Promise<KubeletCluster> {
  const name = opts.name ?? `kt${randomBytes(3).toString('hex')}`;
  const subnet = opts.subnet ?? freeSubnet();
  const dataDir = opts.dataDir ?? tempDir('skiff-kubelet-');
  const c = await startCluster({ dataDir, keepDocker: true, env: { SKIFF_CLUSTER_NAME: name, SKIFF_POD_SUBNET: subnet } });
  const kc: KubeletCluster = {
    ...c,
    name,
    subnet,
    restart: () => startKubeletCluster({ name, dataDir, subnet }),
    async destroy() {
      if (c.proc.exitCode === null && c.proc.signalCode === null) await c.stop();
      removeDockerObjects(name);
      rmSync(dataDir, { recursive: true, force: true });
    },
    containers(filter = {}) {
      // Pod containers only (system containers of other components are not the kubelet's).
      const f = [...Object.entries({ 'io.skiff.cluster': name, ...filter }).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]), '--filter', 'label=io.skiff.pod.uid'];
      return docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}', ...f])
        .split('\n')
        .filter(Boolean)
        .sort();
    },
    async waitPod(pod, jsonpath, ok, timeoutMs = 60_000) {
      try {
        return await eventually(async () => {
          const r = await c.kubectl(['get', 'pod', pod, '-o', `jsonpath=${jsonpath}`]);
          return r.code === 0 && ok(r.stdout) ? r.stdout || ' ' : false;
        }, timeoutMs);
      } catch (e) {
        // Say what the pod looked like: the status and its events.
        const d = await c.kubectl(['describe', 'pod', pod]);
        const log = join(tmpdir(), `skiff-kubelet-e2e-${name}.log`);
        writeFileSync(log, c.output());
        throw new Error(`${(e as Error).message}\n${d.stdout}${d.stderr}\n--- engine output (tail; all of it in ${log}) ---\n${c.output().slice(-3000)}`);
      }
    },
    async apply(yaml) {
      return c.k(['apply', '-f', '-'], { input: yaml });
    },
  };
  return kc;
}

/** kubectl with a pty (python3's pty module), for `exec -it`: returns everything it printed. */
export async function kubectlWithPty(c: Cluster, args: string[], keystrokes: { after: number; text: string }[], timeoutMs = 20_000): Promise<RunResult> {
  const script = `
import os, pty, sys, time, select, json, fcntl, termios, struct
args = json.loads(sys.argv[1]); keys = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 101, 0, 0))
    os.execvp(args[0], args)
out = b''
start = time.time()
def pump(until):
    global out
    while time.time() < until:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return False
            if not d:
                return False
            out += d
    return True
alive = True
for k in keys:
    alive = pump(start + k['after']) and alive
    if alive:
        os.write(fd, k['text'].encode())
pump(time.time() + 5)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 255)
`;
  const full = ['/usr/bin/kubectl', '--kubeconfig', c.kubeconfig, ...args];
  return run('python3', ['-c', script, JSON.stringify(full), JSON.stringify(keystrokes.map((k) => ({ after: k.after / 1000, text: k.text })))], { timeoutMs });
}
