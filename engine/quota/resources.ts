/**
 * ResourceList arithmetic for quota (upstream pkg/quota/v1/resources.go): a resource name →
 * Quantity map with add, subtract, mask, less-or-equal and the `k=v,k=v` pretty printer the
 * admission messages use. Sums keep the format of the first non-zero addend, as upstream's
 * Quantity.Add does, so memory sums print as "128Mi" and cpu sums as "1500m".
 */
import { Quantity, tryParseQuantity, type QuantityFormat } from '../api/quantity.js';
import { isPlainObject } from '../api/types.js';

export type ResourceList = Map<string, Quantity>;

export const ZERO = Quantity.parse('0');

/** Parses a JSON resource map (spec.hard, container requests…); invalid values are skipped. */
export function parseList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isPlainObject(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const q = tryParseQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

/** The JSON form (canonical quantity strings), keys sorted. */
export function toJSON(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = (list.get(k) as Quantity).toString();
  return out;
}

export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? cur.add(v) : v);
  }
  return out;
}

/** a − b per key of a, never below zero (upstream SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of a) {
    const o = b.get(k);
    const d = o ? v.sub(o) : v;
    out.set(k, d.negative ? ZERO : d);
  }
  return out;
}

/** Only the keys in `names`. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, v]) => !v.isZero()));
}

/** Whether every value of `a` is ≤ the same key of `b` (keys missing from b are unbounded); the keys that are not. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { ok: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of a) {
    const limit = b.get(k);
    if (limit && v.cmp(limit) > 0) exceeded.push(k);
  }
  return { ok: exceeded.length === 0, exceeded };
}

/** Upstream's prettyPrint: "k=v,k=v" with keys sorted. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${(list.get(k) as Quantity).toString()}`)
    .join(',');
}

/** Per-key maximum (init containers run one at a time). */
export function max(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (!cur || v.cmp(cur) > 0) out.set(k, v);
  }
  return out;
}

export function equal(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || o.cmp(v) !== 0) return false;
  }
  return true;
}

/**
 * Sums many lists at once: each value is added as an exact nano-unit BigInt (every quantity
 * upstream accepts is a whole number of nano-units) and turned back into a Quantity once per
 * resource, not once per addend — what keeps a namespace-wide sum cheap.
 */
/** Quantities are immutable: their nano-unit value is computed once. */
const NANOS = new WeakMap<Quantity, bigint>();

export class Accumulator {
  private readonly sums = new Map<string, { nanos: bigint; format: QuantityFormat | undefined }>();

  /** Starts tracking `name` at zero (so it is reported even when nothing uses it). */
  track(name: string): void {
    if (!this.sums.has(name)) this.sums.set(name, { nanos: 0n, format: undefined });
  }

  /** Adds the values of `list` whose names are tracked. */
  addTracked(list: ResourceList): void {
    for (const [k, v] of list) {
      const s = this.sums.get(k);
      if (!s) continue;
      if (s.format === undefined && !v.isZero()) s.format = v.format;
      let n = NANOS.get(v);
      if (n === undefined) NANOS.set(v, (n = v.scaled(-9)));
      s.nanos += n;
    }
  }

  result(): ResourceList {
    const out: ResourceList = new Map();
    for (const [k, { nanos, format }] of this.sums) {
      out.set(k, nanos === 0n ? ZERO : Quantity.parse(`${nanos}n`).withFormat(format ?? 'DecimalSI'));
    }
    return out;
  }
}
