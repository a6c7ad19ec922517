/**
 * Facts the client-node models lose and the real OpenAPI has. Keys are `<pkg>.<Type>` (Go package
 * as in io.k8s.api.<pkg>, 'meta' for apimachinery) so one entry covers every version of a type.
 *
 * Patch strategies and merge keys come from the struct tags of k8s.io/api (the same set kubectl
 * compiles in: `strings /usr/bin/kubectl | grep patchStrategy`). List types are the
 * `+listType` markers of the well-known lists; incomplete on purpose — only ones we are sure of.
 */

/** Fields whose Go type is resource.Quantity (client-node types them as plain strings). */
export const QUANTITY_FIELDS: Record<string, readonly string[]> = {
  'core.ResourceRequirements': ['limits', 'requests'],
  'core.VolumeResourceRequirements': ['limits', 'requests'],
  'core.ResourceQuotaSpec': ['hard'],
  'core.ResourceQuotaStatus': ['hard', 'used'],
  'core.LimitRangeItem': ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'],
  'core.NodeStatus': ['capacity', 'allocatable'],
  'core.PersistentVolumeSpec': ['capacity'],
  'core.PersistentVolumeClaimStatus': ['capacity', 'allocatedResources'],
  'core.PodSpec': ['overhead'],
  'core.ContainerStatus': ['allocatedResources'],
  'core.EmptyDirVolumeSource': ['sizeLimit'],
  'core.ResourceFieldSelector': ['divisor'],
  'node.Overhead': ['podFixed'],
  'storage.CSIStorageCapacity': ['capacity', 'maximumVolumeSize'],
  'autoscaling.MetricTarget': ['averageValue', 'value'],
  'autoscaling.MetricValueStatus': ['averageValue', 'value'],
  'resource.DeviceCapacity': ['value'],
  'resource.Counter': ['value'],
  'resource.CapacityRequirements': ['requests'],
  'resource.CapacityRequestPolicy': ['default', 'validValues'],
  'resource.CapacityRequestPolicyRange': ['min', 'max', 'step'],
  'resource.DeviceRequestAllocationResult': ['consumedCapacity'],
  'resource.NamedResourcesAttribute': ['quantity'],
};

/** Named definitions for client-node's `any`, by field; anything else `any` is a RawExtension. */
export const ANY_FIELDS: Record<string, Record<string, string>> = {
  'meta.ManagedFieldsEntry': { fieldsV1: 'FieldsV1' },
  'apiextensions.JSONSchemaProps': {
    default: 'JSON',
    example: 'JSON',
    enum: 'JSON',
    items: 'JSONSchemaPropsOrArray',
    additionalProperties: 'JSONSchemaPropsOrBool',
    additionalItems: 'JSONSchemaPropsOrBool',
    dependencies: 'JSONSchemaPropsOrStringArray',
  },
  'apiextensions.CustomResourceSubresources': { status: 'CustomResourceSubresourceStatus' },
};

