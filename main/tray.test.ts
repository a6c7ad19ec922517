import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quitPlan, TRAY_ICONS, trayIcon, trayMenu, trayTooltip } from './tray.js';
import type { ClusterState } from './ipc/contract.cjs';

const enabled = (s: ClusterState) => Object.fromEntries(trayMenu(s).filter((i) => i.action).map((i) => [i.action, i.enabled]));

test('tray menu enables what makes sense in each state', () => {
  assert.deepEqual(enabled('stopped'), { open: false, start: true, stop: false, restart: false, 'copy-kubeconfig': true, 'merge-kubeconfig': true, 'install-kubectl': true, quit: true });
  assert.deepEqual(enabled('running'), { open: true, start: false, stop: true, restart: true, 'copy-kubeconfig': true, 'merge-kubeconfig': true, 'install-kubectl': true, quit: true });
  const starting = enabled('starting');
  assert.equal(starting.start, false);
  assert.equal(starting.stop, false);
  assert.equal(starting.quit, true);
  const error = enabled('error');
  assert.equal(error.start, true);
  assert.equal(error.restart, true);
});

test('tray shows the state (and the error) in its first line and tooltip', () => {
  assert.equal(trayMenu('running')[0].label, 'Cluster running');
  assert.match(trayMenu('error', 'port 6443 in use')[0].label ?? '', /port 6443 in use/);
  assert.equal(trayTooltip('starting'), 'Skiff — Cluster starting…');
  assert.match(trayTooltip('error', 'boom'), /boom/);
});

test('every state has a tray icon file in assets/tray', () => {
  for (const s of ['stopped', 'starting', 'stopping', 'running', 'error'] as ClusterState[]) {
    const p = fileURLToPath(new URL(`../../assets/tray/${trayIcon(s)}`, import.meta.url));
    assert.ok(existsSync(p), `${p} missing`);
  }
  assert.equal(new Set(Object.values(TRAY_ICONS)).size, 4);
});

test('quit asks only when a cluster runs and the setting says ask', () => {
  assert.equal(quitPlan('stopped', 'ask'), 'quit');
  assert.equal(quitPlan('error', 'stop'), 'quit');
  assert.equal(quitPlan('running', 'ask'), 'ask');
  assert.equal(quitPlan('running', 'stop'), 'stop-then-quit');
  assert.equal(quitPlan('starting', 'keep'), 'quit');
});
