/**
 * Authorization: members of system:masters (the kubeconfig's admin) may do anything; everyone
 * else — service accounts presenting tokens, users reached through impersonation — is judged
 * by RBAC (plugin/pkg/auth/authorizer/rbac): the rules of the Roles and ClusterRoles bound to
 * the user, its groups, or its service account by RoleBindings (in the request's namespace) and
 * ClusterRoleBindings. ClusterRoles with an aggregationRule also carry the rules of the
 * ClusterRoles their selectors pick (what upstream's aggregation controller copies in).
 *
 * The bootstrap policy (the roles every cluster has: cluster-admin, admin, edit, view,
 * system:discovery, system:basic-user, system:public-info-viewer and their bindings) is
 * created on start when missing, as kube-apiserver's rbac/bootstrap-roles hook does.
 */
import type { Registry, ResourceDef } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import { fromLabelSelector, matchesLabels, type LabelSelectorObject } from '../../api/selectors.js';
import type { Rest } from '../rest.js';
import { INTERNAL } from '../rest.js';
import { AUTHENTICATED, isSuperuser, parseServiceAccountUser, UNAUTHENTICATED, type UserInfo } from './user.js';

/** What a request asks to do (authorizer.Attributes). */
export interface Attributes {
  verb: string;
  /** Resource requests name a resource; the rest are paths (/version, /metrics…). */
  resourceRequest: boolean;
  namespace?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  path?: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const RBAC = 'rbac.authorization.k8s.io';

function rulesOf(o: KubeObject | undefined): PolicyRule[] {
  if (!o || !Array.isArray(o.rules)) return [];
  return o.rules.filter((r): r is PolicyRule => isPlainObject(r) && Array.isArray(r.verbs)) as PolicyRule[];
}

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

/** rbac.RuleAllows. */
export function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (!has(r.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    const path = a.path ?? '';
    return (r.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
  }
  if (!has(r.apiGroups, a.group ?? '')) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const resources = r.resources ?? [];
  const resOk = resources.some((x) => x === '*' || x === res || (a.subresource && (x === `*/${a.subresource}` || x === `${a.resource}/*`)));
  if (!resOk) return false;
  if (r.resourceNames?.length) return !!a.name && r.resourceNames.includes(a.name);
  return true;
}

function subjectMatches(s: unknown, user: UserInfo, bindingNamespace: string | undefined): boolean {
  if (!isPlainObject(s)) return false;
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return typeof s.name === 'string' && user.groups.includes(s.name);
    case 'ServiceAccount': {
      const sa = parseServiceAccountUser(user.username);
      const ns = typeof s.namespace === 'string' && s.namespace ? s.namespace : bindingNamespace;
      return !!sa && sa[0] === ns && sa[1] === s.name;
    }
  }
  return false;
}

function describeSubject(user: UserInfo): string {
  const sa = parseServiceAccountUser(user.username);
  return sa ? `ServiceAccount "${sa[1]}/${sa[0]}"` : `User "${user.username}"`;
}

/** The upstream 403 text: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`. */
export function forbiddenMessage(user: UserInfo, a: Attributes, why = ''): string {
  const suffix = why ? `: ${why}` : '';
  if (!a.resourceRequest) return `forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"${suffix}`;
  const gr = a.group ? `${a.resource}.${a.group}` : (a.resource ?? '');
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = a.name ? `${gr} "${a.name}"` : gr;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group ?? ''}" ${scope}${suffix}`;
}

export class Authorizer {
  constructor(
    private readonly rest: Rest,
    private readonly registry: Registry,
  ) {}

  private def(kind: string): ResourceDef | undefined {
    return this.registry.byGroupKind(RBAC, kind);
  }

  private list(kind: string, namespace?: string): KubeObject[] {
    const d = this.def(kind);
    if (!d) return [];
    return this.rest.list(d, namespace).items.map((e) => e.obj);
  }

