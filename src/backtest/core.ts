/**
 * The live quoting core, built from a config as app.ts builds it, in front of the backtest's
 * exchange edge and recorded market data, on the replay's manual clock: the same strategy runner
 * (strategies in-process), risk guard, exposure book, kill switch, trading windows, quote manager
 * (quoter, last look, sweeper) and journal wiring. Nothing here prices or decides on its own.
 */
import type { Logger } from 'pino';
import { combineEvents, type JournalSink, type JournalWiring, wireJournal } from '../app/journal-wiring.js';
import {
  quotingSettingsFrom,
  riskLimitsFrom,
  routesFrom,
  strategyRunnerSettingsFrom,
} from '../app/options-from-config.js';
import type { Config } from '../config/index.js';
import type { ManualClock } from '../domain/clock.js';
import type { FeeSchedule } from '../domain/fees.js';
import type { Micros } from '../domain/money.js';
import type { EventInfo, Market, OrderBook, Rfq } from '../domain/types.js';
import { MarketDataCache, type MarketReads } from '../market/market-cache.js';
import type { QuoteWrites, QuotingDeps, QuotingSettings, RouteWindows } from '../quotes/context.js';
import { QuoteManager } from '../quotes/quote-manager.js';
import { QuoteStore } from '../quotes/quote-store.js';
import { RfqBook } from '../rfq/rfq-book.js';
import { ExposureBook } from '../risk/exposure.js';
import { KillSwitch } from '../risk/kill-switch.js';
import type { RiskLimits } from '../risk/limits.js';
import { WindowSchedule } from '../risk/windows.js';
import type { StrategyRegistry } from '../strategy/loader.js';
import type { CompiledRoute } from '../strategy/router.js';
import { StrategyRouter } from '../strategy/router.js';
import { type PriceOutcome, StrategyRunner } from '../strategy/runner.js';
import type { LiveQuote, QuoteEvent } from '../strategy/types.js';

/**
 * The runner, counting the strategy calls in flight: the replay lets the event loop turn until
 * none is left before it moves the clock (a strategy awaiting real I/O finishes first).
 */
export class CountingRunner extends StrategyRunner<RouteWindows> {
  inFlight = 0;
  /** One callback for every call (tsx names each closure made per call, at a cost). */
  readonly #done = (): void => {
    this.inFlight--;
  };

  #count<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    work.then(this.#done, this.#done);
    return work;
  }

  override price(rfq: Rfq): Promise<PriceOutcome<RouteWindows>> {
    return this.#count(super.price(rfq));
  }

  override lastLook(quote: LiveQuote, route?: CompiledRoute<RouteWindows>): Promise<boolean> {
    return this.#count(super.lastLook(quote, route));
  }

  override fairValue(rfq: Rfq, route?: CompiledRoute<RouteWindows>): Promise<Micros | undefined> {
    return this.#count(super.fairValue(rfq, route));
  }

  override onEvent(event: QuoteEvent, route?: CompiledRoute<RouteWindows>): Promise<void> {
    return this.#count(super.onEvent(event, route));
  }
}

/** Trade ids (and order links) the replayed bot's fill ledger remembers. */
const BACKTEST_LEDGER_MEMORY = 20_000;

/** A cache lifetime no replay reaches: reads go when the recorded data changes instead. */
const UNTIL_THE_RECORDING_CHANGES = 1_000 * 86_400_000 * 365;

export interface CoreOptions {
  readonly config: Config;
  readonly registry: StrategyRegistry;
  readonly clock: ManualClock;
  readonly logger: Logger;
  readonly exchange: QuoteWrites;
  readonly reads: MarketReads;
  /** Where the journal wiring sends what the bot sees and does. */
  readonly sink: JournalSink;
  /** Whether the market data the bot reads is journaled to the sink too (default true). */
  readonly marketDataEvents?: boolean;
}

export interface Core {
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly exposure: ExposureBook;
  readonly killSwitch: KillSwitch;
  readonly windows: WindowSchedule;
  readonly data: MarketDataCache;
  readonly runner: CountingRunner;
  readonly manager: QuoteManager;
  readonly wiring: JournalWiring;
  readonly limits: RiskLimits;
  readonly settings: QuotingSettings;
  start(): Promise<void>;
  /**
   * The live bot's shutdown: no more quotes or confirms, every live quote pulled, then a wait (on
   * the clock, until `deadline`) for confirmed quotes to execute and their fills to be booked.
   */
  stopQuoting(deadline: number): Promise<void>;
  stop(): Promise<void>;
}

