/**
 * Exchange errors as the simulator returns them. On the wire Kalshi nests the object under
 * `error` (`{"error":{"code","message"}}`; `service` was removed from every error body on
 * 2026-08-06). The 429 body is different (a bare string), see `TOO_MANY_REQUESTS_BODY`.
 */
export class SimError extends Error {
  override readonly name = 'SimError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; details?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const TOO_MANY_REQUESTS_BODY = Object.freeze({ error: 'too many requests' });

export const invalidParameters = (message: string): SimError =>
  new SimError(400, 'invalid_parameters', message);

export const notFound = (message = 'not found'): SimError => new SimError(404, 'not_found', message);

export const rfqClosed = (): SimError =>
  new SimError(400, 'RFQ_CLOSED', 'RFQ is closed (deleted, expired, or already executed)');

export const expired = (): SimError => new SimError(400, 'expired', 'expired');

export const insufficientBalance = (): SimError =>
  new SimError(400, 'insufficient_balance', 'insufficient balance');

export const marketInactive = (ticker: string): SimError =>
  new SimError(400, 'MARKET_INACTIVE', `market ${ticker} is not active`);

export const forbidden = (message: string): SimError => new SimError(403, 'forbidden', message);

export const conflict = (code: string, message: string): SimError => new SimError(409, code, message);

export const invalidContentType = (): SimError =>
  new SimError(400, 'invalid_content_type', 'invalid content type: expected application/json');

export const internalError = (): SimError =>
  new SimError(500, 'internal_server_error', 'internal server error');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Ids arrive in paths and bodies; a malformed one is a 400, as on Kalshi. */
export function requireUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isUuid(value)) {
    throw invalidParameters(`${field} must be a UUID`);
  }
  return value;
}
