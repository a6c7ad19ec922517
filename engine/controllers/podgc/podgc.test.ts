import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { newPod, newTestEnv, settle, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';
import { PodGCController } from './podgc.js';

function create<T extends KubeObject>(env: TestEnv, obj: T): T {
  const def = env.registry.byApiVersionKind(obj.apiVersion as string, obj.kind as string);
  if (!def) throw new Error(`unknown kind ${obj.kind}`);
  return env.client.resource<T>(def.group, def.kind).create(obj);
}

const names = (env: TestEnv) => env.list<Pod>('', 'Pod', 'default').map((p) => p.metadata.name as string).sort();

describe('PodGC controller', () => {
  let env: TestEnv;
  let c: PodGCController;
  let delays: number[];
  function setup(threshold = 2): void {
    env = newTestEnv();
    c = new PodGCController(env.ctx, { terminatedPodThreshold: threshold });
    delays = [];
    c.requeueAfter = (_k, ms) => delays.push(ms);
    c.start();
  }
  afterEach(async () => {
    await c.stop();
    env.close();
  });

  it('deletes the oldest terminated pods above the threshold, evicted first', async () => {
    setup(2);
    const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
    create(env, { ...newPod('old', { phase: 'Succeeded' }), metadata: { ...newPod('old').metadata, creationTimestamp: at(1) } });
    for (const [n, phase] of [['a', 'Succeeded'], ['b', 'Failed'], ['c', 'Succeeded'], ['run', 'Running']] as const) {
      env.clock.advance(1000);
      create(env, newPod(n, { phase }));
    }
    env.clock.advance(1000);
    const evicted = newPod('evicted', { phase: 'Failed' });
    evicted.status = { ...evicted.status, reason: 'Evicted' };
    create(env, evicted);
    assert.ok(delays.length > 0, 'a pass was scheduled');
    c.trigger();
    await settle(c);
    // 5 terminated, threshold 2: evicted first, then the oldest two.
    assert.deepEqual(names(env), ['b', 'c', 'run']);
  });

  it('orphaned pods: quarantine, then Failed with DisruptionTarget and deleted', async () => {
    setup(0);
    create(env, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gone' } });
    create(env, newPod('p', { nodeName: 'gone', phase: 'Running' }));
    create(env, newPod('q', { nodeName: 'gone', phase: 'Running' }));
    env.client.resource('', 'Node').delete(undefined, 'gone');
    c.trigger();
    await settle(c);
    assert.deepEqual(names(env), ['p', 'q'], 'quarantined');
    assert.ok(delays.includes(40_000));
    env.clock.advance(40_000);
    const seen: Pod[] = [];
    const stopWatch = env.client.resource<Pod>('', 'Pod').watch('default', { resourceVersion: String(env.store.revision) }, (ev) => {
      if (ev.type === 'MODIFIED') seen.push(ev.object);
    });
    c.trigger();
    await settle(c);
    stopWatch();
    assert.deepEqual(names(env), []);
    const failed = seen.find((p) => p.metadata.name === 'p' && p.status?.phase === 'Failed');
    assert.ok(failed, 'marked Failed before deletion');
    assert.deepEqual(
      failed.status?.conditions?.filter((x) => x.type === 'DisruptionTarget').map((x) => [x.reason, x.message]),
      [['DeletionByPodGC', 'PodGC: node no longer exists']],
    );
  });

  it('a node that comes back ends the quarantine', async () => {
    setup(0);
    create(env, newPod('p', { nodeName: 'late', phase: 'Running' }));
    c.trigger();
    await settle(c);
    create(env, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'late' } });
    env.clock.advance(60_000);
    c.trigger();
    await settle(c);
    assert.deepEqual(names(env), ['p']);
  });

  it('force-deletes pods terminating on an out-of-service node', async () => {
    setup(0);
    create(env, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] } });
    create(env, newPod('p', { nodeName: 'n1', phase: 'Running' }));
    env.client.resource('', 'Pod').delete('default', 'p');
    assert.ok(env.get<Pod>('', 'Pod', 'default', 'p')?.metadata.deletionTimestamp, 'graceful');
    c.trigger();
    await settle(c);
    assert.deepEqual(names(env), []);
  });

  it('nothing to do: no pass is scheduled', () => {
    setup(10);
    create(env, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    create(env, newPod('p', { nodeName: 'n1', phase: 'Succeeded' }));
    assert.deepEqual(delays, []);
  });
});
