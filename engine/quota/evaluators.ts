/**
 * Quota evaluators (upstream pkg/quota/v1/evaluator/core and pkg/quota/v1/generic): for one
 * kind, which quota resource names it accounts for, what one object uses, which quota scopes
 * it matches and which constraints it must meet. The ResourceQuota admission plugin and the
 * resourcequota controller both read usage through these — one definition of "usage".
 *
 *   pods                     pods, count/pods, cpu|memory|ephemeral-storage (= requests.*),
 *                            requests.*, limits.*, hugepages-*, requests.<extended>
 *   services                 services, count/services, services.nodeports, services.loadbalancers
 *   persistentvolumeclaims   persistentvolumeclaims, requests.storage, count/…, and the
 *                            <class>.storageclass.storage.k8s.io/{requests.storage,persistentvolumeclaims} pair
 *   everything else          count/<resource>[.<group>] (and the legacy names configmaps,
 *                            secrets, replicationcontrollers, resourcequotas)
 *
 * Scopes (Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass,
 * CrossNamespacePodAffinity) only apply to pods; a scoped quota matches no other kind.
 */
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import { Quantity } from '../api/quantity.js';
import { add, max, parseList, type ResourceList } from './resources.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

const ONE = Quantity.parse('1');

export interface ScopeRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface Evaluator {
  group: string;
  plural: string;
  /** Whether this evaluator accounts for the quota resource `name`. */
  matches(name: string): boolean;
  /** What `o` uses. `now` (ms) decides whether a terminating pod still counts. */
  usage(o: KubeObject, now: number): ResourceList;
  /** Whether `o` is in a quota scope; kinds without scopes match none. */
  matchesScope(scope: ScopeRequirement, o: KubeObject): boolean;
  /** An error text when `o` fails the quota's constraints for the `required` resources. */
  constraints(required: string[], o: KubeObject): string | undefined;
  /** Whether updates can change usage (pods: no, upstream charges only on create). */
  handlesUpdate: boolean;
}

