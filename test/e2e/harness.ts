/**
 * End-to-end harness: runs a real `skiff serve` process on a fresh data dir and drives it with
 * the real kubectl (/usr/bin/kubectl, v1.32) through the kubeconfig it writes.
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
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const server = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`skiff serve did not become ready:\n${out}`)), 20_000);
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
      const code = await exited;
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
export function dockerAvailable(): boolean {
  return (dockerUp ??= spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0);
}

export function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return (r.stdout ?? '').trim();
}

/** Removes a cluster's containers and network by label (the kubelet keeps them on purpose). */
export function removeDockerObjects(name: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${name}`]).split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', `skiff-${name}`], { stdio: 'ignore' });
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
