import { type Centis, type Micros, parseCount, parseDollars } from '../../domain/money.js';
import type { Side } from '../../domain/types.js';
import type { SimContext } from '../context.js';
import { orderToWire } from '../exchange/orders.js';
import { count, dollars4 } from '../format.js';
import { mergeTruth, type TruthOptions } from '../truth.js';
import { type AdminRoute, bad, missing } from './admin-route.js';

/** Admin (snake_case) names of the truth settings. */
const TRUTH_KEYS: Readonly<Record<string, keyof TruthOptions>> = {
  book_execution: 'bookExecution',
  cross_chance: 'crossChance',
  cross_limit: 'crossLimit',
  cross_window_ms: 'crossWindowMs',
  cross_penalty_ms: 'crossPenaltyMs',
  partial_accept_share: 'partialAcceptShare',
  flushes_per_hour: 'flushesPerHour',
  retention_ms: 'retentionMs',
  obscure_share: 'obscureShare',
};

function truthView(truth: TruthOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(TRUTH_KEYS).map(([wire, key]) => [wire, truth[key]]));
}

/** A positive count given as a number or a count string (2 decimals at most). */
function positiveCount(value: unknown, name: string): Centis {
  if (typeof value !== 'number' && typeof value !== 'string') throw bad(`${name} must be a positive number`);
  let centis: Centis;
  try {
    centis = parseCount(String(value), name);
  } catch (error) {
    throw bad((error as Error).message);
  }
  if (centis <= 0) throw bad(`${name} must be a positive number`);
  return centis;
}

/**
 * The exchange-truth admin routes (issue 14): server rolls, RFQ expiry, the truth settings, a
 * market's book and synthetic liquidity, a user's orders.
 */
export function adminTruthRoutes(sim: SimContext): AdminRoute[] {
  const { exchange, world, accounts, truth } = sim;
  const market = (ticker: string | undefined) => {
    const m = world.market(ticker ?? '');
    if (!m) throw missing('market');
    return m;
  };
  return [
    {
      method: 'POST',
      template: '/_sim/flush',
      handler: () => ({ status: 200, body: { flushed: exchange.flushOpenQuotes() } }),
    },
    {
      method: 'POST',
      template: '/_sim/rfqs/expire',
      handler: ({ body }) => {
        const id = body['rfq_id'];
        if (id === undefined) return { status: 200, body: { expired: exchange.expireAll() } };
        const rfq = typeof id === 'string' ? sim.store.rfq(id) : undefined;
        if (!rfq) throw missing('rfq');
        return { status: 200, body: { expired: exchange.expire(rfq) ? 1 : 0 } };
      },
    },
    { method: 'GET', template: '/_sim/truth', handler: () => ({ status: 200, body: truthView(truth) }) },
    {
      method: 'PATCH',
      template: '/_sim/truth',
      handler: ({ body }) => {
        const patch: Partial<Record<keyof TruthOptions, unknown>> = {};
        for (const [wire, value] of Object.entries(body)) {
          const key = TRUTH_KEYS[wire];
          if (!key) throw bad(`unknown truth setting ${wire}; known: ${Object.keys(TRUTH_KEYS).join(', ')}`);
          patch[key] = value;
        }
        Object.assign(truth, mergeTruth(truth, patch as Partial<TruthOptions>));
        return { status: 200, body: truthView(truth) };
      },
    },
    {
      method: 'GET',
      template: '/_sim/markets/{ticker}/book',
      handler: ({ params }) => {
        const mk = market(params['ticker']);
        const levels = (side: Side) =>
          mk.book.levels(side).map((l) => ({ price_dollars: dollars4(l.price), count_fp: count(l.count) }));
        const resting = mk.book.entries().map((e) => ({
          order_id: e.orderId,
          user_id: e.ownerId,
          side: e.side,
          price_dollars: dollars4(e.price),
          remaining_fp: count(e.remaining),
          since_ms: e.since,
        }));
        return { status: 200, body: { yes: levels('yes'), no: levels('no'), resting } };
      },
    },
    {
      method: 'POST',
      template: '/_sim/markets/{ticker}/liquidity',
      handler: ({ params, body }) => {
        const mk = market(params['ticker']);
        const side = body['side'];
        if (side !== 'yes' && side !== 'no') throw bad('side must be yes or no');
        let price: Micros;
        try {
          price = parseDollars(body['price_dollars'], 'price_dollars');
        } catch (err) {
          throw bad((err as Error).message);
        }
        const contracts = positiveCount(body['contracts'], 'contracts');
        if (price <= 0 || price >= 1_000_000) throw bad('price_dollars must be inside (0, 1)');
        exchange.execution.sweep(mk, side, price, contracts);
        return { status: 201, body: {} };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/orders',
      handler: ({ params }) => {
        const user = accounts.find(params['ref'] ?? '');
        if (!user) throw missing('user');
        const page = exchange.execution.orders.list(user, { limit: 1000 });
        return { status: 200, body: { orders: page.items.map(orderToWire) } };
      },
    },
  ];
}
