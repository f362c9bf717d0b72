import type { Clock } from '../../domain/clock.js';
import type { EpochMs } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import type { SimCounters } from '../stats.js';
import type { TruthOptions } from '../truth.js';

/**
 * Kalshi (changelog 2026-08-22): "quoters with post-only set to true may be temporarily rate
 * limited if they cross several times in short succession". `crossLimit` post-only crosses
 * within `crossWindowMs` refuse the user's writes (429) for `crossPenaltyMs`.
 */
export class CrossGuard {
  private readonly crosses = new Map<string, EpochMs[]>();
  private readonly penalties = new Map<string, EpochMs>();

  constructor(
    private readonly clock: Clock,
    private readonly truth: Readonly<TruthOptions>,
    private readonly counters: SimCounters,
  ) {}

  /** A post-only leg of `user` was cancelled instead of crossing. */
  record(user: SimUser): void {
    const { crossLimit, crossWindowMs, crossPenaltyMs } = this.truth;
    if (crossLimit <= 0) return;
    const now = this.clock.now();
    const recent = (this.crosses.get(user.id) ?? []).filter((t) => t > now - crossWindowMs);
    recent.push(now);
    if (recent.length >= crossLimit) {
      this.penalties.set(user.id, now + crossPenaltyMs);
      this.crosses.delete(user.id);
      this.counters.crossPenalties++;
      return;
    }
    this.crosses.set(user.id, recent);
  }

  /** Whether the user's writes are refused right now. */
  limited(user: SimUser): boolean {
    const until = this.penalties.get(user.id);
    if (until === undefined) return false;
    if (this.clock.now() < until) return true;
    this.penalties.delete(user.id);
    return false;
  }
}
