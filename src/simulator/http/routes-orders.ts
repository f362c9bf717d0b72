import type { SimContext } from '../context.js';
import { SimError } from '../errors.js';
import { type OrderStatus, orderToWire } from '../exchange/orders.js';
import { count } from '../format.js';
import { queryEnum, queryInt, queryString, requireUser } from './params.js';
import type { Route } from './router.js';
import { exchangeIndex } from './routes-portfolio.js';

/**
 * Orders: each RFQ execution's two legs and the remainders resting on the book. Reads are
 * `GET /portfolio/orders[/{order_id}]`; cancels are the V2 event-order routes (SDK 3.30
 * `cancelOrderV2`, `cancelAllOrders`). The legacy `/portfolio/orders` mutations answer
 * "Please switch to the V2 endpoints" (changelog 2026-06-18).
 */
export function orderRoutes(sim: SimContext): Route[] {
  const { execution } = sim.exchange;
  const legacy = (): never => {
    throw new SimError(400, 'deprecated_endpoint', 'Please switch to the V2 endpoints');
  };
  return [
    {
      method: 'GET',
      template: '/portfolio/orders',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        const q = ctx.query;
        const minTs = queryInt(q, 'min_ts', { min: 0 });
        const maxTs = queryInt(q, 'max_ts', { min: 0 });
        const status = queryEnum(q, 'status', ['resting', 'canceled', 'executed'] as const);
        const events = queryString(q, 'event_ticker')
          ?.split(',')
          .filter((e) => e.length > 0);
        const sub = queryInt(q, 'subaccount', { min: 0, max: 63 });
        const shard = exchangeIndex(q);
        const limit = queryInt(q, 'limit', { min: 1, max: 1000, fallback: 100 }) as number;
        const cursor = queryString(q, 'cursor') ?? null;
        const page = execution.orders.list(user, {
          ...(queryString(q, 'ticker') !== undefined ? { ticker: queryString(q, 'ticker') as string } : {}),
          ...(events !== undefined ? { eventTicker: events } : {}),
          ...(status !== undefined ? { status: status as OrderStatus } : {}),
          ...(minTs !== undefined ? { minCreated: minTs * 1000 } : {}),
          ...(maxTs !== undefined ? { maxCreated: maxTs * 1000 + 999 } : {}),
          ...(sub !== undefined ? { subaccount: sub } : {}),
          cursor,
          limit,
        });
        const orders = shard === 0 ? page.items.map(orderToWire) : [];
        return { status: 200, body: { orders, cursor: shard === 0 ? page.cursor : '' } };
      },
    },
    {
      method: 'GET',
      template: '/portfolio/orders/{order_id}',
      auth: 'required',
      handler: (ctx) => {
        const order = execution.orders.get(ctx.params['order_id'] ?? '');
        if (!order || order.user !== requireUser(ctx))
          throw new SimError(404, 'not_found', 'order not found');
        return { status: 200, body: { order: orderToWire(order) } };
      },
    },
    {
      method: 'DELETE',
      template: '/portfolio/events/orders/{order_id}',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        queryInt(ctx.query, 'subaccount', { min: 0, max: 63 });
        const { order, reducedBy } = execution.cancelByUser(user, ctx.params['order_id'] ?? '');
        return {
          status: 200,
          body: {
            order_id: order.id,
            client_order_id: order.clientOrderId,
            reduced_by: count(reducedBy),
            ts_ms: sim.clock.now(),
          },
        };
      },
    },
    {
      method: 'DELETE',
      template: '/portfolio/events/orders',
      auth: 'required',
      handler: (ctx) => {
        const sub = queryInt(ctx.query, 'subaccount', { min: 0, max: 63 });
        execution.cancelAll(requireUser(ctx), sub);
        return { status: 204 };
      },
    },
    { method: 'DELETE', template: '/portfolio/orders/{order_id}', auth: 'required', handler: legacy },
  ];
}
