import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type FrameworkHandle, type Result, Status } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import { podRequests } from '../framework/podinfo.js';
import { makeNode, makePod, ni, pi, type PodOptions } from '../testing.js';
import { NodeName } from './nodename.js';
import { NodeUnschedulable } from './nodeunschedulable.js';
import { NodeResourcesFit, leastRequestedScore } from './noderesourcesfit.js';
import { BalancedAllocation, balancedScore } from './balancedallocation.js';
import { NodeAffinity, defaultNormalizeScore } from './nodeaffinity.js';
import { TaintToleration } from './tainttoleration.js';
import { NodePorts } from './nodeports.js';
import { ImageLocality } from './imagelocality.js';
import { PodTopologySpread } from './podtopologyspread.js';
import { DefaultPreemption } from './defaultpreemption.js';

function expectResult(got: Result, want: { code?: string; reasons?: string[] } | null, label: string): void {
  if (want === null) {
    assert.equal(got, null, `${label}: expected success, got ${got?.code} ${got?.message}`);
    return;
  }
  assert.ok(got, `${label}: expected failure`);
  if (want.code) assert.equal(got.code, want.code, label);
  if (want.reasons) assert.deepEqual(got.reasons, want.reasons, label);
}

/** Runs PreFilter (honouring Skip) then Filter, as the framework does. */
function runFilter(plugin: { preFilter?: (s: CycleState, p: ReturnType<typeof pi>, n: readonly NodeInfo[]) => { status: Result }; filter: (s: CycleState, p: ReturnType<typeof pi>, n: NodeInfo) => Result }, pod: ReturnType<typeof pi>, node: NodeInfo, all: NodeInfo[] = [node]): Result {
  const state = new CycleState();
  if (plugin.preFilter) {
    const r = plugin.preFilter(state, pod, all);
    if (r.status?.code === 'Skip') return null;
    if (r.status) return r.status;
  }
  return plugin.filter(state, pod, node);
}

describe('NodeName', () => {
  const cases: { name: string; pod: PodOptions; node: string; want: null | { code: string } }[] = [
    { name: 'no nodeName fits any node', pod: {}, node: 'a', want: null },
    { name: 'same node', pod: { nodeName: 'a' }, node: 'a', want: null },
    { name: 'other node', pod: { nodeName: 'b' }, node: 'a', want: { code: 'UnschedulableAndUnresolvable' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = pi('p', c.pod);
      expectResult(runFilter(new NodeName(), pod, ni(makeNode(c.node))), c.want && { ...c.want, reasons: ["node(s) didn't match the requested node name"] }, c.name);
    });
  }
});

describe('NodeUnschedulable', () => {
  const cases: { name: string; unschedulable: boolean; pod: PodOptions; fits: boolean }[] = [
    { name: 'schedulable node', unschedulable: false, pod: {}, fits: true },
    { name: 'cordoned node', unschedulable: true, pod: {}, fits: false },
    { name: 'cordoned, tolerated by key/effect', unschedulable: true, pod: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }, fits: true },
    { name: 'cordoned, tolerate-everything toleration', unschedulable: true, pod: { tolerations: [{ operator: 'Exists' }] }, fits: true },
    { name: 'cordoned, wrong effect', unschedulable: true, pod: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }, fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = runFilter(new NodeUnschedulable(), pi('p', c.pod), ni(makeNode('n', { unschedulable: c.unschedulable })));
      expectResult(r, c.fits ? null : { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] }, c.name);
    });
  }
});

