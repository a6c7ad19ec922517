import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTestEnv, settle, type TestEnv } from '../shared/testing.js';
import { TTLAfterFinishedController } from './ttlafterfinished.js';
import type { Job } from '../job/types.js';

function finishedJob(name: string, ttl: number | undefined, finishedAt: Date, type = 'Complete'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } },
    },
    status: { conditions: [{ type, status: 'True', lastTransitionTime: finishedAt.toISOString().replace(/\.\d+Z$/, 'Z') }] },
  };
}

describe('TTL-after-finished controller', () => {
  let env: TestEnv;
  let c: TTLAfterFinishedController;
  let delays: { key: string; ms: number }[];
  beforeEach(() => {
    env = newTestEnv();
    c = new TTLAfterFinishedController(env.ctx);
    delays = [];
    c.requeueAfter = (key, ms) => delays.push({ key, ms });
    c.start();
  });
  afterEach(async () => {
    await c.stop();
    env.close();
  });

  const cases: { name: string; ttl?: number; finishedAgoS: number; type?: string; deleted: boolean; wait?: number }[] = [
    { name: 'expired complete job', ttl: 10, finishedAgoS: 11, deleted: true },
    { name: 'expired failed job', ttl: 0, finishedAgoS: 0, type: 'Failed', deleted: true },
    { name: 'not yet expired', ttl: 60, finishedAgoS: 15, deleted: false, wait: 45_000 },
    { name: 'no ttl', finishedAgoS: 1000, deleted: false },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const finished = new Date(env.clock.now().getTime() - tc.finishedAgoS * 1000);
      env.create(finishedJob('j', tc.ttl, finished, tc.type));
      await settle(c);
      const j = env.get<Job>('batch', 'Job', 'default', 'j');
      // Foreground deletion leaves the Job marked (the GC finishes it).
      const gone = j === undefined || j.metadata.deletionTimestamp !== undefined;
      assert.equal(gone, tc.deleted);
      if (tc.deleted && j) assert.deepEqual(j.metadata.finalizers, ['foregroundDeletion']);
      if (tc.wait !== undefined) assert.deepEqual(delays, [{ key: 'default/j', ms: tc.wait }]);
    });
  }

  it('comes back when the TTL runs out', async () => {
    env.create(finishedJob('j', 30, env.clock.now()));
    await settle(c);
    assert.equal(env.get<Job>('batch', 'Job', 'default', 'j')?.metadata.deletionTimestamp, undefined);
    env.clock.advance(30_000);
    c.worker.enqueue('default/j');
    await settle(c);
    assert.ok(env.get<Job>('batch', 'Job', 'default', 'j')?.metadata.deletionTimestamp);
  });
});
