/**
 * Typed errors of the Kalshi client. One factory (`errorFromResponse`) maps an HTTP status and
 * body to a class, so callers decide with `instanceof` (or `code`). Every error carries the
 * endpoint, method, path, status and, where relevant, the RFQ and quote ids. Messages never
 * carry secrets: no headers, no signatures, no key material.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * What a failed request means for sending it again; every error of the client carries one.
 * - `transient`: provably not processed, for a passing reason (429, a connection that never
 *   opened). Safe to send again after a pause.
 * - `may-have-landed`: the request may or may not have been processed (5xx, time-out, a
 *   connection lost after sending, a 2xx we could not read, a create whose outcome is unknown).
 *   Reads simply retry; a write finds out first (create_quote lists our quotes; confirm and
 *   delete are idempotent).
 * - `final`: the exchange answered and refused (400, 401, 403, 404, 409, an unexpected status),
 *   or the client would not send it (bad argument, aborted, gate refused): the same request
 *   gets the same answer.
 */
export type RetryClass = 'transient' | 'may-have-landed' | 'final';

/** Where an error happened. */
export interface ErrorContext {
  /** Stable endpoint name, e.g. `create_quote`. */
  readonly endpoint: string;
  readonly method: HttpMethod;
  /** Concrete path under the API prefix, without query. */
  readonly path: string;
  readonly rfqId?: string | undefined;
  readonly quoteId?: string | undefined;
}

/** What the exchange said in an error body, in any of its shapes. */
export interface ExchangeErrorBody {
  /** The exchange's code as sent (case varies: `RFQ_CLOSED`, `expired`). */
  readonly rawCode?: string | undefined;
  readonly message?: string | undefined;
  readonly service?: string | undefined;
  readonly details?: string | undefined;
}

export interface KalshiApiErrorInit {
  readonly status?: number | undefined;
  readonly exchange?: ExchangeErrorBody | undefined;
  readonly cause?: unknown;
}

