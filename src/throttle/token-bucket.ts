/**
 * Our copy of one of the exchange's token buckets (fact sheet §7). We never know the exchange's
 * exact level, so we spend from a bucket that refills slower than the published rate
 * (`safetyFactor`) and that shrinks its rate for a while after a 429.
 */

import type { TokenBudget } from '../domain/rate-limits.js';

/** An option of the rate limiter (bucket, queue) is out of range. */
export class GateConfigError extends Error {
  override readonly name = 'GateConfigError';
  readonly code = 'invalid_gate_config';
  constructor(
    message: string,
    /** The option at fault, e.g. `limits.write.capacity`. */
    readonly field: string,
  ) {
    super(message);
  }
}

/** How a bucket reacts to a 429. */
export interface RateLimitBackoff {
  /**
   * Multiplies the current rate on a fresh 429 (one caused by a call sent after the previous
   * backoff; 429s already in flight then do not shrink it again).
   * @default 0.5
   */
  readonly backoffFactor: number;
  /** Lowest multiplier repeated 429s can reach. @default 0.1 */
  readonly minFactor: number;
  /**
   * The rate climbs linearly from the shrunk value back to full over this long. Short, because
   * the buckets already run below the published budget: a 429 mostly means a passing condition
   * at the exchange or another user of the key, and every fresh 429 shrinks the rate again.
   * @default 4_000
   */
  readonly recoveryMs: number;
}

export const DEFAULT_BACKOFF: RateLimitBackoff = Object.freeze({
  backoffFactor: 0.5,
  minFactor: 0.1,
  recoveryMs: 4_000,
});

export interface TokenBucketOptions {
  /** The exchange's published budget for this bucket. */
  readonly budget: TokenBudget;
  /** Fraction of the published refill rate we allow ourselves. @default 0.95 */
  readonly safetyFactor?: number;
  /** Fraction of capacity the bucket holds at `now`. @default 1 */
  readonly initialFill?: number;
  readonly backoff?: RateLimitBackoff;
  /** Epoch ms the bucket starts at. */
  readonly now: number;
}

/** Throws GateConfigError unless `value` is finite and within [min, max]. */
export function checkRange(
  field: string,
  value: number,
  min: number,
  max: number,
  minExclusive = false,
): void {
  const low = minExclusive ? value <= min : value < min;
  if (!Number.isFinite(value) || low || value > max) {
    const range = `${minExclusive ? '(' : '['}${min}, ${max}]`;
    throw new GateConfigError(`${field} must be a number in ${range}, found ${value}`, field);
  }
}

export function checkBudget(field: string, budget: TokenBudget): void {
  checkRange(`${field}.refillRate`, budget.refillRate, 0, Number.MAX_SAFE_INTEGER, true);
  checkRange(`${field}.capacity`, budget.capacity, 0, Number.MAX_SAFE_INTEGER, true);
}

/**
 * A continuously refilled token bucket. Times are epoch ms, rates tokens per second.
 *
 * Guarantee: the tokens taken in any window [t, t + w] never exceed
 * `capacity + refillRate × safetyFactor × w` (a 429 penalty only lowers the rate). A clock that
 * steps backwards pauses refilling until it catches up.
 */
export class TokenBucket {
  #capacity: number;
  #nominalRate: number;
  readonly #safety: number;
  readonly #backoff: RateLimitBackoff;
  #level: number;
  #updatedAt: number;
  /** The multiplier right after the last fresh 429, and when that was. */
  #penalty: { readonly factor: number; readonly at: number } | undefined;
  #lastPenaltyAt = Number.NEGATIVE_INFINITY;
  #spent = 0;
  #unanswered = 0;

