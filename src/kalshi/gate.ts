/**
 * The seam between the Kalshi client and the scheduler that budgets its calls. The client
 * describes each request; the gate decides when it may go (token budgets, priorities) and
 * sees how it ended (a RateLimitError thrown by `send` tells it to back off). Every attempt of
 * a retried request passes the gate again, so retries are budgeted like first tries.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Bucket = 'read' | 'write';

/** Highest first: a confirm never waits behind deletes, creates or reads. */
export type Priority = 'confirm' | 'delete' | 'create' | 'read';

export const PRIORITY_ORDER: readonly Priority[] = ['confirm', 'delete', 'create', 'read'];

const readsOnBehalfOf = new AsyncLocalStorage<Priority>();
/** `readsAt` calls not yet settled. */
let inFlight = 0;

/**
 * Runs `fn` with the reads it starts (however deep: market data, a strategy's reads) sent at
 * `priority` instead of their endpoint's: last look's book read is part of a confirm, and at
 * `read` priority it waited behind hundreds of listings in a flood.
 */
export function readsAt<T>(priority: Priority, fn: () => T): T {
  inFlight++;
  let result: T;
  try {
    result = readsOnBehalfOf.run(priority, fn);
  } catch (error) {
    settled();
    throw error;
  }
  if (isThenable(result)) result.then(settled, settled);
  else settled();
  return result;
}

/**
 * On Node 20 a used AsyncLocalStorage keeps async hooks on for every promise of the process
 * (~15% on promise-heavy code, ~6% of a backtest); with no `readsAt` in flight it is disabled,
 * which turns them off until the next one.
 */
function settled(): void {
  inFlight--;
  if (inFlight === 0) readsOnBehalfOf.disable();
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The priority `readsAt` gave the reads of the current call chain, if any. */
export function contextReadPriority(): Priority | undefined {
  return readsOnBehalfOf.getStore();
}

export interface RequestSpec {
  /** A stable endpoint name, e.g. `create_quote`, for budgeting, metrics and logs. */
  readonly endpoint: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The concrete path under the API prefix, without query. */
  readonly path: string;
  readonly bucket: Bucket;
  /** Tokens this call costs. */
  readonly cost: number;
  readonly priority: Priority;
  /** Epoch ms after which the call is pointless (e.g. a confirm window); the gate may drop it. */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}

export interface BudgetSnapshot {
  readonly bucket: Bucket;
  /** Tokens available right now. */
  readonly available: number;
  readonly capacity: number;
  /** Tokens per second currently allowed (lower than the tier's after a 429). */
  readonly refillRate: number;
  /** Calls waiting for this bucket. */
  readonly queued: number;
}

export interface RequestGate {
  run<T>(spec: RequestSpec, send: () => Promise<T>): Promise<T>;
  /** What a bucket holds now; lets loops skip a cycle instead of queueing. */
  budget(bucket: Bucket): BudgetSnapshot;
}

/** Sends everything at once: for tests of the client alone and for one-off scripts. */
export const unlimitedGate: RequestGate = Object.freeze({
  run: <T>(_spec: RequestSpec, send: () => Promise<T>) => send(),
  budget: (bucket: Bucket): BudgetSnapshot => ({
    bucket,
    available: Number.POSITIVE_INFINITY,
    capacity: Number.POSITIVE_INFINITY,
    refillRate: Number.POSITIVE_INFINITY,
    queued: 0,
  }),
});

/** The gate refused a call without sending it (deadline passed, queue closed, aborted). */
export class GateRejectedError extends Error {
  override readonly name = 'GateRejectedError';
  readonly code = 'gate_rejected';
  /** Never sent, and not to be sent again as it was (past its deadline, closed, aborted). */
  readonly retry = 'final';
  constructor(
    message: string,
    readonly endpoint: string,
    readonly reason: 'deadline' | 'closed' | 'aborted',
  ) {
    super(message);
  }
}
