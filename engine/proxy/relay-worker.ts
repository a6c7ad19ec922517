/**
 * The NodePort/LoadBalancer relays on their own thread: a byte pump must not wait behind the
 * engine's control-plane work (a big LIST, a SQLite write, a burst of pod syncs), so the
 * {@link UserspaceProxy} and its {@link Balancer} run in a worker_thread with its own event loop.
 * The main thread (RelayHost) sends the wanted listeners and the current endpoints of each
 * service port after every sync; the worker answers which listeners could not be bound.
 *
 * Protocol (structured-clone messages):
 *   → { id, type: 'reconcile', listeners: ListenerSpec[], targets: Target[] }
 *   ← { id, errors: [key, message][], bound: string[] }
 *   → { id, type: 'close' }  ← { id, errors: [], bound: [] }
 */
import { parentPort, isMainThread, Worker } from 'node:worker_threads';
import { Balancer } from './balancer.js';
import type { Endpoint, ServicePort } from './model.js';
import { UserspaceProxy, type ListenerSpec } from './userspace.js';

/** What the relay needs of a service port to pick an endpoint. */
export type Target = Pick<ServicePort, 'key' | 'endpoints' | 'affinitySeconds'>;

interface Request {
  id: number;
  type: 'reconcile' | 'close';
  listeners?: ListenerSpec[];
  targets?: Target[];
}

interface Reply {
  id: number;
  errors: [string, string][];
  bound: string[];
  /** Set by the host when the worker died before answering. */
  failed?: boolean;
}

/** The worker side. */
function serve(port: NonNullable<typeof parentPort>): void {
  const proxy = new UserspaceProxy();
  const balancer = new Balancer();
  let targets = new Map<string, Target>();
  const pick = (owner: string, ip: string): Endpoint | undefined => {
    const t = targets.get(owner);
    return t ? balancer.pick(t, ip) : undefined;
  };
  port.on('message', (m: Request) => {
    void (async () => {
      if (m.type === 'close') {
        await proxy.close();
        port.postMessage({ id: m.id, errors: [], bound: [] } satisfies Reply);
        return;
      }
      targets = new Map((m.targets ?? []).map((t) => [t.key, t]));
      balancer.prune(new Set(targets.keys()));
      const listeners = m.listeners ?? [];
      const errors = await proxy.reconcile(listeners.map((spec) => ({ spec, pick: (ip: string) => pick(spec.owner, ip) })));
      port.postMessage({ id: m.id, errors: [...errors], bound: listeners.filter((l) => proxy.bound(l.key)).map((l) => l.key) } satisfies Reply);
    })();
  });
}

if (!isMainThread && parentPort) serve(parentPort);

/**
 * The main-thread handle. Falls back to running the relays in this thread if a worker cannot be
 * started (an embedding that forbids workers).
 */
export class RelayHost {
  private worker: Worker | undefined;
  private fallback: { proxy: UserspaceProxy; balancer: Balancer; targets: Map<string, Target> } | undefined;
  private readonly pending = new Map<number, (r: Reply) => void>();
  private seq = 0;
  private boundKeys = new Set<string>();
  private closing = false;

  private ensure(): void {
    if (this.worker || this.fallback) return;
    try {
      const w = new Worker(new URL('./relay-worker.js', import.meta.url));
      w.on('message', (r: Reply) => {
        this.pending.get(r.id)?.(r);
        this.pending.delete(r.id);
      });
      // A worker that cannot load or dies: carry on in this thread (pending calls are answered
      // with an error marker and redone by the fallback).
      const failed = (why: string) => {
        if (this.worker !== w) return;
        console.error(`proxy: relay worker ${why}; relays continue on the main thread`);
        this.worker = undefined;
        this.fallback = { proxy: new UserspaceProxy(), balancer: new Balancer(), targets: new Map() };
        for (const [id, done] of this.pending) done({ id, errors: [], bound: [], failed: true });
        this.pending.clear();
      };
      w.on('error', (e) => failed(`failed: ${e.message}`));
      w.on('exit', (code) => !this.closing && failed(`exited (${code})`));
      w.unref();
      this.worker = w;
    } catch (e) {
      console.error(`proxy: relays run on the main thread (${(e as Error).message})`);
      this.fallback = { proxy: new UserspaceProxy(), balancer: new Balancer(), targets: new Map() };
    }
  }

  private call(req: Omit<Request, 'id'>): Promise<Reply> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker?.postMessage({ ...req, id });
    });
  }

  /** Makes the listeners exactly `listeners`; returns the ones that failed with the error. */
  async reconcile(listeners: ListenerSpec[], targets: Target[]): Promise<Map<string, string>> {
    if (listeners.length === 0 && !this.worker && !this.fallback) return new Map();
    this.ensure();
    if (this.fallback) {
      const f = this.fallback;
      f.targets = new Map(targets.map((t) => [t.key, t]));
      const errors = await f.proxy.reconcile(listeners.map((spec) => ({ spec, pick: (ip: string) => { const t = f.targets.get(spec.owner); return t ? f.balancer.pick(t, ip) : undefined; } })));
      this.boundKeys = new Set(listeners.filter((l) => f.proxy.bound(l.key)).map((l) => l.key));
      return errors;
    }
    const r = await this.call({ type: 'reconcile', listeners, targets });
    if (r.failed) return this.reconcile(listeners, targets);
    this.boundKeys = new Set(r.bound);
    return new Map(r.errors);
  }

  bound(key: string): boolean {
    return this.boundKeys.has(key);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.fallback) await this.fallback.proxy.close();
    if (this.worker) {
      await this.call({ type: 'close' });
      await this.worker.terminate();
    }
    this.worker = undefined;
    this.fallback = undefined;
    this.boundKeys.clear();
  }
}