describe('NodeResourcesFit', () => {
  const busy = [makePod('x', { cpu: '3', memory: '6Gi' })];
  const cases: { name: string; pod: PodOptions; node?: Parameters<typeof makeNode>[1]; existing?: ReturnType<typeof makePod>[]; want: null | { code: string; reasons: string[] } }[] = [
    { name: 'fits an empty node', pod: { cpu: '1', memory: '1Gi' }, want: null },
    { name: 'best effort always fits resources', pod: {}, existing: busy, want: null },
    { name: 'cpu short after existing pods', pod: { cpu: '2' }, existing: busy, want: { code: 'Unschedulable', reasons: ['Insufficient cpu'] } },
    { name: 'cpu and memory short', pod: { cpu: '2', memory: '4Gi' }, existing: busy, want: { code: 'Unschedulable', reasons: ['Insufficient cpu', 'Insufficient memory'] } },
    { name: 'bigger than the node: unresolvable', pod: { cpu: '1000' }, want: { code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient cpu'] } },
    { name: 'millicores add up exactly', pod: { cpu: '1000m' }, existing: busy, want: null },
    { name: 'too many pods', pod: {}, node: { pods: '1' }, existing: [makePod('y')], want: { code: 'Unschedulable', reasons: ['Too many pods'] } },
    { name: 'ephemeral storage', pod: { containers: [{ cpu: '100m' }] }, node: { ephemeralStorage: '0' }, want: null },
    {
      name: 'init containers: max rule',
      pod: { cpu: '1', initContainers: [{ cpu: '3500m' }] },
      want: null,
    },
    {
      name: 'init container bigger than free cpu',
      pod: { cpu: '500m', initContainers: [{ cpu: '2' }] },
      existing: busy,
      want: { code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    },
    {
      name: 'extended resources',
      pod: { containers: [{ cpu: '1' }] },
      node: { extra: { 'example.com/gpu': '1' } },
      want: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = runFilter(new NodeResourcesFit(), pi('p', c.pod), ni(makeNode('n', c.node ?? {}), c.existing ?? []));
      expectResult(r, c.want, c.name);
    });
  }

  it('requests follow the sidecar-aware init container rule and overhead', () => {
    const spec = makePod('p', {
      containers: [{ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }],
      initContainers: [{ cpu: '2', memory: '1Gi' }, { cpu: '500m', memory: '3Gi' }],
      overhead: { cpu: '100m' },
    }).spec as Record<string, unknown>;
    const r = podRequests(spec);
    assert.equal(r.milliCPU, 2100);
    assert.equal(r.memory, 3 * 2 ** 30);
    const sidecar = makePod('s', { cpu: '1', initContainers: [{ cpu: '500m', restartPolicy: 'Always' }, { cpu: '2' }] }).spec as Record<string, unknown>;
    // sidecar 500m runs with everything: max(1+0.5, 2+0.5) = 2.5
    assert.equal(podRequests(sidecar).milliCPU, 2500);
    const nz = podRequests(makePod('b').spec as Record<string, unknown>, true);
    assert.equal(nz.milliCPU, 100);
    assert.equal(nz.memory, 200 * 2 ** 20);
  });

  it('scores LeastAllocated: emptier nodes win', () => {
    const plugin = new NodeResourcesFit();
    const pod = pi('p', { cpu: '1', memory: '1Gi' });
    const empty = plugin.score(new CycleState(), pod, ni(makeNode('a')));
    const full = plugin.score(new CycleState(), pod, ni(makeNode('b'), busy));
    assert.ok(empty > full, `${empty} > ${full}`);
    assert.equal(leastRequestedScore(1000, 4000), 75);
    assert.equal(leastRequestedScore(5000, 4000), 0);
    assert.equal(leastRequestedScore(1, 0), 0);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it('prefers nodes where cpu and memory stay balanced', () => {
    const plugin = new BalancedAllocation();
    const pod = pi('p', { cpu: '1', memory: '2Gi' });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod), null);
    const balanced = plugin.score(state, pod, ni(makeNode('a', { cpu: '4', memory: '8Gi' })));
    const skewed = plugin.score(state, pod, ni(makeNode('b', { cpu: '2', memory: '64Gi' })));
    assert.ok(balanced > skewed, `${balanced} > ${skewed}`);
    assert.equal(balancedScore([0.5, 0.5]), 100);
    assert.equal(balancedScore([1, 0]), 50);
  });
  it('skips pods without requests', () => {
    assert.equal(new BalancedAllocation().preScore(new CycleState(), pi('p'))?.code, 'Skip');
  });
});

describe('NodeAffinity', () => {
  const reason = ["node(s) didn't match Pod's node affinity/selector"];
  const term = (...exprs: { key: string; operator: string; values?: string[] }[]) => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } },
  });
  const labels = { zone: 'a', disk: 'ssd', gen: '5' };
  const cases: { name: string; pod: PodOptions; fits: boolean }[] = [
    { name: 'no constraints', pod: {}, fits: true },
    { name: 'nodeSelector match', pod: { nodeSelector: { zone: 'a' } }, fits: true },
    { name: 'nodeSelector mismatch', pod: { nodeSelector: { zone: 'b' } }, fits: false },
    { name: 'In', pod: { affinity: term({ key: 'zone', operator: 'In', values: ['a', 'b'] }) }, fits: true },
    { name: 'In mismatch', pod: { affinity: term({ key: 'zone', operator: 'In', values: ['c'] }) }, fits: false },
    { name: 'NotIn', pod: { affinity: term({ key: 'zone', operator: 'NotIn', values: ['b'] }) }, fits: true },
    { name: 'NotIn on missing label', pod: { affinity: term({ key: 'x', operator: 'NotIn', values: ['b'] }) }, fits: true },
    { name: 'Exists', pod: { affinity: term({ key: 'disk', operator: 'Exists' }) }, fits: true },
    { name: 'DoesNotExist', pod: { affinity: term({ key: 'disk', operator: 'DoesNotExist' }) }, fits: false },
    { name: 'Gt', pod: { affinity: term({ key: 'gen', operator: 'Gt', values: ['4'] }) }, fits: true },
    { name: 'Gt false', pod: { affinity: term({ key: 'gen', operator: 'Gt', values: ['5'] }) }, fits: false },
    { name: 'Lt', pod: { affinity: term({ key: 'gen', operator: 'Lt', values: ['10'] }) }, fits: true },
    { name: 'Lt on non-integer label', pod: { affinity: term({ key: 'zone', operator: 'Lt', values: ['10'] }) }, fits: false },
    {
      name: 'terms are ORed',
      pod: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }],
            },
          },
        },
      },
      fits: true,
    },
    {
      name: 'matchFields metadata.name',
      pod: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }] } } } },
      fits: true,
    },
    {
      name: 'matchFields other name',
      pod: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['m'] }] }] } } } },
      fits: false,
    },
    { name: 'nodeSelector AND affinity', pod: { nodeSelector: { zone: 'a' }, affinity: term({ key: 'disk', operator: 'In', values: ['hdd'] }) }, fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = runFilter(new NodeAffinity(), pi('p', c.pod), ni(makeNode('n', { labels })));
      expectResult(r, c.fits ? null : { code: 'UnschedulableAndUnresolvable', reasons: reason }, c.name);
    });
  }

  it('PreFilter narrows to matchFields node names', () => {
    const pod = pi('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }] } } } });
    const r = new NodeAffinity().preFilter(new CycleState(), pod);
    assert.deepEqual([...(r.result?.nodeNames ?? [])], ['n1', 'n2']);
  });

  it('scores preferred terms by weight', () => {
    const plugin = new NodeAffinity();
    const pod = pi('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 5, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          ],
        },
      },
    });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod), null);
    const scores = [ni(makeNode('a', { labels: { zone: 'a', disk: 'ssd' } })), ni(makeNode('b', { labels: { disk: 'ssd' } })), ni(makeNode('c'))].map((n) => plugin.score(state, pod, n));
    assert.deepEqual(scores, [15, 5, 0]);
    plugin.normalizeScores(state, pod, scores);
    assert.deepEqual(scores, [100, 33, 0]);
    assert.equal(plugin.preScore(new CycleState(), pi('q'))?.code, 'Skip');
  });

  it('normalizes in reverse', () => {
    const s = [0, 1, 2];
    defaultNormalizeScore(s, true);
    assert.deepEqual(s, [100, 50, 0]);
  });
});

