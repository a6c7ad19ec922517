/**
 * Electron smoke test: starts the real app with a throwaway data dir and checks it brings the
 * cluster up. Reports "skipped" where no Electron binary exists (its download is refused on our
 * machines; `npm install` on a developer machine with network gets it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectron, MAIN_ENTRY } from './launcher.js';

test('Electron app starts and runs the cluster', async (t) => {
  const electron = findElectron();
  if (!electron) return t.skip('no Electron binary');
  const data = mkdtempSync(join(tmpdir(), 'skiff-electron-'));
  const child = spawn(electron, [MAIN_ENTRY, '--no-sandbox'], {
    env: { ...process.env, SKIFF_DATA_DIR: data, SKIFF_PORT: '0', ELECTRON_ENABLE_LOGGING: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const { existsSync } = await import('node:fs');
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(data, 'kubeconfig')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(existsSync(join(data, 'kubeconfig')), `engine did not start:\n${out}`);
  } finally {
    child.kill('SIGKILL');
  }
});
