/**
 * Shared informers for the controller manager, as client-go's SharedInformerFactory: one cache
 * per kind per engine, whichever controllers ask for it. Several controllers watching pods (the
 * ReplicaSet, Deployment, Endpoints, EndpointSlice controllers, the garbage collector…) share one
 * list-then-watch and one cache instead of holding a copy each.
 *
 * Controllers built on the Controller base (controller.ts) call its informer() in register(),
 * which does the bookkeeping below. Direct usage, in a start (never in a factory, which must
 * return at once):
 *   const f = sharedInformers(ctx);
 *   const pods = f.informer<Pod>('', 'Pod');   // before start: handlers added now see the initial list
 *   pods.addHandler({...});
 *   f.start();                                  // starts every informer not started yet
 *   ...
 *   f.release(pods)                             // on stop; the last user stops the informer
 *
 * The factory is keyed by the EngineContext (a WeakMap), so unit tests that build their own
 * context get their own caches and nothing is global.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { Informer } from '../../client/informer.js';

interface Slot {
  informer: Informer<KubeObject>;
  users: number;
  started: boolean;
}

export class InformerFactory {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly ctx: Pick<EngineContext, 'client'>) {}

  /**
   * The shared informer of a kind (group '' = core). Each call counts as one user; pair it with
   * release() when the caller stops.
   */
  informer<T extends KubeObject = KubeObject>(group: string, kind: string): Informer<T> {
    const key = `${group}/${kind}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { informer: new Informer(this.ctx.client.resource(group, kind)), users: 0, started: false };
      this.slots.set(key, slot);
    }
    slot.users++;
    return slot.informer as unknown as Informer<T>;
  }

  /** Starts (list, then watch) every informer that has not been started yet. */
  start(): void {
    for (const slot of this.slots.values()) {
      if (slot.started) continue;
      slot.started = true;
      slot.informer.start();
    }
  }

  /** One user is done with these informers; the last one out stops the watch. */
  release(...informers: Informer<KubeObject>[] | Informer<never>[]): void {
    for (const inf of informers as Informer<KubeObject>[]) {
      for (const [key, slot] of this.slots) {
        if (slot.informer !== inf) continue;
        slot.users--;
        if (slot.users <= 0) {
          slot.informer.stop();
          this.slots.delete(key);
        }
      }
    }
  }
}

const factories = new WeakMap<object, InformerFactory>();

/** The informer factory shared by every controller of one engine. */
export function sharedInformers(ctx: Pick<EngineContext, 'client'>): InformerFactory {
  let f = factories.get(ctx.client);
  if (!f) {
    f = new InformerFactory(ctx);
    factories.set(ctx.client, f);
  }
  return f;
}