/** count/<resource> for core, count/<resource>.<group> otherwise (ObjectCountQuotaResourceNameFor). */
export function objectCountName(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

/** The (group, plural) a count/… name counts; undefined for other names. */
export function parseObjectCountName(name: string): { group: string; plural: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', plural: rest } : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
}

// ---- pods

const POD_RESOURCES = new Set([
  'pods',
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);

/** Resources whose absence from a container fails the quota (upstream's validationSet). */
const POD_VALIDATION = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const NATIVE = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods']);

function isExtendedResource(name: string): boolean {
  return !NATIVE.has(name) && !name.startsWith('hugepages-') && !name.startsWith('requests.') && !name.startsWith('limits.') && name.includes('/') && !name.startsWith('kubernetes.io/');
}

export function containers(spec: Obj, field: 'containers' | 'initContainers'): Obj[] {
  const l = spec[field];
  return Array.isArray(l) ? l.filter(isPlainObject) : [];
}

export function containerResources(c: Obj): { requests: ResourceList; limits: ResourceList } {
  const r = obj(c.resources);
  return { requests: parseList(r.requests), limits: parseList(r.limits) };
}

/** Pod requests or limits: the containers' sum, at least any one init container, plus overhead. */
export function podResources(o: KubeObject, which: 'requests' | 'limits'): ResourceList {
  const spec = obj(o.spec);
  let sum: ResourceList = new Map();
  for (const c of containers(spec, 'containers')) sum = add(sum, containerResources(c)[which]);
  for (const c of containers(spec, 'initContainers')) sum = max(sum, containerResources(c)[which]);
  if (isPlainObject(spec.overhead)) {
    const overhead = parseList(spec.overhead);
    // Overhead only adds to resources the pod already names (as upstream's PodRequests/PodLimits).
    for (const [k, v] of overhead) {
      const cur = sum.get(k);
      if (cur || which === 'requests') sum.set(k, cur ? cur.add(v) : v);
    }
  }
  return sum;
}

/** The usage a pod's (or a container's) requests and limits amount to (podComputeUsageHelper). */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith('hugepages-')) {
      out.set(r, q);
      out.set(`requests.${r}`, q);
    } else if (isExtendedResource(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

/** Upstream QOS: BestEffort when no container requests or limits cpu/memory above zero. */
export function qosClass(o: KubeObject): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const spec = obj(o.spec);
  const all = [...containers(spec, 'containers'), ...containers(spec, 'initContainers')];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const { requests, limits } = containerResources(c);
    for (const r of ['cpu', 'memory']) {
      const req = requests.get(r);
      const lim = limits.get(r);
      if ((req && !req.isZero()) || (lim && !lim.isZero())) any = true;
      if (!lim || lim.isZero() || (req && req.cmp(lim) !== 0)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed && all.length > 0 ? 'Guaranteed' : 'Burstable';
}

function isTerminating(o: KubeObject): boolean {
  const ads = obj(o.spec).activeDeadlineSeconds;
  return typeof ads === 'number' && ads >= 0;
}

/** Whether a pod still counts against compute quota (QuotaV1Pod). */
export function podCounts(o: KubeObject, now: number): boolean {
  const phase = obj(o.status).phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  // A pod stuck terminating past its grace period (e.g. a lost node) no longer charges.
  const dt = o.metadata.deletionTimestamp;
  const grace = o.metadata.deletionGracePeriodSeconds;
  if (dt && typeof grace === 'number') {
    const t = Date.parse(dt);
    if (!Number.isNaN(t) && now > t + grace * 1000) return false;
  }
  return true;
}

function usesCrossNamespaceAffinity(o: KubeObject): boolean {
  const aff = obj(obj(o.spec).affinity);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = obj(aff[kind]);
    const terms = [
      ...(Array.isArray(a.requiredDuringSchedulingIgnoredDuringExecution) ? a.requiredDuringSchedulingIgnoredDuringExecution : []),
      ...(Array.isArray(a.preferredDuringSchedulingIgnoredDuringExecution) ? a.preferredDuringSchedulingIgnoredDuringExecution.map((w: unknown) => obj(w).podAffinityTerm) : []),
    ].map(obj);
    if (terms.some((t) => (Array.isArray(t.namespaces) && t.namespaces.length > 0) || t.namespaceSelector !== undefined)) return true;
  }
  return false;
}

function matchValues(req: ScopeRequirement, value: string): boolean {
  switch (req.operator) {
    case 'In':
      return (req.values ?? []).includes(value);
    case 'NotIn':
      return !(req.values ?? []).includes(value);
    case 'Exists':
      return true;
    case 'DoesNotExist':
      return false;
  }
  return false;
}

export const podEvaluator: Evaluator = {
  group: '',
  plural: 'pods',
  handlesUpdate: false,
  matches(name) {
    return POD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-') || (name.startsWith('requests.') && isExtendedResource(name.slice('requests.'.length)));
  },
  usage(o, now) {
    // count/pods tracks every pod in storage; everything else only live ones.
    const out: ResourceList = new Map([['count/pods', ONE]]);
    if (!podCounts(o, now)) return out;
    for (const [k, v] of computeUsage(podResources(o, 'requests'), podResources(o, 'limits'))) out.set(k, v);
    return out;
  },
  matchesScope(scope, o) {
    switch (scope.scopeName) {
      case 'Terminating':
        return isTerminating(o);
      case 'NotTerminating':
        return !isTerminating(o);
      case 'BestEffort':
        return qosClass(o) === 'BestEffort';
      case 'NotBestEffort':
        return qosClass(o) !== 'BestEffort';
      case 'PriorityClass': {
        const cls = typeof obj(o.spec).priorityClassName === 'string' ? (obj(o.spec).priorityClassName as string) : '';
        if (scope.operator === 'Exists') return cls !== '';
        if (scope.operator === 'DoesNotExist') return cls === '';
        return matchValues(scope, cls);
      }
      case 'CrossNamespacePodAffinity':
        return usesCrossNamespaceAffinity(o);
    }
    return false;
  },
  constraints(required, o) {
    // Backward compatibility upstream keeps: a quota on cpu/memory needs every container to say.
    const want = required.filter((r) => POD_VALIDATION.has(r));
    if (want.length === 0) return undefined;
    const missing = new Map<string, Set<string>>();
    const spec = obj(o.spec);
    for (const c of [...containers(spec, 'containers'), ...containers(spec, 'initContainers')]) {
      const { requests, limits } = containerResources(c);
      const has = computeUsage(requests, limits);
      for (const r of want) {
        if (has.has(r)) continue;
        let s = missing.get(r);
        if (!s) missing.set(r, (s = new Set()));
        s.add(String(c.name));
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...(missing.get(r) as Set<string>)].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

// ---- services

const SERVICE_RESOURCES = new Set(['services', 'count/services', 'services.nodeports', 'services.loadbalancers']);

export const serviceEvaluator: Evaluator = {
  group: '',
  plural: 'services',
  handlesUpdate: true,
  matches: (name) => SERVICE_RESOURCES.has(name),
  usage(o) {
    const spec = obj(o.spec);
    const ports = Array.isArray(spec.ports) ? spec.ports.length : 0;
    const zero = Quantity.parse('0');
    const out: ResourceList = new Map([
      ['count/services', ONE],
      ['services', ONE],
      ['services.loadbalancers', zero],
      ['services.nodeports', zero],
    ]);
    if (spec.type === 'NodePort') out.set('services.nodeports', Quantity.fromInt(ports));
    if (spec.type === 'LoadBalancer') {
      if (spec.allocateLoadBalancerNodePorts !== false) out.set('services.nodeports', Quantity.fromInt(ports));
      out.set('services.loadbalancers', ONE);
    }
    return out;
  },
  matchesScope: () => false,
  constraints: () => undefined,
};

// ---- persistent volume claims

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

function pvcClass(o: KubeObject): string {
  const spec = obj(o.spec);
  if (typeof spec.storageClassName === 'string') return spec.storageClassName;
  const ann = o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  return ann ?? '';
}

export const pvcEvaluator: Evaluator = {
  group: '',
  plural: 'persistentvolumeclaims',
  handlesUpdate: true,
  matches(name) {
    return (
      name === 'persistentvolumeclaims' ||
      name === 'count/persistentvolumeclaims' ||
      name === 'requests.storage' ||
      (name.includes(STORAGE_CLASS_SUFFIX) && (name.endsWith('/requests.storage') || name.endsWith('/persistentvolumeclaims')))
    );
  },
  usage(o) {
    const out: ResourceList = new Map([
      ['persistentvolumeclaims', ONE],
      ['count/persistentvolumeclaims', ONE],
    ]);
    const cls = pvcClass(o);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
    // A resize charges the larger of what is asked and what is already allocated.
    const asked = parseList(obj(obj(obj(o.spec).resources).requests)).get('storage');
    const allocated = parseList(obj(obj(o.status).allocatedResources)).get('storage');
    const storage = asked && allocated ? (allocated.cmp(asked) > 0 ? allocated : asked) : (asked ?? allocated);
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  },
  matchesScope: () => false,
  constraints: () => undefined,
};

// ---- object counts

const LEGACY_COUNT: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

const countEvaluators = new Map<string, Evaluator>();

/** The generic evaluator that counts objects of one resource (ObjectCountEvaluator). */
export function objectCountEvaluator(group: string, plural: string): Evaluator {
  const key = `${plural}.${group}`;
  let e = countEvaluators.get(key);
  if (e) return e;
  const countName = objectCountName(group, plural);
  const legacy = group === '' ? LEGACY_COUNT[plural] : undefined;
  e = {
    group,
    plural,
    handlesUpdate: false,
    matches: (name) => name === countName || (legacy !== undefined && name === legacy),
    usage() {
      const out: ResourceList = new Map([[countName, ONE]]);
      if (legacy) out.set(legacy, ONE);
      return out;
    },
    matchesScope: () => false,
    constraints: () => undefined,
  };
  countEvaluators.set(key, e);
  return e;
}

/** The evaluator of a resource (group, plural). */
export function evaluatorFor(group: string, plural: string): Evaluator {
  if (group === '' && plural === 'pods') return podEvaluator;
  if (group === '' && plural === 'services') return serviceEvaluator;
  if (group === '' && plural === 'persistentvolumeclaims') return pvcEvaluator;
  return objectCountEvaluator(group, plural);
}

/** The evaluators a quota's hard resource names need, each with the names it accounts for. */
export function evaluatorsFor(names: Iterable<string>): { evaluator: Evaluator; names: string[] }[] {
  const out = new Map<Evaluator, string[]>();
  for (const name of names) {
    let e: Evaluator | undefined;
    for (const cand of [podEvaluator, serviceEvaluator, pvcEvaluator]) if (cand.matches(name)) e = cand;
    if (!e) {
      const legacy = Object.keys(LEGACY_COUNT).find((p) => LEGACY_COUNT[p] === name);
      const c = legacy ? { group: '', plural: legacy } : parseObjectCountName(name);
      if (c) e = evaluatorFor(c.group, c.plural);
    }
    if (!e) continue; // unknown names are tracked by nothing (upstream: usage stays unset)
    const l = out.get(e) ?? [];
    l.push(name);
    out.set(e, l);
  }
  return [...out].map(([evaluator, n]) => ({ evaluator, names: n }));
}
