/**
 * The Kubernetes API as the renderer sees it: plain fetch through the dashboard's proxy at
 * `/clusters/<context>/…` (the session cookie authenticates; the proxy adds the cluster's
 * credentials). Errors become ApiError carrying the server's Status (message, causes), so
 * validation errors can be shown as the server wrote them.
 */
import type { KubeObject } from './listState';
import { apiVersionOf, kindFor, type KindInfo } from './kinds';

export type { KubeObject } from './listState';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(message);
  }
}

export function clusterBase(ctx: string): string {
  return `/clusters/${encodeURIComponent(ctx)}`;
}

export function groupBase(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

export function collectionPath(k: Pick<KindInfo, 'group' | 'version' | 'plural' | 'namespaced'>, namespace?: string): string {
  const ns = k.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupBase(k.group, k.version)}${ns}/${k.plural}`;
}

export function objectPath(k: Pick<KindInfo, 'group' | 'version' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string, sub?: string): string {
  return `${collectionPath(k, k.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
}

async function toError(res: Response): Promise<ApiError> {
  let body: { message?: string; reason?: string; details?: { causes?: StatusCause[] } } = {};
  const text = await res.text().catch(() => '');
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { message: text || res.statusText };
  }
  return new ApiError(res.status, body.message ?? `HTTP ${res.status}`, body.reason, body.details?.causes ?? []);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  accept?: string;
}

export async function request<T>(ctx: string, path: string, o: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: o.accept ?? 'application/json' };
  let body: string | undefined;
  if (o.body !== undefined) {
    headers['Content-Type'] = o.contentType ?? 'application/json';
    body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  }
  const res = await fetch(clusterBase(ctx) + path, { method: o.method ?? 'GET', headers, body, signal: o.signal, credentials: 'same-origin' });
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface ListPage {
  kind?: string;
  apiVersion?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

export function create(ctx: string, k: KindInfo, namespace: string | undefined, obj: unknown, dryRun = false): Promise<KubeObject> {
  return request(ctx, collectionPath(k, namespace) + (dryRun ? '?dryRun=All' : ''), { method: 'POST', body: obj });
}

export function replace(ctx: string, k: KindInfo, obj: KubeObject): Promise<KubeObject> {
  return request(ctx, objectPath(k, obj.metadata.namespace, obj.metadata.name) + '?fieldManager=skiff-dashboard', { method: 'PUT', body: obj });
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export function patch(ctx: string, k: KindInfo, namespace: string | undefined, name: string, body: unknown, type: PatchType = 'merge', sub?: string): Promise<KubeObject> {
  return request(ctx, objectPath(k, namespace, name, sub) + '?fieldManager=skiff-dashboard', { method: 'PATCH', body, contentType: PATCH_TYPES[type] });
}

export function remove(ctx: string, k: KindInfo, namespace: string | undefined, name: string, propagationPolicy: 'Foreground' | 'Background' | 'Orphan' = 'Background'): Promise<unknown> {
  return request(ctx, objectPath(k, namespace, name), { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy } });
}

interface APIResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const discoveryCache = new Map<string, Promise<APIResourceList>>();

/**
 * apiVersion+kind → how to reach it. Known kinds come from the table; others (CRDs) from the
 * group-version's discovery document, cached per context.
 */
export async function resolveKind(ctx: string, apiVersion: string, kind: string): Promise<KindInfo> {
  const known = kindFor(apiVersion, kind);
  if (known && apiVersionOf(known) === apiVersion) return known;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const key = `${ctx}|${apiVersion}`;
  let p = discoveryCache.get(key);
  if (!p) {
    p = request<APIResourceList>(ctx, groupBase(group, version));
    discoveryCache.set(key, p);
    p.catch(() => discoveryCache.delete(key));
  }
  const list = await p;
  const r = list.resources.find((x) => x.kind === kind && !x.name.includes('/'));
  if (!r) throw new ApiError(404, `the server doesn't have a resource type for ${kind} in ${apiVersion}`);
  return { key: r.name, group, version, kind, plural: r.name, namespaced: r.namespaced, title: kind, section: 'Cluster' };
}
