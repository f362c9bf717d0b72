import { makerFee, takerFee } from '../../domain/fees.js';
import { type Centis, formatCount, type Micros, notional, ONE_DOLLAR } from '../../domain/money.js';
import type { Side } from '../../domain/types.js';
import {
  expired,
  insufficientBalance,
  invalidParameters,
  marketInactive,
  notFound,
  rfqClosed,
} from '../errors.js';
import type { Exchange, ExchangeDeps } from './exchange.js';
import type { SimQuote } from './types.js';

/** What each party pays for an accepted quote (fact sheet §4.3). */
export interface TradeTerms {
  readonly side: Side;
  /** The maker's bid on the accepted side: what the maker pays per contract. */
  readonly makerPrice: Micros;
  /** 1 − makerPrice: what the requester pays per contract, for the opposite outcome. */
  readonly takerPrice: Micros;
  readonly count: number;
  readonly makerFee: Micros;
  readonly takerFee: Micros;
  readonly makerCost: Micros;
  readonly takerCost: Micros;
}

/** The contracts a quote offers on one side. */
export function offeredOn(quote: SimQuote, side: Side): Centis {
  return side === 'yes' ? quote.yesContracts : quote.noContracts;
}

/** Terms for `count` contracts (default: the accepted size, else the offered size). */
export function tradeTerms(deps: ExchangeDeps, quote: SimQuote, side: Side, count?: Centis): TradeTerms {
  const makerPrice = side === 'yes' ? quote.yesBid : quote.noBid;
  count ??= quote.acceptedContracts ?? offeredOn(quote, side);
  const takerPrice = ONE_DOLLAR - makerPrice;
  const schedule = deps.world.feeSchedule(quote.rfq.market.ticker);
  const mFee = makerFee(makerPrice, count, schedule);
  const tFee = takerFee(takerPrice, count, schedule);
  return {
    side,
    makerPrice,
    takerPrice,
    count,
    makerFee: mFee,
    takerFee: tFee,
    makerCost: notional(makerPrice, count, 'ceil') + mFee,
    takerCost: notional(takerPrice, count, 'ceil') + tFee,
  };
}

/**
 * Accept → confirm → execute. Funds are held when each party commits (the requester at
 * accept, the maker at confirm) so a trade never executes against a balance that cannot
 * cover it: `insufficient_balance` comes back from the accept or the confirm.
 */
export class Settlement {
  constructor(
    private readonly deps: ExchangeDeps,
    private readonly exchange: Exchange,
  ) {}

  confirmWindow(quote: SimQuote): number {
    const c = this.deps.config;
    return quote.rfq.market.highVolatility ? c.hvConfirmWindowMs : c.confirmWindowMs;
  }

  executionDelay(quote: SimQuote): number {
    const c = this.deps.config;
    return quote.rfq.market.highVolatility ? c.hvExecutionDelayMs : c.executionDelayMs;
  }

  /** `contracts` below the offered size is a partial accept (FIX `OrderQty`). */
  accept(quote: SimQuote, side: Side, contracts?: Centis): void {
    const { accounts, clock, store, counters, bus } = this.deps;
    const rfq = quote.rfq;
    if (rfq.status !== 'open') throw rfqClosed();
    if (quote.status === 'cancelled') throw notFound('quote not found');
    if (quote.status !== 'open') throw invalidParameters(`quote is ${quote.status}`);
    if (rfq.pendingQuote) throw invalidParameters('another quote on this RFQ is awaiting confirmation');
    if (rfq.market.status !== 'active') throw marketInactive(rfq.market.ticker);
    const offered = offeredOn(quote, side);
    if (contracts !== undefined && (!Number.isInteger(contracts) || contracts <= 0 || contracts > offered)) {
      throw invalidParameters(`contracts must be above 0 and at most the ${formatCount(offered)} offered`);
    }
    const terms = tradeTerms(this.deps, quote, side, contracts ?? offered);
    if (terms.makerPrice === 0) throw invalidParameters(`the ${side} side was not quoted`);
    if (terms.count <= 0) throw invalidParameters('the target cost buys no contracts at this price');
    if (!accounts.hold(rfq.creator, terms.takerCost)) throw insufficientBalance();
    const now = clock.now();
    quote.takerHold = terms.takerCost;
    quote.acceptedSide = side;
    quote.acceptedContracts = terms.count;
    quote.acceptedAt = now;
    quote.confirmDeadline = now + this.confirmWindow(quote);
    quote.updatedAt = now;
    rfq.pendingQuote = quote;
    store.setQuoteStatus(quote, 'accepted');
    quote.timer = clock.schedule(this.confirmWindow(quote), () => this.lapse(quote));
    counters.accepts++;
    if (terms.count < offered) counters.partialAccepts++;
    bus.emit('quoteAccepted', quote);
  }

