import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { markPodsReady, newTestEnv, rejectCreatesLikeQuota, settle, setPodStatus, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';
import type { ControllerRevision } from '../statefulset/history.js';
import { DaemonSetController } from './daemonset.js';
import { nodeShouldRunDaemonPod, targetNodeName, type DaemonSet, type Node } from './util.js';

function create<T extends KubeObject>(env: TestEnv, obj: T): T {
  const def = env.registry.byApiVersionKind(obj.apiVersion as string, obj.kind as string);
  if (!def) throw new Error(`unknown kind ${obj.kind}`);
  return env.client.resource<T>(def.group, def.kind).create(obj);
}

function newNode(name: string, labels: Record<string, string> = {}, taints: { key: string; value?: string; effect: string }[] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: taints.length ? { taints } : {} };
}

interface DsOptions {
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  maxUnavailable?: number | string;
  maxSurge?: number | string;
  onDelete?: boolean;
  image?: string;
}

function newDaemonSet(name: string, o: DsOptions = {}): DaemonSet {
  const strategy = o.onDelete
    ? { type: 'OnDelete' }
    : { type: 'RollingUpdate', rollingUpdate: { ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}), ...(o.maxSurge !== undefined ? { maxSurge: o.maxSurge } : {}) } };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: strategy,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'c', image: o.image ?? 'busybox:1' }],
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
          ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        },
      },
    },
  };
}

const live = (env: TestEnv) => env.list<Pod>('', 'Pod', 'default', 'app=agent').filter((p) => !p.metadata.deletionTimestamp);
const nodesOf = (env: TestEnv) => live(env).map((p) => targetNodeName(p)).sort();
const ds = (env: TestEnv) => env.get<DaemonSet>('apps', 'DaemonSet', 'default', 'agent') as DaemonSet;
const image = (p: Pod) => (p.spec?.containers?.[0] as { image: string }).image;

async function readyAll(env: TestEnv, c: DaemonSetController): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await settle(c);
    if (markPodsReady(env, 'default', 'app=agent') === 0) return;
  }
}

function setImage(env: TestEnv, img: string): void {
  env.modify<DaemonSet>('apps', 'DaemonSet', 'default', 'agent', (d) => {
    (d.spec!.template!.spec!.containers as { image: string }[])[0].image = img;
  });
}

