/**
 * Writes whose retries need care. A 429 (or a connection that never opened) was not processed:
 * safe to send again, through the gate again. A 5xx, a time-out or a dropped connection may have
 * been processed:
 * - create_quote reconciles: it lists our quotes on the RFQ and adopts one with the same prices
 *   created since the attempt began; only if none landed does it send again;
 * - confirm retries only while its window is open, and never sends after the deadline;
 * - deletes retry (deleting twice is harmless); a 404 is reported as `not_found`.
 */
import type { Micros } from '../domain/money.js';
import type { EpochMs, Quote, Side } from '../domain/types.js';
import type { DeleteResult } from './communications.js';
import { getQuote, quotes } from './communications.js';
import { ENDPOINTS, quoteEndpoint } from './endpoints.js';
import {
  AbortedError,
  type KalshiApiError,
  NotFoundError,
  QuoteOutcomeUnknownError,
  RequestValidationError,
  ResponseTooLargeError,
  retryClassOf,
} from './errors.js';
import { parseCreatedId } from './mappers.js';
import { checkSubaccount, formatRequestPrice, requireId } from './requests.js';
import { backoffDelay, isRetryableIdempotent, pause } from './retry.js';
import type { CallOptions, RequestArgs, Transport } from './transport.js';

export interface CreateQuoteArgs {
  readonly rfqId: string;
  /** What we pay for YES if the requester hits our YES side; 0 declines the side. At most 4 dp. */
  readonly yesBid: Micros;
  /** What we pay for NO if the requester hits our NO side; 0 declines the side. At most 4 dp. */
  readonly noBid: Micros;
  readonly restRemainder: boolean;
  readonly postOnly?: boolean | undefined;
  readonly subaccount?: number | undefined;
}

export interface ConfirmOptions extends CallOptions {
  /** The end of the confirm window (client clock, epoch ms): nothing is sent from then on. */
  readonly deadline: EpochMs;
}

/** The exchange allows max_ts this far past now when listing (fact sheet: now + 300 s). */
const LIST_AHEAD_MS = 300_000;

function quoteBody(args: CreateQuoteArgs): Record<string, unknown> {
  const name = ENDPOINTS.create_quote.name;
  requireId(name, 'rfqId', args.rfqId);
  if (typeof args.restRemainder !== 'boolean') {
    throw new RequestValidationError('must be a boolean', name, 'restRemainder');
  }
  const body: Record<string, unknown> = {
    rfq_id: args.rfqId,
    yes_bid: formatRequestPrice(name, 'yesBid', args.yesBid),
    no_bid: formatRequestPrice(name, 'noBid', args.noBid),
    rest_remainder: args.restRemainder,
  };
  if (args.postOnly !== undefined) body['post_only'] = args.postOnly;
  const subaccount = checkSubaccount(name, args.subaccount);
  if (subaccount !== undefined) body['subaccount'] = subaccount;
  return body;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown })?.code as string | undefined;
}

/** Sends a quote; returns its id (possibly the id of an earlier attempt that landed). */
export async function createQuote(t: Transport, args: CreateQuoteArgs, call?: CallOptions): Promise<string> {
  const body = quoteBody(args);
  const { clock, retry, random, sleep } = t.options;
  const startedAt = clock.now();
  const request: RequestArgs<string> = {
    endpoint: ENDPOINTS.create_quote,
    body,
    rfqId: args.rfqId,
    call,
    parse: parseCreatedId,
  };
  let lastError: unknown;
  for (let attempt = 1; attempt <= retry.writeAttempts; attempt++) {
    if (attempt > 1) {
      const wait = backoffDelay(attempt - 1, retry.baseDelayMs, retry.maxDelayMs, random);
      if (call?.deadline !== undefined && clock.now() + wait >= call.deadline) break;
      await pause(
        wait,
        sleep,
        call?.signal,
        () => new AbortedError('aborted by the caller while waiting to retry', t.context(request)),
      );
    }
    try {
      return await t.attempt(request);
    } catch (error) {
      lastError = error;
      const retry = retryClassOf(error);
      if (retry === 'transient') continue;
      // Lost answers (a malformed or oversized 2xx among them: the quote exists, its id was lost)
      // are reconciled.
      if (retry !== 'may-have-landed' && !(error instanceof ResponseTooLargeError)) throw error;
      const adopted = await reconcileCreate(t, args, startedAt, error as KalshiApiError, call);
      if (adopted !== undefined) return adopted;
    }
  }
  throw lastError;
}

