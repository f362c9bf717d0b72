import { type Micros, parseDollars } from '../domain/money.js';
import type { Side } from '../domain/types.js';
import type { SimContext } from './context.js';
import { SimError } from './errors.js';
import { orderToWire } from './exchange/orders.js';
import { count, dollars4 } from './format.js';
import type { RouteResult } from './http/router.js';
import { mergeTruth, TruthOptionError, type TruthOptions } from './truth.js';

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

class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

function object(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest('body must be a JSON object');
  return body as Record<string, unknown>;
}

function truthView(truth: TruthOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(TRUTH_KEYS).map(([wire, key]) => [wire, truth[key]]));
}

type Handler = (match: RegExpExecArray, body: Record<string, unknown>) => RouteResult;

/**
 * The admin routes of issue 14 (server rolls, RFQ expiry, truth settings, the book, orders),
 * apart from `admin.ts` so the two merge easily. Returns undefined for paths it does not own.
 */
export function truthAdmin(sim: SimContext) {
  const { exchange, world, accounts, truth } = sim;
  const market = (ticker: string | undefined) => {
    const m = world.market(decodeURIComponent(ticker ?? ''));
    if (!m) throw new SimError(404, 'not_found', 'market not found');
    return m;
  };
  const routes: [string, RegExp, Handler][] = [
    ['POST', /^\/_sim\/flush$/, () => ({ status: 200, body: { flushed: exchange.flushOpenQuotes() } })],
    [
      'POST',
      /^\/_sim\/rfqs\/expire$/,
      (_m, b) => {
        const id = b['rfq_id'];
        if (id === undefined) return { status: 200, body: { expired: exchange.expireAll() } };
        const rfq = typeof id === 'string' ? sim.store.rfq(id) : undefined;
        if (!rfq) throw new SimError(404, 'not_found', 'rfq not found');
        return { status: 200, body: { expired: exchange.expire(rfq) ? 1 : 0 } };
      },
    ],
    ['GET', /^\/_sim\/truth$/, () => ({ status: 200, body: truthView(truth) })],
    [
      'PATCH',
      /^\/_sim\/truth$/,
      (_m, b) => {
        const patch: Partial<Record<keyof TruthOptions, unknown>> = {};
        for (const [wire, value] of Object.entries(b)) {
          const key = TRUTH_KEYS[wire];
          if (!key)
            throw new BadRequest(
              `unknown truth setting ${wire}; known: ${Object.keys(TRUTH_KEYS).join(', ')}`,
            );
          patch[key] = value;
        }
        Object.assign(truth, mergeTruth(truth, patch as Partial<TruthOptions>));
        return { status: 200, body: truthView(truth) };
      },
    ],
    [
      'GET',
      /^\/_sim\/markets\/([^/]+)\/book$/,
      (m) => {
        const mk = market(m[1]);
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
    ],
    [
      'POST',
      /^\/_sim\/markets\/([^/]+)\/liquidity$/,
      (m, b) => {
        const mk = market(m[1]);
        const side = b['side'];
        if (side !== 'yes' && side !== 'no') throw new BadRequest('side must be yes or no');
        let price: Micros;
        try {
          price = parseDollars(b['price_dollars'], 'price_dollars');
        } catch (err) {
          throw new BadRequest((err as Error).message);
        }
        const contracts = b['contracts'];
        if (
          typeof contracts !== 'number' ||
          !(contracts > 0) ||
          !Number.isInteger(Math.round(contracts * 100))
        )
          throw new BadRequest('contracts must be a positive number');
        if (price <= 0 || price >= 1_000_000) throw new BadRequest('price_dollars must be inside (0, 1)');
        exchange.execution.sweep(mk, side, price, Math.round(contracts * 100));
        return { status: 201, body: {} };
      },
    ],
    [
      'GET',
      /^\/_sim\/users\/([^/]+)\/orders$/,
      (m) => {
        const user = accounts.find(decodeURIComponent(m[1] ?? ''));
        if (!user) throw new SimError(404, 'not_found', 'user not found');
        const page = exchange.execution.orders.list(user, { limit: 1000 });
        return { status: 200, body: { orders: page.items.map(orderToWire) } };
      },
    ],
  ];
  return (method: string, path: string, body: unknown): RouteResult | undefined => {
    for (const [m, pattern, handler] of routes) {
      if (m !== method) continue;
      const match = pattern.exec(path);
      if (!match) continue;
      try {
        return handler(match, object(body));
      } catch (err) {
        if (err instanceof BadRequest || err instanceof TruthOptionError)
          return { status: 400, body: { error: err.message } };
        if (err instanceof SimError) return { status: err.status, body: { error: err.message } };
        throw err;
      }
    }
    return undefined;
  };
}
