/**
 * The dependency graph of the garbage collector (upstream garbagecollector/graph.go and
 * graph_builder.go): one node per object uid, edges from owners to dependents, built from the
 * ownerReferences the informers deliver. A "virtual" node stands for an owner that is referenced
 * but has not been observed (yet): the collector checks it against the API and, if it does not
 * exist, deletes it from the graph — which makes its dependents garbage.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';

export interface Identity {
  apiVersion: string;
  kind: string;
  /** The dependent's namespace for virtual nodes (owners must live in the same namespace). */
  namespace?: string;
  name: string;
  uid: string;
}

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  /** The object has a deletionTimestamp. */
  beingDeleted = false;
  /** The object is being deleted in the foreground (foregroundDeletion finalizer). */
  deletingDependents = false;

  constructor(
    public identity: Identity,
    /** Referenced but not observed through an informer. */
    public virtual: boolean,
  ) {}

  /** Dependents whose reference to this node has blockOwnerDeletion. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      if (dep.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true)) out.push(dep);
    }
    return out;
  }

  toString(): string {
    const i = this.identity;
    return `${i.kind} ${i.namespace ? i.namespace + '/' : ''}${i.name} (${i.uid})${this.virtual ? ' [virtual]' : ''}`;
  }
}

export function identityOf(o: KubeObject): Identity {
  const id: Identity = { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', name: o.metadata.name as string, uid: o.metadata.uid as string };
  if (o.metadata.namespace) id.namespace = o.metadata.namespace;
  return id;
}

export function hasFinalizer(o: KubeObject, f: string): boolean {
  return (o.metadata.finalizers ?? []).includes(f);
}

export function beingDeleted(o: KubeObject): boolean {
  return o.metadata.deletionTimestamp !== undefined;
}

/** The object starts being deleted with finalizer `f` (it was not before). */
export function deletionStartsWithFinalizer(old: KubeObject | undefined, cur: KubeObject, f: string): boolean {
  if (!beingDeleted(cur) || !hasFinalizer(cur, f)) return false;
  if (!old) return true;
  return !beingDeleted(old) || !hasFinalizer(old, f);
}

/** Owners added, removed, or changed (same uid, other fields) between two reference lists. */
export function referencesDiffs(old: OwnerReference[], cur: OwnerReference[]): { added: OwnerReference[]; removed: OwnerReference[]; changed: { old: OwnerReference; cur: OwnerReference }[] } {
  const oldBy = new Map(old.map((r) => [r.uid, r]));
  const curBy = new Map(cur.map((r) => [r.uid, r]));
  const added: OwnerReference[] = [];
  const removed: OwnerReference[] = [];
  const changed: { old: OwnerReference; cur: OwnerReference }[] = [];
  for (const r of cur) {
    const o = oldBy.get(r.uid);
    if (!o) added.push(r);
    else if (JSON.stringify(o) !== JSON.stringify(r)) changed.push({ old: o, cur: r });
  }
  for (const r of old) if (!curBy.has(r.uid)) removed.push(r);
  return { added, removed, changed };
}

/** A bounded set of owner uids known not to exist (upstream's absentOwnerCache, an LRU). */
export class UIDCache {
  private readonly m = new Map<string, true>();
  constructor(private readonly max = 500) {}
  add(uid: string): void {
    this.m.delete(uid);
    this.m.set(uid, true);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
  }
  has(uid: string): boolean {
    return this.m.has(uid);
  }
}
