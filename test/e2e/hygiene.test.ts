/**
 * Docker hygiene of the test harness: a test process that ends without stopping its cluster —
 * it just exits, or the test runner cancels it with SIGTERM — leaves no engine running and no
 * container or network of that cluster behind, and tells scripts/test.mjs that it leaked.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerAvailable, eventually, tempDir } from './harness.js';

const HARNESS = new URL('./harness.js', import.meta.url).href;

/** A child test process that starts a cluster, waits for its Docker network, then ends as told. */
async function leakyChild(end: 'exit' | 'SIGTERM'): Promise<{ name: string; pid: number; runDir: string; code: number | null; out: string }> {
  const runDir = tempDir('skiff-test-run-');
  const script = `
    const h = await import(${JSON.stringify(HARNESS)});
    const c = await h.startCluster();
    await h.eventually(() => h.docker(['network', 'ls', '-q', '--filter', 'name=^skiff-' + c.name + '$']), 60_000);
    console.log('READY ' + c.name + ' ' + c.proc.pid);
    if (${JSON.stringify(end)} === 'exit') process.exit(0);
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKIFF_TEST_RUN_DIR: runDir } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const m = await eventually(() => /READY (\S+) (\d+)/.exec(out) ?? (child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), 90_000, 50);
  if (end === 'SIGTERM') child.kill('SIGTERM');
  const code = await exited;
  return { name: m[1], pid: Number(m[2]), runDir, code, out };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('test harness Docker hygiene', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  for (const end of ['exit', 'SIGTERM'] as const) {
    it(`a test process that ends by ${end} without stopping its cluster leaves nothing behind`, async () => {
      const r = await leakyChild(end);
      try {
        assert.equal(r.code, end === 'exit' ? 0 : 143, r.out);
        await eventually(() => !alive(r.pid), 10_000);
        assert.deepEqual(docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${r.name}`]), '');
        assert.equal(docker(['network', 'ls', '-q', '--filter', `name=^skiff-${r.name}$`]), '');
        assert.match(r.out, /\[harness\] removing Docker objects of test clusters left behind/);
        // The runner learns about it: a marker, and the cluster's record is gone.
        assert.ok(existsSync(join(r.runDir, `${r.name}.leaked`)));
        assert.ok(!existsSync(join(r.runDir, `${r.name}.json`)));
      } finally {
        if (alive(r.pid)) process.kill(r.pid, 'SIGKILL');
        rmSync(r.runDir, { recursive: true, force: true });
      }
    });
  }
});
