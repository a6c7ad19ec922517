/**
 * End-to-end check of the OpenAPI documents with the real kubectl (v1.32): a throwaway HTTP
 * server serves /version, legacy discovery, the openapi endpoints (through OpenAPI.handle) and
 * a toy deployments store that decodes bodies through OpenAPI.decode. Skipped when no kubectl.
 *
 *   npx tsx --test engine/apiserver/openapi/kubectl-check.test.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OpenAPI, warningHeader, type OpenAPIResource } from './index.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);

const RESOURCES: (OpenAPIResource & { singular: string; shortNames?: string[] })[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, subresources: ['status', 'log', 'exec', 'binding', 'eviction'], shortNames: ['po'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, subresources: ['status'], shortNames: ['svc'] },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, subresources: ['status', 'finalize'], shortNames: ['ns'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, subresources: ['status', 'scale'], shortNames: ['deploy'] },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', singular: 'job', namespaced: true, subresources: ['status'] },
  { group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab', namespaced: true, shortNames: ['ct'] },
];

interface Seen {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
        image: nginx:1.27
        ports:
        - containerPort: 80
        resources:
          limits: {cpu: 1, memory: 128Mi}
      - name: sidecar
        image: busybox
        command: ["sleep", "infinity"]
`;

describe('real kubectl against the OpenAPI documents', { skip: haveKubectl ? false : `no kubectl at ${KUBECTL}` }, () => {
  const openapi = new OpenAPI(RESOURCES);
  const store = new Map<string, Record<string, unknown>>();
  const seen: Seen[] = [];
  let server: Server;
  let dir: string;
  let kubeconfig: string;

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function status(res: ServerResponse, code: number, reason: string, message: string): void {
    send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }

  function discovery(group: string, version: string): unknown {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: r.shortNames,
      })),
    };
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const oa = openapi.handle({ method: req.method, url: req.url ?? '/', headers: req.headers });
    if (oa) {
      res.writeHead(oa.status, oa.headers);
      res.end(oa.body);
      return;
    }
    if (p === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (p === '/api/v1') return send(res, 200, discovery('', 'v1'));
    if (p === '/apis') {
      const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))].map((gv) => {
        const [name, version] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    const d = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
    if (d) return send(res, 200, discovery(d[1], d[2]));

    const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?$/.exec(p);
    if (!m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, ns, name] = m;
    if (req.method === 'GET' && name) {
      const obj = store.get(`${ns}/${name}`);
      return obj ? send(res, 200, obj) : status(res, 404, 'NotFound', `deployments.apps "${name}" not found`);
    }
    if (req.method === 'POST' && !name) {
      const obj = JSON.parse(body) as Record<string, unknown>;
      const out = openapi.decode('apps/v1', 'Deployment', obj, url.searchParams.get('fieldValidation'));
      if (out.error) return status(res, 400, 'BadRequest', out.error);
      const meta = obj.metadata as Record<string, unknown>;
      meta.namespace = ns;
      meta.resourceVersion = '1';
      meta.uid = 'u-1';
      store.set(`${ns}/${String(meta.name)}`, obj);
      const warn = out.warnings.map(warningHeader);
      return send(res, 201, obj, warn.length ? { Warning: warn.join(', ') } : {});
    }
    if (req.method === 'PATCH' && name) {
      const obj = store.get(`${ns}/${name}`);
      return obj ? send(res, 200, obj) : status(res, 404, 'NotFound', `deployments.apps "${name}" not found`);
    }
    return status(res, 405, 'MethodNotAllowed', 'not supported by the test server');
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-openapi-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
        handle(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: skiff, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: skiff, user: {}}]
contexts: [{name: skiff, context: {cluster: skiff, user: skiff, namespace: default}}]
current-context: skiff
`,
    );
  });

  after(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function kubectl(args: string[], stdinFile?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const full = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args];
    if (stdinFile) full.push('-f', stdinFile);
    return new Promise((resolve) => {
      execFile(KUBECTL, full, { timeout: 60_000, env: { ...process.env, KUBECONFIG: kubeconfig } }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  function file(name: string, text: string): string {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  }

  it('explain deployment.spec.strategy prints real descriptions', async () => {
    const r = await kubectl(['explain', 'deployment.spec.strategy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GROUP:\s+apps/);
    assert.match(r.stdout, /FIELD: strategy <DeploymentStrategy>/);
    assert.match(r.stdout, /DeploymentStrategy describes how to replace existing pods with new ones/);
    assert.match(r.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
    assert.match(r.stdout, /Type of deployment\. Can be "Recreate" or "RollingUpdate"/);
  });

  it('explain pods --recursive walks the whole tree', async () => {
    const r = await kubectl(['explain', 'pods', '--recursive']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Pod/);
    assert.match(r.stdout, /Pod is a collection of containers that can run on a host/);
    assert.match(r.stdout, /spec\s+<PodSpec>/);
    assert.match(r.stdout, /containers\s+<\[\]Container> -required-/);
    assert.match(r.stdout, /livenessProbe\s+<Probe>/);
  });

  it('explain shows Quantity, IntOrString and Time types', async () => {
    const q = await kubectl(['explain', 'pod.spec.containers.resources.limits']);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /FIELD: limits <map\[string\]Quantity>/);
    const p = await kubectl(['explain', 'svc.spec.ports.targetPort']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /targetPort <IntOrString>/);
    const t = await kubectl(['explain', 'pods.metadata.creationTimestamp']);
    assert.match(t.stdout, /creationTimestamp <string>/);
  });

  it('explain works for a kind with no published schema', async () => {
    const r = await kubectl(['explain', 'crontabs']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+CronTab/);
  });

  it('apply --dry-run=client validates through the v3 documents only', async () => {
    const f = file('deploy.yaml', DEPLOYMENT);
    seen.length = 0;
    const r = await kubectl(['apply', '--dry-run=client'], f);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/web created \(dry run\)/);
    assert.ok(!seen.some((s) => s.url.startsWith('/openapi/v2')), 'kubectl fell back to /openapi/v2');
  });

  it('apply sends fieldValidation=Strict and the server accepts a valid Deployment', async () => {
    const f = file('deploy.yaml', DEPLOYMENT);
    seen.length = 0;
    const r = await kubectl(['apply'], f);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/web created/);
    const post = seen.find((s) => s.method === 'POST');
    assert.ok(post, 'no POST seen');
    assert.match(post.url, /fieldValidation=Strict/);
  });

  it('a second apply computes a strategic merge patch from our patch metadata', async () => {
    const v1 = DEPLOYMENT.replace('name: web\n  labels', 'name: web2\n  labels');
    const created = await kubectl(['apply'], file('web2.yaml', v1));
    assert.equal(created.code, 0, created.stderr);
    seen.length = 0;
    const r = await kubectl(['apply'], file('web2b.yaml', v1.replace('nginx:1.27', 'nginx:1.28')));
    assert.equal(r.code, 0, r.stderr);
    const patch = seen.find((s) => s.method === 'PATCH');
    assert.ok(patch, 'no PATCH seen');
    assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
    const body = JSON.parse(patch.body) as { spec: { template: { spec: Record<string, unknown> } } };
    const podSpec = body.spec.template.spec;
    // Merge by name: only the changed container, plus the order directive — not the whole list.
    assert.deepEqual(podSpec.containers, [{ image: 'nginx:1.28', name: 'web' }]);
    assert.deepEqual(podSpec['$setElementOrder/containers'], [{ name: 'web' }, { name: 'sidecar' }]);
  });

  it('unknown fields are rejected with the apiserver strict decoding message', async () => {
    const f = file('bad.yaml', DEPLOYMENT.replace('name: web\n  labels', 'name: bad\n  labels').replace('  replicas: 2', '  replicas: 2\n  replicaz: 3'));
    const r = await kubectl(['apply'], f);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.replicaz"/);
  });

  it('wrong JSON types are rejected like the Go decoder does', async () => {
    const f = file('bad2.yaml', DEPLOYMENT.replace('name: web\n  labels', 'name: bad2\n  labels').replace('replicas: 2', 'replicas: "three"'));
    const r = await kubectl(['create'], f);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
  });

  it('a kind: List file is validated client-side through the v2 protobuf document', async () => {
    const list = (extra: string): string => `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
  data: {x: "1"}
${extra}`;
    seen.length = 0;
    const ok = await kubectl(['apply', '--dry-run=client'], file('list.yaml', list('')));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /configmap\/a created \(dry run\)/);
    const v2 = seen.find((s) => s.url.startsWith('/openapi/v2'));
    assert.ok(v2, 'kubectl did not need /openapi/v2 for a List');
    const bad = await kubectl(['apply', '--dry-run=client'], file('list2.yaml', list('  bogus: 1\n')));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown field "bogus" in io\.k8s\.api\.core\.v1\.ConfigMap/);
  });

  it('explain --output=plaintext-openapiv2 reads the protobuf document', async () => {
    const r = await kubectl(['explain', '--output=plaintext-openapiv2', 'deployment.spec.strategy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RESOURCE: strategy <Object>/);
    assert.match(r.stdout, /DeploymentStrategy describes how to replace existing pods with new ones/);
  });

  it('kubectl caches the hashed group-version documents', async () => {
    const f = file('deploy.yaml', DEPLOYMENT);
    seen.length = 0;
    const r = await kubectl(['apply', '--dry-run=client'], f);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(seen.some((s) => s.url.startsWith('/openapi/v3?') || s.url === '/openapi/v3'), 'index not requested');
    const gvFetches = seen.filter((s) => s.url.startsWith('/openapi/v3/apis/apps/v1'));
    assert.equal(gvFetches.length, 0, `apps/v1 document fetched again: ${gvFetches.map((s) => s.url).join(' ')}`);
  });
});
