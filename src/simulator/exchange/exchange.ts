import type { Clock } from '../../domain/clock.js';
import type { Micros } from '../../domain/money.js';
import { contractsOffered } from '../../domain/sizing.js';
import type { RfqSize, Side } from '../../domain/types.js';
import type { Accounts, SimUser } from '../accounts/accounts.js';
import type { Ledger } from '../accounts/ledger.js';
import { conflict, invalidParameters, marketInactive, notFound, rfqClosed, SimError } from '../errors.js';
import type { Rng } from '../random.js';
import type { SimCounters } from '../stats.js';
import type { TruthOptions } from '../truth.js';
import type { World } from '../world/world.js';
import { CrossGuard } from './cross-guard.js';
import type { EventBus } from './events.js';
import { Execution } from './execution.js';
import { Settlement } from './settlement.js';
import type { ExchangeStore } from './store.js';
import type { SimQuote, SimRfq } from './types.js';
import { validateQuotePrices } from './validation.js';

export interface LifecycleConfig {
  /** Accept → confirm window on standard markets. @default 30000 */
  readonly confirmWindowMs: number;
  /** Confirm → execution delay on standard markets. @default 15000 */
  readonly executionDelayMs: number;
  /** The same on high-volatility (and all combo) markets. @default 3000 */
  readonly hvConfirmWindowMs: number;
  /** @default 1000 */
  readonly hvExecutionDelayMs: number;
  /** @default 100 */
  readonly maxOpenRfqsPerCreator: number;
  /** What a quote whose confirm window lapsed becomes: it stays `accepted` on Kalshi. @default 'accepted' */
  readonly lapsedQuoteStatus: 'accepted' | 'cancelled';
  /** Reject off-grid bids (Kalshi's rule; demo once let one through). @default true */
  readonly enforceGrid: boolean;
  /** The exchange closes RFQs this long after creation (reason "expired"); 0 never. @default 300000 */
  readonly rfqTtlMs: number;
}

/** The exchange-level faults (`http/faults.ts`), as the exchange reads them. */
export interface ExchangeFaultView {
  /** Extra chance per execution of a sweep through the quoter's price (`cross=`). */
  crossChance(): number;
  /** Every execution meets a sweep (`postOnlyCrossStorm=`). */
  crossStormActive(): boolean;
  /** RFQ lifetime set by the fault spec (`rfqTtl=`), replacing `rfqTtlMs`. */
  rfqTtlMs(): number | undefined;
}

export interface ExchangeDeps {
  readonly store: ExchangeStore;
  readonly world: World;
  readonly accounts: Accounts;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly ids: Rng;
  readonly bus: EventBus;
  readonly counters: SimCounters;
  readonly config: LifecycleConfig;
  /** Shared and live: the admin API changes it at run time. */
  readonly truth: TruthOptions;
  /** The internal user that owns synthetic liquidity (the other side of book fills). */
  readonly liquidity: SimUser;
  /** Execution's dice (sweeps). */
  readonly rng: Rng;
  readonly faults?: ExchangeFaultView;
}

export interface CreateRfqInput {
  readonly marketTicker: string;
  readonly size: RfqSize;
  readonly restRemainder: boolean;
  readonly replaceExisting?: boolean;
  readonly subaccount?: number;
  /** Others see a placeholder instead of the creator's communications id. */
  readonly obscureCreatorId?: boolean;
}

export interface CreateQuoteInput {
  readonly rfqId: string;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  readonly restRemainder: boolean;
  readonly postOnly?: boolean;
  readonly subaccount?: number;
}

/** The RFQ and quote life cycle, as Kalshi runs it (fact sheet §3–4). */
export class Exchange {
  readonly settlement: Settlement;
  readonly crossGuard: CrossGuard;
  readonly execution: Execution;

  constructor(readonly deps: ExchangeDeps) {
    this.crossGuard = new CrossGuard(deps.clock, deps.truth, deps.counters);
    this.execution = new Execution(deps, this.crossGuard);
    this.settlement = new Settlement(deps, this);
  }

