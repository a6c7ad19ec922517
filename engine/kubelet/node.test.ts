// The node agent (node.ts): registration, Ready following the runtime (checkNow after the
// kubelet sees Docker's event stream break), status.images.
// `npx tsx --test engine/kubelet/node.test.ts`
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newTestEnv } from '../controllers/shared/testing.js';
import { NodeAgent, nodeAgentFor, type NodeHost } from './node.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('NodeAgent', () => {
  test('Ready follows the runtime; checkNow re-checks at once; images are reported', async () => {
    const env = newTestEnv({ namespaces: ['default', 'kube-node-lease'] });
    let up = true;
    const host: NodeHost = {
      ping: async () => up,
      info: async () => ({ cpus: 4, memoryBytes: 8 << 30, os: 'linux', osImage: 'Test OS', kernelVersion: '6.1', architecture: 'amd64', containerRuntimeVersion: 'docker://20.10.24' }),
      images: async () => [
        { names: ['skiff-test/busybox:1'], sizeBytes: 2_000_000 },
        { names: ['skiff/pause:1'], sizeBytes: 300 },
      ],
    };
    const agent = new NodeAgent({ name: 'n1', client: env.client, host, clock: env.clock, heartbeatMs: 3_600_000 });
    await agent.start();
    assert.equal(nodeAgentFor(env.client, 'n1'), agent);
    const node = () => env.client.resource('', 'Node').get(undefined, 'n1') as Obj;
    const ready = () => (node().status.conditions as Obj[]).find((c) => c.type === 'Ready') as Obj;
    assert.equal(ready().status, 'True');
    assert.equal(node().status.capacity.cpu, '4');
    assert.deepEqual(node().status.images.map((i: Obj) => i.names[0]), ['skiff-test/busybox:1', 'skiff/pause:1']);
    up = false;
    agent.checkNow();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ready().status, 'False');
    assert.match(ready().message, /container runtime is down/);
    up = true;
    agent.checkNow();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ready().status, 'True');
    agent.stop();
    assert.equal(nodeAgentFor(env.client, 'n1'), undefined);
    env.close();
  });

  test('registration only: a label the user removes from the node stays removed', async () => {
    const env = newTestEnv({ namespaces: ['default', 'kube-node-lease'] });
    const host: NodeHost = {
      ping: async () => true,
      info: async () => ({ cpus: 2, memoryBytes: 4 << 30, os: 'linux', osImage: 'Test OS', kernelVersion: '6.1', architecture: 'amd64', containerRuntimeVersion: 'docker://20.10.24' }),
    };
    const opts = { name: 'n1', client: env.client, host, clock: env.clock, heartbeatMs: 3_600_000, labels: { team: 'a' } };
    const agent = new NodeAgent(opts);
    await agent.start();
    const nodes = env.client.resource('', 'Node');
    assert.equal(nodes.get(undefined, 'n1')?.metadata.labels?.team, 'a');
    nodes.modify(undefined, 'n1', (n) => {
      n.metadata.labels = { ...(n.metadata.labels ?? {}) };
      delete n.metadata.labels.team;
      delete n.metadata.labels['node-role.kubernetes.io/control-plane'];
    });
    env.clock.advance(120_000); // past the status heartbeat
    agent.checkNow();
    await new Promise((r) => setTimeout(r, 10));
    agent.stop();
    // A restarted agent finds its Node and leaves the labels alone.
    const again = new NodeAgent(opts);
    await again.start();
    const labels = nodes.get(undefined, 'n1')?.metadata.labels ?? {};
    assert.equal(labels.team, undefined);
    assert.equal(labels['node-role.kubernetes.io/control-plane'], undefined);
    assert.equal(labels['kubernetes.io/hostname'], 'n1');
    again.stop();
    env.close();
  });
});
