/**
 * Inter-pod affinity/anti-affinity and volume node affinity in the scheduler, against a real
 * `skiff serve` driven by the real kubectl, on virtual nodes (pods Running without containers):
 * required anti-affinity leaves extra replicas Pending with upstream's FailedScheduling message
 * until a node is added or the Deployment scales down; required affinity co-locates; preferred
 * anti-affinity spreads against what resource scoring alone would do; a pod whose PV is pinned
 * to one node lands there only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startCluster, writeTemp, type Cluster } from './harness.js';

type Json = Record<string, unknown>;

function virtualNode(name: string, group: string, cpu = '4', memory = '8Gi'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'node.skiff.io/virtual': 'true', group }, annotations: { 'node.skiff.io/cpu': cpu, 'node.skiff.io/memory': memory } },
  };
}

function deployment(name: string, replicas: number, podSpec: Json, requests: Json = { cpu: '100m', memory: '64Mi' }): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'busybox:1.36', resources: { requests } }], ...podSpec },
      },
    },
  };
}

const hostnameTerm = (labels: Json) => ({ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' });

describe('scheduler: inter-pod affinity and volume node affinity (kubectl against skiff serve)', () => {
  let c: Cluster;
  const apply = async (name: string, obj: Json) => c.k(['apply', '-f', writeTemp(`${name}.json`, JSON.stringify(obj))]);
  /** pod name → node name ('' = unscheduled) for pods with app=<app>. */
  const placement = async (app: string): Promise<Map<string, string>> => {
    const out = await c.k(['get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{"\\n"}{end}']);
    const m = new Map<string, string>();
    for (const line of out.split('\n').filter(Boolean)) {
      const [pod, node = ''] = line.trim().split(' ');
      m.set(pod, node);
    }
    return m;
  };
  const running = async (app: string) => (await c.k(['get', 'pods', '-l', `app=${app}`, '--field-selector', 'status.phase=Running', '-o', 'name'])).split('\n').filter(Boolean).length;

  before(async () => {
    c = await startCluster();
    for (const n of ['va1', 'va2', 'va3']) await apply(n, virtualNode(n, 'a'));
    // Group b: one big node and two small ones (resource scoring alone would pile pods on vb1).
    await apply('vb1', virtualNode('vb1', 'b', '64', '256Gi'));
    for (const n of ['vb2', 'vb3']) await apply(n, virtualNode(n, 'b', '2', '4Gi'));
    await eventually(async () => {
      const out = await c.k(['get', 'nodes', '-l', 'node.skiff.io/virtual=true', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status} {end}']);
      return out.trim().split(/\s+/).filter((s) => s === 'True').length === 6;
    }, 20_000);
  });
  after(async () => {
    const code = await c.stop();
    assert.equal(code, 0, 'SIGTERM stops skiff serve cleanly');
  });

  it('required anti-affinity: 5 replicas on 3 nodes leave 2 Pending with the upstream message; a new node and scaling down let them in', async () => {
    const spec = { nodeSelector: { group: 'a' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [hostnameTerm({ app: 'web' })] } } };
    assert.match(await apply('web', deployment('web', 5, spec)), /deployment.apps\/web created/);
    await eventually(async () => (await running('web')) === 3 && (await placement('web')).size === 5, 30_000);
    const placed = await placement('web');
    const nodes = [...placed.values()].filter(Boolean);
    assert.deepEqual(nodes.sort(), ['va1', 'va2', 'va3'], 'one replica per node');
    const pending = [...placed].filter(([, n]) => !n).map(([p]) => p);
    assert.equal(pending.length, 2);

    // The local node is ruled out by the selector — or by a not-ready taint if Docker is down.
    const localTaints = await c.k(['get', 'node', 'skiff-node', '-o', 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}']);
    const local = localTaints.includes('not-ready') ? '1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }' : '';
    const others = local ? ["3 node(s) didn't match Pod's node affinity/selector", "3 node(s) didn't match pod anti-affinity rules", local] : ["3 node(s) didn't match pod anti-affinity rules", "4 node(s) didn't match Pod's node affinity/selector"];
    const expected = `0/7 nodes are available: ${others.sort().join(', ')}. preemption: 0/7 nodes are available: 3 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.`;
    const d = await eventually(async () => {
      const out = await c.k(['describe', 'pod', pending[0]]);
      return out.includes('FailedScheduling') ? out : false;
    }, 15_000);
    assert.match(d, /Status:\s+Pending/);
    assert.ok(d.includes(expected), `describe should contain:\n${expected}\n---\n${d}`);
    const ev = await c.k(['get', 'events', '--field-selector', `involvedObject.name=${pending[1]},reason=FailedScheduling`, '-o', 'jsonpath={.items[*].message}']);
    assert.ok(ev.includes("didn't match pod anti-affinity rules"), ev);

    // A fourth node in the group takes exactly one more replica.
    await apply('va4', virtualNode('va4', 'a'));
    await eventually(async () => (await running('web')) === 4, 30_000);
    assert.equal([...(await placement('web')).values()].filter((n) => !n).length, 1);
    // Scaling to 4 removes the unschedulable replica: all Running, one per node.
    assert.match(await c.k(['scale', 'deployment', 'web', '--replicas=4']), /scaled/);
    await eventually(async () => {
      const p = await placement('web');
      return p.size === 4 && [...p.values()].every(Boolean) && (await running('web')) === 4;
    }, 30_000);
    assert.deepEqual([...(await placement('web')).values()].sort(), ['va1', 'va2', 'va3', 'va4']);
  });

  it('required affinity co-locates replicas with the pod they select', async () => {
    const anchor = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'anchor', labels: { app: 'anchor' } }, spec: { terminationGracePeriodSeconds: 0, nodeSelector: { 'kubernetes.io/hostname': 'va2' }, containers: [{ name: 'app', image: 'busybox:1.36' }] } };
    await apply('anchor', anchor);
    await eventually(async () => (await placement('anchor')).get('anchor') === 'va2', 15_000);
    await apply('side', deployment('side', 3, { nodeSelector: { group: 'a' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [hostnameTerm({ app: 'anchor' })] } } }));
    await eventually(async () => (await running('side')) === 3, 30_000);
    assert.deepEqual([...(await placement('side')).values()], ['va2', 'va2', 'va2']);
  });

  it('preferred anti-affinity spreads replicas that resource scoring alone would stack on the big node', async () => {
    const requests = { cpu: '500m', memory: '512Mi' };
    // Control: without affinity, LeastAllocated puts all three on the 64-cpu node.
    await apply('stack', deployment('stack', 3, { nodeSelector: { group: 'b' } }, requests));
    await eventually(async () => (await running('stack')) === 3, 30_000);
    assert.deepEqual([...(await placement('stack')).values()], ['vb1', 'vb1', 'vb1']);
    await c.k(['delete', 'deployment', 'stack']);
    await eventually(async () => (await placement('stack')).size === 0, 30_000);

    const pref = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: hostnameTerm({ app: 'spread' }) }] } };
    await apply('spread', deployment('spread', 3, { nodeSelector: { group: 'b' }, affinity: pref }, requests));
    await eventually(async () => (await running('spread')) === 3, 30_000);
    assert.deepEqual([...(await placement('spread')).values()].sort(), ['vb1', 'vb2', 'vb3']);
  });

  it("a pod whose PV is pinned to one node lands there only; a PV pinned nowhere leaves it Pending with 'volume node affinity conflict'", async () => {
    const pv = (name: string, host: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'manual',
        hostPath: { path: `/tmp/${name}` },
        claimRef: { namespace: 'default', name: `claim-${name}` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } },
      },
    });
    const pvc = (name: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `claim-${name}` },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', volumeName: name, resources: { requests: { storage: '1Gi' } } },
    });
    const pod = (name: string, pvName: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 0,
        nodeSelector: { group: 'b' },
        containers: [{ name: 'app', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `claim-${pvName}` } }],
      },
    });
    for (const [name, host] of [['pv-small', 'vb3'], ['pv-gone', 'no-such-node']]) {
      await apply(name, pv(name, host));
      await apply(`claim-${name}`, pvc(name));
    }
    await apply('pinned', pod('pinned', 'pv-small'));
    await apply('stranded', pod('stranded', 'pv-gone'));
    await eventually(async () => (await running('pinned')) === 1, 30_000);
    assert.equal((await placement('pinned')).get('pinned'), 'vb3', 'the PV node, not the emptiest node (vb1)');
    const d = await eventually(async () => {
      const out = await c.k(['describe', 'pod', 'stranded']);
      return out.includes('FailedScheduling') ? out : false;
    }, 15_000);
    assert.match(d, /0\/8 nodes are available: .*3 node\(s\) had volume node affinity conflict/);
    assert.equal((await placement('stranded')).get('stranded'), '');
  });

  it('a pod whose claim does not exist stays Pending with persistentvolumeclaim "x" not found', async () => {
    await apply('orphan', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', labels: { app: 'orphan' } },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'missing' } }] },
    });
    const d = await eventually(async () => {
      const out = await c.k(['describe', 'pod', 'orphan']);
      return out.includes('FailedScheduling') ? out : false;
    }, 15_000);
    assert.ok(d.includes('0/8 nodes are available: persistentvolumeclaim "missing" not found. preemption: 0/8 nodes are available: 8 Preemption is not helpful for scheduling.'), d);
  });
});
