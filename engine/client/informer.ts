/**
 * An informer in client-go's contract: an eventually consistent cache of one kind, keyed
 * `namespace/name`, kept by list-then-watch, with handlers notified in order. Handlers must be
 * quick — they should only enqueue keys. On a 410 Gone the informer relists. The cache holds the
 * store's shared objects: listers hand them out read-only; clone before changing.
 */
import * as errors from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { matchesLabels, type Selector } from '../api/selectors.js';
import type { ResourceClient } from './client.js';

export interface EventHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name as string);
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: EventHandlers<T>[] = [];
  private stopWatch: (() => void) | undefined;
  private synced = false;
  private stopped = false;

  constructor(
    readonly client: ResourceClient<T>,
    private readonly namespace?: string,
    private readonly labelSelector?: string,
  ) {}

  addHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.cache.values()) h.add?.(o);
  }

  start(): void {
    this.stopped = false;
    this.relist();
  }

  private relist(): void {
    if (this.stopped) return;
    this.stopWatch?.();
    const { items, resourceVersion } = this.client.list(this.namespace, { labelSelector: this.labelSelector });
    const seen = new Set<string>();
    for (const o of items) {
      const k = keyOf(o);
      seen.add(k);
      const old = this.cache.get(k);
      this.cache.set(k, o);
      if (!old) this.emit('add', o);
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) this.emit('update', o, old);
    }
    for (const [k, o] of this.cache) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.emit('delete', o);
      }
    }
    this.synced = true;
    try {
      this.stopWatch = this.client.watch(this.namespace, { resourceVersion: resourceVersion, labelSelector: this.labelSelector }, (ev) => {
        const k = keyOf(ev.object);
        if (ev.type === 'DELETED') {
          const old = this.cache.get(k);
          this.cache.delete(k);
          this.emit('delete', ev.object ?? old);
          return;
        }
        const old = this.cache.get(k);
        this.cache.set(k, ev.object);
        if (old) this.emit('update', ev.object, old);
        else this.emit('add', ev.object);
      });
    } catch (e) {
      if (e instanceof errors.ApiError && e.code === 410) {
        setImmediate(() => this.relist());
        return;
      }
      throw e;
    }
  }

  private emit(type: 'add' | 'update' | 'delete', o: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (type === 'add') h.add?.(o);
        else if (type === 'update') h.update?.(old as T, o);
        else h.delete?.(o);
      } catch (e) {
        // A handler bug must not break the informer for everyone else.
        console.error(`informer handler failed: ${(e as Error).stack ?? e}`);
      }
    }
  }

  hasSynced(): boolean {
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
  }

  // ---- lister

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string, selector?: Selector): T[] {
    const out: T[] = [];
    for (const o of this.cache.values()) {
      if (namespace && o.metadata.namespace !== namespace) continue;
      if (selector && !matchesLabels(selector, o.metadata.labels)) continue;
      out.push(o);
    }
    return out;
  }

  get size(): number {
    return this.cache.size;
  }
}
