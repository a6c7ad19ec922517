/**
 * Compatibility sweep, part 2: CustomResourceDefinitions, as operators and cert-manager-style
 * installs use them — `kubectl apply -f crd.yaml && kubectl apply -f my-resource.yaml &&
 * kubectl get myresources` with printer columns, defaulting, pruning and validation, explain,
 * the status and scale subresources, watches, several versions, categories, server-side
 * apply, client-node's CustomObjectsApi, and deleting the CRD deleting its objects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { KUBECTL, eventually, startCluster, tempDir, writeTemp, type Cluster } from './harness.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: CronTab runs an image on a schedule.
        properties:
          spec:
            type: object
            description: What to run and when.
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                description: The schedule, in cron format.
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image: {type: string}
              replicas: {type: integer, minimum: 0, maximum: 10, default: 1}
              color: {type: string, enum: [red, green]}
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
              phase: {type: string}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - {name: Spec, type: string, description: The cron spec, jsonPath: .spec.cronSpec}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Phase, type: string, jsonPath: .status.phase, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;

const CT = (name: string, extra = '') => `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
  cronSpec: "* * * * */5"
  image: my-cron-image
${extra}`;

describe('kubectl compatibility: CustomResourceDefinitions', () => {
  let c: Cluster;
  let kc: k8s.KubeConfig;
  const cacheDir = tempDir('kubectl-cache-');
  before(async () => {
    c = await startCluster();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
  });
  after(async () => {
    await c.stop();
  });

  it('apply CRD, apply a resource, get it with its printer columns; the CRD is Established', async () => {
    assert.match(await c.k(['apply', '-f', writeTemp('crd.yaml', CRD)]), /customresourcedefinition\.apiextensions\.k8s\.io\/crontabs\.stable\.example\.com created/);
    assert.match(await c.k(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/crontabs.stable.example.com']), /condition met/);
    assert.match(await c.k(['apply', '-f', writeTemp('ct.yaml', CT('nightly'))]), /crontab\.stable\.example\.com\/nightly created/);
    const out = await c.k(['get', 'crontabs']);
    assert.match(out, /^NAME\s+SPEC\s+REPLICAS\s+AGE\nnightly\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/);
    // A missing value is a null cell, which kubectl prints blank (as for real CRDs).
    assert.match(await c.k(['get', 'ct', '-o', 'wide']), /^NAME\s+SPEC\s+REPLICAS\s+PHASE\s+AGE\nnightly\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/);
    assert.match(await c.k(['get', 'crd']), /^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-/m);
    const crd = JSON.parse(await c.k(['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']));
    assert.deepEqual(crd.status.acceptedNames, { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'], categories: ['all'] });
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    const res = await c.k(['api-resources', '--api-group=stable.example.com']);
    assert.match(res, /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m);
    assert.match(await c.k(['get', 'all']), /crontab\.stable\.example\.com\/nightly\s+\* \* \* \* \*\/5/);
  });

  it('defaults, prunes and validates against the schema; Strict field validation names unknown fields', async () => {
    const obj = JSON.parse(await c.k(['get', 'ct', 'nightly', '-o', 'json']));
    assert.equal(obj.spec.replicas, 1, 'schema default applied');
    assert.equal(obj.metadata.generation, 1);
    const unknown = await c.kubectl(['apply', '-f', writeTemp('u.yaml', CT('unknown', '  bogus: 1\n'))]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Error from server \(BadRequest\): error when creating ".*": CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec\.bogus"/);
    await c.k(['apply', '--validate=false', '-f', writeTemp('u2.yaml', CT('pruned', '  bogus: 1\n'))]);
    assert.equal(JSON.parse(await c.k(['get', 'ct', 'pruned', '-o', 'json'])).spec.bogus, undefined, 'unknown fields are pruned');
    const invalid = await c.kubectl(['apply', '-f', writeTemp('bad.yaml', CT('bad', '  replicas: 20\n  color: purple\n').replace('* * * * */5', 'nope'))]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /The CronTab "bad" is invalid: \n\* spec\.color: Unsupported value: "purple": supported values: "red", "green"\n\* spec\.cronSpec: Invalid value: "nope": spec\.cronSpec in body should match/);
    assert.match(invalid.stderr, /\* spec\.replicas: Invalid value: 20: spec\.replicas in body should be less than or equal to 10/);
    const wrongType = await c.kubectl(['apply', '-f', writeTemp('t.yaml', CT('typed', '  replicas: "three"\n'))]);
    assert.match(wrongType.stderr, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/);
  });

  it('explain walks the CRD schema', async () => {
    const top = await c.k(['explain', 'crontabs']);
    assert.match(top, /^GROUP:\s+stable\.example\.com\nKIND:\s+CronTab\nVERSION:\s+v1\n/);
    assert.match(top, /CronTab runs an image on a schedule\./);
    assert.match(top, /spec\t<Object>/);
    const spec = await c.k(['explain', 'ct.spec']);
    assert.match(spec, /FIELD: spec <Object>/);
    assert.match(spec, /cronSpec\t<string> -required-/);
    assert.match(spec, /The schedule, in cron format\./);
    assert.match(await c.k(['explain', 'ct.spec.replicas']), /FIELD: replicas <integer>/);
  });

  it('status and scale subresources; generation follows spec changes', async () => {
    await c.k(['patch', 'ct', 'nightly', '--type=merge', '-p', '{"status":{"phase":"Ignored"}}']);
    assert.equal(await c.k(['get', 'ct', 'nightly', '-o', 'jsonpath={.status}']), '', 'status is not written through the main resource');
    await c.k(['patch', 'ct', 'nightly', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2,"selector":"app=cron","phase":"Running"}}']);
    assert.match(await c.k(['get', 'ct', '-o', 'wide']), /nightly\s+\* \* \* \* \*\/5\s+1\s+Running\s+/);
    assert.match(await c.k(['scale', 'ct', 'nightly', '--replicas=3']), /crontab\.stable\.example\.com\/nightly scaled/);
    const scale = JSON.parse(await c.k(['get', '--raw', '/apis/stable.example.com/v1/namespaces/default/crontabs/nightly/scale']));
    assert.deepEqual({ kind: scale.kind, apiVersion: scale.apiVersion, spec: scale.spec, status: scale.status }, { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=cron' } });
    const scaled = JSON.parse(await c.k(['get', 'ct', 'nightly', '-o', 'json']));
    assert.equal(scaled.spec.replicas, 3);
    assert.equal(scaled.metadata.generation, 2);
    const mismatch = await c.kubectl(['scale', 'ct', 'nightly', '--current-replicas=1', '--replicas=4']);
    assert.match(mismatch.stderr, /Expected replicas to be 1, was 3/);
  });

  it('get -w streams rows with the printer columns', async () => {
    let out = '';
    const w = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, '--cache-dir', cacheDir, 'get', 'ct', '-w']);
    w.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => /nightly/.test(out), 15_000);
    await c.k(['apply', '-f', writeTemp('w.yaml', CT('watched'))]);
    await c.k(['label', 'ct', 'watched', 'seen=yes']);
    await eventually(() => (out.match(/^watched\s+/gm) ?? []).length >= 2, 15_000);
    w.kill();
    assert.match(out, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m);
    assert.match(out, /^watched\s+\* \* \* \* \*\/5\s+1\s+\d+s$/m);
  });

  it('several versions share storage; server-side apply and edit work on custom resources', async () => {
    const beta = JSON.parse(await c.k(['get', 'crontabs.v1beta1.stable.example.com', 'nightly', '-o', 'json']));
    assert.equal(beta.apiVersion, 'stable.example.com/v1beta1');
    assert.equal(beta.spec.replicas, 3);
    await c.k(['apply', '-f', writeTemp('b.yaml', 'apiVersion: stable.example.com/v1beta1\nkind: CronTab\nmetadata: {name: from-beta}\nspec: {cronSpec: "0 * * * *", extra: kept-by-beta}\n')]);
    const asV1 = JSON.parse(await c.k(['get', 'ct', 'from-beta', '-o', 'json']));
    assert.equal(asV1.apiVersion, 'stable.example.com/v1');
    assert.equal(asV1.spec.extra, undefined, 'stored through the v1 schema');
    assert.equal(asV1.spec.replicas, 1);
    assert.match(await c.k(['apply', '--server-side', '-f', writeTemp('ssa.yaml', CT('ssa'))]), /crontab\.stable\.example\.com\/ssa serverside-applied/);
    assert.match(await c.k(['apply', '--server-side', '-f', writeTemp('ssa2.yaml', CT('ssa').replace('my-cron-image', 'other'))]), /serverside-applied/);
    assert.equal(await c.k(['get', 'ct', 'ssa', '-o', 'jsonpath={.spec.image}']), 'other');
    const diff = await c.kubectl(['diff', '-f', writeTemp('d.yaml', CT('ssa').replace('my-cron-image', 'third'))]);
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /^\+\s+image: third$/m);
  });

  it('client-node CustomObjectsApi lists, creates and watches custom resources', async () => {
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const list = (await api.listNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs' })) as { items: { metadata: { name: string } }[]; metadata: { resourceVersion: string } };
    assert.ok(list.items.some((i) => i.metadata.name === 'nightly'));
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch('/apis/stable.example.com/v1/namespaces/default/crontabs', { resourceVersion: list.metadata.resourceVersion }, (type: string, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`), () => {});
    const made = (await api.createNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs', body: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'from-client-node' }, spec: { cronSpec: '1 2 3 4 5' } } })) as { spec: { replicas: number } };
    assert.equal(made.spec.replicas, 1);
    await api.deleteNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs', name: 'from-client-node' });
    await eventually(() => seen.includes('DELETED from-client-node'));
    assert.deepEqual(seen, ['ADDED from-client-node', 'DELETED from-client-node']);
    req.abort();
  });

  it('cluster-scoped CRDs; deleting a CRD deletes its objects and its API', async () => {
    const cluster = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusterissuers.certs.example.org}
spec:
  group: certs.example.org
  scope: Cluster
  names: {plural: clusterissuers, singular: clusterissuer, kind: ClusterIssuer}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;
    await c.k(['apply', '-f', writeTemp('ci.yaml', cluster)]);
    await c.k(['wait', '--for', 'condition=established', 'crd/clusterissuers.certs.example.org']);
    await c.k(['apply', '-f', writeTemp('ci1.yaml', 'apiVersion: certs.example.org/v1\nkind: ClusterIssuer\nmetadata: {name: letsencrypt}\nspec: {acme: {server: https://acme.example.org}}\n')]);
    assert.match(await c.k(['get', 'clusterissuers']), /^NAME\s+AGE\nletsencrypt\s+\d+s\n$/);
    assert.equal(await c.k(['get', 'clusterissuer', 'letsencrypt', '-o', 'jsonpath={.spec.acme.server}']), 'https://acme.example.org');

    assert.match(await c.k(['delete', 'crd', 'crontabs.stable.example.com', '--timeout=30s']), /customresourcedefinition\.apiextensions\.k8s\.io "crontabs\.stable\.example\.com" deleted/);
    assert.equal((await c.kubectl(['get', 'crd', 'crontabs.stable.example.com'])).code, 1);
    assert.doesNotMatch(await c.k(['api-resources']), /crontabs/);
    assert.doesNotMatch(await c.k(['api-versions']), /stable\.example\.com/);
    const gone = await c.kubectl(['get', 'crontabs']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /the server doesn't have a resource type "crontabs"/);
    // Re-creating the CRD does not bring the old objects back.
    await c.k(['apply', '-f', writeTemp('crd2.yaml', CRD)]);
    await c.k(['wait', '--for', 'condition=established', 'crd/crontabs.stable.example.com']);
    const none = await c.kubectl(['get', 'crontabs']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /No resources found in default namespace\./);
  });
});
