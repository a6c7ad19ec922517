import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../store/store.js';
import { Rest } from '../../apiserver/rest.js';
import { installAdmission } from '../../apiserver/admission.js';
import { bindPod } from '../../apiserver/handlers.js';
import { buildRegistry } from './index.js';
import { FakeClock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../types.js';

// Update validation through the real write path (defaults, validation, admission), so the
// checks see objects as stored, and legitimate writes of our own components are proven to pass.

function env() {
  const registry = buildRegistry();
  const rest = new Rest(new Store({ path: ':memory:' }), registry, new FakeClock());
  installAdmission(rest);
  const def = (group: string, kind: string) => registry.byGroupKind(group, kind)!;
  rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'default' } });
  const patch = (group: string, kind: string, name: string, fn: (o: Record<string, any>) => void, subresource?: 'status') =>
    rest.mutate(def(group, kind), 'default', name, (o) => {
      fn(o as Record<string, any>);
      return o;
    }, subresource ? { subresource } : {}).obj;
  return { rest, def, patch };
}

/** The 422's message, or fails. */
function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 422, e.message);
    assert.equal(e.reason, 'Invalid');
    return e.message;
  }
  assert.fail('expected 422 Invalid');
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } });
const workload = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: template(name), ...extra } });
const pod = (name: string): KubeObject => ({ metadata: { name, labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], tolerations: [{ key: 'a', operator: 'Exists' }] } });

describe('update validation: apps/v1', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) {
    it(`${kind}: spec.selector is immutable; template and replicas are not`, () => {
      const { rest, def, patch } = env();
      rest.create(def('apps', kind), 'default', workload('web'));
      patch('apps', kind, 'web', (o) => {
        o.spec.template.spec.containers[0].image = 'busybox:2';
        o.spec.template.metadata.labels.extra = 'x';
      });
      const msg = invalid(() =>
        patch('apps', kind, 'web', (o) => {
          o.spec.selector = { matchLabels: { app: 'web', v: '2' } };
          o.spec.template.metadata.labels.v = '2';
        }),
      );
      assert.match(msg, new RegExp(`^${kind}.apps "web" is invalid: spec.selector: Invalid value: .*: field is immutable`));
    });
  }

  it('StatefulSet: only replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds change', () => {
    const { rest, def, patch } = env();
    rest.create(def('apps', 'StatefulSet'), 'default', workload('db', { serviceName: 'db' }));
    patch('apps', 'StatefulSet', 'db', (o) => {
      o.spec.replicas = 3;
      o.spec.minReadySeconds = 5;
      o.spec.updateStrategy = { type: 'OnDelete' };
      o.spec.template.spec.containers[0].image = 'busybox:2';
    });
    for (const change of [
      (o: Record<string, any>) => (o.spec.serviceName = 'other'),
      (o: Record<string, any>) => (o.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]),
      (o: Record<string, any>) => (o.spec.podManagementPolicy = 'Parallel'),
    ]) {
      assert.equal(
        invalid(() => patch('apps', 'StatefulSet', 'db', change)),
        `StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`,
      );
    }
  });

  it('Deployment: maxUnavailable may not be 0 when maxSurge is 0 (create and update)', () => {
    const { rest, def, patch } = env();
    const zero = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } };
    assert.equal(
      invalid(() => rest.create(def('apps', 'Deployment'), 'default', workload('a', zero))),
      'Deployment.apps "a" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    );
    rest.create(def('apps', 'Deployment'), 'default', workload('b', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } }));
    invalid(() => patch('apps', 'Deployment', 'b', (o) => (o.spec.strategy.rollingUpdate.maxUnavailable = '0%')));
  });
});

