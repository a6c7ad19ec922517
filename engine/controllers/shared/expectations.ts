/**
 * Controller expectations (upstream pkg/controller/controller_utils.go): a controller that has
 * just asked for N creations or deletions records that it expects to *see* them in its informer
 * before it acts on that key again. Until the cache has caught up (or the expectation expires
 * after a TTL, in case a watch event was lost), the sync skips manage-replicas and only writes
 * status — so a stale cache can never make it create or delete twice.
 *
 * UIDTrackingExpectations additionally remembers *which* pods it deletes, so a pod whose deletion
 * is observed twice (graceful delete marks it, the final delete removes it) counts once.
 */
import type { Clock } from '../../api/clock.js';

/** Upstream's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /**
   * True when the controller may act on `key`: no expectations recorded, all observed, or the
   * record is older than the TTL.
   */
  satisfied(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now().getTime() - e.timestamp > this.ttlMs;
  }

  get(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }

  /** Replaces the expectations of `key`. */
  set(key: string, add: number, del: number): void {
    this.store.set(key, { add, del, timestamp: this.clock.now().getTime() });
  }

  expectCreations(key: string, n: number): void {
    this.set(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.set(key, 0, n);
  }

  /** Lowers the counts (an observed event, or an action that failed and will never be seen). */
  lower(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  raise(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add += add;
    e.del += del;
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  delete(key: string): void {
    this.store.delete(key);
  }
}

/** Expectations whose deletions are tracked by the deleted objects' keys. */
export class UIDTrackingExpectations extends ControllerExpectations {
  private readonly deleting = new Map<string, Set<string>>();

  /** Expects the deletion of these dependents (their `namespace/name` keys). */
  expectDeletionsOf(key: string, dependentKeys: string[]): void {
    this.deleting.set(key, new Set(dependentKeys));
    this.expectDeletions(key, dependentKeys.length);
  }

  /** Records the observed deletion of one dependent; counted once per dependent. */
  deletionObservedOf(key: string, dependentKey: string): void {
    const set = this.deleting.get(key);
    if (set?.has(dependentKey)) {
      set.delete(dependentKey);
      this.deletionObserved(key);
    }
  }

  override delete(key: string): void {
    super.delete(key);
    this.deleting.delete(key);
  }

  override set(key: string, add: number, del: number): void {
    super.set(key, add, del);
    if (del === 0) this.deleting.delete(key);
  }
}
