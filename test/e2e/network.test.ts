/**
 * Services, cluster DNS, NetworkPolicy and Ingress (issue D) with the real kubectl, the real
 * kubelet and real containers: a `skiff serve` of its own (cluster name, pod subnet), pods made
 * by Deployments and StatefulSets, Endpoints by the endpoints controller, and every check made
 * from a client pod (`kubectl exec … wget/nslookup`) or from the host, as a user would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { KUBECTL, dockerAvailable, eventually, freeSubnet, startCluster, tempDir, type Cluster } from './harness.js';
import { removeDockerObjects } from './kubelet-cluster.js';

const BUSYBOX = 'skiff-test/busybox:1';

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A web Deployment whose pods answer their own name on :8080 and are Ready when they serve. */
function webDeployment(name: string, replicas: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: ${BUSYBOX}
        command: [sh, -c, 'hostname > /www/index.html; exec httpd -f -p 8080 -h /www']
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /index.html, port: http}
          periodSeconds: 1
          failureThreshold: 1
`;
}

/** Starts a long-running kubectl (port-forward, proxy) and resolves with the port it printed. */
function background(c: Cluster, args: string[], pattern: RegExp): Promise<{ port: number; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => (proc.kill(), reject(new Error(`kubectl ${args.join(' ')}: no port in ${out}`))), 20_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ port: Number(m[1]), proc });
      }
    };
    proc.stdout.on('data', on);
    proc.stderr.on('data', on);
    proc.on('exit', () => reject(new Error(`kubectl ${args.join(' ')} exited: ${out}`)));
  });
}

describe('Services, DNS, NetworkPolicy and Ingress through kubectl', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  let c: Cluster;
  const name = `nw${randomBytes(3).toString('hex')}`;
  // A /16 no Docker network uses now: a random pick could overlap another test cluster's
  // network, which Docker refuses ("pool overlaps"), and no pod would ever start.
  const subnet = dockerAvailable() ? freeSubnet() : '10.200.0.0/16';
  const dataDir = tempDir('skiff-network-');
  const bg: ChildProcess[] = [];

  const exec = (pod: string, script: string) => c.kubectl(['exec', pod, '--', 'sh', '-c', script], { timeoutMs: 60_000 });
  const wget = (pod: string, url: string, secs = 3) => exec(pod, `timeout ${secs} wget -q -O - ${url}`);
  /** The set of hostnames answering `url` over n requests from the client pod. */
  const backends = async (url: string, n = 20) => new Set((await exec('client', `for i in $(seq ${n}); do timeout 3 wget -q -O - ${url} || echo FAIL; done`)).stdout.split('\n').filter(Boolean));
  /** Running pods that are not being deleted. */
  const podNames = async (label: string) =>
    (await c.k(['get', 'pods', '-l', label, '--field-selector=status.phase=Running', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.metadata.deletionTimestamp}{"\\n"}{end}']))
      .split('\n')
      .filter((l) => l.endsWith('|'))
      .map((l) => l.slice(0, -1))
      .sort();
  const ready = async (label: string, n: number) => {
    try {
      return await eventually(async () => {
        const out = await c.k(['get', 'pods', '-l', label, '-o', 'jsonpath={range .items[*]}{.metadata.deletionTimestamp}{"|"}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
        const live = out.split('\n').filter((l) => l && !l.startsWith('2'));
        return live.length === n && live.every((l) => l === '|True');
      }, 90_000);
    } catch (e) {
      // Say why (a setup timeout once gave nothing to go on): pods, events, the engine's log.
      const pods = await c.kubectl(['get', 'pods', '-o', 'wide']);
      const events = await c.kubectl(['get', 'events', '--sort-by=.lastTimestamp']);
      throw new Error(`${(e as Error).message}: pods ${label} not Ready\n${pods.stdout}${pods.stderr}\n${events.stdout.split('\n').slice(-30).join('\n')}\n--- engine output (tail) ---\n${c.output().slice(-4000)}`);
    }
  };

  before(async () => {
    c = await startCluster({ dataDir, env: { SKIFF_CLUSTER_NAME: name, SKIFF_POD_SUBNET: subnet, SKIFF_INGRESS_HTTP_PORT: '0' } });
    await c.k(['apply', '-f', '-'], { input: webDeployment('web', 3) });
    await c.k(['expose', 'deployment', 'web', '--port=80', '--target-port=http']);
    await c.k(['run', 'client', `--image=${BUSYBOX}`, '--labels=app=client', '--', 'sleep', '3600']);
    await ready('app=web', 3);
    await ready('app=client', 1);
  });

  after(async () => {
    for (const p of bg) p.kill();
    if (c) await c.stop();
    removeDockerObjects(name);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('pods get the cluster resolver and search path', async () => {
    const r = await exec('client', 'cat /etc/resolv.conf');
    assert.match(r.stdout, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    assert.match(r.stdout, /options ndots:5/);
    const dns = await c.k(['get', 'svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}']);
    assert.equal(dns, '10.96.0.10');
  });

  it('wget the Service by short name, FQDN and ClusterIP; every backend answers', async () => {
    const ip = await c.k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    await eventually(async () => (await wget('client', 'http://web/')).code === 0, 30_000);
    for (const url of ['http://web/', 'http://web.default/', 'http://web.default.svc/', 'http://web.default.svc.cluster.local/', `http://${ip}/`]) {
      const r = await wget('client', url);
      assert.equal(r.code, 0, `${url}: ${r.stderr}`);
      assert.match(r.stdout.trim(), /^web-/, url);
    }
    const pods = await podNames('app=web');
    assert.deepEqual([...(await backends('http://web/', 30))].sort(), pods);
  });

  it('endpoints follow scale-down, scale-up and pod deletion', async () => {
    await c.k(['scale', 'deployment', 'web', '--replicas=1']);
    await ready('app=web', 1);
    const one = await podNames('app=web');
    await eventually(async () => {
      const got = await backends('http://web/', 8);
      return got.size === 1 && got.has(one[0]);
    }, 30_000);
    await c.k(['scale', 'deployment', 'web', '--replicas=3']);
    await ready('app=web', 3);
    await eventually(async () => (await backends('http://web/', 30)).size === 3, 30_000);
    const victim = (await podNames('app=web'))[0];
    await c.k(['delete', 'pod', victim, '--wait=false']);
    await ready('app=web', 3);
    await eventually(async () => {
      const got = await backends('http://web/', 30);
      return !got.has(victim) && !got.has('FAIL') && got.size === 3;
    }, 60_000);
  });

  it('a pod that turns unready leaves the rotation', async () => {
    const [sick] = await podNames('app=web');
    await c.k(['exec', sick, '--', 'rm', '/www/index.html']);
    await eventually(async () => !(await backends('http://web/', 12)).has(sick), 15_000);
    await c.k(['exec', sick, '--', 'sh', '-c', 'hostname > /www/index.html']);
    await eventually(async () => (await backends('http://web/', 30)).has(sick), 15_000);
  });

  it('NodePort and LoadBalancer are reachable from the host on 127.0.0.1', async () => {
    await c.k(['expose', 'deployment', 'web', '--name=web-np', '--type=NodePort', '--port=80', '--target-port=8080']);
    const nodePort = Number(await c.k(['get', 'svc', 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    await eventually(async () => /^web-/.test((await httpGet(`http://127.0.0.1:${nodePort}/`)).body), 20_000);
    const lbPort = 20000 + (randomBytes(2).readUInt16BE(0) % 9000);
    await c.k(['expose', 'deployment', 'web', '--name=web-lb', '--type=LoadBalancer', `--port=${lbPort}`, '--target-port=8080']);
    await eventually(async () => (await c.k(['get', 'svc', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) === '127.0.0.1', 20_000);
    const table = await c.k(['get', 'svc', 'web-lb']);
    assert.match(table, /LoadBalancer\s+\S+\s+127\.0\.0\.1\s+/);
    assert.match((await httpGet(`http://127.0.0.1:${lbPort}/`)).body, /^web-/);
  });

  it('headless DNS returns every ready pod; StatefulSet pods have their own names', async () => {
    await c.k(['apply', '-f', '-'], {
      input: `
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: ${BUSYBOX}
        command: [sh, -c, 'hostname > /www/index.html; exec httpd -f -p 8080 -h /www']
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`,
    });
    await ready('app=db', 2);
    const ips = (await c.k(['get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[*].status.podIP}'])).split(' ').sort();
    await eventually(async () => {
      const r = await exec('client', 'nslookup db.default.svc.cluster.local');
      return ips.every((ip) => r.stdout.includes(ip));
    }, 30_000);
    const ip0 = await c.k(['get', 'pod', 'db-0', '-o', 'jsonpath={.status.podIP}']);
    const r = await exec('client', 'nslookup db-0.db.default.svc.cluster.local');
    assert.ok(r.stdout.includes(ip0), r.stdout + r.stderr);
    assert.equal((await wget('client', 'http://db-1.db:8080/')).stdout.trim(), 'db-1');
  });

  it('port-forward to a Service and to a Deployment', async () => {
    for (const target of ['svc/web', 'deployment/web']) {
      const pf = await background(c, ['port-forward', target, target === 'svc/web' ? ':80' : ':8080'], /Forwarding from 127\.0\.0\.1:(\d+)/);
      bg.push(pf.proc);
      assert.match((await httpGet(`http://127.0.0.1:${pf.port}/`)).body, /^web-/, target);
      pf.proc.kill();
    }
  });

  it('kubectl proxy reaches services/NAME:PORT/proxy and pods/NAME:PORT/proxy', async () => {
    const p = await background(c, ['proxy', '--port=0'], /Starting to serve on 127\.0\.0\.1:(\d+)/);
    bg.push(p.proc);
    const svc = await httpGet(`http://127.0.0.1:${p.port}/api/v1/namespaces/default/services/web:80/proxy/`);
    assert.equal(svc.status, 200, svc.body);
    assert.match(svc.body, /^web-/);
    const named = await httpGet(`http://127.0.0.1:${p.port}/api/v1/namespaces/default/services/db:http/proxy/`);
    assert.match(named.body, /^db-/);
    const [pod] = await podNames('app=web');
    const viaPod = await httpGet(`http://127.0.0.1:${p.port}/api/v1/namespaces/default/pods/${pod}:8080/proxy/`);
    assert.equal(viaPod.body.trim(), pod);
    p.proc.kill();
  });

  it('a deleted Service stops resolving; ExternalName is a CNAME', async () => {
    await c.k(['create', 'service', 'externalname', 'alias', '--external-name=web.default.svc.cluster.local']);
    await eventually(async () => (await wget('client', 'http://alias/')).stdout.startsWith('web-'), 20_000);
    await c.k(['create', 'service', 'clusterip', 'doomed', '--tcp=80:8080']);
    await eventually(async () => (await exec('client', 'nslookup doomed.default.svc.cluster.local')).code === 0, 20_000);
    await c.k(['delete', 'service', 'doomed']);
    await eventually(async () => {
      const r = await exec('client', 'nslookup doomed.default.svc.cluster.local');
      return r.code !== 0 && /NXDOMAIN|can't find/i.test(r.stdout + r.stderr);
    }, 20_000);
  });

  it('a default-deny NetworkPolicy blocks traffic and an allow rule lets it through', async () => {
    await c.k(['run', 'intruder', `--image=${BUSYBOX}`, '--labels=app=intruder', '--', 'sleep', '3600']);
    await ready('app=intruder', 1);
    assert.equal((await wget('intruder', 'http://web/')).code, 0);
    await c.k(['apply', '-f', '-'], {
      input: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`,
    });
    await eventually(async () => (await wget('client', 'http://web/', 2)).code !== 0, 20_000);
    assert.notEqual((await wget('intruder', 'http://web/', 2)).code, 0);
    await c.k(['apply', '-f', '-'], {
      input: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
`,
    });
    await eventually(async () => (await wget('client', 'http://web/', 2)).code === 0, 20_000);
    assert.notEqual((await wget('intruder', 'http://web/', 2)).code, 0, 'the intruder is still denied');
    await c.k(['delete', 'networkpolicy', 'default-deny', 'web-from-client']);
    await eventually(async () => (await wget('intruder', 'http://web/', 2)).code === 0, 20_000);
  });

  it('an Ingress routes two hosts to two Services', async () => {
    await c.k(['apply', '-f', '-'], { input: webDeployment('blog', 1) });
    await c.k(['expose', 'deployment', 'blog', '--port=8080', '--target-port=http']);
    await ready('app=blog', 1);
    await c.k(['create', 'ingress', 'sites', '--rule=web.localhost/*=web:80', '--rule=blog.localhost/*=blog:8080']);
    assert.equal(await c.k(['get', 'ingressclass', 'skiff', '-o', 'jsonpath={.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}']), 'true');
    const port = Number(
      await eventually(async () => {
        const p = await c.k(['get', 'ingress', 'sites', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ports[0].port}']);
        return p || false;
      }, 20_000),
    );
    await eventually(async () => /^web-/.test((await httpGet(`http://127.0.0.1:${port}/`, { host: 'web.localhost' })).body), 20_000);
    assert.match((await httpGet(`http://127.0.0.1:${port}/`, { host: 'blog.localhost' })).body, /^blog-/);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`, { host: 'nobody.localhost' })).status, 404);
    const table = await c.k(['get', 'ingress', 'sites']);
    assert.match(table, /skiff\s+web\.localhost,blog\.localhost\s+127\.0\.0\.1/);
  });
});
