import { afterEach, describe, expect, it } from 'vitest';
import type { Quote, Side } from '../../../src/domain/types.js';
import { contextReadPriority, GateRejectedError } from '../../../src/kalshi/gate.js';
import { BadRequestError, ServerError } from '../../../src/kalshi/index.js';
import { AcceptHandler } from '../../../src/quotes/accept-handler.js';
import { exposureId } from '../../../src/quotes/context.js';
import { FillIntake } from '../../../src/quotes/fill-intake.js';
import { FillTracker } from '../../../src/quotes/fill-tracker.js';
import type { TrackedQuote } from '../../../src/quotes/quote-store.js';
import { Quoter } from '../../../src/quotes/quoter.js';
import { errorContext } from '../../helpers/fake-exchange.js';
import { $, c, looseLimits } from '../risk/fixtures.js';
import { type Harness, type HarnessOptions, quotingHarness, until } from './harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
});

interface Setup {
  readonly h: Harness;
  readonly handler: AcceptHandler;
  readonly tracker: FillTracker;
  readonly quote: TrackedQuote;
  readonly nudges: () => number;
}

/** One open quote of ours (10 contracts, 0.40 / 0.50) sent through the real quoter. */
async function openQuote(options: HarnessOptions & { marketTicker?: string } = {}): Promise<Setup> {
  const h = await quotingHarness(options);
  harnesses.push(h);
  const quoter = new Quoter(
    h.deps,
    () => undefined,
    async () => undefined,
  );
  let nudges = 0;
  const tracker = new FillTracker(h.deps, new FillIntake(h.deps));
  const handler = new AcceptHandler(
    h.deps,
    (quote) => quoter.routeOf(quote),
    () => nudges++,
    tracker,
  );
  const rfq = h.rfq({ marketTicker: options.marketTicker ?? 'KXTEST-1' });
  h.book.upsert(rfq);
  await quoter.quote(rfq, 'new');
  const quote = h.store.forRfq(rfq.id);
  if (quote?.state !== 'open') throw new Error(`setup: the quote is ${quote?.state}`);
  return { h, handler, tracker, quote, nudges: () => nudges };
}

interface AcceptOptions {
  readonly side?: Side;
  readonly acceptedAt?: number | undefined;
  readonly contracts?: number;
  readonly prices?: Partial<Quote>;
}

