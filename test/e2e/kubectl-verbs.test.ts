/**
 * The kubectl verbs issue A lists, each driven by the real kubectl v1.32: create generators
 * (protobuf bodies), apply (create / unchanged / configured), patch of all three types,
 * replace with a stale resourceVersion, describe, get -w, wait, explain, api-resources and the
 * output formats.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCluster, writeTemp, eventually, KUBECTL, type Cluster } from './harness.js';

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: skiff-test/busybox:1
        command: ["httpd", "-f", "-p", "8080"]
        ports:
        - containerPort: 8080
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
`;

describe('kubectl verbs', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster();
    await c.k(['create', 'namespace', 'demo']);
  });
  after(async () => {
    await c.stop();
  });

  it('create generators send protobuf and work', async () => {
    assert.match(await c.k(['-n', 'demo', 'create', 'configmap', 'c', '--from-literal=a=b']), /configmap\/c created/);
    assert.match(await c.k(['-n', 'demo', 'create', 'secret', 'generic', 's', '--from-literal=password=hunter2']), /secret\/s created/);
    assert.match(await c.k(['-n', 'demo', 'create', 'deployment', 'gen', '--image=skiff-test/busybox:1', '--replicas=2']), /deployment.apps\/gen created/);
    assert.match(await c.k(['-n', 'demo', 'create', 'service', 'clusterip', 'gen', '--tcp=80:8080']), /service\/gen created/);
    assert.match(await c.k(['-n', 'demo', 'create', 'job', 'j', '--image=skiff-test/busybox:1', '--', 'echo', 'hi']), /job.batch\/j created/);
    const secret = JSON.parse(await c.k(['-n', 'demo', 'get', 'secret', 's', '-o', 'json']));
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
    const svc = JSON.parse(await c.k(['-n', 'demo', 'get', 'svc', 'gen', '-o', 'json']));
    assert.match(svc.spec.clusterIP, /^10\.96\./);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
  });

  it('apply: created, unchanged, configured (strategic merge), server-side', async () => {
    const f = writeTemp('deploy.yaml', DEPLOY);
    assert.match(await c.k(['apply', '-f', f]), /deployment.apps\/web created/);
    assert.match(await c.k(['apply', '-f', f]), /deployment.apps\/web unchanged/);
    const changed = DEPLOY.replace('replicas: 2', 'replicas: 3').replace('        - {name: B, value: "2"}\n', '');
    assert.match(await c.k(['apply', '-f', writeTemp('deploy2.yaml', changed)]), /deployment.apps\/web configured/);
    const d = JSON.parse(await c.k(['-n', 'demo', 'get', 'deploy', 'web', '-o', 'json']));
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }], 'apply removed env B');
    assert.equal(d.metadata.generation, 2);
    const ss = writeTemp('ss.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: demo\ndata:\n  k: v\n');
    assert.match(await c.k(['apply', '--server-side', '-f', ss]), /configmap\/ssa serverside-applied/);
    assert.match(await c.k(['apply', '--dry-run=server', '-f', writeTemp('d3.yaml', DEPLOY.replace('replicas: 2', 'replicas: 9'))]), /server dry run/);
    assert.equal(await c.k(['-n', 'demo', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '3', 'dry run changed nothing');
  });

  it('patch: strategic (default), merge and json', async () => {
    await c.k(['-n', 'demo', 'patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"skiff-test/busybox:2"}]}}}}']);
    await c.k(['-n', 'demo', 'patch', 'deploy', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
    await c.k(['-n', 'demo', 'patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]']);
    const d = JSON.parse(await c.k(['-n', 'demo', 'get', 'deploy', 'web', '-o', 'json']));
    assert.equal(d.spec.template.spec.containers[0].image, 'skiff-test/busybox:2');
    assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 8080, 'strategic merge kept the other fields');
    assert.equal(d.metadata.labels.patched, 'merge');
    assert.equal(d.spec.replicas, 1);
    const bad = await c.kubectl(['-n', 'demo', 'patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":7}]']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The request is invalid: the server rejected our request/);
  });

  it('replace with a stale resourceVersion is a Conflict', async () => {
    const stale = await c.k(['-n', 'demo', 'get', 'cm', 'c', '-o', 'yaml']);
    await c.k(['-n', 'demo', 'label', 'cm', 'c', 'bump=1']);
    const r = await c.kubectl(['replace', '-f', writeTemp('stale.yaml', stale)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Conflict|the object has been modified/);
    assert.match(await c.k(['replace', '-f', writeTemp('fresh.yaml', await c.k(['-n', 'demo', 'get', 'cm', 'c', '-o', 'yaml']))]), /replaced/);
  });

  it('get with Table columns, -o wide/yaml/json/jsonpath/name/custom-columns, -A, --show-labels, --sort-by', async () => {
    const wide = await c.k(['-n', 'demo', 'get', 'deploy', '-o', 'wide']);
    assert.match(wide, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(await c.k(['get', 'cm', '-A']), /NAMESPACE\s+NAME\s+DATA\s+AGE[\s\S]*demo\s+c\s+1/);
    assert.match(await c.k(['-n', 'demo', 'get', 'cm', 'c', '--show-labels']), /bump=1/);
    assert.match(await c.k(['-n', 'demo', 'get', 'cm', 'c', '-o', 'yaml']), /^apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap/m);
    assert.equal(await c.k(['-n', 'demo', 'get', 'cm', '-o', 'name', '--field-selector', 'metadata.name=c']), 'configmap/c\n');
    assert.match(await c.k(['-n', 'demo', 'get', 'cm', '-o', 'custom-columns=N:.metadata.name,A:.data.a']), /c\s+b/);
    const sorted = await c.k(['-n', 'demo', 'get', 'cm', '--sort-by=.metadata.name', '-o', 'name']);
    const names = sorted.trim().split('\n');
    assert.deepEqual(names, [...names].sort());
  });

  it('describe shows the object and its events', async () => {
    const out = await c.k(['-n', 'demo', 'describe', 'deploy', 'web']);
    assert.match(out, /Name:\s+web/);
    assert.match(out, /Namespace:\s+demo/);
    assert.match(out, /Replicas:/);
    assert.match(await c.k(['describe', 'node', 'skiff-node']), /Name:\s+skiff-node/);
    assert.match(await c.k(['-n', 'demo', 'describe', 'cm', 'c']), /Data\n====\na:\n----\nb/);
  });

  it('get -w streams changes; wait returns when the condition holds', async () => {
    const w = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, '-n', 'demo', 'get', 'cm', '-w', '--output-watch-events']);
    let out = '';
    w.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('ADDED'), 10_000);
    await c.k(['-n', 'demo', 'create', 'cm', 'watched', '--from-literal=x=y']);
    await c.k(['-n', 'demo', 'delete', 'cm', 'watched']);
    await eventually(() => /ADDED\s+watched/.test(out) && /DELETED\s+watched/.test(out), 10_000);
    w.kill();
    const waiter = c.kubectl(['-n', 'demo', 'wait', '--for=jsonpath={.data.ready}=yes', 'cm/c', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 500));
    await c.k(['-n', 'demo', 'patch', 'cm', 'c', '--type=merge', '-p', '{"data":{"ready":"yes"}}']);
    const r = await waiter;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /condition met/);
    const del = c.kubectl(['-n', 'demo', 'wait', '--for=delete', 'cm/c', '--timeout=20s']);
    await new Promise((res) => setTimeout(res, 500));
    await c.k(['-n', 'demo', 'delete', 'cm', 'c']);
    assert.equal((await del).code, 0);
  });

  it('explain and api-resources', async () => {
    const ex = await c.k(['explain', 'deployment.spec.strategy']);
    assert.match(ex, /KIND:\s+Deployment/);
    assert.match(ex, /rollingUpdate/);
    const pods = await c.k(['explain', 'pods.spec.containers.image']);
    assert.match(pods, /Container image name/);
    const ar = await c.k(['api-resources']);
    for (const line of [/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^pods\s+po\s+v1\s+true\s+Pod$/m, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m, /^leases\s+coordination.k8s.io\/v1\s+true\s+Lease$/m]) {
      assert.match(ar, line);
    }
  });

  it('delete by label and --all', async () => {
    await c.k(['-n', 'demo', 'create', 'cm', 'l1', '--from-literal=a=1']);
    await c.k(['-n', 'demo', 'create', 'cm', 'l2', '--from-literal=a=1']);
    await c.k(['-n', 'demo', 'label', 'cm', 'l1', 'l2', 'group=x']);
    assert.match(await c.k(['-n', 'demo', 'delete', 'cm', '-l', 'group=x']), /l1" deleted[\s\S]*l2" deleted/);
    assert.equal((await c.k(['-n', 'demo', 'get', 'cm', '-l', 'group=x', '-o', 'name'])).trim(), '');
  });
});
