/**
 * End-to-end harness: runs a real `skiff serve` process on a fresh data dir and drives it with
 * the real kubectl (/usr/bin/kubectl, v1.32) through the kubeconfig it writes.
 *
 * Docker hygiene: every cluster a test starts has a unique name, and the harness remembers it
 * until its containers and network are gone. Whatever way the test process ends — stop() in an
 * `after`, a failed start, an uncaught error, SIGINT/SIGTERM from the test runner's timeout —
 * an exit hook kills the engines still running and removes their Docker objects. Only `kill -9`
 * of the test process escapes that: for it, each cluster is also recorded in the test run's
 * directory (SKIFF_TEST_RUN_DIR, set by scripts/test.mjs), which the runner sweeps after every
 * file and reports loudly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cluster {
  /** Cluster name: Docker labels and network `skiff-<name>` (unique per test cluster). */
  name: string;
  dataDir: string;
  kubeconfig: string;
  server: string;
  proc: ChildProcess;
  output: () => string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** kubectl that must succeed; returns stdout. */
  k(args: string[], opts?: { input?: string }): Promise<string>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

export function tempDir(prefix = 'skiff-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface StartOptions {
  dataDir?: string;
  /** Cluster name; default: a fresh unique one, so test clusters never touch each other. */
  name?: string;
  /** Leave this cluster's Docker containers and network in place on stop(). */
  keepDocker?: boolean;
  port?: number;
  args?: string[];
  env?: Record<string, string>;
}

// ---- Docker hygiene ----------------------------------------------------------------------

/** Engines this process started and has not seen exit. */
const liveEngines = new Set<ChildProcess>();
/** Cluster names that may still have Docker objects (removed by removeDockerObjects). */
const ownedClusters = new Set<string>();
const runDir = process.env.SKIFF_TEST_RUN_DIR;

/**
 * Remembers a test cluster name until removeDockerObjects(name) runs; tests that make Docker
 * objects without startCluster (an in-process Engine) call it too. `pid`: the engine process.
 */
export function trackCluster(name: string, pid?: number): void {
  installExitHooks();
  ownedClusters.add(name);
  if (runDir) writeFileSync(join(runDir, `${name}.json`), JSON.stringify({ name, pid, testPid: process.pid, file: process.argv[1] }));
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' handlers must be synchronous: kill -9 the engines, then remove by label.
  process.on('exit', () => {
    for (const p of liveEngines) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    if (ownedClusters.size && dockerAvailable()) {
      // A test that forgot to stop or destroy its cluster is a bug: say so, then clean up.
      console.error(`[harness] removing Docker objects of test clusters left behind: ${[...ownedClusters].join(', ')}`);
      for (const name of [...ownedClusters]) {
        // Tell scripts/test.mjs: the file leaked (even though the leak is gone now).
        if (runDir) writeFileSync(join(runDir, `${name}.leaked`), process.argv[1] ?? '');
        removeDockerObjects(name);
      }
    }
  });
  // The test runner cancels a file that runs too long with a signal: clean up, then die as asked.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.exitCode = 128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1);
      process.exit();
    });
  }
}

