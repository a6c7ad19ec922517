/**
 * The patch metadata strategic merge patch needs, as a small type schema.
 *
 * Upstream reads it by reflection from Go struct tags (`patchStrategy:"merge"
 * patchMergeKey:"name"`). Here each Go struct that matters is a `StructType`: a map from JSON field
 * name to its tags, plus the struct type of the value (or of the list items) so the walk can go
 * deeper. Fields not listed merge the default way: maps key by key, lists replaced whole, which
 * is what an untagged Go field does too (map[string]string, atomic lists such as tolerations,
 * envFrom, endpoint subsets, ingress rules, volumeClaimTemplates, resizePolicy).
 *
 * Transcribed from (kubernetes/api and kubernetes/apimachinery at v1.33):
 *   meta/v1/types.go      ObjectMeta.ownerReferences (merge, uid), ObjectMeta.finalizers (merge)
 *   core/v1/types.go      PodSpec.volumes (merge,retainKeys name), initContainers / containers /
 *                         ephemeralContainers (merge name), imagePullSecrets (merge name),
 *                         hostAliases (merge ip), topologySpreadConstraints (merge topologyKey),
 *                         schedulingGates (merge name), resourceClaims (merge,retainKeys name);
 *                         Container.ports (merge containerPort), env (merge name),
 *                         volumeMounts (merge mountPath), volumeDevices (merge devicePath);
 *                         PodStatus.conditions (merge type), podIPs / hostIPs (merge ip),
 *                         resourceClaimStatuses (merge,retainKeys name);
 *                         ServiceSpec.ports (merge port); ServiceStatus.conditions (merge type);
 *                         NodeSpec.podCIDRs (merge); NodeStatus.conditions / addresses (merge type);
 *                         NamespaceStatus, PersistentVolumeClaimStatus,
 *                         ReplicationControllerStatus, ComponentStatus conditions (merge type);
 *                         ServiceAccount.secrets (merge name)
 *   apps/v1/types.go      DeploymentSpec.strategy (retainKeys); Deployment / ReplicaSet /
 *                         StatefulSet / DaemonSet status conditions (merge type)
 *   batch/v1/types.go     JobStatus.conditions (merge type)
 *   autoscaling/v2        HorizontalPodAutoscalerStatus.conditions (merge type)
 *   policy/v1             PodDisruptionBudgetStatus.conditions (merge type)
 *   storage/v1            CSINodeSpec.drivers (merge name)
 *   admissionregistration/v1  {Mutating,Validating}WebhookConfiguration.webhooks (merge name)
 *   kube-aggregator apiregistration/v1  APIServiceStatus.conditions (merge type)
 */

/** The tags on one field. */
export interface FieldMeta {
  /** Name of the field's struct type (for lists: of the items), when it has tagged fields below. */
  readonly type?: string;
  /** `patchStrategy`: merge (lists by `mergeKey`, or primitives as a set) or replace. */
  readonly strategy?: 'merge' | 'replace';
  /** `patchStrategy` also carries `retainKeys` (only drives patch *creation*; kept for fidelity). */
  readonly retainKeys?: boolean;
  readonly mergeKey?: string;
}

export type StructType = Readonly<Record<string, FieldMeta>>;
export type TypeTable = Readonly<Record<string, StructType>>;

/** Resolved tags for one field, as strategicpatch's LookupPatchMetadata returns them. */
export interface PatchMeta {
  readonly strategy: '' | 'merge' | 'replace';
  readonly retainKeys: boolean;
  readonly mergeKey: string;
  /** The struct the field (or its items) decodes into; undefined when untyped. */
  readonly schema: StructType | undefined;
}

const UNTYPED: PatchMeta = { strategy: '', retainKeys: false, mergeKey: '', schema: undefined };

export function lookupField(table: TypeTable, struct: StructType | undefined, key: string): PatchMeta {
  const f = struct && Object.prototype.hasOwnProperty.call(struct, key) ? struct[key] : undefined;
  if (!f) return UNTYPED;
  return {
    strategy: f.strategy ?? '',
    retainKeys: f.retainKeys ?? false,
    mergeKey: f.mergeKey ?? '',
    schema: f.type !== undefined ? table[f.type] : undefined,
  };
}

