import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, isValidTimeZone, parseGoDuration, parseSchedule, Zone } from './cron.js';

const T = (s: string) => new Date(s);
const iso = (d: Date | undefined) => d?.toISOString().replace('.000Z', 'Z');

describe('cron: next time (UTC)', () => {
  const cases: [spec: string, from: string, want: string][] = [
    ['* * * * *', '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z'],
    ['* * * * *', '2025-01-01T00:00:30Z', '2025-01-01T00:01:00Z'],
    ['*/1 * * * *', '2025-01-01T00:00:59Z', '2025-01-01T00:01:00Z'],
    ['*/15 * * * *', '2025-01-01T00:14:00Z', '2025-01-01T00:15:00Z'],
    ['*/15 * * * *', '2025-01-01T00:45:00Z', '2025-01-01T01:00:00Z'],
    ['5 4 * * *', '2025-01-01T04:05:00Z', '2025-01-02T04:05:00Z'],
    ['0 22 * * 1-5', '2025-01-03T22:00:00Z', '2025-01-06T22:00:00Z'], // Fri → Mon
    ['0 0 1 * *', '2025-01-15T00:00:00Z', '2025-02-01T00:00:00Z'],
    ['0 0 31 * *', '2025-01-31T00:00:00Z', '2025-03-31T00:00:00Z'], // Feb has no 31st
    ['0 0 29 2 *', '2025-01-01T00:00:00Z', '2028-02-29T00:00:00Z'], // leap day
    ['0 9 * JAN,jul MON', '2025-01-01T00:00:00Z', '2025-01-06T09:00:00Z'],
    ['0 9 * * sun', '2025-01-01T00:00:00Z', '2025-01-05T09:00:00Z'],
    ['0 0 1,15 * 3', '2025-01-01T00:00:00Z', '2025-01-08T00:00:00Z'], // dom OR dow: Wed the 8th
    ['0 0 */10 * *', '2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z'], // step: 1,11,21,31
    ['0 0 */10 * MON', '2025-01-01T00:00:00Z', '2025-01-06T00:00:00Z'], // step ⇒ restricted ⇒ OR
    ['30 6-16/4 * * 1-5', '2025-01-06T07:00:00Z', '2025-01-06T10:30:00Z'],
    ['10/20 * * * *', '2025-01-01T00:15:00Z', '2025-01-01T00:30:00Z'], // 10/20 = 10,30,50
    ['0-10/5 1 * * *', '2025-01-01T01:06:00Z', '2025-01-01T01:10:00Z'],
    ['0 0 ? * *', '2025-01-01T12:00:00Z', '2025-01-02T00:00:00Z'],
    ['@hourly', '2025-01-01T00:30:00Z', '2025-01-01T01:00:00Z'],
    ['@daily', '2025-01-01T00:30:00Z', '2025-01-02T00:00:00Z'],
    ['@midnight', '2025-01-01T00:30:00Z', '2025-01-02T00:00:00Z'],
    ['@weekly', '2025-01-01T00:30:00Z', '2025-01-05T00:00:00Z'],
    ['@monthly', '2025-01-01T00:30:00Z', '2025-02-01T00:00:00Z'],
    ['@yearly', '2025-01-01T00:30:00Z', '2026-01-01T00:00:00Z'],
    ['@annually', '2025-06-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['@every 90s', '2025-01-01T00:00:00Z', '2025-01-01T00:01:30Z'],
    ['@every 1h30m', '2025-01-01T00:00:00Z', '2025-01-01T01:30:00Z'],
  ];
  for (const [spec, from, want] of cases) {
    it(`${spec} after ${from} → ${want}`, () => {
      assert.equal(iso(parseSchedule(spec).next(T(from))), want);
    });
  }

  it('never-firing schedules give up', () => {
    assert.equal(parseSchedule('0 0 30 2 *').next(T('2025-01-01T00:00:00Z')), undefined);
  });
});

describe('cron: time zones', () => {
  it('fires at the wall time of the zone', () => {
    // 09:00 in Tokyo (UTC+9, no DST) is 00:00 UTC.
    assert.equal(iso(parseSchedule('0 9 * * *', 'Asia/Tokyo').next(T('2025-01-01T00:00:00Z'))), '2025-01-02T00:00:00Z');
    // 09:00 in New York in January (EST, UTC-5) is 14:00 UTC; in July (EDT, UTC-4) 13:00 UTC.
    assert.equal(iso(parseSchedule('0 9 * * *', 'America/New_York').next(T('2025-01-01T00:00:00Z'))), '2025-01-01T14:00:00Z');
    assert.equal(iso(parseSchedule('0 9 * * *', 'America/New_York').next(T('2025-07-01T00:00:00Z'))), '2025-07-01T13:00:00Z');
  });

  it('skips a wall time that does not exist (DST start)', () => {
    // 2025-03-09 02:30 does not exist in New York: next is 2025-03-10 02:30 EDT = 06:30 UTC.
    assert.equal(iso(parseSchedule('30 2 * * *', 'America/New_York').next(T('2025-03-09T00:00:00Z'))), '2025-03-10T06:30:00Z');
  });

  it('fires once in a repeated hour (DST end)', () => {
    const s = parseSchedule('30 1 * * *', 'America/New_York');
    const first = s.next(T('2025-11-02T04:00:00Z'));
    assert.equal(iso(first), '2025-11-02T05:30:00Z'); // 01:30 EDT
    assert.equal(iso(s.next(first!)), '2025-11-03T06:30:00Z'); // next day, 01:30 EST
  });

  it('formats RFC 3339 with the zone offset, as Go does', () => {
    assert.equal(new Zone('Asia/Tokyo').format(Date.parse('2025-01-01T00:00:00Z')), '2025-01-01T09:00:00+09:00');
    assert.equal(new Zone('America/New_York').format(Date.parse('2025-01-01T00:00:00Z')), '2024-12-31T19:00:00-05:00');
    assert.equal(new Zone().format(Date.parse('2025-01-01T00:00:00.123Z')), '2025-01-01T00:00:00Z');
  });

  it('validates zones', () => {
    assert.equal(isValidTimeZone('Europe/Paris'), true);
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
    assert.throws(() => parseSchedule('* * * * *', 'Mars/Olympus'), CronError);
  });
});

describe('cron: invalid specs', () => {
  const bad = ['', '* * * *', '* * * * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 7', '5-1 * * * *', '*/0 * * * *', 'a * * * *', '@often', 'TZ=UTC * * * * *', '1,,2 * * * *', '@every 10ms'];
  for (const spec of bad) {
    it(JSON.stringify(spec), () => assert.throws(() => parseSchedule(spec), CronError));
  }
});

describe('Go durations', () => {
  it('parses', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.throws(() => parseGoDuration('1d'), CronError);
  });
});
