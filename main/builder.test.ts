/** electron-builder.yml can't be exercised here (no Electron download): check it by content. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('electron-builder.yml targets AppImage+deb, dmg, nsis and ships tray icons and the shim', () => {
  const cfg = parse(readFileSync(`${ROOT}electron-builder.yml`, 'utf8'));
  assert.equal(cfg.appId, 'dev.skiff.app');
  const targets = (os: string) => (cfg[os].target as (string | { target: string })[]).map((t) => (typeof t === 'string' ? t : t.target));
  assert.deepEqual(targets('linux').sort(), ['AppImage', 'deb']);
  assert.deepEqual(targets('mac'), ['dmg']);
  assert.deepEqual(targets('win'), ['nsis']);
  const extra = cfg.extraResources as { from: string; to: string }[];
  for (const e of extra) assert.ok(existsSync(`${ROOT}${e.from}`), `${e.from} missing`);
  assert.ok(extra.some((e) => e.from === 'assets/tray'));
  assert.ok(extra.some((e) => e.from === 'assets/bin'));
  for (const f of cfg.files as string[]) if (!f.startsWith('!')) assert.ok(!f.includes('renderer/'), 'sources are not shipped');
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
  assert.equal(pkg.main, 'dist/main/index.js');
  assert.ok(existsSync(`${ROOT}${cfg.linux.icon ?? cfg.icon}`));
});
