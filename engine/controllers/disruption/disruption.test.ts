import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../api/clock.js';
import { buildRegistry } from '../../api/resources/index.js';
import { Registry, type ResourceDef } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import { Rest } from '../../apiserver/rest.js';
import { installAdmission } from '../../apiserver/admission.js';
import { Client } from '../../client/client.js';
import type { EngineContext } from '../../component.js';
import { Store } from '../../store/store.js';
import { newPod, newReplicaSet, newDeployment, settle } from '../shared/testing.js';
import { newControllerRef } from '../shared/ownerrefs.js';
import type { Pod } from '../shared/pods.js';
import { DisruptionController, PDB_RESOURCE, type PodDisruptionBudget } from './disruption.js';
import { checkEviction } from '../../apiserver/eviction.js';

/** An engine whose registry serves policy/v1 PodDisruptionBudget (the wiring the report asks for). */
function env() {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const store = new Store({ path: ':memory:' });
  const registry = buildRegistry([PDB_RESOURCE as ResourceDef]);
  const rest = new Rest(store, registry, clock);
  installAdmission(rest);
  const client = new Client(rest, registry);
  const ctx = { client, rest, registry, clock, dataDir: '', nodeName: 'n', clusterName: 't', apiServer: { url: '', caCert: '', token: '' }, features: {}, identity: 't' } as unknown as EngineContext;
  client.resource('', 'Namespace').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const create = <T extends KubeObject>(o: T): T => {
    const def = registry.byApiVersionKind(o.apiVersion as string, o.kind as string)!;
    return client.resource<T>(def.group, def.kind).create(o);
  };
  return { clock, store, registry, client, ctx, create };
}

function newPDB(spec: NonNullable<PodDisruptionBudget['spec']>): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web-pdb', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } };
}

describe('disruption controller', () => {
  let e: ReturnType<typeof env>;
  let c: DisruptionController;
  beforeEach(() => {
    e = env();
    c = new DisruptionController(e.ctx);
    c.requeueAfter = () => {};
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    e.store.close();
  });

  /** A Deployment → ReplicaSet → `n` ready pods. */
  function workload(replicas: number, ready = replicas): void {
    const d = e.create(newDeployment('web', replicas, { app: 'web' }));
    const rs = newReplicaSet('web-abc', replicas, { app: 'web' });
    rs.metadata.ownerReferences = [newControllerRef(d, 'apps/v1', 'Deployment')];
    const rsObj = e.create(rs);
    for (let i = 0; i < replicas; i++) {
      e.create(newPod(`web-${i}`, { labels: { app: 'web' }, phase: 'Running', ready: i < ready, ownerReferences: [newControllerRef(rsObj, 'apps/v1', 'ReplicaSet')] }));
    }
  }

  const pdb = () => e.client.resource<PodDisruptionBudget>('policy', 'PodDisruptionBudget').get('default', 'web-pdb')!;

  const cases: { name: string; spec: NonNullable<PodDisruptionBudget['spec']>; replicas: number; ready: number; want: [number, number, number, number] }[] = [
    { name: 'minAvailable 2 of 3 ready', spec: { minAvailable: 2 }, replicas: 3, ready: 3, want: [3, 2, 3, 1] },
    { name: 'minAvailable 50%', spec: { minAvailable: '50%' }, replicas: 4, ready: 4, want: [4, 2, 4, 2] },
    { name: 'maxUnavailable 1 (expected from the Deployment)', spec: { maxUnavailable: 1 }, replicas: 3, ready: 3, want: [3, 2, 3, 1] },
    { name: 'maxUnavailable 1, one pod not ready', spec: { maxUnavailable: 1 }, replicas: 3, ready: 2, want: [2, 2, 3, 0] },
    { name: 'maxUnavailable 0', spec: { maxUnavailable: 0 }, replicas: 2, ready: 2, want: [2, 2, 2, 0] },
  ];
  for (const tc of cases) {
    it(`status: ${tc.name}`, async () => {
      workload(tc.replicas, tc.ready);
      e.create(newPDB(tc.spec));
      await settle(c);
      const st = pdb().status!;
      assert.deepEqual([st.currentHealthy, st.desiredHealthy, st.expectedPods, st.disruptionsAllowed], tc.want);
      const cond = st.conditions?.find((x) => x.type === 'DisruptionAllowed');
      assert.equal(cond?.status, tc.want[3] > 0 ? 'True' : 'False');
      assert.equal(cond?.reason, tc.want[3] > 0 ? 'SufficientPods' : 'InsufficientPods');
      assert.equal(st.observedGeneration, 1);
    });
  }

  it('eviction spends the budget, then answers 429 like the API server must', async () => {
    workload(3);
    e.create(newPDB({ minAvailable: 2 }));
    await settle(c);
    const pod = (n: string) => e.client.resource<Pod>('', 'Pod').get('default', n)!;
    checkEviction(e.client, pod('web-0'), e.clock.now());
    assert.equal(pdb().status?.disruptionsAllowed, 0);
    assert.ok(pdb().status?.disruptedPods?.['web-0']);
    await settle(c);
    assert.equal(pdb().status?.currentHealthy, 2, 'the evicted pod no longer counts as healthy');
    assert.throws(
      () => checkEviction(e.client, pod('web-1'), e.clock.now()),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 429 &&
        err.message === "Cannot evict pod as it would violate the pod's disruption budget." &&
        err.status.details?.causes?.[0].message === 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently',
    );
    // The eviction never led to a deletion: after two minutes the budget is restored.
    e.clock.advance(2 * 60_000 + 1000);
    c.worker.enqueue('default/web-pdb');
    await settle(c);
    assert.equal(pdb().status?.disruptedPods, undefined);
    assert.equal(pdb().status?.disruptionsAllowed, 1);
  });

  it('eviction: unready pods go when the budget is met; finished pods always', async () => {
    workload(3, 2);
    e.create(newPDB({ minAvailable: 1 }));
    await settle(c);
    const unready = e.client.resource<Pod>('', 'Pod').get('default', 'web-2')!;
    checkEviction(e.client, unready, e.clock.now());
    assert.equal(pdb().status?.disruptedPods, undefined, 'no allowance spent');
  });
});

describe('disruption controller without the kind', () => {
  it('is inert when the registry does not serve PodDisruptionBudgets', async () => {
    const full = buildRegistry();
    const registry = new Registry();
    for (const d of full.all()) if (!(d.group === 'policy' && d.kind === 'PodDisruptionBudget')) registry.add(d);
    const clock = new FakeClock();
    const store = new Store({ path: ':memory:' });
    const rest = new Rest(store, registry, clock);
    const client = new Client(rest, registry);
    const ctx = { client, rest, registry, clock, features: {} } as unknown as EngineContext;
    const c = new DisruptionController(ctx);
    assert.equal(c.enabled, false);
    c.start();
    await c.stop();
    checkEviction(client, newPod('x', { phase: 'Running', ready: true }), clock.now());
    store.close();
  });
});
