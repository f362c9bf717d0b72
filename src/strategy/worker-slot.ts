import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { type Clock, scheduleVerdict, systemClock, type Timer } from '../domain/clock.js';
import type { WorkerScript } from '../ops/threads.js';
import { describeThrown } from './errors.js';
import { type HookResult, TrackedData } from './host.js';
import type { MarketData } from './types.js';
import {
  ASYNC_DATA_METHODS,
  type FromWorker,
  fromWireError,
  SHARED_BYTES,
  SLOT,
  SYNC_VALUE_OFFSET,
  type ToWorker,
  type WorkerInit,
  wallNow,
} from './worker/protocol.js';
import {
  answerSyncRead,
  type CallLabel,
  lateReadExcuse,
  nextCallId,
  type ReadTimes,
  reached,
  readTimes,
  relayLogLine,
  type SetupFailure,
} from './worker-io.js';

export type { CallLabel, SetupFailure };

export interface WorkerSlotOptions {
  /** Number of the slot, for logs. */
  readonly id: number;
  /** The worker's script (compiled JS, or a bundle of the sources: see workerScript). */
  readonly entry: WorkerScript;
  readonly data: MarketData;
  readonly clock: Clock;
  /** The runner's logger. */
  readonly log: Logger;
  /** A worker whose event loop has not answered a ping for this long is stuck and terminated. */
  readonly hardTimeoutMs: number;
  /** Heap limit of the worker (V8 old generation). */
  readonly maxMemoryMb: number;
  readonly youngGenerationMb: number;
  /** The worker's `process.env`. */
  readonly env: Record<string, string>;
  /** Tells the pool the worker is gone (crashed, stuck or closed). */
  readonly onExit: (slot: WorkerSlot, reason: string, culprit: string | undefined) => void;
}

interface Pending {
  readonly id: number;
  readonly seq: number;
  readonly label: CallLabel;
  readonly data: TrackedData;
  /** Sequence number of the last market-data answer sent for this call. */
  lastAnswerSeq: number;
  /** When the call was sent (`wallNow()`). */
  readonly sentAt: number;
  /** The call's last market-data read: when the worker asked, when this thread answered. */
  lastRead: ReadTimes | undefined;
  settled: boolean;
  timer: Timer | undefined;
  settle(result: HookResult<unknown>): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Outgoing = DistributiveOmit<ToWorker, 'seq'>;
/** A setup or hook call as the pool hands it over (the slot numbers and stamps it). */
export type CallMessage = DistributiveOmit<Extract<ToWorker, { t: 'setup' | 'call' }>, 'seq' | 'id' | 'now'>;

/** A finished-but-unanswered call is forgotten after this long (a strategy awaiting forever). */
const ABANDON_AFTER_MS = 60_000;
/**
 * A worker's young generation by default (`strategies.workers.youngGenerationMb`). A collection
 * there takes ~2 ms on this machine and is what the slowest hops wait for: at 8 MB the hop's p99
 * added 1.0-2.9 ms in bench:worker-hop, at 48 MB 0.3-0.6 ms, for ~15 MB more RSS after a burst
 * of 10,000 RFQs (V8 grows it only under a run of calls).
 */
export const WORKER_YOUNG_GENERATION_MB = 48;
/**
 * One strategy worker as the bot sees it: messages out, answers in, the market data it asks
 * for, its logs, and a watchdog that terminates it when its event loop stops answering. Timers
 * here are real time on purpose: a stuck thread does not wait for a test clock.
 */
export class WorkerSlot {
  readonly id: number;
  /** Setup results of instances on this worker (undefined = ready), by instance key. */
  readonly instances = new Map<string, Promise<SetupFailure | undefined>>();
  readonly ready: Promise<void>;
  readonly #options: WorkerSlotOptions;
  readonly #worker: Worker;
  readonly #ints: Int32Array;
  readonly #value: Float64Array;
  readonly #calls = new Map<number, Pending>();
  readonly #strategyLog: Logger;
  #state: 'starting' | 'ready' | 'dead' = 'starting';
  #seq = 0;
  #ping: { readonly n: number; readonly sentAt: number } | undefined;
  #pings = 0;
  readonly #pongWaiters = new Map<number, () => void>();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #exitReason: string | undefined;
  #exited!: Promise<void>;

