import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import { DEFAULT_FEE_SCHEDULE, makerFee } from '../domain/fees.js';
import { type Centis, type Micros, notional } from '../domain/money.js';
import type { LiveQuote } from '../domain/quoting.js';
import type { EpochMs, EventPosition, MarketPosition, Side } from '../domain/types.js';
import type { ExecutionDetails, ExposureBookOptions, FinishedState, QuoteOpenOptions } from './book-types.js';
import { RiskConfigError, type RiskLimits } from './limits.js';
import { DailyPnlTracker } from './pnl.js';
import { applyFill, FLAT, type NetPosition, settlementPnl } from './position.js';
import { explainByPending, type PositionDiscrepancy } from './reconcile.js';
import {
  deriveEventTicker,
  type ExposureSnapshot,
  type PositionExposure,
  type QuoteExposure,
  sideCost,
  sideExposure,
} from './snapshot.js';
import { openQuoteWeight, type RiskView, riskView } from './worst-case.js';
import { isValidTimeZone } from './zoned-time.js';

export type { ExecutionDetails, ExposureBookOptions, FinishedState, QuoteOpenOptions } from './book-types.js';
export type { PositionDiscrepancy } from './reconcile.js';

interface MarketState {
  readonly marketTicker: string;
  readonly eventTicker: string;
  position: NetPosition;
  episodeRealized: Micros;
  fairValue: Micros | undefined;
}

const FINISHED_MEMORY = 10_000;

/**
 * Our positions and live quotes, from the exchange's positions at startup and then from our
 * quotes' life cycle. Transitions are idempotent by quote id and return whether anything changed.
 * An accepted or confirmed quote counts as filled (in its direction) until it executes or lapses;
 * an execution turns it into position exactly once.
 */
export class ExposureBook {
  private readonly markets = new Map<string, MarketState>();
  private readonly quotes = new Map<string, QuoteExposure>();
  private readonly finished = new Map<string, FinishedState>();
  private readonly knownEvents: string[] = [];
  private readonly eventOf: ((marketTicker: string) => string | undefined) | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pnl: DailyPnlTracker;
  /** The positions of the last snapshot, and the position objects they were made from. */
  private lastPositions:
    | {
        readonly positions: ReadonlyMap<string, PositionExposure>;
        readonly marketEvents: ReadonlyMap<string, string>;
        readonly sources: ReadonlyMap<string, NetPosition>;
      }
    | undefined;

  constructor(options: ExposureBookOptions = {}) {
    const timeZone = options.dayTimeZone ?? 'UTC';
    if (!isValidTimeZone(timeZone)) {
      throw new RiskConfigError([`risk.dayTimeZone: unknown time zone ${JSON.stringify(timeZone)}`]);
    }
    this.eventOf = options.eventOf;
    this.clock = options.clock ?? systemClock;
    this.log = (options.log ?? pino({ level: 'silent' })).child({ module: 'exposure' });
    this.pnl = new DailyPnlTracker(timeZone);
  }

  /** The event a market belongs to; stable once a market is known. */
  eventFor(marketTicker: string, hint?: string): string {
    const known = this.markets.get(marketTicker);
    if (known) return known.eventTicker;
    if (hint) return hint;
    const looked = this.eventOf?.(marketTicker);
    if (looked) return looked;
    const prefixed = this.knownEvents.find((event) => marketTicker.startsWith(`${event}-`));
    return prefixed ?? deriveEventTicker(marketTicker);
  }

  /**
   * Restores today's realised P&L and drawdown peak saved before a restart (from the journal);
   * false when the saved day is not today.
   */
  restoreDay(saved: { readonly day: string; readonly realized: Micros; readonly peak: Micros }): boolean {
    return this.pnl.restore(this.clock.now(), saved);
  }

  /** The trading day `at` falls in (the day key P&L snapshots carry). */
  dayOf(at: EpochMs): string {
    return this.pnl.dayOf(at);
  }

  /** Replaces positions with the exchange's (startup). Markets missing from the list are flat. */
  loadPositions(positions: readonly MarketPosition[], events: readonly EventPosition[] = []): void {
    this.rollDay();
    for (const event of events) {
      if (!this.knownEvents.includes(event.eventTicker)) this.knownEvents.push(event.eventTicker);
    }
    this.knownEvents.sort((a, b) => b.length - a.length);
    const listed = new Set<string>();
    for (const position of positions) {
      listed.add(position.ticker);
      const market = this.market(position.ticker);
      market.position = { contracts: position.position, cost: Math.max(0, position.marketExposure) };
      market.episodeRealized = 0;
      this.pnl.forgetBaseline(position.ticker);
    }
    for (const market of this.markets.values()) {
      if (!listed.has(market.marketTicker) && market.position.contracts !== 0) this.adopt(market, FLAT);
    }
    this.log.info({ markets: positions.length }, 'positions loaded from the exchange');
  }

