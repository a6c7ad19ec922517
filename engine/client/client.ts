/**
 * The in-process client every engine component uses (controllers, scheduler, kubelet, proxy).
 * It calls the same REST layer the HTTP API serves — same defaults, validation, admission,
 * optimistic concurrency and watch semantics — without the cost of HTTP and TLS. Objects it
 * returns are the store's shared copies: never mutate them (clone first).
 */
import * as errors from '../api/errors.js';
import type { Registry, ResourceDef } from '../api/registry.js';
import type { KubeObject } from '../api/types.js';
import { clone } from '../api/types.js';
import { bindPod } from '../apiserver/handlers.js';
import { INTERNAL, type DeleteOptions, type ListOptions, type Rest, type RestWatchEvent, type WatchOptions } from '../apiserver/rest.js';

export interface ResourceClient<T extends KubeObject = KubeObject> {
  readonly def: ResourceDef;
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string, opts?: ListOptions): { items: T[]; resourceVersion: string };
  create(obj: T, namespace?: string): T;
  /** Replaces the object; conflicts (stale resourceVersion) throw a 409 ApiError. */
  update(obj: T): T;
  /** Replaces only the status. */
  updateStatus(obj: T): T;
  /** Reads the latest, applies `fn` to a copy and writes it, retrying on conflict. */
  modify(namespace: string | undefined, name: string, fn: (o: T) => T | void, opts?: { status?: boolean }): T | undefined;
  delete(namespace: string | undefined, name: string, opts?: DeleteOptions): void;
  watch(namespace: string | undefined, opts: WatchOptions, fn: (ev: { type: RestWatchEvent['type']; object: T }) => void): () => void;
}

export class Client {
  constructor(
    readonly rest: Rest,
    readonly registry: Registry,
  ) {}

  /** A client for one kind, by group ('' = core) and kind. */
  resource<T extends KubeObject = KubeObject>(group: string, kind: string): ResourceClient<T> {
    const def = this.registry.byGroupKind(group, kind);
    if (!def) throw new Error(`unknown kind ${group}/${kind}`);
    const rest = this.rest;
    const ns = (n: string | undefined) => (def.namespaced ? n : undefined);
    return {
      def,
      get: (namespace, name) => rest.tryGet(def, ns(namespace), name)?.obj as T | undefined,
      list: (namespace, opts) => {
        const r = rest.list(def, ns(namespace), opts);
        return { items: r.items.map((e) => e.obj as T), resourceVersion: r.resourceVersion };
      },
      create: (obj, namespace) => rest.create(def, ns(namespace ?? obj.metadata.namespace), obj, { fieldManager: INTERNAL }).obj as T,
      update: (obj) => rest.update(def, ns(obj.metadata.namespace), obj.metadata.name as string, obj).obj as T,
      updateStatus: (obj) => rest.update(def, ns(obj.metadata.namespace), obj.metadata.name as string, obj, { subresource: 'status' }).obj as T,
      modify: (namespace, name, fn, opts) => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const cur = rest.tryGet(def, ns(namespace), name);
          if (!cur) return undefined;
          const copy = clone(cur.obj) as T;
          const next = (fn(copy) ?? copy) as T;
          try {
            return rest.update(def, ns(namespace), name, next, opts?.status ? { subresource: 'status' } : {}).obj as T;
          } catch (e) {
            if (e instanceof errors.ApiError && e.reason === 'Conflict') continue;
            throw e;
          }
        }
        throw errors.conflict(def.plural, name, 'too many conflicts');
      },
      delete: (namespace, name, opts) => {
        try {
          rest.delete(def, ns(namespace), name, opts);
        } catch (e) {
          if (!(e instanceof errors.ApiError && e.code === 404)) throw e;
        }
      },
      watch: (namespace, opts, fn) => rest.watch(def, ns(namespace), opts, (ev) => fn({ type: ev.type, object: ev.entry.obj as T })),
    };
  }

  /** pods/binding. */
  bind(namespace: string, name: string, node: string): void {
    const def = this.registry.byGroupKind('', 'Pod');
    if (!def) throw new Error('pods not registered');
    bindPod(this.rest, def, namespace, name, node, this.rest.timestamp());
  }
}
