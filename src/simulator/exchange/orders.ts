import { type Centis, type Micros, ONE_DOLLAR } from '../../domain/money.js';
import type { EpochMs, Side } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import { count, dollars4, dollars6, timestamp } from '../format.js';
import type { SimMarket } from '../world/world.js';
import { IndexMap, type Page, pageFrom } from './index-store.js';

/** Kalshi's order statuses (SDK `OrderStatus`). */
export type OrderStatus = 'resting' | 'canceled' | 'executed';

/** An order on the book: each leg of an RFQ execution, and a resting remainder. */
export interface SimOrder {
  readonly seq: number;
  readonly id: string;
  readonly clientOrderId: string;
  readonly user: SimUser;
  readonly market: SimMarket;
  /** The outcome bought; `price` is the bid for it. */
  readonly side: Side;
  readonly price: Micros;
  readonly initial: Centis;
  readonly subaccount: number;
  readonly postOnly: boolean;
  readonly createdAt: EpochMs;
  filled: Centis;
  remaining: Centis;
  status: OrderStatus;
  updatedAt: EpochMs;
  takerFillCost: Micros;
  makerFillCost: Micros;
  takerFees: Micros;
  makerFees: Micros;
  /** Funds held from the balance for the resting remainder. */
  hold: Micros;
}

export interface OrderQuery {
  readonly ticker?: string;
  readonly eventTicker?: readonly string[];
  readonly status?: OrderStatus;
  /** Bounds on the creation time, epoch ms inclusive. */
  readonly minCreated?: EpochMs;
  readonly maxCreated?: EpochMs;
  readonly subaccount?: number;
  readonly cursor?: string | null;
  readonly limit: number;
}

/** Every order, indexed by user (newest first, cursor pages). */
export class OrderStore {
  private readonly bySeq = new Map<number, SimOrder>();
  private readonly byId = new Map<string, SimOrder>();
  private readonly index = new IndexMap();
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  add(order: SimOrder): void {
    this.bySeq.set(order.seq, order);
    this.byId.set(order.id, order);
    this.index.add(`u:${order.user.id}`, order.seq);
  }

  get(id: string): SimOrder | undefined {
    return this.byId.get(id);
  }

  list(user: SimUser, query: OrderQuery): Page<SimOrder> {
    return pageFrom(
      'orders',
      this.index.get(`u:${user.id}`),
      query.cursor,
      query.limit,
      (seq) => this.bySeq.get(seq),
      (o) =>
        (query.ticker === undefined || o.market.ticker === query.ticker) &&
        (query.eventTicker === undefined || query.eventTicker.includes(o.market.eventTicker)) &&
        (query.status === undefined || o.status === query.status) &&
        (query.minCreated === undefined || o.createdAt >= query.minCreated) &&
        (query.maxCreated === undefined || o.createdAt <= query.maxCreated) &&
        (query.subaccount === undefined || o.subaccount === query.subaccount),
    );
  }

  /** A user's resting orders, oldest first. */
  resting(user: SimUser): SimOrder[] {
    const out: SimOrder[] = [];
    for (const seq of this.index.get(`u:${user.id}`)?.descending(Number.MAX_SAFE_INTEGER) ?? []) {
      const o = this.bySeq.get(seq);
      if (o?.status === 'resting') out.push(o);
    }
    return out.reverse();
  }
}

/** An order as the SDK's `Order` model has it (every field; the order is always a buy). */
export function orderToWire(order: SimOrder): Record<string, unknown> {
  const yesPrice = order.side === 'yes' ? order.price : ONE_DOLLAR - order.price;
  return {
    order_id: order.id,
    user_id: order.user.id,
    client_order_id: order.clientOrderId,
    ticker: order.market.ticker,
    side: order.side,
    action: 'buy',
    outcome_side: order.side,
    book_side: order.side === 'yes' ? 'bid' : 'ask',
    type: 'limit',
    status: order.status,
    yes_price_dollars: dollars4(yesPrice),
    no_price_dollars: dollars4(ONE_DOLLAR - yesPrice),
    fill_count_fp: count(order.filled),
    remaining_count_fp: count(order.remaining),
    initial_count_fp: count(order.initial),
    taker_fill_cost_dollars: dollars6(order.takerFillCost),
    maker_fill_cost_dollars: dollars6(order.makerFillCost),
    taker_fees_dollars: dollars6(order.takerFees),
    maker_fees_dollars: dollars6(order.makerFees),
    expiration_time: null,
    created_time: timestamp(order.createdAt),
    last_update_time: timestamp(order.updatedAt),
    // the execution engine cancels a user's own resting order that a new order would cross
    self_trade_prevention_type: 'maker',
    order_group_id: null,
    cancel_order_on_pause: false,
    subaccount_number: order.subaccount,
    exchange_index: 0,
  };
}