  /** A quote of ours went live (or was adopted at startup, possibly already accepted). */
  quoteOpened(quote: LiveQuote, options: QuoteOpenOptions = {}): boolean {
    this.rollDay();
    if (this.quotes.has(quote.quoteId) || this.finished.has(quote.quoteId)) return false;
    const fees = options.fees ?? DEFAULT_FEE_SCHEDULE;
    const marketTicker = quote.rfq.marketTicker;
    const market = this.market(marketTicker, options.eventTicker ?? quote.rfq.eventTicker);
    let record: QuoteExposure = {
      quoteId: quote.quoteId,
      rfqId: quote.rfq.id,
      marketTicker,
      eventTicker: market.eventTicker,
      state: 'open',
      yes: sideExposure(quote.yesBid, quote.yesContracts, fees),
      no: sideExposure(quote.noBid, quote.noContracts, fees),
      fees,
      openedAt: options.at ?? quote.sentAt,
    };
    if (quote.acceptedSide) {
      record = this.accept(record, quote.acceptedSide, quote.acceptedContracts, quote.acceptedAt);
    }
    this.quotes.set(quote.quoteId, Object.freeze(record));
    return true;
  }

  /**
   * Gives a reserved quote its exchange id. Reserve with `quoteOpened` under a provisional id in
   * the same tick as the guard's approval (so two creates in flight cannot both pass), then rename
   * when the create returns, or `quoteRemoved` when it fails.
   */
  renameQuote(fromId: string, toId: string): boolean {
    const quote = this.quotes.get(fromId);
    if (!quote || this.quotes.has(toId) || this.finished.has(toId)) return false;
    this.quotes.delete(fromId);
    this.quotes.set(toId, Object.freeze({ ...quote, quoteId: toId }));
    return true;
  }

