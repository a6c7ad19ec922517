import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { compilePolicies, podInfo, policyTypes, type PodInfo } from './compile.js';

const P = 'SKF-abc123';
const MARK = 0x4000000;

function pod(ns: string, name: string, ip: string, labels: Record<string, string>, ports: PodInfo['ports'] = []): PodInfo {
  return { namespace: ns, name, ip, labels, ports };
}

function policy(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec };
}

const pods = [
  pod('default', 'web', '10.244.0.2', { app: 'web' }, [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  pod('default', 'client', '10.244.0.3', { app: 'client' }),
  pod('other', 'spy', '10.244.0.4', { app: 'client' }),
  pod('monitoring', 'prom', '10.244.0.5', { app: 'prom' }),
];
const nss = new Map<string, Record<string, string>>([
  ['default', {}],
  ['other', {}],
  ['monitoring', { team: 'ops' }],
]);

function compile(policies: KubeObject[]) {
  return compilePolicies(policies, pods, nss, { prefix: P, allowMark: MARK });
}

/** Rules of the chain a dispatch line jumps to for this pod IP and direction. */
function chainFor(r: ReturnType<typeof compile>, flag: '-s' | '-d', ip: string): string[] {
  const d = r.rules.find((l) => l.startsWith(`-A ${P}-FW ${flag} ${ip}/32 -j `));
  assert.ok(d, `no dispatch for ${flag} ${ip}`);
  const chain = d.split(' -j ')[1];
  return r.rules.filter((l) => l.startsWith(`-A ${chain} `));
}

describe('NetworkPolicy compilation', () => {
  it('policyTypes defaults: Ingress, plus Egress when egress rules exist', () => {
    assert.deepEqual(policyTypes(policy('d', 'p', { podSelector: {} })), { ingress: true, egress: false });
    assert.deepEqual(policyTypes(policy('d', 'p', { podSelector: {}, egress: [] })), { ingress: true, egress: true });
    assert.deepEqual(policyTypes(policy('d', 'p', { podSelector: {}, policyTypes: ['Egress'] })), { ingress: false, egress: true });
  });

  it('without policies nothing is isolated', () => {
    const r = compile([]);
    assert.deepEqual(r.rules, []);
    assert.deepEqual(r.ingressIsolated, []);
  });

  it('default-deny ingress isolates every pod of the namespace and allows nothing', () => {
    const r = compile([policy('default', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
    assert.deepEqual(r.ingressIsolated, ['default/client', 'default/web']);
    const web = chainFor(r, '-d', '10.244.0.2');
    assert.deepEqual(web, [`-A ${web[0].split(' ')[1]} -j MARK --set-xmark 0x0/0x4000000`, `-A ${web[0].split(' ')[1]} -m mark --mark 0x4000000/0x4000000 -j RETURN`, `-A ${web[0].split(' ')[1]} -j REJECT --reject-with icmp-port-unreachable`]);
    // pods of other namespaces are untouched
    assert.ok(!r.rules.some((l) => l.includes('10.244.0.4/32')));
  });

  it('allows from pods by podSelector on a named port', () => {
    const r = compile([policy('default', 'allow-client', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'http' }] }] })]);
    const web = chainFor(r, '-d', '10.244.0.2');
    const allows = web.filter((l) => l.includes('--set-xmark 0x4000000/0x4000000'));
    // only the client in the same namespace (not other/spy, which has the same labels)
    assert.equal(allows.length, 1);
    assert.match(allows[0], /-s 10\.244\.0\.3\/32 -p tcp -m tcp --dport 8080 /);
    assert.deepEqual(r.ingressIsolated, ['default/web']);
  });

  it('namespaceSelector (alone and with podSelector) and the metadata.name label', () => {
    const r = compile([
      policy('default', 'from-ops', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, podSelector: { matchLabels: { app: 'nope' } } }] }] }),
    ]);
    const allows = chainFor(r, '-d', '10.244.0.2').filter((l) => l.includes('MARK --set-xmark 0x4000000/'));
    assert.deepEqual(
      allows.map((l) => l.split(' ')[3]),
      ['10.244.0.5/32'],
    );
  });

  it('ipBlock with except uses a sub-chain; port ranges use endPort', () => {
    const r = compile([policy('default', 'cidr', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.0.4/32'] } }], ports: [{ protocol: 'UDP', port: 5000, endPort: 5010 }] }] })]);
    const web = chainFor(r, '-d', '10.244.0.2');
    const jump = web.find((l) => l.includes('-m comment') && !l.includes('MARK'));
    const sub = jump?.split(' -j ')[1] ?? '';
    const subRules = r.rules.filter((l) => l.startsWith(`-A ${sub} `));
    assert.deepEqual(subRules, [`-A ${sub} -s 10.244.0.4/32 -j RETURN`, `-A ${sub} -s 10.244.0.0/16 -p udp -m udp --dport 5000:5010 -j MARK --set-xmark 0x4000000/0x4000000`]);
    for (const c of r.chains) assert.ok(c.length <= 28, c);
  });

  it('egress rules match destinations; empty `to` means everywhere', () => {
    const r = compile([policy('default', 'egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }] }, { ports: [{ protocol: 'UDP', port: 53 }] }] })]);
    assert.deepEqual(r.egressIsolated, ['default/client']);
    assert.deepEqual(r.ingressIsolated, []);
    const eg = chainFor(r, '-s', '10.244.0.3').filter((l) => l.includes('MARK --set-xmark 0x4000000/'));
    assert.match(eg[0], /^-A \S+ -d 10\.244\.0\.2\/32 -m comment/);
    assert.match(eg[1], /^-A \S+ -p udp -m udp --dport 53 /);
  });

  it('egress dispatch comes before ingress dispatch', () => {
    const r = compile([policy('default', 'both', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
    const dispatch = r.rules.filter((l) => l.startsWith(`-A ${P}-FW `));
    assert.deepEqual(
      dispatch.map((l) => l.split(' ')[2]),
      ['-s', '-s', '-d', '-d'],
    );
  });

  it('podInfo skips pods without IP, host-network and finished pods', () => {
    const base = { metadata: { namespace: 'd', name: 'p', labels: { a: 'b' } }, spec: { containers: [{ ports: [{ name: 'http', containerPort: 80 }] }] } };
    assert.equal(podInfo({ ...base, status: {} }), undefined);
    assert.equal(podInfo({ ...base, spec: { hostNetwork: true }, status: { podIP: '1.2.3.4' } }), undefined);
    assert.equal(podInfo({ ...base, status: { podIP: '10.244.0.9', phase: 'Succeeded' } }), undefined);
    assert.deepEqual(podInfo({ ...base, status: { podIP: '10.244.0.9', phase: 'Running' } })?.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
  });
});
