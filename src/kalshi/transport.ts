/**
 * One request, end to end: build the URL, pass the gate, sign with a fresh timestamp, send with
 * ky (no ky retries, no ky HTTP errors: both are ours), time out, map the status and body to a
 * result or a typed error, report the attempt. `read` adds the read retry policy.
 */
import ky, { type Options as KyOptions } from 'ky';
import { abortWaitersOf } from '../domain/abort-waiters.js';
import type { EpochMs } from '../domain/types.js';
import { signRequest } from './auth.js';
import { BodyTooLarge, readCappedText } from './body.js';
import { type EndpointCostTable, type EndpointDef, fillPath } from './endpoints.js';
import { errorFromResponse } from './error-response.js';
import {
  AbortedError,
  AuthenticationError,
  type ErrorContext,
  KalshiApiError,
  NetworkError,
  OversizedPageError,
  ResponseFormatError,
  ResponseTooLargeError,
  TimeoutError,
} from './errors.js';
import { contextReadPriority, GateRejectedError, type Priority, type RequestSpec } from './gate.js';
import { CONNECT_TIMEOUT, type DirectSend, takesDirectSend } from './node-fetch.js';
import type { ResolvedOptions } from './options.js';
import { backoffDelay, isRetryableIdempotent, retryLoop } from './retry.js';
import { type UnknownReporter, WireFieldError } from './wire-reader.js';

/** Per-call options every client method accepts. */
export interface CallOptions {
  /** Overrides the endpoint's default priority. */
  readonly priority?: Priority | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Epoch ms (client clock) from which the call is no longer sent. */
  readonly deadline?: EpochMs | undefined;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestArgs<T> {
  readonly endpoint: EndpointDef;
  readonly pathParams?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** JSON body; undefined sends none. */
  readonly body?: unknown;
  readonly rfqId?: string | undefined;
  readonly quoteId?: string | undefined;
  readonly call?: CallOptions | undefined;
  /** Maps the parsed body; gets undefined when `noContent`. */
  readonly parse: (json: unknown, reporter: UnknownReporter) => T;
  /** A 204-style endpoint: any body is ignored. */
  readonly noContent?: boolean;
  /** A listing page: more than `limit` items (as `count` reads them) is an OversizedPageError. */
  readonly page?: { readonly limit: number; count(result: T): number };
}

/** Error bodies are only read for a message: this much is plenty. */
const ERROR_BODY_BYTES = 64 * 1024;

/** Codes under which a connection provably never carried the request. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  CONNECT_TIMEOUT,
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** fetch's rejection of a 3xx answer under `redirect: 'error'`. */
function isRedirectRefusal(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof Error && cause.message === 'unexpected redirect';
}

export class Transport {
  readonly options: ResolvedOptions;
  readonly costs: EndpointCostTable;
  readonly reporter: UnknownReporter;
  /** Public endpoints the exchange refused unsigned (signPublicReads: auto). */
  readonly #signedPublic = new Set<string>();
  /** The fetch reads the body and signal beside ky's Request (node-fetch.ts, DirectSend). */
  readonly #directSend: boolean;

  constructor(options: ResolvedOptions, costs: EndpointCostTable, reporter: UnknownReporter) {
    this.options = options;
    this.costs = costs;
    this.reporter = reporter;
    this.#directSend = takesDirectSend(options.fetch);
  }

  context(args: Pick<RequestArgs<unknown>, 'endpoint' | 'pathParams' | 'rfqId' | 'quoteId'>): ErrorContext {
    return {
      endpoint: args.endpoint.name,
      method: args.endpoint.method,
      path: fillPath(args.endpoint.path, args.pathParams),
      rfqId: args.rfqId,
      quoteId: args.quoteId,
    };
  }

