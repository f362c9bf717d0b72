/**
 * The worker side of a strategy's context: market data read from the bot over the port (the
 * bot answers from its cache), position reads answered through the shared buffer (they are
 * synchronous in the strategy API), a clock that follows the bot's, and a logger whose lines
 * the bot writes through its own (redacting) logger.
 */
import type { MessagePort } from 'node:worker_threads';
import { type Logger, pino } from 'pino';
import type { Clock, ScheduleOptions, Timer } from '../../domain/clock.js';
import type { FeeSchedule } from '../../domain/fees.js';
import type { Centis } from '../../domain/money.js';
import type { Market, OrderBook } from '../../domain/types.js';
import { deepFreeze } from '../freeze.js';
import type { MarketData } from '../types.js';
import {
  type AsyncDataMethod,
  type FromWorker,
  fromWireError,
  prefetchKey,
  SLOT,
  type SyncDataMethod,
  type ToWorker,
  wallNow,
} from './protocol.js';

type DataAnswer = Extract<ToWorker, { t: 'data' }>;

/** Market-data reads one worker may have waiting for the bot. */
const MAX_READS_IN_FLIGHT = 256;

/** The worker's end of the market-data conversation, shared by every call. */
export class DataChannel {
  readonly #port: MessagePort;
  readonly #ints: Int32Array;
  readonly #value: Float64Array;
  readonly #syncTimeoutMs: number;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextReq = 0;

  constructor(port: MessagePort, ints: Int32Array, value: Float64Array, syncTimeoutMs: number) {
    this.#port = port;
    this.#ints = ints;
    this.#value = value;
    this.#syncTimeoutMs = syncTimeoutMs;
  }

  /** The data one call reads, its requests tagged with the call (for blame). */
  /** The data one call reads, its requests tagged with the call (for blame); `prefetched` answers first. */
  forCall(call: number, prefetched: Readonly<Record<string, unknown>> = {}): MarketData {
    const read = (method: AsyncDataMethod, ticker: string) => {
      const key = prefetchKey(method, ticker);
      return key in prefetched
        ? Promise.resolve(deepFreeze(prefetched[key]))
        : this.#read(call, method, ticker);
    };
    const readNow = (method: SyncDataMethod, ticker: string) => {
      const value = prefetched[prefetchKey(method, ticker)];
      return typeof value === 'number' ? value : this.#readNow(call, method, ticker);
    };
    return {
      market: (ticker) => read('market', ticker) as Promise<Market>,
      orderBook: (ticker) => read('orderBook', ticker) as Promise<OrderBook>,
      fees: (ticker) => read('fees', ticker) as Promise<FeeSchedule>,
      position: (ticker) => readNow('position', ticker),
      eventPosition: (eventTicker) => readNow('eventPosition', eventTicker),
    };
  }

  answer(message: DataAnswer): void {
    const waiting = this.#waiting.get(message.req);
    if (waiting === undefined) return;
    this.#waiting.delete(message.req);
    if ('error' in message) waiting.reject(fromWireError(message.error));
    else waiting.resolve(deepFreeze(message.value));
  }

  #request(): number {
    this.#nextReq = this.#nextReq >= 0x7fffffff ? 1 : this.#nextReq + 1;
    return this.#nextReq;
  }

  #read(call: number, method: AsyncDataMethod, ticker: string): Promise<unknown> {
    if (typeof ticker !== 'string')
      return Promise.reject(new TypeError(`${method}: ticker must be a string`));
    // A read loop that never awaits must not flood the bot's thread with requests.
    if (this.#waiting.size >= MAX_READS_IN_FLIGHT) {
      return Promise.reject(new Error(`more than ${MAX_READS_IN_FLIGHT} market-data reads in flight`));
    }
    const req = this.#request();
    return new Promise((resolve, reject) => {
      this.#waiting.set(req, { resolve, reject });
      this.#port.postMessage({
        t: 'data',
        call,
        req,
        method,
        ticker,
        sentAt: wallNow(),
      } satisfies FromWorker);
    });
  }

  /** Blocks this worker (only) until the bot has written the answer into the shared buffer. */
  #readNow(call: number, method: SyncDataMethod, ticker: string): Centis {
    if (typeof ticker !== 'string') throw new TypeError(`${method}: ticker must be a string`);
    const req = this.#request();
    this.#port.postMessage({ t: 'sync', call, req, method, ticker, sentAt: wallNow() } satisfies FromWorker);
    const deadline = Date.now() + this.#syncTimeoutMs;
    for (;;) {
      const done = Atomics.load(this.#ints, SLOT.syncDone);
      if (done === req) break;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${method}(${ticker}): no answer from the bot within ${this.#syncTimeoutMs}ms`);
      Atomics.wait(this.#ints, SLOT.syncDone, done, left);
    }
    if (Atomics.load(this.#ints, SLOT.syncStatus) !== 0) throw new Error(`${method}(${ticker}) failed`);
    return this.#value[0] as Centis;
  }
}

/**
 * `ctx.clock` in a worker: the bot's time at dispatch plus the real time since, and real timers
 * (a manual test clock cannot be driven across threads; the author harness runs in-process).
 */
export function workerClock(botNow: number): Clock {
  const offset = botNow - Date.now();
  return {
    now: () => Date.now() + offset,
    schedule(delayMs: number, fn: () => void, options?: ScheduleOptions): Timer {
      const handle = setTimeout(fn, Math.max(0, delayMs));
      if (options?.unref) handle.unref();
      return { cancel: () => clearTimeout(handle) };
    },
  };
}

/** Lines per second a worker may send to the bot's log, and the burst above that rate. */
export const LOG_LINES_PER_SECOND = 200;
const LOG_BURST = 1_000;

/**
 * A pino logger whose JSON lines go to the bot, which logs them as its own. Rate-limited: a
 * strategy logging in a tight loop would otherwise bury the bot's thread in lines to write
 * (stalls of 1.5-10 s, millions of lines); the excess is dropped and counted in the next line.
 */
export function forwardingLogger(port: MessagePort, level: string): Logger {
  let tokens = LOG_BURST;
  let refilledAt = Date.now();
  let dropped = 0;
  const send = (line: string) => port.postMessage({ t: 'log', line } satisfies FromWorker);
  const stream = {
    write(line: string) {
      const now = Date.now();
      tokens = Math.min(LOG_BURST, tokens + ((now - refilledAt) * LOG_LINES_PER_SECOND) / 1_000);
      refilledAt = now;
      if (tokens < 1) {
        dropped += 1;
        return;
      }
      tokens -= 1;
      if (dropped > 0) {
        const msg = `${dropped} strategy log lines dropped (more than ${LOG_LINES_PER_SECOND} a second)`;
        send(JSON.stringify({ level: 40, dropped, msg }));
        dropped = 0;
      }
      send(line);
    },
  };
  return pino({ level, base: null, timestamp: false }, stream);
}
