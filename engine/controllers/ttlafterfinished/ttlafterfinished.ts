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
import { Controller, isConflict, isNotFound, parseTime, startDeferred } from '../shared/controller.js';
import { finishedCondition, type Job } from '../job/types.js';

export class TTLAfterFinishedController extends Controller {
  private jobInformer!: Informer<Job>;
  private readonly jobClient: ResourceClient<Job>;

  constructor(ctx: EngineContext) {
    super(ctx, 'ttl-after-finished-controller');
    this.jobClient = ctx.client.resource<Job>('batch', 'Job');
  }

  protected register(): void {
    this.jobInformer = this.informer<Job>('batch', 'Job');
    const maybe = (j: Job) => {
      if (needsCleanup(j)) this.worker.enqueue(keyOf(j));
    };
    this.jobInformer.addHandler({ add: maybe, update: (_o, j) => maybe(j) });
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
  return startDeferred(new TTLAfterFinishedController(ctx));
}
