import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findElectron, launchApp } from './launcher.js';

test('without Electron, `skiff app` prints one clear line and runs web mode', async () => {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    const code = await launchApp(['app'], async () => 7, undefined);
    assert.equal(code, 7);
  } finally {
    console.log = orig;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /Electron is not installed.*web mode/);
});

test('findElectron: absent package or a path that does not exist → undefined', () => {
  assert.equal(
    findElectron(() => {
      throw new Error('Cannot find module');
    }),
    undefined,
  );
  assert.equal(findElectron(() => '/nonexistent/electron'), undefined);
  assert.equal(findElectron(() => ({ app: {} })), undefined);
});
