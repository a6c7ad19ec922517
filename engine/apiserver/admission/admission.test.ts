import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../store/store.js';
import { Rest } from '../rest.js';
import { buildRegistry } from '../../api/resources/index.js';
import { FakeClock } from '../../api/clock.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { installAdmission } from '../admission.js';
import { LIMIT_RANGER_ANNOTATION } from './limitranger.js';

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };

function setup() {
  const registry = buildRegistry();
  const clock = new FakeClock();
  const rest = new Rest(new Store({ path: ':memory:' }), registry, clock);
  installAdmission(rest, undefined, clock);
  const def = (group: string, kind: string) => registry.byGroupKind(group, kind)!;
  rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'ns' } });
  const create = (group: string, kind: string, body: Record<string, unknown>, ns = 'ns') => rest.create(def(group, kind), ns, body as KubeObject).obj;
  const pod = (name: string, res: Res[] = [{}], extra: Record<string, unknown> = {}) =>
    create('', 'Pod', { metadata: { name }, spec: { containers: res.map((r, i) => ({ name: i === 0 ? 'app' : `c${i}`, image: 'busybox', resources: r })), ...extra } });
  const quota = (name: string, hard: Record<string, string>, spec: Record<string, unknown> = {}) => create('', 'ResourceQuota', { metadata: { name }, spec: { hard, ...spec } });
  const limitRange = (limits: Record<string, unknown>[]) => create('', 'LimitRange', { metadata: { name: 'lr' }, spec: { limits } });
  /** The 403 message of a rejected call (fails the test when it is accepted). */
  const refused = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.code, 403);
      assert.equal(e.reason, 'Forbidden');
      return e.message;
    }
    assert.fail('expected 403 Forbidden');
  };
  return { rest, def, create, pod, quota, limitRange, refused, clock };
}

const resources = (o: KubeObject, i = 0) => ((o.spec as { containers: { resources: Res }[] }).containers[i].resources);

