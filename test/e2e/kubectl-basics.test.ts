/**
 * Issue A's walkthrough with the real kubectl against a real `skiff serve`: nodes, namespaces,
 * ConfigMaps, get/describe/label/annotate/delete, output formats, Status errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { startCluster, writeTemp, type Cluster } from './harness.js';

describe('kubectl against skiff serve', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    const code = await c.stop();
    assert.equal(code, 0, 'SIGTERM stops skiff serve cleanly');
  });

  it('writes a private kubeconfig and listens on loopback only', () => {
    assert.equal(statSync(c.kubeconfig).mode & 0o777, 0o600);
    assert.match(c.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('get nodes shows the local node', async () => {
    const out = await c.k(['get', 'nodes']);
    assert.match(out, /skiff-node/);
  });

  it('has the default namespaces', async () => {
    const out = await c.k(['get', 'ns', '-o', 'name']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`namespace/${ns}\\b`));
  });

  it('create -f, get -o json/jsonpath/name, label, annotate, delete', async () => {
    const f = writeTemp('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: default\ndata:\n  a: b\n');
    assert.match(await c.k(['create', '-f', f]), /configmap\/cfg created/);
    const obj = JSON.parse(await c.k(['get', 'cm', 'cfg', '-o', 'json']));
    assert.equal(obj.data.a, 'b');
    assert.ok(obj.metadata.uid);
    assert.ok(Number(obj.metadata.resourceVersion) > 0);
    assert.equal(await c.k(['get', 'cm', 'cfg', '-o', 'jsonpath={.data.a}']), 'b');
    assert.match(await c.k(['label', 'cm', 'cfg', 'tier=web']), /labeled/);
    assert.match(await c.k(['get', 'cm', '-l', 'tier=web', '-o', 'name']), /configmap\/cfg/);
    assert.equal((await c.k(['get', 'cm', '-l', 'tier!=web', '-o', 'name'])).includes('cfg'), false);
    assert.match(await c.k(['annotate', 'cm', 'cfg', 'note=hi']), /annotated/);
    assert.equal(await c.k(['get', 'cm', 'cfg', '-o', 'jsonpath={.metadata.annotations.note}']), 'hi');
    assert.match(await c.k(['delete', 'cm', 'cfg']), /deleted/);
  });

  it('answers errors as Kubernetes Status that kubectl prints', async () => {
    const r = await c.kubectl(['get', 'cm', 'nope']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): configmaps "nope" not found/);
    const f = writeTemp('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n');
    const r2 = await c.kubectl(['create', '-f', f]);
    assert.match(r2.stderr, /is invalid: metadata.name: Invalid value: "Bad_Name"/);
    const f3 = writeTemp('dup.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n');
    await c.k(['create', '-f', f3]);
    const r3 = await c.kubectl(['create', '-f', f3]);
    assert.match(r3.stderr, /AlreadyExists.*configmaps "dup" already exists/);
    const r4 = await c.kubectl(['create', '-f', f3, '-n', 'no-such-ns']);
    assert.match(r4.stderr, /NotFound.*namespaces "no-such-ns" not found/);
  });

  it('refuses requests without credentials', async () => {
    const r = await c.kubectl(['get', 'nodes', '--token=wrong']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized|provide credentials/);
  });
});