export abstract class KalshiApiError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
  /** What this failure means for sending the request again (see RetryClass). */
  abstract readonly retry: RetryClass;
  readonly endpoint: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** HTTP status, undefined when no response arrived. */
  readonly status: number | undefined;
  readonly rfqId: string | undefined;
  readonly quoteId: string | undefined;
  /** The exchange's error code, lower-cased for comparison (`rfq_closed`). */
  readonly exchangeCode: string | undefined;
  /** The exchange's error code exactly as sent (`RFQ_CLOSED`). */
  readonly rawExchangeCode: string | undefined;
  readonly exchangeMessage: string | undefined;
  /** Which exchange service answered (`midland` for RFQs, `exchange` for orders). */
  readonly service: string | undefined;
  readonly details: string | undefined;

  constructor(message: string, context: ErrorContext, init: KalshiApiErrorInit = {}) {
    super(
      `${context.endpoint} ${context.method} ${context.path}: ${message}${describeIds(context)}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.endpoint = context.endpoint;
    this.method = context.method;
    this.path = context.path;
    this.status = init.status;
    this.rfqId = context.rfqId;
    this.quoteId = context.quoteId;
    this.rawExchangeCode = init.exchange?.rawCode;
    this.exchangeCode = init.exchange?.rawCode?.toLowerCase();
    this.exchangeMessage = init.exchange?.message;
    this.service = init.exchange?.service;
    this.details = init.exchange?.details;
  }

  /**
   * Whether the exchange failed to give a sound answer: the kill switch counts these. A request
   * that may have landed did not get one; a 429 or a refusal is an answer.
   */
  get exchangeFault(): boolean {
    return this.retry === 'may-have-landed';
  }

  /** Whether the exchange's code is `code`, case-insensitively (`isExchangeCode('rfq_closed')`). */
  isExchangeCode(code: string): boolean {
    return this.exchangeCode !== undefined && this.exchangeCode === code.toLowerCase();
  }
}

function describeIds(context: ErrorContext): string {
  const parts: string[] = [];
  if (context.rfqId !== undefined) parts.push(`rfq ${context.rfqId}`);
  if (context.quoteId !== undefined) parts.push(`quote ${context.quoteId}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** 401, or an authenticated call on a client without credentials. */
export class AuthenticationError extends KalshiApiError {
  override readonly name = 'AuthenticationError';
  readonly code = 'authentication_failed';
  readonly retry = 'final';
}

/** 403: the key lacks a scope, or the query needs one (`user_filter=self`). */
export class PermissionError extends KalshiApiError {
  override readonly name = 'PermissionError';
  readonly code = 'permission_denied';
  readonly retry = 'final';
}

/** 404. On a quote delete: already gone, cancelled or accepted. */
export class NotFoundError extends KalshiApiError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found';
  readonly retry = 'final';
}

/** 400 (and other 4xx without a class of their own): see `exchangeCode`. */
export class BadRequestError extends KalshiApiError {
  override readonly name = 'BadRequestError';
  readonly code = 'bad_request';
  readonly retry = 'final';
}

/** 409, e.g. an open RFQ already exists on the market. */
export class ConflictError extends KalshiApiError {
  override readonly name = 'ConflictError';
  readonly code = 'conflict';
  readonly retry = 'final';
}

/** 429: the request was not processed. The scheduler recognises it by `name`. */
export class RateLimitError extends KalshiApiError {
  override readonly name = 'RateLimitError';
  readonly code = 'rate_limited';
  readonly retry = 'transient';
}

/** 5xx: the request may or may not have been processed. */
export class ServerError extends KalshiApiError {
  override readonly name = 'ServerError';
  readonly code = 'server_error';
  readonly retry = 'may-have-landed';
}

/** A status the client has no meaning for (1xx, unfollowed 3xx). */
export class UnexpectedStatusError extends KalshiApiError {
  override readonly name = 'UnexpectedStatusError';
  readonly code = 'unexpected_status';
  readonly retry = 'final';
}

/** No response: connection refused, reset, closed mid-response. */
export class NetworkError extends KalshiApiError {
  override readonly name = 'NetworkError';
  readonly code = 'network_error';
  /** False only when the request provably never left (connection refused, DNS failure). */
  readonly requestMayHaveBeenSent: boolean;
  readonly retry: 'transient' | 'may-have-landed';
  constructor(
    message: string,
    context: ErrorContext,
    requestMayHaveBeenSent: boolean,
    init: KalshiApiErrorInit = {},
  ) {
    super(message, context, init);
    this.requestMayHaveBeenSent = requestMayHaveBeenSent;
    this.retry = requestMayHaveBeenSent ? 'may-have-landed' : 'transient';
  }

  /** An exchange that cannot be reached failed us too, even when the request never left. */
  override get exchangeFault(): boolean {
    return true;
  }
}

/** No complete response within the time-out; the request may have been processed. */
export class TimeoutError extends KalshiApiError {
  override readonly name = 'TimeoutError';
  readonly code = 'timeout';
  readonly retry = 'may-have-landed';
  readonly timeoutMs: number;
  constructor(context: ErrorContext, timeoutMs: number, init: KalshiApiErrorInit = {}) {
    super(`no response within ${timeoutMs} ms`, context, init);
    this.timeoutMs = timeoutMs;
  }
}

/** A 2xx whose body is empty, truncated, not JSON, or lacks a required field. */
export class ResponseFormatError extends KalshiApiError {
  override readonly name = 'ResponseFormatError';
  readonly code = 'response_format';
  readonly retry = 'may-have-landed';
  /** The offending field (`quotes[2].yes_bid_dollars`), when one is to blame. */
  readonly field: string | undefined;
  constructor(
    message: string,
    context: ErrorContext,
    field: string | undefined,
    init: KalshiApiErrorInit = {},
  ) {
    super(message, context, init);
    this.field = field;
  }
}

/**
 * A 2xx body larger than the client's cap (`maxResponseBytes`): reading stopped at the cap (or
 * before reading, when Content-Length declared more), so no more than the cap is ever held.
 * Not retried as a read: the same query gets the same answer, and every caller asks again on
 * its own schedule. A create answered this way may have landed and is reconciled.
 */
export class ResponseTooLargeError extends KalshiApiError {
  override readonly name = 'ResponseTooLargeError';
  readonly code = 'response_too_large';
  /** The same request would get the same answer; a create that got one is reconciled. */
  readonly retry = 'final';
  readonly limitBytes: number;
  /** What Content-Length declared, or what had arrived when reading stopped. */
  readonly receivedBytes: number;
  constructor(
    context: ErrorContext,
    limitBytes: number,
    receivedBytes: number,
    init: KalshiApiErrorInit = {},
  ) {
    super(
      `response body of at least ${receivedBytes} bytes exceeds the ${limitBytes}-byte cap`,
      context,
      init,
    );
    this.limitBytes = limitBytes;
    this.receivedBytes = receivedBytes;
  }

  /** An answer no sound exchange gives: it counts towards the kill switch. */
  override get exchangeFault(): boolean {
    return true;
  }
}

/**
 * A listing page with more items than its `limit` (or, with none sent, than the endpoint's
 * maximum): the exchange did not do what was asked, and following its cursor could skip or
 * repeat items, so the page is refused rather than truncated. Not retried as a read.
 */
export class OversizedPageError extends KalshiApiError {
  override readonly name = 'OversizedPageError';
  readonly code = 'page_too_large';
  /** The same page would come back the same: the caller asks again on its own schedule. */
  readonly retry = 'final';
  readonly limit: number;
  readonly items: number;
  constructor(context: ErrorContext, limit: number, items: number, init: KalshiApiErrorInit = {}) {
    super(`a page of ${items} items, more than the ${limit} asked for`, context, init);
    this.limit = limit;
    this.items = items;
  }

  /** An answer no sound exchange gives: it counts towards the kill switch. */
  override get exchangeFault(): boolean {
    return true;
  }
}

/** The caller's AbortSignal fired while the request was in flight or waiting to retry. */
export class AbortedError extends KalshiApiError {
  override readonly name = 'AbortedError';
  readonly code = 'aborted';
  readonly retry = 'final';
}

/**
 * A create_quote whose response was lost, and whose outcome the client could not establish
 * (the reconciling listing failed too). The quote may be live: the caller must find out.
 */
export class QuoteOutcomeUnknownError extends KalshiApiError {
  override readonly name = 'QuoteOutcomeUnknownError';
  readonly code = 'quote_outcome_unknown';
  readonly retry = 'may-have-landed';
}

/** A request the client refuses to send (price finer than 4 dp, bad argument). Never sent. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  readonly code = 'invalid_request';
  readonly retry = 'final';
  constructor(
    message: string,
    readonly endpoint: string,
    readonly field: string,
  ) {
    super(`${endpoint}: ${field}: ${message}`);
  }
}

/** Invalid client options (base URL, time-out). */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
  readonly code = 'invalid_client_options';
  readonly retry = 'final';
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(`KalshiClient option ${option}: ${message}`);
  }
}

/** A pagination guard tripped: too many pages, or the exchange handed back a cursor seen before. */
export class PaginationError extends Error {
  override readonly name = 'PaginationError';
  readonly code: 'max_pages_exceeded' | 'cursor_loop';
  readonly retry = 'final';
  constructor(
    message: string,
    readonly endpoint: string,
    code: 'max_pages_exceeded' | 'cursor_loop',
    readonly pages: number,
  ) {
    super(`${endpoint}: ${message}`);
    this.code = code;
  }
}

/**
 * The retry class of any error: the client's errors (and the gate's refusals) carry one;
 * anything else (a bug, a throw from a hook) is undefined, and callers treat it as final.
 */
export function retryClassOf(error: unknown): RetryClass | undefined {
  const retry = (error as { retry?: unknown } | null | undefined)?.retry;
  return retry === 'transient' || retry === 'may-have-landed' || retry === 'final' ? retry : undefined;
}

/** Whether a failure counts towards the kill switch: the exchange gave no sound answer. */
export function isExchangeFault(error: unknown): boolean {
  return error instanceof KalshiApiError && error.exchangeFault;
}
