/**
 * Built-in kinds beyond the workload core, the ones a kind/k3d user meets in a normal week:
 * autoscaling/v1 HPAs (`kubectl autoscale`), policy/v1 PodDisruptionBudgets (`kubectl drain`),
 * RBAC (every operator and Helm chart ships Roles and bindings), admission webhook
 * configurations and PriorityClasses (stored so manifests apply; Skiff does not call webhooks),
 * CustomResourceDefinitions (served by engine/apiserver/crd/), and the storage-less review
 * kinds of authorization.k8s.io and authentication.k8s.io (`kubectl auth can-i`, `auth whoami`;
 * answered by engine/apiserver/authz/).
 */
import type { KubeObject, StatusCause } from '../types.js';
import { isPlainObject } from '../types.js';
import type { ResourceDef } from '../registry.js';
import { invalidValue, required } from '../validation.js';
import { hpaV1ToV2, hpaV2ToV1, type HPAv1, type HorizontalPodAutoscaler } from './autoscaling.js';
import { defaultCRD, validateCRD } from './crd.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

function store(group: string, version: string, kind: string, plural: string, singular: string, namespaced: boolean, more: Partial<ResourceDef> = {}): ResourceDef {
  return { group, version, kind, plural, singular, namespaced, noGeneration: true, ...more };
}

/** HPA objects are stored as autoscaling/v2; v1 reads and writes are converted (annotations carry the rest). */
export function convertHPA(o: KubeObject, toVersion: string): KubeObject {
  const from = o.apiVersion ?? 'autoscaling/v2';
  if (from === `autoscaling/${toVersion}`) return o;
  if (toVersion === 'v1') return hpaV2ToV1(o as HorizontalPodAutoscaler) as KubeObject;
  return hpaV1ToV2(o as HPAv1) as KubeObject;
}

export const HPA_V1: ResourceDef = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  hasStatus: true,
  subresources: ['status'],
  storageVersion: 'v2',
  convert: convertHPA,
  defaults: (o) => {
    const spec = (o.spec = obj(o.spec));
    spec.minReplicas ??= 1;
  },
  validate: (o) => {
    const spec = obj(o.spec);
    return [...required(spec.scaleTargetRef, 'spec.scaleTargetRef'), ...required(spec.maxReplicas, 'spec.maxReplicas')];
  },
};

