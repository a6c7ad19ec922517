/**
 * Store write throughput vs raw better-sqlite3 inserts with the same durability (WAL,
 * synchronous=NORMAL, one committed transaction per write). Goal ≥ 0.7×.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../engine/store/store.js';
import { report, fmt } from './lib.js';

const N = 20_000;
const obj = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'default', uid: `uid-${i}` }, data: { key: `value-${i}`, other: 'x'.repeat(64) } });

function raw(): number {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'bench-raw-')), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT)');
  const ins = db.prepare('INSERT INTO t (key, value) VALUES (?, ?)');
  const t0 = performance.now();
  for (let i = 0; i < N; i++) ins.run(`/registry/core/configmaps/default/cm-${i}`, JSON.stringify(obj(i)));
  const ms = performance.now() - t0;
  db.close();
  return (N / ms) * 1000;
}

function store(): number {
  const s = new Store({ path: join(mkdtempSync(join(tmpdir(), 'bench-store-')), 'state.db') });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) s.create(`/registry/core/configmaps/default/cm-${i}`, obj(i));
  const ms = performance.now() - t0;
  s.close();
  return (N / ms) * 1000;
}

raw();
store(); // warm-up both paths
const r = raw();
const s = store();
report('store writes', `${fmt(s, 0)} writes/s`, `raw better-sqlite3 ${fmt(r, 0)} inserts/s`, s / r, '≥ 0.7x', s / r >= 0.7);
