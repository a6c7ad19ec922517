/**
 * Quota usage over a namespace (upstream pkg/quota/v1: CalculateUsage, Matches and the
 * scope selectors). The lister is the caller's: the admission plugin reads the store, the
 * controller its informer caches — the arithmetic and the evaluators are the same.
 */
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import { evaluatorsFor, type Evaluator, type ScopeRequirement } from './evaluators.js';
import { Accumulator, add, parseList, type ResourceList } from './resources.js';

export * from './evaluators.js';
export * from './resources.js';

/** Objects of one resource in a namespace. */
export type Lister = (group: string, plural: string, namespace: string) => readonly KubeObject[];

export interface QuotaLike extends KubeObject {
  spec?: { hard?: Record<string, unknown>; scopes?: string[]; scopeSelector?: { matchExpressions?: ScopeRequirement[] } };
  status?: { hard?: Record<string, unknown>; used?: Record<string, unknown> };
}

/** spec.scopes (as Exists) and spec.scopeSelector's expressions: all must match (AND). */
export function scopeRequirements(q: QuotaLike): ScopeRequirement[] {
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(q.spec?.scopes) ? q.spec.scopes : []) out.push({ scopeName: String(s), operator: 'Exists' });
  const exprs = q.spec?.scopeSelector?.matchExpressions;
  for (const e of Array.isArray(exprs) ? exprs : []) if (isPlainObject(e)) out.push(e);
  return out;
}

export function hardOf(q: QuotaLike): ResourceList {
  return parseList(q.spec?.hard);
}

/** Whether an object of `evaluator`'s kind is in the quota's scopes. */
export function inScope(evaluator: Evaluator, scopes: ScopeRequirement[], o: KubeObject): boolean {
  return scopes.every((s) => evaluator.matchesScope(s, o));
}

/**
 * The quota's usage: every hard resource some evaluator accounts for, zero when nothing uses
 * it (upstream reports "0" rather than leaving the key out).
 */
export function calculateUsage(q: QuotaLike, list: Lister, now: number): ResourceList {
  const namespace = q.metadata.namespace as string;
  const scopes = scopeRequirements(q);
  let used: ResourceList = new Map();
  for (const { evaluator, names } of evaluatorsFor(hardOf(q).keys())) {
    const acc = new Accumulator();
    for (const n of names) acc.track(n);
    for (const o of list(evaluator.group, evaluator.plural, namespace)) {
      if (scopes.length && !inScope(evaluator, scopes, o)) continue;
      acc.addTracked(cachedUsage(evaluator, o, now));
    }
    used = add(used, acc.result());
  }
  return used;
}

/**
 * Stored objects are never changed in place (an update stores a new object), so an object's
 * usage can be remembered by identity — unless it is being deleted, when time decides it.
 */
const usageCache = new WeakMap<Evaluator, WeakMap<KubeObject, ResourceList>>();

function cachedUsage(evaluator: Evaluator, o: KubeObject, now: number): ResourceList {
  if (o.metadata.deletionTimestamp) return evaluator.usage(o, now);
  let m = usageCache.get(evaluator);
  if (!m) usageCache.set(evaluator, (m = new WeakMap()));
  let u = m.get(o);
  if (!u) m.set(o, (u = evaluator.usage(o, now)));
  return u;
}
