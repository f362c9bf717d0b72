/** Where each exchange environment lives (fact sheet §1, the recommended hosts). */

export const EXCHANGE_ENVIRONMENTS = ['simulator', 'demo', 'production'] as const;
export type ExchangeEnvironment = (typeof EXCHANGE_ENVIRONMENTS)[number];

export interface ExchangeUrls {
  /** REST base, ending in `/trade-api/v2`. */
  readonly restUrl: string;
  /** WebSocket endpoint, ending in `/trade-api/ws/v2`. */
  readonly wsUrl: string;
}

export const EXCHANGE_URLS: Readonly<Record<'demo' | 'production', ExchangeUrls>> = Object.freeze({
  production: Object.freeze({
    restUrl: 'https://external-api.kalshi.com/trade-api/v2',
    wsUrl: 'wss://external-api-ws.kalshi.com/trade-api/ws/v2',
  }),
  demo: Object.freeze({
    restUrl: 'https://external-api.demo.kalshi.co/trade-api/v2',
    wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
  }),
});

/** The path prefix every REST base URL ends with (and every signed path starts with). */
export const REST_PATH_PREFIX = '/trade-api/v2';
export const WS_PATH = '/trade-api/ws/v2';

/**
 * The URLs to talk to: the overrides when set, else the environment's. An overridden REST base
 * brings its own websocket (derived from it) unless `wsUrl` is set too: a base pointed at a
 * standalone simulator or a proxy must not leave the push channel on Kalshi's host. The
 * simulator has no fixed address (the app starts it on a port of its choosing), so without
 * overrides it yields `undefined` and the caller supplies the simulator's URL.
 */
export function resolveExchangeUrls(exchange: {
  readonly environment: ExchangeEnvironment;
  readonly baseUrl?: string | undefined;
  readonly wsUrl?: string | undefined;
}): ExchangeUrls | undefined {
  const fallback = exchange.environment === 'simulator' ? undefined : EXCHANGE_URLS[exchange.environment];
  const restUrl = exchange.baseUrl ?? fallback?.restUrl;
  if (restUrl === undefined) return undefined;
  const wsUrl =
    exchange.wsUrl ?? (exchange.baseUrl !== undefined ? wsUrlFor(exchange.baseUrl) : fallback?.wsUrl);
  return { restUrl, wsUrl: wsUrl ?? wsUrlFor(restUrl) };
}

/**
 * Derives the WebSocket URL served next to a REST base (the simulator serves both): http → ws,
 * https → wss, `/trade-api/v2` → `/trade-api/ws/v2`, any path before it kept.
 */
export function wsUrlFor(restUrl: string): string {
  const url = new URL(restUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = url.pathname.replace(/\/trade-api\/v2\/?$/, WS_PATH);
  return url.toString().replace(/\/$/, '');
}