  private get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const d = this.def(kind);
    return d ? this.rest.tryGet(d, namespace, name)?.obj : undefined;
  }

  /** A ClusterRole's rules, aggregated ones included (recursively: admin picks edit picks view). */
  private clusterRoleRules(name: string, seen = new Set<string>()): PolicyRule[] {
    if (seen.has(name)) return [];
    seen.add(name);
    const role = this.get('ClusterRole', undefined, name);
    if (!role) return [];
    const rules = [...rulesOf(role)];
    const agg = isPlainObject(role.aggregationRule) ? role.aggregationRule : undefined;
    const selectors = agg && Array.isArray(agg.clusterRoleSelectors) ? agg.clusterRoleSelectors : [];
    if (selectors.length) {
      const all = this.list('ClusterRole');
      for (const s of selectors) {
        const sel = fromLabelSelector(s as LabelSelectorObject);
        if (!sel || sel.length === 0) continue;
        for (const cr of all) {
          if (matchesLabels(sel, cr.metadata.labels)) rules.push(...this.clusterRoleRules(cr.metadata.name as string, seen));
        }
      }
    }
    return rules;
  }

  private roleRules(binding: KubeObject, namespace: string | undefined): PolicyRule[] {
    const ref = isPlainObject(binding.roleRef) ? binding.roleRef : {};
    if (typeof ref.name !== 'string') return [];
    if (ref.kind === 'ClusterRole') return this.clusterRoleRules(ref.name);
    if (ref.kind === 'Role' && namespace) return rulesOf(this.get('Role', namespace, ref.name));
    return [];
  }

  /** Every (binding, rules) pair that applies to the user in the namespace (cluster-wide ones first). */
  private *applicable(user: UserInfo, namespace: string | undefined): Generator<{ binding: KubeObject; kind: string; rules: PolicyRule[] }> {
    for (const b of this.list('ClusterRoleBinding')) {
      if ((Array.isArray(b.subjects) ? b.subjects : []).some((s) => subjectMatches(s, user, undefined))) yield { binding: b, kind: 'ClusterRoleBinding', rules: this.roleRules(b, undefined) };
    }
    if (!namespace) return;
    for (const b of this.list('RoleBinding', namespace)) {
      if ((Array.isArray(b.subjects) ? b.subjects : []).some((s) => subjectMatches(s, user, namespace))) yield { binding: b, kind: 'RoleBinding', rules: this.roleRules(b, namespace) };
    }
  }

  authorize(user: UserInfo, a: Attributes): Decision {
    if (isSuperuser(user)) return { allowed: true, reason: '' };
    for (const { binding, kind, rules } of this.applicable(user, a.namespace)) {
      if (rules.some((r) => ruleAllows(a, r))) {
        const ref = isPlainObject(binding.roleRef) ? binding.roleRef : {};
        const where = kind === 'RoleBinding' ? `RoleBinding "${binding.metadata.name}/${binding.metadata.namespace}"` : `ClusterRoleBinding "${binding.metadata.name}"`;
        return { allowed: true, reason: `RBAC: allowed by ${where} of ${String(ref.kind)} "${String(ref.name)}" to ${describeSubject(user)}` };
      }
    }
    return { allowed: false, reason: '' };
  }

  /** The rules a user has in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string | undefined): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[] } {
    // system:masters has its rules through the cluster-admin binding, as upstream.
    const all: PolicyRule[] = [];
    for (const { rules } of this.applicable(user, namespace)) all.push(...rules);
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    for (const r of all) {
      if (r.resources?.length) {
        const rr: PolicyRule = { verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources };
        if (r.resourceNames?.length) rr.resourceNames = r.resourceNames;
        resourceRules.push(rr);
      }
      if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    }
    return { resourceRules, nonResourceRules };
  }

  /** Creates the bootstrap roles and bindings that are missing. */
  bootstrap(): void {
    const cr = this.def('ClusterRole');
    const crb = this.def('ClusterRoleBinding');
    if (!cr || !crb) return;
    const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
    const annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
    const ensure = (def: ResourceDef, o: KubeObject) => {
      if (this.rest.tryGet(def, undefined, o.metadata.name as string)) return;
      try {
        this.rest.create(def, undefined, o, { fieldManager: INTERNAL });
      } catch (e) {
        console.error(`rbac bootstrap: ${(e as Error).message}`);
      }
    };
    for (const [name, role] of Object.entries(bootstrapClusterRoles())) {
      ensure(cr, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, labels: { ...labels, ...(role.labels ?? {}) }, annotations }, ...role.body });
    }
    const bindings: [string, string, { kind: string; name: string }[]][] = [
      ['cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }]],
      ['system:discovery', 'system:discovery', [{ kind: 'Group', name: AUTHENTICATED }]],
      ['system:basic-user', 'system:basic-user', [{ kind: 'Group', name: AUTHENTICATED }]],
      ['system:public-info-viewer', 'system:public-info-viewer', [{ kind: 'Group', name: AUTHENTICATED }, { kind: 'Group', name: UNAUTHENTICATED }]],
    ];
    for (const [name, role, subjects] of bindings) {
      ensure(crb, {
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name, labels, annotations },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
        subjects: subjects.map((s) => ({ apiGroup: RBAC, ...s })),
      });
    }
  }
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

function bootstrapClusterRoles(): Record<string, { labels?: Record<string, string>; body: Record<string, unknown> }> {
  const aggregate = (to: string) => ({ aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' } }] }, rules: [] });
  const viewRules: PolicyRule[] = [
    { apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status', 'namespaces'], verbs: READ },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
    { apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], verbs: READ },
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], verbs: READ },
    { apiGroups: ['batch'], resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], verbs: READ },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'], verbs: READ },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingresses/status', 'networkpolicies'], verbs: READ },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
    { apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: READ },
  ];
  const editRules: PolicyRule[] = [
    { apiGroups: [''], resources: ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], verbs: READ },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
    { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], verbs: WRITE },
    { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'], verbs: WRITE },
    { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], verbs: WRITE },
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
    { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: WRITE },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: WRITE },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: WRITE },
  ];
  const adminRules: PolicyRule[] = [
    { apiGroups: [''], resources: ['namespaces'], verbs: READ },
    { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
    { apiGroups: [RBAC], resources: ['rolebindings', 'roles'], verbs: [...WRITE, ...READ] },
  ];
  return {
    'cluster-admin': { body: { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] } },
    admin: { body: aggregate('admin') },
    edit: { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }, body: aggregate('edit') },
    view: { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, body: aggregate('view') },
    'system:aggregate-to-admin': { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }, body: { rules: adminRules } },
    'system:aggregate-to-edit': { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, body: { rules: editRules } },
    'system:aggregate-to-view': { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, body: { rules: viewRules } },
    'system:discovery': { body: { rules: [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }] } },
    'system:basic-user': {
      body: {
        rules: [
          { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
          { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
        ],
      },
    },
    'system:public-info-viewer': { body: { rules: [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }] } },
  };
}
