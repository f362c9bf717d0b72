import { makerFee } from '../../domain/fees.js';
import { snapUp } from '../../domain/grid.js';
import { type Centis, type Micros, notional, ONE_DOLLAR } from '../../domain/money.js';
import type { Side } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import { notFound } from '../errors.js';
import { type Liquidity, liquidityCount, liquidityPrice, liquiditySince } from '../world/order-book.js';
import type { SimMarket } from '../world/world.js';
import type { CrossGuard } from './cross-guard.js';
import type { ExchangeDeps } from './exchange.js';
import { OrderStore, type SimOrder } from './orders.js';
import { type Party, Trades } from './trades.js';
import { opposite, type SimQuote } from './types.js';

/** Kalshi (changelog 2026-08-22): a combo quoter meeting an order younger than this swaps fees. */
export const FEE_SWAP_MAX_AGE_MS = 5_000;

/** What a quote's execution did; `publish` sends its events once `quote_executed` is out. */
export interface ExecutionResult {
  readonly maker: SimOrder;
  readonly requester: SimOrder;
  publish(): void;
}

/**
 * The order-book side of execution: after the execution timer the quoter's leg enters first
 * (post-only → cancelled if it would take liquidity; otherwise it takes what it crosses, as
 * taker), then the requester's leg crosses the quoter's at the quote price (quoter maker,
 * requester taker). Leftovers rest (`rest_remainder`) or are cancelled. Resting orders fill
 * later as the synthetic book moves through them.
 */
export class Execution {
  readonly orders = new OrderStore();
  private readonly trades: Trades;

  constructor(
    private readonly deps: ExchangeDeps,
    private readonly crossGuard: CrossGuard,
  ) {
    this.trades = new Trades(deps);
    deps.world.onBookRebuilt((market) => this.matchResting(market));
  }

  executeQuote(quote: SimQuote): ExecutionResult {
    const { accounts, truth } = this.deps;
    const rfq = quote.rfq;
    const side = quote.acceptedSide ?? 'yes';
    const bid = side === 'yes' ? quote.yesBid : quote.noBid;
    const accepted = quote.acceptedContracts ?? 0;
    const offered = side === 'yes' ? quote.yesContracts : quote.noContracts;
    // the holds of accept and confirm go back; every fill is charged as it happens
    accounts.release(quote.creator, quote.makerHold);
    accounts.release(rfq.creator, quote.takerHold);
    quote.makerHold = 0;
    quote.takerHold = 0;
    const restsMore = truth.bookExecution && quote.restRemainder && offered > accepted;
    const covered = quote.creator.balance >= this.restingCost(rfq.market, bid, offered);
    const makerSize = restsMore && covered ? offered : accepted;
    const { value, publish } = this.trades.batch(() => {
      const maker = this.newOrder(
        quote.creator,
        rfq.market,
        side,
        bid,
        makerSize,
        quote.subaccount,
        quote.postOnly,
        {
          id: quote.creatorOrderId,
          clientOrderId: quote.creatorClientOrderId,
        },
      );
      const requester = this.newOrder(
        rfq.creator,
        rfq.market,
        opposite(side),
        ONE_DOLLAR - bid,
        accepted,
        rfq.subaccount,
        false,
        {
          id: quote.rfqCreatorOrderId,
          clientOrderId: quote.rfqCreatorClientOrderId,
        },
      );
      this.cross(quote, maker, requester);
      return { maker, requester };
    });
    return { ...value, publish };
  }

  /** The quoter's leg meets the book, then the requester's leg; then the leftovers. */
  private cross(quote: SimQuote, maker: SimOrder, requester: SimOrder): void {
    const { truth, counters } = this.deps;
    const rfq = quote.rfq;
    const market = rfq.market;
    if (truth.bookExecution) {
      this.maybeSweep(market, maker.side, maker.price, maker.initial);
      const crossing = this.crossingFor(maker);
      if (crossing.length > 0 && quote.postOnly) {
        this.cancel(maker);
        counters.postOnlyCancels++;
        this.crossGuard.record(quote.creator);
      } else if (crossing.length > 0) {
        counters.quoterTakes++;
        this.take(maker, crossing, market.legs !== undefined);
      }
    }
    // the quoter's leg rests an instant; the requester's crosses it at the quote price
    const paired = maker.status === 'canceled' ? 0 : Math.min(maker.remaining, requester.remaining);
    if (paired > 0) {
      const aggressor = { user: rfq.creator, order: requester };
      this.trades.trade(
        market,
        aggressor,
        requester.side,
        { user: quote.creator, order: maker },
        maker.price,
        paired,
        false,
      );
    }
    this.finish(requester, truth.bookExecution && rfq.restRemainder);
    this.finish(maker, truth.bookExecution && quote.restRemainder);
  }

