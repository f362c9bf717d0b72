import { parseCount, parseDollars } from '../../domain/money.js';
import type { SimUser } from '../accounts/accounts.js';
import { SimError } from '../errors.js';

/** Query and body readers: anything malformed is a 400 naming the field. */

/**
 * A malformed query or body field: Kalshi's `invalid_parameters`. Its own class so the admin
 * API can answer its plain `{error}` shape for it while exchange rules keep Kalshi's body.
 */
export class ParamError extends SimError {
  constructor(message: string, service = 'midland') {
    super(400, 'invalid_parameters', message, service);
  }
}

const invalidParameters = (message: string, service?: string): ParamError => new ParamError(message, service);

export function requireUser(ctx: { readonly user: SimUser | undefined }): SimUser {
  if (!ctx.user)
    throw new SimError(401, 'signature_is_missing_from_headers', 'signature is missing from headers');
  return ctx.user;
}

export function queryString(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

export function queryInt(
  query: URLSearchParams,
  name: string,
  opts: { min?: number; max?: number; fallback?: number } = {},
): number | undefined {
  const raw = queryString(query, name);
  if (raw === undefined) return opts.fallback;
  if (!/^-?\d{1,15}$/.test(raw)) throw invalidParameters(`${name} must be an integer`);
  const n = Number(raw);
  if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw invalidParameters(`${name} must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}`);
  }
  return n;
}

export function queryBool(query: URLSearchParams, name: string): boolean | undefined {
  const raw = queryString(query, name);
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalidParameters(`${name} must be true or false`);
}

export function queryEnum<T extends string>(
  query: URLSearchParams,
  name: string,
  values: readonly T[],
): T | undefined {
  const raw = queryString(query, name);
  if (raw === undefined) return undefined;
  if (!(values as readonly string[]).includes(raw)) {
    throw invalidParameters(`${name} must be one of ${values.join(', ')}`);
  }
  return raw as T;
}

/** The JSON body as an object (a 400 for anything else; `optional`: no body reads as `{}`). */
export function bodyObject(ctx: { readonly body: unknown }, optional = false): Record<string, unknown> {
  const body = ctx.body;
  if (optional && body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidParameters('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function bodyBool(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw invalidParameters(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'boolean') throw invalidParameters(`${name} must be a boolean`);
  return v;
}

export function bodyString(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw invalidParameters(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidParameters(`${name} must be a string`);
  return v;
}

export function bodyInt(
  body: Record<string, unknown>,
  name: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw invalidParameters(`${name} must be an integer`);
  if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    throw invalidParameters(`${name} is out of range`);
  }
  return v;
}

/** A finite number, fractions allowed (rates, durations, sizes in contracts). */
export function bodyNumber(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParameters(`${name} must be a number`);
  return v;
}

/**
 * A dollar string with at most `decimals` places: 4 is what Kalshi's requests accept; the
 * admin API takes fair values to the micro (6).
 */
export function bodyDollars(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
  decimals: 4 | 6 = 4,
): number | undefined {
  const v = bodyString(body, name, required);
  if (v === undefined) return undefined;
  const pattern = decimals === 4 ? /^\d+(\.\d{1,4})?$/ : /^\d+(\.\d{1,6})?$/;
  if (!pattern.test(v.trim()))
    throw invalidParameters(`${name} must be a dollar string with up to ${decimals} decimals`);
  return parseDollars(v, name);
}

/** A count string with at most 2 decimal places. */
export function bodyCount(body: Record<string, unknown>, name: string): number | undefined {
  const v = bodyString(body, name, false);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d{1,2})?$/.test(v.trim()))
    throw invalidParameters(`${name} must be a count with up to 2 decimals`);
  return parseCount(v, name);
}
