/**
 * Services, cluster DNS, NetworkPolicy and Ingress on real Docker containers, without the
 * kubelet: an in-process engine (API + this component), "pods" made directly with the container
 * runtime (a sandbox on the cluster network with the DNS config the kubelet would give it, plus a
 * busybox container), Pod objects carrying their IPs and labels, and Endpoints written by the
 * test as the endpoints controller would. What this proves is the data path: the kernel rules,
 * cluster DNS as pods see it through Docker's embedded resolver, the 127.0.0.1 relays, policy
 * enforcement. test/e2e/network.test.ts drives the same things through kubectl and the kubelet.
 *
 * Linux with Docker only (skipped elsewhere). Uses its own cluster name, network and address
 * ranges, so it can run while other Skiff clusters are up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { KubeObject } from '../../engine/api/types.js';
import type { Engine } from '../../engine/engine.js';
import type { ServiceProxy } from '../../engine/proxy/proxy.js';
import type { DockerRuntime } from '../../engine/kubelet/runtime/docker.js';
import { CLASS_IN, TYPE, decode, encode } from '../../engine/dns/message.js';
import { podDnsConfig } from '../../engine/network.js';
import { freeSubnet, removeDockerObjects, trackCluster } from './harness.js';

const dockerOk = process.platform === 'linux' && spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 && spawnSync('docker', ['image', 'inspect', 'skiff-test/busybox:1'], { stdio: 'ignore' }).status === 0;

interface TestPod {
  name: string;
  ip: string;
  sandbox: string;
  container: string;
}

async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000, every = 200): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('network data path on Docker', { skip: !dockerOk && 'needs Linux Docker and the test images (bash test/images/build.sh)' }, () => {
  const id = randomUUID().slice(0, 6);
  const cluster = `nt${id}`;
  let engine: Engine;
  let proxy: ServiceProxy;
  let rt: DockerRuntime;
  let dataDir: string;
  let upstream: dgram.Socket;
  const pods: TestPod[] = [];
  const ns = 'default';

  const client = () => engine.client;
  const svcs = () => client().resource('', 'Service');
  const eps = () => client().resource('', 'Endpoints');

  /** Runs a "pod": sandbox with cluster DNS + one busybox container; records a Pod object. */
  async function runPod(name: string, labels: Record<string, string>, script: string, namespace = ns, extra: { hostname?: string; subdomain?: string } = {}): Promise<TestPod> {
    const podObj = client()
      .resource('', 'Pod')
      .create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'skiff-test/busybox:1', ports: [{ name: 'http', containerPort: 8080 }] }], ...(extra.hostname && { hostname: extra.hostname }), ...(extra.subdomain && { subdomain: extra.subdomain }) } });
    const dns = podDnsConfig(podObj, engine.context.network);
    const uid = podObj.metadata.uid as string;
    const sb = await rt.createSandbox({
      cluster,
      node: 'test-node',
      pod: { namespace, name, uid },
      attempt: 0,
      network: engine.context.network.networkName,
      hostname: extra.hostname ?? name,
      ...(dns && { dns: { servers: dns.nameservers, searches: dns.searches, options: dns.options.map((o) => (o.value ? `${o.name}:${o.value}` : o.name)) } }),
    });
    const c = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: 'skiff-test/busybox:1', command: ['sh', '-c', script] });
    await rt.startContainer(c);
    client()
      .resource('', 'Pod')
      .modify(namespace, name, (o) => {
        o.status = { phase: 'Running', podIP: sb.ip, podIPs: [{ ip: sb.ip }] };
      }, { status: true });
    const p = { name, ip: sb.ip ?? '', sandbox: sb.id, container: c };
    pods.push(p);
    return p;
  }

  /** An HTTP server pod answering its own name on :8080. */
  const webPod = (name: string, labels: Record<string, string>, namespace = ns) => runPod(name, labels, 'echo $(hostname) > /www/index.html; exec httpd -f -p 8080 -h /www', namespace);

  async function sh(p: TestPod, script: string): Promise<{ code: number; out: string }> {
    const s = await rt.exec(p.container, { cmd: ['sh', '-c', script] });
    let out = '';
    s.stdout.on('data', (d: Buffer) => (out += d.toString()));
    s.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await s.wait();
    return { code, out: out.trim() };
  }

  /** busybox wget in a pod (its -T segfaults in Debian's 1.35: `timeout` bounds it instead). */
  const wget = (p: TestPod, url: string, secs = 3) => sh(p, `timeout ${secs} wget -q -O - ${url}`);

  function endpointsFor(name: string, ps: TestPod[], port = 8080, portName = 'http', namespace = ns, hostnames = false): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace },
      subsets: ps.length ? [{ addresses: ps.map((p) => ({ ip: p.ip, ...(hostnames && { hostname: p.name }), targetRef: { kind: 'Pod', namespace, name: p.name } })), ports: [{ name: portName, port, protocol: 'TCP' }] }] : [],
    };
  }

  const clusterIP = (name: string, namespace = ns) => (svcs().get(namespace, name)?.spec as { clusterIP: string }).clusterIP;

  before(async () => {
    // Ranges of our own: a pod subnet no Docker network uses now (Docker refuses overlapping
    // networks, and a random pick could clash with another test cluster's), a service range
    // next to it (service IPs are never a Docker network).
    process.env.SKIFF_POD_SUBNET = freeSubnet();
    process.env.SKIFF_SERVICE_CIDR = `10.${60 + Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 250)}.0/24`;
    process.env.SKIFF_NETWORK_NAME = `skiff-${cluster}`;
    process.env.SKIFF_INGRESS_HTTP_PORT = '0';
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-netd-'));
    // Containers and the network below carry this cluster's label: cleaned up even if the file dies.
    trackCluster(cluster);
    const { Engine } = await import('../../engine/engine.js');
    const { ServiceProxy } = await import('../../engine/proxy/proxy.js');
    const { DockerRuntime } = await import('../../engine/kubelet/runtime/docker.js');
    engine = new Engine({ dataDir, port: 0, apiOnly: true, noNode: true, clusterName: cluster });
    await engine.start();
    rt = new DockerRuntime();
    // A stand-in for the host's resolver (this machine may have no outside DNS): answers every A
    // question for *.outside.test with 192.0.2.77.
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (m, r) => {
      const q = decode(m);
      const ok = q.questions[0].name.endsWith('outside.test');
      const ans = ok && q.questions[0].type === TYPE.A ? [{ name: q.questions[0].name, type: TYPE.A, class: CLASS_IN, ttl: 0, data: '192.0.2.77' }] : [];
      upstream.send(encode({ ...q, flags: { ...q.flags, qr: true, ra: true, rcode: ok ? 0 : 3 }, answers: ans }), r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    proxy = new ServiceProxy(engine.context, { debounceMs: 5, upstreams: [{ host: '127.0.0.1', port: upstream.address().port }] });
    proxy.start();
    await proxy.initialized;
    assert.equal(proxy.dataplane?.unavailable, undefined, 'the kernel data path must be available on Linux Docker');
  });

  after(async () => {
    await Promise.all(pods.map((p) => rt.removeSandbox(p.sandbox).catch(() => undefined)));
    await proxy?.stop();
    await engine?.stop();
    await rt?.removeNetwork(`skiff-${cluster}`).catch(() => undefined);
    // Whatever else carries the cluster's label (and forget the cluster: it is clean).
    removeDockerObjects(cluster);
    upstream?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let client1: TestPod;
  let web: TestPod[];

  it('reaches a Service by short name, FQDN and ClusterIP, from every backend', async () => {
    web = await Promise.all([webPod('web-a', { app: 'web' }), webPod('web-b', { app: 'web' }), webPod('web-c', { app: 'web' })]);
    client1 = await runPod('client', { app: 'client' }, 'exec sleep 3600');
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    eps().create(endpointsFor('web', web));
    const ip = clusterIP('web');
    await eventually(async () => (await wget(client1, 'http://web/')).code === 0);
    for (const url of ['http://web/', 'http://web.default/', 'http://web.default.svc/', 'http://web.default.svc.cluster.local/', `http://${ip}/`]) {
      const r = await wget(client1, url);
      assert.equal(r.code, 0, `${url}: ${r.out}`);
      assert.match(r.out, /^web-[abc]$/, url);
    }
    const seen = new Set<string>();
    const r = await sh(client1, 'for i in $(seq 30); do wget -q -O - http://web/; done');
    for (const l of r.out.split('\n')) seen.add(l.trim());
    assert.deepEqual([...seen].sort(), ['web-a', 'web-b', 'web-c']);
  });

  it('follows endpoint changes (scale down, a pod leaving, scale up)', async () => {
    eps().modify(ns, 'web', (o) => {
      o.subsets = endpointsFor('web', [web[0]]).subsets;
    });
    await eventually(async () => {
      const r = await sh(client1, 'for i in $(seq 8); do wget -q -O - http://web/; done');
      return r.out.split('\n').every((l) => l === 'web-a');
    });
    eps().modify(ns, 'web', (o) => {
      o.subsets = endpointsFor('web', [web[1], web[2]]).subsets;
    });
    await eventually(async () => {
      const r = await sh(client1, 'for i in $(seq 12); do wget -q -O - http://web/; done');
      const got = new Set(r.out.split('\n'));
      return !got.has('web-a') && got.has('web-b') && got.has('web-c');
    });
    // No ready endpoint: refused at once, not a hang.
    eps().modify(ns, 'web', (o) => {
      o.subsets = [];
    });
    await eventually(async () => {
      const t0 = Date.now();
      const r = await wget(client1, 'http://web/', 5);
      return r.code !== 0 && Date.now() - t0 < 2500;
    });
    eps().modify(ns, 'web', (o) => {
      o.subsets = endpointsFor('web', web).subsets;
    });
    await eventually(async () => (await wget(client1, 'http://web/')).code === 0);
  });

  it('lets a pod reach itself through its own Service (hairpin)', async () => {
    const r = await sh(web[0], 'for i in $(seq 9); do timeout 3 wget -q -O - http://web.default.svc.cluster.local/ || echo FAIL; done');
    assert.ok(!r.out.includes('FAIL'), r.out);
    assert.ok(r.out.split('\n').includes('web-a'), r.out);
  });

  it('keeps a client on one backend with sessionAffinity ClientIP', async () => {
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'sticky', namespace: ns }, spec: { selector: { app: 'web' }, sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    eps().create(endpointsFor('sticky', web));
    await eventually(async () => (await wget(client1, 'http://sticky/')).code === 0);
    const r = await sh(client1, 'for i in $(seq 10); do wget -q -O - http://sticky/; done');
    assert.equal(new Set(r.out.split('\n')).size, 1, r.out);
  });

  it('answers headless names with every ready pod, and StatefulSet-style pod names', async () => {
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-h', namespace: ns }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] } });
    eps().create(endpointsFor('web-h', web, 8080, 'http', ns, true));
    const out = await eventually(async () => {
      const r = await sh(client1, 'nslookup web-h.default.svc.cluster.local');
      return web.every((p) => r.out.includes(p.ip)) && r.out;
    });
    assert.ok(out);
    const one = await sh(client1, 'nslookup web-b.web-h.default.svc.cluster.local');
    assert.ok(one.out.includes(web[1].ip), one.out);
    assert.equal((await wget(client1, 'http://web-c.web-h:8080/')).out, 'web-c');
  });

  it('carries UDP to a ClusterIP (a DNS-speaking backend on the node, queried by nslookup)', async () => {
    // Two UDP "endpoints" on the bridge gateway answer DNS questions with their own marker IP.
    const gw = proxy.gateway as string;
    const servers = await Promise.all(
      ['192.0.2.1', '192.0.2.2'].map(
        (marker) =>
          new Promise<{ sock: dgram.Socket; port: number }>((resolve) => {
            const sock = dgram.createSocket('udp4');
            sock.on('message', (m, r) => {
              const q = decode(m);
              const ans = q.questions[0].type === TYPE.A ? [{ name: q.questions[0].name, type: TYPE.A, class: CLASS_IN, ttl: 0, data: marker }] : [];
              sock.send(encode({ ...q, flags: { ...q.flags, qr: true, ra: true }, answers: ans }), r.port, r.address);
            });
            sock.bind(0, gw, () => resolve({ sock, port: sock.address().port }));
          }),
      ),
    );
    try {
      svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'udp', namespace: ns }, spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } });
      eps().create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'udp', namespace: ns }, subsets: servers.map((s) => ({ addresses: [{ ip: gw }], ports: [{ name: 'dns', port: s.port, protocol: 'UDP' }] })) });
      const vip = clusterIP('udp');
      const seen = new Set<string>();
      await eventually(async () => {
        const r = await sh(client1, `for i in 1 2 3 4 5 6 7 8; do nslookup probe$i.example ${vip}; done`);
        for (const m of ['192.0.2.1', '192.0.2.2']) if (r.out.includes(m)) seen.add(m);
        return seen.size === 2;
      });
    } finally {
      for (const s of servers) s.sock.close();
    }
  });

  it('resolves names outside the cluster through the upstream resolver, and ExternalName to them', async () => {
    const r = await sh(client1, 'nslookup www.outside.test');
    assert.match(r.out, /192\.0\.2\.77/);
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: ns }, spec: { type: 'ExternalName', externalName: 'db.outside.test' } });
    await eventually(async () => /192\.0\.2\.77/.test((await sh(client1, 'nslookup ext.default.svc.cluster.local')).out));
  });

  it('stops resolving a deleted Service', async () => {
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'doomed', namespace: ns }, spec: { ports: [{ port: 80 }] } });
    await eventually(async () => (await sh(client1, 'nslookup doomed.default.svc.cluster.local')).code === 0);
    svcs().delete(ns, 'doomed');
    await eventually(async () => {
      const r = await sh(client1, 'nslookup doomed.default.svc.cluster.local');
      return r.code !== 0 && /NXDOMAIN|can't find/i.test(r.out);
    });
  });

  it('reaches NodePort and LoadBalancer Services from the host on 127.0.0.1', async () => {
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-np', namespace: ns }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    eps().create(endpointsFor('web-np', web));
    const nodePort = (svcs().get(ns, 'web-np')?.spec as { ports: { nodePort: number }[] }).ports[0].nodePort;
    const seen = new Set<string>();
    await eventually(async () => {
      seen.add((await httpGet(`http://127.0.0.1:${nodePort}/`)).body.trim());
      return seen.size === 3;
    });
    const lbPort = 20000 + Math.floor(Math.random() * 9000);
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-lb', namespace: ns }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: lbPort, targetPort: 8080 }] } });
    eps().create(endpointsFor('web-lb', web));
    await eventually(() => (svcs().get(ns, 'web-lb')?.status as { loadBalancer: { ingress?: { ip: string }[] } }).loadBalancer.ingress?.[0]?.ip === '127.0.0.1');
    assert.match((await httpGet(`http://127.0.0.1:${lbPort}/`)).body, /^web-[abc]/);
    // From a pod, the node port answers on the node's address too (kernel rule).
    const node = proxy.gateway as string;
    assert.match((await wget(client1, `http://${node}:${nodePort}/`)).out, /^web-[abc]$/);
  });

  it('serves services/NAME:PORT/proxy through the API server', async () => {
    const ctx = engine.context;
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`${ctx.apiServer.url}/api/v1/namespaces/default/services/web:http/proxy/`, { ca: ctx.apiServer.caCert, headers: { authorization: `Bearer ${ctx.apiServer.token}` } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`${res.statusCode}: ${b}`))));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(body.trim(), /^web-[abc]$/);
  });

  it('enforces NetworkPolicy: default deny blocks, an allow rule lets the allowed client through', async () => {
    const other = await runPod('other', { app: 'other' }, 'exec sleep 3600');
    assert.equal((await wget(other, `http://${web[0].ip}:8080/`)).code, 0);
    const netpols = client().resource('networking.k8s.io', 'NetworkPolicy');
    netpols.create({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: ns }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] } });
    await eventually(async () => (await wget(client1, `http://${web[0].ip}:8080/`, 2)).code !== 0);
    assert.notEqual((await wget(client1, 'http://web/', 2)).code, 0, 'through the ClusterIP too');
    netpols.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-client', namespace: ns },
      spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'http' }] }] },
    });
    await eventually(async () => (await wget(client1, 'http://web/', 2)).code === 0);
    assert.equal((await wget(client1, `http://${web[1].ip}:8080/`)).code, 0);
    assert.notEqual((await wget(other, `http://${web[1].ip}:8080/`, 2)).code, 0, 'a pod the policy does not name is still denied');
    // Egress: the client may only talk to app=web.
    netpols.create({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'client-egress', namespace: ns }, spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }] }] } });
    const probe = await runPod('probe', { app: 'probe' }, 'echo probe > /www/index.html; exec httpd -f -p 8080 -h /www');
    await eventually(async () => (await wget(client1, `http://${probe.ip}:8080/`, 2)).code !== 0);
    assert.equal((await wget(client1, 'http://web/')).code, 0, 'DNS and the allowed egress still work');
    for (const n of ['deny-all', 'allow-client', 'client-egress']) netpols.delete(ns, n);
    await eventually(async () => (await wget(other, `http://${web[1].ip}:8080/`)).code === 0);
  });

  it('routes two hosts to two Services through the ingress controller', async () => {
    const other = await webPod('other-web', { app: 'other-web' });
    svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'other-web', namespace: ns }, spec: { selector: { app: 'other-web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    eps().create(endpointsFor('other-web', [other]));
    client()
      .resource('networking.k8s.io', 'Ingress')
      .create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'hosts', namespace: ns },
        spec: {
          rules: [
            { host: 'web.localhost', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
            { host: 'other.localhost', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'other-web', port: { name: 'http' } } } }] } },
          ],
        },
      });
    const port = proxy.ingress?.httpPort as number;
    await eventually(async () => /^web-[abc]$/.test((await httpGet(`http://127.0.0.1:${port}/`, { host: 'web.localhost' })).body.trim()));
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`, { host: 'other.localhost' })).body.trim(), 'other-web');
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`, { host: 'nobody.localhost' })).status, 404);
  });

  it('reaches the API server from a pod through the kubernetes Service', async () => {
    // The core controllers maintain default/kubernetes → 127.0.0.1:<API port>; without them
    // (apiOnly engine) the test writes the same objects.
    if (!svcs().get(ns, 'kubernetes')) {
      svcs().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: ns }, spec: { ports: [{ name: 'https', port: 443, targetPort: engine.port }] } });
      eps().create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: ns }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: engine.port, protocol: 'TCP' }] }] });
    }
    const kip = clusterIP('kubernetes');
    await eventually(async () => (await sh(client1, `echo | timeout 3 nc ${kip} 443 && echo connected`)).out.includes('connected'));
  });

  it('a restarted proxy picks up where the old one left: names and VIPs work again', async () => {
    const oldPort = proxy.dns?.address?.port;
    await proxy.stop();
    await eventually(async () => (await wget(client1, 'http://web/', 2)).code !== 0);
    const { ServiceProxy } = await import('../../engine/proxy/proxy.js');
    proxy = new ServiceProxy(engine.context, { debounceMs: 5, upstreams: [{ host: '127.0.0.1', port: upstream.address().port }] });
    proxy.start();
    await proxy.initialized;
    assert.notEqual(proxy.dns?.address?.port, undefined);
    assert.ok(oldPort !== undefined);
    await eventually(async () => /^web-[abc]$/.test((await wget(client1, 'http://web.default.svc.cluster.local/')).out));
  });
});
