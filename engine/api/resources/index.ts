/**
 * Every built-in kind Skiff serves, declared once. Discovery, OpenAPI, Tables, CRUD and the
 * in-process client all read these declarations. Defaults and validation follow the upstream
 * defaulters and validators closely enough for kubectl's round trips; kind-specific behaviour
 * that needs state (ClusterIP allocation, NodePorts) lives in apiserver admission instead.
 */
import type { KubeObject, StatusCause } from '../types.js';
import { isPlainObject } from '../types.js';
import { Registry, type ResourceDef } from '../registry.js';
import { fromLabelSelector, matchesLabels } from '../selectors.js';
import { defaultPodSpec, validatePodSpec } from './podspec.js';
import { invalidValue, nonNegativeInt, required } from '../validation.js';
import { tryParseQuantity } from '../quantity.js';
import { convertHPA, extraResources } from './extra.js';
import { validateCronJobSchedule, validateDeploymentStrategy, validateJobUpdate, validatePodUpdate, validatePVCUpdate, validateSelectorUpdate, validateStatefulSetUpdate } from './update.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Workloads with a pod template: selector required and matching the template's labels. */
function validateTemplated(o: KubeObject, selectorRequired = true): StatusCause[] {
  const spec = obj(o.spec);
  const out: StatusCause[] = [];
  const tmpl = obj(spec.template);
  const sel = spec.selector;
  if (selectorRequired && !isPlainObject(sel)) out.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
  if (isPlainObject(sel)) {
    const s = fromLabelSelector(sel);
    if (s && s.length === 0) out.push(invalidValue('spec.selector', sel, 'empty selector is invalid for deployment'));
    const labels = obj(obj(tmpl.metadata).labels) as Record<string, string>;
    if (s && s.length > 0 && !matchesLabels(s, labels)) {
      const raw = obj(tmpl.metadata).labels;
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${goStringMap(isPlainObject(raw) ? labels : undefined)}: \`selector\` does not match template \`labels\``,
      });
    }
  }
  out.push(...nonNegativeInt(spec.replicas, 'spec.replicas'));
  out.push(...validatePodSpec(tmpl.spec, 'spec.template.spec'));
  return out;
}

/** Job backoffLimitPerIndex / maxFailedIndexes (upstream validateJobSpec, 1.32 wording). */
function validatePerIndex(spec: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const indexed = spec.completionMode === 'Indexed';
  for (const f of ['backoffLimitPerIndex', 'maxFailedIndexes']) {
    if (spec[f] === undefined || spec[f] === null) continue;
    out.push(...nonNegativeInt(spec[f], `spec.${f}`));
    if (!indexed) out.push(invalidValue(`spec.${f}`, spec[f], 'requires indexed completion mode'));
  }
  if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null) {
    if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
      out.push({ reason: 'FieldValueRequired', field: 'spec.backoffLimitPerIndex', message: 'Required value: when maxFailedIndexes is specified' });
    }
    if (typeof spec.completions === 'number' && typeof spec.maxFailedIndexes === 'number' && spec.maxFailedIndexes > spec.completions) {
      out.push(invalidValue('spec.maxFailedIndexes', spec.maxFailedIndexes, 'must be less than or equal to completions'));
    }
  }
  return out;
}

