import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clampBounds, DEFAULT_BOUNDS, loadBounds, saveBounds } from './window.js';
import { SettingsStore } from './settings.js';

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

test('window bounds round-trip and fall back to defaults', () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-win-'));
  const f = join(d, 'window.json');
  assert.deepEqual(loadBounds(f), DEFAULT_BOUNDS);
  saveBounds(f, { x: 10, y: 20, width: 1000, height: 700, maximized: false });
  assert.deepEqual(loadBounds(f), { x: 10, y: 20, width: 1000, height: 700, maximized: false });
  writeFileSync(f, '{broken');
  assert.deepEqual(loadBounds(f), DEFAULT_BOUNDS);
});

test('bounds are clamped onto a visible display', () => {
  assert.deepEqual(clampBounds({ x: 100, y: 100, width: 800, height: 600 }, screen), { x: 100, y: 100, width: 800, height: 600, maximized: undefined });
  // The monitor it was on is gone: keep the size, drop the position.
  assert.deepEqual(clampBounds({ x: 3000, y: 100, width: 800, height: 600 }, screen), { width: 800, height: 600, maximized: undefined });
  // Too small / too large.
  assert.deepEqual(clampBounds({ width: 100, height: 100 }, screen), { width: 720, height: 480, maximized: undefined });
  assert.equal(clampBounds({ x: 0, y: 0, width: 5000, height: 5000 }, screen).width, 1920);
});

test('settings persist and reject invalid values', () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-set-'));
  const f = join(d, 'settings.json');
  const s = new SettingsStore(f, { startOnLaunch: true, onQuit: 'ask', shimDir: '/b' });
  s.set({ onQuit: 'stop' });
  assert.equal(new SettingsStore(f).get().onQuit, 'stop');
  writeFileSync(f, JSON.stringify({ onQuit: 'boom', startOnLaunch: 'yes' }));
  const again = new SettingsStore(f, { startOnLaunch: false, onQuit: 'keep', shimDir: '/c' });
  assert.deepEqual(again.get(), { startOnLaunch: false, onQuit: 'keep', shimDir: '/c' });
});