describe('update validation: Pod', () => {
  it('refuses spec changes other than images, activeDeadlineSeconds, added tolerations', () => {
    const { rest, def, patch } = env();
    rest.create(def('', 'Pod'), 'default', pod('p'));
    const msg = invalid(() => patch('', 'Pod', 'p', (o) => (o.spec.containers[0].command = ['sh'])));
    assert.ok(
      msg.startsWith(
        'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
      ),
      msg,
    );
    invalid(() => patch('', 'Pod', 'p', (o) => (o.spec.nodeName = 'node-1')));
    invalid(() => patch('', 'Pod', 'p', (o) => (o.spec.restartPolicy = 'Never')));
    assert.match(invalid(() => patch('', 'Pod', 'p', (o) => (o.spec.tolerations = []))), /spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds/);
  });

  it("lets the image, labels, annotations, finalizers, owners, status, binding and activeDeadlineSeconds through", () => {
    const { rest, def, patch } = env();
    const Pod = def('', 'Pod');
    rest.create(Pod, 'default', pod('p'));
    patch('', 'Pod', 'p', (o) => (o.spec.containers[0].image = 'busybox:2'));
    patch('', 'Pod', 'p', (o) => {
      o.metadata.labels.extra = 'y';
      o.metadata.annotations = { note: 'x' };
      o.metadata.finalizers = ['example.com/keep'];
      o.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }];
    });
    patch('', 'Pod', 'p', (o) => o.spec.tolerations.push({ key: 'b', operator: 'Exists' }));
    patch('', 'Pod', 'p', (o) => (o.status = { ...o.status, phase: 'Running', podIP: '10.0.0.5' }), 'status');
    bindPod(rest, Pod, 'default', 'p', 'node-1', '2025-01-01T00:00:00Z');
    assert.equal((rest.get(Pod, 'default', 'p').obj.spec as { nodeName: string }).nodeName, 'node-1');
    patch('', 'Pod', 'p', (o) => (o.spec.activeDeadlineSeconds = 3_000_000));
    patch('', 'Pod', 'p', (o) => (o.spec.activeDeadlineSeconds = 30));
    assert.match(invalid(() => patch('', 'Pod', 'p', (o) => (o.spec.activeDeadlineSeconds = 60))), /spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value/);
    // Once bound, not even binding moves it.
    assert.throws(() => bindPod(rest, Pod, 'default', 'p', 'node-2', '2025-01-01T00:00:00Z'), (e) => e instanceof ApiError && e.code === 409);
    invalid(() => patch('', 'Pod', 'p', (o) => (o.spec.nodeName = 'node-2')));
  });
});