  /** A user cancels a resting order (V2 cancel); returns the contracts taken off the book. */
  cancelByUser(user: SimUser, orderId: string): { order: SimOrder; reducedBy: Centis } {
    const order = this.orders.get(orderId);
    if (!order || order.user !== user || order.status !== 'resting') throw notFound('order not found');
    return { order, reducedBy: this.cancel(order) };
  }

  /** Every resting order of a user (optionally of one subaccount); returns them. */
  cancelAll(user: SimUser, subaccount?: number): SimOrder[] {
    const done = this.orders
      .resting(user)
      .filter((o) => subaccount === undefined || o.subaccount === subaccount);
    for (const order of done) this.cancel(order);
    return done;
  }

  /** Cancels what is left of an order and releases its hold; returns the contracts cancelled. */
  cancel(order: SimOrder): Centis {
    if (order.status === 'canceled' || order.status === 'executed') return 0;
    const reducedBy = order.remaining;
    order.status = 'canceled';
    order.remaining = 0;
    order.updatedAt = this.deps.clock.now();
    this.releaseHold(order);
    order.market.book.remove(order.id);
    return reducedBy;
  }

  /** Synthetic liquidity rebuilt around a new fair value may cross resting orders: they fill as makers. */
  private matchResting(market: SimMarket): void {
    for (const entry of market.book.entries()) {
      const order = this.orders.get(entry.orderId);
      if (order?.status !== 'resting') continue;
      for (const liq of market.book.crossing(entry.side, entry.price, entry.ownerId)) {
        if (order.remaining === 0 || liq.kind !== 'synthetic') continue;
        const k = Math.min(order.remaining, liq.level.count);
        market.book.take(liq, k);
        market.book.take({ kind: 'order', entry }, k);
        this.trades.trade(
          market,
          { user: this.deps.liquidity },
          opposite(entry.side),
          { user: order.user, order },
          entry.price,
          k,
          false,
        );
        this.deps.counters.restingFills++;
      }
      if (order.remaining === 0) this.complete(order);
    }
  }

  /**
   * What an incoming order would trade with. Self-trade prevention "maker": the owner's own
   * resting orders it would cross are cancelled instead.
   */
  private crossingFor(order: SimOrder): Liquidity[] {
    const all = order.market.book.crossing(order.side, order.price);
    const others: Liquidity[] = [];
    for (const liq of all) {
      if (liq.kind === 'order' && liq.entry.ownerId === order.user.id) {
        const own = this.orders.get(liq.entry.orderId);
        if (own) this.cancel(own);
      } else others.push(liq);
    }
    return others;
  }

  /** An incoming order takes crossing liquidity in price-time order, as taker. */
  private take(order: SimOrder, crossing: readonly Liquidity[], comboQuoter: boolean): void {
    const market = order.market;
    const now = this.deps.clock.now();
    for (const liq of crossing) {
      if (order.remaining === 0) break;
      const k = Math.min(order.remaining, liquidityCount(liq));
      const restingOrder = liq.kind === 'order' ? this.orders.get(liq.entry.orderId) : undefined;
      const resting: Party = restingOrder
        ? { user: restingOrder.user, order: restingOrder }
        : { user: this.deps.liquidity };
      const swap = comboQuoter && now - liquiditySince(liq) < FEE_SWAP_MAX_AGE_MS;
      market.book.take(liq, k);
      this.trades.trade(
        market,
        { user: order.user, order },
        order.side,
        resting,
        liquidityPrice(liq),
        k,
        swap,
      );
      if (restingOrder && restingOrder.remaining === 0) this.complete(restingOrder);
    }
  }

