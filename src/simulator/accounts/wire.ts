import { microsToCents, ONE_DOLLAR } from '../../domain/money.js';
import type {
  GetBalanceResponse,
  WireEventPosition,
  WireFill,
  WireMarketPosition,
} from '../../kalshi/wire.js';
import { count, dollars4, dollars6, timestamp } from '../format.js';
import type { World } from '../world/world.js';
import type { SimUser } from './accounts.js';
import type { SimFill, SimPosition } from './ledger.js';

export function fillToWire(fill: SimFill): WireFill {
  return {
    fill_id: fill.id,
    trade_id: fill.id,
    order_id: fill.orderId,
    ticker: fill.ticker,
    market_ticker: fill.ticker,
    side: fill.outcomeSide,
    action: 'buy',
    outcome_side: fill.outcomeSide,
    book_side: fill.bookSide,
    count_fp: count(fill.count),
    yes_price_dollars: dollars6(fill.yesPrice),
    no_price_dollars: dollars6(fill.noPrice),
    is_taker: fill.isTaker,
    fee_cost: dollars6(fill.fee),
    created_time: timestamp(fill.createdAt),
    ts: Math.floor(fill.createdAt / 1000),
    subaccount_number: fill.subaccount,
    exchange_index: 0,
  };
}

/**
 * The websocket `fill` message (Kalshi's websocket fill page is not in kalshi-docs/: fields
 * of the REST Fill, plus `client_order_id`, `post_position_fp`, `ts_ms` and `exchange_index`
 * from the changelog entries of 2026-04-15, 2026-05-06 and 2026-08-20).
 */
export function fillToWs(fill: SimFill): Record<string, unknown> {
  return {
    trade_id: fill.id,
    order_id: fill.orderId,
    client_order_id: fill.clientOrderId,
    market_ticker: fill.ticker,
    is_taker: fill.isTaker,
    side: fill.outcomeSide,
    outcome_side: fill.outcomeSide,
    book_side: fill.bookSide,
    action: 'buy',
    purchased_side: fill.outcomeSide,
    yes_price_dollars: dollars6(fill.yesPrice),
    no_price_dollars: dollars6(fill.noPrice),
    count_fp: count(fill.count),
    fee_cost: dollars6(fill.fee),
    post_position_fp: count(fill.postPosition),
    ts: Math.floor(fill.createdAt / 1000),
    ts_ms: fill.createdAt,
    subaccount: fill.subaccount,
    exchange_index: 0,
  };
}

/**
 * The websocket `market_positions` message (type `market_position`): the 2.0.7 channel
 * announcement's fields in their fixed-point forms (the centi-cent ones were removed on
 * 2026-04-02: use the `_dollars` equivalents).
 */
export function positionToWs(user: SimUser, pos: SimPosition): Record<string, unknown> {
  return {
    user_id: user.id,
    market_ticker: pos.ticker,
    position_fp: count(pos.position),
    position_cost_dollars: dollars6(pos.exposure),
    realized_pnl_dollars: dollars6(pos.realizedPnl),
    fees_paid_dollars: dollars6(pos.feesPaid),
    volume_fp: count(pos.volume),
    exchange_index: 0,
  };
}

export function positionToWire(pos: SimPosition): WireMarketPosition {
  return {
    ticker: pos.ticker,
    position_fp: count(pos.position),
    market_exposure_dollars: dollars6(pos.exposure),
    realized_pnl_dollars: dollars6(pos.realizedPnl),
    fees_paid_dollars: dollars6(pos.feesPaid),
    total_traded_dollars: dollars6(pos.totalTraded),
    last_updated_ts: timestamp(pos.updatedAt),
    exchange_index: 0,
  };
}

/** Event positions aggregate the listed market positions by event. */
export function eventPositionsToWire(positions: readonly SimPosition[]): WireEventPosition[] {
  const byEvent = new Map<string, SimPosition[]>();
  for (const pos of positions) {
    const list = byEvent.get(pos.eventTicker) ?? [];
    list.push(pos);
    byEvent.set(pos.eventTicker, list);
  }
  return [...byEvent.entries()].map(([eventTicker, list]) => {
    const sum = (f: (p: SimPosition) => number): number => list.reduce((acc, p) => acc + f(p), 0);
    return {
      event_ticker: eventTicker,
      total_cost_dollars: dollars6(sum((p) => p.totalTraded)),
      total_cost_shares_fp: count(sum((p) => Math.abs(p.position))),
      event_exposure_dollars: dollars6(sum((p) => p.exposure)),
      realized_pnl_dollars: dollars6(sum((p) => p.realizedPnl)),
      fees_paid_dollars: dollars6(sum((p) => p.feesPaid)),
    };
  });
}

/** Mark-to-fair value of a user's positions (YES at the fair value, NO at its complement). */
export function portfolioValue(positions: readonly SimPosition[], world: World): number {
  let micros = 0;
  for (const pos of positions) {
    const fair = world.market(pos.ticker)?.fair ?? 0;
    const price = pos.position >= 0 ? fair : ONE_DOLLAR - fair;
    micros += Math.trunc((price * Math.abs(pos.position)) / 100);
  }
  return micros;
}

export function balanceToWire(
  user: SimUser,
  positionsValue: number,
): GetBalanceResponse & Record<string, unknown> {
  return {
    balance: microsToCents(user.balance),
    balance_dollars: dollars4(user.balance),
    portfolio_value: microsToCents(positionsValue),
    updated_ts: Math.floor(user.updatedAt / 1000),
    balance_breakdown: [{ exchange_index: 0, balance: dollars4(user.balance) }],
  };
}
