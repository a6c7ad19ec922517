/**
 * The core controllers (ReplicaSet, Deployment, garbage collector, namespace, ServiceAccount,
 * Endpoints, EndpointSlice) driven by the real kubectl against a real `skiff serve`.
 *
 * The node is cordoned first, so pods stay unscheduled: nothing runs them, their deletion is
 * immediate, and the test plays the kubelet's part by writing pod status (Running, Ready, an IP)
 * with `kubectl patch --subresource=status`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, eventually, writeTemp, type Cluster } from './harness.js';

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[]; deletionTimestamp?: string };
  spec?: Record<string, unknown> & { replicas?: number; template?: { spec: { containers: { image: string }[] } } };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string }[] };
  [k: string]: unknown;
}

function deployment(name: string, replicas: number, extra: { ns?: string; image?: string; port?: boolean } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: extra.ns ?? 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: extra.image ?? 'skiff-test/busybox:1', ...(extra.port ? { ports: [{ name: 'http', containerPort: 8080 }] } : {}) }] },
      },
    },
  });
}

describe('core controllers with kubectl', () => {
  let c: Cluster;
  let ipSeq = 10;

  const json = async <T = Obj>(args: string[]): Promise<T> => JSON.parse(await c.k([...args, '-o', 'json'])) as T;
  const list = async (kind: string, selector: string, ns = 'default'): Promise<Obj[]> => (await json<{ items: Obj[] }>(['-n', ns, 'get', kind, '-l', selector])).items;
  const live = async (selector: string, ns = 'default') => (await list('pods', selector, ns)).filter((p) => !p.metadata.deletionTimestamp);
  const isReady = (p: Obj) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;

  /** The kubelet's part: the pods become Running and Ready (with an IP). */
  async function markReady(selector: string, ns = 'default', ready = true): Promise<number> {
    const pods = (await live(selector, ns)).filter((p) => isReady(p) !== ready || !p.status?.podIP);
    await Promise.all(
      pods.map((p) => {
        const ip = (p.status?.podIP as string | undefined) ?? `10.244.0.${ipSeq++}`;
        const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
        return c.kubectl(['-n', ns, 'patch', 'pod', p.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
      }),
    );
    return pods.length;
  }

  /** Marks pods ready until `kubectl rollout status` reports success. */
  async function completeRollout(name: string, ns = 'default'): Promise<string> {
    const status = c.kubectl(['-n', ns, 'rollout', 'status', `deploy/${name}`, '--timeout=60s'], { timeoutMs: 70_000 });
    let done = false;
    void status.then(() => (done = true));
    while (!done) {
      await markReady(`app=${name}`, ns);
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await status;
    assert.equal(r.code, 0, `rollout status failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  const revisions = async (name: string) => {
    const rss = await list('rs', `app=${name}`);
    return new Map(rss.map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '', rs]));
  };

  before(async () => {
    c = await startCluster();
    // Keep every pod unscheduled: this test plays the kubelet.
    await c.k(['cordon', 'skiff-node']);
  });
  after(async () => {
    await c.stop();
  });

  it('every namespace gets the default ServiceAccount and kube-root-ca.crt', async () => {
    await eventually(async () => /^default\s/m.test(await c.k(['get', 'sa'])));
    await c.k(['create', 'ns', 'sa-test']);
    await eventually(async () => /^default\s/m.test(await c.k(['-n', 'sa-test', 'get', 'sa'])));
    const cm = await json(['-n', 'sa-test', 'get', 'cm', 'kube-root-ca.crt']);
    assert.match((cm.data as Record<string, string>)['ca.crt'], /BEGIN CERTIFICATE/);
    await c.k(['-n', 'sa-test', 'delete', 'sa', 'default']);
    await eventually(async () => (await c.kubectl(['-n', 'sa-test', 'get', 'sa', 'default'])).code === 0);
  });

  it('the kubernetes Service points at the API server', async () => {
    const svc = await eventually(() => json<Obj>(['get', 'svc', 'kubernetes']));
    assert.equal((svc.spec as { clusterIP: string }).clusterIP, '10.96.0.1');
    const port = Number(new URL(c.server).port);
    const ep = await json(['get', 'endpoints', 'kubernetes']);
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
  });

  it('kubectl create deployment: a ReplicaSet and pods with owner references', async () => {
    assert.match(await c.k(['create', 'deployment', 'web', '--image=skiff-test/busybox:1', '--replicas=3']), /deployment.apps\/web created/);
    const pods = await eventually(async () => {
      const p = await live('app=web');
      return p.length === 3 ? p : undefined;
    });
    const d = await json(['get', 'deploy', 'web']);
    const [rs] = await list('rs', 'app=web');
    assert.equal(rs.metadata.name, `web-${rs.metadata.labels?.['pod-template-hash']}`);
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    for (const p of pods) {
      assert.equal(p.metadata.ownerReferences?.[0].kind, 'ReplicaSet');
      assert.equal(p.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
      assert.equal(p.metadata.ownerReferences?.[0].controller, true);
      assert.match(p.metadata.name, new RegExp(`^${rs.metadata.name}-[a-z0-9]{5}$`));
    }
  });

  it('kubectl scale deploy web --replicas=5 → 5 pods', async () => {
    assert.match(await c.k(['scale', 'deploy', 'web', '--replicas=5']), /scaled/);
    await eventually(async () => (await live('app=web')).length === 5);
  });

  it('kubectl rollout status finishes once the pods are ready', async () => {
    const out = await completeRollout('web');
    assert.match(out, /deployment "web" successfully rolled out/);
    const d = await json(['get', 'deploy', 'web']);
    assert.equal((d.status as { availableReplicas: number }).availableReplicas, 5);
    assert.match(await c.k(['get', 'deploy', 'web']), /web\s+5\/5\s+5\s+5/);
  });

  it('kubectl set image: a new ReplicaSet takes over as its pods become ready', async () => {
    await c.k(['set', 'image', 'deploy/web', 'busybox=skiff-test/busybox:2']);
    await eventually(async () => (await revisions('web')).has('2'));
    await completeRollout('web');
    const rss = await revisions('web');
    assert.equal(rss.get('1')?.spec?.replicas, 0);
    assert.equal(rss.get('2')?.spec?.replicas, 5);
    const pods = await live('app=web');
    assert.equal(pods.length, 5);
    assert.ok(pods.every((p) => (p.spec as { containers: { image: string }[] }).containers[0].image === 'skiff-test/busybox:2'));
  });

  it('kubectl rollout history lists the revisions', async () => {
    const out = await c.k(['rollout', 'history', 'deploy/web']);
    assert.match(out, /REVISION\s+CHANGE-CAUSE/);
    assert.match(out, /^1\s+<none>/m);
    assert.match(out, /^2\s+<none>/m);
    const r2 = await c.k(['rollout', 'history', 'deploy/web', '--revision=2']);
    assert.match(r2, /skiff-test\/busybox:2/);
  });

  it('kubectl rollout undo goes back to the old ReplicaSet (no new one)', async () => {
    const before = await revisions('web');
    const oldUid = before.get('1')?.metadata.uid;
    assert.match(await c.k(['rollout', 'undo', 'deploy/web']), /rolled back/);
    await eventually(async () => (await revisions('web')).get('3')?.metadata.uid === oldUid);
    await completeRollout('web');
    const rss = await list('rs', 'app=web');
    assert.equal(rss.length, 2, 'the old ReplicaSet was reused');
    const pods = await live('app=web');
    assert.ok(pods.every((p) => (p.spec as { containers: { image: string }[] }).containers[0].image === 'skiff-test/busybox:1'));
    const hist = await c.k(['rollout', 'history', 'deploy/web']);
    assert.match(hist, /^2\s/m);
    assert.match(hist, /^3\s/m);
    assert.doesNotMatch(hist, /^1\s/m, 'revision 1 became 3');
  });

  it('kubectl rollout restart creates a new ReplicaSet', async () => {
    await c.k(['rollout', 'restart', 'deploy/web']);
    await eventually(async () => (await revisions('web')).has('4'));
    await completeRollout('web');
    const rs4 = (await revisions('web')).get('4') as Obj;
    const tmpl = rs4.spec?.template as unknown as { metadata: { annotations: Record<string, string> } };
    assert.ok(tmpl.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
  });

  it('kubectl rollout pause / resume', async () => {
    await c.k(['rollout', 'pause', 'deploy/web']);
    await c.k(['set', 'image', 'deploy/web', 'busybox=skiff-test/busybox:3']);
    await eventually(async () => {
      const d = await json(['get', 'deploy', 'web']);
      return (d.status as { observedGeneration: number }).observedGeneration === (d.metadata as { generation?: number }).generation;
    });
    assert.equal((await revisions('web')).has('5'), false, 'paused: no rollout');
    const d = await json(['get', 'deploy', 'web']);
    assert.equal(d.status?.conditions?.find((x) => x.type === 'Progressing')?.status, 'Unknown');
    await c.k(['rollout', 'resume', 'deploy/web']);
    await eventually(async () => (await revisions('web')).has('5'));
    await completeRollout('web');
  });

  it('kubectl delete deploy (background) removes ReplicaSets and pods', async () => {
    await c.k(['delete', 'deploy', 'web']);
    await eventually(async () => (await list('rs', 'app=web')).length === 0 && (await list('pods', 'app=web')).length === 0);
  });

  it('kubectl delete --cascade=orphan keeps the ReplicaSet and pods', async () => {
    await c.k(['create', '-f', writeTemp('orph.json', deployment('orph', 2))]);
    await eventually(async () => (await live('app=orph')).length === 2);
    await c.k(['delete', 'deploy', 'orph', '--cascade=orphan']);
    await eventually(async () => (await c.kubectl(['get', 'deploy', 'orph'])).code !== 0);
    const [rs] = await list('rs', 'app=orph');
    assert.ok(rs, 'ReplicaSet kept');
    assert.equal(rs.metadata.ownerReferences, undefined, 'and orphaned');
    assert.equal((await live('app=orph')).length, 2, 'pods kept');
    await c.k(['delete', 'rs', rs.metadata.name]);
    await eventually(async () => (await list('pods', 'app=orph')).length === 0);
  });

  it('kubectl delete --cascade=foreground removes dependents first', async () => {
    await c.k(['create', '-f', writeTemp('fg.json', deployment('fg', 2))]);
    await eventually(async () => (await live('app=fg')).length === 2);
    // kubectl waits until the Deployment is gone, which is after its ReplicaSet and pods.
    const r = await c.kubectl(['delete', 'deploy', 'fg', '--cascade=foreground', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await list('rs', 'app=fg')).length, 0);
    assert.equal((await list('pods', 'app=fg')).length, 0);
  });

  it('ReplicationControllers keep their replica count', async () => {
    const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'skiff-test/busybox:1' }] } } } };
    await c.k(['create', '-f', writeTemp('rc.json', JSON.stringify(rc))]);
    await eventually(async () => (await live('app=legacy')).length === 2);
    const [p] = await live('app=legacy');
    assert.equal(p.metadata.ownerReferences?.[0].kind, 'ReplicationController');
    await c.k(['scale', 'rc', 'legacy', '--replicas=1']);
    await eventually(async () => (await live('app=legacy')).length === 1);
    await c.k(['delete', 'rc', 'legacy']);
    await eventually(async () => (await list('pods', 'app=legacy')).length === 0);
  });

  it('Endpoints and EndpointSlices follow pod readiness (named targetPort)', async () => {
    await c.k(['create', '-f', writeTemp('ep.json', deployment('ep', 2, { port: true }))]);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ep' }, spec: { selector: { app: 'ep' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } };
    await c.k(['create', '-f', writeTemp('svc.json', JSON.stringify(svc))]);
    await eventually(async () => (await live('app=ep')).length === 2);
    // Running with an IP but not ready: listed as not ready.
    await markReady('app=ep', 'default', false);
    const ep1 = await eventually(async () => {
      const e = await json(['get', 'endpoints', 'ep']);
      const s = (e.subsets as { notReadyAddresses?: unknown[] }[] | undefined)?.[0];
      return s?.notReadyAddresses?.length === 2 ? e : undefined;
    });
    assert.deepEqual((ep1.subsets as { ports: unknown[] }[])[0].ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    await markReady('app=ep');
    const ep2 = await eventually(async () => {
      const e = await json(['get', 'endpoints', 'ep']);
      const s = (e.subsets as { addresses?: { ip: string; targetRef: { kind: string } }[]; notReadyAddresses?: unknown[] }[] | undefined)?.[0];
      return s?.addresses?.length === 2 && !s.notReadyAddresses ? s : undefined;
    });
    assert.ok(ep2.addresses?.every((a) => a.targetRef.kind === 'Pod'));
    const slices = await list('endpointslices', 'kubernetes.io/service-name=ep');
    assert.equal(slices.length, 1);
    assert.equal(slices[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual((slices[0].endpoints as { conditions: unknown }[]).map((e) => e.conditions), [
      { ready: true, serving: true, terminating: false },
      { ready: true, serving: true, terminating: false },
    ]);
    const described = await c.k(['describe', 'svc', 'ep']);
    assert.match(described, /Endpoints:\s+10\.244\.0\.\d+:8080,10\.244\.0\.\d+:8080/);
    // Scale to 1: the endpoint of the deleted pod goes away.
    await c.k(['scale', 'deploy', 'ep', '--replicas=1']);
    await eventually(async () => {
      const e = await json(['get', 'endpoints', 'ep']);
      return (e.subsets as { addresses?: unknown[] }[] | undefined)?.[0]?.addresses?.length === 1;
    });
  });

  it('kubectl delete ns empties the namespace and removes it', async () => {
    await c.k(['create', 'ns', 'doomed']);
    await c.k(['create', '-f', writeTemp('d.json', deployment('doomed-app', 2, { ns: 'doomed' }))]);
    await c.k(['-n', 'doomed', 'create', 'cm', 'cfg', '--from-literal=a=b']);
    await c.k(['-n', 'doomed', 'create', 'svc', 'clusterip', 'doomed-svc', '--tcp=80:8080']);
    await eventually(async () => (await live('app=doomed-app', 'doomed')).length === 2);
    const r = await c.kubectl(['delete', 'ns', 'doomed', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /namespace "doomed" deleted/);
    await eventually(async () => (await c.kubectl(['get', 'ns', 'doomed'])).code !== 0);
    const gone = await c.kubectl(['get', 'ns', 'doomed']);
    assert.match(gone.stderr, /NotFound/);
  });

  // A CRD created after the cluster started: the garbage collector picks up its kind at run time
  // (upstream resyncs its monitors on discovery changes), and the namespace controller deletes
  // its objects with their namespace.
  const gadgetCRD = JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.e2e.skiff.dev' },
    spec: {
      group: 'e2e.skiff.dev',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  const gadget = (name: string, owner?: Obj & { apiVersion?: unknown; kind?: unknown }, ns = 'default') =>
    JSON.stringify({
      apiVersion: 'e2e.skiff.dev/v1',
      kind: 'Gadget',
      metadata: { name, namespace: ns, ...(owner ? { ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, blockOwnerDeletion: true }] } : {}) },
      spec: { size: 1 },
    });

  it('custom resources of a CRD created after start are garbage-collected (background) when their owner goes', async () => {
    await c.k(['apply', '-f', writeTemp('gadget-crd.json', gadgetCRD)]);
    await c.k(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/gadgets.e2e.skiff.dev']);
    await c.k(['create', 'configmap', 'gadget-owner', '--from-literal=a=b']);
    const owner = await json(['get', 'configmap', 'gadget-owner']);
    await c.k(['create', '-f', writeTemp('gadget1.json', gadget('g1', owner))]);
    await c.k(['create', '-f', writeTemp('gadget-free.json', gadget('g-free'))]);
    assert.match(await c.k(['get', 'gadgets']), /^g1\s/m);
    await c.k(['delete', 'configmap', 'gadget-owner']);
    await eventually(async () => (await c.kubectl(['get', 'gadget', 'g1'])).code !== 0);
    assert.match((await c.kubectl(['get', 'gadget', 'g1'])).stderr, /NotFound/);
    assert.match(await c.k(['get', 'gadget', 'g-free']), /^g-free\s/m, 'a custom resource without owner stays');
  });

  it('kubectl delete --cascade=foreground of a custom resource owner removes its dependents first', async () => {
    const owner = await json(['get', 'gadget', 'g-free']);
    const dep = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned-by-gadget', ownerReferences: [{ apiVersion: 'e2e.skiff.dev/v1', kind: 'Gadget', name: 'g-free', uid: owner.metadata.uid, blockOwnerDeletion: true }] }, data: { a: 'b' } };
    await c.k(['create', '-f', writeTemp('owned-by-gadget.json', JSON.stringify(dep))]);
    const r = await c.kubectl(['delete', 'gadget', 'g-free', '--cascade=foreground', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /gadget\.e2e\.skiff\.dev "g-free" deleted/);
    assert.equal((await c.kubectl(['get', 'configmap', 'owned-by-gadget'])).code, 1, 'the dependent went first');
    assert.equal((await c.kubectl(['get', 'gadget', 'g-free'])).code, 1);
  });

  it('kubectl delete ns deletes the custom resources in it', async () => {
    await c.k(['create', 'ns', 'gadget-ns']);
    await c.k(['create', '-f', writeTemp('gadget-ns.json', gadget('g-ns', undefined, 'gadget-ns'))]);
    const r = await c.kubectl(['delete', 'ns', 'gadget-ns', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (await c.kubectl(['get', 'ns', 'gadget-ns'])).code !== 0);
    assert.deepEqual((await json<{ items: Obj[] }>(['get', 'gadgets', '-A'])).items.map((g) => g.metadata.name), []);
  });
});
