import { makerFee, takerFee } from '../../domain/fees.js';
import { type Centis, type Micros, notional, ONE_DOLLAR } from '../../domain/money.js';
import type { Side } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import type { SimMarket } from '../world/world.js';
import type { ExchangeDeps } from './exchange.js';
import type { SimOrder } from './orders.js';
import { opposite } from './types.js';

/** One side of a trade: a user, and its order unless it is synthetic liquidity. */
export interface Party {
  readonly user: SimUser;
  readonly order?: SimOrder;
}

/**
 * Books trades: both parties' fills (money, ledger, order figures) and the market's
 * statistics. Events wait while a batch is open, so a quote's `quote_executed` goes out
 * before its fills.
 */
export class Trades {
  private pending: (() => void)[] | undefined;

  constructor(private readonly deps: ExchangeDeps) {}

  /** Runs `fn` holding back its events; `publish` sends them. */
  batch<T>(fn: () => T): { readonly value: T; publish(): void } {
    const events: (() => void)[] = [];
    this.pending = events;
    try {
      const value = fn();
      return {
        value,
        publish: () => {
          for (const emit of events) emit();
        },
      };
    } finally {
      this.pending = undefined;
    }
  }

  /**
   * One trade: the aggressor buys `aggressorSide` at 1 − the resting bid, the resting party
   * its outcome at its bid. Normally the aggressor pays the taker fee and the resting party
   * the maker fee; `swapFees` (combo quoter vs an order resting < 5 s) reverses them.
   */
  trade(
    market: SimMarket,
    aggressor: Party,
    aggressorSide: Side,
    resting: Party,
    restingPrice: Micros,
    count: Centis,
    swapFees: boolean,
  ): void {
    const schedule = this.deps.world.feeSchedule(market.ticker);
    const aggressorPrice = ONE_DOLLAR - restingPrice;
    const aggressorFee = swapFees
      ? makerFee(aggressorPrice, count, schedule)
      : takerFee(aggressorPrice, count, schedule);
    const restingFee = swapFees
      ? takerFee(restingPrice, count, schedule)
      : makerFee(restingPrice, count, schedule);
    if (swapFees) this.deps.counters.feeSwaps++;
    const a = this.fill(market, aggressor, aggressorSide, aggressorPrice, count, aggressorFee, true);
    const r = this.fill(market, resting, opposite(aggressorSide), restingPrice, count, restingFee, false);
    const yesPrice = aggressorSide === 'yes' ? aggressorPrice : restingPrice;
    this.deps.world.recordTrade(market, yesPrice, count, Math.trunc((a + r) / 2));
  }

  /** Books one party's fill: money, ledger, order figures, events. Returns the |position| change. */
  private fill(
    market: SimMarket,
    party: Party,
    side: Side,
    price: Micros,
    count: Centis,
    fee: Micros,
    isTaker: boolean,
  ): Centis {
    const { accounts, ledger, ids, clock, bus } = this.deps;
    const { user, order } = party;
    const cost = notional(price, count, 'ceil');
    const fromHold = Math.min(order?.hold ?? 0, cost + fee);
    if (order && fromHold > 0) {
      accounts.spend(user, fromHold);
      order.hold -= fromHold;
    }
    if (cost + fee > fromHold) accounts.debit(user, cost + fee - fromHold);
    const now = clock.now();
    const result = ledger.apply(user, {
      id: ids.uuid(),
      orderId: order?.id ?? ids.uuid(),
      clientOrderId: order?.clientOrderId ?? '',
      market,
      side,
      price,
      count,
      fee,
      isTaker,
      subaccount: order?.subaccount ?? 0,
      now,
    });
    if (result.payout > 0) accounts.credit(user, result.payout);
    if (order) {
      order.filled += count;
      order.remaining -= count;
      order.updatedAt = now;
      if (isTaker) {
        order.takerFillCost += cost;
        order.takerFees += fee;
      } else {
        order.makerFillCost += cost;
        order.makerFees += fee;
      }
    }
    const position = ledger.positionOn(user, market.ticker);
    this.emit(() => {
      bus.emit('fill', result.fill);
      if (position) bus.emit('positionChanged', { user, position });
    });
    return result.positionChange;
  }

  private emit(event: () => void): void {
    if (this.pending) this.pending.push(event);
    else event();
  }
}