export interface ListMeta {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

const merge = (key: string, listMapKeys: string[] = [key]): ListMeta => ({
  patchStrategy: 'merge',
  patchMergeKey: key,
  listType: 'map',
  listMapKeys,
});

const containerLists: Record<string, ListMeta> = {
  env: merge('name'),
  ports: merge('containerPort', ['containerPort', 'protocol']),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
};

export const FIELD_META: Record<string, Record<string, ListMeta>> = {
  'meta.ObjectMeta': {
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    ownerReferences: merge('uid'),
  },
  'core.PodSpec': {
    containers: merge('name'),
    initContainers: merge('name'),
    ephemeralContainers: merge('name'),
    volumes: { ...merge('name'), patchStrategy: 'merge,retainKeys' },
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    schedulingGates: merge('name'),
    resourceClaims: { ...merge('name'), patchStrategy: 'merge,retainKeys' },
  },
  'core.Container': containerLists,
  'core.EphemeralContainer': containerLists,
  'core.ContainerStatus': {
    volumeMounts: merge('mountPath'),
    allocatedResourcesStatus: merge('name'),
  },
  'core.PodStatus': {
    podIPs: merge('ip'),
    hostIPs: merge('ip'),
    resourceClaimStatuses: { ...merge('name'), patchStrategy: 'merge,retainKeys' },
  },
  'core.NodeSpec': { podCIDRs: { patchStrategy: 'merge', listType: 'set' } },
  'core.NodeStatus': { addresses: { patchStrategy: 'merge', patchMergeKey: 'type' } },
  'core.ServiceSpec': { ports: merge('port', ['port', 'protocol']) },
  'core.ServiceAccount': { secrets: merge('name') },
  'storage.CSINodeSpec': { drivers: merge('name') },
  'admissionregistration.MutatingWebhookConfiguration': { webhooks: merge('name') },
  'admissionregistration.ValidatingWebhookConfiguration': { webhooks: merge('name') },
  'admissionregistration.MutatingWebhook': { matchConditions: merge('name') },
  'admissionregistration.ValidatingWebhook': { matchConditions: merge('name') },
  'admissionregistration.ValidatingAdmissionPolicySpec': { matchConditions: merge('name'), variables: { patchStrategy: 'merge', patchMergeKey: 'name' } },
  'admissionregistration.MutatingAdmissionPolicySpec': { matchConditions: merge('name') },
  'resource.ResourceClaimStatus': { reservedFor: merge('uid') },
};

/** Non-list struct fields with a patch strategy. */
export const FIELD_PATCH: Record<string, Record<string, string>> = {
  'apps.DeploymentSpec': { strategy: 'retainKeys' },
  'policy.PodDisruptionBudgetSpec': { selector: 'replace' },
};

/** Structs marked `+structType=atomic` / `+mapType=atomic` that kubectl and SSA treat as a unit. */
export const ATOMIC_STRUCTS = new Set(['meta.LabelSelector', 'meta.OwnerReference']);

export const STANDARD_DESCRIPTIONS = {
  objectMeta: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  listMeta: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

/** Leaf definitions client-node flattens to string/Date/any. */
export const SPECIAL_DEFS: Record<string, { description: string; v2: Record<string, unknown>; v3: Record<string, unknown> }> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    v2: { type: 'string', format: 'date-time' },
    v3: { type: 'string', format: 'date-time' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': {
    description: 'MicroTime is version of Time with microsecond level precision.',
    v2: { type: 'string', format: 'date-time' },
    v3: { type: 'string', format: 'date-time' },
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n<quantity> ::= <signedNumber><suffix>\n\n<suffix> ::= <binarySI> | <decimalExponent> | <decimalSI>\n\n<binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n<decimalSI> ::= m | "" | k | M | G | T | P | E\n\n<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>\n\nNo matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.)',
    v2: { type: 'string' },
    v3: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    v2: { type: 'string', format: 'int-or-string' },
    v3: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description: 'RawExtension is used to hold extensions in external versions.',
    v2: { type: 'object' },
    v3: { type: 'object' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': {
    description:
      "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    v2: { type: 'object' },
    v3: { type: 'object' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    v2: { type: 'object' },
    v3: { type: 'object' },
  },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {
    description:
      'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.',
    v2: {},
    v3: {},
  },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': {
    description:
      'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.',
    v2: {},
    v3: {},
  },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': {
    description: 'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.',
    v2: {},
    v3: {},
  },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': {
    description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.',
    v2: {},
    v3: {},
  },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceStatus': {
    description:
      'CustomResourceSubresourceStatus defines how to serve the status subresource for CustomResources. Status is represented by the `.status` JSON path inside of a CustomResource. When set, * exposes a /status subresource for the custom resource * PUT requests to the /status subresource take a custom resource object, and ignore changes to anything except the status stanza * PUT/POST/PATCH requests to the custom resource ignore changes to the status stanza',
    v2: { type: 'object' },
    v3: { type: 'object' },
  },
};

export const SPECIAL = {
  time: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  microTime: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  rawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  fieldsV1: 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  patch: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  apiextensions: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.',
} as const;
