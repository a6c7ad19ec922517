// Canonical resource.Quantity text (Quantity.String()), so "0.5" prints as
// "500m", "1024Mi" as "1Gi" and "1000" as "1k", as a real apiserver shows them
// after its own parse/serialize round trip. BigInt keeps it exact.

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

interface Parsed {
  negative: boolean;
  /** |value| = mantissa * 10^exponent */
  mantissa: bigint;
  exponent: number;
  format: Format;
}

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const NANO = -9;

function parse(text: string): Parsed | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const [, sign, whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  let mantissa = BigInt((whole + frac) || '0');
  let exponent = -frac.length;
  let format: Format;
  if (suffix in BINARY) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(BINARY[suffix] ?? 0);
  } else if (suffix in DECIMAL) {
    format = 'DecimalSI';
    exponent += DECIMAL[suffix] ?? 0;
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent += Number(suffix.slice(1));
  } else {
    return undefined;
  }
  // Anything finer than 1n is rounded up, never to zero (upstream's choice: asking for some gets some).
  if (exponent < NANO && mantissa !== 0n) {
    const div = 10n ** BigInt(NANO - exponent);
    mantissa = (mantissa + div - 1n) / div;
    exponent = NANO;
  }
  // A binary quantity below 1 cannot be shown with a binary suffix.
  if (format === 'BinarySI' && exponent < 0 && mantissa < 10n ** BigInt(-exponent)) format = 'DecimalSI';
  return { negative: sign === '-', mantissa, exponent, format };
}

function decimalText(q: Parsed, format: Format): string {
  let { mantissa, exponent } = q;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  // Shift down to a multiple of 3 so an SI suffix fits (JS % keeps the dividend's sign, like Go).
  const r = exponent % 3;
  if (r === 1 || r === -2) {
    mantissa *= 10n;
    exponent -= 1;
  } else if (r === 2 || r === -1) {
    mantissa *= 100n;
    exponent -= 2;
  }
  const num = `${q.negative ? '-' : ''}${mantissa}`;
  if (format === 'DecimalExponent') return exponent === 0 ? num : `${num}e${exponent}`;
  return num + (DECIMAL_SUFFIX[exponent] ?? `e${exponent}`);
}

/** Quantity.String() of a JSON quantity (string or number); a missing one is the zero quantity "0". */
export function formatQuantity(v: unknown): string {
  if (v === undefined || v === null) return '0';
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  const q = parse(text);
  if (!q) return text; // not a quantity: show what is stored rather than guess
  if (q.mantissa === 0n) return '0';
  if (q.format !== 'BinarySI') return decimalText(q, q.format);
  // BinarySI is only kept for whole values of at least 1024; otherwise it reads as DecimalSI.
  let value: bigint | undefined;
  if (q.exponent >= 0) value = q.mantissa * 10n ** BigInt(q.exponent);
  else {
    const div = 10n ** BigInt(-q.exponent);
    if (q.mantissa % div === 0n) value = q.mantissa / div;
  }
  if (value === undefined || value < 1024n) return decimalText(q, 'DecimalSI');
  let power = 0;
  while (value % 1024n === 0n && power < BINARY_SUFFIX.length - 1) {
    value /= 1024n;
    power++;
  }
  return `${q.negative ? '-' : ''}${value}${BINARY_SUFFIX[power] ?? ''}`;
}
