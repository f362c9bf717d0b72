/**
 * The quoting core on its deps seam (`QuotingDeps`): a real store, RFQ book, strategy runner,
 * market-data cache, exposure book, kill switch and windows, on a `ManualClock`, in front of the
 * in-memory exchange edge (`FakeExchange`). Tests drive time with the clock and wait for the
 * event that proves an outcome with `until`, never for a fixed time.
 */
import type { Logger } from 'pino';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Micros } from '../../../src/domain/money.js';
import type { Rfq } from '../../../src/domain/types.js';
import { MarketDataCache } from '../../../src/market/market-cache.js';
import {
  exposureId,
  type QuoteManagerEvents,
  type QuotingDeps,
  type QuotingSettings,
  type RouteWindows,
} from '../../../src/quotes/context.js';
import { QuoteStore, type TrackedQuote } from '../../../src/quotes/quote-store.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { KillSwitch } from '../../../src/risk/kill-switch.js';
import type { RiskLimits, RiskLimitsOverrides } from '../../../src/risk/limits.js';
import { type TradingWindowSpec, WindowSchedule } from '../../../src/risk/windows.js';
import { type TestRfqInit, testRfq } from '../../../src/strategy/memory-data.js';
import { StrategyRouter } from '../../../src/strategy/router.js';
import { StrategyRunner } from '../../../src/strategy/runner.js';
import type { LiveQuote, PriceDecision, Strategy } from '../../../src/strategy/types.js';
import { FakeExchange } from '../../helpers/fake-exchange.js';
import { looseLimits } from '../risk/fixtures.js';
import { captureLogger, type LogLine } from '../strategy/support.js';

/** Monday 5 January 2026, 15:00 UTC. */
export const START = Date.UTC(2026, 0, 5, 15, 0, 0);

/** What the test strategy does; change any of it between steps. */
export interface TestStrategyBehaviour {
  price: (rfq: Rfq) => PriceDecision | Promise<PriceDecision>;
  lastLook: (quote: LiveQuote) => boolean | Promise<boolean>;
  fairValue: (marketTicker: string) => Micros | undefined | Promise<Micros | undefined>;
}

export const DEFAULT_SETTINGS: QuotingSettings = {
  ttlMs: 60_000,
  restRemainder: false,
  postOnly: false,
  fairValueTolerance: 20_000,
  confirmSafetyMarginMs: 200,
  requoteOnSweep: true,
  acceptPollIntervalMs: 250,
  confirmWindowMs: 10_000,
  hvmConfirmWindowMs: 3_000,
  isHighVolatility: (ticker) => ticker.startsWith('KXHV'),
  subaccount: 0,
};

export type RecordedEvent =
  | { readonly type: 'rfqSeen'; readonly rfqId: string }
  | { readonly type: 'skipped'; readonly rfqId: string; readonly cause: string; readonly reason: string }
  | { readonly type: 'refused'; readonly rfqId: string; readonly limit: string; readonly reason: string }
  | { readonly type: 'created'; readonly rfqId: string; readonly rfqToQuoteMs: number }
  | { readonly type: 'confirmed'; readonly rfqId: string; readonly acceptToConfirmMs: number }
  | { readonly type: 'declined'; readonly rfqId: string; readonly reason: string }
  | { readonly type: 'exchangeResult'; readonly ok: boolean };

export interface HarnessOptions {
  readonly limits?: RiskLimitsOverrides;
  readonly settings?: Partial<QuotingSettings>;
  readonly dryRun?: boolean;
  readonly behaviour?: Partial<TestStrategyBehaviour>;
  /** Trading windows of the one route (risk.windows stay always open). */
  readonly routeWindows?: readonly TradingWindowSpec[];
  /** When a create last ended in a way that may still land (the app tells the manager). */
  readonly lastUncertainCreateAt?: () => number;
}

export interface Harness {
  readonly clock: ManualClock;
  readonly exchange: FakeExchange;
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly exposure: ExposureBook;
  readonly killSwitch: KillSwitch;
  readonly windows: WindowSchedule;
  readonly runner: StrategyRunner<RouteWindows>;
  readonly deps: QuotingDeps;
  readonly logger: Logger;
  readonly lines: LogLine[];
  readonly events: RecordedEvent[];
  /** The strategy's behaviour, mutable between steps. */
  readonly strategy: TestStrategyBehaviour;
  limits: RiskLimits;
  settings: QuotingSettings;
  /** An open contract-sized RFQ the exchange knows (not yet in the book). */
  rfq(init?: Partial<TestRfqInit>): Rfq;
  eventsOf<T extends RecordedEvent['type']>(type: T): Extract<RecordedEvent, { type: T }>[];
  /** Whether the exposure book still counts the tracked quote as live or awaiting a fill. */
  exposed(quote: TrackedQuote): boolean;
  stop(): Promise<void>;
}

