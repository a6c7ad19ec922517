import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTestEnv, rejectCreatesLikeQuota, settle, setPodStatus, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';
import { JobController, generatedNamePrefix } from './job.js';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, type Job, type JobSpec } from './types.js';
import { backoffRemaining, nextBackoffRecord } from './policy.js';
import { formatIntervals, parseIndexes, withIndexes } from './indexed.js';

export function newJob(name: string, spec: Partial<JobSpec> = {}, namespace = 'default'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1', command: ['true'] }] } },
      ...spec,
    },
  };
}

interface Fixture {
  env: TestEnv;
  c: JobController;
  delays: { key: string; ms: number }[];
}

function setup(): Fixture {
  const env = newTestEnv();
  const c = new JobController(env.ctx, { recorder: env.recorder });
  const delays: { key: string; ms: number }[] = [];
  c.requeueAfter = (key, ms) => delays.push({ key, ms });
  c.start();
  return { env, c, delays };
}

const pods = (env: TestEnv, job = 'pi') => env.list<Pod>('', 'Pod', 'default', `batch.kubernetes.io/job-name=${job}`).filter((p) => !p.metadata.deletionTimestamp);
const job = (env: TestEnv, name = 'pi') => env.get<Job>('batch', 'Job', 'default', name) as Job;
const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type);

function finish(env: TestEnv, p: Pod, phase: 'Succeeded' | 'Failed', exitCode?: number): void {
  env.modify<Pod>('', 'Pod', 'default', p.metadata.name as string, (o) => {
    o.status = {
      ...(o.status ?? {}),
      phase,
      ...(exitCode !== undefined ? { containerStatuses: [{ name: 'c', restartCount: 0, state: { terminated: { exitCode, finishedAt: env.clock.now().toISOString() } } }] } : {}),
    };
  }, true);
}