  /** One attempt through the gate. */
  async attempt<T>(args: RequestArgs<T>): Promise<T> {
    const context = this.context(args);
    const { endpoint, call } = args;
    if (endpoint.auth && this.options.credentials === undefined) {
      throw new AuthenticationError(
        'no Kalshi credentials are configured; this endpoint needs them',
        context,
      );
    }
    this.#checkNotLate(context, call);
    const spec: RequestSpec = {
      endpoint: endpoint.name,
      method: endpoint.method,
      path: context.path,
      bucket: endpoint.bucket,
      cost: this.costs.costOf(endpoint),
      priority:
        call?.priority ??
        (endpoint.bucket === 'read' ? contextReadPriority() : undefined) ??
        endpoint.priority,
      ...(call?.deadline !== undefined ? { deadline: call.deadline } : {}),
      ...(call?.signal !== undefined ? { signal: call.signal } : {}),
    };
    return this.options.gate.run(spec, () => this.#send(args, context));
  }

  /** A read: retried on 429, 5xx, network errors, time-outs and malformed bodies. */
  read<T>(args: RequestArgs<T>): Promise<T> {
    const { retry } = this.options;
    return this.retrying(args, {
      attempts: retry.readAttempts,
      shouldRetry: isRetryableIdempotent,
      baseDelayMs: retry.baseDelayMs,
      maxDelayMs: retry.maxDelayMs,
    });
  }

  /** `attempt` under a retry rule, with backoff and the call's deadline and signal honoured. */
  retrying<T>(
    args: RequestArgs<T>,
    rule: {
      readonly attempts: number;
      readonly shouldRetry: (error: unknown, attempt: number) => boolean;
      readonly baseDelayMs: number;
      readonly maxDelayMs: number;
    },
  ): Promise<T> {
    const { clock, random, sleep, logger } = this.options;
    return retryLoop({
      attempts: rule.attempts,
      run: () => this.attempt(args),
      shouldRetry: rule.shouldRetry,
      delayFor: (n) => backoffDelay(n, rule.baseDelayMs, rule.maxDelayMs, random),
      sleep,
      clock,
      deadline: args.call?.deadline,
      signal: args.call?.signal,
      abortError: () => new AbortedError('aborted by the caller while waiting to retry', this.context(args)),
      onRetry: (error, attempt, delayMs) =>
        logger.warn(
          {
            endpoint: args.endpoint.name,
            attempt,
            delayMs,
            error: (error as { code?: string }).code,
            rfqId: args.rfqId,
            quoteId: args.quoteId,
          },
          'Kalshi request failed; retrying',
        ),
    });
  }

  #checkNotLate(context: ErrorContext, call: CallOptions | undefined): void {
    if (call?.signal?.aborted) {
      throw new GateRejectedError(`${context.endpoint}: aborted before sending`, context.endpoint, 'aborted');
    }
    if (call?.deadline !== undefined && this.options.clock.now() >= call.deadline) {
      throw new GateRejectedError(
        `${context.endpoint}: deadline passed before sending; not sent`,
        context.endpoint,
        'deadline',
      );
    }
  }

  #url(args: RequestArgs<unknown>, path: string): URL {
    const url = new URL(this.options.baseUrl + path);
    for (const [key, value] of Object.entries(args.query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url;
  }

  #mustSign(endpoint: EndpointDef): boolean {
    return (
      endpoint.auth || this.options.signPublicReads === 'always' || this.#signedPublic.has(endpoint.name)
    );
  }

  async #send<T>(args: RequestArgs<T>, context: ErrorContext): Promise<T> {
    // The gate may have held the call: look at the deadline and signal again.
    this.#checkNotLate(context, args.call);
    const { options } = this;
    const url = this.#url(args, context.path);
    const headers: Record<string, string> = { accept: 'application/json' };
    const signed = options.credentials !== undefined && this.#mustSign(args.endpoint);
    if (signed) {
      Object.assign(
        headers,
        signRequest(options.credentials!, args.endpoint.method, url.pathname, options.clock.now()),
      );
    }
    const body = args.body === undefined ? undefined : JSON.stringify(args.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    // One signal for the time-out and the caller's abort, which is forwarded to it rather than
    // joined by AbortSignal.any (~70 µs on Node 20, WeakRefs the collector tracks). A caller may
    // share one signal among many calls: one listener on it for all (abort-waiters.ts).
    const timer = new AbortController();
    const callerSignal = args.call?.signal;
    const callerWaiters = callerSignal && abortWaitersOf(callerSignal);
    const forwardAbort = { stop: () => timer.abort(callerSignal?.reason) };
    callerWaiters?.add(forwardAbort);
    const timeout = setTimeout(() => timer.abort(), options.timeoutMs);
    const started = performance.now();
    let status: number | undefined;
    let text: string;
    try {
      const kyOptions: KyOptions & { directSend?: DirectSend } = {
        method: args.endpoint.method,
        headers,
        retry: 0,
        throwHttpErrors: false,
        timeout: false,
        fetch: options.fetch as typeof fetch,
        // A redirect is an error: a signed request goes only to baseUrl (fetch would resend our
        // key id and signature to any origin).
        redirect: 'error',
        // A node fetch takes the body and the signal as they are, ky passing them on untouched
        // (an option it does not know); any other fetch gets them through ky's Request.
        ...(this.#directSend
          ? { directSend: { body, signal: timer.signal } }
          : { signal: timer.signal, ...(body !== undefined ? { body } : {}) }),
      };
      const response = await ky(url, kyOptions);
      status = response.status;
      const ok = status >= 200 && status <= 299;
      text = ok
        ? await readCappedText(response, options.maxResponseBytes, 'refuse')
        : await readCappedText(response, Math.min(ERROR_BODY_BYTES, options.maxResponseBytes), 'truncate');
    } catch (error) {
      const failure =
        error instanceof BodyTooLarge
          ? new ResponseTooLargeError(context, error.limitBytes, error.receivedBytes, { status })
          : this.#transportError(
              error,
              context,
              status,
              timer.signal.aborted,
              callerSignal?.aborted === true,
            );
      this.#report(args, status, started, failure);
      throw failure;
    } finally {
      clearTimeout(timeout);
      callerWaiters?.delete(forwardAbort);
    }
    if ((status === 401 || status === 403) && !signed && options.credentials !== undefined) {
      // A public read the exchange wants signed after all: sign this endpoint from now on.
      this.#signedPublic.add(args.endpoint.name);
      options.logger.info(
        { endpoint: args.endpoint.name, status },
        'public read refused unsigned; signing it from now on',
      );
      this.#report(args, status, started, undefined);
      return this.#send(args, context);
    }
    if (status < 200 || status > 299) {
      const failure = errorFromResponse(status, this.#scrub(text), context);
      this.#report(args, status, started, failure);
      throw failure;
    }
    try {
      const result = args.noContent
        ? args.parse(undefined, this.reporter)
        : this.#parse(args, text, context, status);
      if (args.page) {
        const items = args.page.count(result);
        if (items > args.page.limit)
          throw new OversizedPageError(context, args.page.limit, items, { status });
      }
      this.#report(args, status, started, undefined);
      return result;
    } catch (error) {
      const failure = this.#formatError(error, context, status);
      this.#report(args, status, started, failure);
      throw failure;
    }
  }

