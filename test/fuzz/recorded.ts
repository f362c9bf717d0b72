/**
 * Real responses recorded from the simulator (every endpoint the bot parses), each with the
 * client call that parses it and an oracle that checks every money and size field of the
 * result against the body it came from: exact decimal values, computed independently here.
 */
import type { KalshiClient } from '../../src/kalshi/index.js';
import { type SimTestUser, startTestSimulator, type TestSimulator, waitFor } from '../helpers/simulator.js';

type Json = Record<string, unknown>;

export interface Recorded {
  readonly name: string;
  readonly status: number;
  readonly body: unknown;
  /** The client call whose response this is. */
  readonly call: (client: KalshiClient) => Promise<unknown>;
  /** Problems with `out` as a reading of `wire` (the body actually served). */
  readonly check: (out: unknown, wire: unknown) => string[];
}

/** The exact value of a decimal string in units of 10^-scale, or undefined when it is not one. */
export function exactDecimal(value: unknown, scale: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return undefined;
  const [, minus = '', whole = '', frac = ''] = match;
  if (/[^0]/.test(frac.slice(scale))) return undefined;
  const units = BigInt(whole) * 10n ** BigInt(scale) + BigInt(frac.slice(0, scale).padEnd(scale, '0') || '0');
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const n = Number(units);
  return minus && n !== 0 ? -n : n;
}

const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Collects mismatches between mapped numbers and their wire decimals. */
class Oracle {
  readonly problems: string[] = [];

  /** `out` must be the exact value of `wire` at `scale` decimals (6 dollars, 2 counts). */
  decimal(label: string, out: unknown, wire: unknown, scale: number): void {
    if (out === undefined && (wire === undefined || wire === null)) return;
    const expected = exactDecimal(wire, scale);
    if (typeof out !== 'number' || !Number.isSafeInteger(out)) {
      this.problems.push(
        `${label}: mapped to ${String(out)}, not a safe integer (wire ${JSON.stringify(wire)})`,
      );
    } else if (expected === undefined) {
      this.problems.push(
        `${label}: wire ${JSON.stringify(wire)} is not an exact decimal, yet mapped to ${out}`,
      );
    } else if (expected !== out) {
      this.problems.push(`${label}: wire ${JSON.stringify(wire)} mapped to ${out}, expected ${expected}`);
    }
  }

  /** A timestamp: the instant the wire string names, or nothing. */
  time(label: string, out: unknown, wire: unknown): void {
    if (out === undefined) return;
    const expected = typeof wire === 'string' ? Date.parse(wire) : Number.NaN;
    if (out !== expected)
      this.problems.push(`${label}: wire ${JSON.stringify(wire)} mapped to ${String(out)}`);
  }

  /** A JSON number taken as is. */
  number(label: string, out: unknown, wire: unknown): void {
    if (out !== wire || typeof out !== 'number' || !Number.isFinite(out)) {
      this.problems.push(`${label}: wire ${JSON.stringify(wire)} mapped to ${String(out)}`);
    }
  }

  same(label: string, out: unknown, wire: unknown): void {
    if (out !== undefined && out !== wire) {
      this.problems.push(`${label}: wire ${JSON.stringify(wire)} mapped to ${JSON.stringify(out)}`);
    }
  }
}

function checkQuote(o: Oracle, at: string, out: Json, wire: Json): void {
  o.same(`${at}.id`, out['id'], wire['id']);
  o.same(`${at}.status`, out['status'], wire['status']);
  o.decimal(`${at}.yesBid`, out['yesBid'], wire['yes_bid_dollars'], 6);
  o.decimal(`${at}.noBid`, out['noBid'], wire['no_bid_dollars'], 6);
  o.decimal(`${at}.contracts`, out['contracts'], wire['contracts_fp'], 2);
  o.decimal(`${at}.yesContracts`, out['yesContracts'], wire['yes_contracts_fp'], 2);
  o.decimal(`${at}.noContracts`, out['noContracts'], wire['no_contracts_fp'], 2);
  o.decimal(`${at}.rfqTargetCost`, out['rfqTargetCost'], wire['rfq_target_cost_dollars'], 6);
  o.time(`${at}.createdAt`, out['createdAt'], wire['created_ts']);
  o.time(`${at}.acceptedAt`, out['acceptedAt'], wire['accepted_ts']);
  if (out['acceptedSide'] !== undefined) {
    o.same(`${at}.acceptedSide`, out['acceptedSide'], wire['accepted_side']);
    if (out['acceptedSide'] !== 'yes' && out['acceptedSide'] !== 'no')
      o.problems.push(`${at}.acceptedSide guessed`);
  }
}

