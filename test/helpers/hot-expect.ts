/**
 * Assertions for hot loops (properties run thousands of times): each vitest `expect()` call costs
 * ~20 µs (it copies its matcher state), 2–3 s of the suite's CPU in a handful of properties. These
 * compare first and hand the values to `expect` only when the check fails, for its usual message.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';

/** `expect(actual).toBe(expected)`. */
export function expectIs<T>(actual: T, expected: T): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}

/** `expect(actual).toEqual(expected)` (a strictly equal pair passes without it). */
export function expectEqual<T>(actual: T, expected: T): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** `expect(actual).toBeLessThanOrEqual(limit)`. */
export function expectAtMost(actual: number | bigint, limit: number | bigint): void {
  if (!(actual <= limit)) expect(actual).toBeLessThanOrEqual(limit);
}

/** `expect(actual).toBeGreaterThanOrEqual(limit)`. */
export function expectAtLeast(actual: number | bigint, limit: number | bigint): void {
  if (!(actual >= limit)) expect(actual).toBeGreaterThanOrEqual(limit);
}

/** `expect(actual).toBeGreaterThan(limit)`. */
export function expectAbove(actual: number | bigint, limit: number | bigint): void {
  if (!(actual > limit)) expect(actual).toBeGreaterThan(limit);
}
