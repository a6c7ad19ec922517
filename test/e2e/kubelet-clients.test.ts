/**
 * The kubelet's streaming endpoints with @kubernetes/client-node as a second client: exec over
 * WebSocket (v5/v4 channels, status with the exit code), port-forward over plain WebSocket
 * channels (`?ports=`, port in the first two bytes of each channel), and followed logs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { dockerAvailable, eventually } from './harness.js';
import { BUSYBOX, HTTPD, NODE, startKubeletCluster, type KubeletCluster } from './kubelet-cluster.js';

function sink(): { stream: Writable; text: () => string } {
  let s = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        s += chunk.toString();
        cb();
      },
    }),
    text: () => s,
  };
}

describe('kubelet streams with @kubernetes/client-node', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  let c: KubeletCluster;
  let kc: k8s.KubeConfig;
  before(async () => {
    c = await startKubeletCluster();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: web, image: ${HTTPD}, ports: [{containerPort: 80}]}
  - {name: side, image: ${BUSYBOX}, command: [sh, -c, 'trap exit TERM; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done']}
`);
    await c.waitPod('web', '{.status.phase}', (p) => p === 'Running');
  });
  after(async () => {
    await c?.destroy();
  });

  it('exec: stdout, stderr, stdin and the exit status', async () => {
    const out = sink();
    const err = sink();
    const stdin = new PassThrough();
    let status: k8s.V1Status | undefined;
    await new Exec(kc).exec('default', 'web', 'side', ['sh', '-c', 'read x; echo got $x; echo warn >&2; exit 5'], out.stream, err.stream, stdin, false, (s) => (status = s));
    stdin.end('hello\n');
    await eventually(() => status !== undefined, 15_000, 50);
    assert.equal(out.text(), 'got hello\n');
    assert.equal(err.text(), 'warn\n');
    assert.equal(status?.status, 'Failure');
    assert.equal(status?.reason, 'NonZeroExitCode');
    assert.deepEqual(status?.details?.causes, [{ reason: 'ExitCode', message: '5' }]);
    let ok: k8s.V1Status | undefined;
    await new Exec(kc).exec('default', 'web', 'web', ['true'], null, null, null, false, (s) => (ok = s));
    await eventually(() => ok !== undefined, 15_000, 50);
    assert.equal(ok?.status, 'Success');
  });

  it('port-forward over WebSocket channels', async () => {
    const pf = new k8s.PortForward(kc);
    const server = createServer((sock) => {
      void pf.portForward('default', 'web', [80], sock, null, sock);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const body = await (await fetch(`http://127.0.0.1:${port}/`, { headers: { Connection: 'close' } })).text();
      assert.match(body, /<h1>skiff-test<\/h1>/);
    } finally {
      server.close();
    }
  });

  it('logs with follow and tailLines', async () => {
    const out = sink();
    const abort = await new k8s.Log(kc).log('default', 'web', 'side', out.stream, { follow: true, tailLines: 1 });
    try {
      await eventually(() => out.text().split('\n').filter(Boolean).length >= 3, 15_000, 50);
      const lines = out.text().split('\n').filter(Boolean);
      const first = Number(/line (\d+)/.exec(lines[0])?.[1]);
      assert.equal(Number(/line (\d+)/.exec(lines[2])?.[1]), first + 2, 'consecutive lines, streamed');
    } finally {
      abort.abort();
    }
  });
});

// client-node exports Exec; a local alias keeps the calls above short.
const Exec = k8s.Exec;