function checkRfq(o: Oracle, at: string, out: Json, wire: Json): void {
  o.same(`${at}.id`, out['id'], wire['id']);
  const size = obj(out['size']);
  if (size['kind'] === 'targetCost')
    o.decimal(`${at}.targetCost`, size['targetCost'], wire['target_cost_dollars'], 6);
  else if (size['kind'] === 'contracts')
    o.decimal(`${at}.contracts`, size['contracts'], wire['contracts_fp'], 2);
  else o.problems.push(`${at}.size has kind ${String(size['kind'])}`);
}

function checkMarket(o: Oracle, at: string, out: Json, wire: Json): void {
  for (const [key, field] of [
    ['yesBid', 'yes_bid_dollars'],
    ['yesAsk', 'yes_ask_dollars'],
    ['noBid', 'no_bid_dollars'],
    ['noAsk', 'no_ask_dollars'],
    ['lastPrice', 'last_price_dollars'],
  ] as const) {
    o.decimal(`${at}.${key}`, out[key], wire[field], 6);
  }
  o.decimal(`${at}.volume`, out['volume'], wire['volume_fp'], 2);
  o.decimal(`${at}.openInterest`, out['openInterest'], wire['open_interest_fp'], 2);
  const bands = arr(wire['price_ranges']).map((b) => ({
    start: exactDecimal(obj(b)['start'], 6),
    end: exactDecimal(obj(b)['end'], 6),
    step: exactDecimal(obj(b)['step'], 6),
  }));
  bands.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  const grid = arr(out['priceGrid']).map(obj);
  if (grid.length !== bands.length)
    o.problems.push(`${at}.priceGrid has ${grid.length} bands, wire ${bands.length}`);
  grid.forEach((band, i) => {
    for (const key of ['start', 'end', 'step'] as const) {
      if (band[key] !== bands[i]?.[key])
        o.problems.push(`${at}.priceGrid[${i}].${key}: ${String(band[key])} vs wire`);
    }
  });
}

function checkLevels(o: Oracle, at: string, out: unknown, wire: unknown): void {
  const levels = arr(out).map(obj);
  const pairs = arr(wire);
  if (levels.length !== pairs.length) o.problems.push(`${at}: ${levels.length} levels, wire ${pairs.length}`);
  levels.forEach((level, i) => {
    const pair = arr(pairs[i]);
    o.decimal(`${at}[${i}].price`, level['price'], pair[0], 6);
    o.decimal(`${at}[${i}].count`, level['count'], pair[1], 2);
  });
}

function each(
  out: unknown,
  wire: unknown,
  at: string,
  o: Oracle,
  one: (o: Oracle, at: string, a: Json, b: Json) => void,
) {
  const items = arr(out);
  const wires = arr(wire);
  if (items.length !== wires.length) o.problems.push(`${at}: ${items.length} items, wire ${wires.length}`);
  items.forEach((item, i) => {
    one(o, `${at}[${i}]`, obj(item), obj(wires[i]));
  });
}

function checker(fn: (o: Oracle, out: Json, wire: Json) => void) {
  return (out: unknown, wire: unknown): string[] => {
    const o = new Oracle();
    fn(o, obj(out), obj(wire));
    return o.problems;
  };
}

