/**
 * A journal sink writing the recording format (JSON Lines) to a file as the bot runs:
 * `npm start -- --record FILE`. `record()` costs the hot path an array push; every
 * `flushIntervalMs` the pending events are encoded and appended. A write failure is logged once
 * and ends the recording; it never stops the bot (the SQLite journal is the durable record).
 */
import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import type { JournalEvent } from './events.js';
import { recordingHeader, toRecordingLine } from './recording.js';

export interface RecordingFileOptions {
  readonly path: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Extra header fields (source, run id). */
  readonly meta?: Readonly<Record<string, string | number>>;
  /** @default 100 */
  readonly flushIntervalMs?: number;
  /** Bytes the file may lag behind before events are dropped (and counted). @default 64 MiB */
  readonly maxBufferedBytes?: number;
}

export class RecordingFileError extends Error {
  override readonly name = 'RecordingFileError';
  readonly code = 'recording_unwritable';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot write the recording ${path}: ${reason}`);
  }
}

export class RecordingFile {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #timer: Timer;
  readonly #log: Logger;
  readonly #maxBuffered: number;
  #pending: JournalEvent[] = [];
  #failed = false;
  #closed: Promise<void> | undefined;
  #written = 0;
  #dropped = 0;

  private constructor(options: RecordingFileOptions, stream: WriteStream) {
    this.path = options.path;
    this.#stream = stream;
    this.#log = options.logger;
    this.#maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    stream.on('error', (error) => this.#fail(error.message));
    this.#timer = repeatEvery(options.clock, options.flushIntervalMs ?? 100, () => this.#flush(), {
      unref: true,
    });
  }

  /** Creates (truncating) the file and writes the header; throws when the path cannot be used. */
  static open(options: RecordingFileOptions): RecordingFile {
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      closeSync(openSync(options.path, 'w'));
    } catch (error) {
      throw new RecordingFileError(options.path, (error as NodeJS.ErrnoException).code ?? String(error));
    }
    const stream = createWriteStream(options.path, { flags: 'a' });
    stream.write(`${recordingHeader({ source: 'bot', ...options.meta })}\n`);
    return new RecordingFile(options, stream);
  }

  record(event: JournalEvent): void {
    if (this.#closed || this.#failed) return;
    this.#pending.push(event);
  }

  get stats(): { readonly written: number; readonly dropped: number; readonly failed: boolean } {
    return { written: this.#written, dropped: this.#dropped, failed: this.#failed };
  }

  /** Writes what is pending and closes the file. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#timer.cancel();
      this.#flush();
      if (this.#failed) return;
      await new Promise<void>((resolve) => this.#stream.end(resolve));
      this.#log.info({ path: this.path, events: this.#written, dropped: this.#dropped }, 'recording written');
    })();
    return this.#closed;
  }

  #flush(): void {
    if (this.#pending.length === 0 || this.#failed) return;
    const events = this.#pending;
    this.#pending = [];
    if (this.#stream.writableLength > this.#maxBuffered) {
      this.#dropped += events.length;
      return;
    }
    let text = '';
    for (const event of events) text += `${toRecordingLine(event)}\n`;
    this.#stream.write(text);
    this.#written += events.length;
  }

  #fail(reason: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#pending = [];
    this.#log.error({ path: this.path, reason }, 'recording write failed; recording stopped');
  }
}
