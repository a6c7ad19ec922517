/**
 * Restart safety (issue B): the kubelet rebuilds its state from Docker labels. After a clean stop
 * (SIGTERM) or `kill -9` of `skiff serve`, running pods keep running with the same containers
 * (no restart, no duplicate), and containers that no pod owns are removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dockerAvailable } from './harness.js';
import { BUSYBOX, NODE, startKubeletCluster, type KubeletCluster } from './kubelet-cluster.js';

function running(c: KubeletCluster): string[] {
  return spawnSync('docker', ['ps', '--no-trunc', '--format', '{{.ID}} {{.Names}}', '--filter', `label=io.skiff.cluster=${c.name}`, '--filter', 'label=io.skiff.pod.uid'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .sort();
}

describe('kubelet restart adoption', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  let c: KubeletCluster;
  before(async () => {
    c = await startKubeletCluster();
  });
  after(async () => {
    await c?.destroy();
  });

  it('pods survive a clean stop and a kill -9 with the same containers; orphans are removed', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: init, image: ${BUSYBOX}, command: ['true']}
  containers:
  - {name: a, image: ${BUSYBOX}, command: [sleep, '3600']}
  - {name: b, image: ${BUSYBOX}, command: [sleep, '3600']}
`);
    await c.k(['run', 'solo', `--image=${BUSYBOX}`, '--', 'sleep', '3600']);
    await c.waitPod('steady', '{.status.phase}', (p) => p === 'Running');
    await c.waitPod('solo', '{.status.phase}', (p) => p === 'Running');
    const before = running(c);
    assert.equal(before.length, 5, 'two sandboxes and three app containers');
    const all = c.containers();

    // 1. Clean stop: the containers keep running while the engine is down.
    assert.equal(await c.stop(), 0);
    assert.deepEqual(running(c), before);
    c = await c.restart();
    await c.waitPod('steady', '{.status.containerStatuses[*].ready}', (r) => r === 'true true');
    assert.deepEqual(running(c), before, 'same containers after a clean restart');
    assert.deepEqual(c.containers(), all, 'nothing created, nothing removed (the init container stays done)');
    assert.equal(await c.k(['get', 'pod', 'steady', '-o', 'jsonpath={.status.containerStatuses[*].restartCount}']), '0 0');
    const ip = await c.k(['get', 'pod', 'steady', '-o', 'jsonpath={.status.podIP}']);

    // 2. kill -9, plus a container that belongs to no pod (as if its pod was deleted meanwhile).
    await c.kill9();
    const orphan = spawnSync(
      'docker',
      ['run', '-d', '--label', `io.skiff.cluster=${c.name}`, '--label', `io.skiff.node=${NODE}`, '--label', 'io.skiff.pod.uid=00000000-dead-beef-0000-000000000000', '--label', 'io.skiff.pod.name=ghost', '--label', 'io.skiff.pod.namespace=default', '--label', 'io.skiff.role=app', '--label', 'io.skiff.container.name=ghost', '--network', 'none', BUSYBOX, 'sleep', '3600'],
      { encoding: 'utf8' },
    ).stdout.trim();
    assert.match(orphan, /^[0-9a-f]{64}$/);
    c = await c.restart();
    await c.waitPod('solo', '{.status.phase}', (p) => p === 'Running');
    // The orphan goes; the pods' containers stay exactly as they were.
    const deadline = Date.now() + 20_000;
    while (running(c).some((l) => l.startsWith(orphan)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(running(c), before, 'same containers after kill -9, orphan removed');
    assert.equal(await c.k(['get', 'pod', 'steady', '-o', 'jsonpath={.status.podIP}']), ip);
    assert.equal(await c.k(['exec', 'steady', '-c', 'a', '--', 'echo', 'still here']), 'still here\n');
    assert.equal(await c.k(['get', 'pod', 'solo', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}']), '0');

    // 3. Deleting after the restarts still removes every container.
    await c.k(['delete', 'pod', 'steady', 'solo', '--grace-period=1']);
    assert.deepEqual(running(c), []);
    assert.deepEqual(c.containers({ 'io.skiff.role': 'app' }), []);
  });
});
