import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { wireJournal } from '../../../src/app/journal-wiring.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { JournalEvent } from '../../../src/journal/events.js';
import { checkRecordingHeader, fromRecordingLine } from '../../../src/journal/recording.js';
import { RecordingFile, RecordingFileError } from '../../../src/journal/recording-file.js';
import { QuoteStore } from '../../../src/quotes/quote-store.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { KillSwitch } from '../../../src/risk/kill-switch.js';
import { testMarket, testRfq } from '../../../src/strategy/memory-data.js';

const silent = pino({ level: 'silent' });

function wired() {
  const clock = new ManualClock(1_796_652_000_000);
  const events: JournalEvent[] = [];
  const store = new QuoteStore(silent, clock);
  const wiring = wireJournal({
    journal: { record: (event) => events.push(event) },
    store,
    book: new RfqBook(clock),
    killSwitch: new KillSwitch({ clock }),
    clock,
  });
  return { clock, events, store, wiring };
}

describe('the journal wiring for recordings', () => {
  it('journals a market when first read and again only when it changed; fees join it once known', () => {
    const { events, wiring } = wired();
    const market = testMarket({ ticker: 'KXA-26DEC-T1', lastPrice: '0.45' });
    wiring.marketRead(market);
    wiring.marketRead(market);
    const fees = { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 };
    const event = {
      eventTicker: 'KXA-26DEC',
      seriesTicker: 'KXA',
      title: '',
      mutuallyExclusive: false,
      marketTickers: [],
    };
    wiring.feesRead(market.ticker, fees, event);
    wiring.feesRead(market.ticker, fees, event);
    wiring.marketRead({ ...market, status: 'closed' });
    const markets = events.filter((e) => e.kind === 'market');
    expect(markets.map((e) => [e.status, e.fees?.type, e.seriesTicker, e.lastPrice])).toEqual([
      ['active', undefined, undefined, 450_000],
      ['active', 'quadratic_with_maker_fees', 'KXA', 450_000],
      ['closed', 'quadratic_with_maker_fees', 'KXA', 450_000],
    ]);
  });

  it("times its hooks on the bot's thread: RFQs, calls, busy time", () => {
    const { wiring, events } = wired();
    const book = new RfqBook(new ManualClock(0));
    const counted = wireJournal({
      journal: { record: (event) => events.push(event) },
      store: new QuoteStore(silent, new ManualClock(0)),
      book,
      killSwitch: new KillSwitch({ clock: new ManualClock(0) }),
      clock: new ManualClock(0),
    });
    book.upsert(testRfq({ id: 'rfq-1', marketTicker: 'KXA-26DEC-T1' }), 'push');
    counted.events.skipped?.(
      testRfq({ id: 'rfq-1', marketTicker: 'KXA-26DEC-T1' }),
      'fixed-spread',
      'no-price',
      'no book',
    );
    wiring.marketRead(testMarket({ ticker: 'KXA-26DEC-T1' }));
    expect(counted.cost).toMatchObject({ rfqs: 1, calls: 2 });
    expect(counted.cost.busyMs).toBeGreaterThan(0);
    expect(counted.cost.maxCallMs).toBeLessThanOrEqual(counted.cost.busyMs);
    expect(wiring.cost).toMatchObject({ rfqs: 0, calls: 1 });
  });

  it('journals the mid of each market read with both sides quoted (the mark-outs of held markets)', () => {
    const { clock, events, wiring } = wired();
    const market = { ...testMarket({ ticker: 'KXA-26DEC-T1' }), yesBid: 430_000, yesAsk: 470_000 };
    wiring.marketRead(market);
    clock.advance(10_000);
    wiring.marketRead({ ...market, yesBid: 300_000, yesAsk: 310_000 });
    wiring.marketRead({ ...market, yesBid: 0 }); // one-sided: no mid
    wiring.marketRead({ ...market, yesAsk: 1_000_000 }); // no ask (the exchange writes $1)
    const marks = events.filter((e) => e.kind === 'mark');
    expect(marks.map((e) => [e.at - marks[0]!.at, e.marketTicker, e.mid])).toEqual([
      [0, 'KXA-26DEC-T1', 450_000],
      [10_000, 'KXA-26DEC-T1', 305_000],
    ]);
  });

  it('remembers the last market data of the most recent 10,000 markets only', () => {
    const { events, wiring } = wired();
    const first = testMarket({ ticker: 'KXM-0-A' });
    wiring.marketRead(first);
    wiring.marketRead({ ...first });
    expect(events.filter((e) => e.kind === 'market')).toHaveLength(1);
    for (let i = 1; i <= 10_000; i++) wiring.marketRead(testMarket({ ticker: `KXM-${i}-A` }));
    // Forgotten, the first market is journaled again when read again (a line, not a leak).
    wiring.marketRead({ ...first });
    expect(events.filter((e) => e.kind === 'market')).toHaveLength(10_002);
  });

  it('journals each book read with its mid, and an accept once with the size taken', () => {
    const { events, store, wiring } = wired();
    wiring.bookRead('M', {
      ticker: 'M',
      yes: [{ price: 400_000, count: 100 }],
      no: [{ price: 500_000, count: 100 }],
    });
    expect(events.map((e) => e.kind)).toEqual(['book', 'mark']);
    const quote = store.begin({
      rfq: testRfq({ marketTicker: 'M' }),
      strategy: 's',
      route: undefined,
      yesBid: 400_000,
      noBid: 500_000,
      yesContracts: 1_000,
      noContracts: 1_000,
      fairValue: undefined,
      ttlMs: 1_000,
      adopted: false,
      rfqSeenAt: 0,
    });
    store.transition(quote, 'open', { quoteId: 'q1' });
    quote.acceptedSide = 'no';
    quote.acceptedContracts = 250;
    store.transition(quote, 'accepted');
    store.transition(quote, 'confirming');
    store.transition(quote, 'accepted', { reason: 'confirm failed' });
    const accepts = events.filter((e) => e.kind === 'quote_accepted');
    expect(accepts).toEqual([
      expect.objectContaining({ quoteId: 'q1', side: 'no', price: 500_000, contracts: 250, offered: 1_000 }),
    ]);
  });
});

describe('the recording file (npm start --record)', () => {
  it('writes the header and every recorded event as a line the backtest reads', async () => {
    const { clock, events, wiring } = wired();
    const path = join(mkdtempSync(join(tmpdir(), 'rec-')), 'sub', 'run.jsonl');
    const file = RecordingFile.open({ path, clock, logger: silent, meta: { runId: 'r1' } });
    wiring.bookRead('M', { ticker: 'M', yes: [{ price: 400_000, count: 100 }], no: [] });
    for (const event of events) file.record(event);
    clock.advance(100);
    await file.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(checkRecordingHeader(lines[0]!)).toMatchObject({ source: 'bot', runId: 'r1' });
    expect(lines.slice(1).map((line, i) => fromRecordingLine(line, i + 2))).toEqual(events);
    expect(file.stats).toEqual({ written: events.length, dropped: 0, failed: false });
  });

  it('refuses a path it cannot write, naming it', () => {
    const clock = new ManualClock(0);
    // A file where a folder should be.
    const file = join(mkdtempSync(join(tmpdir(), 'rec-')), 'plain');
    writeFileSync(file, '');
    const path = join(file, 'run.jsonl');
    expect(() => RecordingFile.open({ path, clock, logger: silent })).toThrow(RecordingFileError);
    expect(() => RecordingFile.open({ path, clock, logger: silent })).toThrow(
      `cannot write the recording ${path}`,
    );
  });
});
