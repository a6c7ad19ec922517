/**
 * The namespace controller (upstream pkg/controller/namespace and its deletion/
 * namespaced_resources_deleter.go). `kubectl delete ns x` only marks the namespace
 * (deletionTimestamp, phase Terminating — rest.ts does that, keeping the `kubernetes` entry of
 * spec.finalizers); this controller then
 *   1. deletes every object of every namespaced kind in it (background propagation);
 *   2. waits until they are all gone — pods with a grace period are removed by their kubelet,
 *      objects with finalizers by whoever owns the finalizer — re-checking after an estimate;
 *   3. removes `kubernetes` from spec.finalizers (the `finalize` subresource's effect), upon
 *      which the API server removes the namespace.
 *
 * Status conditions (NamespaceContentRemaining…) are not written: see the note in the report —
 * an update to a Terminating namespace currently finishes its deletion in rest.ts.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { ResourceDef } from '../../api/registry.js';
import type { Informer } from '../../client/informer.js';
import { Controller, isConflict, isNotFound, parseTime, startDeferred } from '../shared/controller.js';

export const FINALIZER_KUBERNETES = 'kubernetes';

/** Re-check interval while objects with finalizers remain (upstream estimates 15 s; locally we can look sooner). */
const FINALIZER_RECHECK_MS = 1000;

export interface ContentResult {
  /** Objects still present. */
  remaining: number;
  /** When it is worth looking again (ms); 0 when nothing remains. */
  estimateMs: number;
  /** Kinds that failed to delete (message per kind). */
  errors: string[];
}

export class NamespaceController extends Controller {
  private nsInformer!: Informer<KubeObject>;
  private podInformer!: Informer<KubeObject>;

  constructor(ctx: EngineContext) {
    super(ctx, 'namespace-controller');
  }

  protected register(): void {
    this.nsInformer = this.informer('', 'Namespace');
    this.podInformer = this.informer('', 'Pod');
    this.nsInformer.addHandler({
      add: (ns) => this.enqueueIfTerminating(ns),
      update: (_o, ns) => this.enqueueIfTerminating(ns),
    });
    // The last pods of a terminating namespace disappear when their kubelet is done: look then.
    this.podInformer.addHandler({
      delete: (p) => {
        const ns = this.nsInformer.get(undefined, p.metadata.namespace as string);
        if (ns?.metadata.deletionTimestamp) this.worker.enqueue(ns.metadata.name as string);
      },
    });
  }

  private enqueueIfTerminating(ns: KubeObject): void {
    if (ns.metadata.deletionTimestamp) this.worker.enqueue(ns.metadata.name as string);
  }

  sync(name: string): void {
    const cached = this.nsInformer.get(undefined, name);
    if (!cached || !cached.metadata.deletionTimestamp) return;
    const nsClient = this.ctx.client.resource('', 'Namespace');
    const ns = nsClient.get(undefined, name);
    if (!ns || ns.metadata.uid !== cached.metadata.uid || !ns.metadata.deletionTimestamp) return;
    if (!specFinalizers(ns).includes(FINALIZER_KUBERNETES)) return;
    const res = this.deleteAllContent(name);
    if (res.errors.length) throw new Error(`namespace ${name}: ${res.errors.join('; ')}`);
    if (res.remaining > 0) {
      this.worker.queue.addAfter(name, res.estimateMs);
      return;
    }
    // Everything is gone: finalize (remove our entry of spec.finalizers).
    try {
      nsClient.modify(undefined, name, (o) => {
        if (o.metadata.uid !== ns.metadata.uid) return;
        const spec = isPlainObject(o.spec) ? o.spec : (o.spec = {});
        spec.finalizers = specFinalizers(o).filter((f) => f !== FINALIZER_KUBERNETES);
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /** Namespaced kinds whose objects a namespace holds (one per storage). */
  namespacedKinds(): ResourceDef[] {
    const seen = new Set<string>();
    const out: ResourceDef[] = [];
    for (const def of this.ctx.registry.all()) {
      if (!def.namespaced) continue;
      const verbs = def.verbs ?? ['list', 'delete'];
      if (!verbs.includes('list') || !verbs.includes('delete')) continue;
      const key = `${def.group}/${def.plural}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(def);
    }
    return out;
  }

  /** Deletes everything in the namespace; reports what is left and when to look again. */
  deleteAllContent(namespace: string): ContentResult {
    const rest = this.ctx.rest;
    const nowMs = this.ctx.clock.now().getTime();
    const res: ContentResult = { remaining: 0, estimateMs: 0, errors: [] };
    for (const def of this.namespacedKinds()) {
      try {
        for (const e of rest.list(def, namespace).items) {
          if (e.obj.metadata.deletionTimestamp) continue;
          try {
            rest.delete(def, namespace, e.obj.metadata.name as string, { propagationPolicy: 'Background' });
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }
        for (const e of rest.list(def, namespace).items) {
          res.remaining++;
          res.estimateMs = Math.max(res.estimateMs, estimate(e.obj, nowMs));
        }
      } catch (err) {
        res.errors.push(`${def.plural}: ${(err as Error).message}`);
      }
    }
    return res;
  }
}

function specFinalizers(ns: KubeObject): string[] {
  const spec = isPlainObject(ns.spec) ? ns.spec : {};
  return Array.isArray(spec.finalizers) ? spec.finalizers.filter((f): f is string => typeof f === 'string') : [];
}

/**
 * How long until a remaining object may be gone: a terminating pod's grace period end (upstream
 * estimateGracefulTermination), else a short re-check for finalizers.
 */
function estimate(o: KubeObject, nowMs: number): number {
  if (o.kind === 'Pod' && o.metadata.deletionTimestamp) {
    const end = parseTime(o.metadata.deletionTimestamp);
    if (end !== undefined && end > nowMs) return Math.min(end - nowMs + 1000, 60_000);
  }
  return FINALIZER_RECHECK_MS;
}

/** controller-manager entry point: `namespace`. */
export function startNamespaceController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new NamespaceController(ctx));
}
