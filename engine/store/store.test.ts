import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, StoreError, type StoreEvent } from './store.js';
import type { KubeObject } from '../api/types.js';

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const key = (name: string) => `/registry/core/configmaps/default/${name}`;

function tmpDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'store-')), 'state.db');
}

describe('Store', () => {
  it('assigns strictly increasing revisions as resourceVersion', () => {
    const s = new Store({ path: ':memory:' });
    const a = s.create(key('a'), cm('a'));
    const b = s.create(key('b'), cm('b'));
    assert.equal(a.obj.metadata.resourceVersion, String(a.rev));
    assert.ok(b.rev > a.rev);
    const a2 = s.update(key('a'), cm('a', { x: '1' }), a.rev);
    assert.ok(a2.rev > b.rev);
    s.close();
  });

  it('rejects stale updates, duplicate creates and missing keys', () => {
    const s = new Store({ path: ':memory:' });
    const a = s.create(key('a'), cm('a'));
    s.update(key('a'), cm('a', { x: '1' }), a.rev);
    assert.throws(() => s.update(key('a'), cm('a', { x: '2' }), a.rev), (e: unknown) => e instanceof StoreError && e.code === 'conflict');
    assert.throws(() => s.create(key('a'), cm('a')), (e: unknown) => e instanceof StoreError && e.code === 'exists');
    assert.throws(() => s.delete(key('zz')), (e: unknown) => e instanceof StoreError && e.code === 'not-found');
    s.close();
  });

  it('lists by prefix in key order', () => {
    const s = new Store({ path: ':memory:' });
    for (const n of ['c', 'a', 'b']) s.create(key(n), cm(n));
    s.create('/registry/core/configmaps/other/z', { ...cm('z'), metadata: { name: 'z', namespace: 'other' } });
    assert.deepEqual(s.list('/registry/core/configmaps/default/').items.map((e) => e.obj.metadata.name), ['a', 'b', 'c']);
    assert.equal(s.list('/registry/core/configmaps/').items.length, 4);
    s.close();
  });

  it('watches from a past revision in order, and answers compacted revisions with an error', () => {
    const s = new Store({ path: ':memory:', historySize: 5 });
    const first = s.create(key('a'), cm('a'));
    for (let i = 0; i < 3; i++) s.update(key('a'), cm('a', { i: String(i) }));
    const seen: StoreEvent[] = [];
    const stop = s.watch('/registry/core/configmaps/', first.rev, (ev) => {
      seen.push(ev);
    });
    s.delete(key('a'));
    assert.deepEqual(seen.map((e) => e.type), ['MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    assert.deepEqual(seen.map((e) => e.rev), [first.rev + 1, first.rev + 2, first.rev + 3, first.rev + 4]);
    assert.equal(seen[3].entry.obj.metadata.resourceVersion, String(first.rev + 4));
    stop();
    for (let i = 0; i < 10; i++) s.create(key(`n${i}`), cm(`n${i}`));
    assert.throws(() => s.watch('/registry/', first.rev, () => {}), (e: unknown) => e instanceof StoreError && e.code === 'compacted');
    s.close();
  });

  it('survives reopening: state and revision come back from the log, compaction keeps current values', () => {
    const path = tmpDb();
    let s = new Store({ path, historySize: 2 });
    s.create(key('keep'), cm('keep', { v: '1' }));
    const gone = s.create(key('gone'), cm('gone'));
    for (let i = 0; i < 5; i++) s.update(key('keep'), cm('keep', { v: String(i) }));
    s.delete(key('gone'), gone.rev);
    const rev = s.revision;
    assert.ok(s.compact() > 0);
    s.close();
    s = new Store({ path });
    assert.equal(s.revision, rev);
    assert.equal(s.get(key('keep'))?.obj.data && (s.get(key('keep'))?.obj.data as Record<string, string>).v, '4');
    assert.equal(s.get(key('gone')), undefined);
    const next = s.create(key('new'), cm('new'));
    assert.equal(next.rev, rev + 1, 'revisions never go back after a restart');
    s.close();
  });

  it('refuses a second engine on the same file', () => {
    const path = tmpDb();
    const a = new Store({ path });
    assert.throws(() => new Store({ path }), (e: unknown) => e instanceof StoreError && e.code === 'locked');
    a.close();
    const b = new Store({ path });
    b.close();
  });
});
