/**
 * The garbage collector (upstream pkg/controller/garbagecollector/garbagecollector.go): deletes
 * objects whose owners are gone, and carries out the three propagation policies of a delete:
 * - Background (kubectl's default): the owner goes at once; its dependents, now pointing at an
 *   absent owner, are deleted here afterwards.
 * - Foreground: the owner stays (deletionTimestamp + `foregroundDeletion` finalizer) while its
 *   dependents are deleted — dependents with their own dependents in the foreground too — and
 *   the finalizer is removed once no dependent with blockOwnerDeletion is left.
 * - Orphan: the owner stays (`orphan` finalizer) until the references to it are removed from
 *   its dependents; then the finalizer is removed and the dependents live on.
 *
 * Two work queues keyed by uid: attemptToDelete (is this node garbage? is its foreground
 * deletion done?) and attemptToOrphan. Decisions are made on fresh reads from the API (the
 * graph may lag), as upstream does; owners that are absent are remembered in a small cache.
 * The kinds watched follow the registry (custom resources included): see graph_builder.ts.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { ResourceDef } from '../../api/registry.js';
import { Controller, type QueueWorker, isConflict, isNotFound, startDeferred } from '../shared/controller.js';
import { groupOf } from '../shared/ownerrefs.js';
import { GraphBuilder, FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from './graph_builder.js';
import { hasFinalizer, type GraphNode, type Identity } from './graph.js';

/** Thrown to re-queue a key with backoff without logging an error. */
class Requeue extends Error {}

const quietRequeue = (name: string) => (key: string, e: unknown) => {
  if (e instanceof Requeue || isConflict(e)) return;
  console.error(`${name}: "${key}": ${(e as Error).message}`);
};

export class GarbageCollector extends Controller {
  readonly graph: GraphBuilder;
  /** attemptToOrphan; the main queue (`worker`, alias deleteWorker) is attemptToDelete. */
  readonly orphanWorker: QueueWorker;
  private readonly warned = new Set<string>();

  constructor(ctx: EngineContext) {
    super(ctx, 'garbagecollector', { onError: quietRequeue('garbage collector') });
    this.orphanWorker = this.addWorker('garbagecollector-orphan', (uid) => this.attemptToOrphanWorker(uid), { onError: quietRequeue('garbage collector (orphan)') });
    this.graph = new GraphBuilder(ctx, {
      attemptToDelete: (uid) => this.worker.enqueue(uid),
      attemptToOrphan: (uid) => this.orphanWorker.enqueue(uid),
    });
  }

  get deleteWorker(): QueueWorker {
    return this.worker;
  }

  /** The main queue is keyed by uid: attemptToDelete. */
  sync(uid: string): void {
    this.attemptToDeleteWorker(uid);
  }

  /** The graph builder takes its informers itself (one per monitored kind, following the registry). */
  protected register(): void {
    this.graph.register();
  }

  protected override onStop(): void {
    this.graph.stop();
  }