const checks = {
  quotesPage: checker((o, out, wire) => each(out['items'], wire['quotes'], 'quotes', o, checkQuote)),
  quote: checker((o, out, wire) => checkQuote(o, 'quote', out, obj(wire['quote']))),
  rfqsPage: checker((o, out, wire) => each(out['items'], wire['rfqs'], 'rfqs', o, checkRfq)),
  rfq: checker((o, out, wire) => checkRfq(o, 'rfq', out, obj(wire['rfq']))),
  market: checker((o, out, wire) => checkMarket(o, 'market', out, obj(wire['market']))),
  marketsPage: checker((o, out, wire) => each(out['items'], wire['markets'], 'markets', o, checkMarket)),
  orderBook: checker((o, out, wire) => {
    const book = obj(wire['orderbook_fp']);
    checkLevels(o, 'yes', out['yes'], book['yes_dollars']);
    checkLevels(o, 'no', out['no'], book['no_dollars']);
  }),
  event: checker((o, out, wire) => {
    const event = obj(wire['event']);
    each(out['markets'], event['markets'] ?? wire['markets'], 'markets', o, checkMarket);
  }),
  series: checker((o, out, wire) => {
    const fees = obj(out['fees']);
    const multiplier = obj(wire['series'])['fee_multiplier'];
    const ppm = fees['multiplierPpm'];
    if (
      typeof ppm !== 'number' ||
      !Number.isSafeInteger(ppm) ||
      typeof multiplier !== 'number' ||
      ppm !== Math.round(multiplier * 1e6)
    ) {
      o.problems.push(`series.fees.multiplierPpm ${String(ppm)} from wire ${JSON.stringify(multiplier)}`);
    }
  }),
  positions: checker((o, out, wire) => {
    each(out['marketPositions'], wire['market_positions'] ?? [], 'market_positions', o, (o2, at, a, b) => {
      o2.decimal(`${at}.position`, a['position'], b['position_fp'], 2);
      o2.decimal(`${at}.marketExposure`, a['marketExposure'], b['market_exposure_dollars'], 6);
      o2.decimal(`${at}.realizedPnl`, a['realizedPnl'], b['realized_pnl_dollars'], 6);
      o2.decimal(`${at}.feesPaid`, a['feesPaid'], b['fees_paid_dollars'], 6);
      o2.decimal(`${at}.totalTraded`, a['totalTraded'], b['total_traded_dollars'], 6);
    });
    each(out['eventPositions'], wire['event_positions'] ?? [], 'event_positions', o, (o2, at, a, b) => {
      o2.decimal(`${at}.totalCost`, a['totalCost'], b['total_cost_dollars'], 6);
      o2.decimal(`${at}.totalCostShares`, a['totalCostShares'], b['total_cost_shares_fp'], 2);
      o2.decimal(`${at}.eventExposure`, a['eventExposure'], b['event_exposure_dollars'], 6);
    });
  }),
  fills: checker((o, out, wire) =>
    each(out['items'], wire['fills'], 'fills', o, (o2, at, a, b) => {
      o2.decimal(`${at}.count`, a['count'], b['count_fp'], 2);
      o2.decimal(`${at}.yesPrice`, a['yesPrice'], b['yes_price_dollars'], 6);
      o2.decimal(`${at}.noPrice`, a['noPrice'], b['no_price_dollars'], 6);
      o2.decimal(`${at}.fee`, a['fee'], b['fee_cost'], 6);
      const side = a['outcomeSide'];
      if (side !== 'yes' && side !== 'no') o2.problems.push(`${at}.outcomeSide ${String(side)}`);
    }),
  ),
  balance: checker((o, out, wire) => {
    if (wire['balance_dollars'] !== undefined && wire['balance_dollars'] !== null) {
      o.decimal('balance', out['balance'], wire['balance_dollars'], 6);
    } else {
      const cents = wire['balance'];
      if (!(typeof cents === 'number' && Number.isSafeInteger(cents) && out['balance'] === cents * 10_000)) {
        o.problems.push(`balance ${String(out['balance'])} from cents ${JSON.stringify(cents)}`);
      }
    }
    const value = wire['portfolio_value'];
    if (
      !(typeof value === 'number' && Number.isSafeInteger(value) && out['portfolioValue'] === value * 10_000)
    ) {
      o.problems.push(`portfolioValue ${String(out['portfolioValue'])} from cents ${JSON.stringify(value)}`);
    }
  }),
  limits: checker((o, out, wire) => {
    for (const bucket of ['read', 'write'] as const) {
      o.number(`${bucket}.refillRate`, obj(out[bucket])['refillRate'], obj(wire[bucket])['refill_rate']);
      o.number(`${bucket}.capacity`, obj(out[bucket])['capacity'], obj(wire[bucket])['bucket_capacity']);
    }
  }),
  costs: checker((o, out, wire) => {
    o.number('defaultCost', out['defaultCost'], wire['default_cost']);
    each(out['costs'], wire['endpoint_costs'], 'endpoint_costs', o, (o2, at, a, b) =>
      o2.number(`${at}.cost`, a['cost'], b['cost']),
    );
  }),
  status: checker((o, out, wire) => {
    o.same('exchangeActive', out['exchangeActive'], wire['exchange_active']);
    o.same('tradingActive', out['tradingActive'], wire['trading_active']);
  }),
};

/** Strings (ids) mapped from `{ id }` or `{ communications_id }`. */
function stringCheck(field: string) {
  return (out: unknown, wire: unknown): string[] => {
    const expected = obj(wire)[field];
    return out === expected && typeof out === 'string' && out !== ''
      ? []
      : [`${field}: ${JSON.stringify(out)} from ${JSON.stringify(expected)}`];
  };
}

export interface Recording {
  readonly ts: TestSimulator;
  readonly user: SimTestUser;
  readonly responses: readonly Recorded[];
}

