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
 * Each pass also writes upstream's five deletion conditions (status_condition_utils.go) through
 * the status subresource, so `kubectl describe ns` explains a namespace stuck in Terminating:
 * True with the reason when something is wrong (NamespaceContentRemaining "Some resources are
 * remaining: configmaps. has 1 resource instances", NamespaceFinalizersRemaining…), False with
 * the "ok" wording otherwise. Discovery and group-version parsing cannot fail here (the registry
 * is in-process), so those two are always their False variants.
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
  /** Remaining objects per `resource.group` (core group empty, as upstream prints `configmaps.`). */
  byResource: Map<string, number>;
  /** Remaining objects per finalizer name. */
  byFinalizer: Map<string, number>;
}

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

/** Upstream's condition types, in its order, each with its "ok" (False) reason and message. */
const CONDITION_TYPES: [type: string, okReason: string, okMessage: string][] = [
  ['NamespaceDeletionDiscoveryFailure', 'ResourcesDiscovered', 'All resources successfully discovered'],
  ['NamespaceDeletionGroupVersionParsingFailure', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
  ['NamespaceDeletionContentFailure', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
  ['NamespaceContentRemaining', 'ContentRemoved', 'All content successfully removed'],
  ['NamespaceFinalizersRemaining', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'],
];

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
    this.writeConditions(ns, res);
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

  /** Writes the deletion conditions when they differ from the stored ones (as upstream's Update). */
  private writeConditions(ns: KubeObject, res: ContentResult): void {
    const status = isPlainObject(ns.status) ? ns.status : {};
    const old = Array.isArray(status.conditions) ? (status.conditions as NamespaceCondition[]) : [];
    const next = mergeConditions(old, deletionConditions(res), this.ctx.clock.now());
    if (!next) return;
    try {
      this.ctx.client.resource('', 'Namespace').modify(
        undefined,
        ns.metadata.name as string,
        (o) => {
          if (o.metadata.uid !== ns.metadata.uid) return;
          o.status = { ...(isPlainObject(o.status) ? o.status : {}), conditions: next };
        },
        { status: true },
      );
    } catch (e) {
      // Best effort, as upstream (it logs and carries on): the next pass writes them again.
      if (!isNotFound(e) && !isConflict(e)) throw e;
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
    const res: ContentResult = { remaining: 0, estimateMs: 0, errors: [], byResource: new Map(), byFinalizer: new Map() };
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
        const resource = `${def.plural}.${def.group}`;
        for (const e of rest.list(def, namespace).items) {
          res.remaining++;
          res.byResource.set(resource, (res.byResource.get(resource) ?? 0) + 1);
          for (const f of e.obj.metadata.finalizers ?? []) res.byFinalizer.set(f, (res.byFinalizer.get(f) ?? 0) + 1);
          res.estimateMs = Math.max(res.estimateMs, estimate(e.obj, nowMs));
        }
      } catch (err) {
        res.errors.push(`${def.plural}: ${(err as Error).message}`);
      }
    }
    return res;
  }
}

/** The failing (True) conditions for a pass's result, worded as upstream's condition updater. */
export function deletionConditions(res: ContentResult): Map<string, { reason: string; message: string }> {
  const out = new Map<string, { reason: string; message: string }>();
  if (res.errors.length) {
    const msgs = [...res.errors].sort();
    out.set('NamespaceDeletionContentFailure', {
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    });
  }
  const remaining = [...res.byResource].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`).sort();
  if (remaining.length) {
    out.set('NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` });
  }
  const held = [...res.byFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (held.length) {
    out.set('NamespaceFinalizersRemaining', {
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${held.join(', ')}`,
    });
  }
  return out;
}

/**
 * Upstream's updateConditions: every maintained type is present, True with the failure or False
 * with the ok wording; lastTransitionTime moves only when status, reason or message change.
 * Returns the new list, or undefined when nothing changed.
 */
export function mergeConditions(
  old: NamespaceCondition[],
  failing: Map<string, { reason: string; message: string }>,
  now: Date,
): NamespaceCondition[] | undefined {
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const out = old.map((c) => ({ ...c }));
  let changed = false;
  for (const [type, okReason, okMessage] of CONDITION_TYPES) {
    const bad = failing.get(type);
    const want: NamespaceCondition = bad
      ? { type, status: 'True', lastTransitionTime: time, reason: bad.reason, message: bad.message }
      : { type, status: 'False', lastTransitionTime: time, reason: okReason, message: okMessage };
    const cur = out.find((c) => c.type === type);
    if (!cur) {
      out.push(want);
      changed = true;
    } else if (cur.status !== want.status || cur.reason !== want.reason || cur.message !== want.message) {
      Object.assign(cur, want);
      changed = true;
    }
  }
  return changed ? out : undefined;
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
