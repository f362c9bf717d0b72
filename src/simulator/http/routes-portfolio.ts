import { parseTimestamp } from '../../domain/time.js';
import { API_PREFIX } from '../../kalshi/wire.js';
import {
  balanceToWire,
  eventPositionsToWire,
  fillToWire,
  portfolioValue,
  positionToWire,
} from '../accounts/wire.js';
import type { SimContext } from '../context.js';
import { invalidParameters, requireUuid } from '../errors.js';
import { decodeCursor, encodeCursor } from '../exchange/index-store.js';
import { bodyInt, bodyObject, bodyString, queryEnum, queryInt, queryString, requireUser } from './params.js';
import type { Route } from './router.js';

/**
 * `exchange_index` (changelog 2026-08-20): every simulated market is on instance 0, so another
 * index filters everything out; omitted means all (0 here).
 */
export function exchangeIndex(query: URLSearchParams): number {
  return queryInt(query, 'exchange_index', { min: 0, max: 1000 }) ?? 0;
}

/** Balance, positions, fills, account limits and costs, and block-trade proposals. */
export function portfolioRoutes(sim: SimContext): Route[] {
  const { ledger, world, limiter, blockTrades } = sim;
  return [
    {
      method: 'GET',
      template: '/portfolio/balance',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        queryInt(ctx.query, 'subaccount', { min: 0, max: 63 });
        return { status: 200, body: balanceToWire(user, portfolioValue(ledger.positionsOf(user), world)) };
      },
    },
    {
      method: 'GET',
      template: '/portfolio/positions',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        const q = ctx.query;
        const ticker = queryString(q, 'ticker');
        const eventTicker = queryString(q, 'event_ticker');
        const filters = (queryString(q, 'count_filter') ?? '').split(',').filter((s) => s.length > 0);
        for (const f of filters) {
          if (f !== 'position' && f !== 'total_traded') throw invalidParameters(`unknown count_filter ${f}`);
        }
        queryInt(q, 'subaccount', { min: 0, max: 63 });
        const shard = exchangeIndex(q);
        const limit = queryInt(q, 'limit', { min: 1, max: 1000, fallback: 100 }) as number;
        const all = ledger
          .positionsOf(user)
          .filter(
            (p) =>
              shard === 0 &&
              (ticker === undefined || p.ticker === ticker) &&
              (eventTicker === undefined || p.eventTicker === eventTicker) &&
              (filters.length === 0 ||
                (filters.includes('position') && p.position !== 0) ||
                (filters.includes('total_traded') && p.totalTraded !== 0)),
          );
        const start = decodeCursor('positions', queryString(q, 'cursor')) ?? 0;
        const page = all.slice(start, start + limit);
        return {
          status: 200,
          body: {
            market_positions: page.map(positionToWire),
            event_positions: eventPositionsToWire(page),
            cursor: start + limit < all.length ? encodeCursor('positions', start + limit) : '',
          },
        };
      },
    },
    {
      method: 'GET',
      template: '/portfolio/fills',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        const q = ctx.query;
        const ticker = queryString(q, 'ticker');
        const orderId = queryString(q, 'order_id');
        const minTs = queryInt(q, 'min_ts', { min: 0 });
        const maxTs = queryInt(q, 'max_ts', { min: 0 });
        const sub = queryInt(q, 'subaccount', { min: 0, max: 63 });
        const shard = exchangeIndex(q);
        const limit = queryInt(q, 'limit', { min: 1, max: 1000, fallback: 100 }) as number;
        const before = decodeCursor('fills', queryString(q, 'cursor')) ?? Number.MAX_SAFE_INTEGER;
        const fills = ledger.fillsOf(user);
        const page = [];
        let cursor = '';
        for (let i = fills.length - 1; i >= 0; i--) {
          const f = fills[i]!;
          if (f.seq >= before) continue;
          const keep =
            shard === 0 &&
            (ticker === undefined || f.ticker === ticker) &&
            (orderId === undefined || f.orderId === orderId) &&
            (minTs === undefined || f.createdAt >= minTs * 1000) &&
            (maxTs === undefined || f.createdAt <= maxTs * 1000 + 999) &&
            (sub === undefined || f.subaccount === sub);
          if (!keep) continue;
          if (page.length === limit) {
            cursor = encodeCursor('fills', page[page.length - 1]!.seq);
            break;
          }
          page.push(f);
        }
        return { status: 200, body: { fills: page.map(fillToWire), cursor } };
      },
    },
    {
      method: 'GET',
      template: '/account/limits',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        const limits = limiter.limitsFor(user);
        return {
          status: 200,
          body: {
            usage_tier: user.tier,
            read: { refill_rate: limits.read.refillRate, bucket_capacity: limits.read.capacity },
            write: { refill_rate: limits.write.refillRate, bucket_capacity: limits.write.capacity },
            grants: [],
          },
        };
      },
    },
    {
      method: 'GET',
      template: '/account/endpoint_costs',
      auth: 'optional',
      handler: () => ({
        status: 200,
        body: {
          default_cost: limiter.defaultCost,
          endpoint_costs: Object.entries(limiter.costs)
            .filter(([, cost]) => cost !== limiter.defaultCost)
            .map(([key, cost]) => {
              const [method = '', path = ''] = key.split(' ');
              return { method, path: `${API_PREFIX}${path}`, cost };
            }),
        },
      }),
    },
    {
      method: 'GET',
      template: '/communications/block-trade-proposals',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        const q = ctx.query;
        const page = blockTrades.list(user, {
          ...(queryString(q, 'market_ticker') !== undefined
            ? { market: queryString(q, 'market_ticker') as string }
            : {}),
          ...(queryEnum(q, 'status', ['pending', 'executed', 'expired'] as const) !== undefined
            ? { status: queryString(q, 'status') as string }
            : {}),
          cursor: queryString(q, 'cursor') ?? null,
          limit: queryInt(q, 'limit', { min: 1, max: 1000, fallback: 100 }) as number,
        });
        return {
          status: 200,
          body: {
            block_trade_proposals: page.items.map((p) => blockTrades.toWire(p, user)),
            cursor: page.cursor,
          },
        };
      },
    },
    {
      method: 'POST',
      template: '/communications/block-trade-proposals',
      auth: 'required',
      jsonBody: true,
      handler: (ctx) => {
        const user = requireUser(ctx);
        const body = bodyObject(ctx);
        const expiration = bodyString(body, 'expiration_ts', true) as string;
        let expiresAt: number;
        try {
          expiresAt = parseTimestamp(expiration, 'expiration_ts');
        } catch {
          throw invalidParameters('expiration_ts must be an RFC 3339 timestamp');
        }
        const p = blockTrades.propose(user, {
          buyerId: requireUuid(bodyString(body, 'buyer_user_id', true), 'buyer_user_id'),
          sellerId: requireUuid(bodyString(body, 'seller_user_id', true), 'seller_user_id'),
          marketTicker: bodyString(body, 'market_ticker', true) as string,
          priceCentiCents: bodyInt(body, 'price_centi_cents') ?? 0,
          centicount: bodyInt(body, 'centicount') ?? 0,
          makerSide: bodyString(body, 'maker_side', true) as string,
          expiresAt,
        });
        return { status: 201, body: { block_trade_proposal_id: p.id } };
      },
    },
    {
      method: 'POST',
      template: '/communications/block-trade-proposals/{block_trade_proposal_id}/accept',
      auth: 'required',
      jsonBody: true,
      handler: (ctx) => {
        const user = requireUser(ctx);
        bodyObject(ctx);
        blockTrades.accept(
          user,
          requireUuid(ctx.params['block_trade_proposal_id'], 'block_trade_proposal_id'),
        );
        return { status: 204 };
      },
    },
  ];
}
