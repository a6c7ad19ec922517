/**
 * Update validation: what may change once an object exists. These follow upstream's
 * Validate*Update functions (pkg/apis/core/validation, pkg/apis/apps/validation,
 * pkg/apis/batch/validation, v1.32) and their messages, so kubectl prints the same errors as
 * against a real cluster. Each check runs only on update (`old` given), after defaulting, and
 * compares semantically (key order, and empty vs missing lists and maps, don't count).
 *
 * Also here: the create-and-update checks of CronJob schedules and Deployment strategies that
 * need more than a field-by-field look.
 */
import type { KubeObject, StatusCause } from '../types.js';
import { isPlainObject } from '../types.js';
import { CronError, isValidTimeZone, parseSchedule } from '../cron.js';
import { invalidValue } from '../validation.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

/** Drops undefined/null and empty lists and maps, sorts keys: apiequality.Semantic's view. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalize) : undefined;
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/** Semantic deep equality (apiequality.Semantic.DeepEqual, without quantity parsing). */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/** ValidateImmutableField: `<field>: Invalid value: <new>: field is immutable`. */
function immutable(newVal: unknown, oldVal: unknown, field: string): StatusCause[] {
  return semanticEqual(newVal, oldVal) ? [] : [invalidValue(field, newVal ?? null, 'field is immutable')];
}

function forbidden(field: string, message: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` };
}

/** A short, cmp.Diff-like listing of the top-level fields that differ (upstream appends one too). */
function specDiff(oldSpec: Obj, newSpec: Obj): string {
  const lines: string[] = [];
  for (const k of [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort()) {
    if (semanticEqual(oldSpec[k], newSpec[k])) continue;
    if (normalize(oldSpec[k]) !== undefined) lines.push(`- \t${k}: ${JSON.stringify(oldSpec[k])}`);
    if (normalize(newSpec[k]) !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(newSpec[k])}`);
  }
  return lines.join('\n');
}

// ---- apps/v1

/** Deployment, ReplicaSet, DaemonSet (apps/v1): the selector never changes. */
export function validateSelectorUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  return immutable(obj(o.spec).selector, obj(old.spec).selector, 'spec.selector');
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** ValidateStatefulSetUpdate: only the listed spec fields may change. */
export function validateStatefulSetUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const a = { ...obj(o.spec) };
  const b = { ...obj(old.spec) };
  for (const k of STS_MUTABLE) {
    delete a[k];
    delete b[k];
  }
  if (semanticEqual(a, b)) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

/** ValidateRollingUpdateDeployment's last rule: both 0 would never make progress. */
export function validateDeploymentStrategy(o: KubeObject): StatusCause[] {
  const strategy = obj(obj(o.spec).strategy);
  if (strategy.type !== 'RollingUpdate' || !isPlainObject(strategy.rollingUpdate)) return [];
  const ru = strategy.rollingUpdate;
  const isZero = (v: unknown) => v === 0 || v === '0%' || v === '0';
  if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
    return [invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0')];
  }
  return [];
}

// ---- core/v1 Pod

/** The list kubectl shows, joined as upstream joins updatablePodSpecFieldsStringArray. */
const POD_UPDATABLE =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * ValidatePodUpdate: a pod's spec is fixed except container images, activeDeadlineSeconds
 * (set, or lowered), added tolerations, and terminationGracePeriodSeconds from negative to 1.
 * nodeName in particular only changes through pods/binding (`subresource === 'binding'`).
 */
