import { afterEach, describe, expect, it } from 'vitest';
import { GateRejectedError } from '../../../src/kalshi/gate.js';
import {
  AuthenticationError,
  BadRequestError,
  NetworkError,
  PermissionError,
  QuoteOutcomeUnknownError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../../../src/kalshi/index.js';
import { Quoter, RETRY_DELAYS_MS } from '../../../src/quotes/quoter.js';
import { testMarket } from '../../../src/strategy/memory-data.js';
import { errorContext } from '../../helpers/fake-exchange.js';
import { type Harness, type HarnessOptions, quotingHarness, START, until } from './harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
});

async function setup(options: HarnessOptions = {}, blocked: () => string | undefined = () => undefined) {
  const h = await quotingHarness(options);
  harnesses.push(h);
  const created: string[] = [];
  const quoter = new Quoter(h.deps, blocked, async (quote) => {
    created.push(quote.quoteId!);
  });
  return { h, quoter, created };
}

const ctx = errorContext('create_quote');
const badRequest = (code: string) =>
  new BadRequestError(code, ctx, { status: 400, exchange: { rawCode: code } });

const CREATE_FAILURES: readonly {
  readonly name: string;
  readonly error: unknown;
  readonly retried: boolean;
  /** Counts towards the kill switch's consecutive exchange errors. */
  readonly exchangeFailure: boolean;
  readonly rfqGone?: boolean;
}[] = [
  {
    name: '429 (already retried by the client)',
    error: new RateLimitError('slow down', ctx, { status: 429 }),
    retried: true,
    exchangeFailure: false,
  },
  {
    name: '503',
    error: new ServerError('unavailable', ctx, { status: 503 }),
    retried: true,
    exchangeFailure: true,
  },
  {
    name: 'a connection reset',
    error: new NetworkError('reset', ctx, false),
    retried: true,
    exchangeFailure: true,
  },
  { name: 'a time-out', error: new TimeoutError(ctx, 1_500), retried: true, exchangeFailure: true },
  { name: 'a 400 refusal', error: badRequest('invalid_parameters'), retried: false, exchangeFailure: false },
  {
    name: 'RFQ_CLOSED',
    error: badRequest('RFQ_CLOSED'),
    retried: false,
    exchangeFailure: false,
    rfqGone: true,
  },
  {
    name: 'MARKET_INACTIVE',
    error: badRequest('MARKET_INACTIVE'),
    retried: false,
    exchangeFailure: false,
    rfqGone: true,
  },
  {
    name: '401',
    error: new AuthenticationError('bad signature', ctx, { status: 401 }),
    retried: false,
    exchangeFailure: false,
  },
  {
    name: '403',
    error: new PermissionError('forbidden', ctx, { status: 403 }),
    retried: false,
    exchangeFailure: false,
  },
  {
    name: 'an unknown outcome (the watcher deletes it if it landed)',
    error: new QuoteOutcomeUnknownError('lost', ctx),
    retried: false,
    exchangeFailure: true,
  },
  {
    name: 'the gate refusing to send',
    error: new GateRejectedError('closed', 'create_quote', 'closed'),
    retried: false,
    exchangeFailure: false,
  },
];

describe('Quoter: a create that fails', () => {
  it.each(CREATE_FAILURES)('$name: failed, exposure released, retried=$retried', async (row) => {
    const { h, quoter } = await setup();
    const rfq = h.rfq();
    h.book.upsert(rfq);
    h.exchange.fail('createQuote', row.error);
    await quoter.quote(rfq, 'new');

    const quote = h.store.forRfq(rfq.id)!;
    expect(quote.state).toBe('failed');
    expect(h.exposed(quote)).toBe(false);
    expect(h.exposure.liveQuotes()).toEqual([]);
    expect(h.eventsOf('exchangeResult')).toEqual(
      row.exchangeFailure ? [{ type: 'exchangeResult', ok: false }] : [],
    );
    expect(h.book.has(rfq.id)).toBe(!row.rfqGone);
    // A retry is due after the first delay, and not before it.
    h.clock.advance(RETRY_DELAYS_MS[0]! - 1);
    expect(quoter.takeDueRetries(h.clock.now())).toEqual([]);
    h.clock.advance(1);
    expect(quoter.takeDueRetries(h.clock.now())).toEqual(row.retried ? [rfq.id] : []);
  });

  it('backs off along RETRY_DELAYS_MS and gives up after the last', async () => {
    const { h, quoter } = await setup();
    const rfq = h.rfq();
    h.book.upsert(rfq);
    // 429s: they do not count towards the kill switch, which five 5xx in a row would trip.
    const throttled = () => new RateLimitError('slow down', ctx, { status: 429 });
    for (const delay of RETRY_DELAYS_MS) {
      h.exchange.fail('createQuote', throttled());
      await quoter.quote(rfq, 'retry');
      h.clock.advance(delay - 1);
      expect(quoter.takeDueRetries(h.clock.now())).toEqual([]);
      h.clock.advance(1);
      expect(quoter.takeDueRetries(h.clock.now())).toEqual([rfq.id]);
    }
    h.exchange.fail('createQuote', throttled());
    await quoter.quote(rfq, 'retry');
    h.clock.advance(60_000);
    expect(quoter.takeDueRetries(h.clock.now())).toEqual([]);
    expect(h.lines.some((l) => l.msg === 'giving up on the RFQ after passing failures')).toBe(true);

    // A success clears the count: the next failure starts again at the first delay.
    await quoter.quote(rfq, 'new');
    expect(h.store.forRfq(rfq.id)?.state).toBe('open');
  });
});

