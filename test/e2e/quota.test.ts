/**
 * ResourceQuota and LimitRange against a real `skiff serve`, driven by the real kubectl:
 * `kubectl create quota`, a LimitRange from YAML whose defaults land on a real container's pod,
 * `kubectl get/describe quota` following usage as pods come and go, over-quota and over-max
 * pods refused with upstream's messages, and a Deployment scaled past a pods quota staying at
 * the quota's count (with the ReplicaSet's FailedCreate event). The counting pods run on a
 * virtual node, so only one real container is started.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startCluster, writeTemp, type Cluster } from './harness.js';

const LIMITS = `apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
spec:
  limits:
  - type: Container
    default:
      cpu: 200m
      memory: 128Mi
    defaultRequest:
      cpu: 100m
      memory: 64Mi
    max:
      cpu: 500m
`;

function virtualPod(name: string, requests: Record<string, string>, limits: Record<string, string> = requests): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeSelector: { type: 'virtual' }, terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'skiff-test/busybox:1', resources: { requests, limits } }] },
  });
}

describe('ResourceQuota and LimitRange (kubectl against skiff serve)', () => {
  let c: Cluster;
  const used = async (ns: string, quota: string, resource: string) => {
    const out = await c.k(['describe', 'quota', quota, '-n', ns]);
    const m = new RegExp(`^${resource.replace(/\./g, '\\.')}\\s+(\\S+)\\s+(\\S+)\\s*$`, 'm').exec(out);
    return m ? `${m[1]}/${m[2]}` : undefined;
  };

  before(async () => {
    c = await startCluster();
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'vn-q', labels: { 'node.skiff.io/virtual': 'true' }, annotations: { 'node.skiff.io/cpu': '8', 'node.skiff.io/memory': '16Gi' } } };
    await c.k(['apply', '-f', writeTemp('vn-q.json', JSON.stringify(node))]);
    await c.k(['create', 'namespace', 'q']);
  });
  after(async () => {
    assert.equal(await c.stop(), 0, 'SIGTERM stops skiff serve cleanly');
  });

  it('kubectl create quota and a LimitRange from YAML; get quota shows the upstream columns', async () => {
    assert.match(await c.k(['create', 'quota', 'compute', '-n', 'q', '--hard=pods=4,requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi']), /resourcequota\/compute created/);
    assert.match(await c.k(['apply', '-n', 'q', '-f', writeTemp('limits.yaml', LIMITS)]), /limitrange\/defaults created/);
    const table = await eventually(async () => {
      const out = await c.k(['get', 'quota', '-n', 'q']);
      return /pods: 0\/4/.test(out) ? out : undefined;
    }, 15_000);
    const [header, row] = table.trim().split('\n');
    assert.match(header, /^NAME\s+AGE\s+REQUEST\s+LIMIT$/);
    assert.match(row, /^compute\s+\S+\s+pods: 0\/4, requests\.cpu: 0\/1, requests\.memory: 0\/1Gi\s+limits\.cpu: 0\/2, limits\.memory: 0\/2Gi$/);
  });

  it('a real container pod gets the LimitRange defaults and is charged', async () => {
    // Kept off the virtual node: this one is a real Docker container on the local node.
    const local = { apiVersion: 'v1', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'NotIn', values: ['virtual'] }] }] } } } } };
    await c.k(['run', 'real', '-n', 'q', '--image=skiff-test/busybox:1', '--image-pull-policy=Never', '--restart=Never', `--overrides=${JSON.stringify(local)}`, '--', 'sleep', '3600']);
    const res = JSON.parse(await c.k(['get', 'pod', 'real', '-n', 'q', '-o', 'jsonpath={.spec.containers[0].resources}']));
    assert.deepEqual(res, { limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    assert.equal(
      await c.k(['get', 'pod', 'real', '-n', 'q', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}']),
      'LimitRanger plugin set: cpu, memory request for container real; cpu, memory limit for container real',
    );
    try {
      await eventually(async () => (await c.k(['get', 'pod', 'real', '-n', 'q', '-o', 'jsonpath={.status.phase}'])) === 'Running', 90_000);
    } catch (e) {
      console.error((await c.kubectl(['describe', 'pod', 'real', '-n', 'q'])).stdout);
      throw e;
    }
    assert.notEqual(await c.k(['get', 'pod', 'real', '-n', 'q', '-o', 'jsonpath={.spec.nodeName}']), 'vn-q');
    assert.equal(await c.k(['get', 'pod', 'real', '-n', 'q', '-o', 'jsonpath={.status.qosClass}']), 'Burstable');
    await eventually(async () => (await used('q', 'compute', 'requests.cpu')) === '100m/1', 15_000);
    assert.equal(await used('q', 'compute', 'pods'), '1/4');
    assert.equal(await used('q', 'compute', 'limits.memory'), '128Mi/2Gi');
    const described = await c.k(['describe', 'quota', 'compute', '-n', 'q']);
    assert.match(described, /^Resource\s+Used\s+Hard$/m);
    assert.match(described, /^requests\.memory\s+64Mi\s+1Gi$/m);
  });

  it('refuses a pod over quota and one over the LimitRange max with upstream messages', async () => {
    await c.k(['create', '-n', 'q', '-f', writeTemp('v1.json', virtualPod('v1', { cpu: '400m' }))]);
    await c.k(['create', '-n', 'q', '-f', writeTemp('v2.json', virtualPod('v2', { cpu: '500m' }))]);
    const over = await c.kubectl(['create', '-n', 'q', '-f', writeTemp('v3.json', virtualPod('v3', { cpu: '100m' }))]);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /Error from server \(Forbidden\): error when creating ".*v3\.json": pods "v3" is forbidden: exceeded quota: compute, requested: requests\.cpu=100m, used: requests\.cpu=1, limited: requests\.cpu=1/);
    const big = await c.kubectl(['create', '-n', 'q', '-f', writeTemp('big.json', virtualPod('big', { cpu: '100m' }, { cpu: '1' }))]);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 500m, but limit is 1/);
    await eventually(async () => (await used('q', 'compute', 'requests.cpu')) === '1/1', 15_000);
    assert.equal(await used('q', 'compute', 'pods'), '3/4');
  });

  it('usage drops when a pod goes, and the refused pod then fits', async () => {
    await c.k(['delete', 'pod', 'v2', '-n', 'q', '--wait=true']);
    await eventually(async () => (await used('q', 'compute', 'requests.cpu')) === '500m/1', 15_000);
    await c.k(['create', '-n', 'q', '-f', writeTemp('v3.json', virtualPod('v3', { cpu: '100m' }))]);
    await eventually(async () => (await used('q', 'compute', 'pods')) === '3/4', 15_000);
  });

  it('a Deployment scaled past a pods quota stays at the quota and reports FailedCreate', async () => {
    await c.k(['create', 'namespace', 'd']);
    await c.k(['create', 'quota', 'pods', '-n', 'd', '--hard=pods=2']);
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { nodeSelector: { type: 'virtual' }, terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'skiff-test/busybox:1' }] } },
      },
    };
    await c.k(['apply', '-n', 'd', '-f', writeTemp('web.json', JSON.stringify(deploy))]);
    await c.k(['scale', 'deployment', 'web', '-n', 'd', '--replicas=4']);
    const events = await eventually(async () => {
      const out = await c.k(['get', 'events', '-n', 'd', '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
      return out.includes('exceeded quota') ? out : undefined;
    }, 20_000);
    assert.match(events, /Error creating: pods "web-[a-z0-9]+-" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2/);
    const count = async () => (await c.k(['get', 'pods', '-n', 'd', '-l', 'app=web', '-o', 'name'])).trim().split('\n').filter(Boolean).length;
    assert.equal(await count(), 2);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await count(), 2, 'still at the quota after retries');
    await eventually(async () => (await used('d', 'pods', 'pods')) === '2/2', 15_000);
  });
});
