import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { markPodsReady, newTestEnv, rejectCreatesLikeQuota, settle, setPodStatus, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';
import { StatefulSetController } from './statefulset.js';
import type { ControllerRevision } from './history.js';
import type { PersistentVolumeClaim, StatefulSet } from './utils.js';

interface SetOptions {
  serviceName?: string;
  claims?: string[];
  policy?: 'OrderedReady' | 'Parallel';
  partition?: number;
  onDelete?: boolean;
  image?: string;
  retention?: { whenDeleted?: string; whenScaled?: string };
  revisionHistoryLimit?: number;
}

function newStatefulSet(name: string, replicas: number, o: SetOptions = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: o.serviceName ?? name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: o.image ?? 'busybox:1' }] } },
      ...(o.policy ? { podManagementPolicy: o.policy } : {}),
      ...(o.onDelete ? { updateStrategy: { type: 'OnDelete' } } : o.partition !== undefined ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: o.partition } } } : {}),
      ...(o.claims ? { volumeClaimTemplates: o.claims.map((c) => ({ metadata: { name: c }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } })) } : {}),
      ...(o.retention ? { persistentVolumeClaimRetentionPolicy: o.retention } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
    },
  };
}

function create<T extends KubeObject>(env: TestEnv, obj: T): T {
  const def = env.registry.byApiVersionKind(obj.apiVersion as string, obj.kind as string);
  if (!def) throw new Error(`unknown kind ${obj.kind}`);
  return env.client.resource<T>(def.group, def.kind).create(obj);
}

const podNames = (env: TestEnv) =>
  env
    .list<Pod>('', 'Pod', 'default', 'app=web')
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name as string)
    .sort();
const sts = (env: TestEnv) => env.get<StatefulSet>('apps', 'StatefulSet', 'default', 'web') as StatefulSet;
const pod = (env: TestEnv, name: string) => env.get<Pod>('', 'Pod', 'default', name);
const revisions = (env: TestEnv) => env.list<ControllerRevision>('apps', 'ControllerRevision', 'default');
const claims = (env: TestEnv) => env.list<PersistentVolumeClaim>('', 'PersistentVolumeClaim', 'default');

/** A kubelet stand-in: every pod Running and Ready; then the controller settles. */
async function readyAll(env: TestEnv, c: StatefulSetController): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await settle(c);
    if (markPodsReady(env, 'default', 'app=web') === 0) return;
  }
}

function setImage(env: TestEnv, image: string): void {
  env.modify<StatefulSet>('apps', 'StatefulSet', 'default', 'web', (s) => {
    (s.spec!.template!.spec!.containers as { image: string }[])[0].image = image;
  });
}

