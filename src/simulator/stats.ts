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
  };
}