export function buildCore(options: CoreOptions): Core {
  const { config, clock, logger, sink } = options;
  const limits = riskLimitsFrom(config);
  const settings = quotingSettingsFrom(config);
  const book = new RfqBook(clock);
  const store = new QuoteStore(logger.child({ module: 'quotes' }), clock);
  let data: MarketDataCache | undefined;
  const exposure = new ExposureBook({
    clock,
    dayTimeZone: config.risk.dayStartTimezone,
    log: logger,
    eventOf: (ticker) => data?.cachedMarket(ticker)?.eventTicker,
    // A replayed fill comes again only within seconds (the listing of its order's fills), never
    // after a restart: the live bot's day of trade ids would only hold memory.
    ledgerMemory: BACKTEST_LEDGER_MEMORY,
  });
  // No kill file: a file on this machine says nothing about the recorded day.
  const killSwitch = new KillSwitch({
    maxConsecutiveErrors: config.risk.killSwitch.maxConsecutiveErrors,
    maxDailyLoss: config.risk.maxDailyLoss,
    maxDrawdown: config.risk.killSwitch.maxDrawdown,
    clock,
    log: logger,
  });
  const windows = new WindowSchedule({ windows: config.risk.windows, clock, log: logger });
  const wiring = wireJournal({ journal: sink, store, book, killSwitch, clock });
  data = new MarketDataCache({
    reads: options.reads,
    positions: exposure,
    clock,
    // Every recorded book and market is a read the live bot made: the newest one recorded is what
    // its cache held. So a read is kept exactly until the recording changes the market
    // (`expireMarket`, called by the replay), never for a time of its own.
    marketTtlMs: UNTIL_THE_RECORDING_CHANGES,
    bookTtlMs: UNTIL_THE_RECORDING_CHANGES,
    logger: logger.child({ module: 'market-data' }),
    // The reads the bot journals (books, marks, market data) count for nothing in the results: made
    // only for whoever watches every event. Each read is counted as the bot's activity anyway.
    ...(options.marketDataEvents === false
      ? {}
      : {
          onBook: (ticker: string, orderBook: OrderBook) => wiring.bookRead(ticker, orderBook),
          onMarket: (market: Market) => wiring.marketRead(market),
          onFees: (ticker: string, fees: FeeSchedule, event: EventInfo) =>
            wiring.feesRead(ticker, fees, event),
        }),
  });
  const marketData = data;
  // Strategies run in-process in a backtest, whatever each route's isolation says: a worker hop
  // per call would cost more than the rest of the replay, and the same code runs either way.
  const routes = routesFrom(config, logger, clock).map((route) => ({
    ...route,
    isolation: 'in-process' as const,
  }));
  const router = new StrategyRouter<RouteWindows>(options.registry, routes, logger);
  const { workers: _workers, ...runnerSettings } = strategyRunnerSettingsFrom(config);
  const runner = new CountingRunner({
    router,
    data: marketData,
    logger,
    clock,
    ...runnerSettings,
    seriesOf: async (eventTicker) => (await marketData.event(eventTicker)).seriesTicker,
  });
  const deps: QuotingDeps = {
    store,
    book,
    client: options.exchange,
    runner,
    data: marketData,
    exposure,
    limits: () => limits,
    settings: () => settings,
    killSwitch,
    windows,
    dryRun: false,
    logger: logger.child({ module: 'quote-manager' }),
    clock,
    events: combineEvents(wiring.events, {
      exchangeResult: (ok) => killSwitch.recordExchangeResult(ok),
    }),
  };
  // As live: a stop waits (on the clock) for confirmed quotes to execute and their fills.
  const manager = new QuoteManager(deps, {
    sweepIntervalMs: config.quoting.sweepIntervalMs,
    awaitExecutionsOnStop: true,
  });
  let stopping: Promise<void> | undefined;
  return {
    store,
    book,
    exposure,
    killSwitch,
    windows,
    data: marketData,
    runner,
    manager,
    wiring,
    limits,
    settings,
    async start() {
      await runner.start();
      for (const route of router.table.routes) route.windows?.start();
      windows.start();
      manager.start();
    },
    stopQuoting(deadline) {
      stopping ??= manager.stop(deadline);
      return stopping;
    },
    async stop() {
      stopping ??= manager.stop();
      await stopping;
      await runner.stop();
      for (const route of router.table.routes) route.windows?.stop();
      windows.stop();
      killSwitch.stop();
      wiring.dispose();
    },
  };
}

/** `target` with every method call counted (the bot's calls out of the quoting core). */
export function counted<T extends object>(target: T, tick: () => void): T {
  // One wrapper per method, not one per call: the bot makes several calls per RFQ.
  const wrappers = new Map<PropertyKey, { readonly of: unknown; readonly call: unknown }>();
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      const known = wrappers.get(key);
      if (known?.of === value) return known.call;
      const call = (...args: unknown[]) => {
        tick();
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
      wrappers.set(key, { of: value, call });
      return call;
    },
  });
}