export function validatePodUpdate(o: KubeObject, old: KubeObject, subresource?: string): StatusCause[] {
  const spec = obj(o.spec);
  const oldSpec = obj(old.spec);
  const out: StatusCause[] = [];

  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof ads === 'number') {
    if (ads < 0 || ads > 2147483647) return [invalidValue('spec.activeDeadlineSeconds', ads, 'must be between 0 and 2147483647, inclusive')];
    if (typeof oldAds === 'number' && oldAds < ads) return [invalidValue('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value')];
  } else if (typeof oldAds === 'number') {
    out.push(invalidValue('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  // Tolerations: every old one must still be there (tolerationSeconds may change).
  const tolKey = (t: unknown) => JSON.stringify(normalize({ ...obj(t), tolerationSeconds: undefined }));
  const newTols = (Array.isArray(spec.tolerations) ? spec.tolerations : []).map(tolKey);
  for (const t of Array.isArray(oldSpec.tolerations) ? oldSpec.tolerations : []) {
    if (!newTols.includes(tolKey(t))) {
      out.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }

  // Scheduling gates may only be removed; while the pod is gated, its node constraints may
  // still be added to (for queue controllers that pick the placement before ungating).
  const gateNames = (v: unknown) => (Array.isArray(v) ? v.map((g) => String(obj(g).name)) : []);
  const oldGates = gateNames(oldSpec.schedulingGates);
  for (const g of gateNames(spec.schedulingGates)) {
    if (!oldGates.includes(g)) {
      out.push(forbidden('spec.schedulingGates', `only deletion is allowed, but found new scheduling gate '${g}'`));
      break;
    }
  }
  const gated = oldGates.length > 0;

  // The munged copy: the new spec with everything updatable taken from the old one.
  const munged: Obj = { ...spec };
  const takeImages = (field: string) => {
    const cur = spec[field];
    const prev = oldSpec[field];
    if (!Array.isArray(cur) || !Array.isArray(prev) || cur.length !== prev.length) return;
    munged[field] = cur.map((c, i) => (isPlainObject(c) && isPlainObject(prev[i]) ? { ...c, image: prev[i].image } : c));
  };
  takeImages('containers');
  takeImages('initContainers');
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  munged.schedulingGates = oldSpec.schedulingGates;
  if (gated) {
    const oldSel = obj(oldSpec.nodeSelector);
    const sel = obj(spec.nodeSelector);
    // Only additions: every old nodeSelector entry kept as it was.
    if (Object.entries(oldSel).every(([k, v]) => sel[k] === v)) munged.nodeSelector = oldSpec.nodeSelector;
    munged.affinity = { ...obj(spec.affinity), nodeAffinity: obj(oldSpec.affinity).nodeAffinity };
  }
  const tgps = spec.terminationGracePeriodSeconds;
  const oldTgps = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldTgps === 'number' && oldTgps < 0 && tgps === 1) munged.terminationGracePeriodSeconds = oldTgps;
  if (subresource === 'binding' && !oldSpec.nodeName) munged.nodeName = oldSpec.nodeName;
  if (!semanticEqual(munged, oldSpec)) {
    out.push(forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE}\n${specDiff(oldSpec, munged)}`));
  }
  return out;
}

// ---- core/v1 PersistentVolumeClaim

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed except volumeName (set once, by the
 * binder), storageClassName (set once, when a default class appears) and, for bound claims, resources.requests.storage (may only grow) and
 * volumeAttributesClassName.
 */
export function validatePVCUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const oldSpec = obj(old.spec);
  const bound = obj(o.status).phase === 'Bound';
  const a: Obj = { ...spec };
  const b: Obj = { ...oldSpec };
  if (!oldSpec.volumeName) b.volumeName = a.volumeName;
  // Retroactive default StorageClass: a claim without a class may be given one, once.
  if (oldSpec.storageClassName == null && !obj(old.metadata.annotations)['volume.beta.kubernetes.io/storage-class']) b.storageClassName = a.storageClassName;
  const req = (s: Obj) => obj(obj(s.resources).requests);
  if (bound) {
    const res = obj(a.resources);
    a.resources = { ...res, requests: { ...req(a), storage: req(oldSpec).storage } };
    a.volumeAttributesClassName = b.volumeAttributesClassName;
  }
  if (!semanticEqual(a, b)) {
    return [forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(b, a)}`)];
  }
  return [];
}

// ---- batch/v1

/**
 * ValidateJobSpecUpdate: selector, completionMode, podFailurePolicy, backoffLimitPerIndex,
 * managedBy and successPolicy are fixed; completions too, except for Indexed Jobs scaled with
 * completions == parallelism; the template is fixed except the scheduling directives of a
 * suspended Job that never started.
 */