  /** A remainder: takes what still crosses, then rests (when allowed and covered) or is cancelled. */
  private finish(order: SimOrder, rest: boolean): void {
    if (order.status === 'canceled') return;
    if (order.remaining > 0 && rest) this.take(order, this.crossingFor(order), false);
    if (order.remaining === 0) {
      this.complete(order);
      return;
    }
    const hold = this.restingCost(order.market, order.price, order.remaining);
    if (!rest || !this.deps.accounts.hold(order.user, hold)) {
      this.cancel(order);
      return;
    }
    order.hold = hold;
    order.status = 'resting';
    order.market.book.rest({
      orderId: order.id,
      ownerId: order.user.id,
      side: order.side,
      price: order.price,
      remaining: order.remaining,
      since: this.deps.clock.now(),
    });
    this.deps.counters.ordersRested++;
  }

  /** With `crossChance` (or a storm), a fresh order sweeps the book through the quoter's price. */
  private maybeSweep(market: SimMarket, side: Side, bid: Micros, size: Centis): void {
    const { truth, faults, rng, counters } = this.deps;
    const chance = Math.min(1, truth.crossChance + (faults?.crossChance() ?? 0));
    if (!(faults?.crossStormActive() === true || rng.chance(chance))) return;
    const price = snapUp(ONE_DOLLAR - bid, market.grid);
    if (price === undefined || price <= 0 || price >= ONE_DOLLAR) return;
    this.sweep(
      market,
      opposite(side),
      price,
      Math.max(100, Math.round((size * rng.int(25, 100)) / 10_000) * 100),
    );
    counters.sweeps++;
  }

  /**
   * A fresh synthetic order: it trades with every bid it crosses (resting orders fill as
   * makers, synthetic ones just go), then rests `count` at `price` from now.
   */
  sweep(market: SimMarket, side: Side, price: Micros, count: Centis): void {
    for (const liq of market.book.crossing(side, price)) {
      const k = liquidityCount(liq);
      market.book.take(liq, k);
      if (liq.kind === 'synthetic') continue;
      const order = this.orders.get(liq.entry.orderId);
      if (!order) continue;
      this.trades.trade(
        market,
        { user: this.deps.liquidity },
        side,
        { user: order.user, order },
        liq.entry.price,
        k,
        false,
      );
      if (order.remaining === 0) this.complete(order);
    }
    market.book.addSynthetic(side, price, count, this.deps.clock.now());
  }

  /** What resting `count` at `price` holds: the notional and the maker fee it will pay. */
  private restingCost(market: SimMarket, price: Micros, count: Centis): Micros {
    return (
      notional(price, count, 'ceil') + makerFee(price, count, this.deps.world.feeSchedule(market.ticker))
    );
  }

  private complete(order: SimOrder): void {
    order.status = 'executed';
    this.releaseHold(order);
    order.market.book.remove(order.id);
  }

  private releaseHold(order: SimOrder): void {
    if (order.hold > 0) this.deps.accounts.release(order.user, order.hold);
    order.hold = 0;
  }

  private newOrder(
    user: SimUser,
    market: SimMarket,
    side: Side,
    price: Micros,
    size: Centis,
    subaccount: number,
    postOnly: boolean,
    ids: { readonly id?: string | undefined; readonly clientOrderId?: string | undefined },
  ): SimOrder {
    const now = this.deps.clock.now();
    const order: SimOrder = {
      seq: this.orders.nextSeq(),
      id: ids.id ?? this.deps.ids.uuid(),
      clientOrderId: ids.clientOrderId ?? this.deps.ids.uuid(),
      user,
      market,
      side,
      price,
      initial: size,
      subaccount,
      postOnly,
      createdAt: now,
      filled: 0,
      remaining: size,
      status: 'resting',
      updatedAt: now,
      takerFillCost: 0,
      makerFillCost: 0,
      takerFees: 0,
      makerFees: 0,
      hold: 0,
    };
    this.orders.add(order);
    return order;
  }
}
