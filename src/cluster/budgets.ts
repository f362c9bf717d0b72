/**
 * The account's read and write budgets in Redis, shared by every instance on the account: one
 * Lua script refills by Redis's clock and takes a call's tokens only if the floor (the confirm
 * reserve, for callers that may not spend it) stays, so the reserve is global and a confirm is
 * never starved by another instance's creates. While Redis is unreachable each instance draws
 * from a local bucket holding `localShare` of the budget.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { TierLimits } from '../domain/rate-limits.js';
import type { Bucket } from '../kalshi/gate.js';
import type { SharedBudget, SharedTake } from '../throttle/shared-grants.js';
import { TokenBucket } from '../throttle/token-bucket.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterKeys } from './keys.js';

export interface RedisBudgetOptions {
  readonly connection: ClusterConnection;
  readonly keys: ClusterKeys;
  readonly limits: TierLimits;
  /** Fraction of the published refill rate used (exchange.budgetSafety). */
  readonly safety: number;
  /** Fraction of the budget used alone while Redis is unreachable. */
  readonly localShare: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A script failed although the connection looked up (for the readiness detail). */
  readonly onFailure?: (error: unknown) => void;
}

export class RedisBudget implements SharedBudget {
  readonly #options: RedisBudgetOptions;
  #limits: TierLimits;
  #local: Record<Bucket, TokenBucket>;
  /** The shared bucket's level as Redis last answered, and when (see level()). */
  readonly #levels: Record<Bucket, { level: number; at: number }>;
  /** Tokens taken while Redis was unreachable (local share), per bucket. */
  readonly localSpent: Record<Bucket, number> = { read: 0, write: 0 };

  constructor(options: RedisBudgetOptions) {
    this.#options = options;
    this.#limits = options.limits;
    this.#local = this.#makeLocal(options.limits);
    const now = options.clock.now();
    this.#levels = {
      read: { level: options.limits.read.capacity, at: now },
      write: { level: options.limits.write.capacity, at: now },
    };
    // The shared bucket may be drained when Redis goes: the local share starts empty then. When
    // Redis returns, the exchange's bucket holds what the local shares left of it, while Redis's
    // may have lost its key (and would start full): the shared one starts empty too.
    let wasDown = false;
    options.connection.onChange((up) => {
      if (!up) {
        wasDown = true;
        this.#local = this.#makeLocal(this.#limits);
      } else if (wasDown) {
        wasDown = false;
        for (const bucket of ['read', 'write'] as const) {
          this.#levels[bucket] = { level: 0, at: options.clock.now() };
          void options.connection.run('bucketEmpty', options.keys.bucket(bucket)).catch(() => undefined);
        }
      }
    });
  }

  async take(bucket: Bucket, cost: number, floor: number): Promise<number> {
    return (await this.takeUpTo(bucket, cost, cost, floor)).waitMs;
  }

  async takeUpTo(bucket: Bucket, cost: number, want: number, floor: number): Promise<SharedTake> {
    const { connection, keys } = this.#options;
    if (connection.up) {
      const budget = this.#limits[bucket];
      try {
        const reply = (await connection.run(
          'bucketTake',
          keys.bucket(bucket),
          budget.refillRate * this.#options.safety,
          budget.capacity,
          cost,
          floor,
          want,
        )) as [number, number, string, string];
        this.#levels[bucket] = { level: Number(reply[2]), at: this.#options.clock.now() };
        return reply[0] === 1
          ? { taken: Number(reply[3]), waitMs: 0 }
          : { taken: 0, waitMs: Math.max(1, Number(reply[1])) };
      } catch (error) {
        this.#options.onFailure?.(error);
      }
    }
    const waitMs = this.#takeLocal(bucket, cost, floor);
    return { taken: waitMs === 0 ? cost : 0, waitMs };
  }

  rateLimited(bucket: Bucket): void {
    const { connection, keys, clock } = this.#options;
    this.#local[bucket].penalize(clock.now(), clock.now());
    if (connection.up) void connection.run('bucketEmpty', keys.bucket(bucket)).catch(() => undefined);
  }

  setLimits(limits: TierLimits): void {
    this.#limits = limits;
    this.#local = this.#makeLocal(limits);
  }

  level(bucket: Bucket): number {
    if (this.#options.connection.up) {
      // Refilled since Redis last answered, as its script would: a caller that waits for the
      // level to rise before taking (the poller) must not wait on an answer that never comes.
      const { level, at } = this.#levels[bucket];
      const budget = this.#limits[bucket];
      const elapsedMs = Math.max(0, this.#options.clock.now() - at);
      return Math.min(budget.capacity, level + (elapsedMs * budget.refillRate * this.#options.safety) / 1000);
    }
    return this.#local[bucket].level(this.#options.clock.now());
  }

  /** The local share: same rules, a fraction of the budget, this process only. */
  #takeLocal(bucket: Bucket, cost: number, floor: number): number {
    const now = this.#options.clock.now();
    const local = this.#local[bucket];
    if (cost < 0) return 0;
    const scaledFloor = floor * this.#options.localShare;
    if (local.tryTake(cost, scaledFloor, now)) {
      // No per-call answer reaches here: count it answered at once (no unanswered ceiling).
      local.answered(cost, now);
      this.localSpent[bucket] += cost;
      return 0;
    }
    const wait = local.msUntil(cost + scaledFloor, now);
    return Number.isFinite(wait) ? Math.max(1, wait) : 1_000;
  }

  #makeLocal(limits: TierLimits): Record<Bucket, TokenBucket> {
    const share = this.#options.localShare;
    const now = this.#options.clock.now();
    const make = (bucket: Bucket) =>
      new TokenBucket({
        budget: {
          refillRate: limits[bucket].refillRate * share,
          capacity: Math.max(1, limits[bucket].capacity * share),
        },
        safetyFactor: this.#options.safety,
        initialFill: 0,
        now,
      });
    return { read: make('read'), write: make('write') };
  }
}
