import type { Clock, Timer } from '../../domain/clock.js';
import type { Rng } from '../random.js';
import type { TruthOptions } from '../truth.js';
import type { Exchange } from './exchange.js';

const ROLL_TICK_MS = 1_000;
const PURGE_EVERY_MS = 3_600_000;

/**
 * The exchange's own housekeeping on simulation time: server rolls (each flushes every open
 * quote) at `flushesPerHour` plus the `flushRate` fault, and the 7-day retention of closed
 * RFQs and cancelled quotes.
 */
export class Housekeeping {
  private rollTimer: Timer | undefined;
  private purgeTimer: Timer | undefined;

  constructor(
    private readonly exchange: Exchange,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly truth: Readonly<TruthOptions>,
    private readonly faultFlushRate: () => number,
  ) {}

  start(): void {
    const rollTick = (): void => {
      const chance = this.truth.flushesPerHour / 3_600 + this.faultFlushRate();
      if (this.rng.chance(Math.min(1, chance))) this.exchange.flushOpenQuotes();
      this.rollTimer = this.clock.schedule(ROLL_TICK_MS, rollTick);
    };
    this.rollTimer = this.clock.schedule(ROLL_TICK_MS, rollTick);
    const purgeTick = (): void => {
      this.purgeNow();
      this.purgeTimer = this.clock.schedule(PURGE_EVERY_MS, purgeTick);
    };
    this.purgeTimer = this.clock.schedule(PURGE_EVERY_MS, purgeTick);
  }

  /** Drops what the retention period no longer keeps. */
  purgeNow(): void {
    if (this.truth.retentionMs > 0) this.exchange.purge(this.clock.now() - this.truth.retentionMs);
  }

  stop(): void {
    this.rollTimer?.cancel();
    this.purgeTimer?.cancel();
  }
}
