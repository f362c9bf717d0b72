import type { ManualClock } from '../../domain/clock.js';
import { USAGE_TIERS, type UsageTier } from '../../domain/rate-limits.js';
import type { RfqSize } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import { fillToWire, positionToWire } from '../accounts/wire.js';
import type { SimContext } from '../context.js';
import { SimError } from '../errors.js';
import { quoteToWire, rfqToWire } from '../exchange/wire.js';
import { dollars4, dollars6 } from '../format.js';
import { FaultSpecError } from './faults.js';
import {
  bodyDollars,
  bodyNumber,
  bodyObject,
  bodyString,
  ParamError,
  queryInt,
  queryString,
} from './params.js';
import { type RouteResult, Router } from './router.js';
import type { AdminHandler } from './server.js';

/** A refusal of the admin API: `{"error": "<message>"}` with its status. */
class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): AdminError => new AdminError(400, message);
const missing = (what: string): AdminError => new AdminError(404, `${what} not found`);

interface AdminContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body; `{}` when none was sent. */
  readonly body: Record<string, unknown>;
}

interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The full path, `/_sim/…`, with `{param}` segments. */
  readonly template: string;
  readonly handler: (ctx: AdminContext) => RouteResult;
}

export interface AdminExtras {
  readonly wsConnections: () => number;
  /** API requests received and not yet answered. */
  readonly requestsInFlight: () => number;
  /** Drops every websocket connection (a network blip); returns how many. */
  readonly dropWebSockets: () => number;
  readonly manualClock?: ManualClock;
}

function sizeFrom(body: Record<string, unknown>): RfqSize | undefined {
  const contracts = bodyNumber(body, 'contracts');
  const target = bodyDollars(body, 'target_cost_dollars', false, 6);
  if (contracts !== undefined && target !== undefined)
    throw bad('give contracts or target_cost_dollars, not both');
  if (contracts !== undefined) {
    if (!Number.isInteger(contracts * 100) || contracts <= 0)
      throw bad('contracts must be positive, 0.01 granularity');
    return { kind: 'contracts', contracts: Math.round(contracts * 100) };
  }
  if (target !== undefined) {
    return {
      kind: 'targetCost',
      targetCost: target,
      excludesFees: body['target_cost_excludes_fees'] === true,
    };
  }
  return undefined;
}

function tierOf(body: Record<string, unknown>): UsageTier | undefined {
  const tier = bodyString(body, 'tier', false);
  if (tier !== undefined && !USAGE_TIERS.includes(tier as UsageTier)) throw bad(`unknown tier ${tier}`);
  return tier as UsageTier | undefined;
}

/**
 * `/_sim/…`: loopback introspection and control for tests and benchmarks, on the same template
 * router and field readers as the Kalshi API. Not part of Kalshi's API: no auth, no rate
 * limits, no faults. Errors are `{"error": "<message>"}`; exchange rules (a closed RFQ, a
 * balance) keep Kalshi's error body.
 */
export function createAdminHandler(sim: SimContext, extras: AdminExtras): AdminHandler {
  const router = new Router<AdminRoute>().add(...adminRoutes(sim, extras));
  return (method, path, query, body) => {
    try {
      const match = router.match(method, path);
      if (!match) return { status: 404, body: { error: `no admin route ${method} ${path}` } };
      return match.route.handler({ params: match.params, query, body: bodyObject({ body }, true) });
    } catch (err) {
      if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
      if (err instanceof ParamError || err instanceof FaultSpecError) {
        return { status: 400, body: { error: err.message } };
      }
      if (err instanceof SimError) return { status: err.status, body: err.body() };
      if (err instanceof Error && err.name === 'AccountError')
        return { status: 400, body: { error: err.message } };
      throw err;
    }
  };
}

