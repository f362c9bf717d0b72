/**
 * One backtest run: the recording's events, in time order, drive the live quoting core on a
 * manual clock. RFQs enter the RFQ book as they were seen; recorded market data answers the
 * strategies' reads; the taker model decides which of our quotes are accepted; the bot's own
 * last look confirms (or not); the exchange edge executes with the exchange-truth rules. Between
 * events the clock fires the bot's timers (sweeper, retries, lapses, executions) one at a time,
 * letting the event loop settle after each, so the run is deterministic and as fast as the code.
 */
import type { Logger } from 'pino';
import { rfqFilterFrom } from '../app/options-from-config.js';
import type { Config } from '../config/index.js';
import { ManualClock, repeatEvery } from '../domain/clock.js';
import type { Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import type { FillRecord, JournalEvent } from '../journal/events.js';
import { compileRfqFilter } from '../rfq/filters.js';
import type { StrategyRegistry } from '../strategy/loader.js';
import { buildCore, type Core, counted } from './core.js';
import { BacktestExchange } from './exchange.js';
import { RecordedMarket } from './market-replay.js';
import { RunMetrics as Metrics, type RunMetrics, type RunNumbers } from './metrics.js';
import { readRecordingBatches } from './reader.js';
import { rfqOf } from './recorded-facts.js';
import { Requesters } from './requesters.js';
import type { TakerModel } from './taker-models.js';
import { EventWindow } from './window.js';

/** How often positions are marked for the risk book, the kill switch and the drawdown (as live). */
export const MARK_INTERVAL_MS = 5_000;
/**
 * How long before its time stamp recorded market data may be served. RFQs enter when the recorded
 * bot decided on them, after the reads it priced with came back: none is needed for that, and any
 * would let a later read (another RFQ's, the sweeper's) leak into the price.
 */
export const DEFAULT_DATA_LEAD_MS = 0;
/**
 * An RFQ enters the replay when the recorded bot decided on it (its market data had come back
 * by then), at most this long after it was seen; without a recorded decision, when it was seen.
 */
export const MAX_DECISION_DELAY_MS = 10_000;
/** Recorded market data: applied up to the data lead ahead of its time stamp. */
const DATA_KINDS: ReadonlySet<string> = new Set(['market', 'book', 'mark']);
/** The worst-case exposure is sampled when quotes go live, at most this often (recorded time). */
export const EXPOSURE_SAMPLE_MS = 1_000;

export interface ReplayOptions {
  readonly input: string;
  readonly config: Config;
  readonly registry: StrategyRegistry;
  readonly taker: TakerModel;
  readonly label: string;
  /** Confirm → execution at the exchange. @default the recording header's `executionDelayMs`, else 0 */
  readonly executionDelayMs?: number | undefined;
  /**
   * The same on high-volatility markets (`exchange.hvmMarkets`). @default the header's
   * `hvExecutionDelayMs`, else `executionDelayMs`
   */
  readonly hvExecutionDelayMs?: number | undefined;
  readonly from?: EpochMs | undefined;
  readonly to?: EpochMs | undefined;
  /**
   * How far ahead of its time stamp recorded market data is served: the bot journals a book when
   * its read returns, after the RFQ that caused it. @default DEFAULT_DATA_LEAD_MS
   */
  readonly dataLeadMs?: number | undefined;
  /** Seeds the taker context's `random()`. @default 1 */
  readonly seed?: number;
  readonly logger: Logger;
  /** Every fill the run makes, as it happens. */
  readonly onFill?: (fill: FillRecord) => void;
  /** Every event the replayed bot journals (decisions, refusals, quote transitions, …), as it happens. */
  readonly onEvent?: ((event: JournalEvent) => void) | undefined;
  /** Called every 10 000 events with the count so far. */
  readonly onProgress?: (events: number) => void;
}

export interface InputSummary {
  readonly source: string | undefined;
  readonly events: number;
  readonly rfqs: number;
  readonly firstAt: EpochMs | undefined;
  readonly lastAt: EpochMs | undefined;
  /** Events earlier than one before them (applied at the later time). */
  readonly outOfOrder: number;
}

export interface RunResult {
  readonly label: string;
  readonly executionDelayMs: number;
  readonly hvExecutionDelayMs: number;
  readonly input: InputSummary;
  readonly numbers: RunNumbers;
  /** The largest worst-case total exposure the risk book reached. */
  readonly worstCaseExposure: Micros;
  readonly takerAccepts: number;
  readonly postOnlyCancels: number;
  /** Most recording events held in memory at once (the lookahead window). */
  readonly windowPeak: number;
  /** The recording's own outcome (a bot recording: what the live run did), for comparison. */
  readonly recorded: RunNumbers | undefined;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The recording's own outcome is read from bot recordings (a simulator's holds every maker). */
const OWN_SOURCES: ReadonlySet<string> = new Set(['bot', 'journal']);

export async function replay(options: ReplayOptions): Promise<RunResult> {
  let source: string | undefined;
  let headerDelay: number | undefined;
  let headerHvDelay: number | undefined;
  const events = readRecordingBatches(options.input, {
    from: options.from,
    to: options.to,
    onHeader: (header) => {
      source = typeof header['source'] === 'string' ? header['source'] : undefined;
      const delay = header['executionDelayMs'];
      if (typeof delay === 'number' && Number.isSafeInteger(delay) && delay >= 0) headerDelay = delay;
      const hv = header['hvExecutionDelayMs'];
      if (typeof hv === 'number' && Number.isSafeInteger(hv) && hv >= 0) headerHvDelay = hv;
    },
  });
  const window = new EventWindow(events);
  await window.fill(Number.NEGATIVE_INFINITY);
  const first = window.peek();
  const clock = new ManualClock(first?.event.at ?? 0);
  const executionDelayMs = options.executionDelayMs ?? headerDelay ?? 0;
  const hvExecutionDelayMs = options.hvExecutionDelayMs ?? headerHvDelay ?? executionDelayMs;
  const run = new Replay({ ...options, executionDelayMs, hvExecutionDelayMs }, clock, window, source);
  return run.run();
}

class Replay {
  readonly #options: ReplayOptions;
  readonly #clock: ManualClock;
  readonly #window: EventWindow;
  readonly #source: string | undefined;
  readonly #market = new RecordedMarket();
  readonly #metrics = new Metrics();
  readonly #recorded: RunMetrics | undefined;
  readonly #exchange: BacktestExchange;
  readonly #core: Core;
  readonly #requesters: Requesters;
  readonly #filter;
  readonly #lookahead: number;
  readonly #dataLead: number;
  /** RFQs seen in the recording that enter the replay when the recorded bot decided on them. */
  readonly #entering = new Map<string, { closed: boolean }>();
  /** RFQs that entered already closed: they leave once the bot has settled. */
  #closing: string[] = [];
  #stopping: Promise<void> | undefined;
  /** When the bot finished stopping. */
  #stopped: EpochMs | undefined;
  /** Counts what the bot does (journals, exchange calls, market reads): how `#settle` sees it working. */
  #activity = 0;
  #worstCase: Micros = 0;
  #exposureSampledAt = Number.NEGATIVE_INFINITY;
  #postOnlyCancels = 0;
  #events = 0;
  #rfqs = 0;
  #outOfOrder = 0;
  #firstAt: EpochMs | undefined;
  #lastAt: EpochMs | undefined;

  constructor(options: ReplayOptions, clock: ManualClock, window: EventWindow, source: string | undefined) {
    this.#options = options;
    this.#clock = clock;
    this.#window = window;
    this.#source = source;
    this.#dataLead = Math.max(0, options.dataLeadMs ?? DEFAULT_DATA_LEAD_MS);
    this.#lookahead = Math.max(0, options.taker.lookaheadMs ?? 0, this.#dataLead, MAX_DECISION_DELAY_MS);
    this.#recorded = source === undefined || OWN_SOURCES.has(source) ? new Metrics() : undefined;
    const { config, logger } = options;
    const settings = config.exchange;
    this.#exchange = new BacktestExchange({
      clock,
      market: this.#market,
      confirmWindowMs: (ticker) =>
        this.#core.settings.isHighVolatility(ticker) ? settings.hvmConfirmWindowMs : settings.confirmWindowMs,
      executionDelayMs: (ticker) =>
        this.#core.settings.isHighVolatility(ticker)
          ? (options.hvExecutionDelayMs ?? 0)
          : (options.executionDelayMs ?? 0),
      report: (quote) => this.#core.manager.exchangeReported(quote, clock.now()),
      opened: (quote) => {
        if (clock.now() - this.#exposureSampledAt >= EXPOSURE_SAMPLE_MS) this.#sampleExposure();
        this.#requesters.opened(quote);
      },
      // As the `fill` channel pushes it; the bot books it, and its journal tells us.
      filled: (fill) => void this.#core.manager.fills.take(fill, 'push'),
      postOnlyCancelled: () => {
        this.#postOnlyCancels++;
      },
    });
    this.#core = buildCore({
      config,
      registry: options.registry,
      clock,
      logger,
      marketDataEvents: options.onEvent !== undefined,
      exchange: counted(this.#exchange, () => this.#activity++),
      reads: counted(this.#market, () => this.#activity++),
      sink: {
        record: (event) => {
          this.#activity++;
          if (event.kind === 'fill') this.#booked(event);
          else this.#metrics.event(event);
          options.onEvent?.(event);
        },
      },
    });
    this.#market.onChange((ticker) => {
      this.#core.data.expireMarket(ticker);
      this.#metrics.midChanged(ticker);
    });
    this.#filter = compileRfqFilter(rfqFilterFrom(config));
    this.#requesters = new Requesters({
      taker: options.taker,
      clock,
      exchange: this.#exchange,
      market: this.#market,
      window,
      lookaheadMs: this.#lookahead,
      seed: options.seed ?? 1,
    });
  }

  async run(): Promise<RunResult> {
    const core = this.#core;
    await core.start();
    const marks = repeatEvery(this.#clock, MARK_INTERVAL_MS, () => this.#markStep());
    await this.#window.fill(this.#clock.now() + this.#lookahead);
    this.#dataAhead(this.#clock.now());
    let next = this.#window.peek();
    while (next !== undefined) {
      await this.#stepTo(Math.max(next.event.at, this.#clock.now()));
      // A timer's step may have taken it early (market data within the lead): it is applied.
      if (this.#window.peek() !== next) {
        next = this.#window.peek();
        continue;
      }
      this.#window.shift();
      const { event } = next;
      if (event.at < this.#clock.now()) this.#outOfOrder++;
      if (this.#apply(this.#count(event))) await this.#settle();
      const until = this.#clock.now() + this.#lookahead;
      if (this.#window.needsFill(until)) await this.#window.fill(until);
      this.#dataAhead(this.#clock.now());
      next = this.#window.peek();
    }
    // The recording ends: the bot stops as the live one does, if it has not yet.
    const stopping = this.#stopQuoting();
    await this.#settle();
    for (
      let due = this.#clock.nextTimerAt();
      this.#stopped === undefined && due !== undefined;
      due = this.#clock.nextTimerAt()
    ) {
      await this.#stepTo(due);
    }
    await stopping;
    marks.cancel();
    await core.stop();
    await this.#settle();
    const closingValue = (ticker: string) => ({
      settled: this.#market.settlement(ticker),
      mid: this.#market.mid(ticker),
    });
    return {
      label: this.#options.label,
      executionDelayMs: this.#options.executionDelayMs ?? 0,
      hvExecutionDelayMs: this.#options.hvExecutionDelayMs ?? 0,
      input: {
        source: this.#source,
        events: this.#events,
        rfqs: this.#rfqs,
        firstAt: this.#firstAt,
        lastAt: this.#lastAt,
        outOfOrder: this.#outOfOrder,
      },
      numbers: this.#metrics.finish(this.#clock.now(), closingValue),
      worstCaseExposure: this.#worstCase,
      takerAccepts: this.#requesters.accepts,
      postOnlyCancels: this.#postOnlyCancels,
      windowPeak: this.#window.peak,
      recorded: this.#recorded?.finish(this.#lastAt ?? this.#clock.now(), closingValue),
    };
  }

  /**
   * The live bot's shutdown, at the moment the recording shows it (or at its end): no new quote or
   * confirm, every quote pulled, confirmed quotes left to execute until the shutdown timeout.
   * Later runs in the same recording are not quoted (replay one run with --from/--to).
   */
  #stopQuoting(): Promise<void> {
    this.#stopping ??= this.#core
      .stopQuoting(this.#clock.now() + this.#options.config.quoting.shutdownTimeoutMs - 1_000)
      .then(() => {
        this.#stopped = this.#clock.now();
      });
    return this.#stopping;
  }

  #count(event: JournalEvent): JournalEvent {
    this.#firstAt = Math.min(this.#firstAt ?? event.at, event.at);
    this.#lastAt = Math.max(this.#lastAt ?? event.at, event.at);
    if (++this.#events % 10_000 === 0) this.#options.onProgress?.(this.#events);
    return event;
  }

  /** Applies recorded market data stamped up to the data lead after `now`. */
  #dataAhead(now: EpochMs): void {
    for (const { event } of this.#window.takeEarly(now + this.#dataLead, DATA_KINDS))
      this.#apply(this.#count(event));
  }

  /** Moves the clock to `at`, firing due timers one at a time and letting each settle. */
  async #stepTo(at: EpochMs): Promise<void> {
    for (;;) {
      const due = this.#clock.nextTimerAt();
      if (due === undefined || due > at) break;
      if (this.#window.needsFill(due + this.#lookahead)) await this.#window.fill(due + this.#lookahead);
      this.#dataAhead(due);
      this.#clock.advanceTo(due);
      await this.#settle();
    }
    this.#clock.advanceTo(at);
  }

  /**
   * Lets promise chains and immediates run until the bot is quiet: a turn of the event loop in
   * which it journaled nothing, called no exchange or market read, and has no strategy call in
   * flight. Work left over would otherwise run after the clock moved, at a moment that depends on
   * when the file's reads come back: the run would not be deterministic.
   */
  async #settle(): Promise<void> {
    for (;;) {
      const before = this.#activity;
      await immediate();
      if (this.#activity !== before || this.#core.runner.inFlight > 0) continue;
      if (this.#closing.length === 0) return;
      for (const rfqId of this.#closing.splice(0)) this.#close(rfqId);
    }
  }

  /** Applies one recorded event; true when it set the bot working. */
  #apply(event: JournalEvent): boolean {
    const recorded = this.#recorded;
    switch (event.kind) {
      case 'market':
        this.#market.market(event);
        return false;
      case 'book':
        this.#market.book(event);
        return false;
      case 'mark':
        this.#market.mark(event);
        this.#metrics.mark(event.marketTicker, event.at, event.mid);
        recorded?.mark(event.marketTicker, event.at, event.mid);
        return false;
      case 'settlement':
        this.#market.settle(event.marketTicker, event.result);
        // The position pays out, as the exchange's positions show after it (live: at the next reconcile).
        this.#core.exposure.settleMarket(event.marketTicker, event.result);
        this.#metrics.settle(event.marketTicker, event.result);
        recorded?.settle(event.marketTicker, event.result);
        return false;
      case 'fill':
        recorded?.fill(event);
        return false;
      case 'rfq_seen': {
        recorded?.event(event);
        const decidedAt = this.#window.takeDecidedAt(event.rfqId, event.at + MAX_DECISION_DELAY_MS);
        const now = this.#clock.now();
        // Decided in the same millisecond (a streamed book needs no read): it still enters after
        // the data recorded up to then, as one decided later does.
        if (decidedAt === undefined || decidedAt < now) return this.#rfqSeen(event);
        if (!this.#entering.has(event.rfqId)) {
          this.#clock.schedule(decidedAt - now, () => this.#enter(event));
          this.#entering.set(event.rfqId, { closed: false });
        }
        return false;
      }
      case 'rfq_gone': {
        recorded?.event(event);
        const entering = this.#entering.get(event.rfqId);
        // Closed before the recorded bot decided on it (its pricing was in flight): it still
        // enters at that decision and closes right after, quoted or not as the live bot was.
        if (entering !== undefined) {
          entering.closed = true;
          return false;
        }
        this.#close(event.rfqId);
        return true;
      }
      case 'quote':
        recorded?.event(event);
        if (event.to === 'open') this.#requesters.facts.quoted(event);
        // The live bot began to stop (it pulls every quote with this reason): so do we.
        if (event.reason === 'shutting down') this.#stopQuoting();
        return false;
      case 'run_stopped':
        recorded?.event(event);
        this.#stopQuoting();
        return true;
      case 'quote_accepted':
        this.#requesters.facts.accepted(event);
        return this.#requesters.recordedAccept(event);
      case 'accept': {
        recorded?.event(event);
        // A journal from before quote_accepted existed: the accept with its quote's price.
        const derived = this.#requesters.facts.fromLegacyAccept(event);
        return derived !== undefined && this.#requesters.recordedAccept(derived);
      }
      default:
        recorded?.event(event);
        return false;
    }
  }

  /** An RFQ enters at its recorded decision; one already closed is refused by the exchange and leaves. */
  #enter(event: Extract<JournalEvent, { kind: 'rfq_seen' }>): void {
    const closed = this.#entering.get(event.rfqId)?.closed === true;
    this.#entering.delete(event.rfqId);
    this.#rfqSeen(event);
    if (!closed) return;
    this.#exchange.rfqClosed(event.rfqId);
    // After the bot has priced it (the next settle), not before: a timer now would fire first.
    this.#closing.push(event.rfqId);
  }

  #close(rfqId: string): void {
    this.#window.takeDecidedAt(rfqId, Number.NEGATIVE_INFINITY);
    this.#exchange.rfqClosed(rfqId);
    this.#core.book.remove(rfqId);
    this.#requesters.facts.gone(rfqId);
  }

  #rfqSeen(event: Extract<JournalEvent, { kind: 'rfq_seen' }>): boolean {
    const rfq = rfqOf(event);
    this.#requesters.facts.seen(rfq.id);
    if (this.#core.book.has(rfq.id) || this.#filter.reject(rfq) !== undefined) return false;
    this.#rfqs++;
    this.#exchange.rfqOpened(rfq);
    this.#core.book.upsert(rfq, event.source === 'poll' ? 'poll' : 'push');
    return true;
  }

  /** A fill the bot booked (its journal's record, attributed to its quote and strategy). */
  #booked(fill: FillRecord): void {
    const strategy = fill.strategy ?? this.#metrics.acc.strategyOf(fill.rfqId ?? '');
    this.#metrics.fill(strategy === undefined ? fill : { ...fill, strategy });
    this.#metrics.sample(this.#clock.now(), (ticker) => this.#market.mid(ticker));
    this.#options.onFill?.(fill);
  }

  #sampleExposure(): void {
    this.#exposureSampledAt = this.#clock.now();
    const worst = this.#core.exposure.totalExposure(this.#core.limits);
    if (worst > this.#worstCase) this.#worstCase = worst;
  }

  /** The live bot's periodic mark: P&L for the risk book and the kill switch, and our samples. */
  #markStep(): void {
    const { exposure, killSwitch, book } = this.#core;
    const mids = new Map<string, Micros>();
    // What two snapshots gave, without copying every live quote twice: the day's P&L (and its
    // peak) as it stands before the mark, the markets marked, the P&L after.
    exposure.current();
    for (const ticker of exposure.trackedMarkets()) {
      const mid = this.#market.mid(ticker);
      if (mid !== undefined) mids.set(ticker, mid);
    }
    exposure.markToMarket(mids);
    const { pnl } = exposure.current();
    killSwitch.checkPnl(pnl.total, pnl.peak);
    this.#sampleExposure();
    this.#metrics.sample(this.#clock.now(), (ticker) => this.#market.mid(ticker));
    this.#metrics.expire(this.#clock.now());
    this.#recorded?.expire(this.#clock.now());
    // Forget removed RFQs past the book's memory (it does so on listings, which a replay has none of).
    book.applySnapshot([], false);
  }
}
