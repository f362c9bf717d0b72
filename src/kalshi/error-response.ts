/**
 * An HTTP error answer read into an error class: the exchange's body in every shape seen, clipped
 * to one bounded line (a body we do not trust), and the status mapped to its class.
 */
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  type ErrorContext,
  type ExchangeErrorBody,
  type KalshiApiError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  UnexpectedStatusError,
} from './errors.js';

const MAX_MESSAGE = 200;

/** One-line, bounded text from a body we do not trust (HTML error pages, binary junk). */
function clip(text: string): string {
  let flat = '';
  for (const ch of text.slice(0, MAX_MESSAGE * 4)) {
    const c = ch.codePointAt(0) ?? 0;
    flat += c < 0x20 || c === 0x7f ? ' ' : ch;
  }
  flat = flat.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? clip(value) : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function fromObject(obj: Record<string, unknown>): ExchangeErrorBody {
  return {
    rawCode: asText(obj['code']),
    message: asText(obj['message']) ?? asText(obj['msg']),
    service: asText(obj['service']),
    details: asText(obj['details']),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an error body in every shape seen: `{"error":{code,message,service,details}}`,
 * `{"error":"too many requests"}`, a bare `{code,message}`, or text that is not JSON.
 */
export function parseErrorBody(body: unknown): ExchangeErrorBody {
  let value = body;
  if (typeof body === 'string') {
    if (body.trim() === '') return {};
    try {
      value = JSON.parse(body);
    } catch {
      return { message: clip(body) };
    }
  }
  if (!isRecord(value)) return typeof value === 'string' ? { message: clip(value) } : {};
  const inner = value['error'];
  if (isRecord(inner)) return fromObject(inner);
  if (typeof inner === 'string') return { message: clip(inner) };
  return fromObject(value);
}

function describeExchange(status: number, exchange: ExchangeErrorBody): string {
  const parts = [`HTTP ${status}`];
  if (exchange.rawCode !== undefined) parts.push(exchange.rawCode);
  const text = [parts.join(' ')];
  if (exchange.message !== undefined && exchange.message !== exchange.rawCode) text.push(exchange.message);
  if (exchange.details !== undefined) text.push(`(${exchange.details})`);
  return text.join(': ');
}

/** The one place an HTTP error status becomes an error class. */
export function errorFromResponse(status: number, body: unknown, context: ErrorContext): KalshiApiError {
  const exchange = parseErrorBody(body);
  const message = describeExchange(status, exchange);
  const init = { status, exchange };
  if (status === 400) return new BadRequestError(message, context, init);
  if (status === 401) return new AuthenticationError(message, context, init);
  if (status === 403) return new PermissionError(message, context, init);
  if (status === 404) return new NotFoundError(message, context, init);
  if (status === 409) return new ConflictError(message, context, init);
  if (status === 429) return new RateLimitError(message, context, init);
  if (status >= 500 && status <= 599) return new ServerError(message, context, init);
  if (status >= 400 && status <= 499) return new BadRequestError(message, context, init);
  return new UnexpectedStatusError(message, context, init);
}
