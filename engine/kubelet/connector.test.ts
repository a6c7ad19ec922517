// The connector (connector.ts): container choice and log instance as upstream picks them, the
// channel protocol (v5/v4, base64) over a real WebSocket pair, the exec relay dial fallback.
// `npx tsx --test engine/kubelet/connector.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { ContainerRuntime, ExecSession } from './runtime/runtime.js';
import { PodDialer, logContainerId, resolveContainer, runChannelSession } from './connector.js';
import { container, newPod } from './testing.js';

describe('container and log instance choice', () => {
  const pod = newPod('web', { initContainers: [container('init')], containers: [container('a'), container('b')] });
  test('upstream validateContainer messages', () => {
    assert.equal(resolveContainer(newPod('one', { containers: [container('only')] }), undefined), 'only');
    assert.throws(() => resolveContainer(pod, undefined), /^Error: a container name must be specified for pod web, choose one of: \[init a b\]$/);
    assert.throws(() => resolveContainer(pod, 'zzz'), /container zzz is not valid for pod web/);
    assert.equal(resolveContainer(pod, 'init'), 'init');
  });

  test('upstream validateContainerLogStatus: running, terminated, previous, waiting', () => {
    const p = newPod('p', { containers: [container('a')] });
    const set = (s: Record<string, unknown>) => (p.status = { containerStatuses: [{ name: 'a', ...s }] });
    set({ state: { running: {} }, containerID: 'docker://cur', lastState: { terminated: { containerID: 'docker://prev' } } });
    assert.equal(logContainerId(p, 'a', false), 'cur');
    assert.equal(logContainerId(p, 'a', true), 'prev');
    set({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { containerID: 'docker://last' } } });
    assert.equal(logContainerId(p, 'a', false), 'last');
    set({ state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} });
    assert.throws(() => logContainerId(p, 'a', false), /container "a" in pod "p" is waiting to start: ContainerCreating/);
    assert.throws(() => logContainerId(p, 'a', true), /previous terminated container "a" in pod "p" not found/);
    set({ state: { waiting: { reason: 'ImagePullBackOff' } }, lastState: {} });
    assert.throws(() => logContainerId(p, 'a', false), /is waiting to start: trying and failing to pull image/);
  });
});

/** A WebSocket pair over loopback: `serve` gets the server side. */
async function pair(protocol: string, serve: (ws: WebSocket) => void): Promise<{ client: WebSocket; server: Server }> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has(protocol) ? protocol : false) });
  const server = createServer();
  server.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => serve(ws)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, [protocol]);
  await new Promise((r) => client.once('open', r));
  return { client, server };
}

/**
 * An exec session that echoes stdin upper-cased to stdout once a line is complete (or stdin is
 * closed), writes "e" to stderr and exits with `code`.
 */
function fakeSession(code: number, resized: unknown[], log: string[]): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let input = '';
  let done: () => void = () => undefined;
  const ended = new Promise<void>((r) => (done = r));
  const finish = () => {
    if (stdout.writableEnded) return;
    stdout.end(input.toUpperCase());
    stderr.end('e');
    done();
  };
  const stdin = new Writable({
    write(c: Buffer, _e, cb) {
      input += c.toString();
      if (input.includes('\n')) finish();
      cb();
    },
    final(cb) {
      log.push('stdin closed');
      finish();
      cb();
    },
  });
  return { stdin, stdout, stderr, resize: async (s) => void resized.push(s), close: () => undefined, wait: async () => (await ended, code) };
}

describe('channel protocol', () => {
  const cases: Array<[string, string, boolean]> = [
    ['v5.channel.k8s.io', 'hello', true],
    ['v5.channel.k8s.io', 'hello\n', false],
    ['v4.channel.k8s.io', 'hello\n', false],
    ['v4.base64.channel.k8s.io', 'hello\n', false],
  ];
  for (const [protocol, input, closeStdin] of cases) {
    test(`${protocol}: stdin${closeStdin ? ' + close signal' : ''}, resize, stdout/stderr, status with the exit code`, async () => {
      const resized: unknown[] = [];
      const log: string[] = [];
      const { client, server } = await pair(protocol, (ws) => runChannelSession(ws, protocol, fakeSession(3, resized, log), { stdout: true, stderr: true, tty: false, cmd: ['sh', '-c', 'exit 3'], kind: 'exec' }));
      const got: Record<number, string> = {};
      const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
      const b64 = protocol.includes('base64');
      client.on('message', (m: Buffer) => {
        const ch = b64 ? Number(m.toString()[0]) : m[0];
        const data = b64 ? Buffer.from(m.toString().slice(1), 'base64').toString() : m.subarray(1).toString();
        got[ch] = (got[ch] ?? '') + data;
      });
      const send = (ch: number, data: string | Buffer) => (b64 ? client.send(String(ch) + Buffer.from(data).toString('base64')) : client.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)])));
      send(4, JSON.stringify({ Width: 80, Height: 24 }));
      send(0, input);
      if (closeStdin) send(255, Buffer.from([0]));
      assert.equal(await closed, 1000);
      assert.equal(got[1], input.toUpperCase());
      assert.equal(got[2], 'e');
      const status = JSON.parse(got[3]);
      assert.equal(status.status, 'Failure');
      assert.equal(status.reason, 'NonZeroExitCode');
      assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
      assert.match(status.message, /command terminated with non-zero exit code: error executing command \[sh -c exit 3\], exit code 3/);
      assert.deepEqual(resized, [{ cols: 80, rows: 24 }]);
      assert.deepEqual(log, closeStdin ? ['stdin closed'] : []);
      server.close();
    });
  }
});

describe('PodDialer', () => {
  test('direct dial first; refused is final; unreachable falls back to the exec relay and sticks', async () => {
    let mode: 'ok' | 'refused' | 'unreachable' = 'ok';
    const calls: string[] = [];
    const rt = {
      dial: async () => {
        calls.push('dial');
        if (mode === 'refused') throw new Error('dial 10.0.0.2:80: connect ECONNREFUSED');
        if (mode === 'unreachable') throw new Error('dial 10.0.0.2:80: connect EHOSTUNREACH');
        return new PassThrough();
      },
      exec: async (_id: string, o: { cmd: string[] }) => {
        calls.push(`exec ${o.cmd.join(' ')}`);
        return { stdin: new PassThrough(), stdout: new PassThrough(), resize: async () => undefined, close: () => undefined, wait: async () => 0 };
      },
    } as unknown as ContainerRuntime;
    const d = new PodDialer(rt);
    const sb = { id: 'sb', relayContainer: 'c1' };
    await d.dial(sb, 80);
    assert.deepEqual(calls, ['dial']);
    mode = 'refused';
    await assert.rejects(d.dial(sb, 81), /ECONNREFUSED/);
    const d2 = new PodDialer(rt);
    mode = 'unreachable';
    calls.length = 0;
    await d2.dial(sb, 80);
    await d2.dial(sb, 80);
    assert.deepEqual(calls, ['dial', 'exec nc 127.0.0.1 80', 'exec nc 127.0.0.1 80']);
  });
});
