/**
 * KalshiClient options: what the app passes, validated once, with defaults filled in.
 */
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import type { KalshiCredentials } from './auth.js';
import type { EndpointCostTable, PathStyle } from './endpoints.js';
import { ClientConfigError, type HttpMethod, type RetryClass } from './errors.js';
import { type RequestGate, unlimitedGate } from './gate.js';
import { createNodeFetch } from './node-fetch.js';
import type { PaginationOptions } from './pagination.js';
import { defaultSleep, type RetryPolicy, resolveRetryPolicy, type Sleep } from './retry.js';
import { API_PREFIX } from './wire.js';

/** One finished attempt, for metrics. */
export interface ResponseInfo {
  readonly endpoint: string;
  readonly method: HttpMethod;
  /** Undefined when no response arrived (network error, time-out, abort). */
  readonly status: number | undefined;
  readonly durationMs: number;
  /** The error's `code` when the attempt failed. */
  readonly errorCode?: string;
  /** The error's retry class when the attempt failed (`may-have-landed`: it may still take effect). */
  readonly retry?: RetryClass;
}

export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

export interface KalshiClientOptions {
  /**
   * REST base URL, ending in `/trade-api/v2`.
   * @example 'https://external-api.demo.kalshi.co/trade-api/v2'
   */
  readonly baseUrl: string;
  /** Without credentials only public endpoints work; others fail fast with AuthenticationError. */
  readonly credentials?: KalshiCredentials | undefined;
  /** Budgets and orders every attempt. @default unlimitedGate */
  readonly gate?: RequestGate | undefined;
  /** Quote-level routes: RFQ-scoped (current) or quote-id-only (deprecated). @default 'rfq-scoped' */
  readonly pathStyle?: PathStyle | undefined;
  /** Per attempt, until the whole body has arrived. @default 10000 */
  readonly timeoutMs?: number | undefined;
  /**
   * Largest response body read: a longer 2xx body fails with ResponseTooLargeError once this
   * many bytes have arrived (at once when Content-Length says more). Error bodies are cut short
   * instead. @default 8388608 (8 MiB)
   */
  readonly maxResponseBytes?: number | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Pagination guards for the async generators. @default { maxPages: 1000, onGuard: 'throw' } */
  readonly pagination?: PaginationOptions | undefined;
  /** @default a silent logger */
  readonly logger?: Logger | undefined;
  /** @default the system clock */
  readonly clock?: Clock | undefined;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Backoff sleep. @default node:timers/promises setTimeout */
  readonly sleep?: Sleep | undefined;
  /**
   * How requests go out when no `fetch` is given: `node` (node:http with keep-alive: 10–36% less
   * CPU per signed request, a third of the p99; `npm run bench:http`) or `fetch` (the runtime's fetch, undici). @default 'node'
   */
  readonly httpClient?: 'node' | 'fetch' | undefined;
  /** A fetch of your own (tests, proxies); wins over `httpClient`. */
  readonly fetch?: FetchLike | undefined;
  /** Called after every attempt; must not throw (a throw is logged and ignored). */
  readonly onResponse?: ((info: ResponseInfo) => void) | undefined;
  /** A cost table to share or seed; by default the client builds its own from the known costs. */
  readonly costs?: EndpointCostTable | undefined;
  /**
   * Public market data (markets, order books, events, series, exchange status): `always` signs it
   * like everything else; `auto` sends it unsigned (one RSA signature less per read on the hot
   * path) and signs an endpoint from its first 401/403 on, for good. Whether Kalshi wants the
   * order book signed is an open question of the fact sheet. @default 'always'
   */
  readonly signPublicReads?: 'always' | 'auto' | undefined;
}

