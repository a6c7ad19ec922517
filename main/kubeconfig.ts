/**
 * Merging Skiff's context into the user's kubeconfig (ARCHITECTURE §3): on request only; a
 * backup is written first; only entries Skiff owns (marked with a `skiff.dev/managed`
 * extension) are added or replaced; everything else — other clusters, users, contexts,
 * comments, current-context — is left exactly as it was. Plus a watcher for kubeconfig files.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync, chmodSync, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isMap, isSeq, parse, parseDocument, type Document } from 'yaml';

export const MANAGED = 'skiff.dev/managed';

export interface MergeOptions {
  /** The user's kubeconfig (default ~/.kube/config). */
  target?: string;
  /** Skiff's own kubeconfig text (`<data-dir>/kubeconfig`). */
  skiffKubeconfig: string;
  /** Name of the context/cluster (user = `<name>-admin`). Default "skiff". */
  name?: string;
  /** Also make it the current context (default: only when the file is new). */
  setCurrentContext?: boolean;
  now?: Date;
}

export interface MergeResult {
  path: string;
  backup?: string;
  changed: boolean;
}

export class KubeconfigConflictError extends Error {}

interface Named {
  name: string;
  [k: string]: unknown;
}

function managedExt() {
  return [{ name: MANAGED, extension: { managedBy: 'skiff' } }];
}

function isManaged(entry: unknown, field: 'cluster' | 'user' | 'context'): boolean {
  if (!entry || typeof entry !== 'object') return false;
  const inner = (entry as Record<string, unknown>)[field] as { extensions?: { name?: string }[] } | undefined;
  return !!inner?.extensions?.some((e) => e?.name === MANAGED);
}

export function defaultKubeconfigPath(home = homedir()): string {
  return join(home, '.kube', 'config');
}

/** The entries Skiff adds, built from its own kubeconfig. */
export function skiffEntries(skiffKubeconfig: string, name = 'skiff'): { cluster: Named; user: Named; context: Named } {
  const kc = parse(skiffKubeconfig) as { clusters?: Named[]; users?: Named[]; contexts?: Named[] };
  const c = kc.clusters?.[0];
  const u = kc.users?.[0];
  const ctx = kc.contexts?.[0];
  if (!c || !u || !ctx) throw new Error('Skiff kubeconfig has no cluster/user/context');
  return {
    cluster: { name, cluster: { ...(c.cluster as object), extensions: managedExt() } },
    user: { name: `${name}-admin`, user: { ...(u.user as object) } },
    context: { name, context: { cluster: name, user: `${name}-admin`, namespace: (ctx.context as { namespace?: string }).namespace ?? 'default', extensions: managedExt() } },
  };
}

function upsert(doc: Document, key: 'clusters' | 'users' | 'contexts', entry: Named, field: 'cluster' | 'user' | 'context', ownedUser: boolean): boolean {
  let seq = doc.get(key);
  if (!isSeq(seq)) {
    doc.set(key, doc.createNode([]));
    seq = doc.get(key);
  }
  if (!isSeq(seq)) throw new Error(`kubeconfig: ${key} is not a list`);
  const idx = seq.items.findIndex((it) => isMap(it) && it.get('name') === entry.name);
  const node = doc.createNode(entry);
  if (idx < 0) {
    seq.items.push(node);
    return true;
  }
  const existing = (seq.items[idx] as { toJSON(): unknown }).toJSON();
  // Users carry no extensions: a user is ours if our (managed) context names it.
  if (!(ownedUser || isManaged(existing, field))) {
    throw new KubeconfigConflictError(`the kubeconfig already has a ${field} named "${entry.name}" that Skiff did not create; it was left untouched`);
  }
  if (JSON.stringify(existing) === JSON.stringify(entry)) return false;
  seq.items[idx] = node;
  return true;
}

export function mergeSkiffContext(o: MergeOptions): MergeResult {
  const target = o.target ?? defaultKubeconfigPath();
  const name = o.name ?? 'skiff';
  const entries = skiffEntries(o.skiffKubeconfig, name);
  const exists = existsSync(target);
  const text = exists ? readFileSync(target, 'utf8') : 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\npreferences: {}\n';
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`cannot parse ${target}: ${doc.errors[0].message}; left untouched`);
  if (!isMap(doc.contents)) throw new Error(`${target} is not a kubeconfig; left untouched`);
  // Ownership of the user entry follows the context: ours iff our managed context exists.
  const contexts = (doc.toJSON() as { contexts?: unknown[] }).contexts ?? [];
  const ourContext = contexts.find((c) => (c as Named)?.name === name && isManaged(c, 'context'));
  const users = (doc.toJSON() as { users?: unknown[] }).users ?? [];
  const userExists = users.some((u) => (u as Named)?.name === entries.user.name);
  if (userExists && !ourContext) throw new KubeconfigConflictError(`the kubeconfig already has a user named "${entries.user.name}" that Skiff did not create; it was left untouched`);
  let changed = false;
  changed = upsert(doc, 'clusters', entries.cluster, 'cluster', false) || changed;
  changed = upsert(doc, 'users', entries.user, 'user', true) || changed;
  changed = upsert(doc, 'contexts', entries.context, 'context', false) || changed;
  const makeCurrent = o.setCurrentContext ?? !exists;
  if (makeCurrent && doc.get('current-context') !== name) {
    doc.set('current-context', name);
    changed = true;
  }
  if (!changed) return { path: target, changed: false };
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  let backup: string | undefined;
  if (exists) {
    const stamp = (o.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    backup = join(dirname(target), `${basename(target)}.skiff-backup-${stamp}`);
    copyFileSync(target, backup);
    chmodSync(backup, 0o600);
  }
  const tmp = `${target}.skiff-tmp-${process.pid}`;
  writeFileSync(tmp, doc.toString(), { mode: 0o600 });
  renameSync(tmp, target);
  return { path: target, backup, changed: true };
}

/**
 * Watches kubeconfig files (their directories: tools replace files by rename) and calls
 * `onChange` once per burst of changes. Returns a function that stops watching.
 */
export function watchKubeconfigs(paths: string[], onChange: () => void, debounceMs = 200): () => void {
  const watchers: FSWatcher[] = [];
  let t: NodeJS.Timeout | undefined;
  const byDir = new Map<string, Set<string>>();
  for (const p of paths) {
    const d = dirname(p);
    if (!byDir.has(d)) byDir.set(d, new Set());
    byDir.get(d)!.add(basename(p));
  }
  for (const [dir, names] of byDir) {
    if (!existsSync(dir)) continue;
    try {
      const w = watch(dir, { persistent: false }, (_e, f) => {
        if (f && !names.has(String(f))) return;
        if (t) clearTimeout(t);
        t = setTimeout(onChange, debounceMs);
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      /* unwatchable: skip */
    }
  }
  return () => {
    if (t) clearTimeout(t);
    for (const w of watchers) w.close();
  };
}