describe('StatefulSet controller', () => {
  let env: TestEnv;
  let c: StatefulSetController;
  beforeEach(() => {
    env = newTestEnv();
    c = new StatefulSetController(env.ctx, { recorder: env.recorder });
    c.requeueAfter = () => {};
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    env.close();
  });

  it('a pod create refused by admission (403, as ResourceQuota): Warning FailedCreate with upstream wording', async () => {
    const quota = rejectCreatesLikeQuota(env);
    create(env, newStatefulSet('web', 2));
    await settle(c);
    assert.deepEqual(podNames(env), []);
    const failed = env.recorder.events.filter((e) => e.reason === 'FailedCreate');
    assert.ok(failed.length > 0);
    assert.equal(failed[0].type, 'Warning');
    assert.equal(failed[0].message, `create Pod web-0 in StatefulSet web failed error: ${quota.messages[0]}`);
    assert.match(quota.messages[0], /^pods "web-0" is forbidden: exceeded quota: /);
    quota.on = false;
    c.worker.enqueue('default/web');
    await settle(c);
    assert.deepEqual(podNames(env), ['web-0']);
  });

  it('OrderedReady: creates ordinals one at a time, each once its predecessors are ready', async () => {
    create(env, newStatefulSet('web', 3, { serviceName: 'nginx', claims: ['www'] }));
    await settle(c);
    assert.deepEqual(podNames(env), ['web-0']);
    const p0 = pod(env, 'web-0')!;
    assert.equal(p0.spec?.hostname, 'web-0');
    assert.equal(p0.spec?.subdomain, 'nginx');
    assert.equal(p0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(p0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.match(p0.metadata.labels?.['controller-revision-hash'] ?? '', /^web-[a-z0-9]+$/);
    assert.deepEqual(p0.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    assert.deepEqual(claims(env).map((x) => x.metadata.name), ['www-web-0']);
    assert.deepEqual(claims(env)[0].metadata.labels, { app: 'web' });

    // Not Running+Ready: web-1 waits.
    setPodStatus(env, 'default', 'web-0', { phase: 'Running', ready: false });
    await settle(c);
    assert.deepEqual(podNames(env), ['web-0']);
    setPodStatus(env, 'default', 'web-0', { phase: 'Running', ready: true });
    await settle(c);
    assert.deepEqual(podNames(env), ['web-0', 'web-1']);
    await readyAll(env, c);
    assert.deepEqual(podNames(env), ['web-0', 'web-1', 'web-2']);
    assert.deepEqual(claims(env).map((x) => x.metadata.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
    const s = sts(env);
    assert.equal(s.status?.replicas, 3);
    assert.equal(s.status?.readyReplicas, 3);
    assert.equal(s.status?.availableReplicas, 3);
    assert.equal(s.status?.currentReplicas, 3);
    assert.equal(s.status?.updatedReplicas, 3);
    assert.equal(s.status?.currentRevision, s.status?.updateRevision);
    assert.equal(s.status?.observedGeneration, 1);
    assert.equal(s.status?.collisionCount, 0);
    const revs = revisions(env);
    assert.equal(revs.length, 1);
    assert.equal(revs[0].revision, 1);
    assert.equal(revs[0].metadata.name, s.status?.currentRevision);
    assert.deepEqual(revs[0].metadata.labels, { app: 'web' });
    assert.equal(revs[0].metadata.ownerReferences?.[0].kind, 'StatefulSet');
    assert.equal((revs[0].data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
  });

  it('scales down in reverse order, one at a time, keeping the claims', async () => {
    create(env, newStatefulSet('web', 3, { claims: ['www'] }));
    await readyAll(env, c);
    env.modify<StatefulSet>('apps', 'StatefulSet', 'default', 'web', (s) => {
      s.spec!.replicas = 1;
    });
    await settle(c);
    // Unscheduled pods are deleted at once by the API; one step per sync in OrderedReady.
    assert.deepEqual(podNames(env), ['web-0']);
    assert.deepEqual(claims(env).map((x) => x.metadata.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2'], 'PVCs survive');
    const deletes = env.recorder.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
    // Scaling back up reuses the claims.
    env.modify<StatefulSet>('apps', 'StatefulSet', 'default', 'web', (s) => {
      s.spec!.replicas = 2;
    });
    await readyAll(env, c);
    assert.deepEqual(podNames(env), ['web-0', 'web-1']);
    assert.equal(claims(env).length, 3);
  });

  it('OrderedReady scale-down waits while a remaining pod is unhealthy', async () => {
    create(env, newStatefulSet('web', 3));
    await readyAll(env, c);
    setPodStatus(env, 'default', 'web-0', { phase: 'Running', ready: false });
    env.modify<StatefulSet>('apps', 'StatefulSet', 'default', 'web', (s) => {
      s.spec!.replicas = 1;
    });
    await settle(c);
    assert.deepEqual(podNames(env), ['web-0', 'web-1', 'web-2']);
  });

  it('Parallel: creates and deletes without waiting', async () => {
    create(env, newStatefulSet('web', 3, { policy: 'Parallel' }));
    await settle(c);
    assert.deepEqual(podNames(env), ['web-0', 'web-1', 'web-2']);
    env.modify<StatefulSet>('apps', 'StatefulSet', 'default', 'web', (s) => {
      s.spec!.replicas = 0;
    });
    await settle(c);
    assert.deepEqual(podNames(env), []);
  });

  it('rolling update: reverse ordinal order, one at a time, then the update revision is current', async () => {
    create(env, newStatefulSet('web', 3));
    await readyAll(env, c);
    const rev1 = sts(env).status?.currentRevision;
    setImage(env, 'busybox:2');
    await settle(c);
    let s = sts(env);
    assert.notEqual(s.status?.updateRevision, rev1);
    assert.equal(s.status?.currentRevision, rev1);
    // web-2 went first (unscheduled pods vanish at once) and is back at the new revision;
    // web-1 waits until it is ready.
    assert.equal(pod(env, 'web-2')?.metadata.labels?.['controller-revision-hash'], s.status?.updateRevision);
    assert.equal((pod(env, 'web-2')?.spec?.containers?.[0] as { image: string }).image, 'busybox:2');
    assert.equal(pod(env, 'web-1')?.metadata.labels?.['controller-revision-hash'], rev1);
    assert.equal(pod(env, 'web-0')?.metadata.labels?.['controller-revision-hash'], rev1);
    await readyAll(env, c);
    s = sts(env);
    for (const n of ['web-0', 'web-1', 'web-2']) assert.equal((pod(env, n)?.spec?.containers?.[0] as { image: string }).image, 'busybox:2');
    assert.equal(s.status?.currentRevision, s.status?.updateRevision);
    assert.equal(s.status?.updatedReplicas, 3);
    assert.equal(s.status?.currentReplicas, 3);
    const order = env.recorder.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message.split(' ')[2]);
    assert.deepEqual(order, ['web-2', 'web-1', 'web-0']);
    assert.deepEqual(revisions(env).map((r) => r.revision).sort(), [1, 2]);
  });

  it('partition: only ordinals at or above it are updated', async () => {
    create(env, newStatefulSet('web', 3, { partition: 2 }));
    await readyAll(env, c);
    setImage(env, 'busybox:2');
    await readyAll(env, c);
    const images = ['web-0', 'web-1', 'web-2'].map((n) => (pod(env, n)?.spec?.containers?.[0] as { image: string }).image);
    assert.deepEqual(images, ['busybox:1', 'busybox:1', 'busybox:2']);
    const s = sts(env);
    assert.equal(s.status?.updatedReplicas, 1);
    assert.equal(s.status?.currentReplicas, 2);
    assert.notEqual(s.status?.currentRevision, s.status?.updateRevision);
    // A deleted pod below the partition comes back at the current revision.
    env.client.resource('', 'Pod').delete('default', 'web-0');
    await readyAll(env, c);
    assert.equal((pod(env, 'web-0')?.spec?.containers?.[0] as { image: string }).image, 'busybox:1');
  });

  it('OnDelete: pods are replaced only when deleted by hand', async () => {
    create(env, newStatefulSet('web', 2, { onDelete: true }));
    await readyAll(env, c);
    setImage(env, 'busybox:2');
    await readyAll(env, c);
    assert.equal((pod(env, 'web-1')?.spec?.containers?.[0] as { image: string }).image, 'busybox:1');
    env.client.resource('', 'Pod').delete('default', 'web-1');
    await readyAll(env, c);
    assert.equal((pod(env, 'web-1')?.spec?.containers?.[0] as { image: string }).image, 'busybox:2');
  });

  it('rollback to an older template reuses its revision with a new number', async () => {
    create(env, newStatefulSet('web', 1));
    await readyAll(env, c);
    const first = revisions(env)[0].metadata.name;
    setImage(env, 'busybox:2');
    await readyAll(env, c);
    setImage(env, 'busybox:1');
    await readyAll(env, c);
    const revs = revisions(env).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    assert.equal(revs.length, 2);
    assert.equal(revs[1].metadata.name, first, 'the first revision is now the newest');
    assert.equal(revs[1].revision, 3);
    assert.equal(sts(env).status?.currentRevision, first);
  });

  it('revisionHistoryLimit prunes old revisions', async () => {
    create(env, newStatefulSet('web', 1, { revisionHistoryLimit: 1 }));
    await readyAll(env, c);
    for (const img of ['busybox:2', 'busybox:3', 'busybox:4']) {
      setImage(env, img);
      await readyAll(env, c);
    }
    await settle(c);
    assert.deepEqual(revisions(env).map((r) => r.revision).sort(), [3, 4]);
  });

  it('failed pods are deleted and recreated', async () => {
    create(env, newStatefulSet('web', 2));
    await readyAll(env, c);
    const uid = pod(env, 'web-1')?.metadata.uid;
    setPodStatus(env, 'default', 'web-1', { phase: 'Failed', ready: false });
    await settle(c);
    const again = pod(env, 'web-1');
    assert.ok(again);
    assert.notEqual(again.metadata.uid, uid);
  });

  it('retention policy: the set owns its claims (whenDeleted=Delete); a condemned pod owns its claims (whenScaled=Delete)', async () => {
    create(env, newStatefulSet('web', 2, { claims: ['data'], retention: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    await readyAll(env, c);
    const s = sts(env);
    for (const pvc of claims(env)) assert.deepEqual(pvc.metadata.ownerReferences?.map((r) => [r.kind, r.uid]), [['StatefulSet', s.metadata.uid]]);
    // Keep web-1 around (a bound pod terminates gracefully) to see the claim handed over.
    env.client.bind('default', 'web-1', 'node-1');
    env.modify<StatefulSet>('apps', 'StatefulSet', 'default', 'web', (o) => {
      o.spec!.replicas = 1;
    });
    await settle(c);
    const p1 = pod(env, 'web-1')!;
    assert.ok(p1.metadata.deletionTimestamp);
    const pvc1 = env.get<PersistentVolumeClaim>('', 'PersistentVolumeClaim', 'default', 'data-web-1')!;
    assert.deepEqual(pvc1.metadata.ownerReferences?.map((r) => [r.kind, r.uid]), [['Pod', p1.metadata.uid]]);
  });

  it('adopts orphan pods named like its members, ignores others', async () => {
    create(env, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } });
    create(env, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } });
    create(env, newStatefulSet('web', 1));
    await settle(c);
    assert.equal(pod(env, 'web-0')?.metadata.ownerReferences?.[0].name, 'web');
    assert.equal(pod(env, 'other')?.metadata.ownerReferences, undefined);
  });
});
