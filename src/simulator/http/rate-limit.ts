import type { Clock } from '../../domain/clock.js';
import {
  DEFAULT_TOKEN_COST,
  KNOWN_ENDPOINT_COSTS,
  TIER_LIMITS,
  type TierLimits,
  type TokenBudget,
} from '../../domain/rate-limits.js';
import type { EpochMs } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';

class TokenBucket {
  private tokens: number;
  private last: EpochMs;

  constructor(
    readonly budget: TokenBudget,
    now: EpochMs,
  ) {
    this.tokens = budget.capacity;
    this.last = now;
  }

  take(cost: number, now: EpochMs): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.budget.capacity, this.tokens + elapsed * this.budget.refillRate);
    this.last = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

export interface RateLimitConfig {
  readonly wallClock: Clock;
  /** Overrides every user's tier budgets (tests use tiny buckets). */
  readonly limits?: TierLimits;
  /** `"METHOD /template"` → cost, on top of Kalshi's known non-default costs. */
  readonly endpointCosts?: Readonly<Record<string, number>>;
  readonly defaultCost?: number;
}

/** Kalshi's token buckets: per user, one read and one write bucket, per-endpoint costs. */
export class RateLimiter {
  private readonly buckets = new Map<string, { read: TokenBucket; write: TokenBucket; limits: TierLimits }>();
  readonly costs: Readonly<Record<string, number>>;
  readonly defaultCost: number;

  constructor(private readonly config: RateLimitConfig) {
    this.costs = { ...KNOWN_ENDPOINT_COSTS, ...config.endpointCosts };
    this.defaultCost = config.defaultCost ?? DEFAULT_TOKEN_COST;
  }

  limitsFor(user: SimUser): TierLimits {
    return user.limits ?? this.config.limits ?? TIER_LIMITS[user.tier];
  }

  costOf(method: string, template: string): number {
    return this.costs[`${method.toUpperCase()} ${template}`] ?? this.defaultCost;
  }

  /** Takes `cost` tokens from the user's bucket; false means 429. */
  allow(user: SimUser, bucket: 'read' | 'write', cost: number): boolean {
    const now = this.config.wallClock.now();
    const limits = this.limitsFor(user);
    let entry = this.buckets.get(user.id);
    if (!entry || entry.limits !== limits) {
      entry = { read: new TokenBucket(limits.read, now), write: new TokenBucket(limits.write, now), limits };
      this.buckets.set(user.id, entry);
    }
    return entry[bucket].take(cost, now);
  }
}