/** The requester hits the quote and the watcher reports it now. */
function accept({ h, handler, quote }: Setup, options: AcceptOptions = {}): Quote {
  const report = h.exchange.accept(quote.quoteId!, options.side ?? 'yes', {
    ...('acceptedAt' in options ? { acceptedAt: options.acceptedAt } : {}),
    ...(options.contracts !== undefined ? { contracts: options.contracts } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
  });
  handler.accepted(quote, report, h.clock.now());
  return report;
}

const WINDOW = 10_000;
const MARGIN = 200;
const GRACE = 1_000;

interface LastLookRow {
  readonly rule: string;
  readonly options?: HarnessOptions;
  readonly before?: (setup: Setup) => void;
  readonly accept?: AcceptOptions;
  readonly reason: RegExp;
}

const LAST_LOOK_REFUSALS: readonly LastLookRow[] = [
  {
    rule: 'the prices at the exchange are not what we sent',
    accept: { prices: { yesBid: 410_000 } },
    reason: /^prices differ from what we sent \(sent 400000\/500000, exchange has 410000\/500000 micros\)$/,
  },
  {
    rule: 'the accepted side is one we declined (bid 0)',
    options: { behaviour: { price: () => ({ yesBid: 400_000, noBid: 0 }) } },
    accept: { side: 'no' },
    reason: /^the no side was declined \(bid 0\) and must not trade$/,
  },
  {
    rule: 'the accepted size is above what we offered',
    accept: { contracts: 1_001 },
    reason: /^accepted size 1001 exceeds the 1000 centi-contracts we offered$/,
  },
  {
    rule: 'the exchange reports an accepted size of zero',
    accept: { contracts: 0 },
    reason: /^the exchange reports an accepted size of 0 centi-contracts$/,
  },
  {
    rule: "the strategy's lastLook says no",
    before: ({ h }) => {
      h.strategy.lastLook = () => false;
    },
    reason: /^the strategy declined at last look$/,
  },
  {
    rule: 'the risk guard refuses with current limits',
    before: ({ h }) => {
      h.limits = looseLimits({ maxPositionPerMarket: { contracts: c('5'), dollars: $('1000') } });
    },
    reason: /^risk guard: maxPositionPerMarket\.contracts: /,
  },
  {
    rule: 'the kill switch is on',
    before: ({ h }) => {
      h.killSwitch.trip('operator', 'manual');
    },
    reason: /^kill switch: operator$/,
  },
  {
    rule: 'we are shutting down',
    before: ({ handler }) => handler.stopConfirming(),
    reason: /^shutting down$/,
  },
  {
    rule: 'too little of the confirm window is left',
    accept: { acceptedAt: undefined },
    before: ({ h }) => {
      h.settings = { ...h.settings, confirmSafetyMarginMs: WINDOW - h.settings.acceptPollIntervalMs };
    },
    reason: /^too close to the end of the confirm window$/,
  },
  {
    rule: 'the window runs out while the strategy looks',
    before: ({ h }) => {
      h.strategy.lastLook = () => {
        h.clock.advance(WINDOW - MARGIN);
        return true;
      };
    },
    reason: /^too close to the end of the confirm window$/,
  },
];

describe('AcceptHandler: last look', () => {
  it.each(LAST_LOOK_REFUSALS)('lets the accept lapse when $rule', async (row) => {
    const setup = await openQuote(row.options);
    const { h, quote } = setup;
    row.before?.(setup);
    const acceptedAt = h.clock.now();
    accept(setup, { acceptedAt, ...row.accept });
    const declined = await until(() => h.eventsOf('declined')[0], 'the last look to decline');
    expect(declined.reason).toMatch(row.reason);
    expect(h.exchange.callsOf('confirmQuote')).toEqual([]);
    expect(quote.state).toBe('accepted');
    // Exposure counts the accept as a fill until the window has passed.
    expect(h.exposure.liveQuote(exposureId(quote))?.state).toBe('accepted');

    // The window began at confirmDeadline + margin - window; the lapse comes a grace period after it ends.
    const lapseAt = quote.confirmDeadline! + h.settings.confirmSafetyMarginMs + GRACE;
    h.clock.advanceTo(Math.max(h.clock.now(), lapseAt - 1));
    if (h.clock.now() < lapseAt) expect(quote.state).toBe('accepted');
    h.clock.advanceTo(lapseAt);
    expect(quote.state).toBe('expired');
    expect(quote.endReason).toBe('confirm window passed');
    expect(h.exposed(quote)).toBe(false);
    expect(h.exposure.finishedState(exposureId(quote))).toBe('lapsed');
  });

  it("reads what last look needs at the confirm's priority, pricing at its own", async () => {
    const priorities: string[] = [];
    const seen = (what: string) => priorities.push(`${what} ${contextReadPriority() ?? 'own'}`);
    const setup = await openQuote({
      behaviour: {
        price: () => {
          seen('price');
          return { yesBid: 400_000, noBid: 500_000, fairValue: 450_000 };
        },
        lastLook: () => {
          seen('lastLook');
          return true;
        },
        fairValue: () => {
          seen('fairValue');
          return 450_000;
        },
      },
    });
    accept(setup);
    await until(() => setup.quote.state === 'confirmed', 'the confirm');
    expect(priorities).toEqual(['price own', 'lastLook confirm', 'fairValue confirm']);
  });

  it('counts an accept as in progress from its report until its confirm is answered', async () => {
    let answer: ((ok: boolean) => void) | undefined;
    const setup = await openQuote({
      behaviour: {
        lastLook: () =>
          new Promise<boolean>((resolve) => {
            answer = resolve;
          }),
      },
    });
    expect(setup.handler.inProgress).toBe(0);
    accept(setup);
    expect(setup.handler.inProgress).toBe(1);
    (await until(() => answer, 'last look asked'))(true);
    await until(() => setup.quote.state === 'confirmed', 'the confirm');
    await until(() => setup.handler.inProgress === 0, 'the accept to be done');
  });

  it('confirms at top priority with the end of the window as deadline when every rule passes', async () => {
    const setup = await openQuote();
    const { h, quote } = setup;
    const acceptedAt = h.clock.now() - 1_000;
    accept(setup, { acceptedAt });
    await until(() => quote.state === 'confirmed', 'the confirm');
    const [confirm] = h.exchange.callsOf('confirmQuote');
    expect(confirm?.args).toEqual([
      quote.rfq.id,
      quote.quoteId,
      { deadline: acceptedAt + WINDOW - MARGIN, priority: 'confirm' },
    ]);
    expect(quote.confirmDeadline).toBe(acceptedAt + WINDOW - MARGIN);
    expect(h.eventsOf('confirmed')).toEqual([
      { type: 'confirmed', rfqId: quote.rfq.id, acceptToConfirmMs: 0 },
    ]);
    expect(h.exposure.liveQuote(exposureId(quote))?.state).toBe('confirmed');
    expect(setup.nudges()).toBe(1);
    // The lapse timer is gone: the window passing changes nothing.
    h.clock.advance(WINDOW + GRACE);
    expect(quote.state).toBe('confirmed');
    expect(h.eventsOf('declined')).toEqual([]);
  });

  const DEADLINES: readonly {
    readonly name: string;
    readonly marketTicker?: string;
    readonly acceptedAt: (seenAt: number) => number | undefined;
    readonly start: (seenAt: number) => number;
    readonly window: number;
  }[] = [
    {
      name: "the exchange's accepted_ts starts the window",
      acceptedAt: (seen) => seen - 700,
      start: (seen) => seen - 700,
      window: WINDOW,
    },
    {
      name: 'an accepted_ts later than our sight of it (clocks apart) is not trusted',
      acceptedAt: (seen) => seen + 5_000,
      start: (seen) => seen,
      window: WINDOW,
    },
    {
      name: 'without accepted_ts the accept is assumed a whole poll interval old',
      acceptedAt: () => undefined,
      start: (seen) => seen - DEFAULT_POLL_MS,
      window: WINDOW,
    },
    {
      name: 'a high-volatility market has the shorter window',
      marketTicker: 'KXHV-1',
      acceptedAt: (seen) => seen,
      start: (seen) => seen,
      window: 3_000,
    },
  ];

  it.each(DEADLINES)('computes the deadline: $name', async (row) => {
    const setup = await openQuote(row.marketTicker ? { marketTicker: row.marketTicker } : {});
    const { h, quote } = setup;
    const seenAt = h.clock.now();
    accept(setup, { acceptedAt: row.acceptedAt(seenAt) });
    await until(() => quote.state === 'confirmed', 'the confirm');
    const deadline = row.start(seenAt) + row.window - MARGIN;
    expect(quote.confirmDeadline).toBe(deadline);
    expect(h.exchange.callsOf('confirmQuote')[0]?.args[2]).toEqual({ deadline, priority: 'confirm' });
  });
});

const DEFAULT_POLL_MS = 250;

describe('AcceptHandler: the confirm and what the exchange reports after it', () => {
  it('lets the accept expire when the exchange answers that the window expired', async () => {
    const setup = await openQuote();
    const { h, quote } = setup;
    h.exchange.fail(
      'confirmQuote',
      new BadRequestError('expired', errorContext('confirm_quote'), {
        status: 400,
        exchange: { rawCode: 'expired' },
      }),
    );
    accept(setup);
    await until(() => quote.state === 'expired', 'the accept to expire');
    expect(quote.endReason).toBe('the exchange said the confirm window had expired');
    expect(h.exposure.finishedState(exposureId(quote))).toBe('lapsed');
  });

  it('lets the accept expire when the gate drops the confirm at its deadline', async () => {
    const setup = await openQuote();
    const { h, quote } = setup;
    h.exchange.fail('confirmQuote', new GateRejectedError('deadline passed', 'confirm_quote', 'deadline'));
    accept(setup);
    await until(() => quote.state === 'expired', 'the accept to expire');
    expect(quote.endReason).toBe('confirm not sent: GateRejectedError (gate_rejected): deadline passed');
  });

  it('after a failed confirm waits for the exchange: a reported confirm stands, else the window lapses', async () => {
    const setup = await openQuote();
    const { h, handler, quote } = setup;
    h.exchange.fail(
      'confirmQuote',
      new ServerError('bad gateway', errorContext('confirm_quote'), { status: 502 }),
    );
    accept(setup);
    await until(() => h.eventsOf('exchangeResult').some((e) => !e.ok), 'the failed confirm');
    await until(() => quote.state === 'accepted', 'the quote back to accepted');

    // The confirm had landed after all: the watcher reports it.
    handler.confirmed(quote);
    expect(quote.state).toBe('confirmed');
    h.clock.advance(WINDOW + GRACE);
    expect(quote.state).toBe('confirmed');
    expect(h.exposure.liveQuote(exposureId(quote))?.state).toBe('confirmed');

    const other = await openQuote();
    other.h.exchange.fail(
      'confirmQuote',
      new ServerError('bad gateway', errorContext('confirm_quote'), { status: 502 }),
    );
    accept(other, { acceptedAt: other.h.clock.now() });
    await until(
      () => other.quote.state === 'accepted' && other.h.eventsOf('exchangeResult').length > 0,
      'failure',
    );
    other.h.clock.advance(WINDOW + GRACE);
    expect(other.quote.state).toBe('expired');
    expect(other.quote.endReason).toBe('confirm window passed');
  });

  it('books nothing on an execution report: its fills make the position, once', async () => {
    const setup = await openQuote();
    const { h, handler, quote } = setup;
    accept(setup);
    await until(() => quote.state === 'confirmed', 'the confirm');
    const executed = h.exchange.execute(quote.quoteId!, { trades: 2 });
    handler.executed(quote, executed);
    handler.executed(quote, executed);
    expect(quote.state).toBe('executed');
    // Orders were placed; until their fills are in, the accept stays reserved.
    expect(h.exposure.position(quote.rfq.marketTicker)).toBe(0);
    expect(h.exposed(quote)).toBe(true);
    await h.clock.advanceAsync(2_000);
    await until(() => quote.fillOutcome !== undefined, 'the execution settles');
    expect(quote).toMatchObject({
      fillOutcome: 'filled',
      filledContracts: 1_000,
      orderId: `order-${quote.quoteId}`,
    });
    expect(h.exposure.position(quote.rfq.marketTicker)).toBe(1_000);
    expect(h.exposed(quote)).toBe(false);
  });

  it('records the execution of a quote it let lapse and books only what its fills say', async () => {
    const setup = await openQuote({ behaviour: { lastLook: () => false } });
    const { h, handler, quote } = setup;
    const report = accept(setup);
    await until(() => h.eventsOf('declined').length === 1, 'the decline');
    h.clock.advance(WINDOW + GRACE);
    expect(quote.state).toBe('expired');

    handler.executed(quote, { ...report, status: 'executed' });
    expect(quote.state).toBe('executed');
    const said = 'a quote we let lapse executed: its fills are booked as they come';
    expect(h.lines.some((l) => l.msg === said)).toBe(true);
    // The report books nothing; no fill came.
    expect(h.exposure.position(quote.rfq.marketTicker)).toBe(0);
  });

  it('releases exposure of a quote cancelled while open, and lapses one cancelled after an accept', async () => {
    const open = await openQuote();
    open.handler.cancelled(open.quote, 'rfq closed');
    expect(open.quote.state).toBe('cancelled');
    expect(open.h.exposure.finishedState(exposureId(open.quote))).toBe('deleted');

    const accepted = await openQuote({ behaviour: { lastLook: () => false } });
    accept(accepted);
    await until(() => accepted.h.eventsOf('declined').length === 1, 'the decline');
    accepted.handler.cancelled(accepted.quote, 'execution failed');
    expect(accepted.quote.state).toBe('cancelled');
    expect(accepted.h.exposure.finishedState(exposureId(accepted.quote))).toBe('lapsed');
    // No lapse left to fire.
    accepted.h.clock.advance(WINDOW + GRACE);
    expect(accepted.quote.state).toBe('cancelled');
  });

  it('ignores an accept report without a side, and one for a quote no longer live', async () => {
    const setup = await openQuote();
    const { h, handler, quote } = setup;
    const report = h.exchange.accept(quote.quoteId!, 'yes');
    const { acceptedSide: _side, ...sideless } = report;
    handler.accepted(quote, sideless, h.clock.now());
    expect(quote.state).toBe('open');
    expect(h.lines.some((l) => l.msg === 'accepted quote without an accepted side')).toBe(true);

    h.store.transition(quote, 'deleting');
    h.store.transition(quote, 'deleted');
    handler.accepted(quote, report, h.clock.now());
    expect(quote.state).toBe('deleted');
    expect(h.exchange.callsOf('confirmQuote')).toEqual([]);
  });
});