export interface ResolvedOptions {
  readonly signPublicReads: 'always' | 'auto';
  /** Origin plus the path ending in `/trade-api/v2`, no trailing slash. */
  readonly baseUrl: string;
  readonly credentials: KalshiCredentials | undefined;
  readonly gate: RequestGate;
  readonly pathStyle: PathStyle;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly retry: RetryPolicy;
  readonly pagination: PaginationOptions;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly sleep: Sleep;
  readonly fetch: FetchLike;
  readonly onResponse: ((info: ResponseInfo) => void) | undefined;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** 8 MiB: a full page of 1000 markets is about 2 MB; nothing the bot reads comes near. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MIN_RESPONSE_BYTES = 1024;
const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

/** Checks the base URL: http(s), no query or fragment, path ending in `/trade-api/v2`. */
export function normalizeBaseUrl(baseUrl: string): string {
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '')
    throw new ClientConfigError('is empty', 'baseUrl');
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new ClientConfigError(`${JSON.stringify(baseUrl)} is not a URL`, 'baseUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ClientConfigError(`protocol ${url.protocol} is not http(s)`, 'baseUrl');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ClientConfigError('must not carry user credentials', 'baseUrl');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ClientConfigError('must not have a query or fragment', 'baseUrl');
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith(API_PREFIX)) {
    throw new ClientConfigError(
      `path ${JSON.stringify(url.pathname)} must end in ${API_PREFIX} (e.g. https://external-api.kalshi.com${API_PREFIX})`,
      'baseUrl',
    );
  }
  return `${url.origin}${path}`;
}

export function resolveOptions(options: KalshiClientOptions): ResolvedOptions {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000) {
    throw new ClientConfigError(`must be between 1 and 600000 ms, got ${String(timeoutMs)}`, 'timeoutMs');
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (
    !Number.isSafeInteger(maxResponseBytes) ||
    maxResponseBytes < MIN_RESPONSE_BYTES ||
    maxResponseBytes > MAX_RESPONSE_BYTES
  ) {
    throw new ClientConfigError(
      `must be an integer from ${MIN_RESPONSE_BYTES} to ${MAX_RESPONSE_BYTES} bytes, got ${String(maxResponseBytes)}`,
      'maxResponseBytes',
    );
  }
  const pathStyle = options.pathStyle ?? 'rfq-scoped';
  if (pathStyle !== 'rfq-scoped' && pathStyle !== 'legacy') {
    throw new ClientConfigError(
      `must be 'rfq-scoped' or 'legacy', got ${JSON.stringify(pathStyle)}`,
      'pathStyle',
    );
  }
  let retry: RetryPolicy;
  try {
    retry = resolveRetryPolicy(options.retry);
  } catch (error) {
    throw new ClientConfigError((error as Error).message, 'retry');
  }
  const httpClient = options.httpClient ?? 'node';
  if (httpClient !== 'node' && httpClient !== 'fetch') {
    throw new ClientConfigError(`must be node or fetch, got ${String(httpClient)}`, 'httpClient');
  }
  const fetchImpl =
    options.fetch ??
    (httpClient === 'node' ? createNodeFetch({ maxBodyBytes: maxResponseBytes }) : globalThis.fetch);
  if (typeof fetchImpl !== 'function')
    throw new ClientConfigError('no fetch implementation available', 'fetch');
  const credentials = options.credentials;
  if (
    credentials !== undefined &&
    (typeof credentials.keyId !== 'string' || credentials.keyId.trim() === '')
  ) {
    throw new ClientConfigError('the API key id is empty', 'credentials');
  }
  if (credentials !== undefined && credentials.privateKey?.type !== 'private') {
    throw new ClientConfigError('privateKey must be a private KeyObject', 'credentials');
  }
  return {
    baseUrl: normalizeBaseUrl(options.baseUrl),
    credentials,
    gate: options.gate ?? unlimitedGate,
    pathStyle,
    timeoutMs,
    maxResponseBytes,
    retry,
    pagination: options.pagination ?? {},
    logger: (options.logger ?? pino({ level: 'silent' })).child({ module: 'kalshi' }),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? defaultSleep,
    fetch: fetchImpl,
    onResponse: options.onResponse,
    signPublicReads: options.signPublicReads ?? 'always',
  };
}
