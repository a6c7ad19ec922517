import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { Rest } from './rest.js';
import { installAdmission } from './admission.js';
import { buildRegistry } from '../api/resources/index.js';
import { FakeClock } from '../api/clock.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';

function env() {
  const registry = buildRegistry();
  const clock = new FakeClock();
  const rest = new Rest(new Store({ path: ':memory:' }), registry, clock);
  installAdmission(rest);
  const def = (group: string, kind: string) => {
    const d = registry.byGroupKind(group, kind);
    if (!d) throw new Error(kind);
    return d;
  };
  rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'default' } });
  return { rest, def, clock };
}

const deployment = (name: string): KubeObject => ({
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } },
});

const code = (status: number, reason?: string) => (e: unknown) => e instanceof ApiError && e.code === status && (!reason || e.reason === reason);

describe('Rest', () => {
  it('selector vs template labels: the labels printed as Go prints a map[string]string', () => {
    const { rest, def } = env();
    const d = deployment('a');
    (d.spec as { template: { metadata: { labels: object } } }).template.metadata.labels = { tier: 'x', app: 'b' };
    assert.throws(() => rest.create(def('apps', 'ReplicaSet'), 'default', d), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 422);
      assert.equal(
        e.status.message,
        'ReplicaSet.apps "a" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b", "tier":"x"}: `selector` does not match template `labels`',
      );
      return true;
    });
  });

  it('NamespaceLifecycle: 404 for a missing namespace, 403 NamespaceTerminating in a terminating one', () => {
    const { rest, def } = env();
    const CM = def('', 'ConfigMap');
    assert.throws(() => rest.create(CM, 'nope', { metadata: { name: 'y' } }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 404);
      assert.equal(e.status.message, 'namespaces "nope" not found');
      return true;
    });
    rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'q' } });
    rest.create(CM, 'q', { metadata: { name: 'keep', finalizers: ['example.com/hold'] } });
    rest.delete(def('', 'Namespace'), undefined, 'q');
    assert.throws(() => rest.create(CM, 'q', { metadata: { name: 'y' } }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 403);
      assert.equal(e.reason, 'Forbidden');
      assert.equal(e.status.message, 'configmaps "y" is forbidden: unable to create new content in namespace q because it is being terminated');
      assert.deepEqual(e.status.details, {
        name: 'y',
        group: '',
        kind: 'configmaps',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace q is being terminated', field: 'metadata.namespace' }],
      });
      return true;
    });
    // Before validation and name generation, as upstream's admission: the generateName is named.
    assert.throws(() => rest.create(def('apps', 'Deployment'), 'q', { metadata: { generateName: 'web-' }, spec: {} }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status.message, 'deployments.apps "web-" is forbidden: unable to create new content in namespace q because it is being terminated');
      return true;
    });
    // Updates of existing content are still allowed (controllers remove finalizers).
    const keep = rest.get(CM, 'q', 'keep').obj;
    rest.update(CM, 'q', 'keep', { ...keep, metadata: { ...keep.metadata, labels: { a: 'b' } } });
  });

  it('sets uid, creationTimestamp, generation, defaults; generateName picks a name', () => {
    const { rest, def } = env();
    const d = rest.create(def('apps', 'Deployment'), 'default', deployment('web')).obj;
    assert.ok(d.metadata.uid);
    assert.equal(d.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
    assert.equal(d.metadata.generation, 1);
    assert.equal((d.spec as { replicas: number }).replicas, 1);
    assert.equal(d.apiVersion, 'apps/v1');
    const g = rest.create(def('', 'ConfigMap'), 'default', { metadata: { generateName: 'cfg-' } }).obj;
    assert.match(g.metadata.name as string, /^cfg-[a-z0-9]{5}$/);
  });

  it('bumps generation on spec changes only; status goes through /status', () => {
    const { rest, def } = env();
    const D = def('apps', 'Deployment');
    const d = rest.create(D, 'default', deployment('web')).obj;
    const labeled = rest.update(D, 'default', 'web', { ...d, metadata: { ...d.metadata, labels: { a: 'b' } } }).obj;
    assert.equal(labeled.metadata.generation, 1);
    const scaled = rest.update(D, 'default', 'web', { ...labeled, spec: { ...(labeled.spec as object), replicas: 3 }, status: { replicas: 99 } }).obj;
    assert.equal(scaled.metadata.generation, 2);
    assert.equal(scaled.status, undefined, 'status is ignored on the main resource');
    const st = rest.update(D, 'default', 'web', { ...scaled, status: { replicas: 3 } }, { subresource: 'status' }).obj;
    assert.deepEqual(st.status, { replicas: 3 });
    assert.equal(st.metadata.generation, 2);
  });

  it('rejects invalid objects with field causes', () => {
    const { rest, def } = env();
    const bad = deployment('web');
    (bad.spec as { template: { metadata: { labels: object } } }).template.metadata.labels = { app: 'other' };
    assert.throws(() => rest.create(def('apps', 'Deployment'), 'default', bad), code(422, 'Invalid'));
    assert.throws(() => rest.create(def('', 'ConfigMap'), 'nope', { metadata: { name: 'x' } }), code(404, 'NotFound'));
  });

  it('objects with finalizers are only marked; removing the last finalizer deletes', () => {
    const { rest, def } = env();
    const CM = def('', 'ConfigMap');
    rest.create(CM, 'default', { metadata: { name: 'f', finalizers: ['example.com/x'] } });
    const r = rest.delete(CM, 'default', 'f');
    assert.equal(r.removed, false);
    assert.ok(r.entry.obj.metadata.deletionTimestamp);
    const cur = rest.get(CM, 'default', 'f').obj;
    rest.update(CM, 'default', 'f', { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    assert.equal(rest.tryGet(CM, 'default', 'f'), undefined);
  });

  it('bound pods are deleted gracefully; unbound pods at once', () => {
    const { rest, def } = env();
    const P = def('', 'Pod');
    const pod = (name: string, nodeName?: string): KubeObject => ({ metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox:1' }] } });
    rest.create(P, 'default', pod('bound', 'n1'));
    rest.create(P, 'default', pod('free'));
    const b = rest.delete(P, 'default', 'bound');
    assert.equal(b.removed, false);
    assert.equal(b.entry.obj.metadata.deletionGracePeriodSeconds, 30);
    assert.equal(rest.delete(P, 'default', 'free').removed, true);
    assert.equal(rest.delete(P, 'default', 'bound', { gracePeriodSeconds: 0 }).removed, true);
  });

  it('pages lists with limit/continue and filters by field selectors', () => {
    const { rest, def } = env();
    const CM = def('', 'ConfigMap');
    for (let i = 0; i < 5; i++) rest.create(CM, 'default', { metadata: { name: `c${i}`, labels: { i: String(i % 2) } } });
    const p1 = rest.list(CM, 'default', { limit: 2 });
    assert.deepEqual(p1.items.map((e) => e.obj.metadata.name), ['c0', 'c1']);
    assert.equal(p1.remainingItemCount, 3);
    const p2 = rest.list(CM, 'default', { limit: 2, continue: p1.continue });
    assert.deepEqual(p2.items.map((e) => e.obj.metadata.name), ['c2', 'c3']);
    const p3 = rest.list(CM, 'default', { limit: 2, continue: p2.continue });
    assert.deepEqual(p3.items.map((e) => e.obj.metadata.name), ['c4']);
    assert.equal(p3.continue, undefined);
    assert.equal(rest.list(CM, 'default', { labelSelector: 'i=1' }).items.length, 2);
    assert.equal(rest.list(CM, 'default', { fieldSelector: 'metadata.name!=c0' }).items.length, 4);
    assert.throws(() => rest.list(CM, 'default', { fieldSelector: 'spec.bogus=1' }), code(400));
  });

  it('watch turns selector transitions into ADDED/DELETED', () => {
    const { rest, def } = env();
    const CM = def('', 'ConfigMap');
    const events: string[] = [];
    rest.watch(CM, 'default', { labelSelector: 'on=yes', resourceVersion: String(rest.store.revision) }, (ev) => {
      events.push(`${ev.type} ${ev.entry.obj.metadata.name}`);
    });
    const c = rest.create(CM, 'default', { metadata: { name: 'x' } }).obj;
    const on = rest.update(CM, 'default', 'x', { ...c, metadata: { ...c.metadata, labels: { on: 'yes' } } }).obj;
    const on2 = rest.update(CM, 'default', 'x', { ...on, data: { a: 'b' } }).obj;
    rest.update(CM, 'default', 'x', { ...on2, metadata: { ...on2.metadata, labels: {} } });
    assert.deepEqual(events, ['ADDED x', 'MODIFIED x', 'DELETED x']);
  });

  it('allocates ClusterIPs and NodePorts, keeps them on update, refuses duplicates', () => {
    const { rest, def } = env();
    const S = def('', 'Service');
    const a = rest.create(S, 'default', { metadata: { name: 'a' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }).obj;
    const spec = a.spec as { clusterIP: string; ports: { nodePort: number; targetPort: number }[] };
    assert.match(spec.clusterIP, /^10\.96\.\d+\.\d+$/);
    assert.ok(spec.ports[0].nodePort >= 30000 && spec.ports[0].nodePort <= 32767);
    assert.equal(spec.ports[0].targetPort, 80);
    const again = rest.update(S, 'default', 'a', { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } }).obj;
    assert.equal((again.spec as { clusterIP: string }).clusterIP, spec.clusterIP);
    assert.throws(() => rest.create(S, 'default', { metadata: { name: 'b' }, spec: { clusterIP: spec.clusterIP, ports: [{ port: 80 }] } }), code(422));
  });

  it('adds a kind\'s deletion finalizers when deletion starts; honours a kind\'s name rule', () => {
    const { rest, def } = env();
    const CRD = def('apiextensions.k8s.io', 'CustomResourceDefinition');
    const body = { metadata: { name: 'things.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } };
    const withFinalizer = { ...CRD, deleteFinalizers: ['example.com/cleanup'] };
    rest.create(withFinalizer, undefined, body);
    const r = rest.delete(withFinalizer, undefined, 'things.example.com');
    assert.equal(r.removed, false);
    assert.deepEqual(r.entry.obj.metadata.finalizers, ['example.com/cleanup']);
    assert.ok(r.entry.obj.metadata.deletionTimestamp);
    const Role = def('rbac.authorization.k8s.io', 'ClusterRole');
    assert.equal(rest.create(Role, undefined, { metadata: { name: 'system:thing-reader' }, rules: [] }).obj.metadata.name, 'system:thing-reader');
    assert.throws(() => rest.create(def('', 'ConfigMap'), 'default', { metadata: { name: 'a:b' } }), code(422, 'Invalid'));
  });
});
