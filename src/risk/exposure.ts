import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import { DEFAULT_FEE_SCHEDULE } from '../domain/fees.js';
import type { Centis, Micros } from '../domain/money.js';
import type { LiveQuote } from '../domain/quoting.js';
import { RecentMap } from '../domain/recent.js';
import type { EpochMs, EventPosition, MarketPosition, Side } from '../domain/types.js';
import type {
  BookFill,
  ExposureBookOptions,
  FillBooking,
  FinishedState,
  QuoteFillResult,
  QuoteOpenOptions,
} from './book-types.js';
import { FillLedger, fillProblem } from './fill-ledger.js';
import { RiskConfigError, type RiskLimits } from './limits.js';
import { DailyPnlTracker, type SavedDay } from './pnl.js';
import { applyTrade, FLAT, type NetPosition, settlementPnl } from './position.js';
import { type MarketState, PositionsView, tallied } from './positions-view.js';
import { QuoteReservations } from './quote-reservations.js';
import type { PositionDiscrepancy } from './reconcile.js';
import { RiskTally } from './risk-tally.js';
import {
  type DailyPnl,
  deriveEventTicker,
  type ExposureSnapshot,
  type QuoteExposure,
  sideExposure,
} from './snapshot.js';
import { type ExposureState, keptView, openQuoteWeight, type RiskView } from './worst-case.js';
import { isValidTimeZone } from './zoned-time.js';

export type {
  BookFill,
  ExposureBookOptions,
  FillBooking,
  FinishedState,
  QuoteFillResult,
  QuoteOpenOptions,
} from './book-types.js';

/** Made once, not per instance: a pino instance costs tens of µs, and tests make thousands. */
const SILENT = pino({ level: 'silent' });

export type { PositionDiscrepancy } from './reconcile.js';

/** How many forgotten markets' events are remembered (oldest forgotten first). */
const FORGOTTEN_EVENTS_KEPT = 50_000;

/**
 * Our positions and live quotes. Positions, realised P&L and fees come from the exchange's fills
 * only (`applyFill`, once per trade id); the quotes' life cycle only reserves exposure: an
 * accepted quote counts as filled in its direction until its order has ended (`quoteFillsDone`)
 * or it lapses, less what its fills have already turned into position. Transitions are
 * idempotent by quote id and return whether anything changed.
 */
export class ExposureBook {
  /** Markets with a position, a live quote or an open episode; flat and quiet ones are forgotten. */
  private readonly markets = new Map<string, MarketState>();
  /** The events of forgotten markets: a market's event stays what it was when first known. */
  private readonly forgottenEvents = new RecentMap<string, string>(FORGOTTEN_EVENTS_KEPT);
  private readonly ledger: FillLedger;
  private readonly quotes: QuoteReservations;
  private readonly knownEvents: string[] = [];
  private readonly eventOf: ((marketTicker: string) => string | undefined) | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pnl: DailyPnlTracker;
  /** The worst case kept as the book changes: a check costs the markets that changed, not every quote. */
  private readonly tally: RiskTally;
  /** Today's P&L as `current()` hands it out, until a position, a mark or the day changes. */
  private pnlNow: DailyPnl | undefined;
  /** The positions part of snapshots, reused while markets do not change. */
  private readonly positions = new PositionsView();

  constructor(options: ExposureBookOptions = {}) {
    const timeZone = options.dayTimeZone ?? 'UTC';
    if (!isValidTimeZone(timeZone)) {
      throw new RiskConfigError([`risk.dayTimeZone: unknown time zone ${JSON.stringify(timeZone)}`]);
    }
    this.eventOf = options.eventOf;
    this.ledger = new FillLedger(options.ledgerMemory);
    this.clock = options.clock ?? systemClock;
    this.log = (options.log ?? SILENT).child({ module: 'exposure' });
    this.pnl = new DailyPnlTracker(timeZone);
    this.quotes = new QuoteReservations(this.log, (marketTicker) => this.tally.touch(marketTicker));
    this.tally = new RiskTally({
      position: (marketTicker) => {
        const market = this.markets.get(marketTicker);
        return market && tallied(market);
      },
      positions: () => [...this.markets.values()].map(tallied),
      quotesIn: (marketTicker) => this.quotes.quotesIn(marketTicker),
      quote: (quoteId) => this.quotes.get(quoteId),
    });
  }

