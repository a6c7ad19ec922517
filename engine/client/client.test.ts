import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { Rest } from '../apiserver/rest.js';
import { buildRegistry } from '../api/resources/index.js';
import { FakeClock } from '../api/clock.js';
import { Client } from './client.js';
import { Informer, keyOf } from './informer.js';
import { WorkQueue } from './workqueue.js';
import type { KubeObject } from '../api/types.js';

function env() {
  const registry = buildRegistry();
  const rest = new Rest(new Store({ path: ':memory:' }), registry, new FakeClock());
  const client = new Client(rest, registry);
  client.resource('', 'Namespace').create({ metadata: { name: 'default' } });
  return { client, rest };
}

describe('Informer', () => {
  it('lists, then follows adds, updates and deletes in order', () => {
    const { client } = env();
    const cms = client.resource('', 'ConfigMap');
    cms.create({ metadata: { name: 'before', namespace: 'default' } });
    const inf = new Informer(cms);
    const log: string[] = [];
    inf.addHandler({
      add: (o) => log.push(`add ${o.metadata.name}`),
      update: (_old, o) => log.push(`update ${o.metadata.name}`),
      delete: (o) => log.push(`delete ${o.metadata.name}`),
    });
    inf.start();
    cms.create({ metadata: { name: 'after', namespace: 'default' } });
    cms.modify('default', 'after', (o) => {
      o.data = { a: 'b' };
    });
    cms.delete('default', 'before');
    assert.deepEqual(log, ['add before', 'add after', 'update after', 'delete before']);
    assert.deepEqual(inf.list('default').map(keyOf), ['default/after']);
    assert.equal((inf.get('default', 'after')?.data as Record<string, string>).a, 'b');
    inf.stop();
  });

  it('modify retries on conflict and never mutates cached objects', () => {
    const { client } = env();
    const cms = client.resource('', 'ConfigMap');
    const created = cms.create({ metadata: { name: 'x', namespace: 'default' }, data: { n: '0' } });
    const inf = new Informer(cms);
    inf.start();
    const cached = inf.get('default', 'x') as KubeObject;
    let calls = 0;
    cms.modify('default', 'x', (o) => {
      calls++;
      if (calls === 1) cms.modify('default', 'x', (p) => void ((p.data as Record<string, string>).n = 'other'));
      (o.data as Record<string, string>).n = String(calls);
    });
    assert.equal(calls, 2, 'the first attempt hit a conflict and was retried on the fresh object');
    assert.equal((cached.data as Record<string, string>).n, '0', 'the cached object was not changed in place');
    assert.equal(created.metadata.name, 'x');
    inf.stop();
  });
});

describe('WorkQueue', () => {
  it('collapses duplicates and never hands one key to two workers', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(q.length, 2);
    const k1 = await q.get();
    assert.equal(k1, 'a');
    q.add('a'); // re-added while processing: held until done
    const k2 = await q.get();
    assert.equal(k2, 'b');
    assert.equal(q.length, 0);
    q.done('a');
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.shutDown();
    assert.equal(await q.get(), undefined);
  });

  it('retries with growing backoff', async () => {
    const q = new WorkQueue({ baseDelayMs: 5 });
    const t0 = Date.now();
    q.addRateLimited('k');
    assert.equal(await q.get(), 'k');
    q.done('k');
    q.addRateLimited('k');
    assert.equal(await q.get(), 'k');
    assert.ok(Date.now() - t0 >= 14, 'second retry waited ~10 ms more');
    q.forget('k');
    q.shutDown();
  });
});