/** Drives a fresh simulator through a quote's whole life, then records every kind of response. */
export async function recordResponses(): Promise<Recording> {
  const ts = await startTestSimulator({
    userCount: 1,
    teardown: 'manual',
    lifecycle: { executionDelayMs: 20, hvExecutionDelayMs: 20 },
  });
  const user = ts.users[0]!;
  const market = 'KXFEDDECISION-26DEC-H0';
  const event = 'KXFEDDECISION-26DEC';
  const rfq = (await ts.admin<{ id: string }>('POST', '/_sim/rfqs', { market_ticker: market, contracts: 10 }))
    .body.id;
  const costRfq = (
    await ts.admin<{ id: string }>('POST', '/_sim/rfqs', {
      market_ticker: 'KXCPI-26DEC-T0.3',
      target_cost_dollars: '25',
    })
  ).body.id;
  const created = await user.request({
    method: 'POST',
    path: '/communications/quotes',
    body: { rfq_id: rfq, yes_bid: '0.50', no_bid: '0.40', rest_remainder: false },
  });
  const quoteId = (created.body as Json)['id'] as string;
  await user.request({
    method: 'POST',
    path: '/communications/quotes',
    body: { rfq_id: costRfq, yes_bid: '0.40', no_bid: '0.45', rest_remainder: false },
  });
  await ts.admin('POST', `/_sim/quotes/${quoteId}/accept`, { accepted_side: 'yes' });
  await user.request({
    method: 'PUT',
    path: `/communications/rfqs/${rfq}/quotes/${quoteId}/confirm`,
    body: {},
  });
  // The execution follows the confirm after the (20 ms) execution delay: wait for it to happen.
  await waitFor(
    async () =>
      (await ts.admin<{ quote: { status: string } }>('GET', `/_sim/quotes/${quoteId}`)).body.quote.status ===
      'executed',
    { what: 'the confirmed quote to execute' },
  );

  const get = async (path: string) => {
    const res = await user.request({ path });
    if (res.status !== 200) throw new Error(`recording ${path}: HTTP ${res.status} ${res.text}`);
    return res.body;
  };
  const responses: Recorded[] = [
    {
      name: 'create_quote',
      status: 201,
      body: created.body,
      call: (c) => c.createQuote({ rfqId: rfq, yesBid: 500_000, noBid: 400_000, restRemainder: false }),
      check: stringCheck('id'),
    },
    {
      name: 'get_communications_id',
      status: 200,
      body: await get('/communications/id'),
      call: (c) => c.getCommunicationsId(),
      check: stringCheck('communications_id'),
    },
    {
      name: 'get_rfqs',
      status: 200,
      body: await get('/communications/rfqs?limit=10'),
      call: (c) => c.rfqsPage({}),
      check: checks.rfqsPage,
    },
    {
      name: 'get_rfq',
      status: 200,
      body: await get(`/communications/rfqs/${costRfq}`),
      call: (c) => c.getRfq(costRfq),
      check: checks.rfq,
    },
    {
      name: 'get_quotes',
      status: 200,
      body: await get('/communications/quotes?user_filter=self'),
      call: (c) => c.quotesPage({ userFilter: 'self' }),
      check: checks.quotesPage,
    },
    {
      name: 'get_quote',
      status: 200,
      body: await get(`/communications/rfqs/${rfq}/quotes/${quoteId}`),
      call: (c) => c.getQuote(rfq, quoteId),
      check: checks.quote,
    },
    {
      name: 'get_market',
      status: 200,
      body: await get(`/markets/${market}`),
      call: (c) => c.getMarket(market),
      check: checks.market,
    },
    {
      name: 'get_markets',
      status: 200,
      body: await get('/markets?limit=4'),
      call: (c) => c.marketsPage({ limit: 4 }),
      check: checks.marketsPage,
    },
    {
      name: 'get_orderbook',
      status: 200,
      body: await get(`/markets/${market}/orderbook`),
      call: (c) => c.getOrderBook(market),
      check: checks.orderBook,
    },
    {
      name: 'get_event',
      status: 200,
      body: await get(`/events/${event}?with_nested_markets=true`),
      call: (c) => c.getEvent(event),
      check: checks.event,
    },
    {
      name: 'get_series',
      status: 200,
      body: await get('/series/KXFEDDECISION'),
      call: (c) => c.getSeries('KXFEDDECISION'),
      check: checks.series,
    },
    {
      name: 'get_positions',
      status: 200,
      body: await get('/portfolio/positions'),
      call: (c) => c.positionsPage(),
      check: checks.positions,
    },
    {
      name: 'get_fills',
      status: 200,
      body: await get('/portfolio/fills'),
      call: (c) => c.fillsPage(),
      check: checks.fills,
    },
    {
      name: 'get_balance',
      status: 200,
      body: await get('/portfolio/balance'),
      call: (c) => c.getBalance(),
      check: checks.balance,
    },
    {
      name: 'get_api_limits',
      status: 200,
      body: await get('/account/limits'),
      call: (c) => c.getApiLimits(),
      check: checks.limits,
    },
    {
      name: 'get_endpoint_costs',
      status: 200,
      body: await get('/account/endpoint_costs'),
      call: (c) => c.getEndpointCosts(),
      check: checks.costs,
    },
    {
      name: 'get_exchange_status',
      status: 200,
      body: await get('/exchange/status'),
      call: (c) => c.getExchangeStatus(),
      check: checks.status,
    },
  ];
  return { ts, user, responses };
}
