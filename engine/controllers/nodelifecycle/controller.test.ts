import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../api/clock.js';
import type { KubeObject } from '../../api/types.js';
import { Recorder } from '../../events/recorder.js';
import { makeNode, makePod, newTestEngine, type TestEngine } from '../../scheduler/testing.js';
import type { Taint, Toleration } from '../../scheduler/util/taints.js';
import { NodeLifecycleController, minTolerationMs, parseDurationMs } from './controller.js';

const UNREACHABLE = 'node.kubernetes.io/unreachable';

function renew(e: TestEngine, clock: FakeClock, node: string): void {
  const leases = e.client.resource('coordination.k8s.io', 'Lease');
  const renewTime = clock.now().toISOString().replace('Z', '000Z');
  if (!leases.get('kube-node-lease', node)) {
    leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node, namespace: 'kube-node-lease' }, spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime } });
  } else {
    leases.modify('kube-node-lease', node, (l) => {
      (l.spec as Record<string, unknown>).renewTime = renewTime;
    });
  }
}

function setReady(e: TestEngine, clock: FakeClock, node: string): void {
  e.client.resource('', 'Node').modify(
    undefined,
    node,
    (n) => {
      const ts = clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
      (n.status as Record<string, unknown>).conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: ts, lastTransitionTime: ts }];
    },
    { status: true },
  );
}

function taints(e: TestEngine, node: string): string[] {
  const n = e.client.resource('', 'Node').get(undefined, node) as KubeObject;
  return (((n.spec as { taints?: Taint[] }).taints ?? []).map((t) => `${t.key}:${t.effect}`)).sort();
}

function ready(e: TestEngine, node: string): Record<string, unknown> | undefined {
  const n = e.client.resource('', 'Node').get(undefined, node) as KubeObject;
  return ((n.status as { conditions?: Record<string, unknown>[] }).conditions ?? []).find((c) => c.type === 'Ready');
}

function pod(e: TestEngine, name: string): KubeObject | undefined {
  return e.client.resource('', 'Pod').get('default', name);
}

function setup(nodes = ['n1', 'n2', 'n3']) {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const e = newTestEngine({ clock });
  for (const n of nodes) {
    e.client.resource('', 'Node').create(makeNode(n));
    setReady(e, clock, n);
    renew(e, clock, n);
  }
  const recorder = new Recorder(e.client, { component: 'node-controller', clock, sync: true });
  const c = new NodeLifecycleController({ client: e.client, clock, recorder, gracePeriodMs: 40_000, timers: false });
  c.start();
  return { e, clock, c };
}

