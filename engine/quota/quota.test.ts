import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import {
  add,
  calculateUsage,
  evaluatorFor,
  evaluatorsFor,
  parseList,
  podEvaluator,
  prettyPrint,
  pvcEvaluator,
  serviceEvaluator,
  toJSON,
  type QuotaLike,
} from './quota.js';

const NOW = Date.UTC(2025, 0, 1);

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };

function pod(name: string, res: Res[] = [{}], extra: { init?: Res[]; phase?: string; spec?: Record<string, unknown>; meta?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', ...(extra.meta ?? {}) },
    spec: {
      containers: res.map((r, i) => ({ name: `c${i}`, image: 'busybox', resources: r })),
      ...(extra.init ? { initContainers: extra.init.map((r, i) => ({ name: `i${i}`, image: 'busybox', resources: r })) } : {}),
      ...(extra.spec ?? {}),
    },
    status: { phase: extra.phase ?? 'Running' },
  };
}

const json = (l: Map<string, unknown>) => toJSON(l as never);

describe('resource lists', () => {
  it('sums keep the first non-zero format and print upstream text', () => {
    const a = parseList({ memory: '64Mi', cpu: '500m' });
    const b = parseList({ memory: '64Mi', cpu: '1' });
    assert.deepEqual(json(add(a, b)), { cpu: '1500m', memory: '128Mi' });
    assert.equal(prettyPrint(add(parseList({ 'requests.cpu': '0' }), b)), 'cpu=1,memory=64Mi,requests.cpu=0');
  });
});

