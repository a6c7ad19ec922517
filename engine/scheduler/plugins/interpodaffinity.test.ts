import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type Result } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { KubeObject } from '../../api/types.js';
import { makeNode, makePod, ni, pi, type PodOptions } from '../testing.js';
import { ERR_REASON_AFFINITY, ERR_REASON_ANTI_AFFINITY, ERR_REASON_EXISTING_ANTI_AFFINITY, InterPodAffinity } from './interpodaffinity.js';

const nsLabels: Record<string, Record<string, string>> = { default: { team: 'a' }, other: { team: 'b' }, third: { team: 'a' } };

function plugin(nodes: NodeInfo[]): InterPodAffinity {
  return new InterPodAffinity({ nodes: () => nodes, namespaceLabels: (n) => nsLabels[n] });
}

function term(labels: Record<string, string>, topologyKey = 'kubernetes.io/hostname', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { labelSelector: { matchLabels: labels }, topologyKey, ...extra };
}

const anti = (...terms: Record<string, unknown>[]) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const aff = (...terms: Record<string, unknown>[]) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });

/** Three nodes in two zones: a (zone z1), b (zone z1), c (zone z2). */
function cluster(pods: Record<string, KubeObject[]>): NodeInfo[] {
  return [
    ni(makeNode('a', { labels: { zone: 'z1' } }), pods.a ?? []),
    ni(makeNode('b', { labels: { zone: 'z1' } }), pods.b ?? []),
    ni(makeNode('c', { labels: { zone: 'z2' } }), pods.c ?? []),
  ];
}

/** PreFilter then Filter on every node: node name → reason ('' = fits). */
function filterAll(nodes: NodeInfo[], pod: PodOptions): Record<string, string> {
  const p = plugin(nodes);
  const state = new CycleState();
  const pre = p.preFilter(state, pi('incoming', pod), nodes);
  const out: Record<string, string> = {};
  for (const n of nodes) {
    let r: Result = null;
    if (pre.status?.code !== 'Skip') r = pre.status ?? p.filter(state, pi('incoming', pod), n);
    out[n.name] = r ? `${r.code}: ${r.message}` : '';
  }
  return out;
}

const U = (m: string) => `Unschedulable: ${m}`;
const UU = (m: string) => `UnschedulableAndUnresolvable: ${m}`;

describe('InterPodAffinity filter', () => {
  const web = (name: string, o: PodOptions = {}) => makePod(name, { labels: { app: 'web' }, ...o });
  const cases: { name: string; pods: Record<string, KubeObject[]>; pod: PodOptions; want: Record<string, string> }[] = [
    { name: 'no affinity anywhere: fits everywhere', pods: { a: [web('w1')] }, pod: { labels: { app: 'web' } }, want: { a: '', b: '', c: '' } },
    {
      name: 'required anti-affinity on hostname keeps off nodes with a matching pod',
      pods: { a: [web('w1')], c: [web('w2')] },
      pod: { labels: { app: 'web' }, affinity: anti(term({ app: 'web' })) },
      want: { a: U(ERR_REASON_ANTI_AFFINITY), b: '', c: U(ERR_REASON_ANTI_AFFINITY) },
    },
    {
      name: 'anti-affinity on zone covers every node of the zone',
      pods: { a: [web('w1')] },
      pod: { affinity: anti(term({ app: 'web' }, 'zone')) },
      want: { a: U(ERR_REASON_ANTI_AFFINITY), b: U(ERR_REASON_ANTI_AFFINITY), c: '' },
    },
    {
      name: 'anti-affinity ignores pods in other namespaces by default',
      pods: { a: [web('w1', { namespace: 'other' })] },
      pod: { affinity: anti(term({ app: 'web' })) },
      want: { a: '', b: '', c: '' },
    },
    {
      name: 'anti-affinity with namespaces list',
      pods: { a: [web('w1', { namespace: 'other' })] },
      pod: { affinity: anti(term({ app: 'web' }, 'kubernetes.io/hostname', { namespaces: ['other'] })) },
      want: { a: U(ERR_REASON_ANTI_AFFINITY), b: '', c: '' },
    },
    {
      name: 'anti-affinity with namespaceSelector',
      pods: { a: [web('w1', { namespace: 'other' })], b: [web('w2', { namespace: 'third' })] },
      pod: { affinity: anti(term({ app: 'web' }, 'kubernetes.io/hostname', { namespaceSelector: { matchLabels: { team: 'a' } } })) },
      want: { a: '', b: U(ERR_REASON_ANTI_AFFINITY), c: '' },
    },
    {
      name: 'empty namespaceSelector selects every namespace',
      pods: { a: [web('w1', { namespace: 'other' })] },
      pod: { affinity: anti(term({ app: 'web' }, 'kubernetes.io/hostname', { namespaceSelector: {} })) },
      want: { a: U(ERR_REASON_ANTI_AFFINITY), b: '', c: '' },
    },
    {
      name: "existing pod's anti-affinity repels a matching incoming pod (symmetry)",
      pods: { a: [makePod('guard', { labels: { app: 'db' }, affinity: anti(term({ app: 'web' }, 'zone')) })] },
      pod: { labels: { app: 'web' } },
      want: { a: U(ERR_REASON_EXISTING_ANTI_AFFINITY), b: U(ERR_REASON_EXISTING_ANTI_AFFINITY), c: '' },
    },
    {
      name: "existing pod's anti-affinity doesn't repel a non-matching pod",
      pods: { a: [makePod('guard', { labels: { app: 'db' }, affinity: anti(term({ app: 'web' })) })] },
      pod: { labels: { app: 'cache' } },
      want: { a: '', b: '', c: '' },
    },
    {
      name: 'required affinity co-locates with matching pods (zone)',
      pods: { b: [makePod('db1', { labels: { app: 'db' } })] },
      pod: { affinity: aff(term({ app: 'db' }, 'zone')) },
      want: { a: '', b: '', c: UU(ERR_REASON_AFFINITY) },
    },
    {
      name: 'required affinity with no matching pod anywhere: unresolvable everywhere',
      pods: { a: [web('w1')] },
      pod: { labels: { app: 'web' }, affinity: aff(term({ app: 'db' })) },
      want: { a: UU(ERR_REASON_AFFINITY), b: UU(ERR_REASON_AFFINITY), c: UU(ERR_REASON_AFFINITY) },
    },
    {
      name: 'first pod of a self-affine group may go anywhere',
      pods: {},
      pod: { labels: { app: 'db' }, affinity: aff(term({ app: 'db' })) },
      want: { a: '', b: '', c: '' },
    },
    {
      name: 'nodes without the topology key never satisfy affinity',
      pods: { a: [makePod('db1', { labels: { app: 'db' } })] },
      pod: { affinity: aff(term({ app: 'db' }, 'rack')) },
      want: { a: UU(ERR_REASON_AFFINITY), b: UU(ERR_REASON_AFFINITY), c: UU(ERR_REASON_AFFINITY) },
    },
    {
      name: 'null labelSelector matches no pod',
      pods: { a: [web('w1')] },
      pod: { affinity: anti({ topologyKey: 'kubernetes.io/hostname' }) },
      want: { a: '', b: '', c: '' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(filterAll(cluster(c.pods), c.pod), c.want));
  }

  it('skips Filter when neither the pod nor any existing pod has required terms', () => {
    const nodes = cluster({ a: [makePod('x', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: 'web' }) }] } } })] });
    assert.equal(plugin(nodes).preFilter(new CycleState(), pi('p'), nodes).status?.code, 'Skip');
  });
});