describe('LimitRanger admission', () => {
  it('fills defaults for containers and init containers and records them', () => {
    const t = setup();
    t.limitRange([{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' } }]);
    const p = t.pod('p', [{ requests: { memory: '64Mi' } }], { initContainers: [{ name: 'init', image: 'busybox' }] });
    assert.deepEqual(resources(p), { requests: { memory: '64Mi', cpu: '100m' }, limits: { cpu: '500m', memory: '128Mi' } });
    assert.equal(
      p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: cpu request for container app; cpu, memory limit for container app; cpu, memory request for init container init; cpu, memory limit for init container init',
    );
    assert.equal((p.status as { qosClass: string }).qosClass, 'Burstable');
  });

  it('defaults the LimitRange itself: default from max, defaultRequest from default', () => {
    const t = setup();
    const lr = t.limitRange([{ type: 'Container', max: { cpu: '1' }, min: { memory: '4Mi' } }]);
    assert.deepEqual((lr.spec as { limits: unknown[] }).limits[0], { type: 'Container', max: { cpu: '1' }, min: { memory: '4Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '4Mi' } });
  });

  it('LimitRanges are validated (422): min ≤ defaultRequest ≤ default ≤ max, no defaults for Pod', () => {
    const t = setup();
    const invalid = (limits: Record<string, unknown>[]) => {
      try {
        t.limitRange(limits);
      } catch (e) {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 422);
        return e.message;
      }
      assert.fail('expected 422');
    };
    assert.equal(
      invalid([{ type: 'Container', default: { cpu: '1' }, max: { cpu: '500m' } }]),
      // defaultRequest was defaulted from default, so it is over max too — as upstream reports.
      'LimitRange "lr" is invalid: [spec.limits[0].defaultRequest[cpu]: Invalid value: "1": default request value 1 is greater than max value 500m, spec.limits[0].default[cpu]: Invalid value: "1": default value 1 is greater than max value 500m]',
    );
    assert.match(invalid([{ type: 'Container', min: { memory: '1Gi' }, max: { memory: '1Mi' } }]), /spec.limits\[0\].min\[memory\]: Invalid value: "1Gi": min value 1Gi is greater than max value 1Mi/);
    assert.match(invalid([{ type: 'Pod', default: { cpu: '1' } }]), /spec.limits\[0\].default: Forbidden: may not be specified when `type` is 'Pod'/);
  });

  it('limits given without requests become the requests (pod defaulting, before LimitRanger)', () => {
    const t = setup();
    t.limitRange([{ type: 'Container', defaultRequest: { cpu: '100m' } }]);
    assert.deepEqual(resources(t.pod('p', [{ limits: { cpu: '2' } }])).requests, { cpu: '2' });
  });

  const rejects: [string, Record<string, unknown>[], Res[], string][] = [
    ['max on limit', [{ type: 'Container', max: { cpu: '500m' } }], [{ limits: { cpu: '1000m' } }], 'maximum cpu usage per Container is 500m, but limit is 1'],
    ['min on request', [{ type: 'Container', min: { memory: '10Mi' } }], [{ requests: { memory: '5Mi' } }], 'minimum memory usage per Container is 10Mi, but request is 5Mi'],
    ['pod min under the sum', [{ type: 'Pod', min: { memory: '64Mi' } }], [{ requests: { memory: '16Mi' } }, { requests: { memory: '16Mi' } }], 'minimum memory usage per Pod is 64Mi, but request is 32Mi'],
    ['ratio', [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }], [{ requests: { cpu: '100m' }, limits: { cpu: '1' } }], 'cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000'],
    ['pod max over the sum', [{ type: 'Pod', max: { cpu: '1' } }], [{ limits: { cpu: '600m' } }, { limits: { cpu: '600m' } }], 'maximum cpu usage per Pod is 1, but limit is 1200m'],
    [
      'several errors aggregate',
      [{ type: 'Container', max: { cpu: '500m' }, min: { cpu: '200m' } }],
      [{ requests: { cpu: '100m' }, limits: { cpu: '1' } }],
      '[minimum cpu usage per Container is 200m, but request is 100m, maximum cpu usage per Container is 500m, but limit is 1]',
    ],
  ];
  for (const [name, limits, res, want] of rejects) {
    it(`rejects: ${name}`, () => {
      const t = setup();
      t.limitRange(limits);
      assert.equal(t.refused(() => t.pod('x', res)), `pods "x" is forbidden: ${want}`);
    });
  }

  it('a default limit from max makes a pod without limits acceptable', () => {
    const t = setup();
    t.limitRange([{ type: 'Container', max: { memory: '1Gi' } }]);
    assert.deepEqual(resources(t.pod('ok', [{ requests: { memory: '5Mi' } }])).limits, { memory: '1Gi' });
  });

  it('claims: min and max storage on create and resize', () => {
    const t = setup();
    t.limitRange([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } }]);
    const pvc = (name: string, storage: string) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    assert.equal(t.refused(() => t.create('', 'PersistentVolumeClaim', pvc('small', '500Mi'))), 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
    t.create('', 'PersistentVolumeClaim', pvc('ok', '1Gi'));
    // Only a bound claim may be resized (validation refuses the rest with 422 first).
    t.rest.mutate(t.def('', 'PersistentVolumeClaim'), 'ns', 'ok', (o) => ({ ...o, status: { phase: 'Bound' } }), { subresource: 'status' });
    const msg = t.refused(() => t.rest.mutate(t.def('', 'PersistentVolumeClaim'), 'ns', 'ok', (o) => ({ ...o, spec: { ...(o.spec as object), resources: { requests: { storage: '3Gi' } } } })));
    assert.equal(msg, 'persistentvolumeclaims "ok" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 3Gi');
    // A claim admitted before a tighter LimitRange still gets its status written.
    t.rest.update(t.def('', 'LimitRange'), 'ns', 'lr', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '500Mi' } }] } });
    t.rest.mutate(t.def('', 'PersistentVolumeClaim'), 'ns', 'ok', (o) => ({ ...o, status: { phase: 'Bound' } }), { subresource: 'status' });
  });

  it('pods in other namespaces are untouched', () => {
    const t = setup();
    t.limitRange([{ type: 'Container', max: { cpu: '100m' } }]);
    t.create('', 'Namespace', { metadata: { name: 'other' } }, undefined as unknown as string);
    const p = t.create('', 'Pod', { metadata: { name: 'free' }, spec: { containers: [{ name: 'a', image: 'busybox', resources: { limits: { cpu: '4' } } }] } }, 'other');
    assert.equal(p.metadata.annotations, undefined);
  });
});

