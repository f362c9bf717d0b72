import { type Centis, type Micros, mulDiv, notional } from '../../domain/money.js';
import type { EpochMs, Side } from '../../domain/types.js';
import type { SimMarket } from '../world/world.js';
import type { SimUser } from './accounts.js';

/** A market position, netted: positive is long YES, negative long NO. */
export interface SimPosition {
  readonly ticker: string;
  readonly eventTicker: string;
  position: Centis;
  /** Cost basis of the open position. */
  exposure: Micros;
  realizedPnl: Micros;
  feesPaid: Micros;
  totalTraded: Micros;
  /** Contracts traded, both directions. */
  volume: Centis;
  updatedAt: EpochMs;
}

export interface SimFill {
  readonly seq: number;
  readonly id: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly user: SimUser;
  readonly ticker: string;
  readonly outcomeSide: Side;
  /** YES-book side: buying YES is a bid, buying NO (selling YES) an ask. */
  readonly bookSide: 'bid' | 'ask';
  readonly count: Centis;
  readonly yesPrice: Micros;
  readonly noPrice: Micros;
  readonly isTaker: boolean;
  readonly fee: Micros;
  readonly createdAt: EpochMs;
  readonly subaccount: number;
  /** The position after this fill (for the websocket fill message). */
  readonly postPosition: Centis;
}

export interface FillInput {
  readonly id: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly market: SimMarket;
  /** The outcome this user bought. */
  readonly side: Side;
  /** What the user paid per contract for that outcome. */
  readonly price: Micros;
  readonly count: Centis;
  readonly fee: Micros;
  readonly isTaker: boolean;
  readonly subaccount: number;
  readonly now: EpochMs;
}

export interface FillResult {
  readonly fill: SimFill;
  /** Dollars paid out by netting YES against NO ($1 per netted contract). */
  readonly payout: Micros;
  /** Change in |position|: the market's open interest moves by half the sum over both parties. */
  readonly positionChange: Centis;
}

/** Positions and fills per user. */
export class Ledger {
  private readonly positions = new Map<string, Map<string, SimPosition>>();
  private readonly fills = new Map<string, SimFill[]>();
  private seq = 0;

  /**
   * Books a bought outcome: opens or adds to the position, or nets it against the opposite
   * side (each netted pair pays $1; realized P&L = $1 − both legs' cost, fees excluded).
   */
  apply(user: SimUser, input: FillInput): FillResult {
    const pos = this.position(user, input.market);
    const before = pos.position;
    const cost = notional(input.price, input.count, 'ceil');
    const delta = input.side === 'yes' ? input.count : -input.count;
    let payout = 0;
    if (before === 0 || Math.sign(before) === Math.sign(delta)) {
      pos.position += delta;
      pos.exposure += cost;
    } else {
      const held = Math.abs(before);
      const closed = Math.min(held, input.count);
      const basisClosed = mulDiv(pos.exposure, closed, held, 'floor');
      const costClosed = notional(input.price, closed, 'ceil');
      payout = closed * 10_000;
      pos.realizedPnl += payout - basisClosed - costClosed;
      pos.exposure -= basisClosed;
      const remaining = input.count - closed;
      if (closed === held) {
        pos.position = 0;
        pos.exposure = 0;
      } else {
        pos.position = before + Math.sign(delta) * closed;
      }
      if (remaining > 0) {
        pos.position = Math.sign(delta) * remaining;
        pos.exposure = cost - costClosed;
      }
    }
    pos.feesPaid += input.fee;
    pos.totalTraded += cost;
    pos.volume += input.count;
    pos.updatedAt = input.now;
    const yesPrice = input.side === 'yes' ? input.price : 1_000_000 - input.price;
    const fill: SimFill = {
      seq: ++this.seq,
      id: input.id,
      orderId: input.orderId,
      clientOrderId: input.clientOrderId,
      user,
      ticker: input.market.ticker,
      outcomeSide: input.side,
      bookSide: input.side === 'yes' ? 'bid' : 'ask',
      count: input.count,
      yesPrice,
      noPrice: 1_000_000 - yesPrice,
      isTaker: input.isTaker,
      fee: input.fee,
      createdAt: input.now,
      subaccount: input.subaccount,
      postPosition: pos.position,
    };
    let list = this.fills.get(user.id);
    if (!list) {
      list = [];
      this.fills.set(user.id, list);
    }
    list.push(fill);
    return { fill, payout, positionChange: Math.abs(pos.position) - Math.abs(before) };
  }

  /** A user's positions, sorted by ticker. */
  positionsOf(user: SimUser): SimPosition[] {
    return [...(this.positions.get(user.id)?.values() ?? [])].sort((a, b) =>
      a.ticker.localeCompare(b.ticker),
    );
  }

  /** A user's position on one market, if it ever traded there. */
  positionOn(user: SimUser, ticker: string): SimPosition | undefined {
    return this.positions.get(user.id)?.get(ticker);
  }

  /** A user's fills, oldest first. */
  fillsOf(user: SimUser): readonly SimFill[] {
    return this.fills.get(user.id) ?? [];
  }

  private position(user: SimUser, market: SimMarket): SimPosition {
    let byTicker = this.positions.get(user.id);
    if (!byTicker) {
      byTicker = new Map();
      this.positions.set(user.id, byTicker);
    }
    let pos = byTicker.get(market.ticker);
    if (!pos) {
      pos = {
        ticker: market.ticker,
        eventTicker: market.eventTicker,
        position: 0,
        exposure: 0,
        realizedPnl: 0,
        feesPaid: 0,
        totalTraded: 0,
        volume: 0,
        updatedAt: 0,
      };
      byTicker.set(market.ticker, pos);
    }
    return pos;
  }
}