  createRfq(user: SimUser, input: CreateRfqInput, manual = false): SimRfq {
    const { store, world, clock, counters, config } = this.deps;
    const market = world.market(input.marketTicker);
    if (!market) throw new SimError(400, 'market_not_found', `market ${input.marketTicker} not found`);
    if (market.status !== 'active') throw marketInactive(market.ticker);
    const sizeOk = input.size.kind === 'contracts' ? input.size.contracts > 0 : input.size.targetCost > 0;
    if (!sizeOk) throw invalidParameters('RFQ size must be positive');
    const existing = store.openRfqOn(user, market.ticker);
    if (existing) {
      if (!input.replaceExisting) {
        throw conflict('rfq_already_exists', `an open RFQ already exists on ${market.ticker}`);
      }
      this.closeRfq(existing, 'replaced');
    }
    if (store.openRfqCount(user) >= config.maxOpenRfqsPerCreator) {
      throw new SimError(
        400,
        'max_open_rfqs_exceeded',
        `at most ${config.maxOpenRfqsPerCreator} open RFQs per creator`,
      );
    }
    const now = clock.now();
    const rfq: SimRfq = {
      seq: store.nextSeq(),
      id: this.deps.ids.uuid(),
      creator: user,
      market,
      size: input.size,
      restRemainder: input.restRemainder,
      subaccount: input.subaccount ?? 0,
      obscureCreator: input.obscureCreatorId === true,
      createdAt: now,
      manual,
      status: 'open',
      updatedAt: now,
      quoteByMaker: new Map(),
    };
    store.addRfq(rfq);
    counters.rfqsCreated++;
    const ttl = this.deps.faults?.rfqTtlMs() ?? config.rfqTtlMs;
    if (ttl > 0) rfq.expiryTimer = clock.schedule(ttl, () => this.expire(rfq));
    this.deps.bus.emit('rfqCreated', rfq);
    return rfq;
  }

  /** DELETE by the creator. A confirmed quote cannot be withdrawn, so neither can its RFQ. */
  deleteRfq(user: SimUser, rfqId: string): void {
    const rfq = this.deps.store.rfq(rfqId);
    if (!rfq || rfq.creator !== user) throw notFound('rfq not found');
    if (rfq.status !== 'open') throw rfqClosed();
    if (rfq.pendingQuote?.status === 'confirmed') {
      throw invalidParameters('RFQ has a confirmed quote awaiting execution');
    }
    this.closeRfq(rfq, 'deleted_by_creator');
    this.deps.counters.rfqsDeleted++;
  }

  /**
   * The exchange closes an RFQ itself (FIX RFQCancelStatus EXPIRED; `rfq_deleted` goes out).
   * One whose quote is confirmed waits for the execution.
   */
  expire(rfq: SimRfq): boolean {
    if (rfq.status !== 'open') return false;
    if (rfq.pendingQuote?.status === 'confirmed') {
      rfq.expiryTimer = this.deps.clock.schedule(this.settlement.executionDelay(rfq.pendingQuote) + 1, () =>
        this.expire(rfq),
      );
      return false;
    }
    this.closeRfq(rfq, 'expired');
    this.deps.counters.rfqsExpired++;
    return true;
  }

  /** Expires every open RFQ now (admin, `expireRfqs` fault); returns how many closed. */
  expireAll(): number {
    let closed = 0;
    for (const rfq of this.deps.store.rfqsWithStatus('open')) if (this.expire(rfq)) closed++;
    return closed;
  }

  /**
   * A server roll (changelog 2026-06-25): every open quote vanishes without a trace or a push.
   * Later reads, deletes and accepts of it get 404. Returns how many went.
   */
  flushOpenQuotes(): number {
    const { store, counters, bus } = this.deps;
    const open = store.quotesWithStatus('open');
    for (const quote of open) {
      if (quote.rfq.quoteByMaker.get(quote.creator.id) === quote)
        quote.rfq.quoteByMaker.delete(quote.creator.id);
      store.removeQuote(quote);
      bus.emit('quoteFlushed', quote);
    }
    counters.serverRolls++;
    counters.quotesFlushed += open.length;
    return open.length;
  }

  /** Drops closed RFQs and cancelled quotes last updated before `before` (7-day retention). */
  purge(before: number): void {
    const { store, counters } = this.deps;
    for (const quote of store.quotesWithStatus('cancelled')) {
      if (quote.updatedAt >= before) continue;
      if (quote.rfq.quoteByMaker.get(quote.creator.id) === quote)
        quote.rfq.quoteByMaker.delete(quote.creator.id);
      store.removeQuote(quote);
      counters.quotesPurged++;
    }
    for (const rfq of store.rfqsWithStatus('closed')) {
      if (rfq.updatedAt >= before) continue;
      store.removeRfq(rfq);
      counters.rfqsPurged++;
    }
  }

  /**
   * Closes an RFQ: its live quotes are cancelled (a confirmed one only when `force`), and
   * `rfq_deleted` goes out whatever the reason.
   */
  closeRfq(rfq: SimRfq, reason: string, force = false): void {
    if (rfq.status !== 'open') return;
    for (const quote of rfq.quoteByMaker.values()) {
      if (quote.status === 'open' || quote.status === 'accepted' || (force && quote.status === 'confirmed')) {
        this.cancelQuote(quote, 'rfq_closed');
      }
    }
    const now = this.deps.clock.now();
    rfq.updatedAt = now;
    if (reason !== 'executed') {
      rfq.cancelledAt = now;
      rfq.cancellationReason = reason;
    }
    rfq.expiryTimer?.cancel();
    this.deps.store.setRfqStatus(rfq, 'closed');
    this.deps.counters.rfqsClosed++;
    this.deps.bus.emit('rfqClosed', rfq);
  }