describe('pod evaluator', () => {
  const cases: { name: string; pod: KubeObject; want: Record<string, string> }[] = [
    { name: 'best effort pod counts only itself', pod: pod('a'), want: { pods: '1', 'count/pods': '1' } },
    {
      name: 'containers sum; cpu/memory mirror requests',
      pod: pod('b', [{ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m' } }, { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1' } }]),
      want: { pods: '1', 'count/pods': '1', cpu: '500m', 'requests.cpu': '500m', memory: '128Mi', 'requests.memory': '128Mi', 'limits.cpu': '1500m' },
    },
    {
      name: 'an init container above the sum wins',
      pod: pod('c', [{ requests: { cpu: '100m' } }], { init: [{ requests: { cpu: '2' } }] }),
      want: { pods: '1', 'count/pods': '1', cpu: '2', 'requests.cpu': '2' },
    },
    { name: 'a finished pod only keeps its object count', pod: pod('d', [{ requests: { cpu: '1' } }], { phase: 'Succeeded' }), want: { 'count/pods': '1' } },
    {
      name: 'a pod terminating past its grace period stops counting',
      pod: pod('e', [{ requests: { cpu: '1' } }], { meta: { deletionTimestamp: '2024-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 } }),
      want: { 'count/pods': '1' },
    },
    {
      name: 'a pod still within its grace period counts',
      pod: pod('f', [{ requests: { cpu: '1' } }], { meta: { deletionTimestamp: '2025-01-01T00:00:10Z', deletionGracePeriodSeconds: 30 } }),
      want: { pods: '1', 'count/pods': '1', cpu: '1', 'requests.cpu': '1' },
    },
    {
      name: 'hugepages and extended resources',
      pod: pod('g', [{ requests: { 'hugepages-2Mi': '4Mi', 'example.com/gpu': '1' } }]),
      want: { pods: '1', 'count/pods': '1', 'hugepages-2Mi': '4Mi', 'requests.hugepages-2Mi': '4Mi', 'requests.example.com/gpu': '1' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(json(podEvaluator.usage(c.pod, NOW)), c.want));

  it('scopes', () => {
    const be = pod('be');
    const burst = pod('burst', [{ requests: { cpu: '1' } }]);
    const term = pod('term', [{}], { spec: { activeDeadlineSeconds: 30, priorityClassName: 'high' } });
    const m = (scopeName: string, o: KubeObject, operator: 'In' | 'NotIn' | 'Exists' = 'Exists', values?: string[]) => podEvaluator.matchesScope({ scopeName, operator, values }, o);
    assert.deepEqual([m('BestEffort', be), m('BestEffort', burst), m('NotBestEffort', burst)], [true, false, true]);
    assert.deepEqual([m('Terminating', term), m('Terminating', be), m('NotTerminating', be)], [true, false, true]);
    assert.deepEqual([m('PriorityClass', term), m('PriorityClass', be), m('PriorityClass', term, 'In', ['high']), m('PriorityClass', be, 'NotIn', ['high'])], [true, false, true, true]);
    assert.equal(serviceEvaluator.matchesScope({ scopeName: 'BestEffort', operator: 'Exists' }, be), false);
  });

  it('constraints name each missing resource and its containers', () => {
    const p = pod('x', [{ requests: { cpu: '1' } }, {}]);
    assert.equal(podEvaluator.constraints(['pods', 'limits.cpu', 'limits.memory', 'requests.cpu'], p), 'must specify limits.cpu for: c0,c1; limits.memory for: c0,c1; requests.cpu for: c1');
    assert.equal(podEvaluator.constraints(['pods', 'count/pods'], p), undefined);
  });
});

describe('service, claim and object-count evaluators', () => {
  const svc = (type: string, ports = 2, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 's', namespace: 'ns' }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })), ...extra } });
  const cases: [string, KubeObject, Record<string, string>][] = [
    ['ClusterIP', svc('ClusterIP'), { services: '1', 'count/services': '1', 'services.nodeports': '0', 'services.loadbalancers': '0' }],
    ['NodePort counts its ports', svc('NodePort'), { services: '1', 'count/services': '1', 'services.nodeports': '2', 'services.loadbalancers': '0' }],
    ['LoadBalancer', svc('LoadBalancer', 1), { services: '1', 'count/services': '1', 'services.nodeports': '1', 'services.loadbalancers': '1' }],
    ['LoadBalancer without node ports', svc('LoadBalancer', 1, { allocateLoadBalancerNodePorts: false }), { services: '1', 'count/services': '1', 'services.nodeports': '0', 'services.loadbalancers': '1' }],
  ];
  for (const [name, o, want] of cases) it(`service: ${name}`, () => assert.deepEqual(json(serviceEvaluator.usage(o, NOW)), want));

  it('claims charge storage per class, the larger of asked and allocated', () => {
    const pvc: KubeObject = { metadata: { name: 'd', namespace: 'ns' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } }, status: { allocatedResources: { storage: '2Gi' } } };
    assert.deepEqual(json(pvcEvaluator.usage(pvc, NOW)), {
      'count/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '2Gi',
      persistentvolumeclaims: '1',
      'requests.storage': '2Gi',
    });
  });

  it('object counts and the names that select each evaluator', () => {
    assert.deepEqual(json(evaluatorFor('', 'configmaps').usage({ metadata: {} }, NOW)), { configmaps: '1', 'count/configmaps': '1' });
    assert.deepEqual(json(evaluatorFor('apps', 'deployments').usage({ metadata: {} }, NOW)), { 'count/deployments.apps': '1' });
    const picked = evaluatorsFor(['pods', 'requests.cpu', 'services.nodeports', 'count/deployments.apps', 'secrets', 'requests.storage', 'bogus']);
    assert.deepEqual(
      picked.map((p) => [`${p.evaluator.plural}.${p.evaluator.group}`, p.names]),
      [
        ['pods.', ['pods', 'requests.cpu']],
        ['services.', ['services.nodeports']],
        ['deployments.apps', ['count/deployments.apps']],
        ['secrets.', ['secrets']],
        ['persistentvolumeclaims.', ['requests.storage']],
      ],
    );
  });
});

describe('calculateUsage', () => {
  it('sums in-scope objects for the hard resources only, zero when unused', () => {
    const objs: Record<string, KubeObject[]> = {
      '/pods': [pod('a', [{ requests: { cpu: '500m' }, limits: { cpu: '1' } }]), pod('b', [{ requests: { cpu: '1' } }]), pod('c'), pod('done', [{ requests: { cpu: '4' } }], { phase: 'Failed' })],
      '/configmaps': [{ metadata: { name: 'x', namespace: 'ns' } }],
    };
    const q = (hard: Record<string, string>, scopes?: string[]): QuotaLike => ({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard, scopes } });
    const list = (g: string, p: string) => objs[`${g}/${p}`] ?? [];
    assert.deepEqual(json(calculateUsage(q({ pods: '10', 'requests.cpu': '4', 'limits.memory': '1Gi', configmaps: '3', 'count/pods': '9' }), list, NOW)), {
      'count/pods': '4',
      configmaps: '1',
      'limits.memory': '0',
      pods: '3',
      'requests.cpu': '1500m',
    });
    assert.deepEqual(json(calculateUsage(q({ pods: '10' }, ['BestEffort']), list, NOW)), { pods: '1' });
    // A scoped quota matches no services, configmaps…
    assert.deepEqual(json(calculateUsage(q({ configmaps: '3' }, ['NotBestEffort']), list, NOW)), { configmaps: '0' });
  });
});
