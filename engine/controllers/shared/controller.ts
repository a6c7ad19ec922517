/**
 * What every controller shares, in two parts:
 *
 * 1. `QueueWorker` — the worker loop of upstream's `Run(workers)` / `processNextWorkItem`: take a
 *    key from the work queue, call the sync handler, forget the key on success or re-queue it
 *    with rate limiting on error, mark it done. The queue guarantees one key is never synced by
 *    two workers at once.
 *
 *    Syncs here are synchronous (the in-process client answers at once), so a long queue could
 *    otherwise run as one unbroken chain of microtasks and starve the API server's sockets; the
 *    loop yields to the event loop every few milliseconds.
 *
 *    `drain()` is the test seam: it syncs every key that is ready now (and whatever those syncs
 *    enqueue), without waiting for delayed re-queues, so unit tests step controllers by hand.
 *
 * 2. `Controller` — the lifecycle around it, the same for every queue-driven controller:
 *      start()        register(): take shared informers, add handlers (enqueue only); start
 *                     them; onStart()
 *      run(workers)   start() + the queues' worker loops
 *      runDeferred()  run() on the next turn, so the controller manager's factory returns at once
 *      stop()         clear the deferred start, stop the queues, release the informers, stop the
 *                     controller's own event recorder, then onStop() — the reverse of start
 *      drain()        tests: every queue until nothing is ready
 *    A subclass keeps only its handlers (in register()) and its sync.
 */
import { WorkQueue, type WorkQueueOptions } from '../../client/workqueue.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { EngineContext } from '../../component.js';
import { keyOf, type Informer } from '../../client/informer.js';
import { Recorder, type EventRecorder } from '../../events/recorder.js';
import { sharedInformers } from './informers.js';

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

/**
 * The lifecycle shared by the queue-driven controllers (see the header). The main queue's sync
 * handler is `sync`; controllers with more queues (the Job controller's orphan pods, the garbage
 * collector's attemptToOrphan) add them with addWorker().
 */
export abstract class Controller {
  /** The main work queue and its workers. */
  readonly worker: QueueWorker;
  /** Seam: re-sync a key after a delay (tests record instead of waiting). */
  requeueAfter: (key: string, ms: number) => void = (key, ms) => this.worker.queue.addAfter(key, ms);
  private readonly extraWorkers: QueueWorker[] = [];
  private readonly held: Informer<KubeObject>[] = [];
  private ownRecorder: Recorder | undefined;
  private started = false;
  private startTimer: NodeJS.Immediate | undefined;

  constructor(
    readonly ctx: EngineContext,
    name: string,
    workerOptions: QueueWorkerOptions = {},
  ) {
    // Late-bound: the subclass's fields are not initialized yet while this constructor runs.
    this.worker = new QueueWorker(name, (key) => this.sync(key), workerOptions);
  }

  /** Reconciles one key of the main queue; re-reads everything from the caches; idempotent. */
  abstract sync(key: string): void | Promise<void>;

  /**
   * Takes the informers (this.informer()) and adds the event handlers; called once, by start().
   * Returns false when the controller has nothing to do on this engine (its kind is not served).
   */
  protected abstract register(): void | boolean;

  /** Hook: after the informers started (their caches are filled: the list is synchronous). */
  protected onStart(): void {}

  /** Hook: the last step of stop(). */
  protected onStop(): void {}

  /** A shared informer of a kind, released again on stop(). Call from register(). */
  protected informer<T extends KubeObject = KubeObject>(group: string, kind: string): Informer<T> {
    const inf = sharedInformers(this.ctx).informer<T>(group, kind);
    this.held.push(inf as unknown as Informer<KubeObject>);
    return inf;
  }

  /** An extra queue run, stopped and drained with the main one (one worker each). */
  protected addWorker(name: string, handler: SyncHandler, opts: QueueWorkerOptions = {}): QueueWorker {
    const w = new QueueWorker(name, handler, opts);
    this.extraWorkers.push(w);
    return w;
  }

  /** The injected event recorder, or one of the controller's own (stopped with it). */
  protected recorderFor(component: string, injected: EventRecorder | undefined): EventRecorder {
    if (injected) return injected;
    this.ownRecorder = new Recorder(this.ctx.client, { component, clock: this.ctx.clock });
    return this.ownRecorder;
  }

  enqueue(o: KubeObject): void {
    this.worker.enqueue(keyOf(o));
  }

  /** Registers handlers and starts the informers (synchronously); workers only with run(). */
  start(): void {
    if (this.started) return;
    if (this.register() === false) {
      this.releaseInformers();
      return;
    }
    this.started = true;
    sharedInformers(this.ctx).start();
    this.onStart();
  }

  /** start() and the worker loops. */
  run(workers = 1): void {
    this.start();
    if (!this.started) return;
    this.worker.run(workers);
    for (const w of this.extraWorkers) w.run(1);
  }

  /** Defers run() so that the controller manager's factory returns at once. */
  runDeferred(workers = 1): void {
    this.startTimer = setImmediate(() => {
      this.startTimer = undefined;
      this.run(workers);
    });
  }

  async stop(): Promise<void> {
    if (this.startTimer) clearImmediate(this.startTimer);
    await this.worker.stop();
    for (const w of this.extraWorkers) await w.stop();
    if (this.started) this.releaseInformers();
    this.ownRecorder?.stop();
    this.onStop();
  }

  /** Tests: runs every ready key of every queue. */
  async drain(): Promise<number> {
    let n = await this.worker.drain();
    for (const w of this.extraWorkers) n += await w.drain();
    return n;
  }

  private releaseInformers(): void {
    sharedInformers(this.ctx).release(...this.held);
    this.held.length = 0;
  }
}

/** controller-manager entry point for a Controller: construct, run on the next turn. */
export function startDeferred<C extends Controller>(c: C): { stop(): Promise<void> } {
  c.runDeferred();
  return c;
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
