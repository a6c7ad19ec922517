import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { ClusterHost, type SpawnLike } from './cluster.js';

class FakeChild extends EventEmitter {
  stdout = new PassThrough();
  stderr = new PassThrough();
  killed: string[] = [];
  kill(sig: string) {
    this.killed.push(sig);
    setImmediate(() => this.emit('exit', null, sig));
    return true;
  }
}

function host() {
  const children: FakeChild[] = [];
  const calls: string[][] = [];
  const spawn: SpawnLike = (cmd, args) => {
    calls.push([cmd, ...args]);
    const c = new FakeChild();
    children.push(c);
    return c as unknown as ChildProcess;
  };
  const h = new ClusterHost({ node: '/node', skiffBin: '/app/bin/skiff.js', dataDir: '/data', apiPort: 6443, spawn });
  return { h, children, calls };
}

test('start → running when the engine prints its API and dashboard lines; stop → stopped', async () => {
  const { h, children, calls } = host();
  const states: string[] = [];
  h.on('status', (s) => states.push(s.state));
  const p = h.start();
  assert.deepEqual(calls[0], ['/node', '/app/bin/skiff.js', 'serve', '--data-dir', '/data', '--port', '6443', '--dashboard-port', '0']);
  children[0].stdout.write('Skiff API server: https://127.0.0.1:6443 (ready in 400 ms)\n');
  children[0].stdout.write('Dashboard: http://127.0.0.1:5000/?token=abc\n');
  const s = await p;
  assert.equal(s.state, 'running');
  assert.equal(s.apiServer, 'https://127.0.0.1:6443');
  assert.equal(s.dashboard, 'http://127.0.0.1:5000', 'the token is not part of the status');
  assert.equal(h.dashboardUrl, 'http://127.0.0.1:5000/?token=abc');
  assert.equal(s.kubeconfig, '/data/kubeconfig');
  const stopped = await h.stop();
  assert.equal(stopped.state, 'stopped');
  assert.deepEqual(children[0].killed, ['SIGTERM']);
  assert.deepEqual(states, ['starting', 'running', 'stopping', 'stopped']);
});

test('an engine that dies becomes error with its last line; restart recovers', async () => {
  const { h, children } = host();
  const p = h.start();
  children[0].stderr.write("skiff: port 6443 is already in use (another skiff serve?). Pick one with --port.\n");
  children[0].emit('exit', 1, null);
  const s = await p;
  assert.equal(s.state, 'error');
  assert.match(s.error ?? '', /already in use/);
  const r = h.restart();
  await new Promise((res) => setImmediate(res));
  children[1].stdout.write('Skiff API server: https://127.0.0.1:6443\nDashboard: http://127.0.0.1:5001/?token=t\n');
  assert.equal((await r).state, 'running');
});
