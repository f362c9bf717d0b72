/**
 * Every endpoint the client calls: method, path template, bucket, default priority, whether it
 * needs auth; and the token-cost table (known defaults, replaceable by the live
 * `GET /account/endpoint_costs` answer).
 */
import { bucketFor, DEFAULT_TOKEN_COST, KNOWN_ENDPOINT_COSTS } from '../domain/rate-limits.js';
import type { EndpointCosts } from '../domain/types.js';
import type { HttpMethod } from './errors.js';
import type { Bucket, Priority } from './gate.js';
import { API_PREFIX } from './wire.js';

export interface EndpointDef {
  /** Stable name for budgets, metrics and logs; both path families of an operation share it. */
  readonly name: string;
  readonly method: HttpMethod;
  /** Template under the API prefix, e.g. `/communications/rfqs/{rfq_id}`. */
  readonly path: string;
  readonly bucket: Bucket;
  readonly priority: Priority;
  /** Whether the call needs credentials (public market data does not). */
  readonly auth: boolean;
}

/** `rfq-scoped`: `/communications/rfqs/{rfq_id}/quotes/{quote_id}/…` (current); `legacy`: quote id only. */
export type PathStyle = 'rfq-scoped' | 'legacy';

function def(name: string, method: HttpMethod, path: string, auth = true, priority?: Priority): EndpointDef {
  const defaultPriority: Priority = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'create';
  return Object.freeze({
    name,
    method,
    path,
    bucket: bucketFor(method),
    priority: priority ?? defaultPriority,
    auth,
  });
}

const RFQ_QUOTE = '/communications/rfqs/{rfq_id}/quotes/{quote_id}';
const LEGACY_QUOTE = '/communications/quotes/{quote_id}';

export const ENDPOINTS = Object.freeze({
  get_communications_id: def('get_communications_id', 'GET', '/communications/id'),
  create_rfq: def('create_rfq', 'POST', '/communications/rfqs'),
  get_rfqs: def('get_rfqs', 'GET', '/communications/rfqs'),
  get_rfq: def('get_rfq', 'GET', '/communications/rfqs/{rfq_id}'),
  delete_rfq: def('delete_rfq', 'DELETE', '/communications/rfqs/{rfq_id}'),
  create_quote: def('create_quote', 'POST', '/communications/quotes'),
  get_quotes: def('get_quotes', 'GET', '/communications/quotes'),
  get_quote: def('get_quote', 'GET', RFQ_QUOTE),
  get_quote_legacy: def('get_quote', 'GET', LEGACY_QUOTE),
  delete_quote: def('delete_quote', 'DELETE', RFQ_QUOTE),
  delete_quote_legacy: def('delete_quote', 'DELETE', LEGACY_QUOTE),
  accept_quote: def('accept_quote', 'PUT', `${RFQ_QUOTE}/accept`),
  accept_quote_legacy: def('accept_quote', 'PUT', `${LEGACY_QUOTE}/accept`),
  confirm_quote: def('confirm_quote', 'PUT', `${RFQ_QUOTE}/confirm`, true, 'confirm'),
  confirm_quote_legacy: def('confirm_quote', 'PUT', `${LEGACY_QUOTE}/confirm`, true, 'confirm'),
  get_market: def('get_market', 'GET', '/markets/{ticker}', false),
  get_markets: def('get_markets', 'GET', '/markets', false),
  get_orderbook: def('get_orderbook', 'GET', '/markets/{ticker}/orderbook', false),
  get_event: def('get_event', 'GET', '/events/{event_ticker}', false),
  get_series: def('get_series', 'GET', '/series/{series_ticker}', false),
  get_balance: def('get_balance', 'GET', '/portfolio/balance'),
  get_positions: def('get_positions', 'GET', '/portfolio/positions'),
  get_fills: def('get_fills', 'GET', '/portfolio/fills'),
  get_orders: def('get_orders', 'GET', '/portfolio/orders'),
  get_order: def('get_order', 'GET', '/portfolio/orders/{order_id}'),
  // V2: the legacy DELETE /portfolio/orders/{id} answers deprecated_endpoint (changelog 2026-06-18).
  cancel_order: def('cancel_order', 'DELETE', '/portfolio/events/orders/{order_id}'),
  get_account_limits: def('get_account_limits', 'GET', '/account/limits'),
  get_endpoint_costs: def('get_endpoint_costs', 'GET', '/account/endpoint_costs', false),
  get_exchange_status: def('get_exchange_status', 'GET', '/exchange/status', false),
});

