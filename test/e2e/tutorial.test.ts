/**
 * The official "Kubernetes Basics" tutorial, step by step, with the real kubectl against a
 * real `skiff serve` running real Docker containers: create a deployment (protobuf), inspect
 * it, exec into the pod, reach it through `kubectl proxy`, expose it as a NodePort and call it
 * from the host, label, scale, roll out a new image, roll out a broken one
 * (ImagePullBackOff), and undo.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { startCluster, eventually, dockerAvailable, KUBECTL, type Cluster } from './harness.js';

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = get(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error('timeout')));
  });
}

const haveDocker = dockerAvailable();

describe('Kubernetes Basics tutorial', { skip: haveDocker ? false : 'no Docker engine on this machine' }, () => {
  let c: Cluster;
  let pod = '';
  before(async () => {
    // A second tag of the test image stands in for the tutorial's "v2" image.
    spawnSync('docker', ['tag', 'skiff-test/httpd:1', 'skiff-test/httpd:2']);
    c = await startCluster();
  });
  after(async () => {
    await c.kubectl(['delete', 'deployment', 'kubernetes-bootcamp', '--ignore-not-found']);
    await c.stop();
  });

  it('1. create a deployment and see its pod run', async () => {
    assert.match(await c.k(['create', 'deployment', 'kubernetes-bootcamp', '--image=skiff-test/httpd:1']), /created/);
    await eventually(async () => /1\/1\s+1\s+1/.test(await c.k(['get', 'deployments'])), 60_000);
    pod = (await c.k(['get', 'pods', '-o', 'go-template', '--template', '{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}'])).trim();
    assert.match(pod, /^kubernetes-bootcamp-[a-z0-9]+-[a-z0-9]{5}$/);
    const d = await c.k(['describe', 'pods']);
    assert.match(d, /Status:\s+Running/);
    assert.match(d, /IP:\s+10\.\d+\.\d+\.\d+/);
  });

  it('2. exec runs commands in the container; logs are served', async () => {
    const env = await c.k(['exec', pod, '--', 'env']);
    assert.match(env, /KUBERNETES_SERVICE_HOST=|HOSTNAME=kubernetes-bootcamp/);
    assert.match(await c.k(['exec', pod, '--', 'cat', '/www/index.html']), /<h1>skiff-test<\/h1>/);
    const r = await c.kubectl(['exec', pod, '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3, 'kubectl exec exits with the command status');
    await c.k(['logs', pod]);
  });

  it('3. kubectl proxy reaches the API and the pod', async () => {
    const proxy = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, 'proxy', '--port=0']);
    let out = '';
    proxy.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await eventually(() => /127\.0\.0\.1:(\d+)/.exec(out)?.[1], 10_000);
      const version = await httpGet(`http://127.0.0.1:${port}/version`);
      assert.match(version.body, /"gitVersion": ?"v1\.32/);
      const viaProxy = await httpGet(`http://127.0.0.1:${port}/api/v1/namespaces/default/pods/${pod}:80/proxy/`);
      assert.equal(viaProxy.status, 200);
      assert.match(viaProxy.body, /skiff-test/);
    } finally {
      proxy.kill();
    }
  });

  it('4. expose as a NodePort and call it from the host', async () => {
    assert.match(await c.k(['expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '80']), /exposed/);
    const nodePort = await c.k(['get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}']);
    assert.match(nodePort, /^3\d{4}$/);
    await eventually(async () => (await httpGet(`http://127.0.0.1:${nodePort}/`)).body.includes('skiff-test'), 30_000);
    const ep = await c.k(['describe', 'services/kubernetes-bootcamp']);
    assert.match(ep, /Endpoints:\s+10\.\d+\.\d+\.\d+:80/);
  });

  it('5. labels select objects; delete service by label', async () => {
    await c.k(['label', 'pods', pod, 'version=v1']);
    assert.match(await c.k(['get', 'pods', '-l', 'version=v1']), new RegExp(pod));
    assert.match(await c.k(['get', 'services', '-l', 'app=kubernetes-bootcamp']), /kubernetes-bootcamp/);
    assert.match(await c.k(['delete', 'service', '-l', 'app=kubernetes-bootcamp']), /deleted/);
  });

  it('6. scale up and down', async () => {
    await c.k(['scale', 'deployments/kubernetes-bootcamp', '--replicas=4']);
    await eventually(async () => /4\/4\s+4\s+4/.test(await c.k(['get', 'deployments'])), 90_000);
    const rs = await c.k(['get', 'rs']);
    assert.match(rs, /kubernetes-bootcamp-[a-z0-9]+\s+4\s+4\s+4/);
    const wide = await c.k(['get', 'pods', '-o', 'wide']);
    assert.equal((wide.match(/10\.\d+\.\d+\.\d+/g) ?? []).length, 4, 'four pods, four IPs');
    await c.k(['scale', 'deployments/kubernetes-bootcamp', '--replicas=2']);
    await eventually(async () => (await c.k(['get', 'pods', '-o', 'name'])).trim().split('\n').length === 2, 90_000);
  });

  it('7. rolling update, a broken image, and undo', async () => {
    await c.k(['set', 'image', 'deployments/kubernetes-bootcamp', 'httpd=skiff-test/httpd:2']);
    const st = await c.kubectl(['rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=120s'], { timeoutMs: 130_000 });
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /successfully rolled out/);
    await c.k(['set', 'image', 'deployments/kubernetes-bootcamp', 'httpd=skiff-test/does-not-exist:10']);
    await eventually(async () => /ErrImagePull|ImagePullBackOff/.test(await c.k(['get', 'pods'])), 60_000);
    assert.match(await c.k(['get', 'pods', '--field-selector', 'status.phase=Pending']), /ErrImagePull|ImagePullBackOff/);
    const desc = await c.k(['describe', 'pods', '-l', 'app=kubernetes-bootcamp']);
    assert.match(desc, /Failed to pull image "skiff-test\/does-not-exist:10"|ErrImagePull/);
    await c.k(['rollout', 'undo', 'deployments/kubernetes-bootcamp']);
    const st2 = await c.kubectl(['rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=120s'], { timeoutMs: 130_000 });
    assert.equal(st2.code, 0, st2.stderr);
    // Pods of earlier steps may still be terminating (httpd as PID 1 ignores SIGTERM and waits
    // out its grace period, as on any cluster): look at the live ones.
    const list = JSON.parse(await c.k(['get', 'pods', '-o', 'json'])) as { items: { metadata: { deletionTimestamp?: string }; spec: { containers: { image: string }[] } }[] };
    const live = list.items.filter((p) => !p.metadata.deletionTimestamp);
    assert.ok(live.length > 0);
    for (const p of live) assert.equal(p.spec.containers[0].image, 'skiff-test/httpd:2');
    assert.match(await c.k(['rollout', 'history', 'deployments/kubernetes-bootcamp']), /REVISION/);
  });
});