describe('TaintToleration', () => {
  const cases: { name: string; taints: { key: string; value?: string; effect: string }[]; pod: PodOptions; want: null | string }[] = [
    { name: 'no taints', taints: [], pod: {}, want: null },
    { name: 'NoSchedule untolerated', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], pod: {}, want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'empty value prints like upstream', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], pod: {}, want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'NoExecute untolerated', taints: [{ key: 'k', effect: 'NoExecute' }], pod: {}, want: 'node(s) had untolerated taint {k: }' },
    { name: 'PreferNoSchedule never filters', taints: [{ key: 'k', effect: 'PreferNoSchedule' }], pod: {}, want: null },
    { name: 'Equal toleration', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], pod: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }, want: null },
    { name: 'Equal wrong value', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], pod: { tolerations: [{ key: 'dedicated', value: 'cpu' }] }, want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'Exists any effect', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }], pod: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, want: null },
    { name: 'wrong effect', taints: [{ key: 'dedicated', effect: 'NoExecute' }], pod: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }, want: 'node(s) had untolerated taint {dedicated: }' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = runFilter(new TaintToleration(), pi('p', c.pod), ni(makeNode('n', { taints: c.taints })));
      expectResult(r, c.want === null ? null : { code: 'UnschedulableAndUnresolvable', reasons: [c.want] }, c.name);
    });
  }

  it('scores PreferNoSchedule taints: fewer untolerated is better', () => {
    const plugin = new TaintToleration();
    const pod = pi('p', { tolerations: [{ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    const state = new CycleState();
    plugin.preScore(state, pod);
    const nodes = [
      ni(makeNode('x')),
      ni(makeNode('y', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }] })),
      ni(makeNode('z', { taints: [{ key: 'b', effect: 'PreferNoSchedule' }] })),
    ];
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    plugin.normalizeScores(state, pod, scores);
    assert.deepEqual(scores, [100, 0, 100]);
  });
});