  constructor(options: TokenBucketOptions) {
    checkBudget('budget', options.budget);
    const safety = options.safetyFactor ?? 0.95;
    checkRange('safetyFactor', safety, 0, 1, true);
    const fill = options.initialFill ?? 1;
    checkRange('initialFill', fill, 0, 1);
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    checkRange('backoff.backoffFactor', backoff.backoffFactor, 0, 1, true);
    checkRange('backoff.minFactor', backoff.minFactor, 0, 1, true);
    checkRange('backoff.recoveryMs', backoff.recoveryMs, 0, Number.MAX_SAFE_INTEGER);
    this.#capacity = options.budget.capacity;
    this.#nominalRate = options.budget.refillRate;
    this.#safety = safety;
    this.#backoff = backoff;
    this.#level = this.#capacity * fill;
    this.#updatedAt = options.now;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The published refill rate, tokens/s. */
  get nominalRate(): number {
    return this.#nominalRate;
  }

  /** Tokens taken since creation. */
  get spent(): number {
    return this.#spent;
  }

  /** The 429 penalty multiplier at `now`: 1 when none is in force. */
  factorAt(now: number): number {
    const penalty = this.#penalty;
    const recovery = this.#backoff.recoveryMs;
    if (penalty === undefined || recovery <= 0 || now >= penalty.at + recovery) return 1;
    const progress = Math.max(0, now - penalty.at) / recovery;
    return penalty.factor + (1 - penalty.factor) * progress;
  }

  /** The rate we refill at, at `now`, tokens/s. */
  rateAt(now: number): number {
    return this.#nominalRate * this.#safety * this.factorAt(now);
  }

  /** Tokens of calls sent and not answered yet: the exchange may not have taken them yet. */
  get unanswered(): number {
    return this.#unanswered;
  }

  /** A call that took `cost` was answered (or failed): the exchange has taken its tokens, or never will. */
  answered(cost: number, now: number): void {
    this.#refill(now);
    this.#unanswered = Math.max(0, this.#unanswered - cost);
  }

  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  /** Whether `cost` can be taken now while leaving at least `floor` tokens. */
  canTake(cost: number, floor: number, now: number): boolean {
    this.#refill(now);
    return this.#level - cost >= floor;
  }

  /** Takes `cost` if that leaves at least `floor` tokens. */
  tryTake(cost: number, floor: number, now: number): boolean {
    if (!this.canTake(cost, floor, now)) return false;
    this.#level -= cost;
    this.#spent += cost;
    this.#unanswered += cost;
    return true;
  }

  /**
   * Milliseconds until the bucket holds `target` tokens, if nothing is taken meanwhile: 0 when it
   * already does, Infinity when it never can. Assumes the current rate, which a penalty only
   * raises over time, so the answer is never early by more than float rounding.
   */
  msUntil(target: number, now: number): number {
    this.#refill(now);
    const deficit = target - this.#level;
    if (deficit <= 0) return 0;
    // Above what refill can reach before answers come: the answer, not a timer, makes room.
    if (target > this.#capacity - this.#unanswered) return Number.POSITIVE_INFINITY;
    return Math.max(1, Math.ceil((deficit * 1000) / this.rateAt(now)));
  }

  /**
   * Reacts to a 429 for a call sent at `sentAt`. A fresh one (sent after the previous penalty)
   * means the exchange's bucket is empty now: ours is emptied and its rate shrunk. Returns
   * whether it was fresh.
   */
  penalize(sentAt: number, now: number): boolean {
    this.#refill(now);
    if (sentAt < this.#lastPenaltyAt) return false;
    const factor = Math.max(this.#backoff.minFactor, this.factorAt(now) * this.#backoff.backoffFactor);
    this.#penalty = { factor, at: now };
    this.#lastPenaltyAt = now;
    this.#level = 0;
    return true;
  }

  /** Adopts a new budget (e.g. from `GET /account/limits`); the level is kept, capped at the new capacity. */
  setBudget(budget: TokenBudget, now: number): void {
    checkBudget('budget', budget);
    this.#refill(now);
    this.#capacity = budget.capacity;
    this.#nominalRate = budget.refillRate;
    this.#level = Math.min(this.#level, this.#capacity);
  }

  #refill(now: number): void {
    if (!(now > this.#updatedAt)) return;
    const perMs = (this.#nominalRate * this.#safety) / 1000;
    // The exchange's bucket stops filling at capacity while our unanswered calls wait there
    // untaken (a slow or stalled exchange); taken later, they leave it emptier than a model
    // that took them at sending. So refill stops at capacity less what is unanswered.
    const ceiling = Math.max(this.#level, this.#capacity - this.#unanswered);
    this.#level = Math.min(ceiling, this.#level + perMs * this.#factorIntegral(this.#updatedAt, now));
    this.#updatedAt = now;
    const penalty = this.#penalty;
    if (penalty !== undefined && now >= penalty.at + this.#backoff.recoveryMs) this.#penalty = undefined;
  }

  /** ∫ factor dt over [from, to]: the factor is linear until recovery ends, then 1. */
  #factorIntegral(from: number, to: number): number {
    const penalty = this.#penalty;
    if (penalty === undefined) return to - from;
    const end = penalty.at + this.#backoff.recoveryMs;
    let total = Math.max(0, to - Math.max(from, end));
    const linearEnd = Math.min(to, end);
    if (linearEnd > from)
      total += ((this.factorAt(from) + this.factorAt(linearEnd)) / 2) * (linearEnd - from);
    return total;
  }
}
