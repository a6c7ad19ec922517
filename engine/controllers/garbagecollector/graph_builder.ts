/**
 * The graph builder (upstream garbagecollector/graph_builder.go): informers on every kind that
 * can own or depend on something feed one FIFO of changes; processGraphChanges applies them to
 * the uid → node graph in order and hands work to the collector:
 * - a node whose owner is absent, or whose owner went away → attemptToDelete;
 * - an owner that starts being deleted with the `orphan` finalizer → attemptToOrphan;
 * - an owner that starts being deleted with `foregroundDeletion` → its dependents and itself
 *   → attemptToDelete.
 * Informer handlers only append to the FIFO; the graph is changed by processGraphChanges.
 *
 * The monitored kinds follow the registry, as upstream's GC resyncs its monitors when discovery
 * changes: a CustomResourceDefinition established after start gets a monitor (its objects join
 * the graph, so they are collected and can own things), and a kind that leaves the registry
 * loses its monitor. Registry changes come in bursts (a CRD update removes and re-adds its
 * versions), so the resync runs once, on the next turn, against the registry as it is then.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import type { ResourceDef } from '../../api/registry.js';
import type { Informer } from '../../client/informer.js';
import { sharedInformers, type InformerFactory } from '../shared/informers.js';
import { beingDeleted, deletionStartsWithFinalizer, GraphNode, identityOf, referencesDiffs, UIDCache, type Identity } from './graph.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** Kinds the collector never watches (upstream ignoredResources): too many, never owners. */
const IGNORED = new Set(['/Event', 'events.k8s.io/Event']);

/** One watched kind: its informer, and whether its events still count (see stopMonitor). */
interface Monitor {
  def: ResourceDef;
  informer: Informer<KubeObject>;
  active: boolean;
}

type GraphEvent =
  | { type: 'add' | 'update'; obj: KubeObject; old?: KubeObject }
  | { type: 'delete'; obj: KubeObject }
  | { type: 'delete'; virtual: Identity };

export interface GraphQueues {
  attemptToDelete(uid: string): void;
  attemptToOrphan(uid: string): void;
}

