/**
 * The store plays etcd's role: a durable, versioned key/value map of API objects with watch.
 *
 * Shape (modelled on kine, k3s' etcd shim on SQLite):
 * - One SQLite table `log`, one row per change (put or delete) with a strictly increasing
 *   revision. The global revision is every object's `metadata.resourceVersion`.
 * - The current value of every key is held in memory (like the apiserver's watch cache), so
 *   get and list never touch SQLite; on start the log is replayed to rebuild it.
 * - Recent changes are kept in an in-memory ring so watches can start from any revision in
 *   the window; older revisions are "compacted" and a watch or list from there gets 410 Gone.
 * - Compaction deletes superseded rows from the log, bounding the file.
 *
 * Durability: WAL with synchronous=NORMAL. Each write is its own committed transaction before
 * the call returns, so an acknowledged write is in the WAL file and survives `kill -9` of the
 * engine (it is in the OS page cache; only a power cut could lose the tail, as with NORMAL
 * everywhere).
 *
 * Everything here is synchronous: better-sqlite3 commits in microseconds in WAL mode, and a
 * single-threaded writer gives linearizable revisions for free.
 */
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { KubeObject } from '../api/types.js';

export interface Entry {
  readonly key: string;
  readonly rev: number;
  /** The stored object. Shared by every reader: never mutate it (clone first). */
  readonly obj: KubeObject;
  /** The object serialized once, reused by every list and watch answer. */
  readonly json: string;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  key: string;
  rev: number;
  /** The new object; for DELETED, the last state with resourceVersion set to the delete revision. */
  entry: Entry;
  /** The previous state for MODIFIED and DELETED. */
  prev?: Entry;
}

export type StoreErrorCode = 'exists' | 'not-found' | 'conflict' | 'compacted' | 'locked';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface StoreOptions {
  /** SQLite file; ':memory:' for tests that need no durability. */
  path: string;
  /** How many recent changes watches can resume from (and compaction keeps). */
  historySize?: number;
  /** How often to compact, in ms (0 = never automatically). */
  compactIntervalMs?: number;
}

export interface Watcher {
  /** Return false to be dropped (a slow or closed consumer). */
  (ev: StoreEvent): boolean | void;
}

interface WatchReg {
  prefix: string;
  fn: Watcher;
}

const PUT = 0;
const DEL = 1;

export class Store {
  private readonly db: Database.Database;
  private readonly data = new Map<string, Map<string, Entry>>();
  private rev = 0;
  private readonly ring: StoreEvent[] = [];
  private ringStart = 0; // index of the oldest event in ring (circular)
  private ringLen = 0;
  private readonly historySize: number;
  /** Oldest revision a watch may start after: events with rev > this are in the ring. */
  private oldestWatchable = 0;
  private superseded: number[] = [];
  private readonly watchers = new Set<WatchReg>();
  private compactTimer: NodeJS.Timeout | undefined;
  private readonly insert: Database.Statement<[string, string | null, number, number]>;
  private closed = false;