describe('Quoter: pricing to a live quote', () => {
  it('sends what the guard approved, reserving exposure before the create', async () => {
    const { h, quoter, created } = await setup();
    const rfq = h.rfq();
    h.book.upsert(rfq);
    quoter.noteSeen(rfq.id);
    h.clock.advance(30);
    const create = h.exchange.hold<string>('createQuote');
    expect(quoter.inProgress).toBe(0);
    const done = quoter.quote(rfq, 'new');
    await create.called;
    const pending = h.store.forRfq(rfq.id)!;
    expect(pending.state).toBe('pending');
    expect(h.exposed(pending)).toBe(true);
    // on its way to a quote until the create is answered (journal commits wait for it)
    expect(quoter.inProgress).toBe(1);
    h.clock.advance(15);
    create.release();
    await done;
    expect(pending.state).toBe('open');
    expect(quoter.inProgress).toBe(0);
    expect(created).toEqual([pending.quoteId]);
    expect(h.exchange.callsOf('createQuote')[0]?.args[0]).toEqual({
      rfqId: rfq.id,
      yesBid: 400_000,
      noBid: 500_000,
      restRemainder: false,
      postOnly: false,
    });
  });

  it('never lets two creates in flight pass a limit only one of them fits', async () => {
    const { h, quoter } = await setup({ limits: { maxOpenQuotes: 1 } });
    const [a, b] = [h.rfq(), h.rfq()];
    h.book.upsert(a);
    h.book.upsert(b);
    const create = h.exchange.hold('createQuote');
    const first = quoter.quote(a, 'new');
    const second = quoter.quote(b, 'new');
    await create.called;
    await second;
    expect(h.eventsOf('refused')).toEqual([
      expect.objectContaining({ type: 'refused', rfqId: b.id, limit: 'maxOpenQuotes' }),
    ]);
    expect(quoter.waitingForRoom).toBe(1);
    create.release();
    await first;
    expect(h.exchange.callsOf('createQuote')).toHaveLength(1);
    expect(quoter.takeWaitingForRoom(5)).toEqual([b.id]);
  });

  it('at the open-quote limit an RFQ waits for room unpriced (no strategy call, no market read)', async () => {
    const { h, quoter } = await setup({ limits: { maxOpenQuotes: 1 } });
    const [a, b] = [h.rfq(), h.rfq()];
    h.book.upsert(a);
    h.book.upsert(b);
    await quoter.quote(a, 'new');
    expect(h.exchange.callsOf('createQuote')).toHaveLength(1);
    let priced = 0;
    const price = h.strategy.price;
    h.strategy.price = (rfq) => {
      priced++;
      return price(rfq);
    };
    const books = h.exchange.callsOf('getOrderBook').length;
    await quoter.quote(b, 'new');
    expect(priced).toBe(0);
    expect(h.exchange.callsOf('getOrderBook')).toHaveLength(books);
    expect(h.eventsOf('skipped')).toEqual([
      { type: 'skipped', rfqId: b.id, cause: 'no-room', reason: '1 live quotes, the most allowed is 1' },
    ]);
    expect(h.eventsOf('refused')).toEqual([]);
    expect(quoter.takeWaitingForRoom(5)).toEqual([b.id]);
  });

  it("outside its route's trading windows an RFQ is not priced at all", async () => {
    // Open 16:00-16:59 UTC; the harness starts at 15:00.
    const { h, quoter } = await setup({ routeWindows: [{ cron: '* 16 * * *', timezone: 'UTC' }] });
    let priced = 0;
    const price = h.strategy.price;
    h.strategy.price = (rfq) => {
      priced++;
      return price(rfq);
    };
    const rfq = h.rfq();
    h.book.upsert(rfq);
    const books = h.exchange.callsOf('getOrderBook').length;
    await quoter.quote(rfq, 'new');
    expect(priced).toBe(0);
    expect(h.exchange.callsOf('getOrderBook')).toHaveLength(books);
    expect(h.eventsOf('skipped')).toEqual([
      {
        type: 'skipped',
        rfqId: rfq.id,
        cause: 'window',
        reason: 'outside the trading windows of routes[0] "all"',
      },
    ]);
    h.clock.advanceTo(START + 60 * 60_000);
    await quoter.quote(rfq, 'new');
    expect(priced).toBe(1);
    expect(h.exchange.callsOf('createQuote')).toHaveLength(1);
  });

  const SKIPS: readonly {
    readonly name: string;
    readonly arrange: (h: Harness) => void;
    readonly cause: string;
    readonly retried: boolean;
  }[] = [
    {
      name: 'the strategy declines',
      arrange: (h) => {
        h.strategy.price = () => ({ skip: 'not today' });
      },
      cause: 'declined',
      retried: false,
    },
    {
      name: 'the strategy throws',
      arrange: (h) => {
        h.strategy.price = () => {
          throw new Error('boom');
        };
      },
      cause: 'threw',
      retried: true,
    },
    {
      name: 'the market cannot be read',
      arrange: (h) => {
        h.exchange.fail('getMarket', new ServerError('down', errorContext('get_market'), { status: 500 }));
      },
      cause: 'market-data',
      retried: true,
    },
    {
      name: 'the market is not active',
      arrange: (h) => {
        h.exchange.markets.set('KXTEST-1', testMarket({ ticker: 'KXTEST-1', status: 'closed' }));
      },
      cause: 'market-status',
      retried: false,
    },
  ];

  it.each(SKIPS)('skips when $name (retried=$retried)', async (row) => {
    const { h, quoter } = await setup();
    const rfq = h.rfq();
    h.book.upsert(rfq);
    row.arrange(h);
    await quoter.quote(rfq, 'new');
    expect(h.eventsOf('skipped').map((e) => e.cause)).toEqual([row.cause]);
    expect(h.exchange.callsOf('createQuote')).toEqual([]);
    expect(h.store.forRfq(rfq.id)).toBeUndefined();
    h.clock.advance(RETRY_DELAYS_MS[0]!);
    expect(quoter.takeDueRetries(h.clock.now())).toEqual(row.retried ? [rfq.id] : []);
  });

  it('turns an RFQ away while blocked (kill switch, windows, shutdown) as a skip with cause blocked', async () => {
    const { h, quoter } = await setup({}, () => 'kill switch: operator');
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await quoter.quote(rfq, 'new');
    expect(h.eventsOf('skipped')).toEqual([
      { type: 'skipped', rfqId: rfq.id, cause: 'blocked', reason: 'kill switch: operator' },
    ]);
    expect(h.exchange.calls).toEqual([]);
  });

  it('does not quote an RFQ that closed, one already quoted, or one whose quote was accepted', async () => {
    const { h, quoter } = await setup();
    const closed = h.rfq();
    await quoter.quote(closed, 'new');
    const quoted = h.rfq();
    h.book.upsert(quoted);
    await quoter.quote(quoted, 'new');
    await quoter.quote(quoted, 'requote');
    expect(h.exchange.callsOf('createQuote')).toHaveLength(1);
    const quote = h.store.forRfq(quoted.id)!;
    h.store.transition(quote, 'accepted');
    await quoter.quote(quoted, 'requote');
    expect(h.exchange.callsOf('createQuote')).toHaveLength(1);
    const notQuoting = h.lines.filter((l) => l.msg === 'not quoting').map((l) => l['reason']);
    expect(notQuoting).toEqual(['RFQ no longer open', 'already quoted', 'our quote on it was accepted']);
  });

  it('prices and logs but sends nothing in dry-run mode', async () => {
    const { h, quoter } = await setup({ dryRun: true });
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await quoter.quote(rfq, 'new');
    await until(() => h.lines.find((l) => l.msg === 'dry run: would quote'), 'the dry-run line');
    expect(h.exchange.callsOf('createQuote')).toEqual([]);
    expect(h.store.forRfq(rfq.id)).toBeUndefined();
    expect(h.exposure.liveQuotes()).toEqual([]);
  });

  it('forgets the routes of quotes the store has dropped', async () => {
    const { h, quoter } = await setup();
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await quoter.quote(rfq, 'new');
    const quote = h.store.forRfq(rfq.id)!;
    expect(quoter.routeOf(quote)?.label).toBeDefined();
    h.store.transition(quote, 'cancelled');
    h.clock.advance(600_000);
    expect(h.store.prune()).toBe(1);
    expect(quoter.routeOf(quote)).toBeUndefined();
  });
});
