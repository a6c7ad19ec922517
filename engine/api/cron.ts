/**
 * Cron schedules as the CronJob controller reads them (and CronJob validation checks them): upstream parses `spec.schedule` with
 * robfig/cron/v3's ParseStandard, so this follows that library's rules —
 *
 *   ┌───────────── minute (0–59)
 *   │ ┌───────────── hour (0–23)
 *   │ │ ┌───────────── day of month (1–31)
 *   │ │ │ ┌───────────── month (1–12 or JAN–DEC)
 *   │ │ │ │ ┌───────────── day of week (0–6 or SUN–SAT)
 *   * * * * *
 *
 * - each field: `*` or `?`, a value, a range `a-b`, a step `*∕n`, `a-b∕n` or `a∕n` (= a-max∕n),
 *   or a comma-separated list of those; month and weekday names are case-insensitive;
 * - day of month and day of week: when either is restricted (not `*`/`?`), a day matches if
 *   *either* matches (classic cron); a step wider than 1 counts as restricted, as in robfig;
 * - macros `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`, and
 *   robfig's `@every <duration>` (Go duration syntax, e.g. `@every 1h30m`).
 *
 * Next times are computed in an IANA time zone (spec.timeZone) on the zone's wall clock, using
 * only Intl (no tz database of our own): a wall time that does not exist (the hour skipped when
 * DST starts) is skipped, and of a wall time that happens twice (DST ends) the first is used.
 */

export class CronError extends Error {}

/** A parsed schedule: `next(t)` is the first activation strictly after `t`. */
export interface Schedule {
  next(after: Date): Date | undefined;
}

interface Field {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: Field[] = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** One field's allowed values, plus robfig's "star bit" (the field was `*` or `?`). */
interface FieldSet {
  values: boolean[];
  star: boolean;
}

function parseValue(text: string, f: Field, whole: string): number {
  const named = f.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text)) throw new CronError(`failed to parse int from ${text}: invalid syntax (in "${whole}")`);
  return Number(text);
}