/** Starts `skiff serve` and resolves once it prints its ready line. */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const dataDir = opts.dataDir ?? tempDir();
  const cacheDir = tempDir('kubectl-cache-');
  // Each test cluster gets its own name, unless the caller pins it; the engine picks a free pod
  // subnet itself (engine/kubelet/podsubnet.ts) unless the caller pins SKIFF_POD_SUBNET.
  const name = opts.env?.SKIFF_CLUSTER_NAME ?? opts.name ?? `t${randomBytes(4).toString('hex')}`;
  const proc = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), 'serve', '--data-dir', dataDir, '--port', String(opts.port ?? 0), ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SKIFF_CLUSTER_NAME: name, ...(opts.env ?? {}) },
  });
  liveEngines.add(proc);
  proc.on('exit', () => liveEngines.delete(proc));
  trackCluster(name, proc.pid);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const server = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => {
      // Not ready in time (a loaded machine): this engine must not live on and fill Docker.
      proc.kill('SIGKILL');
      if (!opts.keepDocker && dockerAvailable()) removeDockerObjects(name);
      reject(new Error(`skiff serve did not become ready:\n${out}`));
    }, 20_000);
    const check = () => {
      const m = /Skiff API server: (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`skiff serve exited with ${code}:\n${out}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], o);
  let stopping = false;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code, signal) => {
      // An engine that dies on its own is a bug: show why in the test log.
      if (!stopping) console.error(`skiff serve exited unexpectedly (code ${code}, signal ${signal}); its output:\n${out.slice(-8000)}`);
      resolve(code);
    }),
  );
  return {
    name,
    dataDir,
    kubeconfig,
    server,
    proc,
    output: () => out,
    kubectl,
    async k(args, o) {
      const r = await kubectl(args, o);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async stop() {
      stopping = true;
      if (proc.exitCode === null) proc.kill('SIGTERM');
      // An engine that does not stop is a bug, but it must not outlive the test either.
      const killer = setTimeout(() => {
        console.error(`skiff serve ${name} did not stop within 30 s of SIGTERM; killing it`);
        proc.kill('SIGKILL');
      }, 30_000);
      const code = await exited;
      clearTimeout(killer);
      // Errors the engine survived are still bugs: surface them in the test log.
      for (const m of out.matchAll(/skiff: (uncaught exception|unhandled rejection): [^\n]*(\n\s+at [^\n]*)*/g)) console.error(m[0]);
      rmSync(cacheDir, { recursive: true, force: true });
      if (!opts.keepDocker && dockerAvailable()) removeDockerObjects(name);
      return code;
    },
    async kill9() {
      stopping = true;
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    if (opts.input !== undefined) p.stdin.end(opts.input);
    else p.stdin.end();
  });
}

export function writeTemp(name: string, content: string): string {
  const dir = tempDir('skiff-manifest-');
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

let dockerUp: boolean | undefined;
/**
 * Whether a Docker daemon answers. `docker version`, not `docker info`: info lists networks,
 * and a daemon whose network controller is deadlocked (dockerd 20.10 before the fix of
 * moby/moby#42545) never answers it — every test file would hang instead of failing.
 */
export function dockerAvailable(): boolean {
  return (dockerUp ??= spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 20_000 }).status === 0);
}

/** A docker CLI call; throws if Docker does not answer in 2 minutes (rather than hang a test). */
export function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') throw new Error(`docker ${args.join(' ')} did not answer in 2 minutes: is dockerd wedged? (try \`docker network ls\`; dockerd 20.10 before 20.10.27 can deadlock, moby/moby#42545)`);
  return (r.stdout ?? '').trim();
}

/**
 * Removes a cluster's containers and networks by label (the kubelet keeps them on purpose),
 * and forgets the cluster. The network is also removed by its usual name (`skiff-<name>`).
 */
export function removeDockerObjects(name: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${name}`]).split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 120_000 });
  const nets = docker(['network', 'ls', '-q', '--filter', `label=io.skiff.cluster=${name}`]).split('\n').filter(Boolean);
  spawnSync('docker', ['network', 'rm', ...new Set([...nets, `skiff-${name}`])], { stdio: 'ignore', timeout: 120_000 });
  ownedClusters.delete(name);
  if (runDir) rmSync(join(runDir, `${name}.json`), { force: true });
}

/**
 * A /16 in 10.128–10.239 that no Docker network uses now, for tests that pin SKIFF_POD_SUBNET
 * (the engine picks a free one by itself otherwise).
 */
export function freeSubnet(): string {
  const ids = docker(['network', 'ls', '-q']).split('\n').filter(Boolean);
  const used = new Set<number>();
  if (ids.length) {
    for (const cidr of docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids]).split(/\s+/)) {
      const m = /^10\.(\d+)\./.exec(cidr);
      if (m) used.add(Number(m[1]));
    }
  }
  for (let i = 0; i < 200; i++) {
    const b = 128 + (randomBytes(1)[0] % 112);
    if (!used.has(b)) return `10.${b}.0.0/16`;
  }
  throw new Error('no free 10.x.0.0/16 for a test cluster');
}

export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