  createQuote(user: SimUser, input: CreateQuoteInput): SimQuote {
    const { store, world, clock, counters, config } = this.deps;
    const rfq = store.rfq(input.rfqId);
    if (!rfq) throw notFound('rfq not found');
    if (rfq.status !== 'open') throw rfqClosed();
    if (rfq.creator === user) throw invalidParameters('cannot quote your own RFQ');
    if (rfq.market.status !== 'active') throw marketInactive(rfq.market.ticker);
    validateQuotePrices(input.yesBid, input.noBid, rfq.market.grid, config.enforceGrid);
    const previous = rfq.quoteByMaker.get(user.id);
    if (previous && (previous.status === 'confirmed' || previous.status === 'executed')) {
      throw invalidParameters(`your quote on this RFQ is already ${previous.status}`);
    }
    if (previous && (previous.status === 'open' || previous.status === 'accepted')) {
      this.cancelQuote(previous, 'replaced');
      counters.quotesReplaced++;
    }
    const schedule = world.feeSchedule(rfq.market.ticker);
    const now = clock.now();
    const quote: SimQuote = {
      seq: store.nextSeq(),
      id: this.deps.ids.uuid(),
      rfq,
      creator: user,
      yesBid: input.yesBid,
      noBid: input.noBid,
      yesContracts: contractsOffered(rfq.size, input.yesBid, schedule),
      noContracts: contractsOffered(rfq.size, input.noBid, schedule),
      restRemainder: input.restRemainder,
      postOnly: input.postOnly === true,
      subaccount: input.subaccount ?? 0,
      createdAt: now,
      status: 'open',
      updatedAt: now,
      lapsed: false,
      takerHold: 0,
      makerHold: 0,
    };
    store.addQuote(quote);
    rfq.quoteByMaker.set(user.id, quote);
    counters.quotesCreated++;
    this.deps.bus.emit('quoteCreated', quote);
    return quote;
  }

  /** DELETE by the maker: only an open quote can be pulled; accepted and later are 404. */
  deleteQuote(user: SimUser, quoteId: string, rfqId?: string): void {
    const quote = this.ownQuote(user, quoteId, rfqId);
    if (quote.status !== 'open') throw notFound('quote not found or no longer deletable');
    this.cancelQuote(quote, 'deleted_by_creator');
    this.deps.counters.quotesDeleted++;
  }

  accept(user: SimUser, quoteId: string, side: Side, rfqId?: string): void {
    const quote = this.deps.store.quote(quoteId);
    if (!quote || quote.rfq.creator !== user || (rfqId !== undefined && quote.rfq.id !== rfqId)) {
      throw notFound('quote not found');
    }
    this.settlement.accept(quote, side);
  }

  confirm(user: SimUser, quoteId: string, rfqId?: string): void {
    this.settlement.confirm(this.ownQuote(user, quoteId, rfqId));
  }

  /** A quote the user may see: its maker's or its RFQ creator's. */
  visibleQuote(user: SimUser, quoteId: string, rfqId?: string): SimQuote {
    const quote = this.deps.store.quote(quoteId);
    if (!quote || (rfqId !== undefined && quote.rfq.id !== rfqId)) throw notFound('quote not found');
    if (quote.creator !== user && quote.rfq.creator !== user) throw notFound('quote not found');
    return quote;
  }

  /** Cancels a live quote and releases whatever it held. */
  cancelQuote(quote: SimQuote, reason: string): void {
    if (quote.status === 'cancelled' || quote.status === 'executed') return;
    const { accounts, clock, store, counters } = this.deps;
    quote.timer?.cancel();
    if (quote.takerHold > 0) accounts.release(quote.rfq.creator, quote.takerHold);
    if (quote.makerHold > 0) accounts.release(quote.creator, quote.makerHold);
    quote.takerHold = 0;
    quote.makerHold = 0;
    if (quote.rfq.pendingQuote === quote) quote.rfq.pendingQuote = undefined;
    const now = clock.now();
    quote.updatedAt = now;
    quote.cancelledAt = now;
    quote.cancellationReason = reason;
    store.setQuoteStatus(quote, 'cancelled');
    counters.quotesCancelled++;
    this.deps.bus.emit('quoteCancelled', quote);
  }

  private ownQuote(user: SimUser, quoteId: string, rfqId?: string): SimQuote {
    const quote = this.deps.store.quote(quoteId);
    if (!quote || quote.creator !== user || (rfqId !== undefined && quote.rfq.id !== rfqId)) {
      throw notFound('quote not found');
    }
    return quote;
  }
}
