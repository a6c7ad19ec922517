import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTestEnv, settle, type TestEnv } from '../shared/testing.js';
import type { Job } from '../job/types.js';
import type { KubeObject } from '../../api/types.js';
import { CronJobController, SCHEDULED_TIMESTAMP_ANNOTATION, mostRecentScheduleTime, type CronJob } from './cronjob.js';
import { parseSchedule } from '../../api/cron.js';

const START = Date.UTC(2025, 0, 1, 0, 0, 0);

/** Creates any registered kind (the shared fixture knows only the core controllers' kinds). */
function create<T extends KubeObject>(env: TestEnv, obj: T): T {
  const def = env.registry.byApiVersionKind(obj.apiVersion as string, obj.kind as string);
  if (!def) throw new Error(`unknown kind ${obj.kind}`);
  return env.client.resource<T>(def.group, def.kind).create(obj);
}

function newCronJob(name: string, schedule: string, spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1' }] } } },
      },
      ...spec,
    },
  };
}

interface Fixture {
  env: TestEnv;
  c: CronJobController;
  delays: { key: string; ms: number }[];
}

function setup(): Fixture {
  const env = newTestEnv({ start: START });
  const c = new CronJobController(env.ctx, { recorder: env.recorder, defaultTimeZone: 'UTC' });
  const delays: { key: string; ms: number }[] = [];
  c.requeueAfter = (key, ms) => delays.push({ key, ms });
  c.start();
  return { env, c, delays };
}

const jobs = (env: TestEnv) => env.list<Job>('batch', 'Job', 'default').filter((j) => !j.metadata.deletionTimestamp);
const cronjob = (env: TestEnv, name = 'cj') => env.get<CronJob>('batch', 'CronJob', 'default', name) as CronJob;

/** Moves the clock and runs the sync the timer would have run. */
async function tick(f: Fixture, ms: number, key = 'default/cj'): Promise<void> {
  f.env.clock.advance(ms);
  f.c.worker.enqueue(key);
  await settle(f.c);
}

function completeJob(env: TestEnv, name: string, type: 'Complete' | 'Failed' = 'Complete'): void {
  env.modify<Job>('batch', 'Job', 'default', name, (j) => {
    const t = env.clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
    j.status = { ...(j.status ?? {}), conditions: [{ type, status: 'True', lastTransitionTime: t }], ...(type === 'Complete' ? { completionTime: t, succeeded: 1 } : { failed: 1 }) };
  }, true);
}

