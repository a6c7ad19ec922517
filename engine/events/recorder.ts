/**
 * An event recorder for engine components, modelled on client-go's tools/record: components
 * call `recorder.event(pod, 'Warning', 'FailedScheduling', msg)` and core/v1 Events appear as
 * kubectl shows them for real clusters (`kubectl describe`, `kubectl get events`).
 *
 * What it keeps from upstream (events_cache.go):
 * - Dedup: the same source + object + type + reason + message again → the existing Event is
 *   updated (count+1, lastTimestamp) instead of a new one ("x3 over 2m" in describe).
 * - Aggregation: more than 10 distinct messages for the same source + object + type + reason
 *   within 10 minutes collapse into one Event "(combined from similar events): <latest>".
 * - Spam filter: a token bucket per source + object + type + reason (burst 25, one more every
 *   5 minutes); events over it are dropped, as upstream drops them.
 * - Names `<object name>.<hex nanoseconds>`, namespace of the object ("default" for cluster
 *   scoped ones), firstTimestamp/lastTimestamp/count/source/reportingComponent/reportingInstance.
 *
 * Writes are batched: `event()` only queues, and the queue is written on the next turn of the
 * event loop (like the broadcaster's goroutine), so a hot loop (the scheduler binding thousands
 * of pods) is not slowed by event writes in its own stack. `flush()` writes at once (tests).
 */
import { hostname } from 'node:os';
import type { Clock } from '../api/clock.js';
import { realClock } from '../api/clock.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/client.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorder {
  /** Records an event about `obj` (an API object or a reference to one). Never throws. */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void;
}

export interface RecorderOptions {
  /** source.component and reportingComponent, e.g. "default-scheduler", "kubelet". */
  component: string;
  /** source.host (kubelets set their node name). */
  host?: string;
  /** reportingInstance; defaults to `<component>-<hostname>`. */
  instance?: string;
  clock?: Clock;
  /** Write inside `event()` instead of on the next turn of the event loop. */
  sync?: boolean;
  /** Spam filter: burst and refill interval (ms per token). Burst 0 disables it. */
  spamBurst?: number;
  spamRefillMs?: number;
}

const MAX_LRU = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const MESSAGE_LIMIT = 1024;

interface LoggedEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

interface Aggregate {
  messages: Set<string>;
  lastMs: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

interface Pending {
  ref: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  at: Date;
}

/** The reference an Event's involvedObject holds for `obj`. */
export function objectReference(obj: KubeObject | ObjectReference): ObjectReference {
  if (!('metadata' in obj)) return obj;
  const o = obj;
  const ref: ObjectReference = {
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    uid: o.metadata.uid,
    apiVersion: o.apiVersion,
    resourceVersion: o.metadata.resourceVersion,
  };
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined) delete ref[k];
  return ref;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export class Recorder implements EventRecorder {
  private readonly clock: Clock;
  private readonly instance: string;
  private readonly logged = new Map<string, LoggedEvent>();
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, Bucket>();
  private queue: Pending[] = [];
  private scheduled = false;
  private stopped = false;
  private seq = 0;

  constructor(
    private readonly client: Client,
    private readonly opts: RecorderOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.instance = opts.instance ?? `${opts.component}-${hostname()}`;
  }

  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    if (this.stopped) return;
    const ref = objectReference(obj);
    if (!ref.name) return;
    this.queue.push({ ref, type, reason, message, at: this.clock.now() });
    if (this.opts.sync) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes every queued event now. */
  flush(): void {
    const batch = this.queue;
    this.queue = [];
    for (const p of batch) {
      try {
        this.write(p);
      } catch (e) {
        // Events are best effort (upstream logs and drops too): never break the caller.
        if (!this.stopped) console.error(`event ${p.reason} for ${p.ref.kind ?? ''}/${p.ref.name ?? ''}: ${(e as Error).message}`);
      }
    }
  }

  /** Writes what is queued and ignores later events. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }

  private allowed(key: string, nowMs: number): boolean {
    const burst = this.opts.spamBurst ?? 25;
    if (burst <= 0) return true;
    const refill = this.opts.spamRefillMs ?? 300_000;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: burst, lastMs: nowMs };
      this.remember(this.buckets, key, b);
    }
    const gained = Math.floor((nowMs - b.lastMs) / refill);
    if (gained > 0) {
      b.tokens = Math.min(burst, b.tokens + gained);
      b.lastMs += gained * refill;
    }
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private remember<V>(m: Map<string, V>, key: string, v: V): void {
    m.delete(key);
    m.set(key, v);
    if (m.size > MAX_LRU) m.delete(m.keys().next().value as string);
  }

  private write(p: Pending): void {
    const { ref, type, reason } = p;
    const nowMs = p.at.getTime();
    const src = [this.opts.component, this.opts.host ?? ''];
    const obj = [ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion].map((x) => x ?? '');
    const groupKey = [...src, ...obj, type, reason].join('\u0000');
    if (!this.allowed(groupKey, nowMs)) return;

    // Aggregation of similar events (same everything but the message).
    let message = p.message.length > MESSAGE_LIMIT ? p.message.slice(0, MESSAGE_LIMIT - 3) + '...' : p.message;
    let agg = this.aggregates.get(groupKey);
    if (!agg || nowMs - agg.lastMs > AGGREGATE_INTERVAL_MS) agg = { messages: new Set(), lastMs: nowMs };
    agg.lastMs = nowMs;
    agg.messages.add(message);
    this.remember(this.aggregates, groupKey, agg);
    let dedupKey = [...src, ...obj, ref.fieldPath ?? '', type, reason, message].join('\u0000');
    if (agg.messages.size >= AGGREGATE_MAX_EVENTS) {
      message = `(combined from similar events): ${message}`;
      dedupKey = groupKey; // all similar events now land on one Event
    }

    const events = this.client.resource('', 'Event');
    const now = timestamp(p.at);
    const prev = this.logged.get(dedupKey);
    if (prev) {
      const updated = events.modify(prev.namespace, prev.name, (e) => {
        e.count = (typeof e.count === 'number' ? e.count : prev.count) + 1;
        e.lastTimestamp = now;
        e.message = message;
      });
      if (updated) {
        prev.count = updated.count as number;
        this.remember(this.logged, dedupKey, prev);
        return;
      }
      // The Event was deleted (TTL, user): start a new one.
    }
    const namespace = ref.namespace || 'default';
    const name = `${ref.name}.${this.suffix(nowMs)}`;
    const involvedObject: ObjectReference = { ...ref };
    events.create(
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject,
        reason,
        message,
        source: this.opts.host ? { component: this.opts.component, host: this.opts.host } : { component: this.opts.component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: this.opts.component,
        reportingInstance: this.instance,
      },
      namespace,
    );
    this.remember(this.logged, dedupKey, { name, namespace, count: 1, firstTimestamp: now });
  }

  /** Hex nanoseconds, unique within this recorder even for events in the same millisecond. */
  private suffix(nowMs: number): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return (BigInt(nowMs) * 1_000_000n + BigInt(this.seq)).toString(16);
  }
}
