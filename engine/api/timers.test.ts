import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clampDelay, ManualClock, MAX_TIMEOUT_MS, setLongTimeout } from './timers.js';
import { WorkQueue } from '../client/workqueue.js';

/** A manual clock that also records every delay asked of it (Node refuses those over 2^31-1 ms). */
class StrictClock extends ManualClock {
  readonly asked: number[] = [];
  constructor() {
    super(0);
  }
  override setTimeout(fn: () => void, ms: number): unknown {
    this.asked.push(ms);
    return super.setTimeout(fn, ms);
  }
}

const YEAR = 365 * 24 * 3600_000;

describe('setLongTimeout', () => {
  it('waits a year in chunks no longer than 2^31-1 ms and fires once, on time', () => {
    const c = new StrictClock();
    let fired = 0;
    setLongTimeout(() => fired++, YEAR, c);
    c.advance(YEAR - 1);
    assert.equal(fired, 0);
    c.advance(1);
    assert.equal(fired, 1);
    assert.ok(c.asked.every((ms) => ms >= 0 && ms <= MAX_TIMEOUT_MS), `asked ${c.asked.join(',')}`);
    assert.equal(c.asked.length, Math.ceil(YEAR / MAX_TIMEOUT_MS));
    assert.equal(c.pending, 0);
  });

  it('cancel stops it between chunks', () => {
    const c = new StrictClock();
    let fired = 0;
    const t = setLongTimeout(() => fired++, 3 * MAX_TIMEOUT_MS, c);
    c.advance(MAX_TIMEOUT_MS + 10);
    t.cancel();
    c.advance(10 * MAX_TIMEOUT_MS);
    assert.equal(fired, 0);
    assert.equal(c.pending, 0);
  });

  it('short delays are one plain timer; clampDelay bounds what one timer may take', () => {
    const c = new StrictClock();
    let fired = 0;
    setLongTimeout(() => fired++, 250, c);
    assert.deepEqual(c.asked, [250]);
    c.advance(250);
    assert.equal(fired, 1);
    assert.equal(clampDelay(3_000_000_000), MAX_TIMEOUT_MS);
    assert.equal(clampDelay(-5), 0);
    assert.equal(clampDelay(Infinity), MAX_TIMEOUT_MS);
    assert.equal(clampDelay(NaN), 0);
  });

  it('the real timers: a delay past the limit emits no TimeoutOverflowWarning and does not fire', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    let fired = 0;
    const t = setLongTimeout(() => fired++, 3_000_000_000 * 1000);
    await new Promise((r) => setTimeout(r, 50));
    t.cancel();
    process.off('warning', onWarning);
    assert.equal(fired, 0);
    assert.deepEqual(warnings, []);
  });
});

describe('WorkQueue.addAfter with long delays', () => {
  it('a key due in a year (a @yearly CronJob) is added once, a year later, not after 1 ms', async () => {
    const c = new StrictClock();
    const q = new WorkQueue({ timers: c, now: () => c.now() });
    q.addAfter('ns/yearly', YEAR);
    c.advance(MAX_TIMEOUT_MS + 1);
    assert.equal(q.length, 0);
    c.advance(YEAR);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'ns/yearly');
    assert.ok(c.asked.every((ms) => ms <= MAX_TIMEOUT_MS));
    q.shutDown();
  });

  it('an earlier addAfter replaces a later pending one; shutDown cancels', () => {
    const c = new StrictClock();
    const q = new WorkQueue({ timers: c, now: () => c.now() });
    q.addAfter('k', YEAR);
    q.addAfter('k', 1000);
    c.advance(1000);
    assert.equal(q.length, 1);
    q.addAfter('j', YEAR);
    q.shutDown();
    assert.equal(c.pending, 0);
  });
});
