import type { Logger } from 'pino';
import type { EpochMs } from '../domain/types.js';
import type { QuotingSettings } from './context.js';

/** HVM or standard: the two timings Kalshi documents (3 s / 1 s and 30 s / 15 s). */
export type MarketKind = 'hvm' | 'standard';

/** An execution this long after its confirm is a standard market's 15 s timer, not an HVM's 1 s. */
export const STANDARD_EXECUTION_MIN_MS = 5_000;
/** An execution within this of its confirm is an HVM's timer. */
export const HVM_EXECUTION_MAX_MS = 2_500;
/** How many learned markets are remembered (oldest forgotten first). */
const MEMORY = 10_000;

/**
 * The confirm window of each market (the deadline for sending a confirm; holding the exposure of
 * an accept waits for the longest window the market may have, `lapseWindowMs`). The API has no flag for high-volatility markets (fact sheet
 * §4.4), so: the `hvmMarkets` globs are HVM, the `standardMarkets` globs standard, and any other
 * market gets the unknown window (3 s by default: confirming early is never wrong, confirming
 * late loses the trade) until the bot learns its kind from what the exchange does: the time from
 * confirm to execution (1 s or 15 s), a confirm accepted later than an HVM window allows, or a
 * confirm refused as expired sooner than a standard window would.
 */
export class MarketWindows {
  readonly #learned = new Map<string, MarketKind>();

  constructor(
    private readonly settings: () => QuotingSettings,
    private readonly logger: Logger,
  ) {}

  /** What is known of the market's kind, if anything. */
  kindOf(marketTicker: string): MarketKind | undefined {
    const settings = this.settings();
    if (settings.isHighVolatility(marketTicker)) return 'hvm';
    if (!settings.isStandardMarket || settings.isStandardMarket(marketTicker)) return 'standard';
    return this.#learned.get(marketTicker);
  }

  confirmWindowMs(marketTicker: string): number {
    const settings = this.settings();
    const kind = this.kindOf(marketTicker);
    if (kind === 'hvm') return settings.hvmConfirmWindowMs;
    if (kind === 'standard') return settings.confirmWindowMs;
    return settings.unknownMarketConfirmWindowMs ?? settings.hvmConfirmWindowMs;
  }

  /**
   * How long an accept may still be confirmed at the exchange, for holding its exposure: on an
   * unknown market the longer (standard) window, since a confirm we sent in time can land late.
   */
  lapseWindowMs(marketTicker: string): number {
    const settings = this.settings();
    if (this.kindOf(marketTicker) !== undefined) return this.confirmWindowMs(marketTicker);
    return Math.max(settings.confirmWindowMs, this.confirmWindowMs(marketTicker));
  }

  /** Executed `executedAt − confirmedAt` after the confirm (the exchange's timestamps). */
  learnFromExecution(
    marketTicker: string,
    confirmedAt: EpochMs | undefined,
    executedAt: EpochMs | undefined,
  ): void {
    if (confirmedAt === undefined || executedAt === undefined) return;
    const delay = executedAt - confirmedAt;
    if (delay >= STANDARD_EXECUTION_MIN_MS)
      this.#learn(marketTicker, 'standard', `execution ${delay} ms after the confirm`);
    else if (delay >= 0 && delay <= HVM_EXECUTION_MAX_MS)
      this.#learn(marketTicker, 'hvm', `execution ${delay} ms after the confirm`);
  }

  /** A confirm the exchange took `elapsedMs` after the accept: the window is at least that long. */
  learnFromConfirm(marketTicker: string, elapsedMs: number): void {
    if (elapsedMs > this.settings().hvmConfirmWindowMs) {
      this.#learn(marketTicker, 'standard', `confirm accepted ${elapsedMs} ms after the accept`);
    }
  }

  /** A confirm refused as expired `elapsedMs` after the accept: shorter than a standard window. */
  learnFromExpiry(marketTicker: string, elapsedMs: number): void {
    if (elapsedMs < this.settings().confirmWindowMs) {
      this.#learn(marketTicker, 'hvm', `confirm refused as expired ${elapsedMs} ms after the accept`);
    }
  }

  #learn(marketTicker: string, kind: MarketKind, evidence: string): void {
    const settings = this.settings();
    // Configured markets are not second-guessed.
    if (settings.isHighVolatility(marketTicker)) return;
    if (!settings.isStandardMarket || settings.isStandardMarket(marketTicker)) return;
    const known = this.#learned.get(marketTicker);
    if (known === kind) return;
    this.#learned.delete(marketTicker);
    this.#learned.set(marketTicker, kind);
    if (this.#learned.size > MEMORY) {
      const oldest = this.#learned.keys().next();
      if (!oldest.done) this.#learned.delete(oldest.value);
    }
    this.logger.info(
      {
        marketTicker,
        kind,
        was: known ?? 'unknown',
        confirmWindowMs: kind === 'hvm' ? settings.hvmConfirmWindowMs : settings.confirmWindowMs,
        evidence,
      },
      `learned the confirm window of ${marketTicker}: ${kind === 'hvm' ? 'high-volatility' : 'standard'}`,
    );
  }
}
