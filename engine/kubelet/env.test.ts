// Container environment (env.ts): value/valueFrom/envFrom, $(VAR) expansion as upstream,
// missing keys → CreateContainerConfigError unless optional, service links.
// `npx tsx --test engine/kubelet/env.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { ContainerConfigError, expand, expandCommand, makeEnvironment, mappingFor, resourceFieldValue, type EnvSources } from './env.js';
import { container, newPod } from './testing.js';

const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { GREETING: 'hello', 'bad=key': 'x', LEVEL: 'debug' } };
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'default' }, data: { PASSWORD: Buffer.from('s3cret').toString('base64') } };
const svc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'my-db', namespace: 'default' },
  spec: { clusterIP: '10.96.0.20', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
};
const src: EnvSources = {
  configMap: (ns, n) => (ns === 'default' && n === 'cfg' ? cm : undefined),
  secret: (ns, n) => (ns === 'default' && n === 'sec' ? secret : undefined),
  services: (ns) => (ns === 'default' ? [svc] : []),
  nodeAllocatable: { cpuMillis: 4000, memoryBytes: 8 * 1024 ** 3 },
};
const facts = { podIP: '10.244.0.7', hostIP: '192.168.1.2' };

function env(c: Record<string, unknown>, podExtra: Record<string, unknown> = {}): Record<string, string> {
  const pod = newPod('web', { containers: [container('app', c)], serviceAccountName: 'robot', ...podExtra }, { labels: { app: 'web' }, annotations: { team: 'a' } });
  return Object.fromEntries(makeEnvironment(pod, container('app', c), src, facts).map((e) => [e.name, e.value]));
}

describe('$(VAR) expansion (upstream third_party/forked/golang/expansion)', () => {
  const m = mappingFor(new Map([['A', 'a'], ['EMPTY', '']]));
  const cases: Array<[string, string]> = [
    ['$(A)', 'a'],
    ['x$(A)y', 'xay'],
    ['$(A)$(A)', 'aa'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$a'],
    ['$(MISSING)', '$(MISSING)'],
    ['$(EMPTY)!', '!'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['100$', '100$'],
    ['$()', '$()'],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(expand(input, m), want));
});

describe('makeEnvironment', () => {
  test('value, configMapKeyRef, secretKeyRef, fieldRef, expansion in order', () => {
    const e = env({
      env: [
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'GREETING' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASSWORD' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } } },
        { name: 'MSG', value: '$(GREETING) from $(POD) at $(IP); $$(LITERAL) $(LATER)' },
        { name: 'LATER', value: 'later' },
      ],
    });
    assert.equal(e.GREETING, 'hello');
    assert.equal(e.PASSWORD, 's3cret');
    assert.deepEqual([e.POD, e.NS, e.UID, e.IP, e.HOST, e.NODE, e.SA, e.APP, e.TEAM], ['web', 'default', 'uid-web', '10.244.0.7', '192.168.1.2', 'node1', 'robot', 'web', 'a']);
    // Only variables defined before are expanded; $$ escapes.
    assert.equal(e.MSG, 'hello from web at 10.244.0.7; $(LITERAL) $(LATER)');
  });

  test('envFrom with prefix; env overrides envFrom; invalid names skipped', () => {
    const e = env({ envFrom: [{ prefix: 'CM_', configMapRef: { name: 'cfg' } }, { secretRef: { name: 'sec' } }], env: [{ name: 'CM_LEVEL', value: 'info' }] });
    assert.equal(e.CM_GREETING, 'hello');
    assert.equal(e.CM_LEVEL, 'info');
    assert.equal(e.PASSWORD, 's3cret');
    assert.equal(e['CM_bad=key'], undefined);
  });

  const missing: Array<[string, Record<string, unknown>, string]> = [
    ['configmap', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, 'configmap "nope" not found'],
    ['configmap key', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }, "couldn't find key k in ConfigMap default/cfg"],
    ['secret', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, 'secret "nope" not found'],
    ['secret key', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }] }, "couldn't find key k in Secret default/sec"],
    ['envFrom configmap', { envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found'],
  ];
  for (const [what, c, msg] of missing) {
    test(`missing ${what} → CreateContainerConfigError "${msg}"`, () => {
      assert.throws(() => env(c), (e: unknown) => e instanceof ContainerConfigError && e.message === msg && e.reason === 'CreateContainerConfigError');
    });
  }

  test('optional references that are missing are skipped', () => {
    const e = env({
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'sec', key: 'k', optional: true } } },
      ],
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
    });
    assert.equal(e.A, undefined);
    assert.equal(e.B, undefined);
  });

  test('resourceFieldRef with divisor; unset limits fall back to node allocatable', () => {
    const e = env({
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
    });
    assert.deepEqual([e.CPU, e.CPU_M, e.REQ_M, e.MEM_MI], ['1', '500', '250', '128']);
    assert.equal(resourceFieldValue(container('x'), 'limits.cpu', undefined, src.nodeAllocatable), '4');
    assert.equal(resourceFieldValue(container('x'), 'limits.memory', '1Gi', src.nodeAllocatable), '8');
  });

  test('service links for the namespace (disabled by enableServiceLinks: false)', () => {
    const e = env({});
    assert.equal(e.MY_DB_SERVICE_HOST, '10.96.0.20');
    assert.equal(e.MY_DB_SERVICE_PORT, '5432');
    assert.equal(e.MY_DB_SERVICE_PORT_PG, '5432');
    assert.equal(e.MY_DB_PORT, 'tcp://10.96.0.20:5432');
    assert.equal(e.MY_DB_PORT_5432_TCP_ADDR, '10.96.0.20');
    assert.equal(env({}, { enableServiceLinks: false }).MY_DB_SERVICE_HOST, undefined);
  });

  test('command and args are expanded against the final environment', () => {
    const list = expandCommand(['echo', '$(A)', '$$(A)', '$(B)'], [{ name: 'A', value: 'x' }]);
    assert.deepEqual(list, ['echo', 'x', '$(A)', '$(B)']);
  });
});
