/**
 * The framework-free core of list+watch: a map of objects keyed `namespace/name`, fed by list
 * pages and watch events. Kept free of imports (and of the DOM) so its rules are unit-tested
 * under Node: managedFields stripped, stale events ignored, bookmarks move the resourceVersion.
 */
export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  generation?: number;
  managedFields?: unknown;
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes objects are open-ended JSON
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [k: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | { kind: 'Status'; code?: number; message?: string; reason?: string; metadata?: KubeMeta };
}

export function objectKey(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Drops managedFields (often half of an object's size) before it enters the cache. */
export function strip(o: KubeObject): KubeObject {
  if (o.metadata && 'managedFields' in o.metadata) {
    const { managedFields: _m, ...meta } = o.metadata;
    return { ...o, metadata: meta as KubeMeta };
  }
  return o;
}

/** Numeric resourceVersion comparison where both are integers; unknown = "newer". */
export function isNewer(rv: string | undefined, than: string | undefined): boolean {
  if (!rv || !than || !/^\d+$/.test(rv) || !/^\d+$/.test(than)) return true;
  return rv.length !== than.length ? rv.length > than.length : rv > than;
}

export class ListState {
  readonly items = new Map<string, KubeObject>();
  resourceVersion = '';
  /** Set when the state changed since the last `takeSnapshot`. */
  dirty = false;
  private snapshot: KubeObject[] = [];

  /** Replaces everything with a fresh list (first page). */
  reset(): void {
    this.items.clear();
    this.dirty = true;
  }

  addPage(items: KubeObject[], kind: string | undefined, apiVersion: string | undefined): void {
    for (const raw of items) {
      const o = strip(raw);
      // List items carry no kind/apiVersion; fill them in so YAML and apply round-trip.
      if (!o.kind && kind) o.kind = kind;
      if (!o.apiVersion && apiVersion) o.apiVersion = apiVersion;
      this.items.set(objectKey(o), o);
    }
    this.dirty = true;
  }

  /**
   * Applies one watch event. Returns 'gone' when the server says the resourceVersion is too old
   * (410: the caller must relist), 'error' for other ERROR events, else 'ok'.
   */
  apply(ev: WatchEvent): 'ok' | 'gone' | 'error' {
    if (ev.type === 'ERROR') {
      const code = (ev.object as { code?: number }).code;
      return code === 410 ? 'gone' : 'error';
    }
    const obj = ev.object as KubeObject;
    const rv = obj.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return 'ok';
    }
    if (!obj.metadata?.name) return 'ok';
    const key = objectKey(obj);
    const prev = this.items.get(key);
    if (ev.type === 'DELETED') {
      if (prev) {
        this.items.delete(key);
        this.dirty = true;
      }
    } else if (!prev || isNewer(rv, prev.metadata.resourceVersion)) {
      this.items.set(key, strip(obj));
      this.dirty = true;
    }
    if (rv && isNewer(rv, this.resourceVersion)) this.resourceVersion = rv;
    return 'ok';
  }

  /** The current items as a fresh array when changed (so React sees a new reference). */
  takeSnapshot(): KubeObject[] {
    if (this.dirty) {
      this.snapshot = Array.from(this.items.values());
      this.dirty = false;
    }
    return this.snapshot;
  }
}