/** Finds a quote of ours on the RFQ with the same prices, created since the attempt began. */
async function reconcileCreate(
  t: Transport,
  args: CreateQuoteArgs,
  startedAt: EpochMs,
  cause: KalshiApiError,
  call: CallOptions | undefined,
): Promise<string | undefined> {
  const { clock, retry, logger } = t.options;
  const since = startedAt - retry.reconcileSlackMs;
  let best: Quote | undefined;
  try {
    const listing = quotes(
      t,
      { rfqId: args.rfqId, userFilter: 'self', minTs: since, maxTs: clock.now() + LIST_AHEAD_MS },
      { priority: call?.priority ?? ENDPOINTS.create_quote.priority, signal: call?.signal, maxPages: 20 },
    );
    for await (const quote of listing) {
      if (!sameQuote(quote, args) || quote.createdAt < since) continue;
      if (best === undefined || quote.createdAt > best.createdAt) best = quote;
    }
  } catch (error) {
    throw new QuoteOutcomeUnknownError(
      `response lost (${cause.code}) and listing our quotes failed (${errorCode(error) ?? 'error'}); the quote may be live`,
      t.context({ endpoint: ENDPOINTS.create_quote, rfqId: args.rfqId }),
      { status: cause.status, cause: error },
    );
  }
  if (best !== undefined) {
    logger.warn(
      { rfqId: args.rfqId, quoteId: best.id, error: cause.code },
      'create_quote response lost; adopted the quote that landed',
    );
    return best.id;
  }
  logger.warn({ rfqId: args.rfqId, error: cause.code }, 'create_quote response lost and no quote landed');
  return undefined;
}

function sameQuote(quote: Quote, args: CreateQuoteArgs): boolean {
  return (
    quote.rfqId === args.rfqId &&
    quote.yesBid === args.yesBid &&
    quote.noBid === args.noBid &&
    quote.status !== 'cancelled' &&
    (quote.restRemainder === undefined || quote.restRemainder === args.restRemainder) &&
    (quote.postOnly === undefined || args.postOnly === undefined || quote.postOnly === args.postOnly)
  );
}

function quoteParams(name: string, rfqId: string, quoteId: string) {
  requireId(name, 'rfqId', rfqId);
  requireId(name, 'quoteId', quoteId);
  return { rfq_id: rfqId, quote_id: quoteId };
}

/**
 * Confirms an accepted quote. Retries 429s, 5xx, time-outs and lost connections while the
 * window is open; never sends from `deadline` on. When an earlier attempt may have landed and
 * the final one failed, the quote's status decides: confirmed or executed is success.
 */
export async function confirmQuote(
  t: Transport,
  rfqId: string,
  quoteId: string,
  opts: ConfirmOptions,
): Promise<void> {
  const endpoint = quoteEndpoint('confirm_quote', t.options.pathStyle);
  if (!Number.isFinite(opts?.deadline)) {
    throw new RequestValidationError('a confirm needs a deadline (epoch ms)', endpoint.name, 'deadline');
  }
  const { retry, logger } = t.options;
  let ambiguous = false;
  try {
    await t.retrying(
      {
        endpoint,
        pathParams: quoteParams(endpoint.name, rfqId, quoteId),
        body: {},
        noContent: true,
        parse: () => undefined,
        rfqId,
        quoteId,
        call: opts,
      },
      {
        attempts: retry.confirmAttempts,
        shouldRetry: (error) => {
          const retry = retryClassOf(error);
          if (retry === 'may-have-landed') ambiguous = true;
          return retry === 'transient' || retry === 'may-have-landed';
        },
        baseDelayMs: retry.confirmBaseDelayMs,
        maxDelayMs: retry.confirmMaxDelayMs,
      },
    );
  } catch (error) {
    if (!ambiguous) throw error;
    const quote = await getQuoteOnce(t, rfqId, quoteId, opts);
    if (quote !== undefined && (quote.status === 'confirmed' || quote.status === 'executed')) {
      logger.warn(
        { rfqId, quoteId, error: errorCode(error), status: quote.status },
        'confirm_quote failed after an attempt that landed; the quote is confirmed',
      );
      return;
    }
    throw error;
  }
}