  constructor(opts: StoreOptions) {
    this.historySize = opts.historySize ?? 20000;
    this.ring = new Array<StoreEvent>(this.historySize);
    if (opts.path !== ':memory:') closeSync(openSync(opts.path, 'a', 0o600)); // secrets live here: owner-only
    this.db = new Database(opts.path, { timeout: 0 });
    // One engine per data dir: an exclusive lock held for the process's life (the OS drops it
    // if the process dies, so kill -9 never leaves a stale lock).
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (e) {
      this.db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new StoreError('locked', `${opts.path} is in use by another Skiff engine`);
      throw e;
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS log (
      rev INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      value TEXT,
      deleted INTEGER NOT NULL
    )`);
    this.insert = this.db.prepare<[string, string | null, number, number]>(
      'INSERT INTO log (key, value, deleted, rev) VALUES (?, ?, ?, ?)',
    );
    this.replay();
    if (opts.compactIntervalMs) {
      this.compactTimer = setInterval(() => this.compact(), opts.compactIntervalMs);
      this.compactTimer.unref();
    }
  }

  /** Rebuilds the in-memory state from the log. */
  private replay(): void {
    const latest = new Map<string, number>();
    const rows = this.db.prepare('SELECT rev, key, value, deleted FROM log ORDER BY rev').iterate() as IterableIterator<{
      rev: number;
      key: string;
      value: string | null;
      deleted: number;
    }>;
    for (const row of rows) {
      const before = latest.get(row.key);
      if (before !== undefined) this.superseded.push(before);
      this.rev = row.rev;
      if (row.deleted) {
        latest.delete(row.key);
        this.superseded.push(row.rev);
        this.bucket(row.key).delete(row.key);
      } else {
        latest.set(row.key, row.rev);
        const obj = JSON.parse(row.value as string) as KubeObject;
        this.bucket(row.key).set(row.key, { key: row.key, rev: row.rev, obj, json: row.value as string });
      }
    }
    const seq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'log'").get() as { seq: number } | undefined;
    if (seq && seq.seq > this.rev) this.rev = seq.seq;
    this.oldestWatchable = this.rev;
  }

  /** Keys look like /registry/<group>/<resource>/<namespace>/<name>; buckets are per resource. */
  private bucket(key: string): Map<string, Entry> {
    const b = bucketOf(key);
    let m = this.data.get(b);
    if (!m) {
      m = new Map();
      this.data.set(b, m);
    }
    return m;
  }

  get revision(): number {
    return this.rev;
  }

  /** The oldest revision from which a watch can still be resumed. */
  get compactedRevision(): number {
    return this.oldestWatchable;
  }

  get(key: string): Entry | undefined {
    return this.data.get(bucketOf(key))?.get(key);
  }

  /** Entries whose key starts with `prefix`, sorted by key (as etcd returns them). */
  list(prefix: string): { items: Entry[]; rev: number } {
    const b = this.data.get(bucketOf(prefix));
    const items: Entry[] = [];
    if (b) {
      if (prefix.endsWith('/') && bucketOf(prefix) + '/' === prefix) {
        for (const e of b.values()) items.push(e);
      } else {
        for (const [k, e] of b) if (k.startsWith(prefix)) items.push(e);
      }
    }
    items.sort((a, c) => (a.key < c.key ? -1 : a.key > c.key ? 1 : 0));
    return { items, rev: this.rev };
  }

  /** Number of keys under a resource bucket prefix, without sorting. */
  count(prefix: string): number {
    const b = this.data.get(bucketOf(prefix));
    if (!b) return 0;
    let n = 0;
    for (const k of b.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  /** Creates `key`; `obj.metadata.resourceVersion` is set to the new revision. */
  create(key: string, obj: KubeObject): Entry {
    this.assertOpen();
    if (this.get(key)) throw new StoreError('exists', `${key} already exists`);
    return this.put(key, obj, undefined);
  }

  /**
   * Replaces `key`. With `expectedRev`, fails with 'conflict' unless the stored revision matches
   * (optimistic concurrency, like etcd's compare-and-swap).
   */
  update(key: string, obj: KubeObject, expectedRev?: number): Entry {
    this.assertOpen();
    const prev = this.get(key);
    if (!prev) throw new StoreError('not-found', `${key} not found`);
    if (expectedRev !== undefined && expectedRev !== prev.rev) {
      throw new StoreError('conflict', 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.put(key, obj, prev);
  }

  delete(key: string, expectedRev?: number): Entry {
    this.assertOpen();
    const prev = this.get(key);
    if (!prev) throw new StoreError('not-found', `${key} not found`);
    if (expectedRev !== undefined && expectedRev !== prev.rev) {
      throw new StoreError('conflict', 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const rev = this.rev + 1;
    this.insert.run(key, null, DEL, rev);
    this.rev = rev;
    this.bucket(key).delete(key);
    this.superseded.push(prev.rev, rev);
    // The DELETED event carries the last state at the delete revision, as etcd3 watches do.
    const obj = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rev) } };
    const entry: Entry = { key, rev, obj, json: JSON.stringify(obj) };
    this.emit({ type: 'DELETED', key, rev, entry, prev });
    return entry;
  }

  private put(key: string, obj: KubeObject, prev: Entry | undefined): Entry {
    const rev = this.rev + 1;
    obj.metadata.resourceVersion = String(rev);
    const json = JSON.stringify(obj);
    this.insert.run(key, json, PUT, rev);
    this.rev = rev;
    const entry: Entry = { key, rev, obj, json };
    this.bucket(key).set(key, entry);
    if (prev) this.superseded.push(prev.rev);
    this.emit({ type: prev ? 'MODIFIED' : 'ADDED', key, rev, entry, prev });
    return entry;
  }

  private emit(ev: StoreEvent): void {
    // Record in the history ring.
    if (this.ringLen < this.historySize) {
      this.ring[(this.ringStart + this.ringLen) % this.historySize] = ev;
      this.ringLen++;
    } else {
      const dropped = this.ring[this.ringStart];
      this.ring[this.ringStart] = ev;
      this.ringStart = (this.ringStart + 1) % this.historySize;
      this.oldestWatchable = dropped.rev;
    }
    for (const w of this.watchers) {
      if (!ev.key.startsWith(w.prefix)) continue;
      let keep: boolean | void = true;
      try {
        keep = w.fn(ev);
      } catch {
        keep = false;
      }
      if (keep === false) this.watchers.delete(w);
    }
  }

  /**
   * Watches keys under `prefix` for changes after revision `afterRev`. Events already in the
   * history are replayed synchronously before this returns. Throws 'compacted' when `afterRev`
   * is older than the history window. Returns a function that stops the watch.
   */
  watch(prefix: string, afterRev: number, fn: Watcher): () => void {
    if (afterRev < this.oldestWatchable) {
      throw new StoreError('compacted', `too old resource version: ${afterRev} (${this.oldestWatchable})`);
    }
    const reg: WatchReg = { prefix, fn };
    for (let i = 0; i < this.ringLen; i++) {
      const ev = this.ring[(this.ringStart + i) % this.historySize];
      if (ev.rev <= afterRev || !ev.key.startsWith(prefix)) continue;
      if (fn(ev) === false) return () => {};
    }
    this.watchers.add(reg);
    return () => {
      this.watchers.delete(reg);
    };
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Deletes log rows that no current object or watchable revision needs. */
  compact(): number {
    if (this.closed) return 0;
    const limit = this.oldestWatchable;
    const keep: number[] = [];
    const drop: number[] = [];
    for (const r of this.superseded) (r <= limit ? drop : keep).push(r);
    if (drop.length === 0) return 0;
    const del = this.db.prepare('DELETE FROM log WHERE rev = ?');
    this.db.transaction((revs: number[]) => {
      for (const r of revs) del.run(r);
    })(drop);
    this.superseded = keep;
    return drop.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.compactTimer) clearInterval(this.compactTimer);
    this.watchers.clear();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

/** "/registry/apps/deployments/ns/name" → "/registry/apps/deployments". */
export function bucketOf(key: string): string {
  // Keys have the form /registry/<group>/<resource>/...; the bucket is the first three parts.
  let slashes = 0;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) === 47 /* / */) {
      slashes++;
      if (slashes === 4) return key.slice(0, i);
    }
  }
  return key.endsWith('/') ? key.slice(0, -1) : key;
}
