import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import type { EpochMs, Fill } from '../domain/types.js';
import type { FillFilter, ListOptions } from '../kalshi/index.js';
import type { FillSource } from './context.js';

/** How far before the newest fill seen each listing starts: fills may be listed late. */
export const FILL_LISTING_SLACK_MS = 60_000;

export interface FillSyncOptions {
  readonly source: { fills(filter?: FillFilter, opts?: ListOptions): AsyncIterable<Fill> };
  /** Books one fill (`FillIntake.take`); true when it was new. */
  readonly take: (fill: Fill, source: FillSource) => boolean;
  /** Called every tick (unclaimed fills past their grace are reported then). */
  readonly onTick?: () => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly slackMs?: number;
  /** Whether the `fill` push is subscribed: a fill only the listing brings is then worth a warning. */
  readonly pushConnected?: () => boolean;
}

/**
 * `GET /portfolio/fills` as the reconciler of the `fill` push: every `intervalMs`, after a gap or
 * a reconnect, before a position reconciliation and at shutdown, it lists our fills from a little
 * before the newest one seen and books the ones missing (the book counts each trade id once).
 * Listings never overlap: a sync asked for during one waits for it and runs once more.
 */
export class FillSync {
  readonly #options: FillSyncOptions;
  #from: EpochMs;
  #timer: Timer | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: FillSyncOptions, from: EpochMs) {
    this.#options = options;
    this.#from = from;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = repeatEvery(
      this.#options.clock,
      this.#options.intervalMs,
      () => {
        this.#options.onTick?.();
        void this.sync('periodic').catch(() => undefined);
      },
      { unref: true },
    );
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Books what the exchange lists and we lack; resolves with how many fills were new. */
  sync(reason: string): Promise<number> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let booked = 0;
      try {
        do {
          this.#again = false;
          booked += await this.#list(reason);
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
      return booked;
    })();
    return this.#running;
  }

  async #list(reason: string): Promise<number> {
    const { source, take, logger } = this.#options;
    const slack = this.#options.slackMs ?? FILL_LISTING_SLACK_MS;
    let newest = this.#from;
    let booked = 0;
    try {
      for await (const fill of source.fills(
        { minTs: this.#from - slack, limit: 1000 },
        { priority: 'read' },
      )) {
        if (take(fill, 'listing')) booked++;
        newest = Math.max(newest, fill.createdAt ?? 0);
      }
    } catch (error) {
      logger.warn({ err: error, reason }, 'listing our fills failed; will list again');
      throw error;
    }
    this.#from = newest;
    if (booked > 0) {
      const missed = this.#options.pushConnected?.() === true;
      logger[missed ? 'warn' : 'debug'](
        { booked, reason },
        missed
          ? 'fills the websocket had not brought, booked from the listing'
          : 'fills booked from the listing',
      );
    }
    return booked;
  }
}
