/**
 * The durable journal: `record()` costs the hot path an array push; every `flushIntervalMs` the
 * pending events go to the writer thread as one batch (one transaction). A process crash loses at
 * most the batches not yet committed; the file is never corrupted (SQLite WAL).
 */
import { createHistogram } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import { siblingModule, startModuleWorker } from '../ops/threads.js';
import { type JournalDatabase, JournalError, openJournalDatabase } from './database.js';
import type { JournalEvent } from './events.js';
import type { WriterReply, WriterRequest } from './writer-worker.js';

export interface JournalOptions {
  readonly path: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often pending events are written. @default 100 */
  readonly flushIntervalMs?: number;
  /**
   * How long a flush may wait while `deferWhile` says latency-critical work runs (a flush is
   * bot-thread time that work would wait behind). 0: never wait. @default 500
   */
  readonly maxDeferMs?: number;
  /** Events held while the writer cannot write; beyond this the oldest are dropped (and counted). @default 200000 */
  readonly maxPending?: number;
  /** Largest the file may grow; past it writes fail as on a full disk. @default unlimited */
  readonly maxBytes?: number;
  /** Called when writing fails (and again after it recovered and failed anew). */
  readonly onError?: (error: JournalError) => void;
}

export interface JournalHealth {
  readonly ok: boolean;
  readonly error?: string;
  /** Events recorded but not yet committed. */
  readonly pending: number;
  readonly written: number;
  readonly dropped: number;
  readonly lastWriteAt?: number;
}

/** Events per message to the writer thread (and per transaction). */
const MAX_BATCH = 2_000;

/**
 * Most events a commit waits with (see deferWhile): a batch this size costs the bot thread about
 * a millisecond; under a flood of events, larger ones held back would stall it in one go.
 */
const MAX_DEFERRED_EVENTS = 256;

interface InFlight {
  readonly events: readonly JournalEvent[];
  readonly done: Promise<void>;
  readonly resolve: () => void;
}

export class Journal {
  readonly path: string;
  /** A read-only connection for restore and reports (WAL lets it read while the writer writes). */
  readonly db: JournalDatabase;
  readonly #worker: Worker;
  readonly #options: JournalOptions;
  readonly #timer: Timer;
  readonly #maxPending: number;
  #pending: JournalEvent[] = [];
  readonly #inFlight = new Map<number, InFlight>();
  #nextId = 1;
  #runId: string | undefined;
  #written = 0;
  #dropped = 0;
  #lastWriteAt: number | undefined;
  #error: JournalError | undefined;
  #closed: Promise<void> | undefined;
  #busy: (() => boolean) | undefined;
  /** When the oldest event still pending was recorded (clock time). */
  #pendingSince = 0;
  /**
   * The bot thread's time handing batches to the writer (copy, encode, post): the only journal
   * work besides `record()`'s push, and what an RFQ arriving mid-flush waits for.
   */
  readonly cost = {
    flushes: 0,
    /** Timer ticks that let a flush wait for quoting (see deferWhile). */
    deferred: 0,
    events: 0,
    busyMs: 0,
    maxFlushMs: 0,
    flushMicros: createHistogram(),
  };

