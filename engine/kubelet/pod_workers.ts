/**
 * Pod workers (upstream pkg/kubelet/pod_workers.go): one serialized worker per pod uid, with an
 * explicit state machine. Work for a pod never runs twice at once; updates arriving while it runs
 * coalesce — only the newest pod object matters, and one more pass runs after the current one.
 *
 * Timeline of one pod:
 *
 *   API: created/bound     updates, runtime events       deletionTimestamp set,      API object
 *        │                 probe flips, back-off ends    terminal phase reached,     deleted (grace 0)
 *        ▼                 │                             or object gone              ▲
 *   ┌─────────┐  sync  ┌───┴─────┐                           │                       │
 *   │ SyncPod │───────▶│ SyncPod │─── … ─────────────────────┤                       │
 *   └─────────┘        └─────────┘                           ▼                       │
 *                                                  ┌────────────────┐   ┌────────────┴───┐
 *                                                  │ TerminatingPod │──▶│ TerminatedPod  │
 *                                                  │ preStop, TERM, │   │ deleted: remove│
 *                                                  │ grace, KILL,   │   │ containers,    │
 *                                                  │ stop sandbox   │   │ volumes, object│
 *                                                  └────────────────┘   │ terminal: keep │
 *                                                                       │ for logs until │
 *                                                                       │ deleted        │
 *                                                                       └────────────────┘
 *
 * - SyncPod: handlers.syncPod runs the pod toward its spec and reports whether it reached a
 *   terminal phase (Succeeded/Failed: nothing will run again).
 * - TerminatingPod: entered on deletion (deletionTimestamp or the object vanished) or a terminal
 *   phase; handlers.syncTerminatingPod stops everything with the grace period. A later update
 *   with a shorter grace (`kubectl delete --grace-period=0 --force`) calls shortenGrace at once,
 *   without waiting for the running pass.
 * - TerminatedPod: handlers.syncTerminatedPod cleans up. For a deleted pod that removes its
 *   containers, sandbox and volumes and the API object, and the worker ends. A terminal pod that
 *   is not deleted keeps its exited containers (logs) and waits here for its deletion.
 * A failing pass is retried with back-off (1 s doubling to 30 s); a newer update retries at once.
 */
import type { KubeObject } from '../api/types.js';
import type { KubeletClock } from './backoff.js';
import { num, podSpec } from './podutil.js';

export type PodWorkState = 'SyncPod' | 'TerminatingPod' | 'TerminatedPod';

export interface PodWorkerHandlers {
  /** Runs the pod toward its spec; true when it is terminal (nothing will run again). */
  syncPod(pod: KubeObject): Promise<boolean>;
  /** Stops every container and the sandbox within the grace period. */
  syncTerminatingPod(pod: KubeObject, gracePeriodSeconds: number): Promise<void>;
  /** Cleans up a stopped pod; `deleted`: the API object is gone or being deleted. */
  syncTerminatedPod(pod: KubeObject, deleted: boolean): Promise<void>;
  /** A shorter grace period arrived while terminating. */
  shortenGrace?(pod: KubeObject, gracePeriodSeconds: number): void;
  onError?(pod: KubeObject, err: Error): void;
}

interface Worker {
  uid: string;
  pod: KubeObject;
  removed: boolean;
  state: PodWorkState;
  pending: boolean;
  running: boolean;
  failures: number;
  retryTimer?: unknown;
  grace?: number;
}

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30_000;
const FINISHED_MEMORY = 2048;

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** Uids whose workers finished (late events for them are ignored). */
  private readonly finished = new Set<string>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handlers: PodWorkerHandlers,
    private readonly clock: KubeletClock,
  ) {}

  /** The newest API state of a pod (or its removal from the API). */
  update(pod: KubeObject, removed = false): void {
    const uid = pod.metadata.uid;
    if (!uid || this.stopped || this.finished.has(uid)) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, pod, removed, state: 'SyncPod', pending: false, running: false, failures: 0 };
      this.workers.set(uid, w);
    } else {
      w.pod = pod;
      w.removed = w.removed || removed;
      if (w.state === 'TerminatingPod' && w.grace !== undefined) {
        const g = effectiveGrace(pod);
        if (pod.metadata.deletionTimestamp && g < w.grace) {
          w.grace = g;
          this.handlers.shortenGrace?.(pod, g);
        }
      }
    }
    this.kick(w, true);
  }

  /** Re-run a pod's worker with its newest state (runtime event, probe change, timer). */
  sync(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.kick(w, false);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  state(uid: string): PodWorkState | undefined {
    return this.workers.get(uid)?.state;
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  pod(uid: string): KubeObject | undefined {
    return this.workers.get(uid)?.pod;
  }

  /** Resolves when no worker is running or pending (tests). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    for (const w of this.workers.values()) if (w.running || w.pending) return false;
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) if (w.retryTimer !== undefined) this.clock.clearTimeout(w.retryTimer);
  }

  private kick(w: Worker, fresh: boolean): void {
    w.pending = true;
    if (fresh && w.retryTimer !== undefined) {
      this.clock.clearTimeout(w.retryTimer);
      w.retryTimer = undefined;
    }
    if (!w.running) void this.run(w);
  }

  private async run(w: Worker): Promise<void> {
    w.running = true;
    try {
      while (w.pending && !this.stopped) {
        w.pending = false;
        try {
          await this.step(w);
          w.failures = 0;
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          this.handlers.onError?.(w.pod, err);
          const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** w.failures);
          w.failures++;
          if (w.retryTimer !== undefined) this.clock.clearTimeout(w.retryTimer);
          w.retryTimer = this.clock.setTimeout(() => {
            w.retryTimer = undefined;
            this.kick(w, false);
          }, delay);
          break;
        }
      }
    } finally {
      w.running = false;
      if (w.state === 'TerminatedPod' && (w.removed || w.pod.metadata.deletionTimestamp) && !w.pending && this.workers.get(w.uid) === w && w.failures === 0) {
        this.workers.delete(w.uid);
        this.remember(w.uid);
        if (w.retryTimer !== undefined) this.clock.clearTimeout(w.retryTimer);
      }
      if (this.idleWaiters.length && this.isIdle()) {
        const ws = this.idleWaiters;
        this.idleWaiters = [];
        for (const r of ws) r();
      }
    }
  }

  private remember(uid: string): void {
    this.finished.add(uid);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.values().next().value as string);
  }

  private async step(w: Worker): Promise<void> {
    const deleted = () => w.removed || !!w.pod.metadata.deletionTimestamp;
    if (w.state === 'SyncPod') {
      if (!deleted()) {
        const terminal = await this.handlers.syncPod(w.pod);
        if (!terminal) return;
      }
      w.state = 'TerminatingPod';
    }
    if (w.state === 'TerminatingPod') {
      w.grace = deleted() ? effectiveGrace(w.pod) : 0;
      await this.handlers.syncTerminatingPod(w.pod, w.grace);
      w.state = 'TerminatedPod';
    }
    await this.handlers.syncTerminatedPod(w.pod, deleted());
  }
}

/**
 * Upstream calculateEffectiveGracePeriod: the deletion's grace period, else the spec's
 * terminationGracePeriodSeconds (a force-deleted pod still gets its spec's), never below 1 s.
 */
export function effectiveGrace(pod: KubeObject): number {
  const d = pod.metadata.deletionGracePeriodSeconds;
  let g = typeof d === 'number' && d > 0 ? d : (num(podSpec(pod).terminationGracePeriodSeconds) ?? 30);
  if (g < 1) g = 1;
  return g;
}