function parseField(expr: string, f: Field): FieldSet {
  const values = new Array<boolean>(f.max + 1).fill(false);
  let star = false;
  for (const part of expr.split(',')) {
    if (part === '') throw new CronError(`empty list item in "${expr}"`);
    const [rangeText, stepText, ...extra] = part.split('/');
    if (extra.length) throw new CronError(`too many slashes: ${part}`);
    let start: number;
    let end: number;
    let partStar = false;
    if (rangeText === '*' || rangeText === '?') {
      start = f.min;
      end = f.max;
      partStar = true;
    } else {
      const bounds = rangeText.split('-');
      if (bounds.length > 2) throw new CronError(`too many hyphens: ${part}`);
      start = parseValue(bounds[0], f, expr);
      end = bounds.length === 2 ? parseValue(bounds[1], f, expr) : start;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw new CronError(`failed to parse int from ${stepText}: invalid syntax`);
      step = Number(stepText);
      if (step === 0) throw new CronError(`step of range should be a positive number: ${part}`);
      // "N/step" means "N-max/step".
      if (!partStar && !rangeText.includes('-')) end = f.max;
      if (step > 1) partStar = false;
    }
    if (start < f.min) throw new CronError(`beginning of range (${start}) below minimum (${f.min}): ${part}`);
    if (end > f.max) throw new CronError(`end of range (${end}) above maximum (${f.max}): ${part}`);
    if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${part}`);
    for (let v = start; v <= end; v += step) values[v] = true;
    if (partStar) star = true;
  }
  return { values, star };
}

/** Go's time.ParseDuration, enough for `@every` ("1h30m", "90s", "1.5h"); returns ms. */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new CronError(`time: invalid duration "${text}"`);
    total += Number(m[1]) * units[m[2]];
    i = re.lastIndex;
  }
  if (text.length === 0) throw new CronError(`time: invalid duration ""`);
  return total;
}

/**
 * Parses a standard 5-field cron spec or a macro. `timeZone` (IANA) is where the fields are
 * read; undefined means UTC. Throws CronError on invalid input (and RangeError-free: an
 * unknown zone is a CronError too).
 */
export function parseSchedule(spec: string, timeZone?: string): Schedule {
  const text = spec.trim();
  if (text === '') throw new CronError('empty spec string');
  if (text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) {
    throw new CronError('CRON_TZ or TZ used in schedule is not supported, please use the timeZone field instead');
  }
  if (text.startsWith('@every ')) {
    const ms = parseGoDuration(text.slice('@every '.length).trim());
    if (ms < 1000) throw new CronError('delay must be at least one second');
    const delay = Math.floor(ms / 1000) * 1000;
    return {
      next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay),
    };
  }
  let fieldsText = text;
  if (text.startsWith('@')) {
    const macro = MACROS[text.toLowerCase()];
    if (!macro) throw new CronError(`unrecognized descriptor: ${text}`);
    fieldsText = macro;
  }
  const parts = fieldsText.split(/\s+/);
  if (parts.length !== 5) throw new CronError(`expected exactly 5 fields, found ${parts.length}: ${text}`);
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]));
  const zone = new Zone(timeZone);
  return new FieldSchedule(sets[0], sets[1], sets[2], sets[3], sets[4], zone);
}

/** Whether `tz` names a time zone Intl knows (what upstream's time.LoadLocation checks). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Wall-clock arithmetic in a zone. Wall times are kept as "UTC-shaped" milliseconds: the
 * number Date.UTC(y, m, d, h, min) gives for the zone's local fields.
 */
export class Zone {
  private readonly fmt: Intl.DateTimeFormat | undefined;

  constructor(readonly name?: string) {
    if (name === undefined || name === 'UTC' || name === 'Etc/UTC') {
      this.fmt = undefined;
      return;
    }
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new CronError(`unknown time zone ${name}`);
    }
  }

  /** The zone's wall time at an instant (ms, UTC-shaped), to the second. */
  wall(instant: number): number {
    const secs = Math.floor(instant / 1000) * 1000;
    if (!this.fmt) return secs;
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(new Date(secs))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    return Date.UTC(p.year, p.month - 1, p.day, p.hour === 24 ? 0 : p.hour, p.minute, p.second);
  }

  /** Offset (ms) of the zone from UTC at an instant. */
  offset(instant: number): number {
    return this.wall(instant) - Math.floor(instant / 1000) * 1000;
  }

  /**
   * The instant a wall time happens; undefined when it doesn't exist (a DST gap). Of two
   * instants (a DST overlap), the earlier.
   */
  instant(wall: number): number | undefined {
    if (!this.fmt) return wall;
    const candidates = new Set<number>();
    for (const probe of [wall - DAY / 2, wall, wall + DAY / 2]) candidates.add(wall - this.offset(probe));
    let best: number | undefined;
    for (const c of candidates) {
      if (this.wall(c) === wall && (best === undefined || c < best)) best = c;
    }
    return best;
  }

  /** RFC 3339 text of an instant in this zone ("Z" for UTC, "+09:00" otherwise), as Go prints. */
  format(instant: number): string {
    const secs = Math.floor(instant / 1000) * 1000;
    if (!this.fmt) return new Date(secs).toISOString().replace(/\.\d+Z$/, 'Z');
    const off = this.offset(secs);
    const local = new Date(secs + off).toISOString().replace(/\.\d+Z$/, '');
    if (off === 0) return `${local}Z`;
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off) / MINUTE;
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }
}

class FieldSchedule implements Schedule {
  constructor(
    private readonly minute: FieldSet,
    private readonly hour: FieldSet,
    private readonly dom: FieldSet,
    private readonly month: FieldSet,
    private readonly dow: FieldSet,
    private readonly zone: Zone,
  ) {}

  private dayMatches(d: Date): boolean {
    const domMatch = this.dom.values[d.getUTCDate()];
    const dowMatch = this.dow.values[d.getUTCDay()];
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  /**
   * robfig's Schedule.Next, on wall-clock fields: advance the coarsest field that does not
   * match to its next candidate (resetting the finer ones), until everything matches; give up
   * after five years (a spec like "0 0 30 2 *" never fires).
   */
  next(after: Date): Date | undefined {
    const afterMs = after.getTime();
    // Start at the next whole minute after `after` on the wall clock.
    let w = Math.floor(this.zone.wall(afterMs) / MINUTE) * MINUTE + MINUTE;
    const limit = w + 5 * 366 * DAY;
    while (w <= limit) {
      const d = new Date(w);
      if (!this.month.values[d.getUTCMonth() + 1]) {
        w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
        continue;
      }
      if (!this.dayMatches(d)) {
        w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
        continue;
      }
      if (!this.hour.values[d.getUTCHours()]) {
        w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
        continue;
      }
      if (!this.minute.values[d.getUTCMinutes()]) {
        w += MINUTE;
        continue;
      }
      const at = this.zone.instant(w);
      if (at === undefined || at <= afterMs) {
        // A DST gap, or the repeated hour of a DST overlap already past.
        w += MINUTE;
        continue;
      }
      return new Date(at);
    }
    return undefined;
  }
}
