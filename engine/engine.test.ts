import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, EngineStoppedError } from './engine.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'skiff-engine-'));
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

describe('Engine start and stop', () => {
  it('a stop during start makes start reject with EngineStoppedError and leaves nothing open', async () => {
    const dir = tmp();
    try {
      const engine = new Engine({ dataDir: dir, port: 0, apiOnly: true, noNode: true });
      const started = engine.start();
      const stopped = engine.stop();
      await assert.rejects(started, EngineStoppedError);
      await stopped;
      // Nothing listens, and stop is idempotent.
      if (engine.port) assert.equal(await listening(engine.port), false);
      await engine.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('start resolves once the API listens; stop closes it', async () => {
    const dir = tmp();
    try {
      const engine = new Engine({ dataDir: dir, port: 0, apiOnly: true, noNode: true });
      await engine.start();
      assert.ok(engine.port > 0);
      assert.equal(await listening(engine.port), true);
      assert.ok(engine.client.resource('', 'Namespace').get(undefined, 'kube-system'));
      await engine.stop();
      assert.equal(await listening(engine.port), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