export function validateJobUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const oldSpec = obj(old.spec);
  const out: StatusCause[] = [];
  out.push(...immutable(spec.selector, oldSpec.selector, 'spec.selector'));

  let tmpl: unknown = spec.template;
  const oldTmpl = obj(oldSpec.template);
  const neverStarted = !obj(old.status).startTime;
  if (spec.suspend === true && neverStarted) {
    // Suspended and never started: labels, annotations, nodeSelector, tolerations, nodeAffinity
    // and schedulingGates may change (for queue controllers such as Kueue).
    const t = obj(spec.template);
    const m = obj(t.metadata);
    const s = obj(t.spec);
    const om = obj(oldTmpl.metadata);
    const os = obj(oldTmpl.spec);
    tmpl = {
      ...t,
      metadata: { ...m, labels: om.labels, annotations: om.annotations },
      spec: { ...s, nodeSelector: os.nodeSelector, tolerations: os.tolerations, schedulingGates: os.schedulingGates, affinity: { ...obj(s.affinity), nodeAffinity: obj(os.affinity).nodeAffinity } },
    };
  }
  if (!semanticEqual(tmpl, oldTmpl)) out.push(invalidValue('spec.template', spec.template, 'field is immutable'));

  out.push(...immutable(spec.completionMode, oldSpec.completionMode, 'spec.completionMode'));
  out.push(...immutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, 'spec.podFailurePolicy'));
  out.push(...immutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'));
  out.push(...immutable(spec.managedBy, oldSpec.managedBy, 'spec.managedBy'));
  out.push(...immutable(spec.successPolicy, oldSpec.successPolicy, 'spec.successPolicy'));
  const indexed = spec.completionMode === 'Indexed';
  if (!indexed) out.push(...immutable(spec.completions, oldSpec.completions, 'spec.completions'));
  else if (
    typeof oldSpec.completions === 'number' &&
    typeof spec.completions === 'number' &&
    spec.completions !== oldSpec.completions &&
    spec.completions !== spec.parallelism
  ) {
    out.push(invalidValue('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  return out;
}

/**
 * validateScheduleFormat and validateTimeZone: the schedule must parse (robfig/cron's
 * ParseStandard message), may not carry TZ=/CRON_TZ= (unless the old one already did), and
 * spec.timeZone must name an IANA zone.
 */
export function validateCronJobSchedule(o: KubeObject, old?: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const out: StatusCause[] = [];
  const schedule = spec.schedule;
  if (typeof schedule === 'string' && schedule !== '') {
    // robfig accepts a leading TZ=/CRON_TZ= zone, then parses the rest.
    const tz = /^(CRON_TZ|TZ)=(\S*)\s*/.exec(schedule.trim());
    const rest = tz ? schedule.trim().slice(tz[0].length) : schedule;
    try {
      parseSchedule(rest, tz && isValidTimeZone(tz[2]) ? tz[2] : undefined);
      if (tz && !isValidTimeZone(tz[2])) throw new CronError(`provided bad location ${tz[2]}: unknown time zone ${tz[2]}`);
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      out.push(invalidValue('spec.schedule', schedule, e.message));
    }
    const oldSchedule = obj(old?.spec).schedule;
    const allowTZ = typeof oldSchedule === 'string' && oldSchedule.includes('TZ');
    if (allowTZ && schedule.includes('TZ') && spec.timeZone != null) {
      out.push(invalidValue('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      out.push(invalidValue('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  const zone = spec.timeZone;
  if (typeof zone === 'string') {
    if (zone === '') out.push(invalidValue('spec.timeZone', zone, 'unknown time zone, must be a valid IANA time zone identifier'));
    else {
      if (zone.toLowerCase() === 'local') out.push(invalidValue('spec.timeZone', zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
      else if (!isValidTimeZone(zone)) out.push(invalidValue('spec.timeZone', zone, `unknown time zone ${zone}`));
    }
  }
  return out;
}
