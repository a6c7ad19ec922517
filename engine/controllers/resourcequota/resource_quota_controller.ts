/**
 * The resourcequota controller (upstream pkg/controller/resourcequota): keeps each
 * ResourceQuota's `status.hard` equal to `spec.hard` and `status.used` equal to what the
 * namespace uses, so `kubectl describe quota` and `kubectl get quota` show live numbers.
 * Usage comes from the same evaluators the admission plugin charges with (engine/quota).
 *
 * Handlers only enqueue quota keys: a quota's own add or spec change, and any add, delete or
 * usage-relevant update of a tracked object (pods, services, claims, configmaps, secrets,
 * replication controllers, quotas) enqueues every quota of that namespace. Kinds counted
 * through `count/<resource>.<group>` get a shared informer the first time a quota names them.
 * Sync recomputes from the informer caches and writes status only when it changed, so it is
 * idempotent. Like upstream's resync period, every quota is recomputed every few minutes
 * (a pod stuck terminating stops counting once its grace period is over, without an event).
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone } from '../../api/types.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf } from '../../client/informer.js';
import { QueueWorker } from '../shared/controller.js';
import { sharedInformers } from '../shared/informers.js';
import { calculateUsage, evaluatorsFor, hardOf, mask, toJSON, type Lister, type QuotaLike } from '../../quota/quota.js';

export const RESYNC_MS = 5 * 60_000;

/** Kinds watched from the start: the ones upstream's controller replenishes on events. */
const TRACKED: { group: string; kind: string; plural: string }[] = [
  { group: '', kind: 'Pod', plural: 'pods' },
  { group: '', kind: 'Service', plural: 'services' },
  { group: '', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims' },
  { group: '', kind: 'ConfigMap', plural: 'configmaps' },
  { group: '', kind: 'Secret', plural: 'secrets' },
  { group: '', kind: 'ReplicationController', plural: 'replicationcontrollers' },
];

export interface ResourceQuotaControllerOptions {
  resyncMs?: number;
}

export class ResourceQuotaController {
  readonly worker: QueueWorker;
  private quotaInformer!: Informer<QuotaLike>;
  /** group/plural → informer (the tracked kinds plus count/* kinds added on demand). */
  private readonly informers = new Map<string, Informer>();
  private readonly quotaClient: ResourceClient<QuotaLike>;
  private readonly resyncMs: number;
  private startTimer: NodeJS.Immediate | undefined;
  private started = false;
  /** Seam: re-sync a key after a delay. */
  requeueAfter: (key: string, ms: number) => void;

  constructor(
    private readonly ctx: EngineContext,
    opts: ResourceQuotaControllerOptions = {},
  ) {
    this.worker = new QueueWorker('resourcequota-controller', (key) => this.sync(key));
    this.quotaClient = ctx.client.resource<QuotaLike>('', 'ResourceQuota');
    this.resyncMs = opts.resyncMs ?? RESYNC_MS;
    this.requeueAfter = (key, ms) => this.worker.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const f = sharedInformers(this.ctx);
    this.quotaInformer = f.informer<QuotaLike>('', 'ResourceQuota');
    this.quotaInformer.addHandler({
      add: (q) => this.worker.enqueue(keyOf(q)),
      update: (o, q) => {
        // Our own status writes leave the spec alone and need no new sync.
        if (JSON.stringify(o.spec) !== JSON.stringify(q.spec) || !q.status) this.worker.enqueue(keyOf(q));
      },
    });
    for (const t of TRACKED) this.track(t.group, t.kind, t.plural, false);
    // Quotas count each other too ("resourcequotas", count/resourcequotas).
    this.quotaInformer.addHandler({ add: (q) => this.namespaceChanged(q), delete: (q) => this.namespaceChanged(q) });
    this.informers.set('/resourcequotas', this.quotaInformer as unknown as Informer);
    f.start();
  }

  /** Watches one kind: its changes re-sync the quotas of the namespace they happen in. */
  private track(group: string, kind: string, plural: string, startNow: boolean): Informer {
    const f = sharedInformers(this.ctx);
    const inf = f.informer(group, kind);
    this.informers.set(`${group}/${plural}`, inf);
    inf.addHandler({
      add: (o) => this.namespaceChanged(o),
      delete: (o) => this.namespaceChanged(o),
      update: (old, o) => {
        if (usageMayDiffer(kind, old, o)) this.namespaceChanged(o);
      },
    });
    if (startNow) f.start();
    return inf;
  }

  private namespaceChanged(o: KubeObject): void {
    const ns = o.metadata.namespace;
    if (!ns) return;
    for (const q of this.quotaInformer.list(ns)) this.worker.enqueue(keyOf(q));
  }

  /** The informer of a resource, created (and filled) on first use for count/* kinds. */
  private informerFor(group: string, plural: string): Informer | undefined {
    const have = this.informers.get(`${group}/${plural}`);
    if (have) return have;
    const def = this.ctx.registry.all().find((d) => d.group === group && d.plural === plural && d.namespaced);
    if (!def) return undefined;
    return this.track(group, def.kind, plural, true);
  }

  private readonly lister: Lister = (group, plural, namespace) => this.informerFor(group, plural)?.list(namespace) ?? [];

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
    if (this.started) sharedInformers(this.ctx).release(...this.informers.values());
  }

  drain(): Promise<number> {
    return this.worker.drain();
  }

  sync(key: string): void {
    const q = this.quotaInformer.getByKey(key);
    if (!q || q.metadata.deletionTimestamp) return;
    const hard = hardOf(q);
    // Make sure every count/* kind is watched before summing, so later changes re-sync.
    for (const { evaluator } of evaluatorsFor(hard.keys())) this.informerFor(evaluator.group, evaluator.plural);
    const used = calculateUsage(q, this.lister, this.ctx.clock.now().getTime());
    const status = { hard: toJSON(hard), used: toJSON(mask(used, hard.keys())) };
    this.requeueAfter(key, this.resyncMs);
    if (sameStatus(q.status, status)) return;
    const next = clone(q);
    next.status = status;
    this.quotaClient.updateStatus(next);
  }
}

function sameStatus(a: QuotaLike['status'], b: { hard: Record<string, string>; used: Record<string, string> }): boolean {
  if (!a) return false;
  const canon = (m: Record<string, unknown> | undefined) => JSON.stringify(toJSON(hardOf({ metadata: {}, spec: { hard: m } })));
  return canon(a.hard) === JSON.stringify(b.hard) && canon(a.used) === JSON.stringify(b.used) && Object.keys(a.hard ?? {}).length === Object.keys(b.hard).length;
}

/** Updates that can change what an object uses: a pod's phase or deletion, a service's or claim's spec. */
function usageMayDiffer(kind: string, old: KubeObject, o: KubeObject): boolean {
  if (kind === 'Pod') {
    const phase = (x: KubeObject) => (x.status as { phase?: string } | undefined)?.phase;
    return phase(old) !== phase(o) || old.metadata.deletionTimestamp !== o.metadata.deletionTimestamp;
  }
  if (kind === 'Service' || kind === 'PersistentVolumeClaim') return JSON.stringify(old.spec) !== JSON.stringify(o.spec) || JSON.stringify(old.status) !== JSON.stringify(o.status);
  return false;
}

export function startResourceQuotaController(ctx: EngineContext): { stop(): Promise<void> } {
  const c = new ResourceQuotaController(ctx);
  c.runDeferred();
  return c;
}
