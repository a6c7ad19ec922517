/**
 * The worker loop every controller runs, as upstream's `Run(workers)` / `processNextWorkItem`:
 * take a key from the work queue, call the sync handler, forget the key on success or re-queue it
 * with rate limiting on error, mark it done. The queue guarantees one key is never synced by two
 * workers at once.
 *
 * Syncs here are synchronous (the in-process client answers at once), so a long queue could
 * otherwise run as one unbroken chain of microtasks and starve the API server's sockets; the
 * loop yields to the event loop every few milliseconds.
 *
 * `drain()` is the test seam: it syncs every key that is ready now (and whatever those syncs
 * enqueue), without waiting for delayed re-queues, so unit tests step controllers by hand.
 */
import { WorkQueue, type WorkQueueOptions } from '../../client/workqueue.js';
import { ApiError } from '../../api/errors.js';

export type SyncHandler = (key: string) => void | Promise<void>;

export interface QueueWorkerOptions extends WorkQueueOptions {
  /** Called with the error of a failed sync (default: one console line). */
  onError?: (key: string, err: unknown) => void;
}

export class QueueWorker {
  readonly queue: WorkQueue;
  private running = 0;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    /** The sync handler; a field so tests can swap it (upstream's `syncHandler` seam). */
    public syncHandler: SyncHandler,
    private readonly opts: QueueWorkerOptions = {},
  ) {
    this.queue = new WorkQueue(opts);
  }

  /** Starts `workers` loops. */
  run(workers = 1): void {
    const loops: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) loops.push(this.loop());
    this.idle = Promise.all(loops).then(() => undefined);
  }

  private async loop(): Promise<void> {
    let slice = performance.now();
    while (!this.stopped) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
      if (performance.now() - slice > 5) {
        await new Promise<void>((r) => setImmediate(r));
        slice = performance.now();
      }
    }
  }

  /** Syncs one key with upstream's error handling. */
  private async process(key: string): Promise<void> {
    this.running++;
    try {
      await this.syncHandler(key);
      this.queue.forget(key);
    } catch (e) {
      (this.opts.onError ?? defaultOnError(this.name))(key, e);
      this.queue.addRateLimited(key);
    } finally {
      this.running--;
      this.queue.done(key);
    }
  }

  /** Tests: sync every key that is ready (and whatever they enqueue); returns how many ran. */
  async drain(max = 10_000): Promise<number> {
    let n = 0;
    while (this.queue.length > 0 && n < max) {
      const key = await this.queue.get();
      if (key === undefined) break;
      await this.process(key);
      n++;
    }
    if (n >= max) throw new Error(`${this.name}: queue did not settle after ${max} syncs (hot loop?)`);
    return n;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutDown();
    await this.idle;
  }
}

function defaultOnError(name: string): (key: string, err: unknown) => void {
  return (key, err) => {
    // Conflicts are routine (a stale cache); they are retried quietly, like upstream's V(4) logs.
    if (err instanceof ApiError && err.code === 409) return;
    if (isNamespaceTerminating(err)) return;
    console.error(`${name}: sync "${key}" failed: ${err instanceof Error ? err.message : String(err)}`);
  };
}

/**
 * True for the 403 the API answers when creating in a namespace that is being deleted
 * (upstream checks `HasStatusCause(err, NamespaceTerminatingCause)`; Skiff's Forbidden carries
 * the same message without the cause).
 */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && err.code === 403 && /because it is being terminated/.test(err.message);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
}

/** A timestamp as metav1.Time serializes it (RFC 3339, whole seconds). */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Parses a metav1.Time; undefined when absent or malformed. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
