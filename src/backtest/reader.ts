/**
 * Reads a recording as a stream: one event at a time with its line number, never the whole file
 * (recordings may be larger than memory). `.gz` files are decompressed on the fly. A line that is
 * not a valid event fails with a RecordingError naming it; so does a recording that ends in the
 * middle of a line (truncated).
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { JournalEvent } from '../journal/events.js';
import { checkRecordingHeader, fromRecordingLine, RecordingError } from '../journal/recording.js';

export interface RecordedLine {
  readonly line: number;
  readonly event: JournalEvent;
}

export interface ReadOptions {
  /** Skip events before this time (epoch ms). */
  readonly from?: number | undefined;
  /** Stop at the first event at or after this time. */
  readonly to?: number | undefined;
  /** Called once with the header's fields. */
  readonly onHeader?: (header: Readonly<Record<string, unknown>>) => void;
}

function parseLine(text: string, line: number, last: boolean): JournalEvent {
  try {
    return fromRecordingLine(text, line);
  } catch (error) {
    if (last && error instanceof RecordingError && /not JSON/.test(error.message)) {
      throw new RecordingError(`the recording ends inside this line (truncated?): ${error.message}`, line);
    }
    throw error;
  }
}

/** Lines parsed per batch handed out. */
const LINES_PER_BATCH = 256;

/** The events of a recording file, in file order, with their line numbers. */
export async function* readRecording(path: string, options: ReadOptions = {}): AsyncGenerator<RecordedLine> {
  for await (const batch of readRecordingBatches(path, options)) yield* batch;
}

/** The same, a block read at a time: what the replay consumes (one await per block, not per line). */
export async function* readRecordingBatches(
  path: string,
  options: ReadOptions = {},
): AsyncGenerator<readonly RecordedLine[]> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const source: AsyncIterable<Buffer> = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  const decoder = new StringDecoder('utf8');
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? Number.POSITIVE_INFINITY;
  let rest = '';
  let lineNo = 0;
  let sawHeader = false;
  const handle = (text: string, last: boolean): JournalEvent | undefined => {
    lineNo++;
    if (!sawHeader) {
      sawHeader = true;
      const header = checkRecordingHeader(text);
      options.onHeader?.(header);
      return undefined;
    }
    if (text.trim() === '') return undefined;
    return parseLine(text, lineNo, last);
  };
  try {
    for await (const chunk of source) {
      const text = rest + decoder.write(chunk);
      let start = 0;
      // Parsed a few hundred lines at a time, as the replay asks: a block's events parsed at once
      // would outlive several young-generation collections (copied, then promoted) before use.
      for (let more = true; more; ) {
        const batch: RecordedLine[] = [];
        while (batch.length < LINES_PER_BATCH) {
          const end = text.indexOf('\n', start);
          if (end < 0) {
            more = false;
            break;
          }
          const event = handle(text.slice(start, end), false);
          start = end + 1;
          if (event === undefined || event.at < from) continue;
          if (event.at >= to) {
            if (batch.length > 0) yield batch;
            return;
          }
          batch.push({ line: lineNo, event });
        }
        if (batch.length > 0) yield batch;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest !== '') {
      const event = handle(rest, true);
      if (event !== undefined && event.at >= from && event.at < to) yield [{ line: lineNo, event }];
    }
    if (!sawHeader) throw new RecordingError('the recording is empty (no header line)', 1);
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RecordingError(`cannot read ${path}: no such file`, 0);
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR')
      throw new RecordingError(
        `the compressed recording is damaged or truncated after line ${lineNo}`,
        lineNo + 1,
      );
    throw error;
  } finally {
    file.destroy();
  }
}
