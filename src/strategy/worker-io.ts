import { type Logger, pino } from 'pino';
import { describeThrown } from './errors.js';
import type { MarketData } from './types.js';
import {
  type DataMethod,
  type FromWorker,
  SLOT,
  SYNC_DATA_METHODS,
  type SyncDataMethod,
  wallNow,
} from './worker/protocol.js';

/** Pieces of a worker slot (worker-slot.ts): call labels and ids, and its answers to the worker. */

/** Why an instance is not set up on a worker; `excused` when the worker died of another call. */
export interface SetupFailure {
  readonly reason: string;
  readonly excused?: string;
}

/** What a call needs besides its message. */
export interface CallLabel {
  /** `fixed-spread.price`: names the call in logs and blame. */
  readonly name: string;
  /** The route whose call it is: a call stuck behind its own route's call is not excused. */
  readonly route?: string;
  /** Told when the worker dies of this call after the call already ended (a time-out). */
  readonly lateFailure?: (reason: string) => void;
  /** The market the call is about, and its event: reads of these are learned for prefetching. */
  readonly subject?: { readonly ticker: string; readonly event: string | undefined };
  readonly learn?: (method: DataMethod) => void;
}

let lastCallId = 0;

/** A pool-wide call id: a positive int32, wrapping. */
export function nextCallId(): number {
  lastCallId = lastCallId >= 0x7fffffff ? 1 : lastCallId + 1;
  return lastCallId;
}

/** `a` at or after `b` in wrapping int32 sequence numbers. */
export function reached(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/**
 * Answers a position read through the shared buffer while the worker waits on it: the value (a
 * safe integer) in the Float64 slot, then the status, then the request number, then a wake-up.
 */
export function answerSyncRead(
  ints: Int32Array,
  value: Float64Array,
  data: MarketData,
  message: Extract<FromWorker, { t: 'sync' }>,
  log: Logger,
): void {
  let status = 1;
  try {
    if (SYNC_DATA_METHODS.has(message.method) && typeof message.ticker === 'string') {
      const answer = data[message.method as SyncDataMethod](message.ticker);
      if (Number.isSafeInteger(answer)) {
        value[0] = answer;
        status = 0;
      }
    }
  } catch (error) {
    log.warn({ read: message.method, reason: describeThrown(error) }, 'position read failed');
  }
  Atomics.store(ints, SLOT.syncStatus, status);
  Atomics.store(ints, SLOT.syncDone, message.req);
  Atomics.notify(ints, SLOT.syncDone);
}

/** Writes one of a worker's pino lines through the bot's logger: its level, its redaction. */
export function relayLogLine(log: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, ...fields } = entry;
  const label = (typeof level === 'number' && pino.levels.labels[level]) || 'info';
  const write = log[label as 'info'];
  if (typeof write === 'function') write.call(log, fields, typeof msg === 'string' ? msg : '');
}

/** When a worker asked for a read and when the bot's thread answered it (`wallNow()` ms). */
export interface ReadTimes {
  readonly askedAt: number;
  readonly answeredAt: number;
}

/** A read answered now; the worker's stamp is not trusted before its call was sent. */
export function readTimes(callSentAt: number, askedAt: unknown): ReadTimes {
  const answeredAt = wallNow();
  const asked = typeof askedAt === 'number' && Number.isFinite(askedAt) ? askedAt : answeredAt;
  return { askedAt: Math.min(answeredAt, Math.max(callSentAt, asked)), answeredAt };
}

/**
 * A time-out is not the strategy's when its last read was answered with too little of the
 * limit left to finish (a fifth), after waiting on the bot's thread (busy with a burst, signing,
 * a long GC) or on the exchange at least as long: its time went waiting. A strategy that reads
 * late in its own time waited little for the read and is still blamed.
 */
export function lateReadExcuse(read: ReadTimes | undefined, timeoutMs: number): string | undefined {
  if (read === undefined) return undefined;
  const grace = timeoutMs / 5;
  const waited = read.answeredAt - read.askedAt;
  if (wallNow() - read.answeredAt >= grace || waited < grace) return undefined;
  return `its market data reached it late: answered after ${Math.round(waited)}ms`;
}
