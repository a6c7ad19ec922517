import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { ReplicaSetController, type ReplicaSet } from '../replicaset/replica_set.js';
import { DeploymentController } from './deployment_controller.js';
import type { Deployment } from './util.js';
import { maxSurge, maxUnavailable, resolveFenceposts } from './util.js';
import { computeHash, equalIgnoreHash } from '../shared/hash.js';
import { markPodsReady, newDeployment, newTestEnv, rejectCreatesLikeQuota, setPodStatus, settle, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';

interface World {
  env: TestEnv;
  rsc: ReplicaSetController;
  dc: DeploymentController;
}

function setup(): World {
  const env = newTestEnv();
  const rsc = new ReplicaSetController(env.ctx, { recorder: env.recorder });
  const dc = new DeploymentController(env.ctx, { recorder: env.recorder });
  rsc.start();
  dc.start();
  return { env, rsc, dc };
}

const deploy = (w: World, name = 'web') => w.env.get<Deployment>('apps', 'Deployment', 'default', name) as Deployment;
const replicaSets = (w: World) => w.env.list<ReplicaSet>('apps', 'ReplicaSet', 'default').sort((a, b) => (a.metadata.name as string).localeCompare(b.metadata.name as string));
const byRevision = (w: World) => new Map(replicaSets(w).map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs]));
const livePods = (w: World, sel = 'app=web') => w.env.list<Pod>('', 'Pod', 'default', sel).filter((p) => !p.metadata.deletionTimestamp);
const cond = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

function setImage(w: World, image: string, name = 'web'): void {
  w.env.modify('apps', 'Deployment', 'default', name, (d: KubeObject) => {
    const spec = d.spec as Deployment['spec'];
    (spec.template!.spec!.containers as { image: string }[])[0].image = image;
  });
}

function setSpec(w: World, fn: (s: Deployment['spec']) => void, name = 'web'): void {
  w.env.modify('apps', 'Deployment', 'default', name, (d: KubeObject) => fn(d.spec as Deployment['spec']));
}