async function getQuoteOnce(
  t: Transport,
  rfqId: string,
  quoteId: string,
  opts: CallOptions,
): Promise<Quote | undefined> {
  try {
    return await getQuote(t, rfqId, quoteId, { priority: opts.priority ?? 'confirm', signal: opts.signal });
  } catch (error) {
    t.options.logger.warn(
      { rfqId, quoteId, error: errorCode(error) },
      'could not read the quote after a failed confirm',
    );
    return undefined;
  }
}

function deleting(t: Transport, request: RequestArgs<void>): Promise<DeleteResult> {
  const { retry } = t.options;
  return t
    .retrying(request, {
      attempts: retry.writeAttempts,
      shouldRetry: isRetryableIdempotent,
      baseDelayMs: retry.baseDelayMs,
      maxDelayMs: retry.maxDelayMs,
    })
    .then(
      (): DeleteResult => ({ outcome: 'deleted' }),
      (error: unknown): DeleteResult => {
        if (error instanceof NotFoundError) return { outcome: 'not_found' };
        throw error;
      },
    );
}

/** Pulls our quote. `not_found`: already gone, cancelled, or accepted (check its status). */
export function deleteQuote(
  t: Transport,
  rfqId: string,
  quoteId: string,
  call?: CallOptions,
): Promise<DeleteResult> {
  const endpoint = quoteEndpoint('delete_quote', t.options.pathStyle);
  return deleting(t, {
    endpoint,
    pathParams: quoteParams(endpoint.name, rfqId, quoteId),
    noContent: true,
    parse: () => undefined,
    rfqId,
    quoteId,
    call,
  });
}

/** Requester side: cancels an RFQ we created. */
export function deleteRfq(t: Transport, rfqId: string, call?: CallOptions): Promise<DeleteResult> {
  requireId(ENDPOINTS.delete_rfq.name, 'rfqId', rfqId);
  return deleting(t, {
    endpoint: ENDPOINTS.delete_rfq,
    pathParams: { rfq_id: rfqId },
    noContent: true,
    parse: () => undefined,
    rfqId,
    call,
  });
}

/** Requester side: accepts one side of a quote. Retried only when provably not processed. */
export async function acceptQuote(
  t: Transport,
  rfqId: string,
  quoteId: string,
  side: Side,
  call?: CallOptions,
): Promise<void> {
  const endpoint = quoteEndpoint('accept_quote', t.options.pathStyle);
  if (side !== 'yes' && side !== 'no') {
    throw new RequestValidationError(
      `must be 'yes' or 'no', got ${JSON.stringify(side)}`,
      endpoint.name,
      'side',
    );
  }
  const { retry } = t.options;
  await t.retrying(
    {
      endpoint,
      pathParams: quoteParams(endpoint.name, rfqId, quoteId),
      body: { accepted_side: side },
      noContent: true,
      parse: () => undefined,
      rfqId,
      quoteId,
      call,
    },
    {
      attempts: retry.writeAttempts,
      shouldRetry: (error) => retryClassOf(error) === 'transient',
      baseDelayMs: retry.baseDelayMs,
      maxDelayMs: retry.maxDelayMs,
    },
  );
}