  /** The event a market belongs to; stable once a market is known. */
  eventFor(marketTicker: string, hint?: string): string {
    const known = this.markets.get(marketTicker)?.eventTicker ?? this.forgottenEvents.get(marketTicker);
    if (known) return known;
    if (hint) return hint;
    const looked = this.eventOf?.(marketTicker);
    if (looked) return looked;
    const prefixed = this.knownEvents.find((event) => marketTicker.startsWith(`${event}-`));
    return prefixed ?? deriveEventTicker(marketTicker);
  }

  /**
   * Restores today's realised P&L (net of fees), fees and drawdown peak saved before a restart;
   * false when the saved day is not today.
   */
  restoreDay(saved: SavedDay): boolean {
    this.pnlNow = undefined;
    return this.pnl.restore(this.clock.now(), saved);
  }

  now(): EpochMs {
    return this.clock.now();
  }

  /**
   * Startup: a market's position as replayed from fills. Kept (its cost basis with it) when it
   * reaches the exchange's loaded position; otherwise the exchange's stays and the difference
   * is returned.
   */
  restorePosition(marketTicker: string, replayed: NetPosition): PositionDiscrepancy | undefined {
    const loaded = this.markets.get(marketTicker)?.position ?? FLAT;
    if (loaded.contracts === replayed.contracts) {
      if (replayed.contracts !== 0) this.market(marketTicker).position = replayed;
      this.changed(marketTicker);
      return undefined;
    }
    return {
      marketTicker,
      ours: replayed.contracts,
      theirs: loaded.contracts,
      oursCost: replayed.cost,
      theirsCost: loaded.cost,
    };
  }

  /**
   * Startup: a market the day's fills built from flat. All of its marked P&L is today's, as it
   * was before the restart; a loaded position otherwise counts only from its first mark.
   */
  countFromFlat(marketTicker: string): void {
    if (this.markets.has(marketTicker)) this.pnl.startFromFlat(marketTicker);
  }

