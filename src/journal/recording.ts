/**
 * The recording format: JSON Lines, one event per line, money and sizes as the exchange writes
 * them (dollar strings like "0.4500", contract strings like "10.00"), times as epoch ms. The first
 * line is a header naming the format and version. The journal's export, `npm start --record` and
 * the simulator's `--record` write it; the backtest reads it. Documented in docs/recording-format.md.
 */
import { formatCount, formatDollars, parseCount, parseDollars } from '../domain/money.js';
import { JOURNAL_EVENT_KINDS, type JournalEvent } from './events.js';

export const RECORDING_FORMAT = 'kalshi-rfq-maker/recording';
export const RECORDING_VERSION = 1;

/** Fields holding dollars (micros inside, dollar strings in a recording). */
const DOLLAR_FIELDS: ReadonlySet<string> = new Set([
  'yesBid',
  'noBid',
  'fairValue',
  'targetCost',
  'price',
  'fee',
  'mid',
  'yesAsk',
  'realized',
  'fees',
  'unrealized',
  'total',
  'peak',
]);
/** Fields holding contracts (centis inside, contract strings in a recording). */
const CONTRACT_FIELDS: ReadonlySet<string> = new Set(['contracts', 'yesContracts', 'noContracts']);
const KINDS: ReadonlySet<string> = new Set(JOURNAL_EVENT_KINDS);

export class RecordingError extends Error {
  override readonly name = 'RecordingError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function recordingHeader(meta: Readonly<Record<string, string | number>> = {}): string {
  return JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...meta });
}

export function toRecordingLine(event: JournalEvent): string {
  return JSON.stringify(event, (key, value: unknown) => {
    if (typeof value !== 'number' || key === '') return value;
    if (DOLLAR_FIELDS.has(key)) return formatDollars(value, 6).replace(/(\.\d{4}\d*?)0+$/, '$1');
    if (CONTRACT_FIELDS.has(key)) return formatCount(value);
    return value;
  });
}

/** Parses one line of a recording; throws a RecordingError naming the line and the problem. */
export function fromRecordingLine(text: string, line: number): JournalEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RecordingError(`not JSON (${(error as Error).message})`, line);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new RecordingError('expected a JSON object', line);
  const record = raw as Record<string, unknown>;
  const { kind, at } = record;
  if (typeof kind !== 'string' || !KINDS.has(kind))
    throw new RecordingError(`unknown kind ${JSON.stringify(kind)}`, line);
  if (typeof at !== 'number' || !Number.isSafeInteger(at))
    throw new RecordingError(`"at" must be epoch milliseconds, found ${JSON.stringify(at)}`, line);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    try {
      if (DOLLAR_FIELDS.has(key) && value !== undefined) out[key] = parseDollars(value, key);
      else if (CONTRACT_FIELDS.has(key) && value !== undefined) out[key] = parseCount(value, key);
      else out[key] = value;
    } catch (error) {
      throw new RecordingError((error as Error).message, line);
    }
  }
  return out as unknown as JournalEvent;
}

/** Checks a header line; throws a RecordingError when it is not one this version reads. */
export function checkRecordingHeader(text: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw new RecordingError(`not a recording: the first line must be the header ${recordingHeader()}`, 1);
  }
  const h = (header ?? {}) as { format?: unknown; version?: unknown };
  if (h.format !== RECORDING_FORMAT)
    throw new RecordingError(`not a recording: the first line must be the header ${recordingHeader()}`, 1);
  if (h.version !== RECORDING_VERSION)
    throw new RecordingError(
      `recording version ${String(h.version)}; this bot reads ${RECORDING_VERSION}`,
      1,
    );
  return h as Record<string, unknown>;
}
