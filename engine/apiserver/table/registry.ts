// group/kind -> printer. Kinds without a printer get what a real cluster gives
// them: built-in API groups use the apiserver's default table convertor
// (NAME, CREATED AT as an RFC3339 string: `kubectl get limitranges`, `get roles`,
// `get crds`), while custom resources get the CRD convertor's default
// NAME, AGE (the implicit .metadata.creationTimestamp printer column).

import * as cluster from './cluster.js';
import * as config from './config.js';
import * as events from './events.js';
import * as network from './network.js';
import * as pods from './pods.js';
import * as storage from './storage.js';
import * as workloads from './workloads.js';
import { humanDuration, parseTime } from './duration.js';
import { DOC } from './descriptions.js';
import { column, meta, nameColumn, text } from './format.js';
import type { Printer } from './types.js';

const PRINTERS = new Map<string, Printer>();

function key(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** Adds or replaces the printer for one kind (e.g. a CRD's printer columns). */
export function registerPrinter(group: string, kind: string, printer: Printer): void {
  PRINTERS.set(key(group, kind), printer);
}

const builtins: [string, string, Printer][] = [
  ['', 'Pod', pods.podPrinter],
  ['', 'PodTemplate', pods.podTemplatePrinter],
  ['', 'Node', cluster.nodePrinter],
  ['', 'Namespace', cluster.namespacePrinter],
  ['', 'ComponentStatus', cluster.componentStatusPrinter],
  ['', 'Service', network.servicePrinter],
  ['', 'Endpoints', network.endpointsPrinter],
  ['', 'ConfigMap', config.configMapPrinter],
  ['', 'Secret', config.secretPrinter],
  ['', 'ServiceAccount', config.serviceAccountPrinter],
  ['', 'ResourceQuota', config.resourceQuotaPrinter],
  ['', 'Event', events.eventPrinter],
  ['', 'PersistentVolume', storage.persistentVolumePrinter],
  ['', 'PersistentVolumeClaim', storage.persistentVolumeClaimPrinter],
  ['', 'ReplicationController', workloads.replicationControllerPrinter],
  ['apps', 'Deployment', workloads.deploymentPrinter],
  ['apps', 'ReplicaSet', workloads.replicaSetPrinter],
  ['apps', 'StatefulSet', workloads.statefulSetPrinter],
  ['apps', 'DaemonSet', workloads.daemonSetPrinter],
  ['apps', 'ControllerRevision', workloads.controllerRevisionPrinter],
  ['batch', 'Job', workloads.jobPrinter],
  ['batch', 'CronJob', workloads.cronJobPrinter],
  ['autoscaling', 'HorizontalPodAutoscaler', workloads.horizontalPodAutoscalerPrinter],
  ['policy', 'PodDisruptionBudget', workloads.podDisruptionBudgetPrinter],
  ['networking.k8s.io', 'Ingress', network.ingressPrinter],
  ['networking.k8s.io', 'IngressClass', network.ingressClassPrinter],
  ['networking.k8s.io', 'NetworkPolicy', network.networkPolicyPrinter],
  ['networking.k8s.io', 'ServiceCIDR', network.serviceCIDRPrinter],
  ['networking.k8s.io', 'IPAddress', network.ipAddressPrinter],
  ['discovery.k8s.io', 'EndpointSlice', network.endpointSlicePrinter],
  ['events.k8s.io', 'Event', events.eventsAPIEventPrinter],
  ['storage.k8s.io', 'StorageClass', storage.storageClassPrinter],
  ['storage.k8s.io', 'VolumeAttachment', storage.volumeAttachmentPrinter],
  ['storage.k8s.io', 'CSIDriver', storage.csiDriverPrinter],
  ['storage.k8s.io', 'CSINode', storage.csiNodePrinter],
  ['storage.k8s.io', 'CSIStorageCapacity', storage.csiStorageCapacityPrinter],
  ['storage.k8s.io', 'VolumeAttributesClass', storage.volumeAttributesClassPrinter],
  ['coordination.k8s.io', 'Lease', cluster.leasePrinter],
  ['scheduling.k8s.io', 'PriorityClass', cluster.priorityClassPrinter],
  ['node.k8s.io', 'RuntimeClass', cluster.runtimeClassPrinter],
  ['rbac.authorization.k8s.io', 'RoleBinding', cluster.roleBindingPrinter],
  ['rbac.authorization.k8s.io', 'ClusterRoleBinding', cluster.clusterRoleBindingPrinter],
  ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration', cluster.webhookConfigurationPrinter],
  ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', cluster.webhookConfigurationPrinter],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy', cluster.validatingAdmissionPolicyPrinter],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding', cluster.validatingAdmissionPolicyBindingPrinter],
  ['apiregistration.k8s.io', 'APIService', cluster.apiServicePrinter],
];
for (const [group, kind, printer] of builtins) registerPrinter(group, kind, printer);

/** API groups served by kube-apiserver itself (or its aggregator / apiextensions parts). */
const BUILTIN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** metav1.Time formatted as Go's time.RFC3339 in UTC (no fractional seconds; the zero time when unset). */
function rfc3339(ts: unknown): string {
  const t = parseTime(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** rest.NewDefaultTableConvertor. */
export const defaultPrinter: Printer = {
  columns: [nameColumn(), column('Created At', 'date', DOC['ObjectMeta.creationTimestamp'])],
  cells: (obj) => [text(meta(obj).name), rfc3339(meta(obj).creationTimestamp)],
};

/** The CRD table convertor with only the defaulted Age column. */
export const customResourcePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Age', 'date', 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp'),
  ],
  cells(obj, ctx) {
    const ts = meta(obj).creationTimestamp;
    // A missing value is a null cell; an unparsable one "<invalid>" (cellForJSONValue).
    if (typeof ts !== 'string') return [text(meta(obj).name), null];
    const t = parseTime(ts);
    return [text(meta(obj).name), t === undefined ? '<invalid>' : humanDuration(ctx.now.getTime() - t)];
  },
};

/** Every group/kind with a dedicated printer. */
export function printedKinds(): { group: string; kind: string }[] {
  return [...PRINTERS.keys()].map((k) => {
    const i = k.lastIndexOf('/');
    return { group: k.slice(0, i), kind: k.slice(i + 1) };
  });
}

/** The printer for a kind; group '' is the core group. */
export function printerFor(group: string, kind: string): Printer {
  return PRINTERS.get(key(group, kind)) ?? (BUILTIN_GROUPS.has(group) ? defaultPrinter : customResourcePrinter);
}