  confirm(quote: SimQuote): void {
    const { accounts, clock, store, counters, bus } = this.deps;
    const now = clock.now();
    if (quote.status === 'accepted' && !quote.lapsed && now > (quote.confirmDeadline ?? 0)) {
      // the window ran out but its timer has not fired yet (busy event loop): same outcome
      this.lapse(quote);
    }
    if (quote.lapsed && (quote.status === 'accepted' || quote.status === 'cancelled')) {
      counters.expiredConfirms++;
      throw expired();
    }
    if (quote.status !== 'accepted') throw invalidParameters(`quote is ${quote.status}, not accepted`);
    const terms = tradeTerms(this.deps, quote, quote.acceptedSide ?? 'yes');
    if (!accounts.hold(quote.creator, terms.makerCost)) throw insufficientBalance();
    quote.timer?.cancel();
    quote.makerHold = terms.makerCost;
    quote.confirmedAt = now;
    quote.updatedAt = now;
    store.setQuoteStatus(quote, 'confirmed');
    quote.timer = clock.schedule(this.executionDelay(quote), () => this.execute(quote));
    counters.confirms++;
    bus.emit('quoteConfirmed', quote);
  }

  /** The confirm window ran out: the requester's hold goes back; the quote stays `accepted`. */
  lapse(quote: SimQuote): void {
    if (quote.status !== 'accepted' || quote.lapsed) return;
    const { accounts, clock, store, counters, bus, config } = this.deps;
    quote.lapsed = true;
    quote.timer?.cancel();
    if (quote.takerHold > 0) accounts.release(quote.rfq.creator, quote.takerHold);
    quote.takerHold = 0;
    if (quote.rfq.pendingQuote === quote) quote.rfq.pendingQuote = undefined;
    counters.expiries++;
    if (config.lapsedQuoteStatus === 'cancelled') {
      const now = clock.now();
      quote.updatedAt = now;
      quote.cancelledAt = now;
      quote.cancellationReason = 'expired';
      store.setQuoteStatus(quote, 'cancelled');
    }
    bus.emit('quoteLapsed', quote);
  }

  /**
   * Orders enter the book after the execution delay (`Execution`): the quote is `executed`
   * (orders placed) even when a post-only leg was cancelled and nothing filled.
   */
  execute(quote: SimQuote): void {
    if (quote.status !== 'confirmed') return;
    const { clock, store, counters, bus, ids } = this.deps;
    const rfq = quote.rfq;
    const now = clock.now();
    quote.creatorOrderId = ids.uuid();
    quote.rfqCreatorOrderId = ids.uuid();
    quote.creatorClientOrderId = ids.uuid();
    quote.rfqCreatorClientOrderId = ids.uuid();
    const result = this.exchange.execution.executeQuote(quote);
    quote.executedAt = now;
    quote.updatedAt = now;
    store.setQuoteStatus(quote, 'executed');
    rfq.pendingQuote = undefined;
    counters.executions++;
    bus.emit('quoteExecuted', quote);
    result.publish();
    this.exchange.closeRfq(rfq, 'executed');
  }
}