function validatePDB(o: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const out: StatusCause[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    out.push(invalidValue('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    const v = spec[f];
    if (v === undefined) continue;
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 0)) out.push(invalidValue(`spec.${f}`, v, 'must be greater than or equal to 0'));
    else if (typeof v === 'string' && !/^\d+%$/.test(v)) out.push(invalidValue(`spec.${f}`, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    else if (typeof v === 'string' && Number(v.slice(0, -1)) > 100) out.push(invalidValue(`spec.${f}`, v, 'must not be greater than 100%'));
  }
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') {
    out.push({ reason: 'FieldValueNotSupported', field: 'spec.unhealthyPodEvictionPolicy', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "AlwaysAllow", "IfHealthyBudget"` });
  }
  return out;
}

function validateRules(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const rules = o.rules;
  if (rules === undefined || rules === null) return out;
  if (!Array.isArray(rules)) return [invalidValue('rules', rules, 'must be a list')];
  rules.forEach((r, i) => {
    const rule = obj(r);
    if (!Array.isArray(rule.verbs) || rule.verbs.length === 0) out.push({ reason: 'FieldValueRequired', field: `rules[${i}].verbs`, message: 'Required value: verbs must contain at least one value' });
    const nonResource = Array.isArray(rule.nonResourceURLs) && rule.nonResourceURLs.length > 0;
    const resource = Array.isArray(rule.resources) && rule.resources.length > 0;
    if (nonResource && o.kind === 'Role') out.push(invalidValue(`rules[${i}].nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (!nonResource && !resource) out.push({ reason: 'FieldValueRequired', field: `rules[${i}].resources`, message: 'Required value: resource rules must supply at least one resource' });
    if (resource && (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0)) {
      out.push({ reason: 'FieldValueRequired', field: `rules[${i}].apiGroups`, message: 'Required value: resource rules must supply at least one api group' });
    }
  });
  return out;
}

function validateBinding(o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  const ref = obj(o.roleRef);
  if (!isPlainObject(o.roleRef)) return [{ reason: 'FieldValueRequired', field: 'roleRef', message: 'Required value' }];
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') out.push({ reason: 'FieldValueNotSupported', field: 'roleRef.apiGroup', message: `Unsupported value: ${JSON.stringify(ref.apiGroup ?? '')}: supported values: "rbac.authorization.k8s.io"` });
  const kinds = o.kind === 'RoleBinding' ? ['ClusterRole', 'Role'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind as string)) out.push({ reason: 'FieldValueNotSupported', field: 'roleRef.kind', message: `Unsupported value: ${JSON.stringify(ref.kind ?? '')}: supported values: ${kinds.map((k) => JSON.stringify(k)).join(', ')}` });
  if (!ref.name) out.push({ reason: 'FieldValueRequired', field: 'roleRef.name', message: 'Required value' });
  if (old && JSON.stringify(old.roleRef) !== JSON.stringify(o.roleRef)) {
    out.push(invalidValue('roleRef', o.roleRef, 'cannot change roleRef'));
  }
  const subjects = Array.isArray(o.subjects) ? o.subjects : [];
  subjects.forEach((s, i) => {
    const sub = obj(s);
    if (!['User', 'Group', 'ServiceAccount'].includes(sub.kind as string)) {
      out.push({ reason: 'FieldValueNotSupported', field: `subjects[${i}].kind`, message: `Unsupported value: ${JSON.stringify(sub.kind ?? '')}: supported values: "ServiceAccount", "User", "Group"` });
    }
    if (!sub.name) out.push({ reason: 'FieldValueRequired', field: `subjects[${i}].name`, message: 'Required value' });
    if (sub.kind === 'ServiceAccount' && o.kind === 'ClusterRoleBinding' && !sub.namespace) out.push({ reason: 'FieldValueRequired', field: `subjects[${i}].namespace`, message: 'Required value' });
  });
  return out;
}

function defaultBinding(o: KubeObject): void {
  for (const s of Array.isArray(o.subjects) ? o.subjects : []) {
    if (!isPlainObject(s)) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup ??= '';
    else s.apiGroup ??= 'rbac.authorization.k8s.io';
  }
}

function defaultWebhooks(o: KubeObject): void {
  for (const w of Array.isArray(o.webhooks) ? o.webhooks : []) {
    if (!isPlainObject(w)) continue;
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (o.kind === 'MutatingWebhookConfiguration') w.reinvocationPolicy ??= 'Never';
    const cc = obj(w.clientConfig);
    if (isPlainObject(cc.service)) cc.service.port ??= 443;
    for (const r of Array.isArray(w.rules) ? w.rules : []) if (isPlainObject(r)) r.scope ??= '*';
  }
}

function review(group: string, kind: string, plural: string, namespaced = false): ResourceDef {
  return { group, version: 'v1', kind, plural, singular: kind.toLowerCase(), namespaced, verbs: ['create'], virtual: true, noGeneration: true };
}

export function extraResources(): ResourceDef[] {
  return [
    HPA_V1,
    {
      group: 'policy',
      version: 'v1',
      kind: 'PodDisruptionBudget',
      plural: 'poddisruptionbudgets',
      singular: 'poddisruptionbudget',
      namespaced: true,
      shortNames: ['pdb'],
      hasStatus: true,
      subresources: ['status'],
      validate: validatePDB,
      defaults: (o) => {
        const status = (o.status = obj(o.status));
        status.disruptionsAllowed ??= 0;
        status.currentHealthy ??= 0;
        status.desiredHealthy ??= 0;
        status.expectedPods ??= 0;
      },
    },

    // ---- rbac.authorization.k8s.io
    // RBAC names are path segments (system:aggregate-to-edit), not DNS names.
    store('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', 'clusterrole', false, { validate: validateRules, nameRule: 'path-segment' }),
    store('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', 'clusterrolebinding', false, { validate: validateBinding, defaults: defaultBinding, nameRule: 'path-segment' }),
    store('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', 'role', true, { validate: validateRules, nameRule: 'path-segment' }),
    store('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', 'rolebinding', true, { validate: validateBinding, defaults: defaultBinding, nameRule: 'path-segment' }),

    // ---- admissionregistration, scheduling
    store('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', 'mutatingwebhookconfiguration', false, { categories: ['api-extensions'], defaults: defaultWebhooks }),
    store('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', 'validatingwebhookconfiguration', false, { categories: ['api-extensions'], defaults: defaultWebhooks }),
    store('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', 'priorityclass', false, {
      shortNames: ['pc'],
      defaults: (o) => {
        o.preemptionPolicy ??= 'PreemptLowerPriority';
      },
      validate: (o) => {
        const out = required(o.value, 'value');
        if (o.value !== undefined && (typeof o.value !== 'number' || !Number.isInteger(o.value))) out.push(invalidValue('value', o.value, 'must be an integer'));
        else if (typeof o.value === 'number' && o.value > 1_000_000_000 && !String(o.metadata.name).startsWith('system-')) {
          out.push(invalidValue('value', o.value, 'maximum allowed value of a user defined priority is 1000000000'));
        }
        return out;
      },
    }),

    // ---- apiextensions.k8s.io
    {
      group: 'apiextensions.k8s.io',
      version: 'v1',
      kind: 'CustomResourceDefinition',
      plural: 'customresourcedefinitions',
      singular: 'customresourcedefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      hasStatus: true,
      subresources: ['status'],
      defaults: defaultCRD,
      validate: validateCRD,
    },

    // ---- computed and storage-less kinds
    { group: '', version: 'v1', kind: 'ComponentStatus', plural: 'componentstatuses', singular: 'componentstatus', namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'], virtual: true, noGeneration: true },
    review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
    review('authentication.k8s.io', 'TokenReview', 'tokenreviews'),
    review('authorization.k8s.io', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
    review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
    review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
    review('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
  ];
}
