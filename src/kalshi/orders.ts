/**
 * Our orders: a quote's leg after execution, and the remainder of it that rests on the book when
 * the quote was sent with `rest_remainder`. Reads are `GET /portfolio/orders[/{order_id}]`; the
 * cancel is the V2 route `DELETE /portfolio/events/orders/{order_id}` (the legacy one answers
 * `deprecated_endpoint`, changelog 2026-06-18).
 */
import type { EpochMs, Order, OrderStatus } from '../domain/types.js';
import type { ListOptions } from './communications.js';
import { ENDPOINTS } from './endpoints.js';
import { NotFoundError } from './errors.js';
import { type Page, readCursor, SIDES } from './mappers.js';
import { paginate } from './pagination.js';
import { checkLimit, checkSubaccount, pageCheck, requireId, toUnixSeconds } from './requests.js';
import { isRetryableIdempotent } from './retry.js';
import type { CallOptions, Transport } from './transport.js';
import { compact, knownFields, type UnknownReporter, WireFieldError, WireReader } from './wire-reader.js';

export const ORDER_STATUSES: readonly OrderStatus[] = ['resting', 'canceled', 'executed'];

// biome-ignore format: a field list
const ORDER_FIELDS = knownFields([
  'order_id', 'user_id', 'client_order_id', 'ticker', 'side', 'action', 'outcome_side', 'book_side', 'type',
  'status', 'yes_price_dollars', 'no_price_dollars', 'fill_count_fp', 'remaining_count_fp',
  'initial_count_fp', 'taker_fill_cost_dollars', 'maker_fill_cost_dollars', 'taker_fees_dollars',
  'maker_fees_dollars', 'expiration_time', 'created_time', 'last_update_time', 'self_trade_prevention_type',
  'order_group_id', 'cancel_order_on_pause', 'subaccount_number', 'exchange_index',
]);
const CANCEL_FIELDS = knownFields(['order_id', 'client_order_id', 'reduced_by', 'ts_ms']);

export interface OrderFilter {
  readonly ticker?: string | undefined;
  readonly status?: OrderStatus | undefined;
  /** Created at or after, epoch ms (sent as Unix seconds, rounded down). */
  readonly minTs?: EpochMs | undefined;
  readonly maxTs?: EpochMs | undefined;
  readonly subaccount?: number | undefined;
  /** Page size, 1–1000. @default 100 (the exchange's) */
  readonly limit?: number | undefined;
}

export type CancelOrderResult =
  | { readonly outcome: 'cancelled'; readonly reducedBy: number }
  /** Not resting any more (filled, cancelled) or unknown: nothing is left to cancel. */
  | { readonly outcome: 'not_found' };

export function mapOrder(r: WireReader): Order {
  const outcome = r.has('outcome_side') ? r.closedEnum('outcome_side', SIDES) : undefined;
  const side = outcome ?? (r.has('side') ? r.closedEnum('side', SIDES) : undefined);
  // An order we cannot put on a side would corrupt exposure: refuse it.
  if (side === undefined) throw new WireFieldError('is missing', r.field('outcome_side'));
  const yesPrice = r.dollars('yes_price_dollars');
  const clientOrderId = r.optStr('client_order_id');
  return compact<Order>({
    orderId: r.str('order_id'),
    clientOrderId: clientOrderId === '' ? undefined : clientOrderId,
    ticker: r.str('ticker'),
    side,
    status: r.openEnum('status', ORDER_STATUSES),
    price: side === 'yes' ? yesPrice : r.dollars('no_price_dollars'),
    filled: r.count('fill_count_fp'),
    remaining: r.count('remaining_count_fp'),
    initial: r.count('initial_count_fp'),
    createdAt: r.optTs('created_time'),
    updatedAt: r.optTs('last_update_time'),
    extra: r.extra(),
  });
}

export function parseOrdersPage(json: unknown, reporter: UnknownReporter): Page<Order> {
  const r = WireReader.of('get_orders_response', json, '', knownFields(['orders', 'cursor']), reporter);
  return compact<Page<Order>>({
    items: r.objects('orders', 'order', ORDER_FIELDS).map(mapOrder),
    cursor: readCursor(r),
  });
}

export function parseOrderResponse(json: unknown, reporter: UnknownReporter): Order {
  const r = WireReader.of('get_order_response', json, '', knownFields(['order']), reporter);
  return mapOrder(r.object('order', 'order', ORDER_FIELDS));
}

function parseCancel(json: unknown, reporter: UnknownReporter): CancelOrderResult {
  const r = WireReader.of('cancel_order_response', json, '', CANCEL_FIELDS, reporter);
  return { outcome: 'cancelled', reducedBy: r.has('reduced_by') ? r.count('reduced_by') : 0 };
}

export function getOrder(t: Transport, orderId: string, call?: CallOptions): Promise<Order> {
  requireId(ENDPOINTS.get_order.name, 'orderId', orderId);
  return t.read({
    endpoint: ENDPOINTS.get_order,
    pathParams: { order_id: orderId },
    call,
    parse: parseOrderResponse,
  });
}

function orderQuery(filter: OrderFilter, cursor: string | undefined) {
  const name = ENDPOINTS.get_orders.name;
  return {
    cursor,
    ticker: filter.ticker,
    status: filter.status,
    min_ts: toUnixSeconds(filter.minTs, 'min'),
    max_ts: toUnixSeconds(filter.maxTs, 'max'),
    subaccount: checkSubaccount(name, filter.subaccount),
    limit: checkLimit(name, filter.limit, 1000),
  };
}

export function ordersPage(
  t: Transport,
  filter: OrderFilter = {},
  cursor?: string,
  call?: CallOptions,
): Promise<Page<Order>> {
  return t.read({
    endpoint: ENDPOINTS.get_orders,
    query: orderQuery(filter, cursor),
    call,
    parse: parseOrdersPage,
    page: pageCheck(filter.limit, 1000),
  });
}

export function orders(
  t: Transport,
  filter: OrderFilter = {},
  opts: ListOptions = {},
): AsyncGenerator<Order, void, undefined> {
  orderQuery(filter, undefined);
  return paginate(ENDPOINTS.get_orders.name, (c) => ordersPage(t, filter, c, opts), t.options.logger, {
    ...t.options.pagination,
    ...opts,
  });
}

/** Cancels a resting order (retried like a delete: cancelling twice is harmless). */
export async function cancelOrder(
  t: Transport,
  orderId: string,
  call?: CallOptions,
): Promise<CancelOrderResult> {
  requireId(ENDPOINTS.cancel_order.name, 'orderId', orderId);
  const { retry } = t.options;
  try {
    return await t.retrying(
      {
        endpoint: ENDPOINTS.cancel_order,
        pathParams: { order_id: orderId },
        call,
        parse: parseCancel,
      },
      {
        attempts: retry.writeAttempts,
        shouldRetry: isRetryableIdempotent,
        baseDelayMs: retry.baseDelayMs,
        maxDelayMs: retry.maxDelayMs,
      },
    );
  } catch (error) {
    if (error instanceof NotFoundError) return { outcome: 'not_found' };
    throw error;
  }
}
