import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installShim, resolveKubectl, shimArgs, SHIM_MARKER } from './shim.js';

const SHIMS = fileURLToPath(new URL('../../assets/bin', import.meta.url));

test('shimArgs targets the Skiff kubeconfig unless the user picked one', () => {
  assert.deepEqual(shimArgs(['get', 'pods'], '/k'), ['--kubeconfig', '/k', 'get', 'pods']);
  assert.deepEqual(shimArgs(['--context', 'prod', 'get', 'pods'], '/k'), ['--context', 'prod', 'get', 'pods']);
  assert.deepEqual(shimArgs(['get', 'pods', '--context=prod'], '/k'), ['get', 'pods', '--context=prod']);
  assert.deepEqual(shimArgs(['--kubeconfig=/mine', 'get', 'ns'], '/k'), ['--kubeconfig=/mine', 'get', 'ns']);
});

test('resolveKubectl: $SKIFF_KUBECTL, then bundled, then PATH — skipping the shim itself', () => {
  const files: Record<string, string> = {
    '/opt/k/kubectl': 'ELF',
    '/home/u/.local/bin/kubectl': `#!/bin/sh\n# ${SHIM_MARKER}\n`,
    '/usr/bin/kubectl': 'ELF',
    '/app/bin/kubectl-real': 'ELF',
  };
  const io = { isFile: (p: string) => p in files, readHead: (p: string) => files[p] ?? '' };
  assert.equal(resolveKubectl({ ...io, env: { SKIFF_KUBECTL: '/opt/k/kubectl', PATH: '/usr/bin' }, platform: 'linux' }), '/opt/k/kubectl');
  assert.equal(resolveKubectl({ ...io, env: { PATH: '/usr/bin' }, platform: 'linux', bundledDir: '/app/bin' }), '/app/bin/kubectl-real');
  assert.equal(resolveKubectl({ ...io, env: { PATH: '/home/u/.local/bin:/usr/bin' }, platform: 'linux' }), '/usr/bin/kubectl');
  assert.equal(resolveKubectl({ ...io, env: { PATH: '/nowhere' }, platform: 'linux' }), undefined);
});

test('resolveKubectl on Windows looks for kubectl.exe in ;-separated Path', () => {
  const files = new Set(['C:\\tools\\kubectl.exe']);
  const r = resolveKubectl({ env: { Path: 'C:\\nope;C:\\tools' }, platform: 'win32', isFile: (p) => files.has(p.replace(/\//g, '\\')), readHead: () => '' });
  assert.ok(r && r.endsWith('kubectl.exe'));
});

test('installShim copies the shim, marks it executable, and never replaces a real kubectl', () => {
  const bin = mkdtempSync(join(tmpdir(), 'skiff-bin-'));
  const r = installShim({ shimDir: SHIMS, binDir: bin, platform: 'linux', env: { PATH: `/usr/bin:${bin}` } });
  assert.equal(r.path, join(bin, 'kubectl'));
  assert.equal(r.onPath, true);
  assert.ok(statSync(r.path).mode & 0o100);
  assert.match(readFileSync(r.path, 'utf8'), new RegExp(SHIM_MARKER));
  // Re-installing over our own shim is fine.
  installShim({ shimDir: SHIMS, binDir: bin, platform: 'linux', env: { PATH: '' } });
  const other = mkdtempSync(join(tmpdir(), 'skiff-bin-'));
  writeFileSync(join(other, 'kubectl'), 'real kubectl binary');
  assert.throws(() => installShim({ shimDir: SHIMS, binDir: other, platform: 'linux' }), /not Skiff's shim/);
  assert.equal(readFileSync(join(other, 'kubectl'), 'utf8'), 'real kubectl binary');
  assert.ok(existsSync(join(SHIMS, 'kubectl.cmd')));
});

test('the sh shim adds --kubeconfig, respects --context, and explains a missing kubectl', { skip: process.platform === 'win32' }, () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-fake-'));
  const fake = join(d, 'kubectl');
  writeFileSync(fake, '#!/bin/sh\necho "ARGS:$*"\n');
  chmodSync(fake, 0o755);
  const env = { PATH: `${d}:/usr/bin:/bin`, HOME: '/home/x', SKIFF_KUBECONFIG: '/k/config' };
  const a = spawnSync(join(SHIMS, 'kubectl'), ['get', 'pods'], { env, encoding: 'utf8' });
  assert.equal(a.stdout.trim(), 'ARGS:--kubeconfig /k/config get pods');
  const b = spawnSync(join(SHIMS, 'kubectl'), ['--context', 'prod', 'get', 'pods'], { env, encoding: 'utf8' });
  assert.equal(b.stdout.trim(), 'ARGS:--context prod get pods');
  const none = spawnSync(join(SHIMS, 'kubectl'), ['version'], { env: { PATH: '/nonexistent', HOME: '/home/x' }, encoding: 'utf8' });
  assert.equal(none.status, 127);
  assert.match(none.stderr, /no kubectl found/);
});