describe('ResourceQuota admission', () => {
  it('charges pod compute and refuses what would pass hard, with upstream text', () => {
    const t = setup();
    t.quota('compute', { 'requests.cpu': '2', pods: '10' });
    t.pod('a', [{ requests: { cpu: '1' } }]);
    t.pod('b', [{ requests: { cpu: '500m' } }]);
    assert.equal(
      t.refused(() => t.pod('c', [{ requests: { cpu: '1' } }])),
      'pods "c" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2',
    );
    t.pod('d', [{ requests: { cpu: '500m' } }]); // exactly at hard is fine
  });

  it('names every exceeded resource, and only those', () => {
    const t = setup();
    t.quota('q', { pods: '1', 'requests.memory': '1Gi', 'limits.memory': '1Gi' });
    t.pod('a', [{ requests: { memory: '512Mi' }, limits: { memory: '512Mi' } }]);
    assert.equal(
      t.refused(() => t.pod('b', [{ requests: { memory: '256Mi' }, limits: { memory: '768Mi' } }])),
      'pods "b" is forbidden: exceeded quota: q, requested: limits.memory=768Mi,pods=1, used: limits.memory=512Mi,pods=1, limited: limits.memory=1Gi,pods=1',
    );
  });

  it('requires containers to name tracked compute resources; a LimitRange default satisfies it', () => {
    const t = setup();
    t.quota('q', { 'limits.cpu': '4', 'limits.memory': '4Gi' });
    assert.equal(t.refused(() => t.pod('x', [{}])), 'pods "x" is forbidden: failed quota: q: must specify limits.cpu for: app; limits.memory for: app');
    t.limitRange([{ type: 'Container', default: { cpu: '500m', memory: '256Mi' } }]);
    const p = t.pod('x', [{}]);
    assert.deepEqual(resources(p).limits, { cpu: '500m', memory: '256Mi' });
  });

  it('finished pods do not count; count/pods counts every pod', () => {
    const t = setup();
    t.quota('q', { pods: '1' });
    t.pod('a');
    t.rest.mutate(t.def('', 'Pod'), 'ns', 'a', (o) => ({ ...o, status: { phase: 'Succeeded' } }), { subresource: 'status' });
    t.pod('b');
    assert.match(t.refused(() => t.pod('c')), /exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1$/);
    t.quota('objects', { 'count/pods': '2' });
    // b fits "pods" after c was refused? No: b is there, so pods=1 already; count/pods has a, b.
    t.rest.delete(t.def('', 'ResourceQuota'), 'ns', 'q');
    assert.match(t.refused(() => t.pod('d')), /exceeded quota: objects, requested: count\/pods=1, used: count\/pods=2, limited: count\/pods=2$/);
  });

  it('scopes select which pods a quota charges', () => {
    const t = setup();
    t.quota('be', { pods: '1' }, { scopes: ['BestEffort'] });
    t.pod('be1');
    t.pod('burst', [{ requests: { cpu: '100m' } }]); // not BestEffort: not charged
    assert.match(t.refused(() => t.pod('be2')), /exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1/);
    t.quota('prio', { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['batch'] }] } });
    t.pod('other', [{ requests: { cpu: '100m' } }]);
    t.create('scheduling.k8s.io', 'PriorityClass', { metadata: { name: 'batch' }, value: 10 }, undefined as unknown as string);
    assert.match(t.refused(() => t.pod('b', [{ requests: { cpu: '100m' } }], { priorityClassName: 'batch' })), /exceeded quota: prio, requested: pods=1, used: pods=0, limited: pods=0/);
  });

  it('services: counts, node ports, and a type change on update', () => {
    const t = setup();
    t.quota('svc', { services: '2', 'services.nodeports': '1', 'services.loadbalancers': '0' });
    const svc = (name: string, type: string) => ({ metadata: { name }, spec: { type, selector: { app: 'x' }, ports: [{ port: 80 }] } });
    t.create('', 'Service', svc('a', 'ClusterIP'));
    t.create('', 'Service', svc('np', 'NodePort'));
    assert.equal(t.refused(() => t.create('', 'Service', svc('c', 'ClusterIP'))), 'services "c" is forbidden: exceeded quota: svc, requested: services=1, used: services=2, limited: services=2');
    const Service = t.def('', 'Service');
    const retype = (type: string) => () => t.rest.mutate(Service, 'ns', 'a', (o) => ({ ...o, spec: { ...(o.spec as object), type } }));
    assert.equal(t.refused(retype('NodePort')), 'services "a" is forbidden: exceeded quota: svc, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1');
    assert.match(t.refused(retype('LoadBalancer')), /requested: services.loadbalancers=1,services.nodeports=1, used: services.loadbalancers=0,services.nodeports=1/);
    // Updates that add nothing pass even at the limit.
    t.rest.mutate(Service, 'ns', 'np', (o) => ({ ...o, metadata: { ...o.metadata, labels: { touched: 'yes' } } }));
  });

  it('claims: storage on create and on resize', () => {
    const t = setup();
    t.quota('storage', { 'requests.storage': '3Gi', persistentvolumeclaims: '5' });
    const pvc = (name: string, storage: string) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    t.create('', 'PersistentVolumeClaim', pvc('a', '2Gi'));
    t.rest.mutate(t.def('', 'PersistentVolumeClaim'), 'ns', 'a', (o) => ({ ...o, status: { phase: 'Bound' } }), { subresource: 'status' });
    assert.equal(
      t.refused(() => t.rest.mutate(t.def('', 'PersistentVolumeClaim'), 'ns', 'a', (o) => ({ ...o, spec: { ...(o.spec as object), resources: { requests: { storage: '4Gi' } } } }))),
      'persistentvolumeclaims "a" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=2Gi, limited: requests.storage=3Gi',
    );
    t.create('', 'PersistentVolumeClaim', pvc('b', '1Gi'));
  });

  it('object counts: configmaps, secrets, quotas and count/<resource>.<group>', () => {
    const t = setup();
    t.quota('objects', { configmaps: '1', 'count/secrets': '0', resourcequotas: '2', 'count/deployments.apps': '1' });
    t.create('', 'ConfigMap', { metadata: { name: 'a' } });
    assert.match(t.refused(() => t.create('', 'ConfigMap', { metadata: { name: 'b' } })), /^configmaps "b" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1$/);
    assert.match(t.refused(() => t.create('', 'Secret', { metadata: { name: 's' } })), /requested: count\/secrets=1, used: count\/secrets=0, limited: count\/secrets=0$/);
    t.quota('second', { pods: '10' });
    assert.match(t.refused(() => t.quota('third', { pods: '1' })), /^resourcequotas "third" is forbidden: exceeded quota: objects, requested: resourcequotas=1, used: resourcequotas=2/);
    const deploy = (name: string) => ({ metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
    t.create('apps', 'Deployment', deploy('one'));
    assert.equal(t.refused(() => t.create('apps', 'Deployment', deploy('two'))), 'deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  });

  it('generated names are reported by their prefix, as upstream', () => {
    const t = setup();
    t.quota('q', { pods: '0' });
    const msg = t.refused(() => t.create('', 'Pod', { metadata: { generateName: 'web-5d8f-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
    assert.equal(msg, 'pods "web-5d8f-" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0');
  });

  it('quota specs are validated (422) as upstream', () => {
    const t = setup();
    const invalid = (hard: Record<string, string>, scopes?: string[]) => {
      try {
        t.quota('bad', hard, scopes ? { scopes } : {});
      } catch (e) {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 422);
        return e.message;
      }
      assert.fail('expected 422');
    };
    assert.equal(invalid({ pods: '1.5' }), 'ResourceQuota "bad" is invalid: spec.hard[pods]: Invalid value: "1.5": must be an integer');
    assert.equal(invalid({ 'requests.cpu': '-1' }), 'ResourceQuota "bad" is invalid: spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0');
    assert.match(invalid({ pods: '1' }, ['Sometimes']), /spec.scopes\[0\]: Invalid value: "Sometimes": unsupported scope/);
    t.quota('good', { 'requests.cpu': '1.5', 'count/deployments.apps': '3' });
  });

  it('dry-run is checked but charges nothing', () => {
    const t = setup();
    t.quota('q', { pods: '1' });
    const body = { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as unknown as KubeObject;
    t.rest.create(t.def('', 'Pod'), 'ns', body, { dryRun: true });
    t.pod('a');
    assert.match(t.refused(() => t.rest.create(t.def('', 'Pod'), 'ns', { ...body, metadata: { name: 'b' } }, { dryRun: true })), /exceeded quota: q/);
  });
});
