import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { contracts, dollars } from '../../../src/domain/money.js';
import { canTransition, isLive, type QuoteState } from '../../../src/quotes/lifecycle.js';
import { DuplicateLiveQuoteError, type NewQuote, QuoteStore } from '../../../src/quotes/quote-store.js';
import { testRfq } from '../../../src/strategy/memory-data.js';
import { duplicateJsonKeys } from '../../helpers/json-keys.js';
import { captureLogger } from '../strategy/support.js';

function store(retentionMs?: number) {
  const clock = new ManualClock(1_000);
  const { logger, lines } = captureLogger('debug');
  return { clock, lines, store: new QuoteStore(logger, clock, retentionMs) };
}

function fields(rfqId = 'rfq-a'): NewQuote {
  return {
    rfq: testRfq({ id: rfqId, marketTicker: 'KXTEST-1' }),
    strategy: 'test',
    route: 'all',
    yesBid: 400_000,
    noBid: 500_000,
    yesContracts: 1_000,
    noContracts: 1_000,
    fairValue: 450_000,
    ttlMs: 60_000,
    adopted: false,
    rfqSeenAt: 900,
  };
}

/** A path through the life cycle that reaches each state from `pending`. */
const PATH_TO: Readonly<Record<QuoteState, readonly QuoteState[]>> = {
  pending: [],
  open: ['open'],
  deleting: ['open', 'deleting'],
  accepted: ['open', 'accepted'],
  confirming: ['open', 'accepted', 'confirming'],
  confirmed: ['open', 'accepted', 'confirmed'],
  executed: ['open', 'accepted', 'confirmed', 'executed'],
  deleted: ['open', 'deleting', 'deleted'],
  replaced: ['open', 'replaced'],
  cancelled: ['open', 'cancelled'],
  expired: ['open', 'accepted', 'expired'],
  failed: ['failed'],
};
const STATES = Object.keys(PATH_TO) as QuoteState[];