describe('update validation: Pod scheduling gates', () => {
  it('gates may be removed, not added; a gated pod may gain node constraints', () => {
    const { rest, def, patch } = env();
    const p = pod('g');
    (p.spec as Record<string, unknown>).schedulingGates = [{ name: 'example.com/a' }, { name: 'example.com/b' }];
    rest.create(def('', 'Pod'), 'default', p);
    patch('', 'Pod', 'g', (o) => (o.spec.nodeSelector = { zone: 'a' }));
    patch('', 'Pod', 'g', (o) => (o.spec.schedulingGates = [{ name: 'example.com/a' }]));
    assert.match(invalid(() => patch('', 'Pod', 'g', (o) => o.spec.schedulingGates.push({ name: 'example.com/c' }))), /spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com\/c'/);
    patch('', 'Pod', 'g', (o) => (o.spec.schedulingGates = []));
    // Ungated: node constraints are fixed again.
    invalid(() => patch('', 'Pod', 'g', (o) => (o.spec.nodeSelector = { zone: 'b' })));
  });
});

describe('update validation: Job', () => {
  const job = (extra: Record<string, unknown> = {}): KubeObject => ({
    metadata: { name: 'j' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } }, ...extra },
  });

  it('template, selector, completionMode and completions are immutable; parallelism and suspend are not', () => {
    const { rest, def, patch } = env();
    rest.create(def('batch', 'Job'), 'default', job({ completions: 3, parallelism: 1 }));
    patch('batch', 'Job', 'j', (o) => {
      o.spec.parallelism = 2;
      o.spec.suspend = true;
      o.spec.activeDeadlineSeconds = 3_000_000;
    });
    assert.match(invalid(() => patch('batch', 'Job', 'j', (o) => (o.spec.template.spec.containers[0].image = 'busybox:2'))), /^Job.batch "j" is invalid: spec.template: Invalid value: .*: field is immutable$/);
    assert.match(invalid(() => patch('batch', 'Job', 'j', (o) => (o.spec.completions = 4))), /spec.completions: Invalid value: 4: field is immutable/);
    assert.match(invalid(() => patch('batch', 'Job', 'j', (o) => (o.spec.completionMode = 'Indexed'))), /spec.completionMode: Invalid value: "Indexed": field is immutable/);
    assert.match(invalid(() => patch('batch', 'Job', 'j', (o) => (o.spec.selector = { matchLabels: { x: 'y' } }))), /spec.selector: Invalid value: .*: field is immutable/);
  });

  it('a suspended Job that never started may change its scheduling directives', () => {
    const { rest, def, patch } = env();
    rest.create(def('batch', 'Job'), 'default', job({ suspend: true }));
    patch('batch', 'Job', 'j', (o) => {
      o.spec.template.spec.nodeSelector = { disk: 'ssd' };
      o.spec.template.metadata.annotations = { queue: 'a' };
    });
    invalid(() => patch('batch', 'Job', 'j', (o) => (o.spec.template.spec.containers[0].image = 'busybox:2')));
  });

  it('Indexed: completions change only in tandem with parallelism', () => {
    const { rest, def, patch } = env();
    rest.create(def('batch', 'Job'), 'default', job({ completionMode: 'Indexed', completions: 2, parallelism: 2 }));
    patch('batch', 'Job', 'j', (o) => {
      o.spec.completions = 4;
      o.spec.parallelism = 4;
    });
    assert.match(invalid(() => patch('batch', 'Job', 'j', (o) => (o.spec.completions = 5))), /spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism/);
  });
});

describe('update validation: PersistentVolumeClaim', () => {
  it('only a bound claim may grow; everything else in spec is fixed', () => {
    const { rest, def, patch } = env();
    rest.create(def('', 'PersistentVolumeClaim'), 'default', { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const msg = invalid(() => patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.resources.requests.storage = '2Gi')));
    assert.ok(msg.startsWith('PersistentVolumeClaim "c" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'), msg);
    // A default class may be filled in once; the binder sets volumeName once; then the claim is
    // Bound and may be resized.
    patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.storageClassName = 'local-path'));
    invalid(() => patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.storageClassName = 'other')));
    patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.volumeName = 'pv-1'));
    patch('', 'PersistentVolumeClaim', 'c', (o) => (o.status = { phase: 'Bound' }), 'status');
    patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.resources.requests.storage = '2Gi'));
    invalid(() => patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.accessModes = ['ReadWriteMany'])));
    invalid(() => patch('', 'PersistentVolumeClaim', 'c', (o) => (o.spec.volumeName = 'pv-2')));
  });
});

describe('CronJob schedule and timeZone', () => {
  const cj = (schedule: string, timeZone?: string): KubeObject => ({
    metadata: { name: 'cj' },
    spec: { schedule, ...(timeZone !== undefined ? { timeZone } : {}), jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } } } } },
  });

  it('refuses schedules robfig/cron refuses, TZ= in the schedule and unknown zones', () => {
    const { rest, def } = env();
    const CronJob = def('batch', 'CronJob');
    assert.equal(invalid(() => rest.create(CronJob, 'default', cj('61 * * * *'))), 'CronJob.batch "cj" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    assert.equal(
      invalid(() => rest.create(CronJob, 'default', cj('CRON_TZ=UTC 0 0 * * *'))),
      'CronJob.batch "cj" is invalid: spec.schedule: Invalid value: "CRON_TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    );
    assert.equal(invalid(() => rest.create(CronJob, 'default', cj('0 0 * * *', 'Mars/Olympus'))), 'CronJob.batch "cj" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
    invalid(() => rest.create(CronJob, 'default', cj('@fortnightly')));
    rest.create(CronJob, 'default', cj('@yearly', 'Europe/Paris'));
  });
});