const meta = { type: 'ObjectMeta' } as const;
const conditions = { strategy: 'merge', mergeKey: 'type' } as const;
const byName = { strategy: 'merge', mergeKey: 'name' } as const;
const podTemplate = { type: 'PodTemplateSpec' } as const;

/** Go struct types whose fields (or descendants' fields) carry patch tags. */
export const TYPES: TypeTable = {
  // Objects without tagged fields below metadata (ConfigMap, Secret, Role, Ingress, …).
  Object: { metadata: meta },
  ObjectMeta: {
    ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
    finalizers: { strategy: 'merge' },
  },
  // A status whose only tagged field is conditions (merge by type).
  ConditionsStatus: { conditions },

  // core/v1
  Pod: { metadata: meta, spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } },
  PodTemplate: { metadata: meta, template: podTemplate },
  PodTemplateSpec: { metadata: meta, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: { type: 'Volume', strategy: 'merge', retainKeys: true, mergeKey: 'name' },
    initContainers: { type: 'Container', ...byName },
    containers: { type: 'Container', ...byName },
    // EphemeralContainerCommon carries the same tags as Container.
    ephemeralContainers: { type: 'Container', ...byName },
    imagePullSecrets: byName,
    hostAliases: { strategy: 'merge', mergeKey: 'ip' },
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
    schedulingGates: byName,
    resourceClaims: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  },
  Container: {
    ports: { strategy: 'merge', mergeKey: 'containerPort' },
    env: byName,
    volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
    volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
  },
  Volume: { ephemeral: { type: 'EphemeralVolumeSource' } },
  EphemeralVolumeSource: { volumeClaimTemplate: { type: 'Object' } },
  PodStatus: {
    conditions,
    podIPs: { strategy: 'merge', mergeKey: 'ip' },
    hostIPs: { strategy: 'merge', mergeKey: 'ip' },
    resourceClaimStatuses: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  },
  ReplicationController: { metadata: meta, spec: { type: 'ReplicationControllerSpec' }, status: { type: 'ConditionsStatus' } },
  ReplicationControllerSpec: { template: podTemplate },
  Service: { metadata: meta, spec: { type: 'ServiceSpec' }, status: { type: 'ConditionsStatus' } },
  ServiceSpec: { ports: { strategy: 'merge', mergeKey: 'port' } },
  Node: { metadata: meta, spec: { type: 'NodeSpec' }, status: { type: 'NodeStatus' } },
  NodeSpec: { podCIDRs: { strategy: 'merge' } },
  NodeStatus: { conditions, addresses: { strategy: 'merge', mergeKey: 'type' } },
  WithConditionsStatus: { metadata: meta, status: { type: 'ConditionsStatus' } },
  ServiceAccount: { metadata: meta, secrets: byName },
  ComponentStatus: { metadata: meta, conditions },

  // apps/v1
  Deployment: { metadata: meta, spec: { type: 'DeploymentSpec' }, status: { type: 'ConditionsStatus' } },
  DeploymentSpec: { template: podTemplate, strategy: { retainKeys: true } },
  // ReplicaSetSpec, StatefulSetSpec, DaemonSetSpec: only the pod template is tagged below.
  TemplatedWorkload: { metadata: meta, spec: { type: 'TemplatedSpec' }, status: { type: 'ConditionsStatus' } },
  TemplatedSpec: { template: podTemplate },

  // batch/v1
  Job: { metadata: meta, spec: { type: 'JobSpec' }, status: { type: 'ConditionsStatus' } },
  JobSpec: { template: podTemplate },
  CronJob: { metadata: meta, spec: { type: 'CronJobSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  JobTemplateSpec: { metadata: meta, spec: { type: 'JobSpec' } },

  // storage/v1, admissionregistration/v1
  CSINode: { metadata: meta, spec: { type: 'CSINodeSpec' } },
  CSINodeSpec: { drivers: byName },
  WebhookConfiguration: { metadata: meta, webhooks: byName },
};

/**
 * The root type of every built-in kind, by apiVersion then kind. Built-in kinds are exactly the
 * ones the real apiserver accepts strategic merge patch for; anything else (custom resources,
 * aggregated APIs) gets 415.
 */
const ROOTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Pod: 'Pod',
    PodTemplate: 'PodTemplate',
    ReplicationController: 'ReplicationController',
    Service: 'Service',
    Node: 'Node',
    Namespace: 'WithConditionsStatus',
    PersistentVolumeClaim: 'WithConditionsStatus',
    ServiceAccount: 'ServiceAccount',
    ComponentStatus: 'ComponentStatus',
    ConfigMap: 'Object',
    Secret: 'Object',
    Endpoints: 'Object',
    Event: 'Object',
    LimitRange: 'Object',
    ResourceQuota: 'Object',
    PersistentVolume: 'Object',
  },
  'apps/v1': {
    Deployment: 'Deployment',
    ReplicaSet: 'TemplatedWorkload',
    StatefulSet: 'TemplatedWorkload',
    DaemonSet: 'TemplatedWorkload',
    ControllerRevision: 'Object',
  },
  'batch/v1': { Job: 'Job', CronJob: 'CronJob' },
  'autoscaling/v1': { HorizontalPodAutoscaler: 'Object' },
  'autoscaling/v2': { HorizontalPodAutoscaler: 'WithConditionsStatus' },
  'policy/v1': { PodDisruptionBudget: 'WithConditionsStatus' },
  'networking.k8s.io/v1': { Ingress: 'Object', IngressClass: 'Object', NetworkPolicy: 'Object' },
  'rbac.authorization.k8s.io/v1': { Role: 'Object', ClusterRole: 'Object', RoleBinding: 'Object', ClusterRoleBinding: 'Object' },
  'storage.k8s.io/v1': { StorageClass: 'Object', CSIDriver: 'Object', CSINode: 'CSINode', VolumeAttachment: 'Object' },
  'coordination.k8s.io/v1': { Lease: 'Object' },
  'discovery.k8s.io/v1': { EndpointSlice: 'Object' },
  'events.k8s.io/v1': { Event: 'Object' },
  'scheduling.k8s.io/v1': { PriorityClass: 'Object' },
  'node.k8s.io/v1': { RuntimeClass: 'Object' },
  'certificates.k8s.io/v1': { CertificateSigningRequest: 'Object' },
  'admissionregistration.k8s.io/v1': {
    MutatingWebhookConfiguration: 'WebhookConfiguration',
    ValidatingWebhookConfiguration: 'WebhookConfiguration',
    ValidatingAdmissionPolicy: 'Object',
    ValidatingAdmissionPolicyBinding: 'Object',
  },
  'apiextensions.k8s.io/v1': { CustomResourceDefinition: 'Object' },
  'apiregistration.k8s.io/v1': { APIService: 'WithConditionsStatus' },
  'flowcontrol.apiserver.k8s.io/v1': { FlowSchema: 'Object', PriorityLevelConfiguration: 'Object' },
};

/** Name of the root struct type for a kind, or undefined when the kind is not built in. */
export function rootTypeFor(apiVersion: string, kind: string): string | undefined {
  const byKind = Object.prototype.hasOwnProperty.call(ROOTS, apiVersion) ? ROOTS[apiVersion] : undefined;
  return byKind && Object.prototype.hasOwnProperty.call(byKind, kind) ? byKind[kind] : undefined;
}

export function supportsStrategicMerge(apiVersion: string, kind: string): boolean {
  return rootTypeFor(apiVersion, kind) !== undefined;
}

/**
 * The tags in effect at a field path of a kind, e.g. ('apps/v1', 'Deployment',
 * ['spec', 'template', 'spec', 'containers']) → merge by name. List items are stepped over
 * implicitly: the path names fields only. Undefined for kinds without SMP support.
 */
export function patchMetaAt(apiVersion: string, kind: string, path: readonly string[]): PatchMeta | undefined {
  const root = rootTypeFor(apiVersion, kind);
  if (root === undefined) return undefined;
  let struct: StructType | undefined = TYPES[root];
  let found: PatchMeta = { ...UNTYPED, schema: struct };
  for (const key of path) {
    found = lookupField(TYPES, struct, key);
    struct = found.schema;
  }
  return found;
}
