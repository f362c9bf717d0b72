import { parseCount, parseDollars } from '../../domain/money.js';
import type { SimUser } from '../accounts/accounts.js';
import { invalidParameters, SimError } from '../errors.js';
import type { RouteContext } from './router.js';

/** Query and body readers: anything malformed is a 400 naming the field. */

export function requireUser(ctx: RouteContext): SimUser {
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

/** The JSON body as an object (a 400 for anything else). */
export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  const body = ctx.body;
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

/** A dollar string with at most 4 decimal places (what requests accept). */
export function bodyDollars(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
): number | undefined {
  const v = bodyString(body, name, required);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d{1,4})?$/.test(v.trim()))
    throw invalidParameters(`${name} must be a dollar string with up to 4 decimals`);
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
