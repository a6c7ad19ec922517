import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Quantity, canonicalQuantity, milliValue, tryParseQuantity, value } from './quantity.js';

describe('Quantity', () => {
  const cases: { in: string | number; milli: number; value: number; canonical: string }[] = [
    { in: '100m', milli: 100, value: 1, canonical: '100m' },
    { in: '1.5', milli: 1500, value: 2, canonical: '1500m' },
    { in: '0.1', milli: 100, value: 1, canonical: '100m' },
    { in: '2', milli: 2000, value: 2, canonical: '2' },
    { in: '1000', milli: 1_000_000, value: 1000, canonical: '1k' },
    { in: '128Mi', milli: 128 * 2 ** 20 * 1000, value: 128 * 2 ** 20, canonical: '128Mi' },
    { in: '1024Mi', milli: 2 ** 30 * 1000, value: 2 ** 30, canonical: '1Gi' },
    { in: '1536Mi', milli: 1536 * 2 ** 20 * 1000, value: 1536 * 2 ** 20, canonical: '1536Mi' },
    { in: '0.5Gi', milli: 2 ** 29 * 1000, value: 2 ** 29, canonical: '512Mi' },
    { in: '0.1Ki', milli: 102_400, value: 103, canonical: '102400m' },
    { in: '1G', milli: 1e12, value: 1e9, canonical: '1G' },
    { in: '1e3', milli: 1e6, value: 1000, canonical: '1e3' },
    { in: '1E3', milli: 1e6, value: 1000, canonical: '1e3' },
    { in: '12e6', milli: 12e9, value: 12e6, canonical: '12e6' },
    { in: '1500e-3', milli: 1500, value: 2, canonical: '1500e-3' },
    { in: '1E', milli: 1e21, value: 1e18, canonical: '1E' },
    { in: '1k', milli: 1e6, value: 1000, canonical: '1k' },
    { in: '1n', milli: 1, value: 1, canonical: '1n' },
    { in: '0.0000000001', milli: 1, value: 1, canonical: '1n' },
    { in: '0', milli: 0, value: 0, canonical: '0' },
    { in: '-1.5', milli: -1500, value: -2, canonical: '-1500m' },
    { in: '.5', milli: 500, value: 1, canonical: '500m' },
    { in: '1.', milli: 1000, value: 1, canonical: '1' },
    { in: 3, milli: 3000, value: 3, canonical: '3' },
    { in: 0.25, milli: 250, value: 1, canonical: '250m' },
    { in: '100Gi', milli: 100 * 2 ** 30 * 1000, value: 100 * 2 ** 30, canonical: '100Gi' },
    { in: '1000Ki', milli: 1000 * 1024 * 1000, value: 1000 * 1024, canonical: '1000Ki' },
  ];
  for (const c of cases) {
    it(`parses ${JSON.stringify(c.in)}`, () => {
      const q = Quantity.parse(c.in);
      assert.equal(q.milliValue(), c.milli, 'milliValue');
      assert.equal(q.value(), c.value, 'value');
      assert.equal(q.toString(), c.canonical, 'canonical');
    });
  }

  it('rejects malformed quantities', () => {
    for (const bad of ['', 'abc', '1x', '1.2.3', '1e', '--1', '1Kib', 'm', '1 Mi']) {
      assert.equal(tryParseQuantity(bad), undefined, bad);
      assert.throws(() => Quantity.parse(bad));
    }
  });

  it('compares and adds exactly', () => {
    assert.equal(Quantity.parse('1Gi').cmp(Quantity.parse('1024Mi')), 0);
    assert.equal(Quantity.parse('1G').cmp(Quantity.parse('1Gi')), -1);
    assert.equal(Quantity.parse('500m').add(Quantity.parse('1.5')).toString(), '2');
    assert.equal(Quantity.parse('1Gi').sub(Quantity.parse('512Mi')).toString(), '512Mi');
  });

  it('memoized helpers return 0 for missing or invalid values', () => {
    assert.equal(milliValue('250m'), 250);
    assert.equal(milliValue(undefined), 0);
    assert.equal(value('nope'), 0);
    assert.equal(value('1Ki'), 1024);
    assert.equal(canonicalQuantity('2000m'), '2');
    assert.equal(canonicalQuantity('junk'), 'junk');
  });
});
