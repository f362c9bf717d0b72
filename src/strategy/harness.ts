import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import type { FeeSchedule } from '../domain/fees.js';
import type { MarketData } from '../domain/market-data.js';
import type { Centis, Micros } from '../domain/money.js';
import type { LiveQuote, QuoteEvent, QuoteEventType, QuoteIntent } from '../domain/quoting.js';
import { contractsPerSide } from '../domain/sizing.js';
import type { Market, OrderBook, Rfq, Side } from '../domain/types.js';
import { validateStrategy } from './loader.js';
import { InMemoryMarketData, type TestMarketInit, type TestRfqInit, testRfq } from './memory-data.js';
import { type CompiledRoute, StrategyRouter } from './router.js';
import { type PriceOutcome, type SkipCause, StrategyRunner } from './runner.js';
import type { Strategy } from './types.js';

/** Why the harness got no quote; the same causes the bot logs. */
export type HarnessSkipCause =
  /** The strategy returned a skip. */
  | 'declined'
  /** Every non-zero side snapped below the market's grid. */
  | 'snapped-away'
  /** The intent broke a rule: not integers, outside (0, 1), both zero, sum above $1. */
  | 'invalid'
  | 'threw'
  | 'timeout'
  /** The market (for its grid) could not be read. */
  | 'market-data'
  | 'setup-failed'
  /** The strategy's worker died mid-call (the harness runs in-process, so only by the runner's say). */
  | 'crashed'
  /** The route was disabled after repeated failures. */
  | 'disabled'
  /** The harness was closed. */
  | 'stopped';

/** What one priced RFQ came to: the validated, grid-snapped intent, or why there is none. */
export type HarnessResult =
  | ({ readonly kind: 'quote' } & QuoteIntent)
  | { readonly kind: 'skip'; readonly cause: HarnessSkipCause; readonly reason: string };

export interface StrategyHarnessOptions<Data extends MarketData = InMemoryMarketData> {
  /** Raw options exactly as a route in config.yaml gives them; parsed by the strategy's schema. @default {} */
  readonly options?: unknown;
  readonly markets?: readonly (Market | TestMarketInit)[];
  readonly books?: readonly OrderBook[];
  /** Signed centi-contracts per market ticker (`contracts('10')`); positive is long YES. */
  readonly positions?: Readonly<Record<string, Centis>>;
  /** Overrides of an event's net position (otherwise the sum of its markets' positions). */
  readonly eventPositions?: Readonly<Record<string, Centis>>;
  /** One schedule for every market, or one per ticker. @default DEFAULT_FEE_SCHEDULE */
  readonly fees?: FeeSchedule | Readonly<Record<string, FeeSchedule>>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Per-call limit, as in production. @default 500 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly lastLookTimeoutMs?: number;
  /** @default silent */
  readonly logger?: Logger;
  /**
   * Extension point: any `MarketData` instead of the in-memory store, e.g. one that reads the
   * simulator. `markets`, `books`, `positions`, `eventPositions` and `fees` then must be omitted.
   */
  readonly data?: Data;
}

export interface StrategyHarness<Options, Data extends MarketData = InMemoryMarketData> {
  /** The data the strategy reads; change it between calls (`harness.data.setBook(...)`). */
  readonly data: Data;
  /** Options after the strategy's schema: what `ctx.options` holds. */
  readonly options: Options;
  /** Prices an RFQ through the real runner: time limit, validation and grid snapping included. */
  price(rfq: Rfq | TestRfqInit): Promise<HarnessResult>;
  /** Like `price`, but returns the intent and throws with the skip reason when there is none. */
  quote(rfq: Rfq | TestRfqInit): Promise<QuoteIntent>;
  /** Runs the strategy's last look on a quote (see `liveQuote`). */
  lastLook(quote: LiveQuote): Promise<boolean>;
  fairValue(marketTicker: string): Promise<Micros | undefined>;
  /** Delivers a quote event to `onEvent`. */
  event(type: QuoteEventType, quote: LiveQuote, reason?: string): Promise<void>;
  /** A `LiveQuote` for an RFQ and intent, as the quote manager would hold it; `accepted` marks it accepted. */
  liveQuote(rfq: Rfq, intent: QuoteIntent, accepted?: Side): LiveQuote;
  /** Runs teardown. Call it in `afterEach`. */
  close(): Promise<void>;
}

function harnessResult(outcome: PriceOutcome): HarnessResult {
  if (outcome.kind === 'quote') return { kind: 'quote', ...outcome.intent };
  return { kind: 'skip', cause: harnessCause(outcome.cause), reason: outcome.reason };
}

function harnessCause(cause: SkipCause): HarnessSkipCause {
  // The harness routes every RFQ to its one strategy, so "no route" means the harness is broken.
  if (cause === 'no-route') throw new Error('strategy harness: its catch-all route matched no RFQ');
  return cause;
}