export class GraphBuilder {
  readonly uidToNode = new Map<string, GraphNode>();
  readonly absentOwnerCache = new UIDCache();
  private changes: GraphEvent[] = [];
  /** Monitors by `group/kind`. */
  private readonly monitors = new Map<string, Monitor>();
  private flushTimer: NodeJS.Immediate | undefined;
  private resyncTimer: NodeJS.Immediate | undefined;
  /** The registry changed since the last syncMonitors(). */
  private monitorsDirty = false;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly queues: GraphQueues,
  ) {}

  /** The kinds monitored: every listable, watchable, deletable kind but events, one per group/kind. */
  monitoredKinds(): ResourceDef[] {
    const seen = new Set<string>();
    const out: ResourceDef[] = [];
    for (const def of this.ctx.registry.all()) {
      const gk = `${def.group}/${def.kind}`;
      if (seen.has(gk) || IGNORED.has(gk)) continue;
      const verbs = def.verbs ?? ['list', 'watch', 'delete'];
      if (!verbs.includes('list') || !verbs.includes('watch') || !verbs.includes('delete')) continue;
      seen.add(gk);
      out.push(def);
    }
    return out;
  }

  /**
   * Creates the monitors of every kind the registry serves now (the caller starts the factory)
   * and follows the registry from then on.
   */
  register(): void {
    this.syncMonitors(false);
    this.unsubscribe = this.ctx.registry.onChange(() => {
      this.monitorsDirty = true;
      if (this.stopped || this.resyncTimer) return;
      this.resyncTimer = setImmediate(() => {
        this.resyncTimer = undefined;
        this.resyncMonitors();
      });
    });
  }

  /** Applies a pending registry change to the monitors; returns how many were added or removed. */
  resyncMonitors(): number {
    if (!this.monitorsDirty || this.stopped) return 0;
    this.monitorsDirty = false;
    try {
      return this.syncMonitors(true);
    } catch (e) {
      console.error(`garbage collector: resyncing monitors failed: ${(e as Error).message}`);
      return 0;
    }
  }

  /**
   * Upstream syncMonitors: a monitor for each kind of monitoredKinds() (kept if it is there
   * already with the same storage), none for the others. New informers start at once when
   * `start` (at register time the collector starts the factory itself).
   */
  private syncMonitors(start: boolean): number {
    const f: InformerFactory = sharedInformers(this.ctx);
    const wanted = new Map(this.monitoredKinds().map((d) => [`${d.group}/${d.kind}`, d]));
    let n = 0;
    for (const [gk, m] of this.monitors) {
      const def = wanted.get(gk);
      // Same kind at another plural or scope (a CRD changed its names): a new informer.
      if (def && def.plural === m.def.plural && def.namespaced === m.def.namespaced) continue;
      this.stopMonitor(f, gk, m);
      n++;
    }
    for (const [gk, def] of wanted) {
      if (this.monitors.has(gk)) continue;
      const m: Monitor = { def, informer: f.informer(def.group, def.kind), active: true };
      // An informer shared with another user may outlive this monitor: its events stop counting.
      m.informer.addHandler({
        add: (obj) => {
          if (m.active) this.push({ type: 'add', obj });
        },
        update: (old, obj) => {
          if (m.active) this.push({ type: 'update', obj, old });
        },
        delete: (obj) => {
          if (m.active) this.push({ type: 'delete', obj });
        },
      });
      this.monitors.set(gk, m);
      n++;
    }
    if (start && n > 0) f.start();
    return n;
  }

  private stopMonitor(f: InformerFactory, gk: string, m: Monitor): void {
    m.active = false;
    this.monitors.delete(gk);
    f.release(m.informer);
  }

  /** The kinds monitored now, as `group/kind` (tests, diagnostics). */
  monitoredKindNames(): string[] {
    return [...this.monitors.keys()];
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.flushTimer) clearImmediate(this.flushTimer);
    if (this.resyncTimer) clearImmediate(this.resyncTimer);
    const f = sharedInformers(this.ctx);
    for (const [gk, m] of [...this.monitors]) this.stopMonitor(f, gk, m);
  }

  /** A delete event for a virtual node the collector found absent from the API. */
  enqueueVirtualDelete(identity: Identity): void {
    this.push({ type: 'delete', virtual: identity });
  }

  private push(ev: GraphEvent): void {
    if (this.stopped) return;
    this.changes.push(ev);
    if (!this.flushTimer) {
      this.flushTimer = setImmediate(() => {
        this.flushTimer = undefined;
        this.processGraphChanges();
      });
    }
  }

  get pending(): number {
    return this.changes.length;
  }

  /** Applies every queued change in order; returns how many. */
  processGraphChanges(): number {
    let n = 0;
    while (this.changes.length) {
      const batch = this.changes;
      this.changes = [];
      for (const ev of batch) {
        n++;
        try {
          this.process(ev);
        } catch (e) {
          console.error(`garbage collector: graph change failed: ${(e as Error).stack ?? e}`);
        }
      }
    }
    return n;
  }

  private process(ev: GraphEvent): void {
    if (ev.type === 'delete') return this.processDelete(ev);
    const obj = ev.obj;
    const uid = obj.metadata.uid as string;
    const existing = this.uidToNode.get(uid);
    if (!existing) {
      const node = new GraphNode(identityOf(obj), false);
      node.owners = [...(obj.metadata.ownerReferences ?? [])];
      if (beingDeleted(obj)) node.beingDeleted = true;
      this.uidToNode.set(uid, node);
      this.addDependentToOwners(node, node.owners);
      this.processTransitions(ev.old, obj, node);
      return;
    }
    if (existing.virtual) {
      // A referenced owner is now observed: it is real, with the coordinates the API gave.
      existing.virtual = false;
      existing.identity = identityOf(obj);
      // Dependents that referenced it with other coordinates may hold a wrong reference.
      for (const dep of existing.dependents) {
        const ref = dep.owners.find((o) => o.uid === uid);
        if (ref && (ref.kind !== obj.kind || ref.name !== obj.metadata.name)) this.queues.attemptToDelete(dep.identity.uid);
      }
    }
    const refs = obj.metadata.ownerReferences ?? [];
    const { added, removed, changed } = referencesDiffs(existing.owners, refs);
    if (added.length || removed.length || changed.length) {
      // Owners waiting for their dependents in the foreground may be unblocked now.
      for (const r of removed) this.requeueOwnerIfDeletingDependents(r.uid);
      for (const c of changed) if (c.old.blockOwnerDeletion && !c.cur.blockOwnerDeletion) this.requeueOwnerIfDeletingDependents(c.cur.uid);
      existing.owners = [...refs];
      this.addDependentToOwners(existing, added);
      for (const r of removed) this.uidToNode.get(r.uid)?.dependents.delete(existing);
    }
    if (beingDeleted(obj)) existing.beingDeleted = true;
    this.processTransitions(ev.type === 'update' ? ev.old : undefined, obj, existing);
  }

  private requeueOwnerIfDeletingDependents(uid: string): void {
    const owner = this.uidToNode.get(uid);
    if (owner?.deletingDependents) this.queues.attemptToDelete(uid);
  }

  /** Links a node to its owners, creating virtual owners (to be verified) for unknown uids. */
  private addDependentToOwners(node: GraphNode, owners: KubeObject['metadata']['ownerReferences'] & object): void {
    for (const ref of owners) {
      let owner = this.uidToNode.get(ref.uid);
      const known = owner !== undefined;
      if (!owner) {
        const id: Identity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
        if (node.identity.namespace) id.namespace = node.identity.namespace;
        owner = new GraphNode(id, true);
        this.uidToNode.set(ref.uid, owner);
      }
      owner.dependents.add(node);
      if (!known) this.queues.attemptToDelete(ref.uid);
      else if (owner.virtual === false && (owner.identity.kind !== ref.kind || owner.identity.name !== ref.name)) {
        // A reference with coordinates that do not match the real owner: let the collector judge.
        this.queues.attemptToDelete(node.identity.uid);
      } else if (node.identity.namespace && owner.identity.namespace && owner.identity.namespace !== node.identity.namespace && !owner.virtual) {
        // Owners cannot live in another namespace.
        this.queues.attemptToDelete(node.identity.uid);
      }
    }
  }

  private processTransitions(old: KubeObject | undefined, cur: KubeObject, node: GraphNode): void {
    if (deletionStartsWithFinalizer(old, cur, FINALIZER_ORPHAN)) {
      this.queues.attemptToOrphan(node.identity.uid);
      return;
    }
    if (deletionStartsWithFinalizer(old, cur, FINALIZER_FOREGROUND)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.queues.attemptToDelete(dep.identity.uid);
      this.queues.attemptToDelete(node.identity.uid);
    }
  }

  private processDelete(ev: { type: 'delete'; obj: KubeObject } | { type: 'delete'; virtual: Identity }): void {
    const uid = 'virtual' in ev ? ev.virtual.uid : (ev.obj.metadata.uid as string);
    const node = this.uidToNode.get(uid);
    if (!node) return;
    // A virtual delete only removes a node that is still unobserved; an observed object's fate
    // is told by its informer.
    if ('virtual' in ev && !node.virtual) return;
    this.uidToNode.delete(uid);
    for (const r of node.owners) this.uidToNode.get(r.uid)?.dependents.delete(node);
    if (node.dependents.size > 0) this.absentOwnerCache.add(uid);
    for (const dep of node.dependents) this.queues.attemptToDelete(dep.identity.uid);
    for (const r of node.owners) this.requeueOwnerIfDeletingDependents(r.uid);
  }
}
