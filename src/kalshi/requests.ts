/**
 * Checks and formats request values before anything is sent: prices exactly (at most 4 dp, as
 * requests accept), counts, ids, page sizes, time filters.
 */
import { type Centis, formatCount, formatDollarsMinimal, type Micros, ONE_DOLLAR } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import { RequestValidationError } from './errors.js';

/** Requests accept 2–4 decimal places: a price must be a whole number of $0.0001 (100 micros). */
const REQUEST_PRICE_UNIT: Micros = 100;

/** A price for a request body: 0 to $1, at most 4 dp, formatted minimally ("0.56", "0.5625"). */
export function formatRequestPrice(endpoint: string, field: string, price: Micros): string {
  if (!Number.isSafeInteger(price)) {
    throw new RequestValidationError(`${String(price)} is not an integer number of micros`, endpoint, field);
  }
  if (price < 0 || price > ONE_DOLLAR) {
    throw new RequestValidationError(`${price} micros is outside $0..$1`, endpoint, field);
  }
  if (price % REQUEST_PRICE_UNIT !== 0) {
    throw new RequestValidationError(
      `${price} micros is finer than 4 decimal places ($0.0001); requests accept 2-4`,
      endpoint,
      field,
    );
  }
  return formatDollarsMinimal(price);
}

/** A dollar amount (target cost) for a request body: positive, at most 4 dp. */
export function formatRequestAmount(endpoint: string, field: string, amount: Micros): string {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RequestValidationError(`${String(amount)} micros is not a positive amount`, endpoint, field);
  }
  if (amount % REQUEST_PRICE_UNIT !== 0) {
    throw new RequestValidationError(`${amount} micros is finer than 4 decimal places`, endpoint, field);
  }
  return formatDollarsMinimal(amount);
}

export function formatRequestCount(endpoint: string, field: string, count: Centis): string {
  if (!Number.isSafeInteger(count) || count <= 0) {
    throw new RequestValidationError(
      `${String(count)} centi-contracts is not a positive count`,
      endpoint,
      field,
    );
  }
  return formatCount(count);
}

export function requireId(endpoint: string, field: string, id: string): string {
  if (typeof id !== 'string' || id.trim() === '' || id !== id.trim()) {
    throw new RequestValidationError(`${JSON.stringify(id)} is not an id`, endpoint, field);
  }
  return id;
}

export function checkLimit(endpoint: string, limit: number | undefined, max: number): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new RequestValidationError(
      `must be an integer from 1 to ${max}, got ${String(limit)}`,
      endpoint,
      'limit',
    );
  }
  return limit;
}

/**
 * The size check of a listing page: no more items than the limit sent, or, with none sent, than
 * the endpoint's maximum (the exchange's default is never above it).
 */
export function pageCheck<P extends { readonly items: readonly unknown[] }>(
  limit: number | undefined,
  max: number,
): { readonly limit: number; count(page: P): number } {
  return { limit: limit ?? max, count: (page) => page.items.length };
}

export function checkSubaccount(endpoint: string, subaccount: number | undefined): number | undefined {
  if (subaccount === undefined) return undefined;
  if (!Number.isSafeInteger(subaccount) || subaccount < 0 || subaccount > 63) {
    throw new RequestValidationError(`must be 0 to 63, got ${String(subaccount)}`, endpoint, 'subaccount');
  }
  return subaccount;
}

/** Epoch ms to the Unix seconds the exchange filters on: lower bounds round down, upper up. */
export function toUnixSeconds(ms: EpochMs | undefined, bound: 'min' | 'max'): number | undefined {
  if (ms === undefined) return undefined;
  if (!Number.isFinite(ms)) throw new RangeError(`timestamp ${String(ms)} is not finite`);
  return bound === 'min' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
}
