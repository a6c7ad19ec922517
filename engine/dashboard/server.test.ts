/**
 * The dashboard backend against a real in-process engine (API server only): the gate, the
 * proxy (list, unbuffered watch, Status errors), per-context routing from a kubeconfig, the
 * stream multiplexer, static serving, and the port-forward tunnel protocol.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { parse, stringify } from 'yaml';
import { Engine } from '../engine.js';
import { Dashboard } from './server.js';
import { cookieName } from './security.js';
import { attachTunnel } from './portforward.js';

let engine: Engine;
let dash: Dashboard;
let cookie: string;
let host: string;

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dash.port, path, method, headers: { host, cookie, ...headers } }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-dash-'));
  engine = new Engine({ dataDir: join(dir, 'data'), port: 0, apiOnly: true, noNode: true });
  await engine.start();
  // A user kubeconfig naming the same cluster under another context name.
  const userKc = join(dir, 'kube', 'config');
  mkdirSync(join(dir, 'kube'));
  const kc = parse(readFileSync(engine.kubeconfigPath, 'utf8')) as { clusters: { name: string }[]; users: { name: string }[]; contexts: { name: string; context: { cluster: string; user: string } }[]; 'current-context': string };
  kc.clusters[0].name = 'other';
  kc.users[0].name = 'other-user';
  kc.contexts[0] = { name: 'other', context: { cluster: 'other', user: 'other-user' } };
  kc['current-context'] = 'other';
  writeFileSync(userKc, stringify(kc));
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Skiff</title>');
  dash = new Dashboard({ bundledKubeconfig: engine.kubeconfigPath, kubeconfigPaths: [userKc], staticDir: ui });
  await dash.listen();
  host = `127.0.0.1:${dash.port}`;
  cookie = `${cookieName(dash.port)}=${dash.token}`;
});

after(async () => {
  await dash.close();
  await engine.stop();
});

test('the token URL sets the session cookie and redirects without the token', async () => {
  const r = await get(`/?token=${dash.token}`, { cookie: '' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, '/');
  assert.match(String(r.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  assert.equal((await get('/?token=nope', { cookie: '' })).status, 401);
  assert.equal((await get('/', { cookie: '' })).status, 401);
});

test('static files and client-side routes serve index.html with a strict CSP', async () => {
  const r = await get('/c/skiff/pods?ns=default');
  assert.equal(r.status, 200);
  assert.match(r.body, /<title>Skiff/);
  assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
  assert.equal((await get('/assets/missing.js')).status, 404);
  assert.equal((await get('/../../etc/passwd')).status, 200, 'path traversal resolves to the SPA, never outside');
});

test('contexts: bundled first, then the user kubeconfig', async () => {
  const r = JSON.parse((await get('/skiff/contexts')).body) as { contexts: { name: string; bundled: boolean }[] };
  assert.deepEqual(r.contexts.map((c) => [c.name, c.bundled]), [['skiff', true], ['other', false]]);
});

test('proxy: lists through each context with its credentials; errors are Status objects', async () => {
  for (const ctx of ['skiff', 'other']) {
    const r = await get(`/clusters/${ctx}/api/v1/namespaces`);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /"kind":"NamespaceList"/);
    assert.match(String(r.headers['content-security-policy']), /sandbox/);
  }
  const nf = await get('/clusters/skiff/api/v1/namespaces/default/configmaps/nope');
  assert.equal(nf.status, 404);
  assert.equal(JSON.parse(nf.body).reason, 'NotFound');
  assert.equal((await get('/clusters/unknown/api')).status, 404);
  const created = await get('/clusters/skiff/api/v1/namespaces/default/configmaps', { 'content-type': 'application/json', origin: `http://${host}` }, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'via-proxy' }, data: { a: '1' } }));
  assert.equal(created.status, 201, created.body);
});

test('proxy: a watch streams events as they happen (not buffered)', async () => {
  const list = JSON.parse((await get('/clusters/skiff/api/v1/namespaces/default/configmaps')).body) as { metadata: { resourceVersion: string } };
  const got = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dash.port, path: `/clusters/skiff/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, headers: { host, cookie } }, (res) => {
      assert.equal(res.statusCode, 200);
      res.on('data', (c: Buffer) => {
        if (c.toString().includes('streamed-cm')) {
          req.destroy();
          resolve(c.toString());
        }
      });
      // Headers arrived before any event: now make one.
      void get('/clusters/skiff/api/v1/namespaces/default/configmaps', { 'content-type': 'application/json' }, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'streamed-cm' } }));
    });
    req.on('error', reject);
    req.end();
    setTimeout(() => reject(new Error('no event within 5 s')), 5000).unref();
  });
  assert.match(got, /"type":"ADDED"/);
});

test('mux: streams over one WebSocket; foreign origins and missing sessions are refused', async () => {
  const url = `ws://${host}/skiff/mux`;
  const refused = (headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
  assert.equal(await refused({ origin: 'http://evil.example', cookie }), 403);
  assert.equal(await refused({ origin: `http://${host}` }), 401);

  const ws = new WebSocket(url, { headers: { origin: `http://${host}`, cookie } });
  await new Promise((r) => ws.on('open', r));
  const msgs: { id?: number; status?: number; data?: string; error?: { code: number } }[] = [];
  ws.on('message', (m) => msgs.push(JSON.parse(m.toString())));
  ws.send(JSON.stringify({ op: 'open', id: 1, context: 'skiff', path: '/api/v1/namespaces/default/configmaps?watch=1' }));
  ws.send(JSON.stringify({ op: 'open', id: 2, context: 'skiff', path: '/api/v1/namespaces?watch=1&resourceVersion=1' }));
  ws.send(JSON.stringify({ op: 'open', id: 3, context: 'nope', path: '/api' }));
  const wait = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(pred());
  };
  await wait(() => msgs.some((m) => m.id === 1 && m.data?.includes('via-proxy')));
  await wait(() => msgs.some((m) => m.id === 2 && m.error?.code === 410) || msgs.some((m) => m.id === 2 && m.data !== undefined));
  await wait(() => msgs.some((m) => m.id === 3 && m.error?.code === 404));
  ws.send(JSON.stringify({ op: 'close', id: 1 }));
  ws.close();
});

test('port-forward tunnel speaks v4.channel.k8s.io: port header stripped, data both ways', async () => {
  // A fake API server side of the protocol: echoes data back upper-cased.
  const wss = new WebSocketServer({ port: 0, handleProtocols: (p) => (p.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  wss.on('connection', (ws) => {
    ws.send(Buffer.from([0, 80, 0])); // data channel, port 80 (LE)
    ws.send(Buffer.from([1, 80, 0])); // error channel, port 80
    ws.on('message', (m: Buffer) => {
      assert.equal(m[0], 0);
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(m.subarray(1).toString().toUpperCase())]));
    });
  });
  await new Promise((r) => wss.on('listening', r));
  const wsPort = (wss.address() as AddressInfo).port;
  const server = createServer((sock) => attachTunnel(new WebSocket(`ws://127.0.0.1:${wsPort}/`, ['v4.channel.k8s.io']), sock));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = connect((server.address() as AddressInfo).port, '127.0.0.1');
  sock.write('hello tunnel');
  const echoed = await new Promise<string>((resolve) => sock.on('data', (d) => resolve(d.toString())));
  assert.equal(echoed, 'HELLO TUNNEL');
  sock.destroy();
  server.close();
  wss.close();
});
