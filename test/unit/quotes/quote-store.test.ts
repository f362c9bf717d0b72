import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { contracts, dollars } from '../../../src/domain/money.js';
import { QuoteStore } from '../../../src/quotes/quote-store.js';
import { testRfq } from '../../../src/strategy/memory-data.js';
import { duplicateJsonKeys } from '../../helpers/json-keys.js';

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
