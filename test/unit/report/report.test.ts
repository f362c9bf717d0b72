import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openJournalDatabase } from '../../../src/journal/database.js';
import type { FillRecord, JournalEvent } from '../../../src/journal/events.js';
import { JournalInserter } from '../../../src/journal/inserter.js';
import { JournalReader } from '../../../src/journal/queries.js';
import { ReportAccumulator } from '../../../src/report/accumulator.js';
import { pnlChartSvg } from '../../../src/report/chart.js';
import { dollarsToCent, formatReport } from '../../../src/report/format.js';
import { buildReport } from '../../../src/report/report.js';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const DAY = 86_400_000;

function journalWith(events: JournalEvent[]) {
  const db = openJournalDatabase(join(mkdtempSync(join(tmpdir(), 'report-')), 'journal.db'));
  new JournalInserter(db).write(events, 'run-1');
  return new JournalReader(db);
}

const fill = (
  tradeId: string,
  at: number,
  side: 'yes' | 'no',
  contracts: number,
  price: number,
  fee: number,
) =>
  ({
    kind: 'fill',
    at,
    tradeId,
    orderId: `o-${tradeId}`,
    marketTicker: 'KXA-26DEC-T1',
    side,
    contracts,
    price,
    fee,
    isTaker: false,
    tradedAt: at,
    quoteId: `q-${tradeId}`,
    rfqId: `r-${tradeId}`,
    strategy: 'fixed-spread',
  }) satisfies FillRecord;

const quote = (rfqId: string, at: number, to: string) =>
  ({
    kind: 'quote',
    at,
    rfqId,
    quoteId: `q-${rfqId}`,
    marketTicker: 'KXA-26DEC-T1',
    strategy: 'fixed-spread',
    from: 'x',
    to,
    yesBid: 400_000,
    noBid: 500_000,
    yesContracts: 1_000,
    noContracts: 1_000,
  }) satisfies JournalEvent;

