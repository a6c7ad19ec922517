/**
 * The ResourceQuota admission plugin (upstream plugin/pkg/admission/resourcequota). On create
 * (and on updates of kinds whose usage can grow: Services, PersistentVolumeClaims) it finds the
 * namespace's quotas that track something the object uses and are in scope for it, checks the
 * evaluator's constraints ("failed quota: q: must specify limits.cpu for: app"), and rejects
 * when used + requested would pass a hard limit:
 *   pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2
 *
 * Upstream compares against status.used (kept by the controller and bumped by admission
 * itself). Skiff's store is in-process and synchronous, so the plugin instead sums the live
 * usage from the store at admission time — exact, with no window where two creates both fit,
 * and enforced the moment the quota exists. The cost is one namespace list per tracked kind,
 * paid only in namespaces that have a quota; everywhere else admission is one lookup in the
 * (usually empty) quota bucket.
 */
import type { Clock } from '../../api/clock.js';
import { storagePrefix, type ResourceDef } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import type { AdmissionContext, Rest } from '../rest.js';
import {
  add,
  calculateUsage,
  evaluatorFor,
  hardOf,
  inScope,
  lessThanOrEqual,
  mask,
  prettyPrint,
  removeZeros,
  scopeRequirements,
  subtractNonNegative,
  type Lister,
  type QuotaLike,
} from '../../quota/quota.js';
import { admissionForbidden } from './forbidden.js';

/** Finds a resource's storage definition by group and plural (any served version). */
export function defByResource(rest: Rest, group: string, plural: string): ResourceDef | undefined {
  const d = rest.registry.all().find((r) => r.group === group && r.plural === plural);
  return d ? rest.registry.storageOf(d) : undefined;
}

/**
 * A lister over the store (what admission sees is what is stored, this instant), remembering
 * its lists for the one admission call it serves (several quotas often track the same kind).
 */
export function storeLister(rest: Rest): Lister {
  const seen = new Map<string, KubeObject[]>();
  return (group, plural, namespace) => {
    const key = `${group}/${plural}/${namespace}`;
    let l = seen.get(key);
    if (!l) {
      const def = defByResource(rest, group, plural);
      seen.set(key, (l = def ? rest.list(def, namespace).items.map((e) => e.obj) : []));
    }
    return l;
  };
}

export function admitResourceQuota(obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext, clock: Clock): void {
  if (ctx.op === 'delete' || !ctx.def.namespaced) return;
  const namespace = obj.metadata.namespace as string;
  const quotaDef = ctx.rest.registry.lookup('', 'v1', 'resourcequotas');
  if (!quotaDef) return;
  // The common case, no quota in the namespace, costs one count over the (tiny) quota bucket.
  if (ctx.rest.store.count(storagePrefix(quotaDef, namespace)) === 0) return;
  const quotas = ctx.rest.list(quotaDef, namespace).items.map((e) => e.obj as QuotaLike);
  const evaluator = evaluatorFor(ctx.def.group, ctx.def.plural);
  if (ctx.op === 'update' && (!evaluator.handlesUpdate || !old)) return;
  if (obj.metadata.deletionTimestamp) return;

  // The quotas that track this object: a matching hard resource and every scope matching.
  const interesting: { quota: QuotaLike; names: string[] }[] = [];
  for (const q of quotas) {
    const names = [...hardOf(q).keys()].filter((n) => evaluator.matches(n));
    if (names.length === 0) continue;
    if (!inScope(evaluator, scopeRequirements(q), obj)) continue;
    if (ctx.op === 'create') {
      const err = evaluator.constraints(names, obj);
      if (err) throw admissionForbidden(obj, ctx, `failed quota: ${q.metadata.name}: ${err}`);
    }
    interesting.push({ quota: q, names });
  }
  if (interesting.length === 0) return;

  const now = clock.now().getTime();
  let delta = evaluator.usage(obj, now);
  // An update is charged only for what it adds (a Service turning NodePort, a bigger claim).
  if (ctx.op === 'update' && old) delta = subtractNonNegative(delta, evaluator.usage(old, now));
  delta = removeZeros(delta);
  if (delta.size === 0) return;

  const lister = storeLister(ctx.rest);
  for (const { quota, names } of interesting) {
    const requested = mask(delta, names);
    if (requested.size === 0) continue;
    const hard = hardOf(quota);
    // Only the resources this request touches need summing.
    const scoped: QuotaLike = { ...quota, spec: { ...quota.spec, hard: Object.fromEntries([...requested.keys()].map((k) => [k, quota.spec?.hard?.[k]])) } };
    const used = calculateUsage(scoped, lister, now);
    const next = add(used, requested);
    const { ok, exceeded } = lessThanOrEqual(mask(next, requested.keys()), hard);
    if (ok) continue;
    throw admissionForbidden(
      obj,
      ctx,
      `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`,
    );
  }
}
