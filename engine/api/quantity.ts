/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): parse "100m", "1.5",
 * "128Mi", "1G", "1e3", and print them back in upstream's canonical form, exactly.
 *
 * A quantity is kept as `sign × mantissa × 10^exponent` with a BigInt mantissa: every binary
 * suffix (Ki = 2^10 …) is an integer, so any quantity upstream accepts is exact in this shape.
 * Like upstream, precision finer than 1n (10^-9) is rounded up ("asking for some gets some").
 *
 * The format (DecimalSI, BinarySI, DecimalExponent) comes from the suffix and drives printing:
 *   "1.5"   → 1500m      "1000" → 1k       "1e3" → 1e3      "1024Mi" → 1Gi
 *   "0.5Gi" → 512Mi      "1536Mi" → 1536Mi  "0.1Ki" → 102400m (binary below 1024 prints decimal)
 *
 * The scheduler reads quantities in hot loops: `milliValue`/`value` memoize per string.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const BINARY_POW: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = new Map<number, string>(Object.entries(DECIMAL_EXP).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const NANO = -9;

export class QuantityError extends Error {}

export class Quantity {
  private constructor(
    /** Sign: true for values below zero. */
    readonly negative: boolean,
    /** |value| = mantissa × 10^exponent; mantissa ≥ 0. */
    readonly mantissa: bigint,
    readonly exponent: number,
    readonly format: QuantityFormat,
  ) {}

  /** Parses a quantity string (or a JSON number, which the API also accepts). Throws QuantityError. */
  static parse(input: string | number): Quantity {
    const text = typeof input === 'number' ? numberText(input) : input.trim();
    const m = /^([+-]?)(\d*)(?:\.(\d*))?([a-zA-Z]*)([+-]?\d*)$/.exec(text);
    if (!m) throw new QuantityError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    const [, sign, whole = '', frac = '', letters = '', expDigits = ''] = m;
    if (whole === '' && frac === '') throw new QuantityError(`unable to parse quantity's suffix`);
    let mantissa = BigInt(whole + frac || '0');
    let exponent = -frac.length;
    let format: QuantityFormat;
    const suffix = letters + expDigits;
    if (letters in BINARY_POW && expDigits === '') {
      format = 'BinarySI';
      mantissa *= 1024n ** BigInt(BINARY_POW[letters]);
    } else if (letters in DECIMAL_EXP && expDigits === '') {
      format = 'DecimalSI';
      exponent += DECIMAL_EXP[letters];
    } else if ((letters === 'e' || letters === 'E') && /^[+-]?\d+$/.test(expDigits)) {
      format = 'DecimalExponent';
      exponent += Number(expDigits);
    } else {
      throw new QuantityError(`unable to parse quantity's suffix: "${suffix}"`);
    }
    if (exponent < NANO && mantissa !== 0n) {
      const div = 10n ** BigInt(NANO - exponent);
      mantissa = (mantissa + div - 1n) / div; // round up, as upstream does
      exponent = NANO;
    }
    // Normalise trailing zeros into the exponent so equal values compare equal.
    if (mantissa === 0n) exponent = 0;
    else {
      while (mantissa % 10n === 0n) {
        mantissa /= 10n;
        exponent++;
      }
    }
    return new Quantity(sign === '-' && mantissa !== 0n, mantissa, exponent, format);
  }

  /** A quantity from an integer count of units (bytes, cores…), printed in `format`. */
  static fromInt(n: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.parse(String(n)).withFormat(format);
  }

  /** A quantity from milli-units (1000 = 1), printed as DecimalSI. */
  static fromMilli(milli: number | bigint): Quantity {
    return Quantity.parse(`${String(milli)}m`);
  }

  withFormat(format: QuantityFormat): Quantity {
    return new Quantity(this.negative, this.mantissa, this.exponent, format);
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** The value scaled by 10^scale, rounded up (away from zero, as upstream's AsScale/ScaledValue). */
  scaled(scale: number): bigint {
    const e = this.exponent - scale;
    let v: bigint;
    if (e >= 0) v = this.mantissa * 10n ** BigInt(e);
    else {
      const div = 10n ** BigInt(-e);
      v = (this.mantissa + div - 1n) / div;
    }
    return this.negative ? -v : v;
  }

  /** Integer value, rounded up (Quantity.Value()). */
  valueBig(): bigint {
    return this.scaled(0);
  }

  /** Value in milli-units, rounded up (Quantity.MilliValue()). */
  milliValueBig(): bigint {
    return this.scaled(-3);
  }

  value(): number {
    return Number(this.valueBig());
  }

  milliValue(): number {
    return Number(this.milliValueBig());
  }

  /** Exact value as a float (for ratios in scoring; may lose precision on huge values). */
  toNumber(): number {
    const v = Number(this.mantissa) * 10 ** this.exponent;
    return this.negative ? -v : v;
  }

  cmp(other: Quantity): number {
    const e = Math.min(this.exponent, other.exponent);
    const a = (this.negative ? -1n : 1n) * this.mantissa * 10n ** BigInt(this.exponent - e);
    const b = (other.negative ? -1n : 1n) * other.mantissa * 10n ** BigInt(other.exponent - e);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    return combine(this, other, 1n);
  }

  sub(other: Quantity): Quantity {
    return combine(this, other, -1n);
  }

  /** Upstream's canonical text (Quantity.String()). */
  toString(): string {
    if (this.mantissa === 0n) return '0';
    const sign = this.negative ? '-' : '';
    let format = this.format;
    if (format === 'BinarySI') {
      // Small or fractional binary values print as decimal to avoid rounding (CanonicalizeBytes).
      // (The mantissa has no trailing zeros, so a negative exponent means a fractional value.)
      if (this.exponent < 0 || this.mantissa * 10n ** BigInt(this.exponent) < 1024n) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let n = this.mantissa * 10n ** BigInt(this.exponent);
      let pow = 0;
      while (pow < 6 && n % 1024n === 0n && n !== 0n) {
        n /= 1024n;
        pow++;
      }
      return `${sign}${n}${BINARY_SUFFIX[pow]}`;
    }
    // Decimal: the exponent moves down to a multiple of 3 (the mantissa stays integral).
    let mant = this.mantissa;
    let exp = this.exponent;
    const rem = ((exp % 3) + 3) % 3;
    if (rem !== 0) {
      mant *= 10n ** BigInt(rem);
      exp -= rem;
    }
    if (format === 'DecimalExponent') return `${sign}${mant}${exp === 0 ? '' : `e${exp}`}`;
    // DecimalSI: the largest suffix; beyond E the mantissa grows.
    while (exp > 18) {
      mant *= 1000n;
      exp -= 3;
    }
    return `${sign}${mant}${DECIMAL_SUFFIX.get(exp) ?? ''}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function combine(a: Quantity, b: Quantity, sign: bigint): Quantity {
  const e = Math.min(a.exponent, b.exponent);
  const av = (a.negative ? -1n : 1n) * a.mantissa * 10n ** BigInt(a.exponent - e);
  const bv = (b.negative ? -1n : 1n) * b.mantissa * 10n ** BigInt(b.exponent - e) * sign;
  const sum = av + bv;
  const neg = sum < 0n;
  const text = `${neg ? '-' : ''}${neg ? -sum : sum}e${e}`;
  const format = a.isZero() ? b.format : a.format;
  return Quantity.parse(text).withFormat(format);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(`invalid quantity ${n}`);
  // JSON numbers: avoid "1e-7" style with a lowercase exponent being mistaken — both parse.
  return String(n);
}

/** Parses, or returns undefined for invalid input. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return Quantity.parse(input);
  } catch {
    return undefined;
  }
}

/** Canonical text of a quantity string ("1000" → "1k"); the input itself when it doesn't parse. */
export function canonicalQuantity(input: string | number): string {
  return tryParseQuantity(input)?.toString() ?? String(input);
}

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();
const CACHE_LIMIT = 10_000;

function memo(cache: Map<string, number>, input: unknown, fn: (q: Quantity) => number): number {
  if (typeof input === 'number') return fn(Quantity.parse(input));
  if (typeof input !== 'string') return 0;
  let v = cache.get(input);
  if (v === undefined) {
    const q = tryParseQuantity(input);
    v = q ? fn(q) : 0;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, v);
  }
  return v;
}

/** Milli-units of a quantity (cpu: "100m" → 100, "1.5" → 1500); 0 for missing/invalid. Memoized. */
export function milliValue(input: unknown): number {
  return memo(milliCache, input, (q) => q.milliValue());
}

/** Whole units, rounded up (memory: "128Mi" → 134217728); 0 for missing/invalid. Memoized. */
export function value(input: unknown): number {
  return memo(valueCache, input, (q) => q.value());
}

/** Formats a byte count the way kubelets report memory: Ki when exact, plain bytes otherwise. */
export function formatBytes(bytes: number): string {
  return Quantity.fromInt(BigInt(Math.round(bytes)), 'BinarySI').toString();
}
