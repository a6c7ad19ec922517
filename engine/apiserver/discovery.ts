/**
 * API discovery, both forms kubectl understands: aggregated (apidiscovery.k8s.io/v2, one
 * request for everything; the Content-Type must be exactly the one asked for) and legacy
 * (APIVersions / APIGroupList / APIResourceList per group-version). Built from the registry.
 */
import type { Registry, ResourceDef, Subresource } from '../api/registry.js';
import { ALL_VERBS } from '../api/registry.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface SubInfo {
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourceInfo(def: ResourceDef, sub: Subresource): SubInfo {
  const self = { group: def.group, version: def.version, kind: def.kind };
  switch (sub) {
    case 'status':
      return { kind: self, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] };
    case 'eviction':
      return { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'log':
      return { kind: self, verbs: ['get'] };
    case 'exec':
      return { kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] };
    case 'attach':
      return { kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] };
    case 'portforward':
      return { kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] };
    case 'proxy':
      return {
        kind: { group: '', version: 'v1', kind: def.kind === 'Pod' ? 'PodProxyOptions' : def.kind === 'Node' ? 'NodeProxyOptions' : 'ServiceProxyOptions' },
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      };
    case 'finalize':
      return { kind: self, verbs: ['update'] };
    case 'ephemeralcontainers':
      return { kind: self, verbs: ['get', 'patch', 'update'] };
    case 'token':
      return { kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
  }
}

/** Extra group-versions served outside the registry (e.g. metrics.k8s.io). */
export interface ExtraGroup {
  group: string;
  version: string;
  resources: { plural: string; singular: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

export class Discovery {
  private cache = new Map<string, string>();

  constructor(
    private readonly registry: Registry,
    private readonly extra: ExtraGroup[] = [],
  ) {}

  private memo(key: string, build: () => unknown): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = JSON.stringify(build());
      this.cache.set(key, v);
    }
    return v;
  }

  /** GET /api (legacy). */
  apiVersions(serverAddress: string): string {
    return this.memo('api:' + serverAddress, () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    }));
  }

  private groupList(): { name: string; versions: string[] }[] {
    const groups = this.registry.groups();
    for (const e of this.extra) {
      const g = groups.find((x) => x.name === e.group);
      if (g) {
        if (!g.versions.includes(e.version)) g.versions.push(e.version);
      } else groups.push({ name: e.group, versions: [e.version] });
    }
    return groups;
  }

  /** GET /apis (legacy). */
  apiGroupList(): string {
    return this.memo('apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.groupList().map((g) => ({
        name: g.name,
        versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
      })),
    }));
  }

  /** GET /apis/<group> (legacy). */
  apiGroup(group: string): string | undefined {
    const g = this.groupList().find((x) => x.name === group);
    if (!g) return undefined;
    return this.memo('group:' + group, () => ({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: g.name,
      versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
    }));
  }

  /** GET /api/v1 or /apis/<group>/<version> (legacy). */
  resourceList(group: string, version: string): string | undefined {
    const defs = this.registry.all().filter((d) => d.group === group && d.version === version);
    const extra = this.extra.find((e) => e.group === group && e.version === version);
    if (defs.length === 0 && !extra) return undefined;
    return this.memo(`rl:${group}/${version}`, () => {
      const resources: Record<string, unknown>[] = [];
      for (const d of defs) {
        const r: Record<string, unknown> = {
          name: d.plural,
          singularName: d.singular,
          namespaced: d.namespaced,
          kind: d.kind,
          verbs: [...(d.verbs ?? ALL_VERBS)],
        };
        if (d.shortNames?.length) r.shortNames = d.shortNames;
        if (d.categories?.length) r.categories = d.categories;
        resources.push(r);
        for (const s of d.subresources ?? []) {
          const info = subresourceInfo(d, s);
          const sr: Record<string, unknown> = { name: `${d.plural}/${s}`, singularName: '', namespaced: d.namespaced, kind: info.kind.kind, verbs: info.verbs };
          if (info.kind.group !== d.group || info.kind.version !== d.version) {
            if (info.kind.group) sr.group = info.kind.group;
            sr.version = info.kind.version;
          }
          resources.push(sr);
        }
      }
      for (const r of extra?.resources ?? []) {
        resources.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs });
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
    });
  }

  /** Aggregated discovery for /api (core) or /apis (everything else). */
  aggregated(core: boolean, apiVersion: 'v2' | 'v2beta1' = 'v2'): string {
    return this.memo(`agg:${core}:${apiVersion}`, () => {
      const items: unknown[] = [];
      const groups = core ? [{ name: '', versions: ['v1'] }] : this.groupList();
      for (const g of groups) {
        items.push({
          metadata: { name: g.name, creationTimestamp: null },
          versions: g.versions.map((v) => ({
            version: v,
            resources: this.aggregatedResources(g.name, v),
            freshness: 'Current',
          })),
        });
      }
      return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items };
    });
  }

  private aggregatedResources(group: string, version: string): unknown[] {
    const out: unknown[] = [];
    for (const d of this.registry.all()) {
      if (d.group !== group || d.version !== version) continue;
      const r: Record<string, unknown> = {
        resource: d.plural,
        responseKind: { group: d.group, version: d.version, kind: d.kind },
        scope: d.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: d.singular,
        verbs: [...(d.verbs ?? ALL_VERBS)],
      };
      if (d.shortNames?.length) r.shortNames = d.shortNames;
      if (d.categories?.length) r.categories = d.categories;
      if (d.subresources?.length) {
        r.subresources = d.subresources.map((s) => {
          const info = subresourceInfo(d, s);
          return { subresource: s, responseKind: info.kind, verbs: info.verbs };
        });
      }
      out.push(r);
    }
    for (const e of this.extra) {
      if (e.group !== group || e.version !== version) continue;
      for (const r of e.resources) {
        out.push({
          resource: r.plural,
          responseKind: { group: e.group, version: e.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
        });
      }
    }
    return out;
  }
}
