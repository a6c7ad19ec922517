// Cluster-level objects: Node, Namespace, Lease, PriorityClass, RuntimeClass,
// RBAC bindings, ComponentStatus, admission configuration and APIService.

import { since } from './duration.js';
import { DOC } from './descriptions.js';
import {
  ageColumn,
  column,
  dict,
  int,
  list,
  meta,
  nameColumn,
  sortStrings,
  text,
  view,
  type LabelSelector,
} from './format.js';
import type { Printer } from './types.js';

// ---- Node -----------------------------------------------------------------------

interface Node {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** findNodeRoles: node-role.kubernetes.io/<role> keys plus a non-empty kubernetes.io/role value, sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(dict(labels))) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role.length > 0) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') {
      roles.add(v);
    }
  }
  return sortStrings(roles);
}

function nodeAddress(node: Node, type: string): string {
  const a = list(node.status?.addresses).find((x) => x.type === type);
  return a ? text(a.address) : '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', DOC['NodeSystemInfo.kubeletVersion']),
    column('Internal-IP', 'string', DOC['NodeStatus.addresses'], { priority: 1 }),
    column('External-IP', 'string', DOC['NodeStatus.addresses'], { priority: 1 }),
    column('OS-Image', 'string', DOC['NodeSystemInfo.osImage'], { priority: 1 }),
    column('Kernel-Version', 'string', DOC['NodeSystemInfo.kernelVersion'], { priority: 1 }),
    column('Container-Runtime', 'string', DOC['NodeSystemInfo.containerRuntimeVersion'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const node = view<Node>(obj);
    // Only the Ready condition feeds STATUS; a later duplicate overrides an earlier one.
    let ready: { status?: string } | undefined;
    for (const c of list(node.status?.conditions)) if (c.type === 'Ready') ready = c;
    const status: string[] = [];
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (node.spec?.unschedulable === true) status.push('SchedulingDisabled');
    const info = node.status?.nodeInfo ?? {};
    return [
      text(meta(obj).name),
      status.join(','),
      nodeRoles(meta(obj).labels).join(',') || '<none>',
      since(meta(obj).creationTimestamp, ctx.now),
      text(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      text(info.osImage) || '<unknown>',
      text(info.kernelVersion) || '<unknown>',
      text(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

// ---- Namespace ---------------------------------------------------------------------

export const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells(obj, ctx) {
    const phase = view<{ status?: { phase?: string } }>(obj).status?.phase;
    // An unset phase is defaulted to Active by the v1 API.
    return [text(meta(obj).name), text(phase) || 'Active', since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- Lease ---------------------------------------------------------------------------

export const leasePrinter: Printer = {
  columns: [nameColumn(), column('Holder', 'string', DOC['LeaseSpec.holderIdentity']), ageColumn()],
  cells(obj, ctx) {
    const holder = view<{ spec?: { holderIdentity?: string } }>(obj).spec?.holderIdentity;
    return [text(meta(obj).name), text(holder), since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- PriorityClass / RuntimeClass ---------------------------------------------------------

export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Value', 'integer', DOC['PriorityClass.value']),
    column('Global-Default', 'boolean', DOC['PriorityClass.globalDefault']),
    ageColumn(),
    column('PreemptionPolicy', 'string', DOC['PriorityClass.preemptionPolicy']),
  ],
  cells(obj, ctx) {
    const pc = view<{ value?: number; globalDefault?: boolean; preemptionPolicy?: string }>(obj);
    return [
      text(meta(obj).name),
      int(pc.value),
      pc.globalDefault === true,
      since(meta(obj).creationTimestamp, ctx.now),
      text(pc.preemptionPolicy),
    ];
  },
};

export const runtimeClassPrinter: Printer = {
  // Upstream takes this description from a key ObjectMeta does not have, i.e. "".
  columns: [nameColumn(), column('Handler', 'string', ''), ageColumn()],
  cells(obj, ctx) {
    const handler = view<{ handler?: string }>(obj).handler;
    return [text(meta(obj).name), text(handler), since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- RoleBinding / ClusterRoleBinding --------------------------------------------------------

interface Binding {
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}

/** rbac.SubjectsStrings: users, groups and "namespace/name" service accounts. */
function bindingCells(obj: Record<string, unknown>, now: Date): (string | number | boolean)[] {
  const b = view<Binding>(obj);
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list(b.subjects)) {
    if (s.kind === 'ServiceAccount') sas.push(`${text(s.namespace)}/${text(s.name)}`);
    else if (s.kind === 'User') users.push(text(s.name));
    else if (s.kind === 'Group') groups.push(text(s.name));
  }
  return [
    text(meta(obj).name),
    `${text(b.roleRef?.kind)}/${text(b.roleRef?.name)}`,
    since(meta(obj).creationTimestamp, now),
    users.join(', '),
    groups.join(', '),
    sas.join(', '),
  ];
}

export const roleBindingPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Role', 'string', DOC['RoleBinding.roleRef']),
    ageColumn(),
    column('Users', 'string', 'Users in the roleBinding', { priority: 1 }),
    column('Groups', 'string', 'Groups in the roleBinding', { priority: 1 }),
    column('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', { priority: 1 }),
  ],
  cells: (obj, ctx) => bindingCells(obj, ctx.now),
};

export const clusterRoleBindingPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Role', 'string', DOC['ClusterRoleBinding.roleRef']),
    ageColumn(),
    column('Users', 'string', 'Users in the clusterRoleBinding', { priority: 1 }),
    column('Groups', 'string', 'Groups in the clusterRoleBinding', { priority: 1 }),
    column('ServiceAccounts', 'string', 'ServiceAccounts in the clusterRoleBinding', { priority: 1 }),
  ],
  cells: (obj, ctx) => bindingCells(obj, ctx.now),
};

// ---- ComponentStatus ----------------------------------------------------------------------------

export const componentStatusPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  cells(obj) {
    const conds = list(view<{ conditions?: { type?: string; status?: string; message?: string; error?: string }[] }>(obj).conditions);
    const healthy = conds.find((c) => c.type === 'Healthy');
    const status = healthy ? (healthy.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [text(meta(obj).name), status, text(healthy?.message), text(healthy?.error)];
  },
};

// ---- admissionregistration.k8s.io ------------------------------------------------------------------

const webhookColumns = () => [
  nameColumn(),
  column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'),
  ageColumn(),
];

export const webhookConfigurationPrinter: Printer = {
  columns: webhookColumns(),
  cells(obj, ctx) {
    const hooks = list(view<{ webhooks?: unknown[] }>(obj).webhooks);
    return [text(meta(obj).name), hooks.length, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

export const validatingAdmissionPolicyPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
    column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const spec = view<{ spec?: { validations?: unknown[]; paramKind?: { apiVersion?: string; kind?: string } } }>(obj).spec;
    const pk = spec?.paramKind;
    const paramKind = pk ? `${text(pk.apiVersion)}/${text(pk.kind)}` : '<unset>';
    return [text(meta(obj).name), list(spec?.validations).length, paramKind, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

/** The generated (gogo protobuf) String() of a metav1.LabelSelector, which upstream prints here verbatim. */
function goLabelSelectorString(sel: LabelSelector): string {
  const labels = sortStrings(Object.keys(dict(sel.matchLabels)))
    .map((k) => `${k}: ${text(dict(sel.matchLabels)[k])},`)
    .join('');
  const exprs = list(sel.matchExpressions)
    .map((e) => `LabelSelectorRequirement{Key:${text(e.key)},Operator:${text(e.operator)},Values:[${list(e.values).map(text).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

export const validatingAdmissionPolicyBindingPrinter: Printer = {
  columns: [
    nameColumn(),
    column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const spec = view<{
      spec?: { policyName?: string; paramRef?: { name?: string; namespace?: string; selector?: LabelSelector } };
    }>(obj).spec;
    let paramName = '<unset>';
    const pr = spec?.paramRef;
    if (pr) {
      if (text(pr.name) !== '') {
        // Cluster-scoped params cannot be told apart here, so a missing namespace prints "*".
        paramName = text(pr.namespace) !== '' ? `${text(pr.namespace)}/${text(pr.name)}` : `*/${text(pr.name)}`;
      } else if (pr.selector) {
        paramName = goLabelSelectorString(pr.selector);
      }
    }
    return [text(meta(obj).name), text(spec?.policyName), paramName, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- apiregistration.k8s.io APIService (kube-aggregator's own table) ----------------------------------

interface APIService {
  spec?: { service?: { namespace?: string; name?: string } | null };
  status?: { conditions?: { type?: string; status?: string; reason?: string }[] };
}

export const apiServicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    column('Available', 'string', 'Whether this service is available.'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const svc = view<APIService>(obj);
    const ref = svc.spec?.service;
    const service = ref ? `${text(ref.namespace)}/${text(ref.name)}` : 'Local';
    let available = 'Unknown';
    const cond = list(svc.status?.conditions).find((c) => c.type === 'Available');
    if (cond) {
      if (cond.status === 'True' || text(cond.reason) === '') available = text(cond.status);
      else available = `${text(cond.status)} (${text(cond.reason)})`;
    }
    return [text(meta(obj).name), service, available, since(meta(obj).creationTimestamp, ctx.now)];
  },
};