export type EndpointKey = keyof typeof ENDPOINTS;

export type QuoteOperation = 'get_quote' | 'delete_quote' | 'accept_quote' | 'confirm_quote';

/** The definition of a quote-level operation in the chosen path family. */
export function quoteEndpoint(operation: QuoteOperation, style: PathStyle): EndpointDef {
  return style === 'legacy' ? ENDPOINTS[`${operation}_legacy`] : ENDPOINTS[operation];
}

/**
 * Fills a path template. Ids are opaque strings passed back unchanged, so each is
 * percent-encoded as one path segment.
 */
export function fillPath(template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path parameter ${name} missing for ${template}`);
    return encodeURIComponent(value);
  });
}

/**
 * A route in a form both sides can agree on: method upper-cased, the API prefix and a trailing
 * slash dropped, and every parameter segment (`{quote_id}`, `:quote_id`) reduced to `{}`.
 */
export function routeKey(method: string, path: string): string {
  let p = path.trim();
  const q = p.indexOf('?');
  if (q !== -1) p = p.slice(0, q);
  if (p.startsWith(API_PREFIX)) p = p.slice(API_PREFIX.length);
  if (!p.startsWith('/')) p = `/${p}`;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  p = p
    .split('/')
    .map((segment) => (/^\{[^}]*\}$/.test(segment) || /^:[A-Za-z_]+$/.test(segment) ? '{}' : segment))
    .join('/');
  return `${method.toUpperCase()} ${p}`;
}

/** Token costs per route: known defaults until the live table is applied. */
export class EndpointCostTable {
  #defaultCost: number;
  #costs: Map<string, number>;
  #live = false;

  constructor(
    defaultCost: number = DEFAULT_TOKEN_COST,
    known: Readonly<Record<string, number>> = KNOWN_ENDPOINT_COSTS,
  ) {
    this.#defaultCost = defaultCost;
    this.#costs = new Map();
    for (const [route, cost] of Object.entries(known)) {
      const space = route.indexOf(' ');
      this.#costs.set(routeKey(route.slice(0, space), route.slice(space + 1)), cost);
    }
  }

  /** Whether the live table has been applied. */
  get live(): boolean {
    return this.#live;
  }

  get defaultCost(): number {
    return this.#defaultCost;
  }

  costOf(endpoint: Pick<EndpointDef, 'method' | 'path'>): number {
    return this.#costs.get(routeKey(endpoint.method, endpoint.path)) ?? this.#defaultCost;
  }

  /**
   * Replaces the table with the exchange's: routes it lists get their cost, every other route
   * its default. Returns the listed routes that match none of the client's endpoints.
   */
  apply(costs: EndpointCosts): { readonly unmatched: readonly string[] } {
    if (!Number.isFinite(costs.defaultCost) || costs.defaultCost < 0) {
      throw new RangeError(`endpoint costs: default cost ${String(costs.defaultCost)} is not a cost`);
    }
    const next = new Map<string, number>();
    for (const entry of costs.costs) {
      if (!Number.isFinite(entry.cost) || entry.cost < 0) {
        throw new RangeError(`endpoint costs: ${entry.method} ${entry.path} has cost ${String(entry.cost)}`);
      }
      next.set(routeKey(entry.method, entry.path), entry.cost);
    }
    const ours = new Set(Object.values(ENDPOINTS).map((e) => routeKey(e.method, e.path)));
    this.#defaultCost = costs.defaultCost;
    this.#costs = next;
    this.#live = true;
    return { unmatched: [...next.keys()].filter((key) => !ours.has(key)) };
  }
}