/** What `kubectl rollout status` waits for. */
function rolloutDone(d: Deployment): boolean {
  const st = d.status ?? {};
  const want = d.spec.replicas ?? 1;
  return (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && (st.updatedReplicas ?? 0) === want && (st.replicas ?? 0) === want && (st.availableReplicas ?? 0) === want;
}

describe('Deployment controller', () => {
  let w: World;
  beforeEach(() => {
    w = setup();
  });
  afterEach(async () => {
    await w.dc.stop();
    await w.rsc.stop();
    w.env.close();
  });

  it("surfaces its ReplicaSet's ReplicaFailure (a create refused by ResourceQuota admission)", async () => {
    const quota = rejectCreatesLikeQuota(w.env);
    w.env.create(newDeployment('web', 2, { app: 'web' }));
    await settle(w.dc, w.rsc);
    assert.equal(livePods(w).length, 0);
    const failure = cond(deploy(w), 'ReplicaFailure');
    assert.equal(failure?.status, 'True');
    assert.equal(failure?.reason, 'FailedCreate');
    assert.ok(quota.messages.includes(failure?.message ?? ''), failure?.message);
    assert.ok(w.env.recorder.events.some((e) => e.reason === 'FailedCreate' && e.message === `Error creating: ${failure?.message}`));
    // The quota allows pods again: the ReplicaSet creates them, the condition goes from both.
    quota.on = false;
    for (const rs of replicaSets(w)) w.rsc.worker.enqueue(`default/${rs.metadata.name}`);
    await settle(w.rsc, w.dc);
    assert.equal(livePods(w).length, 2);
    assert.equal(cond(deploy(w), 'ReplicaFailure'), undefined);
  });

  it('creates a ReplicaSet per pod template with hash, revision and replica annotations', async () => {
    const d0 = w.env.create(newDeployment('web', 3, { app: 'web' }));
    await settle(w.dc, w.rsc);
    const [rs] = replicaSets(w);
    const hash = rs.metadata.labels?.['pod-template-hash'] as string;
    assert.ok(hash);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(hash, computeHash((deploy(w).spec as Deployment['spec']).template), 'stable hash of the template');
    assert.deepEqual((rs.spec?.selector as { matchLabels: Record<string, string> }).matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(rs.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d0.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(livePods(w).length, 3);
    let d = deploy(w);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(d.status?.replicas, 3);
    assert.equal(d.status?.updatedReplicas, 3);
    assert.equal(d.status?.unavailableReplicas, 3);
    assert.equal(cond(d, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(cond(d, 'Progressing')?.reason, 'ReplicaSetUpdated');
    assert.equal(rolloutDone(d), false);
    assert.ok(w.env.recorder.events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} from 0 to 3`));

    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    d = deploy(w);
    assert.equal(d.status?.availableReplicas, 3);
    assert.equal(d.status?.readyReplicas, 3);
    assert.equal(d.status?.unavailableReplicas, undefined);
    assert.equal(cond(d, 'Available')?.status, 'True');
    assert.equal(cond(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(cond(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.equal(cond(d, 'Progressing')?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    assert.ok(rolloutDone(d));
  });

  it('scales the single ReplicaSet with spec.replicas', async () => {
    w.env.create(newDeployment('web', 2, { app: 'web' }));
    await settle(w.dc, w.rsc);
    setSpec(w, (s) => void (s.replicas = 5));
    await settle(w.dc, w.rsc);
    assert.equal(livePods(w).length, 5);
    const [rs] = replicaSets(w);
    assert.equal(rs.spec?.replicas, 5);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
    setSpec(w, (s) => void (s.replicas = 1));
    await settle(w.dc, w.rsc);
    assert.equal(livePods(w).length, 1);
    assert.equal(replicaSets(w).length, 1);
  });

  it('rolls out step by step within maxSurge and maxUnavailable', async () => {
    w.env.create(newDeployment('web', 4, { app: 'web' }, { maxSurge: 1, maxUnavailable: 1 }));
    await settle(w.dc, w.rsc);
    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    assert.ok(rolloutDone(deploy(w)));
    setImage(w, 'busybox:2');
    const steps: string[] = [];
    for (let i = 0; i < 20; i++) {
      await settle(w.dc, w.rsc);
      const rss = byRevision(w);
      const oldRS = rss.get('1') as ReplicaSet;
      const newRS = rss.get('2') as ReplicaSet;
      assert.ok(newRS, 'new ReplicaSet with revision 2');
      const pods = livePods(w);
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      assert.ok(pods.length <= 5, `at most replicas+maxSurge pods (step ${i}: ${pods.length})`);
      assert.ok(ready.length >= 3, `at least replicas-maxUnavailable ready (step ${i}: ${ready.length})`);
      steps.push(`${oldRS?.spec?.replicas ?? 0}/${newRS.spec?.replicas}`);
      if (rolloutDone(deploy(w))) break;
      // The kubelet's part: new pods become ready.
      markPodsReady(w.env, 'default', `app=web,pod-template-hash=${newRS.metadata.labels?.['pod-template-hash']}`);
    }
    assert.deepEqual(steps, ['3/2', '1/4', '0/4']);
    const d = deploy(w);
    assert.ok(rolloutDone(d));
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(cond(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.equal(livePods(w).length, 4);
    assert.ok(livePods(w).every((p) => p.spec?.containers?.[0]?.image === 'busybox:2'));
  });

  it('Recreate scales old pods to zero and waits for them to be gone before creating the new ReplicaSet', async () => {
    w.env.create(newDeployment('web', 2, { app: 'web' }, { strategy: 'Recreate' }));
    await settle(w.dc, w.rsc);
    // Bind the pods, so deleting them is graceful (they linger until the kubelet removes them).
    for (const p of livePods(w)) setPodStatus(w.env, 'default', p.metadata.name as string, { phase: 'Running', ready: true, nodeName: 'node-1' });
    await settle(w.dc, w.rsc);
    setImage(w, 'busybox:2');
    await settle(w.dc, w.rsc);
    assert.equal(replicaSets(w).length, 1, 'no new ReplicaSet while old pods terminate');
    assert.equal(replicaSets(w)[0].spec?.replicas, 0);
    const terminating = w.env.list<Pod>('', 'Pod', 'default', 'app=web');
    assert.equal(terminating.length, 2);
    assert.ok(terminating.every((p) => p.metadata.deletionTimestamp));
    // The kubelet finishes: pods removed.
    for (const p of terminating) w.env.client.resource('', 'Pod').delete('default', p.metadata.name as string, { gracePeriodSeconds: 0 });
    await settle(w.dc, w.rsc);
    assert.equal(replicaSets(w).length, 2);
    const newRS = byRevision(w).get('2') as ReplicaSet;
    assert.equal(newRS.spec?.replicas, 2);
    assert.equal(livePods(w).length, 2);
  });

  it('rollout undo (template copied back) reuses the old ReplicaSet with a new revision', async () => {
    w.env.create(newDeployment('web', 2, { app: 'web' }));
    await settle(w.dc, w.rsc);
    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    setImage(w, 'busybox:2');
    for (let i = 0; i < 10 && !rolloutDone(deploy(w)); i++) {
      markPodsReady(w.env, 'default', 'app=web');
      await settle(w.dc, w.rsc);
    }
    assert.ok(rolloutDone(deploy(w)));
    const rev1 = byRevision(w).get('1') as ReplicaSet;
    assert.ok(rev1);
    // kubectl rollout undo: JSON patch replacing /spec/template with revision 1's template,
    // without the hash label, as a Go client serializes it.
    const tmpl = structuredClone(rev1.spec?.template) as Record<string, unknown> & { metadata: { labels: Record<string, string>; creationTimestamp?: unknown } };
    delete tmpl.metadata.labels['pod-template-hash'];
    tmpl.metadata.creationTimestamp = null;
    w.env.modify('apps', 'Deployment', 'default', 'web', (d: KubeObject) => void ((d.spec as Record<string, unknown>).template = tmpl));
    for (let i = 0; i < 10 && !rolloutDone(deploy(w)); i++) {
      await settle(w.dc, w.rsc);
      markPodsReady(w.env, 'default', 'app=web');
      await settle(w.dc, w.rsc);
    }
    const rss = replicaSets(w);
    assert.equal(rss.length, 2, 'no third ReplicaSet');
    const reused = rss.find((rs) => rs.metadata.uid === rev1.metadata.uid) as ReplicaSet;
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(reused.spec?.replicas, 2);
    assert.equal(deploy(w).metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.ok(rolloutDone(deploy(w)));
  });

  it('paused: no rollout, scaling still applies, resume continues', async () => {
    w.env.create(newDeployment('web', 2, { app: 'web' }));
    await settle(w.dc, w.rsc);
    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    setSpec(w, (s) => void (s.paused = true));
    await settle(w.dc, w.rsc);
    assert.equal(cond(deploy(w), 'Progressing')?.reason, 'DeploymentPaused');
    assert.equal(cond(deploy(w), 'Progressing')?.status, 'Unknown');
    setImage(w, 'busybox:2');
    setSpec(w, (s) => void (s.replicas = 3));
    await settle(w.dc, w.rsc);
    assert.equal(replicaSets(w).length, 1, 'paused: no new ReplicaSet');
    assert.equal(replicaSets(w)[0].spec?.replicas, 3, 'paused: scaling applies');
    assert.equal(deploy(w).status?.observedGeneration, deploy(w).metadata.generation);
    setSpec(w, (s) => void (s.paused = false));
    await settle(w.dc, w.rsc);
    assert.equal(replicaSets(w).length, 2, 'resumed: new ReplicaSet');
    assert.notEqual(cond(deploy(w), 'Progressing')?.reason, 'DeploymentPaused');
  });

  it('reports ProgressDeadlineExceeded when pods never become available (fake clock)', async () => {
    w.env.create(newDeployment('web', 2, { app: 'web' }, { progressDeadlineSeconds: 60 }));
    await settle(w.dc, w.rsc);
    assert.equal(cond(deploy(w), 'Progressing')?.status, 'True');
    w.env.clock.advance(30_000);
    w.dc.worker.enqueue('default/web');
    await settle(w.dc, w.rsc);
    assert.equal(cond(deploy(w), 'Progressing')?.status, 'True', 'not yet');
    w.env.clock.advance(31_000);
    w.dc.worker.enqueue('default/web');
    await settle(w.dc, w.rsc);
    const c = cond(deploy(w), 'Progressing');
    assert.equal(c?.status, 'False');
    assert.equal(c?.reason, 'ProgressDeadlineExceeded');
    assert.match(c?.message ?? '', /has timed out progressing/);
    // Progress after the deadline turns it back.
    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    assert.equal(cond(deploy(w), 'Progressing')?.reason, 'NewReplicaSetAvailable');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    w.env.create(newDeployment('web', 1, { app: 'web' }, { revisionHistoryLimit: 1 }));
    for (const image of ['busybox:1', 'busybox:2', 'busybox:3', 'busybox:4']) {
      setImage(w, image);
      for (let i = 0; i < 10 && !rolloutDone(deploy(w)); i++) {
        await settle(w.dc, w.rsc);
        markPodsReady(w.env, 'default', 'app=web');
        await settle(w.dc, w.rsc);
      }
    }
    w.dc.worker.enqueue('default/web');
    await settle(w.dc, w.rsc);
    const revs = replicaSets(w).map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revs, ['3', '4']);
  });

  it('adopts a matching orphan ReplicaSet with the same template instead of creating one', async () => {
    const d = newDeployment('web', 1, { app: 'web' });
    const hash = computeHash((d.spec as Deployment['spec']).template);
    const rs = newDeployment('x', 1, { app: 'web' });
    const orphan: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'handmade', namespace: 'default', labels: { app: 'web', 'pod-template-hash': hash } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
        template: { ...(rs.spec as { template: { spec: unknown } }).template, metadata: { labels: { app: 'web', 'pod-template-hash': hash } } },
      },
    };
    w.env.create(orphan);
    const created = w.env.create(d);
    await settle(w.dc, w.rsc);
    const rss = replicaSets(w);
    assert.equal(rss.length, 1);
    assert.equal(rss[0].metadata.ownerReferences?.[0].uid, created.metadata.uid);
  });

  it('resolves a hash collision by bumping collisionCount', async () => {
    // Created first (controllers only act on settle), so the hash is the defaulted template's.
    w.env.create(newDeployment('web', 1, { app: 'web' }));
    const tmpl = deploy(w).spec.template;
    const hash = computeHash(tmpl);
    // Someone else's ReplicaSet holds the name the Deployment wants.
    w.env.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `web-${hash}`, namespace: 'default', labels: { other: 'x' } },
      spec: { replicas: 0, selector: { matchLabels: { other: 'x' } }, template: { metadata: { labels: { other: 'x' } }, spec: { containers: [{ name: 'c', image: 'other' }] } } },
    });
    await settle(w.dc, w.rsc);
    await new Promise((r) => setTimeout(r, 50)); // the failed sync is re-queued with backoff
    await settle(w.dc, w.rsc);
    assert.equal(deploy(w).status?.collisionCount, 1);
    const mine = replicaSets(w).filter((rs) => rs.metadata.ownerReferences?.[0]?.kind === 'Deployment');
    assert.equal(mine.length, 1);
    assert.equal(mine[0].metadata.name, `web-${computeHash(tmpl, 1)}`);
  });

  it('a restarted controller manager changes nothing that is already right', async () => {
    w.env.create(newDeployment('web', 3, { app: 'web' }));
    await settle(w.dc, w.rsc);
    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    const rev = w.env.store.revision;
    await w.dc.stop();
    await w.rsc.stop();
    // Fresh controllers with fresh caches, as after `skiff serve` restarts.
    w.rsc = new ReplicaSetController(w.env.ctx, { recorder: w.env.recorder });
    w.dc = new DeploymentController(w.env.ctx, { recorder: w.env.recorder });
    w.rsc.start();
    w.dc.start();
    await settle(w.dc, w.rsc);
    assert.equal(w.env.store.revision, rev, 'no writes at all');
  });

  it('scales proportionally in the middle of a rollout', async () => {
    w.env.create(newDeployment('web', 10, { app: 'web' }, { maxSurge: 3, maxUnavailable: 2 }));
    await settle(w.dc, w.rsc);
    markPodsReady(w.env, 'default', 'app=web');
    await settle(w.dc, w.rsc);
    setImage(w, 'busybox:2'); // new RS gets 3 (surge), old goes to 8 (10-2)
    await settle(w.dc, w.rsc);
    const before = byRevision(w);
    const total0 = (before.get('1')?.spec?.replicas ?? 0) + (before.get('2')?.spec?.replicas ?? 0);
    assert.equal(total0, 13);
    setSpec(w, (s) => void (s.replicas = 20));
    await settle(w.dc, w.rsc);
    const after = byRevision(w);
    const oldN = after.get('1')?.spec?.replicas ?? 0;
    const newN = after.get('2')?.spec?.replicas ?? 0;
    assert.equal(oldN + newN, 23, 'replicas + maxSurge in total');
    assert.ok(oldN > before.get('1')!.spec!.replicas! && newN > before.get('2')!.spec!.replicas!, `both grew: ${oldN}/${newN}`);
  });
});

describe('deployment util', () => {
  const cases: { surge?: number | string; unavail?: number | string; replicas: number; want: [number, number] }[] = [
    { surge: '25%', unavail: '25%', replicas: 3, want: [1, 0] },
    { surge: '25%', unavail: '25%', replicas: 10, want: [3, 2] },
    { surge: 0, unavail: 0, replicas: 5, want: [0, 1] },
    { surge: '50%', unavail: 1, replicas: 1, want: [1, 1] },
    { surge: '0%', unavail: '10%', replicas: 5, want: [0, 1] },
  ];
  for (const c of cases) {
    it(`resolveFenceposts(${c.surge}, ${c.unavail}, ${c.replicas}) = ${c.want}`, () => {
      assert.deepEqual(resolveFenceposts(c.surge, c.unavail, c.replicas), c.want);
    });
  }
  it('maxUnavailable is capped at replicas and 0 for Recreate', () => {
    const d = newDeployment('x', 2, { a: 'b' }, { maxSurge: 0, maxUnavailable: 5 }) as Deployment;
    assert.equal(maxUnavailable(d), 2);
    const r = newDeployment('x', 2, { a: 'b' }, { strategy: 'Recreate' }) as Deployment;
    assert.equal(maxUnavailable(r), 0);
    assert.equal(maxSurge(r), 0);
  });
  it('equalIgnoreHash ignores the hash label and Go zero-value noise', () => {
    const a = { metadata: { labels: { app: 'x', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } };
    const b = { metadata: { creationTimestamp: null, labels: { app: 'x' } }, spec: { containers: [{ image: 'i', name: 'c' }] } };
    assert.ok(equalIgnoreHash(a, b));
    assert.ok(!equalIgnoreHash(a, { ...b, spec: { containers: [{ name: 'c', image: 'j' }] } }));
  });
  it('computeHash is stable and depends on the collision count', () => {
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    assert.equal(computeHash(t), computeHash(structuredClone(t)));
    assert.notEqual(computeHash(t), computeHash(t, 1));
    assert.match(computeHash(t), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
});
