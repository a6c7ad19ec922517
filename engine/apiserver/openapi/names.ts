/**
 * Maps client-node class names (`V1DeploymentSpec`, `CoreV1Event`) to real Kubernetes
 * definition names (`io.k8s.api.apps.v1.DeploymentSpec`, `io.k8s.api.core.v1.Event`).
 *
 * client-node drops the Go package from names (it only prefixes the few that would collide), so
 * the package of a nested type is inferred: every API class (`AppsV1Api`) lists/creates its
 * top-level kinds, and a nested type belongs to the package of the kinds that reach it. core/v1
 * imports no other API group, so anything a core kind reaches is core (or apimachinery); a type
 * only reached from one other group is that group's. The few exceptions are in OVERRIDES.
 */
import { classRefs, type ModelSource } from './models.js';

export interface DefName {
  /** Full definition name, e.g. io.k8s.api.apps.v1.DeploymentSpec. */
  name: string;
  /** Go package alias used in decode errors: 'v1', 'intstr', 'resource'… */
  goPkg: string;
  /** Last segment: 'DeploymentSpec'. */
  short: string;
}

/** apimachinery meta/v1 types client-node names like API types. */
const META = new Set([
  'V1ObjectMeta', 'V1ListMeta', 'V1LabelSelector', 'V1LabelSelectorRequirement', 'V1OwnerReference',
  'V1ManagedFieldsEntry', 'V1Status', 'V1StatusDetails', 'V1StatusCause', 'V1Condition', 'V1DeleteOptions',
  'V1Preconditions', 'V1APIResource', 'V1APIResourceList', 'V1APIGroup', 'V1APIGroupList', 'V1APIVersions',
  'V1GroupVersionForDiscovery', 'V1ServerAddressByClientCIDR', 'V1WatchEvent', 'V1FieldSelectorRequirement',
]);

/** Package (lower-case, as in io.k8s.api.<pkg>) of types the reachability rule gets wrong. */
const OVERRIDES: Record<string, string> = {
  // core/v1 types only used by storage.k8s.io StorageClass.
  V1TopologySelectorTerm: 'core',
  V1TopologySelectorLabelRequirement: 'core',
  // Subresource bodies served by other groups' APIs.
  V1Scale: 'autoscaling',
  V1ScaleSpec: 'autoscaling',
  V1ScaleStatus: 'autoscaling',
  V1Eviction: 'policy',
};

/** client-node API class prefix ('FlowcontrolApiserver') → Go package ('flowcontrol'). */
function pkgOfApiPrefix(prefix: string): string {
  switch (prefix) {
    case 'RbacAuthorization':
      return 'rbac';
    case 'FlowcontrolApiserver':
      return 'flowcontrol';
    case 'InternalApiserver':
      return 'apiserverinternal';
    default:
      return prefix.toLowerCase();
  }
}

/** Go package → API group. */
export function groupOfPkg(pkg: string): string {
  switch (pkg) {
    case 'core':
      return '';
    case 'apps':
    case 'batch':
    case 'autoscaling':
    case 'policy':
      return pkg;
    case 'rbac':
      return 'rbac.authorization.k8s.io';
    case 'flowcontrol':
      return 'flowcontrol.apiserver.k8s.io';
    case 'apiserverinternal':
      return 'internal.apiserver.k8s.io';
    default:
      return `${pkg}.k8s.io`;
  }
}

/** API group → Go package (inverse of groupOfPkg); undefined for groups Kubernetes does not ship. */
export function pkgOfGroup(group: string): string | undefined {
  switch (group) {
    case '':
      return 'core';
    case 'apps':
    case 'batch':
    case 'autoscaling':
    case 'policy':
      return group;
    case 'rbac.authorization.k8s.io':
      return 'rbac';
    case 'flowcontrol.apiserver.k8s.io':
      return 'flowcontrol';
    case 'internal.apiserver.k8s.io':
      return 'apiserverinternal';
    default: {
      const m = /^([a-z0-9]+)\.k8s\.io$/.exec(group);
      return m ? m[1] : undefined;
    }
  }
}