/** Go's %#v of a map[string]string, as upstream's field.Invalid prints label maps: keys sorted. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const pairs = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`);
  return `map[string]string{${pairs.join(', ')}}`;
}

function defaultTemplate(spec: Obj): void {
  const tmpl = obj(spec.template);
  if (isPlainObject(spec.template)) {
    tmpl.metadata ??= {};
    const meta = obj(tmpl.metadata);
    meta.creationTimestamp ??= null;
    if (isPlainObject(tmpl.spec)) defaultPodSpec(tmpl.spec);
  }
}

function podFields(o: KubeObject): Record<string, string | undefined> {
  const spec = obj(o.spec);
  const status = obj(o.status);
  return {
    'spec.nodeName': str(spec.nodeName) ?? '',
    'spec.restartPolicy': str(spec.restartPolicy),
    'spec.schedulerName': str(spec.schedulerName),
    'spec.serviceAccountName': str(spec.serviceAccountName),
    'spec.hostNetwork': String(spec.hostNetwork === true),
    'status.phase': str(status.phase),
    'status.podIP': str(status.podIP),
    'status.nominatedNodeName': str(status.nominatedNodeName),
  };
}

function eventFields(o: KubeObject): Record<string, string | undefined> {
  const io = obj(o.involvedObject);
  const src = obj(o.source);
  return {
    'involvedObject.kind': str(io.kind),
    'involvedObject.namespace': str(io.namespace),
    'involvedObject.name': str(io.name),
    'involvedObject.uid': str(io.uid),
    'involvedObject.apiVersion': str(io.apiVersion),
    'involvedObject.resourceVersion': str(io.resourceVersion),
    'involvedObject.fieldPath': str(io.fieldPath),
    reason: str(o.reason),
    reportingComponent: str(o.reportingComponent),
    source: str(src.component),
    type: str(o.type),
  };
}

const workloadCategories = ['all'];

export function builtinResources(): ResourceDef[] {
  return [
    // ---- core/v1
    {
      group: '',
      version: 'v1',
      kind: 'Namespace',
      plural: 'namespaces',
      singular: 'namespace',
      namespaced: false,
      shortNames: ['ns'],
      hasStatus: true,
      noGeneration: true,
      subresources: ['status', 'finalize'],
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        spec.finalizers ??= ['kubernetes'];
        const status = (o.status = obj(o.status));
        status.phase ??= 'Active';
        o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
      },
      fields: (o) => ({ 'status.phase': str(obj(o.status).phase) }),
    },
    {
      group: '',
      version: 'v1',
      kind: 'Node',
      plural: 'nodes',
      singular: 'node',
      namespaced: false,
      shortNames: ['no'],
      hasStatus: true,
      noGeneration: true,
      subresources: ['status', 'proxy'],
      fields: (o) => ({ 'spec.unschedulable': String(obj(o.spec).unschedulable === true) }),
    },
    {
      group: '',
      version: 'v1',
      kind: 'Pod',
      plural: 'pods',
      singular: 'pod',
      namespaced: true,
      shortNames: ['po'],
      categories: workloadCategories,
      hasStatus: true,
      noGeneration: false,
      subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction', 'proxy', 'ephemeralcontainers'],
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        defaultPodSpec(spec);
        defaultRequestsToLimits(spec);
        spec.serviceAccountName ??= 'default';
        spec.serviceAccount ??= spec.serviceAccountName;
        spec.enableServiceLinks ??= true;
        spec.priority ??= 0;
        spec.preemptionPolicy ??= 'PreemptLowerPriority';
        const tol = Array.isArray(spec.tolerations) ? (spec.tolerations as Obj[]) : [];
        for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
          if (!tol.some((t) => t.key === key)) tol.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
        }
        spec.tolerations = tol;
        const status = (o.status = obj(o.status));
        status.phase ??= 'Pending';
        status.qosClass ??= qosClass(spec);
      },
      validate: (o, old, ctx) => [...validatePodSpec(o.spec, 'spec'), ...(old ? validatePodUpdate(o, old, ctx?.subresource) : [])],
      fields: podFields,
    },
    {
      group: '',
      version: 'v1',
      kind: 'Service',
      plural: 'services',
      singular: 'service',
      namespaced: true,
      shortNames: ['svc'],
      categories: workloadCategories,
      hasStatus: true,
      noGeneration: true,
      subresources: ['status', 'proxy'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        spec.type ??= 'ClusterIP';
        if (spec.type !== 'ExternalName') {
          spec.sessionAffinity ??= 'None';
          spec.internalTrafficPolicy ??= 'Cluster';
          spec.ipFamilyPolicy ??= 'SingleStack';
          spec.ipFamilies ??= ['IPv4'];
        }
        if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
        if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
        const ports = Array.isArray(spec.ports) ? spec.ports : [];
        for (const p of ports) {
          if (!isPlainObject(p)) continue;
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port;
        }
        o.status ??= { loadBalancer: {} };
      },
      validate: (o) => {
        const spec = obj(o.spec);
        const out: StatusCause[] = [];
        const type = spec.type;
        if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type as string)) {
          out.push({ reason: 'FieldValueNotSupported', field: 'spec.type', message: `Unsupported value: ${JSON.stringify(type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"` });
        }
        if (type === 'ExternalName') out.push(...required(spec.externalName, 'spec.externalName'));
        const ports = spec.ports;
        if (type !== 'ExternalName' && spec.clusterIP !== 'None' && (!Array.isArray(ports) || ports.length === 0)) {
          out.push({ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' });
        }
        if (Array.isArray(ports)) {
          const names = new Set<string>();
          ports.forEach((p, i) => {
            if (!isPlainObject(p)) return;
            const n = p.port;
            if (typeof n !== 'number' || n < 1 || n > 65535) out.push(invalidValue(`spec.ports[${i}].port`, n, 'must be between 1 and 65535, inclusive'));
            if (ports.length > 1 && !p.name) out.push({ reason: 'FieldValueRequired', field: `spec.ports[${i}].name`, message: 'Required value' });
            if (typeof p.name === 'string') {
              if (names.has(p.name)) out.push({ reason: 'FieldValueDuplicate', field: `spec.ports[${i}].name`, message: `Duplicate value: "${p.name}"` });
              names.add(p.name);
            }
            if (!['TCP', 'UDP', 'SCTP'].includes(p.protocol as string)) {
              out.push({ reason: 'FieldValueNotSupported', field: `spec.ports[${i}].protocol`, message: `Unsupported value: ${JSON.stringify(p.protocol)}: supported values: "SCTP", "TCP", "UDP"` });
            }
          });
        }
        return out;
      },
      fields: (o) => ({ 'spec.clusterIP': str(obj(o.spec).clusterIP), 'spec.type': str(obj(o.spec).type) }),
    },
    simple('', 'v1', 'Endpoints', 'endpoints', 'endpoints', true, ['ep']),
    {
      ...simple('', 'v1', 'ConfigMap', 'configmaps', 'configmap', true, ['cm']),
      validate: (o) => validateDataKeys(o, ['data', 'binaryData']),
    },
    {
      ...simple('', 'v1', 'Secret', 'secrets', 'secret', true),
      defaults: (o) => {
        o.type ??= 'Opaque';
      },
      validate: (o) => {
        const out = validateDataKeys(o, ['data']);
        const data = obj(o.data);
        for (const [k, v] of Object.entries(data)) {
          if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) out.push(invalidValue(`data[${k}]`, '<redacted>', 'must be base64 encoded'));
        }
        // stringData is a write-only convenience: folded into data by admission.
        return out;
      },
      fields: (o) => ({ type: str(o.type) }),
    },
    {
      ...simple('', 'v1', 'Event', 'events', 'event', true, ['ev']),
      fields: eventFields,
    },
    { ...simple('', 'v1', 'ServiceAccount', 'serviceaccounts', 'serviceaccount', true, ['sa']), subresources: ['token'] },
    { ...simple('', 'v1', 'PersistentVolume', 'persistentvolumes', 'persistentvolume', false, ['pv']), hasStatus: true, subresources: ['status'] },
    {
      ...simple('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', 'persistentvolumeclaim', true, ['pvc']),
      hasStatus: true,
      subresources: ['status'],
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        spec.volumeMode ??= 'Filesystem';
        const status = (o.status = obj(o.status));
        status.phase ??= 'Pending';
      },
      validate: (o, old) => (old ? validatePVCUpdate(o, old) : []),
    },
    {
      ...simple('', 'v1', 'ReplicationController', 'replicationcontrollers', 'replicationcontroller', true, ['rc']),
      categories: workloadCategories,
      hasStatus: true,
      noGeneration: false,
      subresources: ['status', 'scale'],
      scale: {},
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        spec.replicas ??= 1;
        spec.minReadySeconds ??= 0;
        const tmplLabels = obj(obj(obj(spec.template).metadata).labels);
        spec.selector ??= { ...tmplLabels };
        defaultTemplate(spec);
      },
    },
    { ...simple('', 'v1', 'ResourceQuota', 'resourcequotas', 'resourcequota', true, ['quota']), hasStatus: true, subresources: ['status'], validate: validateResourceQuota },
    { ...simple('', 'v1', 'LimitRange', 'limitranges', 'limitrange', true, ['limits']), defaults: defaultLimitRange, validate: validateLimitRange },
    simple('', 'v1', 'PodTemplate', 'podtemplates', 'podtemplate', true),

    // ---- apps/v1
    workload('Deployment', 'deployments', 'deployment', ['deploy'], (spec) => {
      spec.replicas ??= 1;
      const strategy = (spec.strategy = obj(spec.strategy));
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = (strategy.rollingUpdate = obj(strategy.rollingUpdate));
        ru.maxUnavailable ??= '25%';
        ru.maxSurge ??= '25%';
      }
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
    }, validateDeploymentStrategy),
    workload('ReplicaSet', 'replicasets', 'replicaset', ['rs'], (spec) => {
      spec.replicas ??= 1;
    }),
    workload('StatefulSet', 'statefulsets', 'statefulset', ['sts'], (spec) => {
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      const us = (spec.updateStrategy = obj(spec.updateStrategy));
      us.type ??= 'RollingUpdate';
      if (us.type === 'RollingUpdate') {
        const ru = (us.rollingUpdate = obj(us.rollingUpdate));
        ru.partition ??= 0;
      }
      spec.revisionHistoryLimit ??= 10;
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
    }, undefined, validateStatefulSetUpdate),
    {
      ...workload('DaemonSet', 'daemonsets', 'daemonset', ['ds'], (spec) => {
        const us = (spec.updateStrategy = obj(spec.updateStrategy));
        us.type ??= 'RollingUpdate';
        if (us.type === 'RollingUpdate') {
          const ru = (us.rollingUpdate = obj(us.rollingUpdate));
          ru.maxUnavailable ??= 1;
          ru.maxSurge ??= 0;
        }
        spec.revisionHistoryLimit ??= 10;
      }),
      subresources: ['status'],
      scale: undefined,
    },
    { ...simple('apps', 'v1', 'ControllerRevision', 'controllerrevisions', 'controllerrevision', true) },

    // ---- batch/v1
    {
      group: 'batch',
      version: 'v1',
      kind: 'Job',
      plural: 'jobs',
      singular: 'job',
      namespaced: true,
      categories: workloadCategories,
      hasStatus: true,
      subresources: ['status'],
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        // Neither set → one pod to completion; parallelism alone → a work-queue Job (completions unset).
        if (spec.completions === undefined && spec.parallelism === undefined) {
          spec.completions = 1;
          spec.parallelism = 1;
        }
        spec.parallelism ??= 1;
        spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
        // With backoffLimitPerIndex the global limit defaults to MaxInt32 (upstream SetDefaults_Job).
        spec.backoffLimit ??= typeof spec.backoffLimitPerIndex === 'number' ? 2147483647 : 6;
        spec.completionMode ??= 'NonIndexed';
        spec.suspend ??= false;
        spec.manualSelector ??= undefined;
        const tmpl = obj(spec.template);
        if (!spec.selector && o.metadata.uid === undefined) {
          // The controller-uid selector is filled in by admission once the uid is known.
        }
        spec.template = tmpl;
        defaultTemplate(spec);
      },
      validate: (o, old) => {
        const spec = obj(o.spec);
        const out: StatusCause[] = [];
        const tmpl = obj(spec.template);
        out.push(...validatePodSpec(tmpl.spec, 'spec.template.spec'));
        const rp = obj(tmpl.spec).restartPolicy;
        if (rp !== 'Never' && rp !== 'OnFailure') {
          out.push({ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: ${JSON.stringify(rp)}: supported values: "OnFailure", "Never"` });
        }
        out.push(...nonNegativeInt(spec.parallelism, 'spec.parallelism'), ...nonNegativeInt(spec.completions, 'spec.completions'), ...nonNegativeInt(spec.backoffLimit, 'spec.backoffLimit'));
        out.push(...validatePerIndex(spec));
        if (old) out.push(...validateJobUpdate(o, old));
        return out;
      },
      fields: (o) => ({ 'status.successful': String(obj(o.status).succeeded ?? 0) }),
    },
    {
      group: 'batch',
      version: 'v1',
      kind: 'CronJob',
      plural: 'cronjobs',
      singular: 'cronjob',
      namespaced: true,
      shortNames: ['cj'],
      categories: workloadCategories,
      hasStatus: true,
      subresources: ['status'],
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        spec.concurrencyPolicy ??= 'Allow';
        spec.suspend ??= false;
        spec.successfulJobsHistoryLimit ??= 3;
        spec.failedJobsHistoryLimit ??= 1;
        const jt = obj(spec.jobTemplate);
        const jspec = obj(jt.spec);
        if (isPlainObject(jt.spec)) defaultTemplate(jspec);
      },
      validate: (o, old) => {
        const spec = obj(o.spec);
        const out: StatusCause[] = [...required(spec.schedule, 'spec.schedule'), ...validateCronJobSchedule(o, old)];
        out.push(...validatePodSpec(obj(obj(obj(spec.jobTemplate).spec).template).spec, 'spec.jobTemplate.spec.template.spec'));
        return out;
      },
    },

    // ---- autoscaling
    {
      group: 'autoscaling',
      version: 'v2',
      kind: 'HorizontalPodAutoscaler',
      plural: 'horizontalpodautoscalers',
      singular: 'horizontalpodautoscaler',
      namespaced: true,
      shortNames: ['hpa'],
      categories: workloadCategories,
      hasStatus: true,
      subresources: ['status'],
      convert: convertHPA,
      defaults: (o) => {
        const spec = (o.spec = obj(o.spec));
        spec.minReplicas ??= 1;
        // The v2 defaulter: no metrics means 80% average CPU utilization.
        if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
          spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
        }
      },
      validate: (o) => {
        const spec = obj(o.spec);
        return [...required(spec.scaleTargetRef, 'spec.scaleTargetRef'), ...required(spec.maxReplicas, 'spec.maxReplicas')];
      },
    },

    // ---- networking, storage, coordination, events, discovery
    simple('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', 'networkpolicy', true, ['netpol']),
    { ...simple('networking.k8s.io', 'v1', 'Ingress', 'ingresses', 'ingress', true, ['ing']), hasStatus: true, subresources: ['status'] },
    simple('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', 'ingressclass', false),
    simple('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', 'storageclass', false, ['sc']),
    simple('coordination.k8s.io', 'v1', 'Lease', 'leases', 'lease', true),
    {
      ...simple('events.k8s.io', 'v1', 'Event', 'events', 'event', true, ['ev']),
      fields: (o) => {
        const r = obj(o.regarding);
        return {
          'regarding.kind': str(r.kind),
          'regarding.namespace': str(r.namespace),
          'regarding.name': str(r.name),
          'regarding.uid': str(r.uid),
          reason: str(o.reason),
          reportingController: str(o.reportingController),
          type: str(o.type),
        };
      },
    },
    simple('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', 'endpointslice', true),
    ...extraResources(),
  ];
}

function simple(group: string, version: string, kind: string, plural: string, singular: string, namespaced: boolean, shortNames?: string[]): ResourceDef {
  const d: ResourceDef = { group, version, kind, plural, singular, namespaced, noGeneration: true };
  if (shortNames) d.shortNames = shortNames;
  return d;
}

/**
 * An apps/v1 workload. `extra` adds create-and-update checks; `onUpdate` replaces the default
 * update check (the selector is immutable), as StatefulSet's whole-spec rule does.
 */