  /** Tests: applies monitor and graph changes and runs both queues until nothing is left. */
  override async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      let n = this.graph.resyncMonitors();
      n += this.graph.processGraphChanges();
      n += await super.drain();
      total += n;
      if (n === 0) return total;
    }
  }

  // ---- API access by identity

  private defOf(apiVersion: string, kind: string): ResourceDef | undefined {
    return this.ctx.registry.byApiVersionKind(apiVersion, kind) ?? this.ctx.registry.byGroupKind(groupOf(apiVersion), kind);
  }

  private getObject(id: Identity): KubeObject | undefined {
    const def = this.defOf(id.apiVersion, id.kind);
    if (!def) throw new UnknownKind(`${id.apiVersion}/${id.kind}`);
    return this.ctx.rest.tryGet(def, def.namespaced ? id.namespace : undefined, id.name)?.obj;
  }

  private clientFor(id: Identity) {
    const def = this.defOf(id.apiVersion, id.kind);
    if (!def) throw new UnknownKind(`${id.apiVersion}/${id.kind}`);
    return { def, client: this.ctx.client.resource(def.group, def.kind), ns: def.namespaced ? id.namespace : undefined };
  }

  private deleteObject(id: Identity, policy: 'Background' | 'Foreground' | 'Orphan'): void {
    const { client, ns } = this.clientFor(id);
    try {
      client.delete(ns, id.name, { propagationPolicy: policy, preconditions: { uid: id.uid } });
    } catch (e) {
      // A namesake replaced it: the one we meant is gone.
      if (isConflict(e)) return;
      throw e;
    }
  }

  /** Changes the live object with `fn` (skipped if it is another object by now). */
  private modify(id: Identity, fn: (o: KubeObject) => void): void {
    const { client, ns } = this.clientFor(id);
    try {
      client.modify(ns, id.name, (o) => {
        if (o.metadata.uid !== id.uid) throw new SkipWrite();
        fn(o);
      });
    } catch (e) {
      if (e instanceof SkipWrite || isNotFound(e)) return;
      throw e;
    }
  }

  private removeFinalizer(node: GraphNode, finalizer: string): void {
    this.modify(node.identity, (o) => {
      const f = (o.metadata.finalizers ?? []).filter((x) => x !== finalizer);
      if (f.length) o.metadata.finalizers = f;
      else delete o.metadata.finalizers;
    });
  }

  private removeOwnerRefs(id: Identity, uids: Set<string>): void {
    this.modify(id, (o) => {
      const refs = (o.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
      if (refs.length) o.metadata.ownerReferences = refs;
      else delete o.metadata.ownerReferences;
    });
  }

  // ---- attemptToDelete

  private attemptToDeleteWorker(uid: string): void {
    const node = this.graph.uidToNode.get(uid);
    if (!node) return;
    let outcome: 'virtual-deleted' | 'done';
    try {
      outcome = this.attemptToDeleteItem(node);
    } catch (e) {
      if (e instanceof UnknownKind) {
        // Kinds Skiff does not serve (e.g. a CRD's) cannot be resolved: leave such references alone.
        if (!this.warned.has(e.message)) {
          this.warned.add(e.message);
          console.error(`garbage collector: cannot resolve kind ${e.message}; references to it are ignored`);
        }
        return;
      }
      throw e;
    }
    if (outcome === 'done' && node.virtual && this.graph.uidToNode.get(uid) === node) {
      // Exists in the API but not observed yet: look again once the informer had its say.
      throw new Requeue();
    }
  }

  /** Upstream attemptToDeleteItem. */
  private attemptToDeleteItem(item: GraphNode): 'virtual-deleted' | 'done' {
    // Being deleted (not in the foreground): wait for the final delete, then handle dependents.
    if (item.beingDeleted && !item.deletingDependents) return 'done';
    const latest = this.getObject(item.identity);
    if (!latest || latest.metadata.uid !== item.identity.uid) {
      this.graph.enqueueVirtualDelete(item.identity);
      return 'virtual-deleted';
    }
    if (item.deletingDependents) {
      this.processDeletingDependentsItem(item);
      return 'done';
    }
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return 'done';
    const { solid, dangling, waiting } = this.classifyReferences(item, refs);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return 'done';
      // Keep the object; drop the references that cannot hold it (or would block a foreground owner).
      this.removeOwnerRefs(item.identity, new Set([...dangling, ...waiting].map((r) => r.uid)));
      return 'done';
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      // An owner waits for us and we have dependents: go in the foreground too.
      for (const dep of item.dependents) {
        if (dep.deletingDependents) {
          // Possible cycle: make our references non-blocking first.
          this.modify(item.identity, (o) => {
            for (const r of o.metadata.ownerReferences ?? []) if (r.blockOwnerDeletion) r.blockOwnerDeletion = false;
          });
          break;
        }
      }
      this.deleteObject(item.identity, 'Foreground');
      return 'done';
    }
    // No solid owner left: garbage. Honour a finalizer the object already carries.
    const policy = hasFinalizer(latest, FINALIZER_ORPHAN) ? 'Orphan' : hasFinalizer(latest, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
    this.deleteObject(item.identity, policy);
    return 'done';
  }

  /**
   * solid: the owner exists and is not waiting for dependents; dangling: the owner does not
   * exist (or is another object by now); waiting: the owner is being deleted in the foreground.
   */
  private classifyReferences(item: GraphNode, refs: OwnerReference[]): { solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] } {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const r = this.isDangling(ref, item);
      if (r.dangling) {
        dangling.push(ref);
        continue;
      }
      const owner = r.owner;
      if (owner && owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_FOREGROUND)) waiting.push(ref);
      else solid.push(ref);
    }
    return { solid, dangling, waiting };
  }

  private isDangling(ref: OwnerReference, item: GraphNode): { dangling: boolean; owner?: KubeObject } {
    if (this.graph.absentOwnerCache.has(ref.uid)) return { dangling: true };
    const def = this.defOf(ref.apiVersion, ref.kind);
    if (!def) {
      // Unknown kind: never treat as dangling (it may exist where we cannot see).
      return { dangling: false };
    }
    if (def.namespaced && !item.identity.namespace) {
      // A cluster-scoped object cannot be owned by a namespaced one: an invalid reference
      // that retries will not fix; keep the object (upstream reports an event).
      return { dangling: false };
    }
    const owner = this.ctx.rest.tryGet(def, def.namespaced ? item.identity.namespace : undefined, ref.name)?.obj;
    if (!owner || owner.metadata.uid !== ref.uid) {
      this.graph.absentOwnerCache.add(ref.uid);
      return { dangling: true };
    }
    return { dangling: false, owner };
  }

  /** Foreground deletion: done when no blocking dependent is left; else push them along. */
  private processDeletingDependentsItem(item: GraphNode): void {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      this.removeFinalizer(item, FINALIZER_FOREGROUND);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.deleteWorker.enqueue(dep.identity.uid);
  }

  // ---- attemptToOrphan

  private attemptToOrphanWorker(uid: string): void {
    const owner = this.graph.uidToNode.get(uid);
    if (!owner) return;
    const uids = new Set([uid]);
    for (const dep of [...owner.dependents]) this.removeOwnerRefs(dep.identity, uids);
    this.removeFinalizer(owner, FINALIZER_ORPHAN);
  }
}

class UnknownKind extends Error {}
class SkipWrite extends Error {}

/** controller-manager entry point: `garbagecollector`. */
export function startGarbageCollector(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new GarbageCollector(ctx));
}