describe('QuoteStore', () => {
  it.each(STATES)('from %s allows exactly the transitions of the life cycle', (from) => {
    for (const to of STATES) {
      const s = store();
      const quote = s.store.begin(fields());
      for (const step of PATH_TO[from]) expect(s.store.transition(quote, step, { quoteId: 'q1' })).toBe(true);
      expect(quote.state).toBe(from);
      const allowed = from === to || canTransition(from, to);
      expect({ from, to, moved: s.store.transition(quote, to) }).toEqual({ from, to, moved: allowed });
      expect(quote.state).toBe(allowed ? to : from);
      if (!allowed) {
        expect(s.lines.at(-1)).toMatchObject({ level: 50, from, to, rfqId: 'rfq-a' });
        expect(s.lines.at(-1)?.msg).toMatch(`illegal transition ${from} -> ${to}`);
      }
    }
  });

  it('keeps one live quote per RFQ; a new one may follow a finished one', () => {
    const s = store();
    const first = s.store.begin(fields());
    expect(() => s.store.begin(fields())).toThrow(DuplicateLiveQuoteError);
    s.store.transition(first, 'open', { quoteId: 'q1' });
    expect(() => s.store.begin(fields())).toThrow(/one live quote per RFQ/);
    s.store.transition(first, 'deleting');
    expect(() => s.store.begin(fields())).toThrow(DuplicateLiveQuoteError);
    s.store.transition(first, 'deleted');
    const second = s.store.begin(fields());
    expect(s.store.forRfq('rfq-a')).toBe(second);
    expect(s.store.byQuoteId('q1')).toBe(first);
    expect(second.key).not.toBe(first.key);
  });

  it('records when a quote opened, confirmed, executed and ended, and why', () => {
    const s = store();
    const quote = s.store.begin(fields());
    expect(quote.sentAt).toBe(1_000);
    s.clock.advance(10);
    s.store.transition(quote, 'open', { quoteId: 'q1', reason: 'new' });
    s.clock.advance(10);
    s.store.transition(quote, 'accepted', { reason: 'yes side hit' });
    s.clock.advance(10);
    s.store.transition(quote, 'confirmed');
    s.clock.advance(10);
    s.store.transition(quote, 'executed', { reason: 'exchange reports it executed' });
    expect(quote).toMatchObject({
      quoteId: 'q1',
      openedAt: 1_010,
      confirmedAt: 1_030,
      executedAt: 1_040,
      endedAt: 1_040,
      endReason: 'exchange reports it executed',
    });
    const logged = s.lines.filter((l) => l.msg === 'quote open');
    expect(logged).toEqual([
      expect.objectContaining({ rfqId: 'rfq-a', quoteId: 'q1', from: 'pending', to: 'open', reason: 'new' }),
    ]);
  });

  it('tells listeners of every transition, until they unsubscribe', () => {
    const s = store();
    const seen: string[] = [];
    const off = s.store.onTransition((quote, from, details) =>
      seen.push(`${from}->${quote.state}:${details.reason}`),
    );
    const quote = s.store.begin(fields());
    s.store.transition(quote, 'open', { quoteId: 'q1', reason: 'new' });
    s.store.transition(quote, 'open');
    s.store.transition(quote, 'executed', { reason: 'filled' });
    off();
    s.store.transition(quote, 'deleted');
    expect(seen).toEqual(['pending->open:new', 'open->executed:filled']);
  });

  it('counts live quotes and activity; prunes finished quotes only after the retention', () => {
    const s = store(5_000);
    const live = s.store.begin(fields('rfq-live'));
    const accepted = s.store.begin(fields('rfq-accepted'));
    const done = s.store.begin(fields('rfq-done'));
    s.store.transition(accepted, 'open', { quoteId: 'qa' });
    s.store.transition(accepted, 'accepted');
    s.store.transition(done, 'failed', { reason: 'refused' });
    expect(s.store.countLive()).toBe(1);
    expect([...s.store.live()]).toEqual([live]);
    expect([...s.store.awaitingFill()]).toEqual([accepted]);
    expect(isLive(live.state)).toBe(true);
    expect(s.store.hasActivity()).toBe(true);

    s.clock.advance(4_999);
    expect(s.store.prune()).toBe(0);
    s.clock.advance(1);
    expect(s.store.prune()).toBe(1);
    expect(s.store.forRfq('rfq-done')).toBeUndefined();
    expect(s.store.forRfq('rfq-accepted')).toBe(accepted);

    s.store.transition(live, 'failed');
    s.store.transition(accepted, 'expired', { reason: 'lapsed' });
    // Expired is not terminal (a late confirm may still show up) but counts as finished for pruning.
    expect(s.store.hasActivity()).toBe(true);
    s.clock.advance(5_000);
    expect(s.store.prune()).toBe(2);
    expect(s.store.byQuoteId('qa')).toBeUndefined();
    expect(s.store.hasActivity()).toBe(false);
  });
});

describe('QuoteStore transition lines', () => {
  it('"quote open" carries the market, both bids in dollars and both sizes in contracts', () => {
    const raw: string[] = [];
    const clock = new ManualClock(1_000);
    const logger = pino({ level: 'info' }, { write: (line: string) => void raw.push(line) });
    const store = new QuoteStore(logger.child({ module: 'quotes' }), clock);
    const quote = store.begin({
      rfq: testRfq({ id: 'rfq-9', marketTicker: 'KXHIGHNY-26DEC31-B30.5', contracts: '12.5' }),
      strategy: 'fixed-spread',
      route: 'default',
      yesBid: dollars('0.45'),
      noBid: dollars('0.515'),
      yesContracts: contracts('12.5'),
      noContracts: contracts('10'),
      fairValue: undefined,
      ttlMs: 15_000,
      adopted: false,
      rfqSeenAt: 900,
    });
    store.transition(quote, 'open', { quoteId: 'q-1', reason: 'new' });
    const line = raw.find((l) => l.includes('"msg":"quote open"'));
    expect(line).toBeDefined();
    expect(duplicateJsonKeys(line!)).toEqual([]);
    expect(JSON.parse(line!)).toMatchObject({
      module: 'quotes',
      rfqId: 'rfq-9',
      quoteId: 'q-1',
      marketTicker: 'KXHIGHNY-26DEC31-B30.5',
      yesBid: '0.45',
      noBid: '0.515',
      yesContracts: '12.5',
      noContracts: '10',
    });
  });
});
