/**
 * The dashboard's reads of a real journal (SQLite, writer thread): the latest fills and the day's
 * totals, P&L snapshots read incrementally, and answers reused while nothing new was written.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { contracts, dollars } from '../../../src/domain/money.js';
import type { FillRecord, PnlSnapshot } from '../../../src/journal/events.js';
import { Journal } from '../../../src/journal/journal.js';
import { journalSource } from '../../../src/ops/dashboard/journal-source.js';

const journals: Journal[] = [];
afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.close()));
});

const T0 = Date.UTC(2026, 2, 9, 12);

function fill(i: number, at: number): FillRecord {
  return {
    kind: 'fill',
    at,
    tradeId: `t-${i}`,
    orderId: `o-${i}`,
    marketTicker: 'KXHIGHNY-26DEC31-B30.5',
    side: i % 2 === 0 ? 'yes' : 'no',
    contracts: contracts('10'),
    price: dollars('0.45'),
    fee: dollars('0.01'),
    isTaker: false,
    tradedAt: at,
    rfqId: `rfq-${i}`,
    strategy: 'fixed-spread',
  };
}

function pnl(at: number, total: string): PnlSnapshot {
  return {
    kind: 'pnl',
    at,
    day: '2026-03-09',
    realized: dollars('1'),
    fees: 0,
    unrealized: dollars(total) - dollars('1'),
    total: dollars(total),
    peak: dollars(total),
  };
}

async function open() {
  const clock = new ManualClock(T0);
  const journal = await Journal.open({
    path: join(mkdtempSync(join(tmpdir(), 'dash-journal-')), 'journal.db'),
    clock,
    logger: pino({ level: 'silent' }),
    flushIntervalMs: 10_000,
  });
  journals.push(journal);
  return { clock, journal, source: journalSource(journal, { clock, maxAgeMs: 5_000 }) };
}

describe('dashboard journal source', () => {
  it('reads the newest fills and the totals of a period, bounded by the limit', async () => {
    const { clock, journal, source } = await open();
    expect(source.recordsFills()).toBe(false);
    for (let i = 0; i < 30; i++) journal.record(fill(i, T0 + i * 1000));
    await journal.flush();
    clock.advance(5_000);
    expect(source.recordsFills()).toBe(true);
    const latest = source.latestFills(T0, T0 + 60_000, 5);
    expect(latest.map((f) => f.tradeId)).toEqual(['t-29', 't-28', 't-27', 't-26', 't-25']);
    expect(source.fillTotals(T0 + 10_000, T0 + 60_000)).toEqual({ count: 20, contracts: 20 * 1000 });
  });

  it('reuses an answer while nothing new is written, and within maxAgeMs while writes go on', async () => {
    const { clock, journal, source } = await open();
    journal.record(fill(1, T0));
    await journal.flush();
    expect(source.fillTotals(T0, T0 + 60_000).count).toBe(1);
    journal.record(fill(2, T0 + 1));
    await journal.flush();
    // Written since, but the answer is younger than maxAgeMs: not read again.
    expect(source.fillTotals(T0, T0 + 60_000).count).toBe(1);
    clock.advance(5_000);
    expect(source.fillTotals(T0, T0 + 60_000).count).toBe(2);
  });

  it('reads P&L snapshots incrementally: only rows after the last one seen are added', async () => {
    const { clock, journal, source } = await open();
    journal.record(pnl(T0 - 90_000_000, '9')); // before `from`: not read
    journal.record(pnl(T0, '1.5'));
    journal.record(pnl(T0 + 10_000, '2'));
    await journal.flush();
    const first = [...source.pnl(T0 - 1, T0 + 60_000)];
    expect(first.map((p) => p.total)).toEqual([dollars('1.5'), dollars('2')]);
    journal.record(pnl(T0 + 20_000, '-0.25'));
    await journal.flush();
    clock.advance(5_000);
    const second = [...source.pnl(T0 - 1, T0 + 60_000)];
    expect(second.map((p) => p.total)).toEqual([dollars('1.5'), dollars('2'), dollars('-0.25')]);
    expect(second[2]).toEqual({
      at: T0 + 20_000,
      day: '2026-03-09',
      realized: dollars('1'),
      total: dollars('-0.25'),
    });
  });
});
