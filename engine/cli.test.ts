import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { main, parseFlags } from './cli.js';

async function captured(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    const code = await main(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('skiff cli', () => {
  it('switches never swallow the next argument; --x=false turns them off', () => {
    assert.deepEqual(parseFlags(['serve', '--no-dashboard', 'extra', '--port', '0']), {
      positional: ['serve', 'extra'],
      flags: { 'no-dashboard': true, port: '0' },
    });
    assert.deepEqual(parseFlags(['serve', '--no-dashboard=false', '--standby=true']).flags, { 'no-dashboard': false, standby: true });
    assert.deepEqual(parseFlags(['serve', '-h']).flags, { help: true });
    assert.deepEqual(parseFlags(['serve', '--data-dir=/tmp/x', '--cluster-name', 'c']).flags, { 'data-dir': '/tmp/x', 'cluster-name': 'c' });
  });

  it('`skiff --help` and `skiff serve --help` list --no-dashboard (and serve --help does not start a server)', async () => {
    const top = await captured(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.out, /^Usage: skiff <command>/);
    assert.match(top.out, /--no-dashboard/);
    const serve = await captured(['serve', '--help']);
    assert.equal(serve.code, 0);
    assert.match(serve.out, /^Usage: skiff serve \[flags\]/);
    assert.match(serve.out, /--no-dashboard +run the cluster only/);
    assert.doesNotMatch(serve.out, /Skiff API server/);
  });
});