function bound(e: TestEngine, name: string, node: string, tolerations?: Toleration[]): void {
  const pods = e.client.resource('', 'Pod');
  pods.create(makePod(name, { nodeName: node, tolerations }));
  pods.modify(
    'default',
    name,
    (p) => {
      p.status = { ...(p.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    },
    { status: true },
  );
}

describe('NodeLifecycleController', () => {
  it('marks a silent node Unknown after the grace period, taints it and evicts by tolerationSeconds', () => {
    const { e, clock, c } = setup();
    bound(e, 'short', 'n1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]);
    bound(e, 'default-tol', 'n1'); // admission adds unreachable:NoExecute for 300 s
    bound(e, 'forever', 'n1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]);
    bound(e, 'elsewhere', 'n2');

    // n2 and n3 keep renewing; n1 goes silent.
    for (let t = 0; t < 4; t++) {
      clock.advance(10_000);
      renew(e, clock, 'n2');
      renew(e, clock, 'n3');
      c.monitor();
      assert.equal(ready(e, 'n1')?.status, 'True', `still within grace at ${(t + 1) * 10}s`);
    }
    clock.advance(1_000);
    renew(e, clock, 'n2');
    renew(e, clock, 'n3');
    c.monitor();
    const r = ready(e, 'n1');
    assert.equal(r?.status, 'Unknown');
    assert.equal(r?.reason, 'NodeStatusUnknown');
    assert.equal(r?.message, 'Kubelet stopped posting node status.');
    assert.deepEqual(taints(e, 'n1'), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
    assert.deepEqual(taints(e, 'n2'), []);
    assert.equal(ready(e, 'n2')?.status, 'True');
    const podReady = ((pod(e, 'short')?.status as { conditions: Record<string, unknown>[] }).conditions ?? []).find((x) => x.type === 'Ready');
    assert.equal(podReady?.status, 'False', 'pods on the node are marked not ready');

    // Evictions follow tolerationSeconds.
    clock.advance(1_000);
    c.processEvictions();
    assert.equal(pod(e, 'short')?.metadata.deletionTimestamp, undefined);
    clock.advance(1_000);
    c.processEvictions();
    const evicted = pod(e, 'short');
    assert.ok(evicted?.metadata.deletionTimestamp, 'evicted after 2 s');
    const dt = ((evicted?.status as { conditions: Record<string, unknown>[] }).conditions ?? []).find((x) => x.type === 'DisruptionTarget');
    assert.equal(dt?.reason, 'DeletionByTaintManager');
    assert.equal(pod(e, 'default-tol')?.metadata.deletionTimestamp, undefined);
    assert.equal(pod(e, 'forever')?.metadata.deletionTimestamp, undefined);
    assert.equal(pod(e, 'elsewhere')?.metadata.deletionTimestamp, undefined);
    const evs = e.client.resource('', 'Event').list('default').items;
    assert.ok(evs.some((x) => x.reason === 'TaintManagerEviction' && x.message === 'Marking for deletion Pod default/short'));
    assert.ok(evs.some((x) => x.reason === 'NodeNotReady' && x.message === 'Node n1 status is now: NodeNotReady'));
    const due = c.pendingEvictions().get('default/default-tol');
    assert.equal(due, clock.now().getTime() - 2_000 + 300_000);

    // The node comes back: its agent renews and reports Ready; taints go, evictions are cancelled.
    renew(e, clock, 'n1');
    setReady(e, clock, 'n1');
    c.monitor();
    assert.deepEqual(taints(e, 'n1'), []);
    assert.equal(c.pendingEvictions().has('default/default-tol'), false);
    clock.advance(400_000);
    for (const n of ['n1', 'n2', 'n3']) renew(e, clock, n);
    c.monitor();
    assert.equal(pod(e, 'default-tol')?.metadata.deletionTimestamp, undefined);
  });

  it('evicts at once pods that do not tolerate a NoExecute taint', () => {
    const { e, c } = setup();
    bound(e, 'victim', 'n1');
    bound(e, 'tolerant', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }]);
    e.client.resource('', 'Node').modify(undefined, 'n1', (n) => {
      (n.spec as Record<string, unknown>).taints = [{ key: 'maintenance', effect: 'NoExecute' }];
    });
    c.reconcileDirty();
    assert.ok(pod(e, 'victim')?.metadata.deletionTimestamp);
    assert.equal(pod(e, 'tolerant')?.metadata.deletionTimestamp, undefined);
  });

  it('taints Ready=False, cordoned and pressured nodes with NoSchedule taints', () => {
    const { e, clock, c } = setup();
    e.client.resource('', 'Node').modify(undefined, 'n2', (n) => {
      (n.spec as Record<string, unknown>).unschedulable = true;
    });
    e.client.resource('', 'Node').modify(
      undefined,
      'n3',
      (n) => {
        (n.status as Record<string, unknown>).conditions = [
          { type: 'Ready', status: 'False', lastHeartbeatTime: 'x' },
          { type: 'DiskPressure', status: 'True' },
        ];
      },
      { status: true },
    );
    c.reconcileDirty();
    assert.deepEqual(taints(e, 'n2'), ['node.kubernetes.io/unschedulable:NoSchedule']);
    assert.deepEqual(taints(e, 'n3'), ['node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
    e.client.resource('', 'Node').modify(undefined, 'n2', (n) => {
      (n.spec as Record<string, unknown>).unschedulable = false;
    });
    setReady(e, clock, 'n3');
    c.reconcileDirty();
    assert.deepEqual(taints(e, 'n2'), []);
    assert.deepEqual(taints(e, 'n3'), []);
  });

  it('keeps users’ own taints', () => {
    const { e, c } = setup();
    e.client.resource('', 'Node').modify(undefined, 'n1', (n) => {
      (n.spec as Record<string, unknown>).taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
      (n.spec as Record<string, unknown>).unschedulable = true;
    });
    c.reconcileDirty();
    assert.deepEqual(taints(e, 'n1'), ['dedicated:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
  });

  it('does not add NoExecute taints when every node is down (disruption mode)', () => {
    const { e, clock, c } = setup(['only']);
    bound(e, 'p', 'only', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]);
    clock.advance(41_000);
    c.monitor();
    assert.equal(ready(e, 'only')?.status, 'Unknown');
    assert.deepEqual(taints(e, 'only'), [`${UNREACHABLE}:NoSchedule`]);
    c.processEvictions();
    assert.equal(pod(e, 'p')?.metadata.deletionTimestamp, undefined);
  });

  it('gives nodes a fresh grace period after the engine itself was suspended', () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const e = newTestEngine({ clock });
    e.client.resource('', 'Node').create(makeNode('n'));
    setReady(e, clock, 'n');
    const c = new NodeLifecycleController({ client: e.client, clock, gracePeriodMs: 40_000, timers: false, detectSuspend: true });
    c.start();
    clock.advance(120_000); // the laptop slept
    c.monitor();
    assert.equal(ready(e, 'n')?.status, 'True');
    clock.advance(41_000);
    c.monitor();
    assert.equal(ready(e, 'n')?.status, 'True', 'monitor gap 41 s > grace: still treated as our own absence');
    for (let i = 0; i < 9; i++) {
      clock.advance(5_000);
      c.monitor();
    }
    assert.equal(ready(e, 'n')?.status, 'Unknown');
  });
});

describe('minTolerationMs', () => {
  const t: Taint[] = [{ key: UNREACHABLE, effect: 'NoExecute' }];
  const cases: { name: string; tol: Toleration[]; want: number | undefined }[] = [
    { name: 'untolerated → now', tol: [], want: undefined },
    { name: 'seconds', tol: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }], want: 2000 },
    { name: 'forever', tol: [{ key: UNREACHABLE, operator: 'Exists' }], want: Infinity },
    { name: 'smallest wins', tol: [{ operator: 'Exists', tolerationSeconds: 30 }, { key: UNREACHABLE, operator: 'Exists', tolerationSeconds: 5 }], want: 5000 },
    { name: 'negative → 0', tol: [{ operator: 'Exists', tolerationSeconds: -3 }], want: 0 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(minTolerationMs(t, c.tol), c.want));

  it('parses durations', () => {
    assert.equal(parseDurationMs('40s'), 40_000);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('15'), 15_000);
    assert.equal(parseDurationMs('soon'), undefined);
  });
});