  constructor(options: WorkerSlotOptions) {
    this.id = options.id;
    this.#options = options;
    this.#strategyLog = options.log.child({ module: 'strategy', worker: options.id });
    const shared = new SharedArrayBuffer(SHARED_BYTES);
    this.#ints = new Int32Array(shared, 0, 4);
    this.#value = new Float64Array(shared, SYNC_VALUE_OFFSET, 1);
    const init: WorkerInit = {
      shared,
      logLevel: options.log.level,
      syncTimeoutMs: options.hardTimeoutMs,
    };
    this.#worker = new Worker(options.entry.url, {
      eval: options.entry.eval,
      workerData: init,
      env: options.env,
      execArgv: [],
      resourceLimits: {
        maxOldGenerationSizeMb: options.maxMemoryMb,
        maxYoungGenerationSizeMb: options.youngGenerationMb,
      },
      stdout: false,
      stderr: false,
    });
    // The pool holds the bot open while it runs; a forgotten pool must not hold the process.
    this.#worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (message: FromWorker) => {
        // Whatever a plugin posts on its own must not throw on the bot's thread.
        if (typeof message !== 'object' || message === null) return;
        if (message.t === 'ready' && this.#state === 'starting') {
          this.#state = 'ready';
          resolve();
          return;
        }
        try {
          this.#receive(message);
        } catch (error) {
          const reason = describeThrown(error);
          this.#options.log.warn(
            { module: 'strategy-workers', worker: this.id, reason },
            'bad message from a strategy worker',
          );
        }
      });
      this.#exited = new Promise<void>((resolveExit) => {
        this.#worker.on('error', (error) => {
          this.#exitReason ??= `crashed: ${describeThrown(error)}`;
        });
        this.#worker.on('exit', (code) => {
          const reason = this.#exitReason ?? `exited with code ${code}`;
          if (this.#state === 'starting')
            reject(new Error(`strategy worker ${this.id} failed to start: ${reason}`));
          this.#died(reason);
          resolveExit();
        });
      });
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.#state !== 'dead';
  }

  get isReady(): boolean {
    return this.#state === 'ready';
  }

  /** Calls picked for this worker and not sent yet (the pool's count). */
  dispatching = 0;
  /** Set up like the other workers: it may take calls (the pool's flag). */
  warm = false;

  /** Market-data reads the worker asked the bot for (prefetched ones excluded). */
  servedReads = 0;

  /** Calls sent and not yet answered, timed-out ones included: how busy the worker is. */
  get load(): number {
    return this.#calls.size;
  }

  /** Sends a setup or hook call; resolves at the answer, the time limit or the worker's death. */
  send(message: CallMessage, label: CallLabel): Promise<HookResult<unknown>> {
    if (this.#state === 'dead') {
      return Promise.resolve({
        kind: 'crashed',
        reason: `worker ${this.id} is gone`,
        excused: 'the worker ended before the call',
      });
    }
    const id = nextCallId();
    return new Promise((resolve) => {
      const pending: Pending = {
        id,
        seq: 0,
        label,
        data: new TrackedData(this.#options.data),
        lastAnswerSeq: 0,
        sentAt: wallNow(),
        lastRead: undefined,
        settled: false,
        timer: undefined,
        settle: (result) => {
          if (pending.settled) return;
          pending.settled = true;
          pending.timer?.cancel();
          resolve(result);
        },
      };
      const seq = this.#post({ ...message, id, now: this.#options.clock.now() } as Outgoing);
      if (seq === undefined) {
        pending.settle({ kind: 'threw', error: new Error('the call could not be sent to the worker') });
        return;
      }
      (pending as { seq: number }).seq = seq;
      this.#calls.set(id, pending);
      // After a busy spell of this thread (a burst, a long GC) the answer may be waiting.
      pending.timer = scheduleVerdict(systemClock, message.timeoutMs, () => {
        if (!pending.settled) this.#timedOut(pending, message.timeoutMs);
      });
      this.#armWatchdog();
    });
  }

  /** Whether the worker's event loop answers a ping within `withinMs` (a stuck one cannot). */
  responsive(withinMs: number): Promise<boolean> {
    if (this.#state !== 'ready') return Promise.resolve(false);
    this.#pings = (this.#pings + 1) | 0;
    const n = this.#pings;
    return new Promise((resolve) => {
      const timer = scheduleVerdict(systemClock, withinMs, () => done(false));
      const done = (answered: boolean) => {
        timer.cancel();
        this.#pongWaiters.delete(n);
        resolve(answered);
      };
      this.#pongWaiters.set(n, () => done(true));
      if (this.#post({ t: 'ping', n }) === undefined) done(false);
    });
  }

  /** Aborts `ctx.signal` of every call in flight in the worker. */
  cancelAll(): void {
    this.#post({ t: 'cancel' });
  }

  /** A reload's log level, for the strategy's lines from now on. */
  setLogLevel(level: string): void {
    this.#post({ t: 'logLevel', level });
  }

  /** Ends the worker; calls in flight become `crashed` skips. */
  terminate(reason: string): Promise<void> {
    this.#exitReason ??= reason;
    if (this.#state !== 'dead') void this.#worker.terminate();
    return this.#exited;
  }

  #post(message: Outgoing): number | undefined {
    if (this.#state === 'dead') return undefined;
    this.#seq = (this.#seq + 1) | 0 || 1;
    try {
      this.#worker.postMessage({ ...message, seq: this.#seq });
      return this.#seq;
    } catch (error) {
      this.#options.log.error(
        { module: 'strategy-workers', worker: this.id, reason: describeThrown(error) },
        'cannot message a strategy worker',
      );
      return undefined;
    }
  }

  #timedOut(pending: Pending, timeoutMs: number): void {
    const result = { kind: 'timeout', timeoutMs } as const;
    const excused = this.#excuse(pending, timeoutMs) ?? pending.data.excuse(result);
    pending.settle(excused === undefined ? result : { ...result, excused });
    // The worker still runs it; keep it on the books (load, watchdog) until it answers or dies.
    pending.timer = systemClock.schedule(ABANDON_AFTER_MS, () => this.#calls.delete(pending.id), {
      unref: true,
    });
  }

  /** Why a time-out is not the call's own fault, judged from what the worker last processed. */
  #excuse(pending: Pending, timeoutMs: number): string | undefined {
    const late = lateReadExcuse(pending.lastRead, timeoutMs);
    if (late !== undefined) return late;
    const processed = Atomics.load(this.#ints, SLOT.processed);
    const current = Atomics.load(this.#ints, SLOT.currentCall);
    // The call the worker is in (or last ran) is its own trouble.
    if (current === pending.id) return undefined;
    // Waiting behind its own route's stuck call is that route's failure too.
    if (this.#calls.get(current)?.label.route === pending.label.route) return undefined;
    if (!reached(processed, pending.seq)) return `worker ${this.id} was busy and had not started it`;
    if (pending.lastAnswerSeq !== 0 && !reached(processed, pending.lastAnswerSeq)) {
      return `its market data arrived but worker ${this.id} was busy with another call`;
    }
    const blocked =
      this.#ping !== undefined && performance.now() - this.#ping.sentAt > this.#pingEveryMs() * 2;
    return blocked ? `worker ${this.id} was blocked by another call` : undefined;
  }

  #receive(message: FromWorker): void {
    switch (message.t) {
      case 'done':
        this.#done(message);
        break;
      case 'data':
        this.#serve(message);
        break;
      case 'sync':
        this.#serveNow(message);
        break;
      case 'log':
        this.#relay(message.line);
        break;
      case 'pong':
        if (this.#ping?.n === message.n) this.#ping = undefined;
        this.#pongWaiters.get(message.n)?.();
        break;
    }
  }

  #done(message: Extract<FromWorker, { t: 'done' }>): void {
    const pending = this.#calls.get(message.id);
    if (pending === undefined) return;
    this.#calls.delete(message.id);
    pending.timer?.cancel();
    if ('error' in message) {
      const result = { kind: 'threw', error: fromWireError(message.error) } as const;
      const excused = pending.data.excuse(result);
      pending.settle(excused === undefined ? result : { ...result, excused });
    } else pending.settle({ kind: 'ok', value: message.value });
  }

  #serve(message: Extract<FromWorker, { t: 'data' }>): void {
    const { call, req, method, ticker } = message;
    this.servedReads += 1;
    const pending = this.#calls.get(call);
    if (pending?.label.subject?.ticker === ticker) pending.label.learn?.(method);
    const tracker = pending?.data ?? new TrackedData(this.#options.data);
    const answer = (body: { value: unknown } | { error: { name: string; message: string } }) => {
      const seq = this.#post({ t: 'data', call, req, ...body } as Outgoing);
      if (pending !== undefined && seq !== undefined) {
        pending.lastAnswerSeq = seq;
        pending.lastRead = readTimes(pending.sentAt, message.sentAt);
      }
    };
    if (!ASYNC_DATA_METHODS.has(method) || typeof ticker !== 'string') {
      answer({ error: { name: 'TypeError', message: `unknown market-data read ${String(method)}` } });
      return;
    }
    tracker.read(method, ticker).then(
      (value) => answer({ value }),
      (error: unknown) =>
        answer({ error: { name: (error as Error)?.name ?? 'Error', message: describeThrown(error) } }),
    );
  }

  /** Answers a position read while the worker waits on the shared buffer. */
  #serveNow(message: Extract<FromWorker, { t: 'sync' }>): void {
    this.servedReads += 1;
    const subject = this.#calls.get(message.call)?.label;
    const about = message.method === 'position' ? subject?.subject?.ticker : subject?.subject?.event;
    if (about !== undefined && about === message.ticker) subject?.learn?.(message.method);
    answerSyncRead(this.#ints, this.#value, this.#options.data, message, this.#strategyLog);
    const pending = this.#calls.get(message.call);
    if (pending !== undefined) pending.lastRead = readTimes(pending.sentAt, message.sentAt);
  }

  /** A strategy's log line, written by the bot's logger (its level, its redaction). */
  #relay(line: string): void {
    relayLogLine(this.#strategyLog, line);
  }

  #pingEveryMs(): number {
    return Math.max(10, Math.min(100, this.#options.hardTimeoutMs / 10));
  }

  /** One interval for the worker's life (not one per call): it pings only while calls are out. */
  #armWatchdog(): void {
    if (this.#watchdog !== undefined || this.#state === 'dead') return;
    this.#watchdog = setInterval(() => this.#checkAlive(), this.#pingEveryMs());
    this.#watchdog.unref();
  }

  #disarmWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#ping = undefined;
  }

  #checkAlive(): void {
    if (this.#calls.size === 0) {
      this.#ping = undefined;
      return;
    }
    const now = performance.now();
    if (this.#ping === undefined) {
      this.#pings = (this.#pings + 1) | 0;
      this.#ping = { n: this.#pings, sentAt: now };
      this.#post({ t: 'ping', n: this.#pings });
      return;
    }
    const ping = this.#ping;
    const silentMs = Math.round(now - ping.sentAt);
    if (silentMs < this.#options.hardTimeoutMs) return;
    // This check runs on a timer, before a pong that came while the bot's own thread was stalled
    // is read: judge after it, as scheduleVerdict does.
    setImmediate(() => {
      if (this.#ping !== ping || this.#state === 'dead') return;
      const culprit = this.#calls.get(Atomics.load(this.#ints, SLOT.currentCall));
      const where = culprit === undefined ? 'between calls' : `in ${culprit.label.name}`;
      void this.terminate(`stuck ${where}: no answer for ${silentMs}ms`);
    });
  }

  #died(reason: string): void {
    if (this.#state === 'dead') return;
    this.#state = 'dead';
    this.#disarmWatchdog();
    const culpritId = Atomics.load(this.#ints, SLOT.currentCall);
    const culprit = this.#calls.get(culpritId);
    for (const pending of this.#calls.values()) {
      pending.timer?.cancel();
      const result = { kind: 'crashed', reason: `worker ${this.id} ${reason}` } as const;
      if (pending === culprit && pending.settled) pending.label.lateFailure?.(result.reason);
      pending.settle(
        pending === culprit
          ? result
          : { ...result, excused: `worker ${this.id} ended while running another call` },
      );
    }
    this.#calls.clear();
    this.#options.onExit(this, reason, culprit === undefined ? undefined : culprit.label.name);
  }
}
