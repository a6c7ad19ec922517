/**
 * Validation a user review found missing, proven with the real kubectl against `skiff serve`:
 * long timers (a @yearly CronJob, a Job with a month-long activeDeadlineSeconds) must not make
 * the engine spin on TimeoutOverflowWarning; immutable fields are refused on update with
 * upstream's 422 messages while the updates kubectl users and our own components make still
 * pass; CronJob schedules/time zones and Deployment rolling-update bounds are checked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dockerAvailable, eventually, startCluster, writeTemp, type Cluster } from './harness.js';

const SKIP = dockerAvailable() ? false : 'Docker is not available';
const IMAGE = 'skiff-test/busybox:1';

/** CPU seconds (user + system) the process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the ")" split; clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('kubectl validation and long timers', { skip: SKIP }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c.kubectl(['delete', 'all', '--all', '--grace-period=0', '--force', '--wait=false']);
    await c.stop();
  });

  /** Runs kubectl expecting exit code 1 and returns its stderr. */
  async function refused(args: string[], input?: string): Promise<string> {
    const r = await c.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 1, `kubectl ${args.join(' ')} should fail:\n${r.stdout}${r.stderr}`);
    return r.stderr;
  }

  it('a @yearly CronJob, a 0 0 1 1 * CronJob and a long activeDeadlineSeconds do not make the engine spin', async () => {
    await c.k(['create', 'cronjob', 'ann', '--schedule=@yearly', `--image=${IMAGE}`]);
    await c.k(['create', 'cronjob', 'newyear', '--schedule=0 0 1 1 *', `--image=${IMAGE}`]);
    await c.k(['apply', '-f', '-'], {
      input: `apiVersion: batch/v1
kind: Job
metadata: {name: long}
spec:
  activeDeadlineSeconds: 3000000
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: ${IMAGE}, command: [sleep, "3600"]}]
`,
    });
    // The job's pod runs, so the kubelet holds its deadline timer too.
    await eventually(async () => (await c.k(['get', 'pods', '-l', 'job-name=long', '-o', 'jsonpath={.items[*].status.phase}'])).includes('Running'), 60_000);
    const pid = c.proc.pid as number;
    const before = cpuSeconds(pid);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const used = cpuSeconds(pid) - before;
    const share = used / ((Date.now() - t0) / 1000);
    assert.doesNotMatch(c.output(), /TimeoutOverflowWarning/);
    // A spinning engine used a whole core; an idle one a few percent (generous for a loaded machine).
    assert.ok(share < 0.5, `engine used ${(share * 100).toFixed(0)}% of a core over 5 s while idle`);
    console.log(`idle engine with @yearly CronJobs and a long deadline: ${(share * 100).toFixed(1)}% of a core`);
  });

  it('pods: spec changes refused with upstream text; label, annotate, set image and status still work', async () => {
    await c.k(['run', 'p', `--image=${IMAGE}`, '--', 'sleep', '3600']);
    await eventually(async () => (await c.k(['get', 'pod', 'p', '-o', 'jsonpath={.spec.nodeName}'])) !== '', 60_000);
    await c.k(['label', 'pod', 'p', 'tier=web']);
    await c.k(['annotate', 'pod', 'p', 'note=hello']);
    await c.k(['set', 'image', 'pod/p', 'p=skiff-test/httpd:1']);
    assert.equal(await c.k(['get', 'pod', 'p', '-o', 'jsonpath={.spec.containers[0].image}']), 'skiff-test/httpd:1');
    const cmd = await refused(['patch', 'pod', 'p', '--type=json', '-p', '[{"op":"add","path":"/spec/containers/0/command","value":["sh"]}]']);
    assert.match(
      cmd,
      /The Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)/,
    );
    const node = await refused(['patch', 'pod', 'p', '-p', '{"spec":{"nodeName":"elsewhere"}}']);
    assert.match(node, /spec: Forbidden: pod updates may not change fields other than/);
    // The kubelet keeps writing status through /status: the pod goes on to run the new image.
    await eventually(async () => (await c.k(['get', 'pod', 'p', '-o', 'jsonpath={.status.containerStatuses[0].image}'])).includes('httpd'), 60_000);
  });

  it('apps/v1: selectors are immutable; StatefulSet spec beyond its mutable fields is forbidden', async () => {
    await c.k(['create', 'deployment', 'web', `--image=${IMAGE}`, '--', 'sleep', '3600']);
    const sel = await refused(['patch', 'deployment', 'web', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    assert.match(sel, /The Deployment "web" is invalid: spec\.selector: Invalid value: .*: field is immutable/);
    // Scaling and template changes are fine.
    await c.k(['scale', 'deployment', 'web', '--replicas=2']);
    await c.k(['set', 'image', 'deployment/web', 'busybox=skiff-test/httpd:1']);
    const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: ${IMAGE}, command: [sleep, "3600"]}]
`;
    await c.k(['apply', '-f', writeTemp('sts.yaml', sts)]);
    const forbidden = await refused(['apply', '-f', writeTemp('sts2.yaml', sts.replace('serviceName: db', 'serviceName: other'))]);
    assert.match(
      forbidden,
      /The StatefulSet "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
    );
    await c.k(['scale', 'statefulset', 'db', '--replicas=2']);
  });

  it('Job template and PVC spec are immutable', async () => {
    await c.k(['create', 'job', 'once', `--image=${IMAGE}`, '--', 'true']);
    const job = await refused(['patch', 'job', 'once', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"skiff-test/httpd:1"}]']);
    assert.match(job, /The Job "once" is invalid: spec\.template: Invalid value: .*: field is immutable/);
    await c.k(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n' });
    const pvc = await refused(['patch', 'pvc', 'data', '-p', '{"spec":{"accessModes":["ReadWriteMany"]}}']);
    assert.match(pvc, /The PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims/);
  });

  it('CronJob schedule and timeZone, Deployment maxSurge/maxUnavailable both 0', async () => {
    const sched = await refused(['create', 'cronjob', 'bad', '--schedule=61 * * * *', `--image=${IMAGE}`]);
    assert.match(sched, /spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    const tz = await refused(['create', 'cronjob', 'bad', '--schedule=CRON_TZ=UTC 0 0 * * *', `--image=${IMAGE}`]);
    assert.match(tz, /spec\.schedule: Invalid value: "CRON_TZ=UTC 0 0 \* \* \*": cannot use TZ or CRON_TZ in schedule, use timeZone field instead/);
    const cj = (zone: string) => `apiVersion: batch/v1
kind: CronJob
metadata: {name: zoned}
spec:
  schedule: "0 9 * * *"
  timeZone: ${zone}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: ${IMAGE}}]
`;
    const zone = await refused(['apply', '-f', '-'], cj('Mars/Olympus'));
    assert.match(zone, /The CronJob "zoned" is invalid: spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
    await c.k(['apply', '-f', '-'], { input: cj('Asia/Tokyo') });
    const dep = await refused(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  selector: {matchLabels: {app: stuck}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      containers: [{name: c, image: ${IMAGE}}]
`,
    );
    assert.match(dep, /The Deployment "stuck" is invalid: spec\.strategy\.rollingUpdate\.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0/);
  });
});