describe('CronJob controller', () => {
  let f: Fixture;
  beforeEach(() => (f = setup()));
  afterEach(async () => {
    await f.c.stop();
    f.env.close();
  });

  it('creates a Job at each schedule time and sleeps until the next one', async () => {
    const { env, c, delays } = f;
    env.clock.advance(10_000); // created at 00:00:10
    create(env, newCronJob('cj', '*/1 * * * *'));
    await settle(c);
    assert.equal(jobs(env).length, 0);
    assert.deepEqual(delays.at(-1), { key: 'default/cj', ms: 50_100 }, 'wakes at 00:01:00 (+100 ms)');

    await tick(f, 50_000);
    const js = jobs(env);
    assert.equal(js.length, 1);
    const j = js[0];
    const minutes = Math.floor((START + 60_000) / 60_000);
    assert.equal(j.metadata.name, `cj-${minutes}`);
    assert.equal(j.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2025-01-01T00:01:00Z');
    assert.equal(j.metadata.labels?.app, 'cj');
    assert.deepEqual(j.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['CronJob', 'cj', true, true]]);
    const cj = cronjob(env);
    assert.equal(cj.status?.lastScheduleTime, '2025-01-01T00:01:00Z');
    assert.deepEqual(cj.status?.active?.map((r) => [r.kind, r.name, r.apiVersion]), [['Job', `cj-${minutes}`, 'batch/v1']]);
    assert.deepEqual(delays.at(-1), { key: 'default/cj', ms: 60_100 });
    assert.ok(env.recorder.reasons().includes('SuccessfulCreate'));

    // The same schedule time is never run twice.
    await tick(f, 1000);
    assert.equal(jobs(env).length, 1);

    // Finished → out of active, lastSuccessfulTime recorded.
    completeJob(env, `cj-${minutes}`);
    await settle(c);
    const after = cronjob(env);
    assert.equal(after.status?.active, undefined);
    assert.equal(after.status?.lastSuccessfulTime, env.clock.now().toISOString().replace(/\.\d+Z$/, 'Z'));
    assert.ok(env.recorder.reasons().includes('SawCompletedJob'));
  });

  it('concurrencyPolicy Forbid skips while a Job runs; Replace deletes it', async () => {
    const { env, c } = f;
    create(env, newCronJob('cj', '* * * * *', { concurrencyPolicy: 'Forbid' }));
    await settle(c);
    await tick(f, 60_000);
    assert.equal(jobs(env).length, 1);
    await tick(f, 60_000);
    assert.equal(jobs(env).length, 1, 'Forbid: no second Job');
    assert.ok(env.recorder.reasons().includes('JobAlreadyActive'));

    env.modify<CronJob>('batch', 'CronJob', 'default', 'cj', (o) => {
      o.spec!.concurrencyPolicy = 'Replace';
    });
    await settle(c);
    const js = jobs(env);
    assert.equal(js.length, 1, 'Replace: the old one is deleted, a new one created');
    assert.equal(js[0].metadata.name, `cj-${Math.floor((START + 120_000) / 60_000)}`);
    assert.equal(cronjob(env).status?.active?.length, 1);
  });

  it('concurrencyPolicy Allow runs Jobs side by side', async () => {
    const { env, c } = f;
    create(env, newCronJob('cj', '* * * * *'));
    await settle(c);
    await tick(f, 60_000);
    await tick(f, 60_000);
    assert.equal(jobs(env).length, 2);
    assert.equal(cronjob(env).status?.active?.length, 2);
  });

  it('suspend: nothing runs', async () => {
    const { env, c, delays } = f;
    create(env, newCronJob('cj', '* * * * *', { suspend: true }));
    await settle(c);
    await tick(f, 120_000);
    assert.equal(jobs(env).length, 0);
    assert.equal(delays.length, 0, 'no timer while suspended');
  });

  it('startingDeadlineSeconds: a start too late is skipped', async () => {
    const { env, c } = f;
    create(env, newCronJob('cj', '0 * * * *', { startingDeadlineSeconds: 60 }));
    await settle(c);
    await tick(f, 3600_000 + 120_000); // 01:02, deadline for 01:00 was 01:01
    assert.equal(jobs(env).length, 0);
    await tick(f, 3600_000 - 120_000 + 30_000); // 02:00:30, within the deadline
    assert.equal(jobs(env).length, 1);
  });

  it('many missed start times: warns and runs only the latest', async () => {
    const { env, c } = f;
    create(env, newCronJob('cj', '* * * * *'));
    await tick(f, 200 * 60_000 + 5000);
    const js = jobs(env);
    assert.equal(js.length, 1);
    assert.equal(js[0].metadata.name, `cj-${Math.floor(START / 60_000) + 200}`);
    assert.ok(env.recorder.reasons().includes('TooManyMissedTimes'));
    void c;
  });

  it('history limits delete the oldest finished Jobs', async () => {
    const { env, c } = f;
    create(env, newCronJob('cj', '* * * * *', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    await settle(c);
    for (let i = 0; i < 3; i++) {
      await tick(f, 60_000);
      const name = cronjob(env).status?.active?.[0]?.name as string;
      completeJob(env, name, i === 2 ? 'Failed' : 'Complete');
      await settle(c);
    }
    await tick(f, 1000);
    const names = jobs(env).map((j) => j.metadata.name).sort();
    const m = Math.floor(START / 60_000);
    assert.deepEqual(names, [`cj-${m + 2}`, `cj-${m + 3}`], 'one succeeded + one failed kept');
  });

  it('timeZone: schedule read in the zone, annotation with its offset', async () => {
    const { env, c } = f;
    create(env, newCronJob('cj', '0 9 * * *', { timeZone: 'Asia/Tokyo' }));
    await settle(c);
    // 09:00 Tokyo = 00:00 UTC the next day.
    await tick(f, 24 * 3600_000);
    const js = jobs(env);
    assert.equal(js.length, 1);
    assert.equal(js[0].metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2025-01-02T09:00:00+09:00');
  });

  it('unknown timeZone: an event, no Job', async () => {
    const { env, c } = f;
    // The API server refuses unknown zones (validation), so write past it into the store, as
    // an object stored before that check, or under another tz database, would be.
    create(env, newCronJob('cj', '* * * * *'));
    const def = env.registry.byApiVersionKind('batch/v1', 'CronJob')!;
    const e = env.rest.get(def, 'default', 'cj');
    const bad = JSON.parse(JSON.stringify(e.obj)) as CronJob;
    bad.spec!.timeZone = 'Mars/Olympus';
    env.store.update(e.key, bad, e.rev);
    await tick(f, 120_000);
    assert.equal(jobs(env).length, 0);
    assert.ok(env.recorder.reasons().includes('UnknownTimeZone'));
    void c;
  });

  it('a manual Job (kubectl create job --from) is tolerated, not tracked', async () => {
    const { env, c } = f;
    const cj = create(env, newCronJob('cj', '0 0 1 1 *'));
    env.create<Job>({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'manual',
        namespace: 'default',
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: cj.metadata.uid as string, controller: true }],
      },
      spec: cj.spec?.jobTemplate?.spec,
    });
    await settle(c);
    assert.equal(cronjob(env).status?.active, undefined);
    assert.ok(env.recorder.reasons().includes('UnexpectedJob'));
  });
});

