/** The public option and result types of the action queue (`ActionQueue`). */

import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { TierLimits } from '../domain/rate-limits.js';
import type { BudgetSnapshot, Priority, RequestSpec } from '../kalshi/gate.js';
import type { RejectReason } from './lanes.js';
import type { SharedBudget } from './shared-grants.js';
import type { RateLimitBackoff } from './token-bucket.js';

/** Observability callbacks; a hook that throws is logged and ignored. */
export interface ActionQueueHooks {
  /** A call is being sent; `waitedMs` since this attempt was queued, `attempt` counts from 1. */
  readonly onAdmit?: (spec: RequestSpec, waitedMs: number, attempt: number) => void;
  /** A send was answered 429 (`RateLimitError`). */
  readonly onRateLimited?: (spec: RequestSpec, attempt: number) => void;
  /** A call was refused without being sent (again). */
  readonly onReject?: (spec: RequestSpec, reason: RejectReason) => void;
}

export interface ActionQueueOptions {
  /** Budgets per bucket: `TIER_LIMITS[tier]` or what `GET /account/limits` returned. */
  readonly limits: TierLimits;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Most calls in flight at once. @default 32 */
  readonly concurrency?: number;
  /** In-flight slots only confirms may use, so a slow exchange full of creates cannot hold one up. @default 2 */
  readonly confirmSlots?: number;
  /** Fraction of the published refill rate to use: our bucket and the exchange's are not phase-aligned. @default 0.95 */
  readonly safetyFactor?: number;
  /** Fraction of capacity each bucket holds at start. @default 1 */
  readonly initialFill?: number;
  /**
   * Tokens per bucket that only confirms (and deletes, with `deletesUseReserve`) may spend.
   * Must stay below the bucket's capacity.
   * @default { read: 0, write: 10 } (one confirm)
   */
  readonly reserve?: { readonly read?: number; readonly write?: number };
  /** Lets deletes spend the reserve too. @default false */
  readonly deletesUseReserve?: boolean;
  /** Rate shrinking and recovery after a 429. @default DEFAULT_BACKOFF (halve, floor 0.1, 4 s recovery) */
  readonly backoff?: RateLimitBackoff;
  /** 429s a call may get before its RateLimitError reaches the caller. @default 5 */
  readonly maxRateLimitRetries?: number;
  readonly hooks?: ActionQueueHooks;
  readonly logger?: Logger;
  /**
   * Budgets shared with other instances on the same account (cluster.redis): admission asks
   * this instead of the local buckets; priorities and the reserve floors stay as they are.
   * @default undefined (the local buckets alone)
   */
  readonly shared?: SharedBudget;
}

/** A BudgetSnapshot plus what the queue knows beyond the gate contract. */
export interface ActionQueueBudget extends BudgetSnapshot {
  /** Tokens of `available` that only confirms (and maybe deletes) may spend. */
  readonly reserve: number;
  /** The published refill rate (`refillRate` is what we use now). */
  readonly nominalRefillRate: number;
  /** 1, or below 1 while the rate is slowed after a 429 and climbing back. */
  readonly slowdown: number;
  readonly inFlight: number;
}

export interface BucketStats {
  /** Tokens spent since start (monotonic; export as a counter). */
  readonly tokensSpent: number;
  /** Sends, retries included. */
  readonly sent: number;
  readonly rateLimited: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  readonly queued: number;
  readonly inFlight: number;
}

/** What a closed queue still sends (`ActionQueue.close`). */
export interface CloseOptions {
  /** Priorities still queued and sent. @default [] */
  readonly allow?: readonly Priority[];
  /**
   * Every call of the read bucket, whatever its priority: a read sent at confirm priority (the
   * own-quote listing, a quote looked up) is still only a read. @default false
   */
  readonly reads?: boolean;
}

export interface DrainOptions {
  /** Priorities that may still be queued and sent while draining. @default ['confirm', 'delete'] */
  readonly allow?: readonly Priority[];
  /** How long to wait for idle before refusing whatever is still queued. @default 10_000 */
  readonly timeoutMs?: number;
}

export interface DrainResult {
  /** Whether every call settled within the time limit. */
  readonly idle: boolean;
  /** Calls still in flight when drain returned (not cancellable: their sends are under way). */
  readonly inFlight: number;
}
