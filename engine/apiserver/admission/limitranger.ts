/**
 * The LimitRanger admission plugin (upstream plugin/pkg/admission/limitranger). For each
 * LimitRange in the namespace, in two passes as upstream's mutating then validating phases:
 *   1. defaults — a pod's containers and init containers that don't name a resource get the
 *      Container item's `defaultRequest` (requests) and `default` (limits); what was set is
 *      recorded in the `kubernetes.io/limit-ranger` annotation;
 *   2. checks — `min`, `max` and `maxLimitRequestRatio` of Container and Pod items against
 *      pods, `min`/`max` storage of PersistentVolumeClaim items against claims.
 * A failed check is a 403 with upstream's wording ("maximum cpu usage per Container is 500m,
 * but limit is 1"). Pods are checked on create only (their resources are immutable), claims on
 * create and update (resize).
 *
 * Namespaces without a LimitRange pay one lookup in an empty (or tiny) store bucket.
 */
import { Quantity } from '../../api/quantity.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { AdmissionContext } from '../rest.js';
import { storagePrefix } from '../../api/registry.js';
import { containerResources, containers, podResources, qosClass, parseList, type ResourceList } from '../../quota/quota.js';
import { admissionForbidden, aggregate } from './forbidden.js';

type Obj = Record<string, unknown>;

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

export interface LimitRangeItem {
  type?: string;
  min?: Record<string, unknown>;
  max?: Record<string, unknown>;
  default?: Record<string, unknown>;
  defaultRequest?: Record<string, unknown>;
  maxLimitRequestRatio?: Record<string, unknown>;
}

function items(lr: KubeObject): LimitRangeItem[] {
  const spec = isPlainObject(lr.spec) ? lr.spec : {};
  return Array.isArray(spec.limits) ? (spec.limits.filter(isPlainObject) as LimitRangeItem[]) : [];
}

function limitRanges(ctx: AdmissionContext, namespace: string): KubeObject[] {
  const def = ctx.rest.registry.lookup('', 'v1', 'limitranges');
  if (!def || ctx.rest.store.count(storagePrefix(def, namespace)) === 0) return [];
  return ctx.rest.list(def, namespace).items.map((e) => e.obj);
}

/** Runs the plugin on one admission call. */
export function admitLimitRanger(obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext): void {
  if (ctx.def.group !== '' || !ctx.def.namespaced) return;
  const isPod = ctx.def.kind === 'Pod' && ctx.op === 'create';
  const isPVC = ctx.def.kind === 'PersistentVolumeClaim' && (ctx.op === 'create' || ctx.op === 'update');
  if (!isPod && !isPVC) return;
  // Upstream skips subresources (status writes); the request's resources are what is checked,
  // so an update that leaves them alone is one of those, or as good as one.
  if (ctx.op === 'update' && old && JSON.stringify(resourcesOf(old)) === JSON.stringify(resourcesOf(obj))) return;
  if (obj.metadata.deletionTimestamp) return;
  const ranges = limitRanges(ctx, obj.metadata.namespace as string);
  if (ranges.length === 0) return;
  if (isPod) for (const lr of ranges) applyPodDefaults(obj, items(lr));
  for (const lr of ranges) {
    const errs = isPod ? validatePod(obj, items(lr)) : validatePVC(obj, items(lr));
    if (errs.length) throw admissionForbidden(obj, ctx, aggregate(errs));
  }
}

function resourcesOf(o: KubeObject): unknown {
  return isPlainObject(o.spec) ? o.spec.resources : undefined;
}

// ---- defaults