function isSchedule(value: unknown): value is FeeSchedule {
  return typeof value === 'object' && value !== null && 'type' in value && 'multiplierPpm' in value;
}

function seed(data: InMemoryMarketData, init: StrategyHarnessOptions<MarketData>): void {
  for (const market of init.markets ?? []) data.setMarket(market);
  for (const book of init.books ?? []) data.setBook(book);
  for (const [ticker, position] of Object.entries(init.positions ?? {})) data.setPosition(ticker, position);
  for (const [event, position] of Object.entries(init.eventPositions ?? {}))
    data.setEventPosition(event, position);
  const fees = init.fees;
  if (isSchedule(fees)) data.setFees(fees);
  else for (const [ticker, schedule] of Object.entries(fees ?? {})) data.setFees(schedule, ticker);
}

/**
 * Runs one strategy the way the bot does, against market data you control. Options go
 * through the strategy's schema (bad options throw `RouteConfigError`), `setup` runs here
 * (a failure throws `StrategySetupError`), and every price goes through the real runner.
 * @example
 * const h = await createStrategyHarness(myStrategy, {
 *   options: { spread: '0.04' },
 *   markets: [{ ticker: 'KXT-1' }],
 *   books: [testBook('KXT-1', { yes: [['0.45', '10']], no: [['0.50', '10']] })],
 * });
 * const intent = await h.quote({ marketTicker: 'KXT-1' });
 */
export async function createStrategyHarness<Options, Data extends MarketData = InMemoryMarketData>(
  strategy: Strategy<Options>,
  init: StrategyHarnessOptions<Data> = {},
): Promise<StrategyHarness<Options, Data>> {
  const checked = validateStrategy(strategy, 'the test harness');
  let data: MarketData;
  if (init.data !== undefined) {
    const seeded = ['markets', 'books', 'positions', 'eventPositions', 'fees'].filter(
      (key) => (init as Record<string, unknown>)[key] !== undefined,
    );
    if (seeded.length > 0) {
      throw new TypeError(
        `createStrategyHarness: ${seeded.join(', ')} only apply to the in-memory data, not to options.data`,
      );
    }
    data = init.data;
  } else {
    const memory = new InMemoryMarketData();
    seed(memory, init as StrategyHarnessOptions<MarketData>);
    data = memory;
  }
  const logger = init.logger ?? pino({ level: 'silent' });
  const clock = init.clock ?? systemClock;
  const registry = new Map([[checked.name, checked]]);
  const router = new StrategyRouter(
    registry,
    // In-process: the strategy object under test may not come from a plugin file, and the
    // test's clock and data must be the ones it reads.
    [{ name: 'harness', strategy: checked.name, options: init.options ?? {}, isolation: 'in-process' }],
    logger,
  );
  const runner = new StrategyRunner({
    router,
    data,
    logger,
    clock,
    ...(init.timeoutMs !== undefined ? { timeoutMs: init.timeoutMs } : {}),
    ...(init.lastLookTimeoutMs !== undefined ? { lastLookTimeoutMs: init.lastLookTimeoutMs } : {}),
  });
  await runner.start();
  const route = router.table.routes[0] as CompiledRoute;
  const toRfq = (rfq: Rfq | TestRfqInit): Rfq =>
    'creatorId' in rfq ? rfq : testRfq({ createdAt: clock.now(), ...rfq });

  const harness: StrategyHarness<Options, Data> = {
    data: data as Data,
    options: route.instance.options as Options,
    price: async (rfq) => harnessResult(await runner.price(toRfq(rfq))),
    async quote(rfq) {
      const result = harnessResult(await runner.price(toRfq(rfq)));
      if (result.kind === 'quote') {
        const { kind: _, ...intent } = result;
        return intent;
      }
      throw new Error(`expected a quote, got a skip (${result.cause}): ${result.reason}`);
    },
    lastLook: (quote) => runner.lastLook(quote, route),
    fairValue: (marketTicker) => runner.fairValue(testRfq({ marketTicker, createdAt: clock.now() }), route),
    event: (type, quote, reason) =>
      runner.onEvent(
        { type, quote, at: clock.now(), ...(reason !== undefined ? { reason } : {}) } satisfies QuoteEvent,
        route,
      ),
    liveQuote(rfq, intent, accepted) {
      const offered = contractsPerSide(rfq.size, intent);
      const now = clock.now();
      return {
        rfq,
        quoteId: `quote-${rfq.id}`,
        yesBid: intent.yesBid,
        noBid: intent.noBid,
        yesContracts: offered.yes,
        noContracts: offered.no,
        ...(intent.fairValue !== undefined ? { fairValue: intent.fairValue } : {}),
        sentAt: now,
        ...(accepted !== undefined
          ? { acceptedSide: accepted, acceptedContracts: offered[accepted], acceptedAt: now }
          : {}),
      };
    },
    close: () => runner.stop(),
  };
  return harness;
}
