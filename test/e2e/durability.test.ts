/**
 * An acknowledged write survives `kill -9` of the engine: writers create ConfigMaps as fast as
 * they can, the process is killed mid-stream, and after a restart on the same data dir every
 * write that got a 201 is there with its content.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, tempDir } from './harness.js';
import { rawClient } from './api.js';

describe('durability', () => {
  it('keeps every acknowledged write across kill -9, and everything across a clean restart', async () => {
    const dataDir = tempDir();
    let c = await startCluster({ dataDir });
    // Restarts keep the cluster's name: the restarted engine owns (and its stop removes) what the killed one left.
    const name = c.name;
    let api = rawClient(c.kubeconfig);
    const acked = new Map<string, string>();
    let stop = false;
    let seq = 0;
    const writer = async () => {
      while (!stop) {
        const name = `w-${seq++}`;
        const value = `v-${name}-${Math.random()}`;
        try {
          const r = await api.req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name }, data: { value } }));
          if (r.status === 201) acked.set(name, value);
        } catch {
          return; // the server died under us
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    // Kill mid-stream once the load is real (a loaded machine may start slowly).
    const until = Date.now() + 15_000;
    while (acked.size < 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    await c.kill9();
    stop = true;
    await Promise.all(writers);
    api.close();
    assert.ok(acked.size > 50, `expected a real write load, got ${acked.size} writes`);

    c = await startCluster({ dataDir, name });
    api = rawClient(c.kubeconfig);
    const r = await api.req('GET', '/api/v1/namespaces/default/configmaps');
    const items = (JSON.parse(r.body) as { items: { metadata: { name: string }; data: { value: string } }[] }).items;
    const found = new Map(items.map((i) => [i.metadata.name, i.data.value]));
    for (const [name, value] of acked) assert.equal(found.get(name), value, `acknowledged write ${name} lost`);

    // A clean restart brings back everything, including namespaces and the node.
    const rv = JSON.parse(r.body).metadata.resourceVersion as string;
    api.close();
    assert.equal(await c.stop(), 0);
    c = await startCluster({ dataDir, name });
    const out = await c.k(['get', 'configmaps', '-o', 'name']);
    assert.equal(out.trim().split('\n').length, found.size);
    const api2 = rawClient(c.kubeconfig);
    const r2 = await api2.req('GET', '/api/v1/namespaces/default/configmaps?limit=1');
    assert.ok(Number(JSON.parse(r2.body).metadata.resourceVersion) >= Number(rv), 'resourceVersion never goes back');
    api2.close();
    await c.stop();
  });
});