  #parse<T>(args: RequestArgs<T>, text: string, context: ErrorContext, status: number): T {
    if (text.trim() === '')
      throw new ResponseFormatError(`HTTP ${status} with an empty body`, context, undefined, { status });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ResponseFormatError(
        `HTTP ${status} body is not valid JSON (truncated or malformed, ${text.length} bytes)`,
        context,
        undefined,
        { status, cause: error },
      );
    }
    return args.parse(json, this.reporter);
  }

  #formatError(error: unknown, context: ErrorContext, status: number): KalshiApiError {
    if (error instanceof KalshiApiError) return error;
    if (error instanceof WireFieldError) {
      return new ResponseFormatError(
        `malformed response: ${error.message}`,
        context,
        error.field || undefined,
        {
          status,
        },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ResponseFormatError(`response could not be mapped: ${message}`, context, undefined, {
      status,
      cause: error,
    });
  }

  #transportError(
    error: unknown,
    context: ErrorContext,
    status: number | undefined,
    timedOut: boolean,
    callerAborted: boolean,
  ): KalshiApiError {
    if (callerAborted) return new AbortedError('aborted by the caller', context, { status, cause: error });
    if (timedOut) return new TimeoutError(context, this.options.timeoutMs, { status, cause: error });
    const code = causeCode(error);
    if (isRedirectRefusal(error)) {
      return new NetworkError(
        'the exchange answered with a redirect, which is not followed (requests go only to exchange.baseUrl)',
        context,
        true,
        { status, cause: error },
      );
    }
    // Once a status arrived the request was certainly received.
    const maybeSent = status !== undefined || code === undefined || !NOT_SENT_CODES.has(code);
    const reason = status !== undefined ? 'connection lost while reading the response' : 'request failed';
    return new NetworkError(`${reason}${code ? ` (${code})` : ''}`, context, maybeSent, {
      status,
      cause: error,
    });
  }

  /** Defence in depth: an echoed key id never reaches an error message. */
  #scrub(text: string): string {
    const keyId = this.options.credentials?.keyId;
    return keyId && keyId.length >= 8 ? text.split(keyId).join('[redacted]') : text;
  }

  #report(
    args: RequestArgs<unknown>,
    status: number | undefined,
    started: number,
    error: KalshiApiError | undefined,
  ): void {
    const durationMs = Math.max(0, Math.round(performance.now() - started));
    const { logger, onResponse } = this.options;
    logger.debug(
      {
        endpoint: args.endpoint.name,
        method: args.endpoint.method,
        status,
        durationMs,
        error: error?.code,
        rfqId: args.rfqId,
        quoteId: args.quoteId,
      },
      'Kalshi request',
    );
    if (!onResponse) return;
    try {
      onResponse({
        endpoint: args.endpoint.name,
        method: args.endpoint.method,
        status,
        durationMs,
        ...(error ? { errorCode: error.code, retry: error.retry } : {}),
      });
    } catch (hookError) {
      logger.warn({ err: hookError }, 'onResponse hook threw; ignored');
    }
  }
}