describe('NodePorts', () => {
  const existing = [makePod('x', { containers: [{ hostPort: 8080 }] })];
  const cases: { name: string; pod: PodOptions; fits: boolean }[] = [
    { name: 'no host ports', pod: {}, fits: true },
    { name: 'free port', pod: { containers: [{ hostPort: 9090 }] }, fits: true },
    { name: 'taken port', pod: { containers: [{ hostPort: 8080 }] }, fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = runFilter(new NodePorts(), pi('p', c.pod), ni(makeNode('n'), existing));
      expectResult(r, c.fits ? null : { code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] }, c.name);
    });
  }
});

describe('ImageLocality', () => {
  it('prefers nodes holding big images, skips when no node has them', () => {
    const big = 500 * 1024 * 1024;
    const nodes = [ni(makeNode('a', { images: [{ names: ['docker.io/library/nginx:1.27'], sizeBytes: big }] })), ni(makeNode('b'))];
    const handle = {
      nodes: () => nodes,
      imageNodeCount: (img: string) => (img === 'nginx:1.27' ? 1 : 0),
    } as unknown as FrameworkHandle;
    const plugin = new ImageLocality(handle);
    const pod = pi('p', { image: 'nginx:1.27' });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod), null);
    const [a, b] = nodes.map((n) => plugin.score(state, pod, n));
    assert.ok(a > b && b === 0, `${a} > ${b}`);
    assert.equal(plugin.preScore(new CycleState(), pi('q', { image: 'redis' }))?.code, 'Skip');
  });
});

