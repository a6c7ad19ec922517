import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleInvoke, isSafeExternalUrl, IpcValidationError, type IpcServices } from './handlers.js';
import { INVOKE_CHANNELS, isEventChannel, isInvokeChannel } from './contract.cjs';

function services(log: unknown[]): IpcServices {
  const status = { state: 'running' as const, kubeconfig: '/k' };
  return {
    status: () => status,
    cluster: async (a) => (log.push(['cluster', a]), status),
    openExternal: async (u) => void log.push(['open', u]),
    copyKubeconfigPath: () => '/k',
    mergeKubeconfig: async (c) => (log.push(['merge', c]), { path: '/x', changed: true }),
    installKubectl: async () => ({ path: '/b/kubectl', onPath: true }),
    settings: () => ({ startOnLaunch: true, onQuit: 'ask', shimDir: '/b' }),
    setSettings: (s) => (log.push(['set', s]), { startOnLaunch: true, onQuit: 'ask', shimDir: '/b', ...s }),
  };
}

test('valid calls reach the services', async () => {
  const log: unknown[] = [];
  const s = services(log);
  assert.equal(((await handleInvoke(s, 'skiff:status', undefined)) as { state: string }).state, 'running');
  await handleInvoke(s, 'skiff:cluster', { action: 'restart' });
  await handleInvoke(s, 'skiff:open-external', { url: 'http://127.0.0.1:8080/' });
  await handleInvoke(s, 'skiff:merge-kubeconfig', { setCurrentContext: true });
  await handleInvoke(s, 'skiff:merge-kubeconfig', undefined);
  await handleInvoke(s, 'skiff:set-settings', { onQuit: 'stop' });
  assert.deepEqual(log, [['cluster', 'restart'], ['open', 'http://127.0.0.1:8080/'], ['merge', true], ['merge', false], ['set', { onQuit: 'stop' }]]);
});

test('unknown channels and bad payloads are refused before any service runs', async () => {
  const log: unknown[] = [];
  const s = services(log);
  const bad: [unknown, unknown][] = [
    ['skiff:shell', {}],
    [42, undefined],
    ['skiff:cluster', { action: 'format-disk' }],
    ['skiff:cluster', { action: 'start', extra: 1 }],
    ['skiff:cluster', 'start'],
    ['skiff:status', { x: 1 }],
    ['skiff:open-external', { url: 'file:///etc/passwd' }],
    ['skiff:open-external', { url: 'https://evil.example/' }],
    ['skiff:open-external', { url: 'javascript:alert(1)' }],
    ['skiff:open-external', { url: 'http://user:pw@127.0.0.1/' }],
    ['skiff:merge-kubeconfig', { setCurrentContext: 'yes' }],
    ['skiff:set-settings', { onQuit: 'explode' }],
    ['skiff:set-settings', { shimDir: 'relative/dir' }],
    ['skiff:set-settings', { __proto__: { polluted: true }, evil: 1 }],
  ];
  for (const [ch, p] of bad) await assert.rejects(handleInvoke(s, ch, p), IpcValidationError, `${String(ch)} ${JSON.stringify(p)}`);
  assert.deepEqual(log, []);
});

test('the contract allowlist is what the preload enforces', () => {
  assert.ok(INVOKE_CHANNELS.every((c) => c.startsWith('skiff:')));
  assert.equal(isInvokeChannel('skiff:cluster'), true);
  assert.equal(isInvokeChannel('ELECTRON_BROWSER_REQUIRE'), false);
  assert.equal(isEventChannel('skiff:status-changed'), true);
  assert.equal(isEventChannel('skiff:cluster'), false);
  assert.equal(isSafeExternalUrl('http://localhost:3000/x'), true);
  assert.equal(isSafeExternalUrl('http://127.0.0.1.evil.example/'), false);
});
