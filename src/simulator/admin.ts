import type { ManualClock } from '../domain/clock.js';
import { parseDollars } from '../domain/money.js';
import { USAGE_TIERS, type UsageTier } from '../domain/rate-limits.js';
import type { RfqSize, Side } from '../domain/types.js';
import type { SimUser } from './accounts/accounts.js';
import { fillToWire, positionToWire } from './accounts/wire.js';
import { truthAdmin } from './admin-truth.js';
import type { SimContext } from './context.js';
import { SimError } from './errors.js';
import { quoteToWire, rfqToWire } from './exchange/wire.js';
import { dollars4, dollars6 } from './format.js';
import { FaultSpecError } from './http/faults.js';
import type { RouteResult } from './http/router.js';

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

function obj(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw bad('body must be a JSON object');
  return body as Record<string, unknown>;
}

function str(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`${name} must be a string`);
  return v;
}

function num(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${name} must be a number`);
  return v;
}

function dollarsField(body: Record<string, unknown>, name: string): number | undefined {
  const v = str(body, name);
  if (v === undefined) return undefined;
  try {
    return parseDollars(v, name);
  } catch (err) {
    throw bad((err as Error).message);
  }
}

function sizeFrom(body: Record<string, unknown>): RfqSize | undefined {
  const contracts = num(body, 'contracts');
  const target = dollarsField(body, 'target_cost_dollars');
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

export interface AdminExtras {
  readonly wsConnections: () => number;
  /** Drops every websocket connection (a network blip); returns how many. */
  readonly dropWebSockets: () => number;
  readonly manualClock?: ManualClock;
}

/**
 * `/_sim/…`: loopback introspection and control for tests and benchmarks. Not part of
 * Kalshi's API: no auth, no rate limits, no faults. Errors are `{"error": "<message>"}`.
 */
export function createAdmin(sim: SimContext, extras: AdminExtras) {
  const { accounts, store, exchange, faults, takers, world, ledger, counters } = sim;

  const user = (ref: string | undefined): SimUser => {
    const u = ref === undefined ? undefined : accounts.find(decodeURIComponent(ref));
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

  const routes: [
    string,
    RegExp,
    (m: RegExpExecArray, q: URLSearchParams, b: Record<string, unknown>) => RouteResult,
  ][] = [
    ['GET', /^\/_sim\/health$/, () => ({ status: 200, body: { ok: true } })],
    [
      'GET',
      /^\/_sim\/stats$/,
      () => ({
        status: 200,
        body: {
          ...counters,
          open_rfqs: store.openRfqCount(),
          open_quotes: store.quoteCount('open'),
          accepted_quotes: store.quoteCount('accepted'),
          confirmed_quotes: store.quoteCount('confirmed'),
          executed_quotes: store.quoteCount('executed'),
          ws_connections: extras.wsConnections(),
          faults_injected: faults.injected,
          takers: { rate_per_minute: takers.ratePerMinute, pool: takers.users().length },
          now_ms: sim.clock.now(),
        },
      }),
    ],
    [
      'GET',
      /^\/_sim\/users$/,
      (_m, q) => ({
        status: 200,
        body: {
          users: accounts
            .all()
            .filter((u) => q.get('internal') === null || String(u.internal) === q.get('internal'))
            .map(userView),
        },
      }),
    ],
    [
      'POST',
      /^\/_sim\/users$/,
      (_m, _q, b) => {
        const keyId = str(b, 'key_id');
        const pem = str(b, 'public_key_pem');
        if (!keyId || !pem) throw bad('key_id and public_key_pem are required');
        const tier = str(b, 'tier');
        if (tier !== undefined && !USAGE_TIERS.includes(tier as UsageTier)) throw bad(`unknown tier ${tier}`);
        const balance = dollarsField(b, 'balance_dollars');
        const u = accounts.register({
          keyId,
          publicKey: pem,
          ...(balance !== undefined ? { balance } : {}),
          ...(tier !== undefined ? { tier: tier as UsageTier } : {}),
        });
        return { status: 201, body: userView(u) };
      },
    ],
    ['GET', /^\/_sim\/users\/([^/]+)$/, (m) => ({ status: 200, body: userView(user(m[1])) })],
    [
      'PUT',
      /^\/_sim\/users\/([^/]+)$/,
      (m, _q, b) => {
        const u = user(m[1]);
        const balance = dollarsField(b, 'balance_dollars');
        const tier = str(b, 'tier');
        if (tier !== undefined && !USAGE_TIERS.includes(tier as UsageTier)) throw bad(`unknown tier ${tier}`);
        if (balance !== undefined) accounts.setBalance(u, balance);
        if (tier !== undefined) u.tier = tier as UsageTier;
        return { status: 200, body: userView(u) };
      },
    ],
    [
      'GET',
      /^\/_sim\/users\/([^/]+)\/quotes$/,
      (m, q) => {
        const u = user(m[1]);
        const page = store.listQuotes({
          creatorId: u.id,
          ...(q.get('status') ? { status: q.get('status') as string } : {}),
          cursor: q.get('cursor'),
          limit: Number(q.get('limit') ?? 1000),
        });
        return {
          status: 200,
          body: { quotes: page.items.map((x) => quoteToWire(x, u)), cursor: page.cursor },
        };
      },
    ],
    [
      'GET',
      /^\/_sim\/users\/([^/]+)\/positions$/,
      (m) => ({
        status: 200,
        body: { market_positions: ledger.positionsOf(user(m[1])).map(positionToWire) },
      }),
    ],
    [
      'GET',
      /^\/_sim\/users\/([^/]+)\/fills$/,
      (m) => ({ status: 200, body: { fills: [...ledger.fillsOf(user(m[1]))].reverse().map(fillToWire) } }),
    ],
    ['GET', /^\/_sim\/faults$/, () => ({ status: 200, body: faults.describe() })],
    [
      'PUT',
      /^\/_sim\/faults$/,
      (_m, _q, b) => {
        faults.apply(str(b, 'spec') ?? '', false);
        return { status: 200, body: faults.describe() };
      },
    ],
    [
      'PATCH',
      /^\/_sim\/faults$/,
      (_m, _q, b) => {
        faults.apply(str(b, 'spec') ?? '', true);
        return { status: 200, body: faults.describe() };
      },
    ],
    [
      'DELETE',
      /^\/_sim\/faults$/,
      () => {
        faults.clear();
        return { status: 200, body: faults.describe() };
      },
    ],
    [
      'POST',
      /^\/_sim\/faults\/storm$/,
      (_m, _q, b) => {
        const ms = num(b, 'ms');
        if (ms === undefined || ms < 0) throw bad('ms (>= 0) is required');
        faults.storm(ms);
        return { status: 200, body: faults.describe() };
      },
    ],
    [
      'POST',
      /^\/_sim\/rfqs$/,
      (_m, _q, b) => {
        const n = num(b, 'count') ?? 1;
        if (!Number.isInteger(n) || n < 1 || n > 20_000) throw bad('count must be 1..20000');
        const ticker = str(b, 'market_ticker');
        const size = sizeFrom(b);
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const rfq = takers.createRfq({
            ...(ticker !== undefined ? { marketTicker: ticker } : {}),
            ...(size ? { size } : {}),
            auto: b['auto'] === true,
          });
          ids.push(rfq.id);
        }
        return { status: 201, body: n === 1 ? { id: ids[0], ids } : { ids } };
      },
    ],
    [
      'GET',
      /^\/_sim\/rfqs\/([^/]+)$/,
      (m) => {
        const rfq = store.rfq(m[1] ?? '');
        if (!rfq) throw missing('rfq');
        return {
          status: 200,
          body: {
            rfq: rfqToWire(rfq, rfq.creator),
            quotes: [...rfq.quoteByMaker.values()].map((x) => quoteToWire(x, rfq.creator)),
            fair_dollars: dollars6(rfq.market.fair),
          },
        };
      },
    ],
    [
      'POST',
      /^\/_sim\/rfqs\/([^/]+)\/close$/,
      (m, _q, b) => {
        const rfq = store.rfq(m[1] ?? '');
        if (!rfq) throw missing('rfq');
        exchange.closeRfq(rfq, str(b, 'reason') ?? 'closed_by_exchange', true);
        return { status: 204 };
      },
    ],
    [
      'GET',
      /^\/_sim\/quotes\/([^/]+)$/,
      (m) => {
        const quote = store.quote(m[1] ?? '');
        if (!quote) throw missing('quote');
        return { status: 200, body: { quote: quoteToWire(quote, quote.creator) } };
      },
    ],
    [
      'POST',
      /^\/_sim\/quotes\/([^/]+)\/accept$/,
      (m, _q, b) => {
        const quote = store.quote(m[1] ?? '');
        if (!quote) throw missing('quote');
        const side = str(b, 'accepted_side');
        if (side !== undefined && side !== 'yes' && side !== 'no')
          throw bad('accepted_side must be yes or no');
        const contracts = num(b, 'contracts');
        if (contracts !== undefined && !(contracts > 0 && Number.isInteger(Math.round(contracts * 100))))
          throw bad('contracts must be positive');
        const centis = contracts === undefined ? undefined : Math.round(contracts * 100);
        const chosen = takers.accept(quote, side as Side | undefined, centis);
        return { status: 200, body: { accepted_side: chosen } };
      },
    ],
    [
      'POST',
      /^\/_sim\/takers$/,
      (_m, _q, b) => {
        const rate = num(b, 'rate_per_minute');
        if (rate === undefined || rate < 0) throw bad('rate_per_minute (>= 0) is required');
        takers.setRate(rate);
        return { status: 200, body: { rate_per_minute: takers.ratePerMinute, pool: takers.users().length } };
      },
    ],
    [
      'GET',
      /^\/_sim\/markets$/,
      () => ({
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
    ],
    [
      'PUT',
      /^\/_sim\/markets\/([^/]+)$/,
      (m, _q, b) => {
        const mk = world.market(decodeURIComponent(m[1] ?? ''));
        if (!mk) throw missing('market');
        const fair = dollarsField(b, 'fair_dollars');
        const status = str(b, 'status');
        if (fair !== undefined) world.setFair(mk, fair);
        if (status !== undefined) world.setStatus(mk, status);
        return {
          status: 200,
          body: { ticker: mk.ticker, status: mk.status, fair_dollars: dollars6(mk.fair) },
        };
      },
    ],
    ['POST', /^\/_sim\/ws\/drop$/, () => ({ status: 200, body: { dropped: extras.dropWebSockets() } })],
    [
      'POST',
      /^\/_sim\/clock\/advance$/,
      (_m, _q, b) => {
        if (!extras.manualClock) throw bad('the simulator runs on real time; start it with a ManualClock');
        const ms = num(b, 'ms');
        if (ms === undefined || ms < 0) throw bad('ms (>= 0) is required');
        extras.manualClock.advance(ms);
        return { status: 200, body: { now_ms: extras.manualClock.now() } };
      },
    ],
  ];

  const truthRoutes = truthAdmin(sim);
  return (method: string, path: string, query: URLSearchParams, body: unknown): RouteResult => {
    const handled = truthRoutes(method, path, body);
    if (handled) return handled;
    try {
      for (const [m, pattern, handler] of routes) {
        if (m !== method) continue;
        const match = pattern.exec(path);
        if (match) return handler(match, query, obj(body));
      }
      return { status: 404, body: { error: `no admin route ${method} ${path}` } };
    } catch (err) {
      if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
      if (err instanceof FaultSpecError) return { status: 400, body: { error: err.message } };
      // exchange rules (closed RFQ, balance, ...) keep Kalshi's error body
      if (err instanceof SimError) return { status: err.status, body: err.body() };
      if (err instanceof Error && err.name === 'AccountError')
        return { status: 400, body: { error: err.message } };
      throw err;
    }
  };
}
