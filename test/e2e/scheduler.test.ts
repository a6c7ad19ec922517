/**
 * The scheduler, virtual nodes and the node lifecycle controller against a real `skiff serve`,
 * driven by the real kubectl (and `skiff node` over HTTPS): nodes declared through the API,
 * pods bound by filter/score, FailedScheduling as upstream words it, nodeSelector, cordon,
 * taints/tolerations, and a node failure that taints the node and evicts its pods.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROLLERS } from '../../engine/controllers/manager.js';
import { nodeMain } from '../../engine/nodes/cli.js';
import { eventually, startCluster, writeTemp, type Cluster } from './harness.js';

type Json = Record<string, unknown>;

function podJson(name: string, spec: Json = {}, requests?: Json): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'scheduler' } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'busybox:1.36', resources: requests ? { requests } : {} }], ...spec },
  });
}

/** Runs `skiff node ARGS` in-process against the cluster (same code as the CLI), capturing output. */
async function skiffNode(c: Cluster, ...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  console.error = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    const code = await nodeMain([...args, '--kubeconfig', c.kubeconfig]);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = err;
  }
}

describe('scheduler, virtual nodes and node lifecycle (kubectl against skiff serve)', () => {
  let c: Cluster;
  const create = async (name: string, json: string) => c.k(['create', '-f', writeTemp(`${name}.json`, json)]);
  const nodeOf = async (pod: string) => (await c.k(['get', 'pod', pod, '-o', 'jsonpath={.spec.nodeName}'])).trim();
  const phase = async (pod: string) => (await c.k(['get', 'pod', pod, '-o', 'jsonpath={.status.phase}'])).trim();
  const ready = async (node: string) => (await c.k(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).trim();
  const taints = async (node: string) => (await c.k(['get', 'node', node, '-o', 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}'])).trim();

  before(async () => {
    // Short node grace period so the failure test takes seconds, not minutes (the local node
    // renews every 10 s, so this must stay above that).
    c = await startCluster({ env: { SKIFF_NODE_MONITOR_GRACE_PERIOD: '20s' } });
  });
  after(async () => {
    const code = await c.stop();
    assert.equal(code, 0, 'SIGTERM stops skiff serve cleanly');
  });

  it('kubectl apply of a Node labelled node.skiff.io/virtual=true brings up a Ready virtual node', async () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'vn-a', labels: { 'node.skiff.io/virtual': 'true', zone: 'a' }, annotations: { 'node.skiff.io/cpu': '2', 'node.skiff.io/memory': '4Gi' } },
    };
    assert.match(await c.k(['apply', '-f', writeTemp('vn-a.json', JSON.stringify(node))]), /node\/vn-a created/);
    await eventually(async () => (await ready('vn-a')) === 'True', 15_000);
    const got = JSON.parse(await c.k(['get', 'node', 'vn-a', '-o', 'json'])) as { metadata: { labels: Json }; status: { capacity: Json } };
    assert.deepEqual(got.status.capacity, { cpu: '2', 'ephemeral-storage': '100Gi', memory: '4Gi', pods: '110' });
    assert.equal(got.metadata.labels.type, 'virtual');
    assert.match(await c.k(['get', 'lease', '-n', 'kube-node-lease', 'vn-a', '-o', 'jsonpath={.spec.holderIdentity}']), /vn-a/);
  });

  it('skiff node add --virtual / list work against the running server', async () => {
    const add = await skiffNode(c, 'add', '--virtual', 'vn-b', '--cpu', '4', '--memory', '8Gi', '--pods', '110', '--label', 'zone=b');
    assert.equal(add.code, 0, add.out);
    assert.match(add.out, /node\/vn-b created \(virtual: 4 cpu, 8Gi memory, 110 pods\)/);
    await eventually(async () => (await ready('vn-b')) === 'True', 15_000);
    const list = await skiffNode(c, 'list');
    assert.equal(list.code, 0, list.out);
    assert.match(list.out, /vn-a\s+Ready\s+virtual\s+2\s+4Gi\s+110/);
    assert.match(list.out, /vn-b\s+Ready\s+virtual\s+4\s+8Gi\s+110/);
    assert.match(list.out, /skiff-node\s+\S+\s+docker/);
    assert.match(await c.k(['get', 'nodes']), /vn-b\s+Ready/);
  });

  it('binds pods to nodes; get pods -o wide shows NODE and a pod IP; Running without containers', async () => {
    for (const i of [1, 2, 3, 4]) await create(`spread-${i}`, podJson(`spread-${i}`, { nodeSelector: { type: 'virtual' } }, { cpu: '100m', memory: '64Mi' }));
    await eventually(async () => {
      for (const i of [1, 2, 3, 4]) if ((await phase(`spread-${i}`)) !== 'Running') return false;
      return true;
    }, 20_000);
    const wide = await c.k(['get', 'pods', '-l', 'test=scheduler', '-o', 'wide']);
    assert.match(wide, /NODE/);
    for (const i of [1, 2, 3, 4]) assert.match(wide, new RegExp(`spread-${i}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+10\\.2\\d\\d\\.\\d+\\.\\d+\\s+vn-[ab]`));
    const nodes = new Set(await Promise.all([1, 2, 3, 4].map((i) => nodeOf(`spread-${i}`))));
    assert.deepEqual([...nodes].sort(), ['vn-a', 'vn-b'], 'LeastAllocated spreads over both virtual nodes');
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=spread-1,reason=Scheduled', '-o', 'jsonpath={.items[0].message}']);
    assert.match(events, /^Successfully assigned default\/spread-1 to vn-[ab]$/);
  });

  it('a pod asking for 1000 CPUs stays Pending; describe shows the upstream FailedScheduling message', async () => {
    await create('huge', podJson('huge', { nodeSelector: { 'kubernetes.io/hostname': 'vn-a' } }, { cpu: '1000' }));
    const localTaints = await taints('skiff-node');
    // The local node is ruled out by the selector — or by a not-ready taint if Docker is down.
    const localReason = localTaints.includes('not-ready') ? 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' : "node(s) didn't match Pod's node affinity/selector";
    const reasons = ['1 Insufficient cpu', `1 ${localReason}`, "1 node(s) didn't match Pod's node affinity/selector"];
    const merged = localReason.startsWith("node(s) didn't") ? ['1 Insufficient cpu', "2 node(s) didn't match Pod's node affinity/selector"] : reasons.sort();
    const expected = `0/3 nodes are available: ${merged.join(', ')}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.`;
    const describe = await eventually(async () => {
      const d = await c.k(['describe', 'pod', 'huge']);
      return d.includes('FailedScheduling') ? d : false;
    }, 15_000);
    assert.match(describe, /Status:\s+Pending/);
    assert.match(describe, /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+/);
    assert.ok(describe.includes(expected), `describe should contain:\n${expected}\n---\n${describe}`);
    const cond = JSON.parse(await c.k(['get', 'pod', 'huge', '-o', 'jsonpath={.status.conditions}'])) as Json[];
    assert.deepEqual(
      cond.filter((x) => x.type === 'PodScheduled').map((x) => [x.status, x.reason]),
      [['False', 'Unschedulable']],
    );
    await c.k(['delete', 'pod', 'huge']);
  });

  it('nodeSelector pins a pod to the virtual node it names', async () => {
    await create('pinned', podJson('pinned', { nodeSelector: { 'kubernetes.io/hostname': 'vn-b' } }));
    await eventually(async () => (await nodeOf('pinned')) === 'vn-b', 15_000);
    await eventually(async () => (await phase('pinned')) === 'Running', 15_000);
  });

  it('kubectl cordon keeps new pods off a node; uncordon lets them in', async () => {
    assert.match(await c.k(['cordon', 'vn-a']), /cordoned/);
    assert.match(await c.k(['cordon', 'vn-b']), /cordoned/);
    assert.match(await c.k(['get', 'node', 'vn-a']), /Ready,SchedulingDisabled/);
    await eventually(async () => (await taints('vn-a')).includes('node.kubernetes.io/unschedulable:NoSchedule'), 10_000);
    await create('waiting', podJson('waiting', { nodeSelector: { type: 'virtual' } }));
    const d = await eventually(async () => {
      const out = await c.k(['describe', 'pod', 'waiting']);
      return out.includes('FailedScheduling') ? out : false;
    }, 15_000);
    assert.match(d, /2 node\(s\) were unschedulable/);
    assert.equal(await nodeOf('waiting'), '');
    await c.k(['uncordon', 'vn-b']);
    await eventually(async () => (await nodeOf('waiting')) === 'vn-b', 15_000);
    await c.k(['uncordon', 'vn-a']);
    await eventually(async () => (await taints('vn-a')) === '', 10_000);
  });

  it('a tainted node takes only pods that tolerate the taint', async () => {
    assert.match(await c.k(['taint', 'node', 'vn-a', 'dedicated=gpu:NoSchedule']), /tainted/);
    const onA = { nodeSelector: { 'kubernetes.io/hostname': 'vn-a' } };
    await create('intolerant', podJson('intolerant', onA));
    await create('tolerant', podJson('tolerant', { ...onA, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    await eventually(async () => (await nodeOf('tolerant')) === 'vn-a', 15_000);
    const d = await eventually(async () => {
      const out = await c.k(['describe', 'pod', 'intolerant']);
      return out.includes('FailedScheduling') ? out : false;
    }, 15_000);
    assert.match(d, /1 node\(s\) had untolerated taint \{dedicated: gpu\}/);
    await c.k(['taint', 'node', 'vn-a', 'dedicated=gpu:NoSchedule-']);
    await eventually(async () => (await nodeOf('intolerant')) === 'vn-a', 15_000);
  });

  it('kubectl run schedules too', async () => {
    const r = await c.kubectl(['run', 'runner', '--image=busybox:1.36', '--labels=test=scheduler', '--overrides={"apiVersion":"v1","spec":{"nodeSelector":{"type":"virtual"}}}']);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => /^vn-[ab]$/.test(await nodeOf('runner')), 15_000);
  });

  it('a stopped virtual node goes NotReady/Unknown, is tainted unreachable, and its pods are evicted', async () => {
    const onA = { nodeSelector: { 'kubernetes.io/hostname': 'vn-a' } };
    const unreachable = (seconds?: number) => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });
    await create('fragile', podJson('fragile', { ...onA, tolerations: [unreachable(2)] }));
    await create('patient', podJson('patient', { ...onA, tolerations: [unreachable()] }));
    await eventually(async () => (await phase('fragile')) === 'Running' && (await phase('patient')) === 'Running', 15_000);

    const stop = await skiffNode(c, 'stop', 'vn-a');
    assert.equal(stop.code, 0, stop.out);
    await eventually(async () => (await ready('vn-a')) === 'Unknown', 45_000, 500);
    // Unknown only once the grace period (20 s) has passed since the lease's last renewal.
    const renewed = Date.parse(await c.k(['get', 'lease', '-n', 'kube-node-lease', 'vn-a', '-o', 'jsonpath={.spec.renewTime}']));
    const marked = Date.parse(await c.k(['get', 'node', 'vn-a', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].lastTransitionTime}']));
    assert.ok(marked - renewed >= 19_000, `marked Unknown ${marked - renewed} ms after the last lease renewal (grace period 20 s)`);
    assert.match(await c.k(['get', 'nodes']), /vn-a\s+NotReady/);
    const describe = await c.k(['describe', 'node', 'vn-a']);
    assert.match(describe, /Ready\s+Unknown\s+.*NodeStatusUnknown\s+Kubelet stopped posting node status\./);
    await eventually(async () => (await taints('vn-a')).split(' ').sort().join(' ') === 'node.kubernetes.io/unreachable:NoExecute node.kubernetes.io/unreachable:NoSchedule', 10_000);

    // tolerationSeconds 2 → evicted; no tolerationSeconds → stays bound to the dead node.
    await eventually(async () => (await c.kubectl(['get', 'pod', 'fragile'])).code !== 0, 15_000);
    assert.equal(await nodeOf('patient'), 'vn-a');
    const ev = await c.k(['get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
    assert.match(ev, /Marking for deletion Pod default\/fragile/);
    assert.match(await c.k(['get', 'pod', 'patient', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']), /False/);

    const start = await skiffNode(c, 'start', 'vn-a');
    assert.equal(start.code, 0, start.out);
    await eventually(async () => (await ready('vn-a')) === 'True', 15_000);
    await eventually(async () => (await taints('vn-a')) === '', 15_000);
  });

  it('pods of a ReplicaSet on a failed node are recreated on a healthy node', async (t) => {
    if (!('replicaset' in CONTROLLERS)) {
      t.skip('the ReplicaSet controller is not registered in this build');
      return;
    }
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'healer' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'healer' } },
        template: {
          metadata: { labels: { app: 'healer' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            nodeSelector: { type: 'virtual' },
            tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }],
            containers: [{ name: 'app', image: 'busybox:1.36' }],
          },
        },
      },
    };
    await c.k(['apply', '-f', writeTemp('rs.json', JSON.stringify(rs))]);
    const placement = async () => (await c.k(['get', 'pods', '-l', 'app=healer', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}={.status.phase} {end}'])).trim().split(' ').filter(Boolean);
    await eventually(async () => (await placement()).filter((p) => p.endsWith('=Running')).length === 2, 20_000);
    // Fail a node holding a replica. By the time its pods are evicted it carries
    // unreachable:NoSchedule, so the replacements can only go to the healthy node.
    const failed = (await placement()).some((p) => p.startsWith('vn-b=')) ? 'vn-b' : 'vn-a';
    const healthy = failed === 'vn-a' ? 'vn-b' : 'vn-a';
    await skiffNode(c, 'stop', failed);
    await eventually(async () => {
      const p = await placement();
      return p.length === 2 && p.every((x) => x === `${healthy}=Running`);
    }, 60_000, 500);
    await skiffNode(c, 'start', failed);
    await eventually(async () => (await ready(failed)) === 'True', 15_000);
    await c.k(['delete', 'rs', 'healer']);
  });

  it('skiff node rm removes the node and its pods', async () => {
    const rm = await skiffNode(c, 'rm', 'vn-b');
    assert.equal(rm.code, 0, rm.out);
    assert.match(rm.out, /node\/vn-b deleted/);
    await eventually(async () => (await c.kubectl(['get', 'node', 'vn-b'])).code !== 0, 10_000);
    await eventually(async () => (await c.kubectl(['get', 'pod', 'pinned'])).code !== 0, 10_000);
  });
});
