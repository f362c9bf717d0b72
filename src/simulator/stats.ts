/** Counts the simulator keeps for tests and benchmarks (GET /_sim/stats). */
export interface SimCounters {
  requests: number;
  rfqsCreated: number;
  /** Closed by their creator (DELETE). */
  rfqsDeleted: number;
  /** Closed for any reason (deleted, executed, replaced, expired, forced). */
  rfqsClosed: number;
  quotesCreated: number;
  quotesReplaced: number;
  quotesDeleted: number;
  quotesCancelled: number;
  accepts: number;
  confirms: number;
  executions: number;
  /** Confirm windows that ran out without a confirm. */
  expiries: number;
  /** Confirms rejected with 400 `expired`. */
  expiredConfirms: number;
  rateLimited: number;
  authFailures: number;
  /** Accepts for less than the offered size. */
  partialAccepts: number;
  /** Quoters' post-only legs cancelled instead of crossing the book. */
  postOnlyCancels: number;
  /** Quoters' legs (not post-only) that took resting liquidity as taker. */
  quoterTakes: number;
  /** Combo fills whose fees swapped (the quoter met an order resting < 5 s). */
  feeSwaps: number;
  /** Fresh orders that swept the book through a quoter's price (crossChance, storms). */
  sweeps: number;
  /** Users write-limited for repeated post-only crosses. */
  crossPenalties: number;
  /** Remainders that went to rest on the book. */
  ordersRested: number;
  /** Fills of resting orders as the book moved through them. */
  restingFills: number;
  /** Server rolls, and the open quotes they flushed. */
  serverRolls: number;
  quotesFlushed: number;
  /** RFQs the exchange closed itself (reason `expired`). */
  rfqsExpired: number;
  /** Closed RFQs and cancelled quotes dropped after the retention period. */
  rfqsPurged: number;
  quotesPurged: number;
}

export function newCounters(): SimCounters {
  return {
    requests: 0,
    rfqsCreated: 0,
    rfqsDeleted: 0,
    rfqsClosed: 0,
    quotesCreated: 0,
    quotesReplaced: 0,
    quotesDeleted: 0,
    quotesCancelled: 0,
    accepts: 0,
    confirms: 0,
    executions: 0,
    expiries: 0,
    expiredConfirms: 0,
    rateLimited: 0,
    authFailures: 0,
    partialAccepts: 0,
    postOnlyCancels: 0,
    quoterTakes: 0,
    feeSwaps: 0,
    sweeps: 0,
    crossPenalties: 0,
    ordersRested: 0,
    restingFills: 0,
    serverRolls: 0,
    quotesFlushed: 0,
    rfqsExpired: 0,
    rfqsPurged: 0,
    quotesPurged: 0,
  };
}