function adminRoutes(sim: SimContext, extras: AdminExtras): AdminRoute[] {
  const { accounts, store, exchange, faults, takers, world, ledger, counters } = sim;

  const user = (ref: string | undefined): SimUser => {
    const u = ref === undefined ? undefined : accounts.find(ref);
    if (!u) throw missing('user');
    return u;
  };

  const userView = (u: SimUser) => ({
    user_id: u.id,
    communications_id: u.communicationsId,
    key_id: u.keyId ?? null,
    label: u.label,
    internal: u.internal,
    tier: u.tier,
    balance_dollars: dollars6(u.balance),
    held_dollars: dollars6(u.held),
    open_rfqs: store.openRfqCount(u),
    open_quotes: store.quoteCount('open', u),
    accepted_quotes: store.quoteCount('accepted', u),
  });

  const rfqOf = (id: string | undefined) => {
    const rfq = store.rfq(id ?? '');
    if (!rfq) throw missing('rfq');
    return rfq;
  };

  const quoteOf = (id: string | undefined) => {
    const quote = store.quote(id ?? '');
    if (!quote) throw missing('quote');
    return quote;
  };

  const faultsView = () => ({ status: 200, body: faults.describe() });

  return [
    { method: 'GET', template: '/_sim/health', handler: () => ({ status: 200, body: { ok: true } }) },
    {
      method: 'GET',
      template: '/_sim/stats',
      handler: () => ({
        status: 200,
        body: {
          ...counters,
          open_rfqs: store.openRfqCount(),
          open_quotes: store.quoteCount('open'),
          accepted_quotes: store.quoteCount('accepted'),
          confirmed_quotes: store.quoteCount('confirmed'),
          executed_quotes: store.quoteCount('executed'),
          ws_connections: extras.wsConnections(),
          requests_in_flight: extras.requestsInFlight(),
          faults_injected: faults.injected,
          takers: { rate_per_minute: takers.ratePerMinute, pool: takers.users().length },
          now_ms: sim.clock.now(),
        },
      }),
    },
    {
      method: 'GET',
      template: '/_sim/users',
      handler: ({ query }) => {
        const internal = query.get('internal');
        return {
          status: 200,
          body: {
            users: accounts
              .all()
              .filter((u) => internal === null || String(u.internal) === internal)
              .map(userView),
          },
        };
      },
    },
    {
      method: 'POST',
      template: '/_sim/users',
      handler: ({ body }) => {
        const keyId = bodyString(body, 'key_id', false);
        const pem = bodyString(body, 'public_key_pem', false);
        if (!keyId || !pem) throw bad('key_id and public_key_pem are required');
        const tier = tierOf(body);
        const balance = bodyDollars(body, 'balance_dollars', false, 6);
        const u = accounts.register({
          keyId,
          publicKey: pem,
          ...(balance !== undefined ? { balance } : {}),
          ...(tier !== undefined ? { tier } : {}),
        });
        return { status: 201, body: userView(u) };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}',
      handler: ({ params }) => ({ status: 200, body: userView(user(params['ref'])) }),
    },
    {
      method: 'PUT',
      template: '/_sim/users/{ref}',
      handler: ({ params, body }) => {
        const u = user(params['ref']);
        const balance = bodyDollars(body, 'balance_dollars', false, 6);
        const tier = tierOf(body);
        if (balance !== undefined) accounts.setBalance(u, balance);
        if (tier !== undefined) u.tier = tier;
        return { status: 200, body: userView(u) };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/quotes',
      handler: ({ params, query }) => {
        const u = user(params['ref']);
        const status = queryString(query, 'status');
        const page = store.listQuotes({
          creatorId: u.id,
          ...(status !== undefined ? { status } : {}),
          cursor: query.get('cursor'),
          limit: queryInt(query, 'limit', { min: 1, fallback: 1000 }) ?? 1000,
        });
        return {
          status: 200,
          body: { quotes: page.items.map((x) => quoteToWire(x, u)), cursor: page.cursor },
        };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/positions',
      handler: ({ params }) => ({
        status: 200,
        body: { market_positions: ledger.positionsOf(user(params['ref'])).map(positionToWire) },
      }),
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/fills',
      handler: ({ params }) => ({
        status: 200,
        body: { fills: [...ledger.fillsOf(user(params['ref']))].reverse().map(fillToWire) },
      }),
    },
    { method: 'GET', template: '/_sim/faults', handler: faultsView },
    {
      method: 'PUT',
      template: '/_sim/faults',
      handler: ({ body }) => {
        faults.apply(bodyString(body, 'spec', false) ?? '', false);
        return faultsView();
      },
    },
    {
      method: 'PATCH',
      template: '/_sim/faults',
      handler: ({ body }) => {
        faults.apply(bodyString(body, 'spec', false) ?? '', true);
        return faultsView();
      },
    },
    {
      method: 'DELETE',
      template: '/_sim/faults',
      handler: () => {
        faults.clear();
        return faultsView();
      },
    },
    {
      method: 'POST',
      template: '/_sim/faults/storm',
      handler: ({ body }) => {
        const ms = bodyNumber(body, 'ms');
        if (ms === undefined || ms < 0) throw bad('ms (>= 0) is required');
        faults.storm(ms);
        return faultsView();
      },
    },
    {
      method: 'POST',
      template: '/_sim/rfqs',
      handler: ({ body }) => {
        const n = bodyNumber(body, 'count') ?? 1;
        if (!Number.isInteger(n) || n < 1 || n > 20_000) throw bad('count must be 1..20000');
        const ticker = bodyString(body, 'market_ticker', false);
        const size = sizeFrom(body);
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const rfq = takers.createRfq({
            ...(ticker !== undefined ? { marketTicker: ticker } : {}),
            ...(size ? { size } : {}),
            auto: body['auto'] === true,
          });
          ids.push(rfq.id);
        }
        return { status: 201, body: n === 1 ? { id: ids[0], ids } : { ids } };
      },
    },
    {
      method: 'GET',
      template: '/_sim/rfqs/{id}',
      handler: ({ params }) => {
        const rfq = rfqOf(params['id']);
        return {
          status: 200,
          body: {
            rfq: rfqToWire(rfq, rfq.creator),
            quotes: [...rfq.quoteByMaker.values()].map((x) => quoteToWire(x, rfq.creator)),
            fair_dollars: dollars6(rfq.market.fair),
          },
        };
      },
    },
    {
      method: 'POST',
      template: '/_sim/rfqs/{id}/close',
      handler: ({ params, body }) => {
        const rfq = rfqOf(params['id']);
        exchange.closeRfq(rfq, bodyString(body, 'reason', false) ?? 'closed_by_exchange', true);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      template: '/_sim/quotes/{id}',
      handler: ({ params }) => {
        const quote = quoteOf(params['id']);
        return { status: 200, body: { quote: quoteToWire(quote, quote.creator) } };
      },
    },
    {
      method: 'POST',
      template: '/_sim/quotes/{id}/accept',
      handler: ({ params, body }) => {
        const quote = quoteOf(params['id']);
        const side = bodyString(body, 'accepted_side', false);
        if (side !== undefined && side !== 'yes' && side !== 'no')
          throw bad('accepted_side must be yes or no');
        return { status: 200, body: { accepted_side: takers.accept(quote, side) } };
      },
    },
    {
      method: 'POST',
      template: '/_sim/takers',
      handler: ({ body }) => {
        const rate = bodyNumber(body, 'rate_per_minute');
        if (rate === undefined || rate < 0) throw bad('rate_per_minute (>= 0) is required');
        takers.setRate(rate);
        return { status: 200, body: { rate_per_minute: takers.ratePerMinute, pool: takers.users().length } };
      },
    },
    {
      method: 'GET',
      template: '/_sim/markets',
      handler: () => ({
        status: 200,
        body: {
          markets: world.marketOrder.map((t) => {
            const mk = world.markets.get(t)!;
            return {
              ticker: mk.ticker,
              event_ticker: mk.eventTicker,
              status: mk.status,
              fair_dollars: dollars6(mk.fair),
              high_volatility: mk.highVolatility,
              price_level_structure: mk.structure,
              fee_type: world.feeSchedule(mk.ticker).type,
              last_price_dollars: dollars4(mk.lastPrice),
            };
          }),
        },
      }),
    },
    {
      method: 'PUT',
      template: '/_sim/markets/{ticker}',
      handler: ({ params, body }) => {
        const mk = world.market(params['ticker'] ?? '');
        if (!mk) throw missing('market');
        const fair = bodyDollars(body, 'fair_dollars', false, 6);
        const status = bodyString(body, 'status', false);
        if (fair !== undefined) world.setFair(mk, fair);
        if (status !== undefined) world.setStatus(mk, status);
        return {
          status: 200,
          body: { ticker: mk.ticker, status: mk.status, fair_dollars: dollars6(mk.fair) },
        };
      },
    },
    {
      method: 'POST',
      template: '/_sim/ws/drop',
      handler: () => ({ status: 200, body: { dropped: extras.dropWebSockets() } }),
    },
    {
      method: 'POST',
      template: '/_sim/clock/advance',
      handler: ({ body }) => {
        if (!extras.manualClock) throw bad('the simulator runs on real time; start it with a ManualClock');
        const ms = bodyNumber(body, 'ms');
        if (ms === undefined || ms < 0) throw bad('ms (>= 0) is required');
        extras.manualClock.advance(ms);
        return { status: 200, body: { now_ms: extras.manualClock.now() } };
      },
    },
  ];
}