describe('mostRecentScheduleTime', () => {
  const sched = parseSchedule('*/5 * * * *');
  const cj = (created: number, last?: number): CronJob => ({
    metadata: { name: 'x', creationTimestamp: new Date(created).toISOString() },
    spec: {},
    status: last ? { lastScheduleTime: new Date(last).toISOString() } : {},
  });
  const cases: { name: string; created: number; last?: number; now: number; want?: number; missed: string }[] = [
    { name: 'nothing due', created: START, now: START + 60_000, missed: 'none' },
    { name: 'one due', created: START, now: START + 5 * 60_000 + 1, want: START + 5 * 60_000, missed: 'none' },
    { name: 'several missed', created: START, now: START + 23 * 60_000, want: START + 20 * 60_000, missed: 'few' },
    { name: 'since last schedule', created: START, last: START + 20 * 60_000, now: START + 26 * 60_000, want: START + 25 * 60_000, missed: 'none' },
    { name: 'too many', created: START, now: START + 1000 * 5 * 60_000 + 7, want: START + 1000 * 5 * 60_000, missed: 'many' },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const r = mostRecentScheduleTime(cj(tc.created, tc.last), new Date(tc.now), sched, false);
      assert.equal(r.scheduled?.getTime(), tc.want);
      assert.equal(r.missed, tc.missed);
    });
  }

  it('irregular schedules (weekdays only) find the latest time', () => {
    const weekdays = parseSchedule('0 9 * * 1-5');
    const created = Date.UTC(2025, 0, 6, 10); // Mon 10:00
    const now = Date.UTC(2025, 0, 13, 8); // next Mon 08:00
    const r = mostRecentScheduleTime(cj(created), new Date(now), weekdays, false);
    assert.equal(r.scheduled?.toISOString(), '2025-01-10T09:00:00.000Z'); // Friday
  });
});
