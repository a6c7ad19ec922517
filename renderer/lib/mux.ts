/**
 * The client side of the dashboard's stream multiplexer (engine/dashboard/mux.ts): every
 * long-lived stream (watches, followed logs) of this tab shares one WebSocket, so the browser's
 * six-connections-per-host limit never stalls the UI. Connects lazily, reconnects (with backoff)
 * only while streams or listeners want it; a broken connection fails its open streams, whose
 * owners resume (a watch continues from its resourceVersion).
 */
export interface StreamHandlers {
  onOpen?: () => void;
  onData: (text: string) => void;
  onEnd: () => void;
  onError: (code: number, message: string, reason?: string) => void;
}

type Msg = { id?: number; status?: number; data?: string; end?: boolean; error?: { code: number; message: string; reason?: string }; event?: string };

class Mux {
  private ws: WebSocket | undefined;
  private ready = false;
  private seq = 0;
  private readonly streams = new Map<number, StreamHandlers>();
  private readonly pending: string[] = [];
  private readonly events = new Map<string, Set<() => void>>();
  private backoff = 500;
  private retry: ReturnType<typeof setTimeout> | undefined;

  private connect(): void {
    if (this.ws) return;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/skiff/mux`);
    this.ws = ws;
    ws.onopen = () => {
      this.ready = true;
      this.backoff = 500;
      for (const m of this.pending.splice(0)) ws.send(m);
      // Changes may have happened while disconnected.
      for (const set of this.events.values()) for (const fn of set) fn();
    };
    ws.onmessage = (ev) => {
      let m: Msg;
      try {
        m = JSON.parse(ev.data as string) as Msg;
      } catch {
        return;
      }
      if (m.event) {
        for (const fn of this.events.get(m.event) ?? []) fn();
        return;
      }
      const h = m.id !== undefined ? this.streams.get(m.id) : undefined;
      if (!h) return;
      if (m.status !== undefined) h.onOpen?.();
      else if (m.data !== undefined) h.onData(m.data);
      else if (m.end) {
        this.streams.delete(m.id!);
        h.onEnd();
      } else if (m.error) {
        this.streams.delete(m.id!);
        h.onError(m.error.code, m.error.message, m.error.reason);
      }
    };
    ws.onclose = () => {
      this.ws = undefined;
      this.ready = false;
      this.pending.length = 0;
      const broken = [...this.streams.values()];
      this.streams.clear();
      for (const h of broken) h.onError(0, 'connection to the dashboard lost');
      if (this.events.size > 0 && !this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.connect();
        }, this.backoff);
        this.backoff = Math.min(this.backoff * 2, 15_000);
      }
    };
  }

  private send(m: unknown): void {
    const text = JSON.stringify(m);
    this.connect();
    if (this.ready && this.ws) this.ws.send(text);
    else this.pending.push(text);
  }

  /** Opens a GET stream of a Kubernetes API path on a context. Returns a function that closes it. */
  open(context: string, path: string, h: StreamHandlers): () => void {
    const id = ++this.seq;
    this.streams.set(id, h);
    this.send({ op: 'open', id, context, path });
    return () => {
      if (this.streams.delete(id) && this.ws) this.send({ op: 'close', id });
    };
  }

  /** Subscribes to a backend change notification ('contexts', 'portforwards'). */
  on(event: string, fn: () => void): () => void {
    let set = this.events.get(event);
    if (!set) this.events.set(event, (set = new Set()));
    set.add(fn);
    this.connect();
    return () => {
      set.delete(fn);
      if (set.size === 0) this.events.delete(event);
    };
  }
}

export const mux = new Mux();

/** Splits a stream of text into lines. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  };
}