describe('PodTopologySpread', () => {
  const zoneNodes = () => {
    const a1 = ni(makeNode('a1', { labels: { zone: 'a' } }), [makePod('w1', { labels: { app: 'web' } }), makePod('w2', { labels: { app: 'web' } })]);
    const b1 = ni(makeNode('b1', { labels: { zone: 'b' } }), [makePod('w3', { labels: { app: 'web' } })]);
    const c1 = ni(makeNode('c1', { labels: { zone: 'c' } }));
    const nolabel = ni(makeNode('x1'));
    return [a1, b1, c1, nolabel];
  };
  const constraint = (maxSkew: number, when = 'DoNotSchedule', extra: Record<string, unknown> = {}) => ({
    maxSkew,
    topologyKey: 'zone',
    whenUnsatisfiable: when,
    labelSelector: { matchLabels: { app: 'web' } },
    ...extra,
  });
  const cases: { name: string; c: Record<string, unknown>; node: number; want: null | string }[] = [
    { name: 'empty domain is fine', c: constraint(1), node: 2, want: null },
    { name: 'skew too big', c: constraint(1), node: 0, want: "node(s) didn't match pod topology spread constraints" },
    { name: 'skew within maxSkew', c: constraint(2), node: 1, want: null },
    { name: 'node without the key', c: constraint(1), node: 3, want: "node(s) didn't match pod topology spread constraints (missing required label)" },
    { name: 'minDomains above domain count → min 0', c: constraint(1, 'DoNotSchedule', { minDomains: 5 }), node: 1, want: "node(s) didn't match pod topology spread constraints" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nodes = zoneNodes();
      const pod = pi('p', { labels: { app: 'web' }, topologySpreadConstraints: [c.c] });
      const r = runFilter(new PodTopologySpread(), pod, nodes[c.node], nodes);
      expectResult(r, c.want === null ? null : { reasons: [c.want] }, c.name);
    });
  }
  it('ScheduleAnyway scores emptier domains higher', () => {
    const nodes = zoneNodes().slice(0, 3);
    const plugin = new PodTopologySpread();
    plugin.allNodes = () => nodes;
    const pod = pi('p', { labels: { app: 'web' }, topologySpreadConstraints: [constraint(1, 'ScheduleAnyway')] });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod, nodes), null);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    plugin.normalizeScores(state, pod, scores);
    assert.ok(scores[2] > scores[1] && scores[1] > scores[0], scores.join(','));
  });
});

describe('DefaultPreemption', () => {
  it('reports upstream messages when preemption cannot help', () => {
    const nodes = [ni(makeNode('a'), [makePod('low', { cpu: '3', priority: 0 })]), ni(makeNode('b'))];
    const handle = { nodes: () => nodes, runFilters: () => null, deletePod: () => assert.fail('no victims') } as unknown as FrameworkHandle;
    const statuses = new Map([
      ['a', Status.unschedulable('Insufficient cpu')],
      ['b', Status.unresolvable("node(s) didn't match Pod's node affinity/selector")],
    ]);
    const r = new DefaultPreemption(handle).postFilter(new CycleState(), pi('p', { cpu: '2', priority: 0 }), statuses);
    assert.equal(r.status.message, 'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.');
    const never = new DefaultPreemption(handle).postFilter(new CycleState(), pi('p', { preemptionPolicy: 'Never' }), statuses);
    assert.equal(never.status.message, 'preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('evicts lower-priority pods and nominates the node', () => {
    const fit = new NodeResourcesFit();
    const nodes = [ni(makeNode('a'), [makePod('low', { cpu: '3', priority: 0 }), makePod('low2', { cpu: '500m', priority: 0 })])];
    const deleted: string[] = [];
    const handle = {
      nodes: () => nodes,
      runFilters: (s: CycleState, p: ReturnType<typeof pi>, n: NodeInfo) => fit.filter(s, p, n),
      deletePod: (pod: { metadata: { name?: string } }) => deleted.push(pod.metadata.name ?? ''),
    } as unknown as FrameworkHandle;
    const r = new DefaultPreemption(handle).postFilter(new CycleState(), pi('p', { cpu: '2', priority: 100 }), new Map([['a', Status.unschedulable('Insufficient cpu')]]));
    assert.equal(r.nominatedNodeName, 'a');
    assert.deepEqual(deleted, ['low']);
  });
});