/** Applies one LimitRange's Container defaults (mergePodResourceRequirements). */
export function applyPodDefaults(pod: KubeObject, limits: LimitRangeItem[]): void {
  const defRequests: Obj = {};
  const defLimits: Obj = {};
  for (const item of limits) {
    if (item.type !== 'Container') continue;
    Object.assign(defRequests, isPlainObject(item.defaultRequest) ? item.defaultRequest : {});
    Object.assign(defLimits, isPlainObject(item.default) ? item.default : {});
  }
  if (Object.keys(defRequests).length === 0 && Object.keys(defLimits).length === 0) return;
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const notes: string[] = [];
  const merge = (c: Obj, prefix: string) => {
    const res = (isPlainObject(c.resources) ? c.resources : (c.resources = {})) as Obj;
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    for (const [k, v] of Object.entries(defLimits)) {
      const l = (isPlainObject(res.limits) ? res.limits : (res.limits = {})) as Obj;
      if (l[k] === undefined) {
        l[k] = canonical(v);
        setLimits.push(k);
      }
    }
    for (const [k, v] of Object.entries(defRequests)) {
      const r = (isPlainObject(res.requests) ? res.requests : (res.requests = {})) as Obj;
      if (r[k] === undefined) {
        r[k] = canonical(v);
        setRequests.push(k);
      }
    }
    if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${String(c.name)}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${String(c.name)}`);
  };
  for (const c of containers(spec, 'containers')) merge(c, 'container');
  for (const c of containers(spec, 'initContainers')) merge(c, 'init container');
  if (notes.length === 0) return;
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  // Defaults ran before these requests existed: the QoS class may have changed.
  const status = isPlainObject(pod.status) ? pod.status : undefined;
  if (status && status.qosClass !== undefined) status.qosClass = qosClass(pod);
}

function canonical(v: unknown): unknown {
  try {
    return Quantity.parse(v as string).toString();
  } catch {
    return v;
  }
}

// ---- checks (upstream's minConstraint, maxConstraint, maxRequestConstraint, limitRequestRatioConstraint)

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (req.cmp(enforced) < 0) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim && lim.cmp(enforced) < 0) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (lim.cmp(enforced) > 0) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req && req.cmp(enforced) > 0) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  if (!req) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (req.cmp(enforced) > 0) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req || req.isZero()) return `${name} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  if (!lim || lim.isZero()) return `${name} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  // Compared in milli-units, as upstream does when the values fit.
  const ratio = Number(lim.milliValueBig()) / Number(req.milliValueBig());
  if (ratio * 1000 > Number(enforced.milliValueBig())) return `${name} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function sortedEntries(v: unknown): [string, Quantity][] {
  return [...parseList(v)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function check(out: string[], type: string, item: LimitRangeItem, requests: ResourceList, limits: ResourceList): void {
  for (const [k, v] of sortedEntries(item.min)) {
    const e = minConstraint(type, k, v, requests, limits);
    if (e) out.push(e);
  }
  for (const [k, v] of sortedEntries(item.max)) {
    const e = maxConstraint(type, k, v, requests, limits);
    if (e) out.push(e);
  }
  for (const [k, v] of sortedEntries(item.maxLimitRequestRatio)) {
    const e = ratioConstraint(type, k, v, requests, limits);
    if (e) out.push(e);
  }
}

/** One LimitRange's checks against a pod (PodValidateLimitFunc); the error texts. */
export function validatePod(pod: KubeObject, limits: LimitRangeItem[]): string[] {
  const out: string[] = [];
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  for (const item of limits) {
    if (item.type === 'Container') {
      for (const c of [...containers(spec, 'containers'), ...containers(spec, 'initContainers')]) {
        const { requests, limits: lim } = containerResources(c);
        check(out, 'Container', item, requests, lim);
      }
    } else if (item.type === 'Pod') {
      check(out, 'Pod', item, podResources(pod, 'requests'), podResources(pod, 'limits'));
    }
  }
  return out;
}

/** One LimitRange's checks against a claim (PersistentVolumeClaimValidateLimitFunc). */
export function validatePVC(pvc: KubeObject, limits: LimitRangeItem[]): string[] {
  const out: string[] = [];
  const res = isPlainObject(pvc.spec) && isPlainObject(pvc.spec.resources) ? pvc.spec.resources : {};
  const requests = parseList(res.requests);
  for (const item of limits) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of sortedEntries(item.min)) {
      // A claim's limits are not user input: min checks the request only.
      const e = minConstraint('PersistentVolumeClaim', k, v, requests, new Map());
      if (e) out.push(e);
    }
    for (const [k, v] of sortedEntries(item.max)) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, v, requests);
      if (e) out.push(e);
    }
  }
  return out;
}
