import type { ManualClock } from '../../domain/clock.js';
import { type Centis, parseCount } from '../../domain/money.js';
import type { RfqSize } from '../../domain/types.js';
import type { SimContext } from '../context.js';
import { SimError } from '../errors.js';
import { quoteToWire, rfqToWire } from '../exchange/wire.js';
import { dollars4, dollars6 } from '../format.js';
import { TruthOptionError } from '../truth.js';
import { AdminError, type AdminRoute, bad, missing } from './admin-route.js';
import { FaultSpecError } from './faults.js';
import { bodyDollars, bodyNumber, bodyObject, bodyString, ParamError } from './params.js';
import { Router } from './router.js';
import { adminTruthRoutes } from './routes-admin-truth.js';
import { adminUserRoutes } from './routes-admin-users.js';
import type { AdminHandler } from './server.js';

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

/**
 * `/_sim/…`: loopback introspection and control for tests and benchmarks, on the same template
 * router and field readers as the Kalshi API. Not part of Kalshi's API: no auth, no rate
 * limits, no faults. Errors are `{"error": "<message>"}`; exchange rules (a closed RFQ, a
 * balance) keep Kalshi's error body.
 */
export function createAdminHandler(sim: SimContext, extras: AdminExtras): AdminHandler {
  const router = new Router<AdminRoute>().add(
    ...adminUserRoutes(sim),
    ...adminTruthRoutes(sim),
    ...adminRoutes(sim, extras),
  );
  return (method, path, query, body) => {
    try {
      const match = router.match(method, path);
      if (!match) return { status: 404, body: { error: `no admin route ${method} ${path}` } };
      return match.route.handler({ params: match.params, query, body: bodyObject({ body }, true) });
    } catch (err) {
      if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
      if (err instanceof ParamError || err instanceof FaultSpecError || err instanceof TruthOptionError) {
        return { status: 400, body: { error: err.message } };
      }
      if (err instanceof SimError) return { status: err.status, body: err.body() };
      if (err instanceof Error && err.name === 'AccountError')
        return { status: 400, body: { error: err.message } };
      throw err;
    }
  };
}

/** A partial accept's size: `contracts` as a number or a count string (2 decimals at most). */
function acceptedContracts(body: Record<string, unknown>): Centis | undefined {
  const value = body['contracts'];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' && typeof value !== 'string') throw bad('contracts must be a count');
  let centis: Centis;
  try {
    centis = parseCount(String(value), 'contracts');
  } catch (error) {
    throw bad((error as Error).message);
  }
  if (centis <= 0) throw bad('contracts must be positive');
  return centis;
}

/** Exchange state and control: stats, faults, RFQs, quotes, takers, markets, websockets, the clock. */
function adminRoutes(sim: SimContext, extras: AdminExtras): AdminRoute[] {
  const { store, exchange, faults, takers, world, counters } = sim;

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
        const contracts = acceptedContracts(body);
        return { status: 200, body: { accepted_side: takers.accept(quote, side, contracts) } };
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
