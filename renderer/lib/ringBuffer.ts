/**
 * A fixed-capacity ring buffer: pushing past capacity drops the oldest entry. Bounds the memory
 * of followed logs (k9s grew to 30 GB tailing logs for an hour; this never does). No imports, so
 * it is unit-tested under Node as well.
 */
export class RingBuffer<T> {
  private buf: (T | undefined)[];
  private start = 0;
  private len = 0;
  /** How many entries have been dropped since creation. */
  dropped = 0;
  /** Bumped on every change; cheap change detection for React. */
  version = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
    this.buf = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.len;
  }

  push(item: T): void {
    if (this.len < this.capacity) {
      this.buf[(this.start + this.len) % this.capacity] = item;
      this.len++;
    } else {
      this.buf[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
      this.dropped++;
    }
    this.version++;
  }

  pushAll(items: Iterable<T>): void {
    for (const i of items) this.push(i);
  }

  /** The i-th oldest retained entry. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.len) return undefined;
    return this.buf[(this.start + i) % this.capacity];
  }

  toArray(): T[] {
    const out: T[] = new Array<T>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.buf[(this.start + i) % this.capacity] as T;
    return out;
  }

  clear(): void {
    this.buf = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.len = 0;
    this.version++;
  }
}