function workload(
  kind: string,
  plural: string,
  singular: string,
  shortNames: string[],
  specDefaults: (spec: Obj) => void,
  extra?: (o: KubeObject) => StatusCause[],
  onUpdate: (o: KubeObject, old: KubeObject) => StatusCause[] = validateSelectorUpdate,
): ResourceDef {
  return {
    group: 'apps',
    version: 'v1',
    kind,
    plural,
    singular,
    namespaced: true,
    shortNames,
    categories: workloadCategories,
    hasStatus: true,
    subresources: ['status', 'scale'],
    scale: {},
    defaults: (o) => {
      const spec = (o.spec = obj(o.spec));
      specDefaults(spec);
      defaultTemplate(spec);
    },
    validate: (o, old) => [...validateTemplated(o), ...(extra ? extra(o) : []), ...(old ? onUpdate(o, old) : [])],
  };
}

function validateDataKeys(o: KubeObject, fields: string[]): StatusCause[] {
  const out: StatusCause[] = [];
  for (const f of fields) {
    const data = o[f];
    if (data === undefined || data === null) continue;
    if (!isPlainObject(data)) {
      out.push(invalidValue(f, data, 'must be a map'));
      continue;
    }
    for (const k of Object.keys(data)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) {
        out.push(invalidValue(`${f}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
      if (f === 'data' && o.kind === 'ConfigMap' && typeof data[k] !== 'string') out.push(invalidValue(`${f}[${k}]`, data[k], 'must be a string'));
    }
  }
  return out;
}

/**
 * SetDefaults_Pod: a container that sets limits but not requests requests its limits. Pods
 * only (not templates), as upstream, so it runs before LimitRanger's defaults and quota.
 */
function defaultRequestsToLimits(spec: Obj): void {
  for (const field of ['containers', 'initContainers']) {
    const list = spec[field];
    for (const c of Array.isArray(list) ? list : []) {
      if (!isPlainObject(c) || !isPlainObject(c.resources) || !isPlainObject(c.resources.limits)) continue;
      const req = (c.resources.requests = obj(c.resources.requests));
      for (const [k, v] of Object.entries(c.resources.limits)) req[k] ??= v;
    }
  }
}

/**
 * SetDefaults_LimitRangeItem for Container items: default (limit) falls back to max, and
 * defaultRequest to default, then to min.
 */
function defaultLimitRange(o: KubeObject): void {
  const limits = obj(o.spec).limits;
  for (const item of Array.isArray(limits) ? limits : []) {
    if (!isPlainObject(item) || item.type !== 'Container') continue;
    const def = (item.default = obj(item.default));
    const defReq = (item.defaultRequest = obj(item.defaultRequest));
    for (const [k, v] of Object.entries(obj(item.max))) def[k] ??= v;
    for (const [k, v] of Object.entries(def)) defReq[k] ??= v;
    for (const [k, v] of Object.entries(obj(item.min))) defReq[k] ??= v;
    // Empty maps are omitted on the wire (omitempty), as upstream serializes them.
    if (Object.keys(def).length === 0) delete item.default;
    if (Object.keys(defReq).length === 0) delete item.defaultRequest;
  }
}

/** ValidateLimitRange: known types, and min ≤ defaultRequest ≤ default ≤ max per resource. */
function validateLimitRange(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const limits = obj(o.spec).limits;
  (Array.isArray(limits) ? limits : []).forEach((raw, i) => {
    const item = obj(raw);
    const p = `spec.limits[${i}]`;
    const type = item.type;
    if (!type) out.push({ reason: 'FieldValueRequired', field: `${p}.type`, message: 'Required value' });
    if (type === 'Pod') {
      if (Object.keys(obj(item.default)).length) out.push({ reason: 'FieldValueForbidden', field: `${p}.default`, message: "Forbidden: may not be specified when `type` is 'Pod'" });
      if (Object.keys(obj(item.defaultRequest)).length) out.push({ reason: 'FieldValueForbidden', field: `${p}.defaultRequest`, message: "Forbidden: may not be specified when `type` is 'Pod'" });
    }
    const q = (field: string) => {
      const m = new Map<string, NonNullable<ReturnType<typeof tryParseQuantity>>>();
      for (const [k, v] of Object.entries(obj(item[field]))) {
        const parsed = tryParseQuantity(v);
        if (parsed) m.set(k, parsed);
        else out.push(invalidValue(`${p}.${field}[${k}]`, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      }
      return m;
    };
    const [min, max, def, defReq] = [q('min'), q('max'), q('default'), q('defaultRequest')];
    for (const [k, mx] of max) {
      const mn = min.get(k);
      if (mn && mn.cmp(mx) > 0) out.push(invalidValue(`${p}.min[${k}]`, mn.toString(), `min value ${mn} is greater than max value ${mx}`));
    }
    for (const [k, dr] of defReq) {
      const mn = min.get(k);
      const mx = max.get(k);
      const d = def.get(k);
      if (mn && mn.cmp(dr) > 0) out.push(invalidValue(`${p}.defaultRequest[${k}]`, dr.toString(), `min value ${mn} is greater than default request value ${dr}`));
      if (mx && dr.cmp(mx) > 0) out.push(invalidValue(`${p}.defaultRequest[${k}]`, dr.toString(), `default request value ${dr} is greater than max value ${mx}`));
      if (d && dr.cmp(d) > 0) out.push(invalidValue(`${p}.defaultRequest[${k}]`, dr.toString(), `default request value ${dr} is greater than default limit value ${d}`));
    }
    for (const [k, d] of def) {
      const mn = min.get(k);
      const mx = max.get(k);
      if (mn && mn.cmp(d) > 0) out.push(invalidValue(`${p}.default[${k}]`, d.toString(), `min value ${mn} is greater than default value ${d}`));
      if (mx && d.cmp(mx) > 0) out.push(invalidValue(`${p}.default[${k}]`, d.toString(), `default value ${d} is greater than max value ${mx}`));
    }
  });
  return out;
}

const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
/** Quota resources counted in whole objects (upstream's IsIntegerResourceName). */
const INTEGER_QUOTA = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

/** ValidateResourceQuota, the parts kubectl users hit: quantities, integers, known scopes. */
function validateResourceQuota(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = obj(o.spec);
  for (const [k, v] of Object.entries(obj(spec.hard))) {
    const f = `spec.hard[${k}]`;
    const q = tryParseQuantity(v);
    if (!q) out.push(invalidValue(f, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    else if (q.negative) out.push(invalidValue(f, v, 'must be greater than or equal to 0'));
    else if ((INTEGER_QUOTA.has(k) || k.startsWith('count/')) && q.milliValueBig() % 1000n !== 0n) out.push(invalidValue(f, v, 'must be an integer'));
  }
  const scopes = Array.isArray(spec.scopes) ? spec.scopes : [];
  scopes.forEach((sc, i) => {
    if (!QUOTA_SCOPES.includes(sc as string)) out.push(invalidValue(`spec.scopes[${i}]`, sc, 'unsupported scope'));
  });
  return out;
}

function qosClass(spec: Obj): string {
  const cs = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])].filter(isPlainObject);
  let anyReq = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const res = obj(c.resources);
    const req = obj(res.requests);
    const lim = obj(res.limits);
    if (Object.keys(req).length || Object.keys(lim).length) anyReq = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!anyReq) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function buildRegistry(extra: ResourceDef[] = []): Registry {
  const r = new Registry();
  for (const d of builtinResources()) r.add(d);
  // Extra declarations (tests, optional components) that duplicate a built-in keep the built-in.
  for (const d of extra) if (!r.lookup(d.group, d.version, d.plural)) r.add(d);
  return r;
}
