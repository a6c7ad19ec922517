/**
 * The service proxy component end to end, without Docker: a RecordingDataplane stands in for
 * iptables, backends are HTTP servers on other loopback addresses (127.0.0.2, 127.0.0.3) named
 * in Endpoints objects, DNS listens on 127.0.0.1. Exercises the real informers, DNS server,
 * 127.0.0.1 NodePort/LoadBalancer relays, LoadBalancer status, services/proxy and ingress.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCredentials } from '../apiserver/certs.js';
import type { KubeObject } from '../api/types.js';
import { newTestEnv, type TestEnv } from '../controllers/shared/testing.js';
import { RCODE, TYPE, decode, query } from '../dns/message.js';
import { RecordingDataplane, type Dataplane } from './dataplane.js';
import { ServiceProxy } from './proxy.js';

async function backend(host: string, name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
    res.end(`${name} ${req.url} host=${req.headers.host} auth=${req.headers.authorization ?? '-'}`);
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

function get(port: number, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function dnsAsk(port: number, name: string, type: number = TYPE.A) {
  return new Promise<ReturnType<typeof decode>>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), reject(new Error('timeout'))), 2000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(decode(m));
    });
    s.send(query(1, name, type), port, '127.0.0.1');
  });
}

async function eventually<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

function svc(name: string, spec: Record<string, unknown>, ns = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec };
}

function endpoints(name: string, addrs: { ip: string; port: number }[], portName = 'http', ns = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns }, subsets: addrs.map((a) => ({ addresses: [{ ip: a.ip }], ports: [{ name: portName, port: a.port, protocol: 'TCP' }] })) };
}

describe('ServiceProxy', () => {
  let env: TestEnv;
  let proxy: ServiceProxy;
  let dp: RecordingDataplane;
  let b1: Awaited<ReturnType<typeof backend>>;
  let b2: Awaited<ReturnType<typeof backend>>;
  const svcs = () => env.client.resource('', 'Service');
  const eps = () => env.client.resource('', 'Endpoints');

  before(async () => {
    env = newTestEnv({ namespaces: ['default', 'kube-system'] });
    b1 = await backend('127.0.0.2', 'b1');
    b2 = await backend('127.0.0.3', 'b2');
    dp = new RecordingDataplane();
    proxy = new ServiceProxy(env.ctx, { dataplane: dp, docker: false, dnsListen: { host: '127.0.0.1', port: 0 }, ingress: { httpPort: 0, httpsPort: 0, host: '127.0.0.1' }, debounceMs: 1 });
    proxy.start();
    await proxy.initialized;
  });

  after(async () => {
    await proxy.stop();
    b1.server.close();
    b2.server.close();
    env.close();
  });

  it('sets the pods’ DNS server before anything runs and reserves it with the kube-dns Service', () => {
    assert.equal(env.ctx.network.dnsServerIP, '10.96.0.10');
    const dns = svcs().get('kube-system', 'kube-dns');
    assert.equal((dns?.spec as { clusterIP: string }).clusterIP, '10.96.0.10');
    const ep = eps().get('kube-system', 'kube-dns');
    assert.equal((ep?.subsets as { addresses: { ip: string }[] }[])[0].addresses[0].ip, '127.0.0.1');
    assert.ok(env.ctx.features.services);
  });

  it('programs DNAT rules for a ClusterIP and follows endpoint changes', async () => {
    svcs().create(svc('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    const ip = (svcs().get('default', 'web')?.spec as { clusterIP: string }).clusterIP;
    eps().create(endpoints('web', [{ ip: '10.244.0.2', port: 8080 }, { ip: '10.244.0.3', port: 8080 }]));
    const dnat = () => dp.applied.at(-1)?.nat.rules.filter((l) => l.includes('DNAT')).map((l) => l.split('--to-destination ')[1]) ?? [];
    await eventually(() => dnat().includes('10.244.0.3:8080') && dnat().includes('10.244.0.2:8080'));
    assert.ok(dp.applied.at(-1)?.nat.rules.some((l) => l.includes(`-d ${ip}/32`)));
    eps().modify('default', 'web', (o) => {
      o.subsets = [{ addresses: [{ ip: '10.244.0.2' }], notReadyAddresses: [{ ip: '10.244.0.3' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }];
    });
    await eventually(() => dnat().join() === '10.244.0.2:8080' && !dnat().includes('10.244.0.3:8080'));
    // no ready endpoint → REJECT
    eps().modify('default', 'web', (o) => {
      o.subsets = [];
    });
    await eventually(() => dp.applied.at(-1)?.filter.rules.some((l) => l.includes(`-d ${ip}/32`) && l.includes('REJECT')));
  });

  it('resolves service names and stops resolving deleted ones', async () => {
    const port = proxy.dns?.address?.port ?? 0;
    svcs().create(svc('api', { ports: [{ port: 80 }] }));
    const ip = (svcs().get('default', 'api')?.spec as { clusterIP: string }).clusterIP;
    const r = await dnsAsk(port, 'api.default.svc.cluster.local');
    assert.deepEqual(
      r.answers.map((a) => a.data),
      [ip],
    );
    svcs().delete('default', 'api');
    await eventually(async () => (await dnsAsk(port, 'api.default.svc.cluster.local')).flags.rcode === RCODE.NXDOMAIN);
  });

  it('serves NodePort on 127.0.0.1 from every ready endpoint', async () => {
    svcs().create(svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }));
    const nodePort = ((svcs().get('default', 'np')?.spec as { ports: { nodePort: number }[] }).ports[0]).nodePort;
    eps().create(endpoints('np', [{ ip: '127.0.0.2', port: b1.port }, { ip: '127.0.0.3', port: b2.port }]));
    await eventually(() => proxy.userspace.bound(`tcp:127.0.0.1:${nodePort}`) && proxy.ports.get('default/np:http/TCP')?.endpoints.length === 2);
    // The relay thread gets the endpoints with the sync that follows.
    await eventually(async () => (await get(nodePort).catch(() => ({ status: 0 }))).status === 200);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await get(nodePort)).body.split(' ')[0]);
    assert.deepEqual([...seen].sort(), ['b1', 'b2']);
  });

  it('publishes a LoadBalancer on 127.0.0.1:port, sets its status, and leaves a second one on the same port pending', async () => {
    const port = await freePort();
    svcs().create(svc('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port }] }));
    eps().create(endpoints('lb', [{ ip: '127.0.0.2', port: b1.port }]));
    await eventually(() => (svcs().get('default', 'lb')?.status as { loadBalancer: { ingress?: { ip: string }[] } }).loadBalancer.ingress?.[0]?.ip === '127.0.0.1');
    await eventually(async () => (await get(port).catch(() => ({ body: '' }))).body.startsWith('b1'));
    env.clock.advance(1000);
    svcs().create(svc('lb2', { type: 'LoadBalancer', ports: [{ name: 'http', port }] }));
    await proxy.runSync();
    await new Promise((r) => setTimeout(r, 50));
    const lb2 = svcs().get('default', 'lb2');
    assert.deepEqual((lb2?.status as { loadBalancer: object }).loadBalancer, {});
    // the first keeps its port
    assert.equal((await get(port)).body.split(' ')[0], 'b1');
  });

  it('proxies services/NAME:PORT/proxy without the API credentials', async () => {
    svcs().create(svc('hello', { ports: [{ name: 'web', port: 80 }] }));
    eps().create(endpoints('hello', [{ ip: '127.0.0.3', port: b2.port }], 'web'));
    const s = svcs().get('default', 'hello') as KubeObject;
    const front = createServer((req, res) => void proxy.proxy(s, 'web', '/some/path', req, res));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    const fp = (front.address() as { port: number }).port;
    await eventually(() => proxy.ports.get('default/hello:web/TCP')?.endpoints.length === 1);
    const r = await get(fp, '/api/v1/namespaces/default/services/hello:web/proxy/some/path?q=1', { authorization: 'Bearer secret' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^b2 \/some\/path\?q=1 host=127\.0\.0\.3:\d+ auth=-$/);
    eps().modify('default', 'hello', (o) => {
      o.subsets = [];
    });
    await eventually(() => proxy.ports.get('default/hello:web/TCP')?.endpoints.length === 0);
    const none = await get(fp, '/x');
    assert.equal(none.status, 503);
    assert.match(none.body, /no endpoints available for service \\"hello:web\\"/);
    front.close();
  });

  it('routes two hosts to two Services through the ingress controller', async () => {
    svcs().create(svc('one', { ports: [{ name: 'http', port: 80 }] }));
    svcs().create(svc('two', { ports: [{ name: 'http', port: 8080 }] }));
    eps().create(endpoints('one', [{ ip: '127.0.0.2', port: b1.port }]));
    eps().create(endpoints('two', [{ ip: '127.0.0.3', port: b2.port }]));
    const ings = env.client.resource('networking.k8s.io', 'Ingress');
    ings.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'two-hosts', namespace: 'default' },
      spec: {
        rules: [
          { host: 'one.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'one', port: { number: 80 } } } }] } },
          { host: 'two.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'two', port: { name: 'http' } } } }] } },
        ],
      },
    });
    const port = proxy.ingress?.httpPort ?? 0;
    await eventually(async () => (await get(port, '/', { host: 'one.test' })).body.startsWith('b1'));
    const two = await get(port, '/page', { host: 'two.test' });
    assert.match(two.body, /^b2 \/page host=two\.test/);
    assert.equal((await get(port, '/', { host: 'three.test' })).status, 404);
    const st = ings.get('default', 'two-hosts')?.status as { loadBalancer: { ingress: { ip: string; ports?: { port: number }[] }[] } };
    assert.equal(st.loadBalancer.ingress[0].ip, '127.0.0.1');
    assert.equal(st.loadBalancer.ingress[0].ports?.[0].port, port);
    assert.ok(env.client.resource('networking.k8s.io', 'IngressClass').get(undefined, 'skiff'));
  });

  it('terminates TLS for an Ingress with a TLS Secret, choosing the certificate by SNI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-ing-tls-'));
    try {
      const cred = await ensureCredentials(dir);
      env.client.resource('', 'Secret').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': cred.serverCert, 'tls.key': cred.serverKey } });
      env.client.resource('networking.k8s.io', 'Ingress').create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'secure', namespace: 'default' },
        spec: { tls: [{ hosts: ['secure.test'], secretName: 'tls' }], rules: [{ host: 'secure.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'one', port: { number: 80 } } } }] } }] },
      });
      const port = await eventually(() => proxy.ingress?.httpsPort);
      const body = await eventually(
        () =>
          new Promise<string>((resolve, reject) => {
            const req = httpsRequest({ host: '127.0.0.1', port, path: '/x', servername: 'secure.test', headers: { host: 'secure.test' }, ca: cred.caCert, checkServerIdentity: () => undefined, agent: false }, (res) => {
              let b = '';
              res.on('data', (d: Buffer) => (b += d.toString()));
              res.on('end', () => resolve(b));
            });
            req.on('error', reject);
            req.end();
          }),
      );
      assert.match(body, /^b1 \/x host=secure\.test/);
      const st = env.client.resource('networking.k8s.io', 'Ingress').get('default', 'secure')?.status as { loadBalancer: { ingress: { ports?: { port: number }[] }[] } };
      await eventually(() => (env.client.resource('networking.k8s.io', 'Ingress').get('default', 'secure')?.status as typeof st).loadBalancer.ingress[0].ports?.some((p) => p.port === port));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts kube-dns back when it is deleted', async () => {
    svcs().delete('kube-system', 'kube-dns');
    await eventually(() => (svcs().get('kube-system', 'kube-dns')?.spec as { clusterIP?: string } | undefined)?.clusterIP === '10.96.0.10');
    await eventually(() => (eps().get('kube-system', 'kube-dns')?.subsets as { addresses: { ip: string }[] }[] | undefined)?.[0]?.addresses[0].ip === '127.0.0.1');
  });

  it('compiles NetworkPolicies against pod IPs', async () => {
    const pods = env.client.resource('', 'Pod');
    pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    pods.modify('default', 'p1', (o) => {
      o.status = { phase: 'Running', podIP: '10.244.0.9' };
    }, { status: true });
    env.client.resource('networking.k8s.io', 'NetworkPolicy').create({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'default' }, spec: { podSelector: {} } });
    await eventually(() => dp.applied.at(-1)?.filter.rules.some((l) => l.includes('-d 10.244.0.9/32 -j')));
  });
});

describe('ServiceProxy without a kernel data path', () => {
  it('says so with events, leaves pods on Docker DNS, and still serves 127.0.0.1 relays', async () => {
    const env = newTestEnv({ namespaces: ['default', 'kube-system'] });
    const dp: Dataplane = { unavailable: 'not on Linux', ready: false, warnings: [], localnet: false, start: async () => {}, apply: async () => {}, stop: async () => {} };
    const b = await backend('127.0.0.2', 'solo');
    const proxy = new ServiceProxy(env.ctx, { dataplane: dp, docker: false, ingress: false, debounceMs: 1 });
    try {
      env.client.resource('networking.k8s.io', 'NetworkPolicy').create({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'default' }, spec: { podSelector: {} } });
      proxy.start();
      await proxy.initialized;
      assert.equal(env.ctx.network.dnsServerIP, undefined);
      const events = () => env.client.resource('', 'Event').list().items.map((e) => `${(e.involvedObject as { kind: string }).kind}/${e.reason}`);
      await eventually(() => events().includes('Node/ServiceProxyUnavailable') && events().includes('NetworkPolicy/NetworkPolicyNotEnforced'));
      env.client.resource('', 'Service').create(svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }));
      env.client.resource('', 'Endpoints').create(endpoints('np', [{ ip: '127.0.0.2', port: b.port }]));
      const nodePort = ((env.client.resource('', 'Service').get('default', 'np')?.spec as { ports: { nodePort: number }[] }).ports[0]).nodePort;
      await eventually(async () => (await get(nodePort).catch(() => ({ body: '' }))).body.startsWith('solo'));
    } finally {
      await proxy.stop();
      b.server.close();
      env.close();
    }
  });
});
