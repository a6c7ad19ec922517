/**
 * The query cache as the single source of truth for the UI, fed by watches (never by polling).
 * A list query's queryFn starts a ListWatch whose updates go into the cache with setQueryData;
 * when TanStack Query garbage-collects the query (no observers for gcTime), its watch stops.
 */
import { QueryClient, hashKey, useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { KindInfo } from './kinds';
import type { KubeObject } from './listState';
import { ListWatch, type ListSnapshot } from './watch';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: Infinity,
      gcTime: 60_000,
      retry: false,
      refetchOnWindowFocus: false,
      refetchOnReconnect: false,
      refetchOnMount: false,
    },
  },
});

const watches = new Map<string, ListWatch>();

queryClient.getQueryCache().subscribe((ev) => {
  if (ev.type === 'removed') {
    const h = ev.query.queryHash;
    watches.get(h)?.stop();
    watches.delete(h);
  }
});

export interface ListParams {
  ctx: string;
  kind: KindInfo;
  /** undefined or '' = all namespaces */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export function listKey(p: ListParams): readonly unknown[] {
  return ['k8s', p.ctx, p.kind.group, p.kind.plural, p.kind.namespaced ? (p.namespace ?? '') : '', p.labelSelector ?? '', p.fieldSelector ?? ''];
}

function startList(p: ListParams, hash: string, key: readonly unknown[]): Promise<ListSnapshot> {
  watches.get(hash)?.stop();
  const w = new ListWatch({
    ctx: p.ctx,
    kind: p.kind,
    namespace: p.kind.namespaced ? p.namespace || undefined : undefined,
    labelSelector: p.labelSelector,
    fieldSelector: p.fieldSelector,
    onUpdate: (s) => queryClient.setQueryData(key, s),
  });
  watches.set(hash, w);
  return w.start();
}

export function listQueryOptions(p: ListParams) {
  const key = listKey(p);
  return {
    queryKey: key,
    queryFn: () => startList(p, hashKey(key), key),
    // Snapshots are fresh arrays of shared objects already: deep-comparing 50,000 of them on
    // every batch would buy nothing.
    structuralSharing: false,
  };
}

/** A live list (list + watch) of a kind. */
export function useList(p: ListParams, enabled = true): UseQueryResult<ListSnapshot> {
  return useQuery({ ...listQueryOptions(p), enabled });
}

/** Items of a live list, or [] while loading. */
export function useItems(p: ListParams, enabled = true): { items: KubeObject[]; query: UseQueryResult<ListSnapshot> } {
  const query = useList(p, enabled);
  return { items: query.data?.items ?? EMPTY, query };
}

const EMPTY: KubeObject[] = [];

/** One object, read from the live list of its namespace (so it shares that list's watch). */
export function useObject(ctx: string, kind: KindInfo, namespace: string | undefined, name: string | undefined, listNamespace?: string) {
  const q = useList({ ctx, kind, namespace: listNamespace ?? namespace }, !!name);
  const obj = name ? q.data?.items.find((o) => o.metadata.name === name && (!kind.namespaced || o.metadata.namespace === namespace)) : undefined;
  return { obj, query: q };
}