/** Definition-name prefix of a package/version. */
export function defPrefix(pkg: string, version: string): string {
  if (pkg === 'meta') return `io.k8s.apimachinery.pkg.apis.meta.${version}`;
  if (pkg === 'apiextensions') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (pkg === 'apiregistration') return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}`;
  return `io.k8s.api.${pkg}.${version}`;
}

const CLASS_RE = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

export function splitClass(cls: string): { prefix?: string; version: string; short: string } | undefined {
  const m = CLASS_RE.exec(cls);
  if (!m) return undefined;
  return { prefix: m[1], version: m[2].toLowerCase(), short: m[3] };
}

export class Namer {
  private readonly pkgOf = new Map<string, string>();
  private readonly names = new Map<string, DefName>();
  /** `${pkg}/${version}/${short}` → class, for ResourceDef → class lookups. */
  private readonly byPkgKind = new Map<string, string>();
  /** class → Go package of the API that lists/creates it as a top-level kind (lists included). */
  readonly topLevel = new Map<string, string>();

  constructor(private readonly models: ModelSource) {
    this.assign();
  }

  private assign(): void {
    const all = this.models.all();
    const reach = new Map<string, Set<string>>();
    const walk = (root: string, pkg: string): void => {
      const stack = [root];
      const seen = new Set<string>();
      while (stack.length) {
        const c = stack.pop() as string;
        if (seen.has(c)) continue;
        seen.add(c);
        let s = reach.get(c);
        if (!s) reach.set(c, (s = new Set()));
        s.add(pkg);
        for (const a of all.get(c) ?? []) stack.push(...classRefs(a.type, all));
      }
    };
    for (const api of this.models.apis()) {
      const pkg = pkgOfApiPrefix(api.prefix);
      for (const k of api.kinds) {
        this.topLevel.set(k, pkg);
        walk(k, pkg);
      }
    }
    // Classes the generator prefixed with their group are roots of their own package.
    for (const cls of all.keys()) {
      const sp = splitClass(cls);
      if (sp?.prefix) walk(cls, pkgOfApiPrefix(sp.prefix));
    }
    for (const cls of all.keys()) {
      const sp = splitClass(cls);
      if (!sp) continue;
      let pkg: string | undefined;
      if (META.has(cls)) pkg = 'meta';
      else if (OVERRIDES[cls]) pkg = OVERRIDES[cls];
      else if (sp.prefix) pkg = pkgOfApiPrefix(sp.prefix);
      else if (this.topLevel.has(cls)) pkg = this.topLevel.get(cls);
      else {
        const r = reach.get(cls);
        if (r?.has('core')) pkg = 'core';
        else if (r && r.size >= 1) pkg = [...r].sort()[0];
      }
      if (pkg) this.pkgOf.set(cls, pkg);
    }
    // Leftover classes of versions client-node keeps but serves no API for: take the package of
    // the same type name in another version, else core (where most retired types lived).
    const byShort = new Map<string, string>();
    for (const [cls, pkg] of this.pkgOf) byShort.set(splitClass(cls)?.short ?? cls, pkg);
    for (const cls of all.keys()) {
      const sp = splitClass(cls);
      if (!sp || this.pkgOf.has(cls)) continue;
      this.pkgOf.set(cls, byShort.get(sp.short) ?? 'core');
    }
    for (const [cls, pkg] of this.pkgOf) {
      const sp = splitClass(cls) as { version: string; short: string };
      const name = `${defPrefix(pkg, sp.version)}.${sp.short}`;
      this.names.set(cls, { name, goPkg: sp.version, short: sp.short });
      this.byPkgKind.set(`${pkg}/${sp.version}/${sp.short}`, cls);
    }
    this.names.set('VersionInfo', { name: 'io.k8s.apimachinery.pkg.version.Info', goPkg: 'version', short: 'Info' });
  }

  /** Definition name of a client-node class. */
  def(cls: string): DefName | undefined {
    return this.names.get(cls);
  }

  pkg(cls: string): string | undefined {
    return this.pkgOf.get(cls);
  }

  /** The class of a built-in kind, or undefined for kinds client-node does not know (CRDs…). */
  classFor(group: string, version: string, kind: string): string | undefined {
    const pkg = pkgOfGroup(group);
    if (!pkg) return undefined;
    return this.byPkgKind.get(`${pkg}/${version}/${kind}`);
  }
}