export async function quotingHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock(START);
  const { logger, lines } = captureLogger('debug');
  const exchange = new FakeExchange(clock);
  const store = new QuoteStore(logger, clock);
  const book = new RfqBook(clock);
  const exposure = new ExposureBook({ clock, log: logger });
  const data = new MarketDataCache({ reads: exchange, positions: exposure, clock, logger });
  const strategy: TestStrategyBehaviour = {
    price: () => ({ yesBid: 400_000, noBid: 500_000, fairValue: 450_000 }),
    lastLook: () => true,
    fairValue: () => 450_000,
    ...options.behaviour,
  };
  const plugin: Strategy<unknown> = {
    name: 'test',
    apiVersion: 1,
    options: { parse: () => ({}) },
    price: (rfq) => strategy.price(rfq),
    lastLook: (quote) => strategy.lastLook(quote),
    fairValue: (ticker) => strategy.fairValue(ticker),
  };
  const router = new StrategyRouter<RouteWindows>(
    new Map([[plugin.name, plugin]]),
    [
      {
        name: 'all',
        strategy: 'test',
        isolation: 'in-process',
        windows: options.routeWindows
          ? new WindowSchedule({ windows: options.routeWindows, name: 'all', clock, log: logger })
          : undefined,
      },
    ],
    logger,
  );
  const runner = new StrategyRunner<RouteWindows>({ router, data, logger, clock });
  await runner.start();
  const killSwitch = new KillSwitch({ clock, log: logger, maxConsecutiveErrors: 5 });
  const windows = new WindowSchedule({ windows: [], clock, log: logger });
  const events: RecordedEvent[] = [];
  const reports: QuoteManagerEvents = {
    rfqSeen: (rfq) => events.push({ type: 'rfqSeen', rfqId: rfq.id }),
    skipped: (rfq, _strategy, cause, reason) =>
      events.push({ type: 'skipped', rfqId: rfq.id, cause, reason }),
    refused: (rfq, _strategy, limit, reason) =>
      events.push({ type: 'refused', rfqId: rfq.id, limit, reason }),
    created: (quote, rfqToQuoteMs) => events.push({ type: 'created', rfqId: quote.rfq.id, rfqToQuoteMs }),
    confirmed: (quote, acceptToConfirmMs) =>
      events.push({ type: 'confirmed', rfqId: quote.rfq.id, acceptToConfirmMs }),
    declined: (quote, reason) => events.push({ type: 'declined', rfqId: quote.rfq.id, reason }),
    exchangeResult: (ok) => {
      events.push({ type: 'exchangeResult', ok });
      killSwitch.recordExchangeResult(ok);
    },
  };
  const harness: Harness = {
    clock,
    exchange,
    store,
    book,
    exposure,
    killSwitch,
    windows,
    runner,
    logger,
    lines,
    events,
    strategy,
    limits: looseLimits(options.limits),
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    deps: undefined as unknown as QuotingDeps,
    rfq(init = {}) {
      const rfq = testRfq({ marketTicker: 'KXTEST-1', contracts: '10', createdAt: clock.now(), ...init });
      exchange.rfqs.set(rfq.id, rfq);
      return rfq;
    },
    eventsOf: (type) => events.filter((event) => event.type === type) as never,
    exposed: (quote) => exposure.liveQuote(exposureId(quote)) !== undefined,
    async stop() {
      killSwitch.stop();
      await runner.stop();
    },
  };
  (harness as { deps: QuotingDeps }).deps = {
    store,
    book,
    client: exchange,
    runner,
    data,
    exposure,
    limits: () => harness.limits,
    settings: () => harness.settings,
    killSwitch,
    windows,
    dryRun: options.dryRun ?? false,
    logger,
    clock,
    events: reports,
    lastUncertainCreateAt: options.lastUncertainCreateAt,
  };
  return harness;
}

/**
 * Lets promise chains and immediates run until `check` holds (no clock time passes): the wait
 * for the event that proves an outcome. Fails naming `what` when it never comes.
 */
export async function until<T>(check: () => T | undefined | false, what: string, turns = 500): Promise<T> {
  for (let i = 0; i < turns; i++) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

/** Lets everything already queued run (promise chains, immediates) without moving the clock. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