  /** Startup: a fill already in the positions restored (a push or listing of it books nothing). */
  noteBooked(fill: Pick<BookFill, 'tradeId' | 'orderId' | 'contracts'>): void {
    if (!this.ledger.has(fill.tradeId)) this.ledger.book(fill.tradeId, fill.orderId, fill.contracts);
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
      this.changed(market.marketTicker);
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
    if (this.quotes.known(quote.quoteId)) return false;
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
      ...(options.restRemainder ? { restsRemainder: true } : {}),
    };
    if (quote.acceptedSide) {
      record = this.quotes.accept(record, quote.acceptedSide, quote.acceptedContracts, quote.acceptedAt);
    }
    this.quotes.add(record);
    return true;
  }

  /**
   * Gives a reserved quote its exchange id. Reserve with `quoteOpened` under a provisional id in
   * the same tick as the guard's approval (so two creates in flight cannot both pass), then rename
   * when the create returns, or `quoteRemoved` when it fails.
   */
  renameQuote(fromId: string, toId: string): boolean {
    return this.quotes.rename(fromId, toId);
  }

  /** A requester hit one side. `contracts` defaults to that side's offered size. */
  quoteAccepted(quoteId: string, side: Side, contracts?: Centis, at?: EpochMs): boolean {
    return this.quotes.accepted(quoteId, side, contracts, at ?? this.clock.now());
  }

  quoteConfirmed(quoteId: string): boolean {
    return this.quotes.confirmed(quoteId);
  }

  /**
   * The exchange reports the quote executed: its order is on the book. Books nothing: the fills
   * do. The pending fill stays counted until `quoteFillsDone`.
   */
  quoteExecuted(quoteId: string): boolean {
    return this.quotes.executed(quoteId);
  }

  /**
   * The exchange's order id of the quote's leg: its fills from now on (and those booked before
   * we knew whose order it was) count against the quote's pending fill.
   */
  linkOrder(quoteId: string, orderId: string): boolean {
    if (!this.quotes.linkOrder(quoteId, orderId)) return false;
    this.ledger.link(orderId, quoteId);
    this.quotes.filled(quoteId, this.ledger.filled(orderId));
    return true;
  }

  /** The quote a fill's order belongs to (the book's id), when linked. */
  quoteOfOrder(orderId: string): string | undefined {
    return this.ledger.quoteOf(orderId);
  }

  /** Contracts booked so far on fills of the exchange order `orderId` (ours or, in a cluster, another instance's). */
  filledOnOrder(orderId: string): Centis {
    return this.ledger.filled(orderId);
  }

  /** Whether the trade is booked already. */
  hasTrade(tradeId: string): boolean {
    return this.ledger.has(tradeId);
  }

  /**
   * One fill of ours: position, realised P&L and fees, once per trade id, at the fill's own price,
   * size, fee and side. A fill whose order we cannot attribute is booked all the same (it is on
   * our account). A fill traded before the current day moves the position but not today's P&L.
   */
  applyFill(fill: BookFill): FillBooking {
    this.rollDay();
    const invalid = fillProblem(fill);
    if (invalid) {
      this.log.error({ tradeId: fill.tradeId, orderId: fill.orderId, reason: invalid }, 'fill refused');
      return { kind: 'invalid', reason: invalid };
    }
    if (this.ledger.has(fill.tradeId)) return { kind: 'duplicate' };
    this.ledger.book(fill.tradeId, fill.orderId, fill.contracts);
    const market = this.market(fill.marketTicker);
    const outcome = applyTrade(market.position, fill.side, fill.contracts, fill.price);
    market.position = outcome.position;
    market.episodeRealized += outcome.realized - fill.fee;
    this.changed(market.marketTicker);
    const today = this.pnl.isToday(fill.tradedAt);
    if (today) {
      this.pnl.realize(outcome.realized);
      this.pnl.payFee(fill.fee);
    }
    const quoteId = this.ledger.quoteOf(fill.orderId);
    if (quoteId !== undefined) this.quotes.filled(quoteId, this.ledger.filled(fill.orderId));
    this.endEpisodeIfQuiet(market);
    return {
      kind: 'booked',
      realized: outcome.realized,
      fee: fill.fee,
      ...(quoteId !== undefined ? { quoteId } : {}),
      position: outcome.position.contracts,
      today,
    };
  }

  /**
   * Nothing more can fill on the quote's order (it executed in full, was cancelled — post-only
   * crossing, say — or its resting remainder was cancelled): its pending fill stops counting.
   */
  quoteFillsDone(quoteId: string): QuoteFillResult | undefined {
    const quote = this.quotes.get(quoteId);
    if (!quote) {
      this.quotes.unknown(quoteId, 'fills done');
      return undefined;
    }
    const filled = quote.filled ?? 0;
    const reserved = (quote.accepted?.contracts ?? 0) + filled;
    this.finish(quoteId, 'executed');
    return { filled, reserved };
  }

  /** An accept whose confirm window passed without our confirm. */
  quoteLapsed(quoteId: string): boolean {
    if (!this.quotes.get(quoteId)) return this.quotes.unknown(quoteId, 'lapsed');
    this.finish(quoteId, 'lapsed');
    return true;
  }

  /** Deleted by us, cancelled or replaced at the exchange, or its RFQ closed. */
  quoteRemoved(quoteId: string): boolean {
    if (!this.quotes.get(quoteId)) return this.quotes.unknown(quoteId, 'removed');
    this.finish(quoteId, 'deleted');
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
    this.pnlNow = this.pnl.current(this.markets.values());
  }

  /** The market resolved: the position pays out and closes. */
  settleMarket(marketTicker: string, outcome: Side): void {
    this.rollDay();
    const market = this.markets.get(marketTicker);
    if (!market || (market.position.contracts === 0 && market.position.cost === 0)) return;
    const realized = settlementPnl(market.position, outcome);
    market.position = FLAT;
    market.episodeRealized += realized;
    this.changed(marketTicker);
    this.pnl.realize(realized);
    this.endEpisodeIfQuiet(market);
  }

  /**
   * Compares our filled positions with the exchange's (sync the fills first: a fill we have not
   * seen yet is a difference). Differences are returned (log them loudly) and the exchange's
   * numbers adopted; an execution report never moves a position, only fills do.
   */
  reconcile(exchange: readonly MarketPosition[], only?: ReadonlySet<string>): PositionDiscrepancy[] {
    this.rollDay();
    const theirs = new Map(exchange.map((position) => [position.ticker, position]));
    const tickers = new Set([...theirs.keys(), ...this.markets.keys()]);
    const found: PositionDiscrepancy[] = [];
    for (const ticker of tickers) {
      if (only && !only.has(ticker)) continue;
      const their = theirs.get(ticker);
      const theirContracts = their?.position ?? 0;
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
    const { positions, marketEvents } = this.positions.of(this.markets, (market) =>
      this.pnl.unrealizedOf(market),
    );
    // Computed afresh: a snapshot is the reference the figure `current()` keeps is tested against.
    const pnl = this.pnl.current(this.markets.values());
    this.pnlNow = pnl;
    return Object.freeze({
      at: this.clock.now(),
      positions,
      quotes: this.quotes.copy(),
      marketEvents,
      pnl,
    });
  }

  /**
   * The book as it stands, for a decision made now (the guard's check, the last look): what a
   * snapshot gives, without copying the live quotes, its risk from the running totals. Read it at
   * once: its risk view throws once the book has changed.
   */
  current(): ExposureState {
    this.rollDay();
    this.pnlNow ??= this.pnl.current(this.markets.values());
    const { markets, quotes, tally } = this;
    // Methods, not arrow properties: tsx names each arrow made per call (a defineProperty each).
    return {
      pnl: this.pnlNow,
      eventOf(marketTicker) {
        return markets.get(marketTicker)?.eventTicker;
      },
      quote(quoteId) {
        return quotes.get(quoteId);
      },
      riskView(options) {
        return tally.view(options);
      },
    };
  }

  /** Worst-case (or expected) exposure per market, event and in total, for metrics and readiness. */
  riskView(limits: RiskLimits): RiskView {
    this.rollDay();
    // As a snapshot does: the day's peak is the highest total the book was asked about.
    this.pnlNow ??= this.pnl.current(this.markets.values());
    return keptView(this.tally.view({ openQuoteWeightPpm: openQuoteWeight(limits) }));
  }

  /** The markets the book tracks (a snapshot's positions), in the order it took them up. */
  trackedMarkets(): IterableIterator<string> {
    this.rollDay();
    return this.markets.keys();
  }

  /** `riskView(limits).totalExposure`, without copying every market and event into a view. */
  totalExposure(limits: RiskLimits): Micros {
    this.rollDay();
    this.pnlNow ??= this.pnl.current(this.markets.values());
    return this.tally.view({ openQuoteWeightPpm: openQuoteWeight(limits) }).totalExposure;
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

  /** How many quotes of this instance count as live (no snapshot built). */
  get liveQuoteCount(): number {
    return this.quotes.size;
  }

  /** How a quote that is no longer live ended (remembered for the last 10 000 quotes). */
  finishedState(quoteId: string): FinishedState | undefined {
    return this.quotes.finishedState(quoteId);
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
      // Flat and unmarked, its baseline 0: the day's P&L is what it was (and need not be summed again).
      this.tally.touch(marketTicker);
    }
    return market;
  }

  private finish(quoteId: string, state: FinishedState): void {
    const quote = this.quotes.finish(quoteId, state);
    const market = quote && this.markets.get(quote.marketTicker);
    if (market) this.endEpisodeIfQuiet(market);
  }

  /**
   * Flat with no live quote: the market's episode (its realised credit or debit) ends, and the
   * book forgets it until it trades again. It adds nothing to any risk, and every snapshot, check
   * and mark would otherwise walk every market traded since the day began.
   */
  private endEpisodeIfQuiet(market: MarketState): void {
    if (market.position.contracts !== 0 || this.quotes.anyIn(market.marketTicker)) return;
    // No contracts and no cost: marked at 0 before and after, and its move today is kept as
    // forgotten, so the day's P&L stands (and need not be summed again).
    const pnlMoves = market.position.cost !== 0;
    market.episodeRealized = 0;
    market.position = FLAT;
    this.markets.delete(market.marketTicker);
    if (pnlMoves) this.changed(market.marketTicker);
    else this.tally.touch(market.marketTicker);
    this.pnl.forgetMarket(market);
    this.forgottenEvents.set(market.marketTicker, market.eventTicker);
  }

  private adopt(market: MarketState, position: NetPosition): void {
    market.position = position;
    market.episodeRealized = 0;
    this.changed(market.marketTicker);
    this.pnl.forgetBaseline(market.marketTicker);
    this.pnl.observe(market);
  }

  /** A market's position or episode changed, or it came or went: its risk and the P&L move. */
  private changed(marketTicker: string): void {
    this.tally.touch(marketTicker);
    this.pnlNow = undefined;
  }

  private rollDay(): void {
    if (this.pnl.roll(this.clock.now(), this.markets.values())) {
      this.pnlNow = undefined;
      for (const market of [...this.markets.values()]) {
        const quiet = !this.quotes.anyIn(market.marketTicker);
        if (quiet && market.position.contracts === 0) {
          this.markets.delete(market.marketTicker);
          this.pnl.forgetBaseline(market.marketTicker);
          this.changed(market.marketTicker);
        }
      }
    }
  }
}