describe('the P&L report', () => {
  const events: JournalEvent[] = [
    {
      kind: 'rfq_seen',
      at: T0,
      rfqId: 'r-a',
      marketTicker: 'KXA-26DEC-T1',
      eventTicker: 'KXA-26DEC',
      source: 'push',
    },
    {
      kind: 'rfq_seen',
      at: T0,
      rfqId: 'r-b',
      marketTicker: 'KXA-26DEC-T1',
      eventTicker: 'KXA-26DEC',
      source: 'poll',
    },
    {
      kind: 'rfq_seen',
      at: T0,
      rfqId: 'r-c',
      marketTicker: 'KXA-26DEC-T1',
      eventTicker: 'KXA-26DEC',
      source: 'poll',
    },
    quote('r-a', T0 + 1, 'open'),
    quote('r-b', T0 + 2, 'open'),
    quote('r-a', T0 + 3, 'accepted'),
    quote('r-a', T0 + 4, 'confirmed'),
    {
      kind: 'decision',
      at: T0 + 5,
      rfqId: 'r-c',
      marketTicker: 'KXA-26DEC-T1',
      outcome: 'skip',
      cause: 'window',
    },
    { kind: 'refusal', at: T0 + 6, rfqId: 'r-c', marketTicker: 'KXA-26DEC-T1', limit: 'maxOpenQuotes' },
    {
      kind: 'confirm',
      at: T0 + 7,
      rfqId: 'r-a',
      quoteId: 'q-r-a',
      marketTicker: 'KXA-26DEC-T1',
      ok: true,
      latencyMs: 21,
    },
    // 10 YES at $0.40 (fee $0.07), then 4 NO at $0.50 (fee $0.03): 4 pairs close at $1 each.
    fill('a', T0 + 1_000, 'yes', 1_000, 400_000, 70_000),
    fill('b', T0 + 2_000, 'no', 400, 500_000, 30_000),
    // mids after the first fill: +10 s 0.45, +1 min 0.35.
    { kind: 'mark', at: T0 + 11_000, marketTicker: 'KXA-26DEC-T1', mid: 450_000 },
    { kind: 'mark', at: T0 + 61_000, marketTicker: 'KXA-26DEC-T1', mid: 350_000 },
  ];

  it('counts the funnel, nets YES against NO at $1 a pair, and marks the rest at the last mid', () => {
    const report = buildReport(journalWith(events), { from: T0 - 1, to: T0 + DAY, now: T0 + 100_000 });
    const t = report.total;
    expect(t).toMatchObject({
      rfqsSeen: 3,
      quoted: 2,
      accepted: 1,
      confirmed: 1,
      fills: 2,
      filledContracts: 1_400,
    });
    // 4 pairs: 4 × $1 − 4 × $0.40 − 4 × $0.50 = $0.40 realised; fees $0.10.
    expect(t.realized).toBe(400_000);
    expect(t.fees).toBe(100_000);
    // 6 YES left at cost $2.40, marked at $0.35: −$0.30.
    expect(t.openContracts).toBe(600);
    expect(t.unrealized).toBe(-300_000);
    // Mark-out at 10 s: YES bought at 0.40, mid 0.45 → +$0.50 on 10. The NO fill's first mark
    // after 10 s comes at +59 s, beyond the 10–20 s window, so it has no 10 s mark-out.
    expect(t.markouts[0]).toEqual({ horizonMs: 10_000, fills: 1, total: 500_000 });
    expect(t.skips).toEqual({ window: 1 });
    expect(t.refusals).toEqual({ maxOpenQuotes: 1 });
    expect(t.confirmLatencyMs).toEqual({ p50: 21, p99: 21, n: 1 });
    expect(report.pnlOverTime.map((p) => p.realized)).toEqual([-70_000, 400_000 - 100_000]);
  });

  it('groups by event and by series with the same totals', () => {
    const reader = journalWith(events);
    for (const by of ['event', 'series', 'market', 'strategy', 'day'] as const) {
      const report = buildReport(reader, { from: T0 - 1, to: T0 + DAY, now: T0 + 100_000, by });
      const realized = report.rows.reduce((sum, row) => sum + row.realized, 0);
      expect(realized, by).toBe(report.total.realized);
    }
    const bySeries = buildReport(reader, { from: T0 - 1, to: T0 + DAY, now: T0, by: 'series' });
    expect(bySeries.rows.map((r) => r.key)).toEqual(['KXA']);
  });

  it('counts realised P&L inside the period only, against positions opened before it', () => {
    const report = buildReport(journalWith(events), { from: T0 + 1_500, to: T0 + DAY, now: T0 + 100_000 });
    expect(report.total.realized).toBe(400_000);
    expect(report.total.fees).toBe(30_000);
    expect(report.total.filledContracts).toBe(400);
    expect(report.total.fills).toBe(1);
  });

  it('adds up open positions by size: YES in one market and NO in another do not net to flat', () => {
    const other = (f: FillRecord): FillRecord => ({ ...f, marketTicker: 'KXB-26DEC-T1' });
    const reader = journalWith([
      fill('y', T0 + 1_000, 'yes', 1_000, 400_000, 0),
      other(fill('n', T0 + 2_000, 'no', 1_000, 500_000, 0)),
    ]);
    const total = buildReport(reader, { from: T0, to: T0 + DAY, now: T0 + 3_000 });
    expect(total.total).toMatchObject({ openContracts: 2_000, openYes: 1_000, openNo: 1_000 });
    const byMarket = buildReport(reader, { from: T0, to: T0 + DAY, now: T0 + 3_000, by: 'market' });
    const lines = formatReport(byMarket).split('\n');
    expect(lines.find((l) => l.startsWith('KXA-26DEC-T1'))).toMatch(/ 10\.00 YES /);
    expect(lines.find((l) => l.startsWith('KXB-26DEC-T1'))).toMatch(/ 10\.00 {2}NO /);
    expect(lines.find((l) => l.startsWith('total'))).toMatch(/ 20\.00 {4}/);
  });

  it('prints dollars to the cent and contracts with two decimals', () => {
    expect(dollarsToCent(3_214_999)).toBe('$3.21');
    expect(dollarsToCent(3_215_000)).toBe('$3.22');
    expect(dollarsToCent(-50_000)).toBe('-$0.05');
    expect(dollarsToCent(1_234_567_000_000)).toBe('$1,234,567.00');
    const text = formatReport(
      buildReport(journalWith(events), { from: T0 - 1, to: T0 + DAY, now: T0 + 100_000 }),
    );
    expect(text).toContain('$0.40');
    expect(text).toContain('14.00');
    expect(text).toContain('skipped: window 1');
  });

  it("groups by day and hour in the bot's day zone (risk.dayStartTimezone)", () => {
    // 03:00 UTC is still 5 December in New York; 15:00 UTC is 6 December there too.
    const early = Date.parse('2026-12-06T03:00:00Z');
    const late = Date.parse('2026-12-06T15:00:00Z');
    const reader = journalWith([
      fill('e', early, 'yes', 100, 400_000, 0),
      fill('l', late, 'yes', 100, 400_000, 0),
    ]);
    const period = { from: early - DAY, to: late + DAY, now: late };
    const keys = (options: Partial<Parameters<typeof buildReport>[1]>) =>
      buildReport(reader, { ...period, ...options }).rows.map((row) => [row.key, row.fills]);
    expect(keys({ by: 'day' })).toEqual([['2026-12-06', 2]]);
    expect(keys({ by: 'day', timeZone: 'America/New_York' })).toEqual([
      ['2026-12-05', 1],
      ['2026-12-06', 1],
    ]);
    expect(keys({ by: 'hour', timeZone: 'America/New_York' })).toEqual([
      ['2026-12-05T22:00', 1],
      ['2026-12-06T10:00', 1],
    ]);
    const text = formatReport(buildReport(reader, { ...period, timeZone: 'America/New_York' }));
    expect(text.split('\n')[0]).toMatch(/\(days in America\/New_York\)$/);
  });

  it('draws the P&L chart as a standalone SVG', () => {
    const svg = pnlChartSvg([{ at: T0 + 1_000, realized: -70_000 }], T0, T0 + 3_600_000, 'test');
    expect(svg).toMatch(/^<\?xml/);
    // From $0 at the start to −$0.07 (the bottom of the plot) at the fill, then flat to the end.
    expect(svg).toContain('<path d="M80.0,30.0 H80.2 V310.0 H880.0"');
    expect(svg).toContain('>-$0.06<');
    expect(svg).toContain('>10:30:00<');
  });
});

describe('confirm latency percentiles', () => {
  it('are the nearest-rank percentiles of every latency, kept as counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 0, maxLength: 400 }),
        (latencies) => {
          const acc = new ReportAccumulator();
          for (const latencyMs of latencies) {
            acc.event({
              kind: 'confirm',
              at: T0,
              rfqId: 'r',
              quoteId: 'q',
              marketTicker: 'KXA-1',
              strategy: 's',
              ok: true,
              latencyMs,
            });
          }
          const sorted = [...latencies].sort((a, b) => a - b);
          const rank = (p: number) =>
            sorted.length === 0
              ? null
              : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
          expect(acc.rows().total.confirmLatencyMs).toEqual({
            p50: rank(50),
            p99: rank(99),
            n: sorted.length,
          });
        },
      ),
    );
  });
});