describe('Job controller', () => {
  let f: Fixture;
  beforeEach(() => (f = setup()));
  afterEach(async () => {
    await f.c.stop();
    f.env.close();
  });

  it('a pod create refused by admission (403, as ResourceQuota): Warning FailedCreate "Error creating: <message>"', async () => {
    const { env, c } = f;
    const quota = rejectCreatesLikeQuota(env);
    env.create(newJob('pi', { completions: 1, parallelism: 1 }));
    await settle(c);
    assert.equal(pods(env).length, 0);
    const failed = env.recorder.events.filter((e) => e.reason === 'FailedCreate');
    assert.ok(failed.length > 0);
    for (const e of failed) {
      assert.equal(e.type, 'Warning');
      assert.equal(e.object, 'pi');
      assert.ok(quota.messages.map((m) => `Error creating: ${m}`).includes(e.message), e.message);
    }
    assert.match(failed[0].message, /^Error creating: pods "pi-[a-z0-9]{5}" is forbidden: exceeded quota: /);
    quota.on = false;
    c.worker.enqueue('default/pi');
    await settle(c);
    assert.equal(pods(env).length, 1, 'created once admission allows it');
  });

  it('creates parallelism pods with owner, finalizer and labels, then completes', async () => {
    const { env, c } = f;
    env.create(newJob('pi', { completions: 3, parallelism: 2 }));
    await settle(c);
    let ps = pods(env);
    assert.equal(ps.length, 2);
    for (const p of ps) {
      assert.deepEqual(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
      assert.equal(p.metadata.ownerReferences?.[0].kind, 'Job');
      assert.equal(p.metadata.ownerReferences?.[0].controller, true);
      assert.match(p.metadata.name as string, /^pi-[a-z0-9]{5}$/);
      assert.equal(p.metadata.labels?.['job-name'], 'pi');
    }
    let j = job(env);
    assert.equal(j.status?.active, 2);
    assert.equal(j.status?.ready, 0);
    assert.equal(j.status?.terminating, 0);
    assert.deepEqual(j.status?.uncountedTerminatedPods, {});
    assert.ok(j.status?.startTime);

    finish(env, ps[0], 'Succeeded');
    await settle(c);
    j = job(env);
    assert.equal(j.status?.succeeded, 1);
    ps = pods(env);
    assert.equal(ps.length, 3, 'one more pod (completions 3, 1 done)');
    assert.deepEqual(ps.find((p) => p.status?.phase === 'Succeeded')?.metadata.finalizers, undefined, 'counted pod released');

    for (const p of ps.filter((p) => p.status?.phase !== 'Succeeded')) finish(env, p, 'Succeeded');
    await settle(c);
    j = job(env);
    assert.equal(j.status?.succeeded, 3);
    assert.equal(j.status?.active, undefined);
    assert.equal(cond(j, 'SuccessCriteriaMet')?.status, 'True');
    assert.equal(cond(j, 'Complete')?.status, 'True');
    assert.equal(cond(j, 'Complete')?.reason, 'CompletionsReached');
    assert.equal(cond(j, 'Complete')?.message, 'Reached expected number of succeeded pods');
    assert.ok(j.status?.completionTime);
    assert.equal(pods(env).length, 3, 'no extra pods');
    assert.ok(env.recorder.reasons().includes('Completed'));
  });

  it('backoffLimit: replaces failed pods after an exponential backoff, then fails', async () => {
    const { env, c, delays } = f;
    env.create(newJob('pi', { backoffLimit: 1 }));
    await settle(c);
    finish(env, pods(env)[0], 'Failed', 1);
    await settle(c);
    let j = job(env);
    assert.equal(j.status?.failed, 1);
    assert.equal(pods(env).filter((p) => p.status?.phase !== 'Failed').length, 0, 'no replacement during backoff');
    const d = delays.find((x) => x.key === 'default/pi');
    assert.ok(d && d.ms > 9_000 && d.ms <= 10_000, `requeue after ~10 s, got ${d?.ms}`);

    env.clock.advance(10_001);
    c.worker.enqueue('default/pi');
    await settle(c);
    const active = pods(env).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
    assert.equal(active.length, 1, 'replacement after backoff');

    finish(env, active[0], 'Failed', 2);
    await settle(c);
    j = job(env);
    assert.equal(j.status?.failed, 2);
    assert.equal(cond(j, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
    assert.equal(cond(j, 'Failed')?.status, 'True');
    assert.equal(cond(j, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(cond(j, 'Failed')?.message, 'Job has reached the specified backoff limit');
    assert.ok(env.recorder.reasons().includes('BackoffLimitExceeded'));
  });

  it('activeDeadlineSeconds: stops the Job with DeadlineExceeded', async () => {
    const { env, c, delays } = f;
    env.create(newJob('pi', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    await settle(c);
    assert.equal(pods(env).length, 2);
    assert.ok(delays.some((d) => d.ms === 30_000), 'woken at the deadline');
    env.clock.advance(30_000);
    c.worker.enqueue('default/pi');
    await settle(c);
    const j = job(env);
    assert.equal(cond(j, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(j.status?.failed, 2, 'running pods count as failed');
    assert.equal(env.list<Pod>('', 'Pod', 'default').length, 0, 'pods deleted and released');
  });

  it('Indexed: one pod per index with annotation, label, hostname and env; completedIndexes', async () => {
    const { env, c } = f;
    env.create(newJob('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await settle(c);
    const ps = pods(env, 'idx').sort((a, b) => (a.metadata.name as string).localeCompare(b.metadata.name as string));
    assert.equal(ps.length, 3);
    ps.forEach((p, i) => {
      assert.equal(p.metadata.annotations?.[JOB_COMPLETION_INDEX], String(i));
      assert.equal(p.metadata.labels?.[JOB_COMPLETION_INDEX], String(i));
      assert.equal(p.spec?.hostname, `idx-${i}`);
      assert.match(p.metadata.name as string, new RegExp(`^idx-${i}-`));
      const env0 = (p.spec?.containers?.[0] as { env?: { name: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[] }).env;
      assert.equal(env0?.[0].name, 'JOB_COMPLETION_INDEX');
      assert.equal(env0?.[0].valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    });
    finish(env, ps[0], 'Succeeded');
    finish(env, ps[2], 'Succeeded');
    await settle(c);
    assert.equal(job(env, 'idx').status?.completedIndexes, '0,2');
    finish(env, ps[1], 'Failed', 1);
    await settle(c);
    // Index 1 is recreated (after backoff).
    env.clock.advance(11_000);
    c.worker.enqueue('default/idx');
    await settle(c);
    const again = pods(env, 'idx').filter((p) => !p.status?.phase || p.status.phase === 'Pending');
    assert.equal(again.length, 1);
    assert.equal(again[0].metadata.annotations?.[JOB_COMPLETION_INDEX], '1');
    finish(env, again[0], 'Succeeded');
    await settle(c);
    const j = job(env, 'idx');
    assert.equal(j.status?.completedIndexes, '0-2');
    assert.equal(j.status?.succeeded, 3);
    assert.equal(cond(j, 'Complete')?.status, 'True');
  });

  it('suspend: deletes active pods and marks Suspended; resume recreates and resets startTime', async () => {
    const { env, c } = f;
    env.create(newJob('pi', { suspend: true, parallelism: 2, completions: 2 }));
    await settle(c);
    assert.equal(pods(env).length, 0);
    let j = job(env);
    assert.equal(cond(j, 'Suspended')?.status, 'True');
    assert.equal(j.status?.startTime, undefined);
    env.clock.advance(5000);
    env.modify<Job>('batch', 'Job', 'default', 'pi', (o) => {
      o.spec!.suspend = false;
    });
    await settle(c);
    j = job(env);
    assert.equal(pods(env).length, 2);
    assert.equal(cond(j, 'Suspended')?.status, 'False');
    assert.equal(cond(j, 'Suspended')?.reason, 'JobResumed');
    assert.equal(j.status?.startTime, env.clock.now().toISOString().replace(/\.\d+Z$/, 'Z'));
    env.modify<Job>('batch', 'Job', 'default', 'pi', (o) => {
      o.spec!.suspend = true;
    });
    await settle(c);
    assert.equal(pods(env).length, 0, 'suspending deletes running pods');
    assert.equal(job(env).status?.failed, undefined, 'suspension deletions are not failures');
  });

  it('podFailurePolicy: FailJob on an exit code fails at once; Ignore does not count', async () => {
    const { env, c } = f;
    env.create(
      newJob('pi', {
        backoffLimit: 6,
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
            { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
          ],
        },
      }),
    );
    await settle(c);
    finish(env, pods(env)[0], 'Failed', 3);
    await settle(c);
    assert.equal(job(env).status?.failed, undefined, 'ignored failure is not counted');
    // The failure still delays the replacement (upstream's backoff counts every failed pod).
    env.clock.advance(11_000);
    c.worker.enqueue('default/pi');
    await settle(c);
    const next = pods(env).filter((p) => p.status?.phase === 'Pending');
    assert.equal(next.length, 1, 'replaced');
    finish(env, next[0], 'Failed', 42);
    await settle(c);
    const j = job(env);
    assert.equal(cond(j, 'Failed')?.reason, 'PodFailurePolicy');
    assert.match(cond(j, 'Failed')?.message ?? '', /Container c for pod default\/pi-\w+ failed with exit code 42 matching FailJob rule at index 1/);
  });

  it('deleted pods count as failed and are replaced; a deleted Job releases its pods', async () => {
    const { env, c } = f;
    env.create(newJob('pi', { parallelism: 1, completions: 1 }));
    await settle(c);
    const first = pods(env)[0];
    env.client.resource('', 'Pod').delete('default', first.metadata.name as string);
    assert.ok(env.get<Pod>('', 'Pod', 'default', first.metadata.name as string)?.metadata.deletionTimestamp, 'held by the finalizer');
    await settle(c);
    assert.equal(env.get<Pod>('', 'Pod', 'default', first.metadata.name as string), undefined, 'finalizer removed once counted');
    assert.equal(job(env).status?.failed, 1);
    env.clock.advance(11_000);
    c.worker.enqueue('default/pi');
    await settle(c);
    assert.equal(pods(env).length, 1, 'replacement');

    env.client.resource('batch', 'Job').delete('default', 'pi', { propagationPolicy: 'Orphan' });
    // Orphan propagation keeps the Job until the GC runs; remove it as the GC would.
    env.modify<Job>('batch', 'Job', 'default', 'pi', (o) => {
      o.metadata.finalizers = [];
    });
    await settle(c);
    const left = env.list<Pod>('', 'Pod', 'default');
    assert.equal(left.length, 1);
    assert.equal(left[0].metadata.finalizers, undefined, 'orphaned pod released');
  });

  it('completions unset: done when any pod succeeds and none is active', async () => {
    const { env, c } = f;
    env.create({ ...newJob('pi', { parallelism: 2 }), spec: { ...newJob('pi').spec, parallelism: 2, completions: null } } as Job);
    // Upstream SetDefaults_Job leaves completions nil when parallelism is set (a work-queue Job).
    assert.ok(job(env).spec?.completions === null || job(env).spec?.completions === undefined);
    await settle(c);
    const ps = pods(env);
    assert.equal(ps.length, 2);
    finish(env, ps[0], 'Succeeded');
    await settle(c);
    assert.equal(pods(env).filter((p) => p.status?.phase === 'Pending').length, 1, 'no new pods after a success');
    assert.equal(cond(job(env), 'Complete'), undefined);
    finish(env, ps[1], 'Succeeded');
    await settle(c);
    assert.equal(cond(job(env), 'Complete')?.status, 'True');
  });

  it('counts ready pods', async () => {
    const { env, c } = f;
    env.create(newJob('pi', { parallelism: 2, completions: 2 }));
    await settle(c);
    setPodStatus(env, 'default', pods(env)[0].metadata.name as string, { phase: 'Running', ready: true });
    await settle(c);
    assert.equal(job(env).status?.ready, 1);
  });
});

describe('Job controller: backoffLimitPerIndex', () => {
  let f: Fixture;
  beforeEach(() => (f = setup()));
  afterEach(async () => {
    await f.c.stop();
    f.env.close();
  });
  const byIndex = (env: TestEnv, name: string, ix: number) => pods(env, name).filter((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX] === String(ix));
  const active = (list: Pod[]) => list.filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');

  it('stops retrying an index after backoffLimitPerIndex+1 failures, runs the others, then fails with FailedIndexes', async () => {
    const { env, c, delays } = f;
    env.create(newJob('pj', { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1 }));
    await settle(c);
    assert.equal(job(env, 'pj').spec?.backoffLimit, 2147483647, 'backoffLimit defaults to MaxInt32');
    assert.equal(pods(env, 'pj').length, 3);
    const first = byIndex(env, 'pj', 1)[0];
    assert.equal(first.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '0');
    finish(env, first, 'Failed', 1);
    await settle(c);
    // Per-index backoff: the replacement waits 10 s after the failure.
    assert.equal(active(byIndex(env, 'pj', 1)).length, 0);
    assert.ok(delays.some((d) => d.key === 'default/pj' && d.ms > 0 && d.ms <= 10_000), JSON.stringify(delays));
    env.clock.advance(11_000);
    c.worker.enqueue('default/pj');
    await settle(c);
    const retry = active(byIndex(env, 'pj', 1));
    assert.equal(retry.length, 1, 'index 1 retried once');
    assert.equal(retry[0].metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1');
    finish(env, retry[0], 'Failed', 1);
    await settle(c);
    env.clock.advance(60_000);
    c.worker.enqueue('default/pj');
    await settle(c);
    assert.equal(active(byIndex(env, 'pj', 1)).length, 0, 'index 1 is not retried again');
    let j = job(env, 'pj');
    assert.equal(j.status?.failedIndexes, '1');
    assert.equal(j.status?.failed, 2);
    assert.equal(cond(j, 'Failed'), undefined, 'other indexes still running');
    assert.equal(active(pods(env, 'pj')).length, 2);
    for (const ix of [0, 2]) finish(env, active(byIndex(env, 'pj', ix))[0], 'Succeeded', 0);
    await settle(c);
    j = job(env, 'pj');
    assert.equal(j.status?.completedIndexes, '0,2');
    assert.equal(j.status?.succeeded, 2);
    assert.equal(cond(j, 'FailureTarget')?.reason, 'FailedIndexes');
    assert.equal(cond(j, 'Failed')?.status, 'True');
    assert.equal(cond(j, 'Failed')?.reason, 'FailedIndexes');
    assert.equal(cond(j, 'Failed')?.message, 'Job has failed indexes');
  });

  it('maxFailedIndexes: more failed indexes than allowed fails the Job at once; FailIndex rules fail an index without retries', async () => {
    const { env, c } = f;
    env.create(
      newJob('mf', {
        completions: 4,
        parallelism: 4,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 3,
        maxFailedIndexes: 1,
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] },
      }),
    );
    await settle(c);
    finish(env, byIndex(env, 'mf', 0)[0], 'Failed', 42);
    await settle(c);
    let j = job(env, 'mf');
    assert.equal(j.status?.failedIndexes, '0', 'FailIndex: failed at the first failure');
    assert.equal(cond(j, 'Failed'), undefined);
    finish(env, byIndex(env, 'mf', 3)[0], 'Failed', 42);
    await settle(c);
    j = job(env, 'mf');
    assert.equal(j.status?.failedIndexes, '0,3');
    assert.equal(cond(j, 'Failed')?.reason, 'MaxFailedIndexesExceeded');
    assert.equal(cond(j, 'Failed')?.message, 'Job has exceeded the specified maximal number of failed indexes');
    assert.equal(active(pods(env, 'mf')).length, 0, 'the running indexes are stopped');
  });

  it('validation: backoffLimitPerIndex and maxFailedIndexes need completionMode Indexed', () => {
    const { env } = f;
    assert.throws(
      () => env.client.resource('batch', 'Job').create(newJob('nx', { completions: 2, backoffLimitPerIndex: 1 })),
      (e: unknown) => {
        const err = e as { code: number; message: string };
        assert.equal(err.code, 422);
        assert.equal(err.message, 'Job.batch "nx" is invalid: spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode');
        return true;
      },
    );
    assert.throws(
      () => env.client.resource('batch', 'Job').create(newJob('ny', { completions: 2, completionMode: 'Indexed', maxFailedIndexes: 1 })),
      /spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified/,
    );
  });
});

describe('Job helpers', () => {
  it('backoff doubles from 10 s, capped at 6 min, counted from the last failure', () => {
    const pod = (ms: number, phase = 'Failed'): Pod => ({
      metadata: { name: 'x', creationTimestamp: new Date(ms).toISOString() },
      status: { phase },
    });
    let r = nextBackoffRecord(undefined, [], [pod(0)]);
    assert.equal(backoffRemaining(r, 1000), 9000);
    r = nextBackoffRecord(r, [], [pod(1000)]);
    assert.equal(backoffRemaining(r, 1000), 20_000);
    r = nextBackoffRecord(r, [], [pod(2000), pod(3000), pod(4000), pod(5000), pod(6000), pod(7000)]);
    assert.equal(backoffRemaining(r, 7000), 360_000);
    r = nextBackoffRecord(r, [pod(8000, 'Succeeded')], []);
    assert.equal(backoffRemaining(r, 8000), 0);
  });

  it('generated pod name prefixes stay within 58 characters, keeping the index', () => {
    assert.equal(generatedNamePrefix('pi'), 'pi-');
    assert.equal(generatedNamePrefix('pi', 3), 'pi-3-');
    const long = 'x'.repeat(70);
    assert.equal(generatedNamePrefix(long).length, 58);
    assert.equal(generatedNamePrefix(long, 12), `${'x'.repeat(54)}-12-`);
  });

  it('index intervals', () => {
    assert.equal(formatIntervals(parseIndexes('0,1,2,5,7-9', 10)), '0-2,5,7-9');
    assert.equal(formatIntervals(withIndexes(parseIndexes('1-3', 10), [0, 5, 4])), '0-5');
    assert.equal(formatIntervals(parseIndexes('3-12', 5)), '3-4');
  });
});