describe('DaemonSet controller', () => {
  let env: TestEnv;
  let c: DaemonSetController;
  beforeEach(() => {
    env = newTestEnv();
    c = new DaemonSetController(env.ctx, { recorder: env.recorder });
    c.requeueAfter = () => {};
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    env.close();
  });

  it('a pod create refused by admission (403, as ResourceQuota): Warning FailedCreate "Error creating: <message>"', async () => {
    create(env, newNode('n1'));
    const quota = rejectCreatesLikeQuota(env);
    create(env, newDaemonSet('agent'));
    await settle(c);
    assert.equal(live(env).length, 0);
    const failed = env.recorder.events.filter((e) => e.reason === 'FailedCreate');
    assert.ok(failed.length > 0);
    for (const e of failed) {
      assert.equal(e.type, 'Warning');
      assert.equal(e.object, 'agent');
      assert.ok(quota.messages.map((m) => `Error creating: ${m}`).includes(e.message), e.message);
    }
    assert.match(failed[0].message, /^Error creating: pods "agent-[a-z0-9]{5}" is forbidden: exceeded quota: /);
    quota.on = false;
    c.worker.enqueue('default/agent');
    await settle(c);
    assert.equal(live(env).length, 1);
  });

  it('one pod per node, pinned by node affinity, with the daemon tolerations', async () => {
    for (const n of ['n1', 'n2', 'n3']) create(env, newNode(n));
    create(env, newDaemonSet('agent'));
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n1', 'n2', 'n3']);
    const p = live(env).find((x) => targetNodeName(x) === 'n2')!;
    assert.equal(p.spec?.nodeName, undefined, 'the scheduler binds it');
    assert.deepEqual((p.spec?.affinity as Record<string, unknown>).nodeAffinity, {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] },
    });
    const tol = (p.spec?.tolerations as { key: string; effect: string }[]).map((t) => `${t.key}:${t.effect}`);
    for (const want of [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]) {
      assert.ok(tol.includes(want), want);
    }
    assert.match(p.metadata.labels?.['controller-revision-hash'] ?? '', /^[a-z0-9]+$/);
    assert.match(p.metadata.name as string, /^agent-[a-z0-9]{5}$/);
    let s = ds(env).status!;
    assert.equal(s.desiredNumberScheduled, 3);
    assert.equal(s.currentNumberScheduled, 3);
    assert.equal(s.numberReady, 0);
    assert.equal(s.numberUnavailable, 3);
    assert.equal(s.updatedNumberScheduled, 3);
    assert.equal(s.observedGeneration, 1);
    await readyAll(env, c);
    s = ds(env).status!;
    assert.equal(s.numberReady, 3);
    assert.equal(s.numberAvailable, 3);
    assert.equal(s.numberUnavailable, undefined);
    const revs = env.list<ControllerRevision>('apps', 'ControllerRevision', 'default');
    assert.equal(revs.length, 1);
    assert.equal(revs[0].metadata.name, `agent-${p.metadata.labels?.['controller-revision-hash']}`);
    assert.equal(revs[0].revision, 1);
  });

  it('follows nodes: added, relabelled, removed', async () => {
    create(env, newNode('n1', { disk: 'ssd' }));
    create(env, newNode('n2'));
    create(env, newDaemonSet('agent', { nodeSelector: { disk: 'ssd' } }));
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n1']);
    env.modify<Node>('', 'Node', undefined, 'n2', (n) => {
      n.metadata.labels = { ...n.metadata.labels, disk: 'ssd' };
    });
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n1', 'n2']);
    env.modify<Node>('', 'Node', undefined, 'n1', (n) => {
      delete n.metadata.labels!.disk;
    });
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n2']);
    create(env, newNode('n3', { disk: 'ssd' }));
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n2', 'n3']);
    env.client.resource('', 'Node').delete(undefined, 'n3');
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n2'], 'unscheduled pod for a deleted node removed');
  });

  it('taints: untolerated NoSchedule keeps pods off; cordon (unschedulable taint) does not', async () => {
    create(env, newNode('n1', {}, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]));
    create(env, newNode('n2', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]));
    create(env, newNode('n3', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]));
    create(env, newDaemonSet('agent'));
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n2']);
    const status = ds(env).status!;
    assert.equal(status.desiredNumberScheduled, 1);
    // With a toleration it runs there too.
    env.modify<DaemonSet>('apps', 'DaemonSet', 'default', 'agent', (d) => {
      d.spec!.template!.spec!.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }];
    });
    await settle(c);
    assert.deepEqual(nodesOf(env), ['n1', 'n2']);
  });

  it('a NoExecute taint evicts, a NoSchedule one lets running pods stay', () => {
    const d = newDaemonSet('agent');
    assert.deepEqual(nodeShouldRunDaemonPod(newNode('n', {}, [{ key: 'x', effect: 'NoSchedule' }]), d), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(newNode('n', {}, [{ key: 'x', effect: 'NoExecute' }]), d), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(newNode('n', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]), d), { shouldRun: true, shouldContinueRunning: true });
  });

  it('rolling update with maxUnavailable 1: one node at a time', async () => {
    for (const n of ['n1', 'n2', 'n3']) create(env, newNode(n));
    create(env, newDaemonSet('agent'));
    await readyAll(env, c);
    setImage(env, 'busybox:2');
    await settle(c);
    // One old pod was deleted and its replacement (new image) created.
    let pods = live(env);
    assert.equal(pods.length, 3);
    assert.equal(pods.filter((p) => image(p) === 'busybox:2').length, 1);
    // Nothing more until the new pod is available.
    await settle(c);
    assert.equal(live(env).filter((p) => image(p) === 'busybox:2').length, 1);
    await readyAll(env, c);
    pods = live(env);
    assert.deepEqual(pods.map(image), ['busybox:2', 'busybox:2', 'busybox:2']);
    const s = ds(env).status!;
    assert.equal(s.updatedNumberScheduled, 3);
    assert.equal(s.numberAvailable, 3);
    assert.deepEqual(env.list<ControllerRevision>('apps', 'ControllerRevision', 'default').map((r) => r.revision).sort(), [1, 2]);
  });

  it('rolling update with maxSurge: new pod next to the old one, old goes once the new is available', async () => {
    create(env, newNode('n1'));
    create(env, newDaemonSet('agent', { maxSurge: 1, maxUnavailable: 0 }));
    await readyAll(env, c);
    setImage(env, 'busybox:2');
    await settle(c);
    const pods = live(env);
    assert.deepEqual(pods.map(image).sort(), ['busybox:1', 'busybox:2'], 'surged');
    await readyAll(env, c);
    assert.deepEqual(live(env).map(image), ['busybox:2']);
  });

  it('OnDelete: no automatic replacement', async () => {
    create(env, newNode('n1'));
    create(env, newDaemonSet('agent', { onDelete: true }));
    await readyAll(env, c);
    setImage(env, 'busybox:2');
    await readyAll(env, c);
    assert.deepEqual(live(env).map(image), ['busybox:1']);
    assert.equal(ds(env).status?.updatedNumberScheduled, undefined);
  });

  it('failed daemon pods are replaced (with a per-node backoff)', async () => {
    create(env, newNode('n1'));
    create(env, newDaemonSet('agent'));
    await settle(c);
    const first = live(env)[0];
    setPodStatus(env, 'default', first.metadata.name as string, { phase: 'Failed' });
    await settle(c);
    const pods = live(env);
    assert.equal(pods.length, 1);
    assert.notEqual(pods[0].metadata.uid, first.metadata.uid);
    assert.ok(env.recorder.reasons().includes('FailedDaemonPod'));
    // A second failure right away waits for the backoff.
    setPodStatus(env, 'default', pods[0].metadata.name as string, { phase: 'Failed' });
    await settle(c);
    assert.equal(live(env)[0].metadata.uid, pods[0].metadata.uid);
  });

  it('rolling back reuses the old revision with a new number', async () => {
    create(env, newNode('n1'));
    create(env, newDaemonSet('agent'));
    await readyAll(env, c);
    const firstHash = live(env)[0].metadata.labels?.['controller-revision-hash'];
    setImage(env, 'busybox:2');
    await readyAll(env, c);
    setImage(env, 'busybox:1');
    await readyAll(env, c);
    const revs = env.list<ControllerRevision>('apps', 'ControllerRevision', 'default').sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    assert.equal(revs.length, 2);
    assert.equal(revs[1].metadata.labels?.['controller-revision-hash'], firstHash);
    assert.equal(revs[1].revision, 3);
    assert.equal(live(env)[0].metadata.labels?.['controller-revision-hash'], firstHash);
  });

  it('bindDirectly: sets spec.nodeName (no scheduler)', async () => {
    await c.stop();
    c = new DaemonSetController(env.ctx, { recorder: env.recorder, bindDirectly: true });
    c.requeueAfter = () => {};
    c.start();
    create(env, newNode('n1'));
    create(env, newDaemonSet('agent'));
    await settle(c);
    assert.equal(live(env)[0].spec?.nodeName, 'n1');
  });
});
