/**
 * Start-up and stop of `skiff serve` as a user sees them: a SIGTERM at any moment of start-up
 * (keys being written, API just up, components still loading, proxy reaching Docker) ends the
 * process promptly with code 0 and without noise — no "store is closed", no unhandled
 * rejection — and a first start answers `kubectl get nodes`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL, ROOT, dockerAvailable, freeSubnet, removeDockerObjects, run, tempDir } from './harness.js';

/** Lines that mean something went wrong while stopping (or starting). */
const NOISE = /store is closed|unhandled rejection|uncaught exception|error while stopping|failed to start|not started|Error:/i;

interface Moment {
  name: string;
  /** Resolves when the SIGTERM should be sent, given the output so far and the data dir. */
  when: (out: () => string, dataDir: string) => Promise<void>;
}

const until = async (cond: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

const MOMENTS: Moment[] = [
  // Credentials are written inside engine.start(): the API server is not listening yet.
  { name: 'while credentials are written', when: (_o, dir) => until(() => existsSync(join(dir, 'pki/ca.crt')), 'pki/ca.crt') },
  // start() resolved; the components start in the background a moment later.
  { name: 'as soon as the API answers', when: (o) => until(() => o().includes('Skiff API server:'), 'the ready line') },
  { name: '150 ms after the API answers', when: async (o) => (await until(() => o().includes('Skiff API server:'), 'the ready line'), await new Promise((r) => setTimeout(r, 150))) },
  // Components loading and starting (they wait ~250 ms for the API's first requests).
  { name: '600 ms after the API answers', when: async (o) => (await until(() => o().includes('Skiff API server:'), 'the ready line'), await new Promise((r) => setTimeout(r, 600))) },
  // The service proxy reaching Docker and starting the ingress controller.
  { name: '1500 ms after the API answers', when: async (o) => (await until(() => o().includes('Skiff API server:'), 'the ready line'), await new Promise((r) => setTimeout(r, 1500))) },
];

async function startAndStop(m: Moment): Promise<{ code: number | null; signal: string | null; out: string; ms: number }> {
  const dataDir = tempDir();
  const name = `t${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, SKIFF_CLUSTER_NAME: name, ...(dockerAvailable() ? { SKIFF_POD_SUBNET: freeSubnet() } : {}) };
  const proc = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), 'serve', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  try {
    await Promise.race([m.when(() => out, dataDir), exited.then(() => Promise.reject(new Error(`exited before the stop:\n${out}`)))]);
    const t0 = performance.now();
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    const { code, signal } = await exited;
    clearTimeout(killer);
    return { code, signal, out, ms: performance.now() - t0 };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    if (dockerAvailable()) removeDockerObjects(name);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('skiff serve start-up and stop', () => {
  for (const m of MOMENTS) {
    it(`a SIGTERM ${m.name} stops it cleanly`, async () => {
      const r = await startAndStop(m);
      assert.equal(r.signal, null, `killed by ${r.signal}:\n${r.out}`);
      assert.equal(r.code, 0, r.out);
      const noise = r.out.split('\n').filter((l) => NOISE.test(l));
      assert.deepEqual(noise, [], `noise while stopping:\n${r.out}`);
      assert.ok(r.ms < 20_000, `stop took ${r.ms} ms`);
    });
  }

  it('a first start answers kubectl get nodes with the node, with EC credentials', async () => {
    const dataDir = tempDir();
    const name = `t${randomBytes(4).toString('hex')}`;
    const env = { ...process.env, SKIFF_CLUSTER_NAME: name, ...(dockerAvailable() ? { SKIFF_POD_SUBNET: freeSubnet() } : {}) };
    const proc = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), 'serve', '--data-dir', dataDir, '--port', '0', '--no-dashboard'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      await until(() => out.includes('Skiff API server:'), 'the ready line');
      let r = await run(KUBECTL, ['--kubeconfig', join(dataDir, 'kubeconfig'), 'get', 'nodes', '-o', 'name']);
      for (let i = 0; i < 50 && r.code !== 0; i++) r = await run(KUBECTL, ['--kubeconfig', join(dataDir, 'kubeconfig'), 'get', 'nodes', '-o', 'name']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'node/skiff-node');
      // The serving certificate kubectl just trusted is ECDSA (see engine/apiserver/certs.ts).
      const cert = await run('openssl', ['x509', '-in', join(dataDir, 'pki/apiserver.crt'), '-noout', '-text']);
      if (cert.code === 0) assert.match(cert.stdout, /ecdsa-with-SHA256/);
      // --no-dashboard: no dashboard worker.
      assert.doesNotMatch(out, /Dashboard:/);
      proc.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      if (dockerAvailable()) removeDockerObjects(name);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
