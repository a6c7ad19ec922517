/**
 * The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a
 * finished Job `spec.ttlSecondsAfterFinished` seconds after its Complete/Failed condition's
 * lastTransitionTime, with foreground propagation (its pods go first, via the garbage
 * collector) and a UID precondition (a new Job of the same name is never touched).
 *
 * Time is event driven: a Job that expires later is re-queued for that moment, so nothing
 * polls. Before deleting, the Job is re-read from the API (not the cache): the TTL may have
 * been changed or removed meanwhile.
 */
import type { EngineContext } from '../../component.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import { QueueWorker, isConflict, isNotFound, parseTime } from '../shared/controller.js';
import { sharedInformers } from '../shared/informers.js';
import { finishedCondition, type Job } from '../job/types.js';

export class TTLAfterFinishedController {
  readonly worker: QueueWorker;
  private jobInformer!: Informer<Job>;
  private readonly jobClient: ResourceClient<Job>;
  private startTimer: NodeJS.Immediate | undefined;
  private started = false;
  /** Seam: re-sync a key after a delay. */
  requeueAfter: (key: string, ms: number) => void;

  constructor(private readonly ctx: EngineContext) {
    this.worker = new QueueWorker('ttl-after-finished-controller', (key) => this.sync(key));
    this.jobClient = ctx.client.resource<Job>('batch', 'Job');
    this.requeueAfter = (key, ms) => this.worker.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const f = sharedInformers(this.ctx);
    this.jobInformer = f.informer<Job>('batch', 'Job');
    const maybe = (j: Job) => {
      if (needsCleanup(j)) this.worker.enqueue(keyOf(j));
    };
    this.jobInformer.addHandler({ add: maybe, update: (_o, j) => maybe(j) });
    f.start();
  }

  run(): void {
    this.start();
    this.worker.run(1);
  }

  runDeferred(): void {
    this.startTimer = setImmediate(() => {
      this.startTimer = undefined;
      this.run();
    });
  }

  async stop(): Promise<void> {
    if (this.startTimer) clearImmediate(this.startTimer);
    await this.worker.stop();
    if (this.started) sharedInformers(this.ctx).release(this.jobInformer);
  }

  drain(): Promise<number> {
    return this.worker.drain();
  }

  /** processJob: deletes the Job if its TTL has run out, else comes back when it will. */
  sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const cached = this.jobInformer.get(namespace, name);
    if (!cached || !needsCleanup(cached)) return;
    const left = this.timeLeft(cached);
    if (left === undefined) return;
    if (left > 0) {
      this.requeueAfter(key, left);
      return;
    }
    // The cache may be stale: check the latest copy before deleting.
    const fresh = this.jobClient.get(namespace, name);
    if (!fresh || !needsCleanup(fresh)) return;
    const freshLeft = this.timeLeft(fresh);
    if (freshLeft === undefined) return;
    if (freshLeft > 0) {
      this.requeueAfter(key, freshLeft);
      return;
    }
    try {
      this.jobClient.delete(namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return; // gone, or replaced by a namesake
      throw e;
    }
  }

  /** Milliseconds until the Job expires (≤ 0: expired); undefined when it never does. */
  private timeLeft(job: Job): number | undefined {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const finished = parseTime(finishedCondition(job)?.lastTransitionTime);
    if (ttl === undefined || ttl === null || finished === undefined) return undefined;
    return finished + ttl * 1000 - this.ctx.clock.now().getTime();
  }
}

/** A finished Job with a TTL, not already being deleted. */
function needsCleanup(j: Job): boolean {
  return j.metadata.deletionTimestamp === undefined && typeof j.spec?.ttlSecondsAfterFinished === 'number' && finishedCondition(j) !== undefined;
}

/** controller-manager entry point: `ttlafterfinished`. */
export function startTTLAfterFinishedController(ctx: EngineContext): { stop(): Promise<void> } {
  const c = new TTLAfterFinishedController(ctx);
  c.runDeferred();
  return c;
}