  /** A requester hit one side. `contracts` defaults to that side's offered size. */
  quoteAccepted(quoteId: string, side: Side, contracts?: Centis, at?: EpochMs): boolean {
    const quote = this.quotes.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'accepted');
    if (quote.state !== 'open') {
      if (quote.accepted?.side !== side)
        this.log.warn({ quoteId, side, state: quote.state }, 'accept on a quote already accepted');
      return false;
    }
    this.quotes.set(quoteId, Object.freeze(this.accept(quote, side, contracts, at ?? this.clock.now())));
    return true;
  }

  quoteConfirmed(quoteId: string): boolean {
    const quote = this.quotes.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'confirmed');
    if (quote.state !== 'accepted') {
      if (quote.state === 'open') this.log.warn({ quoteId }, 'confirm on a quote that was never accepted');
      return false;
    }
    this.quotes.set(quoteId, Object.freeze({ ...quote, state: 'confirmed' }));
    return true;
  }

  /** The trade happened: the pending fill becomes position, once. */
  quoteExecuted(quoteId: string, details: ExecutionDetails = {}): boolean {
    this.rollDay();
    const quote = this.quotes.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'executed');
    const side = details.side ?? quote.accepted?.side;
    if (!side) {
      this.log.error(
        { quoteId },
        'execution of a quote with no accepted side; position left to reconciliation',
      );
      return false;
    }
    if (quote.accepted && details.side && details.side !== quote.accepted.side) {
      this.log.error(
        { quoteId, accepted: quote.accepted.side, executed: details.side },
        'executed side differs from the accept',
      );
    }
    const bid = side === 'yes' ? quote.yes.bid : quote.no.bid;
    const contracts =
      details.contracts ??
      quote.accepted?.contracts ??
      (side === 'yes' ? quote.yes.contracts : quote.no.contracts);
    const fee = details.fee ?? makerFee(bid, contracts, quote.fees);
    const market = this.market(quote.marketTicker);
    const outcome = applyFill(market.position, side, contracts, notional(bid, contracts, 'ceil'));
    market.position = outcome.position;
    market.episodeRealized += outcome.realized - fee;
    this.pnl.realize(outcome.realized - fee);
    this.finish(quote, 'executed');
    return true;
  }

  /** An accept whose confirm window passed without our confirm. */
  quoteLapsed(quoteId: string): boolean {
    const quote = this.quotes.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'lapsed');
    this.finish(quote, 'lapsed');
    return true;
  }

  /** Deleted by us, cancelled or replaced at the exchange, or its RFQ closed. */
  quoteRemoved(quoteId: string): boolean {
    const quote = this.quotes.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'removed');
    this.finish(quote, 'deleted');
    return true;
  }

  /** Records fair values of YES by market ticker for marking; markets we do not track are ignored. */
  markToMarket(fairValues: ReadonlyMap<string, Micros> | Iterable<readonly [string, Micros]>): void {
    this.rollDay();
    for (const [ticker, fairValue] of fairValues) {
      const market = this.markets.get(ticker);
      if (!market || !Number.isSafeInteger(fairValue) || fairValue < 0 || fairValue > 1_000_000) continue;
      market.fairValue = fairValue;
      this.pnl.observe(market);
    }
    this.pnl.current(this.markets.values());
  }

  /** The market resolved: the position pays out and closes. */
  settleMarket(marketTicker: string, outcome: Side): void {
    this.rollDay();
    const market = this.markets.get(marketTicker);
    if (!market || (market.position.contracts === 0 && market.position.cost === 0)) return;
    const realized = settlementPnl(market.position, outcome);
    market.position = FLAT;
    market.episodeRealized += realized;
    this.pnl.realize(realized);
    this.endEpisodeIfQuiet(market);
  }

  /**
   * Compares our filled positions with the exchange's. A difference explained exactly by some of
   * our accepted/confirmed quotes means they executed before we heard: they are booked as executed.
   * Any other difference is returned (log it loudly) and the exchange's numbers are adopted.
   */
  reconcile(exchange: readonly MarketPosition[]): PositionDiscrepancy[] {
    this.rollDay();
    const theirs = new Map(exchange.map((position) => [position.ticker, position]));
    const tickers = new Set([...theirs.keys(), ...this.markets.keys()]);
    const found: PositionDiscrepancy[] = [];
    for (const ticker of tickers) {
      const their = theirs.get(ticker);
      const theirContracts = their?.position ?? 0;
      if (this.position(ticker) !== theirContracts) this.inferExecutions(ticker, theirContracts);
      const ours = this.markets.get(ticker)?.position ?? FLAT;
      if (ours.contracts === theirContracts) continue;
      const theirsCost = Math.max(0, their?.marketExposure ?? 0);
      found.push({
        marketTicker: ticker,
        ours: ours.contracts,
        theirs: theirContracts,
        oursCost: ours.cost,
        theirsCost,
      });
      this.adopt(this.market(ticker), { contracts: theirContracts, cost: theirsCost });
    }
    return found;
  }

  snapshot(): ExposureSnapshot {
    this.rollDay();
    const { positions, marketEvents } = this.positionsView();
    return Object.freeze({
      at: this.clock.now(),
      positions,
      quotes: new Map(this.quotes),
      marketEvents,
      pnl: this.pnl.current(this.markets.values()),
    });
  }

  /**
   * The positions part of a snapshot. The guard takes a snapshot per quote and per confirm, while
   * markets change only on fills and marks: an unchanged market's frozen view is reused, and so
   * are the maps when no market changed (they are never mutated once handed out).
   */
  private positionsView(): {
    positions: ReadonlyMap<string, PositionExposure>;
    marketEvents: ReadonlyMap<string, string>;
  } {
    const cached = this.lastPositions;
    const same = (market: MarketState): PositionExposure | undefined => {
      const previous = cached?.positions.get(market.marketTicker);
      return previous !== undefined &&
        cached?.sources.get(market.marketTicker) === market.position &&
        previous.episodeRealized === market.episodeRealized &&
        previous.fairValue === market.fairValue &&
        previous.eventTicker === market.eventTicker
        ? previous
        : undefined;
    };
    if (cached && cached.positions.size === this.markets.size) {
      let unchanged = true;
      for (const market of this.markets.values()) {
        if (same(market) === undefined) {
          unchanged = false;
          break;
        }
      }
      if (unchanged) return cached;
    }
    const positions = new Map<string, PositionExposure>();
    const marketEvents = new Map<string, string>();
    const sources = new Map<string, NetPosition>();
    for (const market of this.markets.values()) {
      marketEvents.set(market.marketTicker, market.eventTicker);
      sources.set(market.marketTicker, market.position);
      const position: PositionExposure = same(market) ?? {
        marketTicker: market.marketTicker,
        eventTicker: market.eventTicker,
        contracts: market.position.contracts,
        cost: market.position.cost,
        episodeRealized: market.episodeRealized,
        unrealized: this.pnl.unrealizedOf(market),
        ...(market.fairValue === undefined ? {} : { fairValue: market.fairValue }),
      };
      positions.set(market.marketTicker, Object.isFrozen(position) ? position : Object.freeze(position));
    }
    this.lastPositions = { positions, marketEvents, sources };
    return this.lastPositions;
  }

  /** Worst-case (or expected) exposure per market, event and in total, for metrics and readiness. */
  riskView(limits: RiskLimits): RiskView {
    return riskView(this.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) });
  }

  /** Our filled net position in a market (+YES / −NO). */
  position(marketTicker: string): Centis {
    return this.markets.get(marketTicker)?.position.contracts ?? 0;
  }

  /** Our filled net position summed over an event's markets. */
  eventPosition(eventTicker: string): Centis {
    let sum = 0;
    for (const market of this.markets.values()) {
      if (market.eventTicker === eventTicker) sum += market.position.contracts;
    }
    return sum;
  }

  liveQuote(quoteId: string): QuoteExposure | undefined {
    return this.quotes.get(quoteId);
  }

  liveQuotes(): QuoteExposure[] {
    return [...this.quotes.values()];
  }

  /** How a quote that is no longer live ended (remembered for the last 10 000 quotes). */
  finishedState(quoteId: string): FinishedState | undefined {
    return this.finished.get(quoteId);
  }

  private market(marketTicker: string, eventHint?: string): MarketState {
    let market = this.markets.get(marketTicker);
    if (!market) {
      market = {
        marketTicker,
        eventTicker: this.eventFor(marketTicker, eventHint),
        position: FLAT,
        episodeRealized: 0,
        fairValue: undefined,
      };
      this.markets.set(marketTicker, market);
      this.pnl.startBaseline(market);
    }
    return market;
  }

  private accept(
    quote: QuoteExposure,
    side: Side,
    contracts: Centis | undefined,
    at: EpochMs | undefined,
  ): QuoteExposure {
    const offered = side === 'yes' ? quote.yes : quote.no;
    const size = contracts ?? offered.contracts;
    if (size > offered.contracts) {
      this.log.warn(
        { quoteId: quote.quoteId, side, accepted: size, offered: offered.contracts },
        'accept larger than offered',
      );
    }
    return {
      ...quote,
      state: 'accepted',
      accepted: { side, bid: offered.bid, contracts: size, cost: sideCost(offered.bid, size, quote.fees) },
      ...(at === undefined ? {} : { acceptedAt: at }),
    };
  }

  private finish(quote: QuoteExposure, state: FinishedState): void {
    this.quotes.delete(quote.quoteId);
    this.finished.set(quote.quoteId, state);
    if (this.finished.size > FINISHED_MEMORY) {
      const oldest = this.finished.keys().next();
      if (!oldest.done) this.finished.delete(oldest.value);
    }
    const market = this.markets.get(quote.marketTicker);
    if (market) this.endEpisodeIfQuiet(market);
  }

  /** Flat with no live quote: the market's episode (its realised credit or debit) ends. */
  private endEpisodeIfQuiet(market: MarketState): void {
    if (market.position.contracts !== 0) return;
    for (const quote of this.quotes.values()) if (quote.marketTicker === market.marketTicker) return;
    market.episodeRealized = 0;
    market.position = FLAT;
  }

  private adopt(market: MarketState, position: NetPosition): void {
    market.position = position;
    market.episodeRealized = 0;
    this.pnl.forgetBaseline(market.marketTicker);
    this.pnl.observe(market);
  }

  private inferExecutions(ticker: string, theirContracts: Centis): void {
    const ours = this.position(ticker);
    const pending = [...this.quotes.values()].filter((quote) => quote.marketTicker === ticker);
    for (const quoteId of explainByPending(theirContracts - ours, pending) ?? []) {
      this.log.warn({ quoteId, marketTicker: ticker }, 'execution inferred from exchange positions');
      this.quoteExecuted(quoteId);
    }
  }

  private unknown(quoteId: string, event: string): boolean {
    if (!this.finished.has(quoteId))
      this.log.warn({ quoteId, event }, 'quote event for a quote the book does not know');
    return false;
  }

  private rollDay(): void {
    if (this.pnl.roll(this.clock.now(), this.markets.values())) {
      for (const market of [...this.markets.values()]) {
        const quiet = ![...this.quotes.values()].some((quote) => quote.marketTicker === market.marketTicker);
        if (quiet && market.position.contracts === 0) {
          this.markets.delete(market.marketTicker);
          this.pnl.forgetBaseline(market.marketTicker);
        }
      }
    }
  }
}