describe('InterPodAffinity score', () => {
  function scores(nodes: NodeInfo[], pod: PodOptions): Record<string, number> | 'skip' {
    const p = plugin(nodes);
    const state = new CycleState();
    const incoming = pi('incoming', pod);
    if (p.preScore(state, incoming)?.code === 'Skip') return 'skip';
    const raw = nodes.map((n) => p.score(state, incoming, n));
    p.normalizeScores(state, incoming, raw);
    return Object.fromEntries(nodes.map((n, i) => [n.name, raw[i]]));
  }
  const pref = (kind: 'podAffinity' | 'podAntiAffinity', weight: number, t: Record<string, unknown>) => ({ [kind]: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: t }] } });
  const cases: { name: string; pods: Record<string, KubeObject[]>; pod: PodOptions; want: Record<string, number> | 'skip' }[] = [
    { name: 'no terms anywhere: skipped', pods: { a: [makePod('w')] }, pod: {}, want: 'skip' },
    {
      name: 'preferred anti-affinity scores empty nodes highest',
      pods: { a: [makePod('w1', { labels: { app: 'web' } }), makePod('w2', { labels: { app: 'web' } })], b: [makePod('w3', { labels: { app: 'web' } })] },
      pod: { affinity: pref('podAntiAffinity', 10, term({ app: 'web' })) },
      want: { a: 0, b: 50, c: 100 },
    },
    {
      name: 'preferred affinity by zone',
      pods: { a: [makePod('d1', { labels: { app: 'db' } })] },
      pod: { affinity: pref('podAffinity', 5, term({ app: 'db' }, 'zone')) },
      want: { a: 100, b: 100, c: 0 },
    },
    {
      name: "existing pods' required affinity attracts matching pods (hard weight)",
      pods: { c: [makePod('x', { labels: { app: 'x' }, affinity: aff(term({ app: 'web' })) })] },
      pod: { labels: { app: 'web' } },
      want: { a: 0, b: 0, c: 100 },
    },
    {
      name: "existing pods' preferred anti-affinity pushes matching pods away",
      pods: { a: [makePod('x', { affinity: pref('podAntiAffinity', 7, term({ app: 'web' }, 'zone')) })] },
      pod: { labels: { app: 'web' } },
      want: { a: 0, b: 0, c: 100 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(scores(cluster(c.pods), c.pod), c.want));
  }
});