  private constructor(options: JournalOptions, db: JournalDatabase, worker: Worker) {
    this.path = options.path;
    this.db = db;
    this.#options = options;
    this.#worker = worker;
    this.#maxPending = options.maxPending ?? 200_000;
    worker.on('message', (reply: WriterReply) => this.#onReply(reply));
    worker.on('error', (error) =>
      this.#fail(new JournalError(`journal writer crashed: ${error.message}`, 'io', this.path)),
    );
    this.#timer = repeatEvery(options.clock, options.flushIntervalMs ?? 100, () => this.#tick(), {
      unref: true,
    });
  }

  /**
   * Opens (creating and migrating) the file and starts the writer thread. Throws a JournalError
   * naming the path and the problem when the file cannot be used: checked here, before trading.
   */
  static async open(options: JournalOptions): Promise<Journal> {
    openJournalDatabase(options.path).close();
    const db = openJournalDatabase(options.path, { readonly: true });
    const worker = await startModuleWorker(siblingModule(import.meta.url, 'writer-worker'), {
      // Batches are parsed and inserted at once: a small young generation keeps the thread's
      // RSS small after a burst (V8 would grow it to 32 MB and keep it).
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
      workerData: {
        path: options.path,
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
      },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const onMessage = (reply: WriterReply) => {
          if (reply.type === 'ready') resolve();
          else if (reply.type === 'error')
            reject(new JournalError(reply.message, reply.code as never, options.path));
        };
        worker.once('message', onMessage);
        worker.once('error', reject);
      });
    } catch (error) {
      db.close();
      await worker.terminate();
      throw error;
    }
    return new Journal(options, db, worker);
  }

  /** The run that events without their own runId belong to. */
  set runId(runId: string) {
    this.#runId = runId;
  }

  /**
   * While `busy` answers true (RFQs being quoted, accepts confirmed), timed flushes wait, for at most `maxDeferMs`
   * after the oldest pending event and while fewer than MAX_DEFERRED_EVENTS are pending: what
   * they would cost an RFQ arriving mid-flush goes to the quiet moments instead. `flush()` and
   * `close()` never wait.
   */
  deferWhile(busy: () => boolean): void {
    this.#busy = busy;
  }

  record(event: JournalEvent): void {
    if (this.#closed) return;
    if (this.#pending.length === 0) this.#pendingSince = this.#options.clock.now();
    this.#pending.push(event);
    if (this.#pending.length > this.#maxPending) {
      const excess = this.#pending.length - this.#maxPending;
      this.#pending.splice(0, excess);
      this.#dropped += excess;
    }
  }

  /** Writes everything recorded so far; resolves when it is committed (or failed). */
  flush(): Promise<void> {
    const waits = [...this.#inFlight.values()].map((flight) => flight.done);
    return Promise.all([...waits, this.#send()]).then(() => undefined);
  }

  health(): JournalHealth {
    let inFlight = 0;
    for (const f of this.#inFlight.values()) inFlight += f.events.length;
    return {
      ok: this.#error === undefined,
      ...(this.#error ? { error: this.#error.message } : {}),
      pending: this.#pending.length + inFlight,
      written: this.#written,
      dropped: this.#dropped,
      ...(this.#lastWriteAt !== undefined ? { lastWriteAt: this.#lastWriteAt } : {}),
    };
  }

  /** Deletes events, RFQs and fills older than `before`. */
  prune(before: number): Promise<number> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onReply = (reply: WriterReply) => {
        if (reply.type === 'pruned' && reply.id === id) {
          this.#worker.off('message', onReply);
          resolve(reply.deleted);
        } else if (reply.type === 'error' && reply.id === id) {
          this.#worker.off('message', onReply);
          reject(new JournalError(reply.message, reply.code as never, this.path));
        }
      };
      this.#worker.on('message', onReply);
      this.#post({ type: 'prune', id, before });
    });
  }

  /** Flushes, then stops the writer. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#timer.cancel();
      await this.flush();
      // The writer closes last: the last connection checkpoints the write-ahead log and removes
      // it (a read-only one cannot), leaving one self-contained file.
      this.db.close();
      this.#post({ type: 'close' });
      await new Promise<void>((resolve) => {
        this.#worker.once('exit', () => resolve());
        setTimeout(() => void this.#worker.terminate(), 5_000).unref();
      });
    })();
    return this.#closed;
  }

  #tick(): void {
    if (this.#pending.length === 0) return;
    const maxDeferMs = this.#options.maxDeferMs ?? 500;
    if (
      this.#busy?.() &&
      this.#pending.length < MAX_DEFERRED_EVENTS &&
      this.#options.clock.now() - this.#pendingSince < maxDeferMs
    ) {
      this.cost.deferred++;
      return;
    }
    void this.#send();
  }

  /**
   * Sends what is pending, in messages of at most MAX_BATCH events: serialising one costs the
   * main thread time in proportion to its size, and a backlog must not stall quoting in one go.
   */
  #send(): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    const started = performance.now();
    const sent: Promise<void>[] = [];
    for (let from = 0; from < this.#pending.length; from += MAX_BATCH) {
      const events = this.#pending.slice(from, from + MAX_BATCH);
      const id = this.#nextId++;
      let resolve!: () => void;
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      this.#inFlight.set(id, { events, done, resolve });
      // One JSON string per batch: cloning a string is a copy, cloning thousands of objects is not.
      this.#post({
        type: 'batch',
        id,
        events: JSON.stringify(events),
        ...(this.#runId ? { runId: this.#runId } : {}),
      });
      sent.push(done);
    }
    const took = performance.now() - started;
    this.cost.flushes++;
    this.cost.events += this.#pending.length;
    this.cost.busyMs += took;
    if (took > this.cost.maxFlushMs) this.cost.maxFlushMs = took;
    this.cost.flushMicros.record(Math.max(1, Math.round(took * 1000)));
    this.#pending = [];
    return Promise.all(sent).then(() => undefined);
  }

  #post(request: WriterRequest): void {
    this.#worker.postMessage(request);
  }

  #onReply(reply: WriterReply): void {
    if (reply.type === 'ack') {
      const flight = this.#inFlight.get(reply.id);
      this.#inFlight.delete(reply.id);
      this.#written += reply.written;
      this.#lastWriteAt = this.#options.clock.now();
      if (this.#error) {
        this.#options.logger.info({ path: this.path }, 'journal writes recovered');
        this.#error = undefined;
      }
      flight?.resolve();
    } else if (reply.type === 'error' && reply.id !== undefined) {
      const flight = this.#inFlight.get(reply.id);
      if (!flight) return;
      this.#inFlight.delete(reply.id);
      // Keep the events for the next flush: a full disk may be freed.
      this.#pending = [...flight.events, ...this.#pending];
      if (this.#pending.length > this.#maxPending) {
        const excess = this.#pending.length - this.#maxPending;
        this.#pending.splice(0, excess);
        this.#dropped += excess;
      }
      this.#fail(new JournalError(reply.message, reply.code as never, this.path));
      flight.resolve();
    }
  }

  #fail(error: JournalError): void {
    const first = this.#error === undefined;
    this.#error = error;
    if (first) {
      this.#options.logger.error({ err: error, path: this.path }, 'journal write failed');
      this.#options.onError?.(error);
    }
  }
}
