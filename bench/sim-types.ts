/** What the benchmark's processes tell each other (all times are `wallNow()` ms, sub-ms precise). */

/**
 * CPU niceness of the simulator's process. In production the exchange runs elsewhere; here it
 * shares two cores with the bot, and at equal priority its work preempts the bot's.
 */
export const SIM_NICENESS = 10;

export interface SimStart {
  readonly seed: number;
  readonly tier: string;
  /** Simulator fault spec, e.g. `latency=30`. */
  readonly faults?: string;
  /** Fair-value random-walk step; 0 freezes prices. @default 1000 */
  readonly walkIntervalMs?: number;
}

export interface SimInfo {
  readonly url: string;
  readonly apiBase: string;
  readonly keyId: string;
  readonly privateKeyPem: string;
  readonly communicationsId: string;
  /** Active markets, and those of them that are not combos. */
  readonly markets: readonly string[];
  readonly singleMarkets: readonly string[];
}

/** The RFQ creators accept a `fraction` of our quotes created between `from` and `until`. */
export interface AcceptPlan {
  readonly fraction: number;
  readonly delayMs: readonly [number, number];
  readonly from: number;
  readonly until: number;
  readonly max?: number;
}

export interface SimMarks {
  /** RFQ id → when the exchange created it. */
  readonly rfqCreated: Record<string, number>;
  readonly rfqTicker: Record<string, string>;
  /** RFQ id → when our first quote on it arrived (was processed) at the exchange. */
  readonly firstQuote: Record<string, number>;
  quotesCreated: number;
  /** Our quote id → its RFQ id. */
  readonly quoteRfq: Record<string, string>;
  /** Our quote id → when its RFQ's creator accepted it. */
  readonly accepted: Record<string, number>;
  /** Our quote id → when our confirm arrived at the exchange. */
  readonly confirmed: Record<string, number>;
  /** Tokens the exchange took from our user, per bucket. */
  readonly tokens: { read: number; write: number };
  /** Our signed requests the exchange saw (admitted or 429). */
  requests: number;
  readonly rateLimited: { read: number; write: number };
  /** [time, cost] of every write the exchange admitted. */
  readonly writeSpends: [number, number][];
  readonly stats: Record<string, number>;
}
