/**
 * The recording format: JSON Lines, one event per line, money and sizes as the exchange writes
 * them (dollar strings like "0.4500", contract strings like "10.00"), times as epoch ms. The first
 * line is a header naming the format and version. The journal's export, `npm start --record` and
 * the simulator's `--record` write it; the backtest reads it. Documented in docs/recording-format.md.
 */
import type { PriceBand } from '../domain/grid.js';
import { parseCount, parseDollars } from '../domain/money.js';
import {
  RECORDING_FORMAT,
  RECORDING_VERSION,
  recordedCount,
  recordedDollars,
  recordedMultiplier,
  recordingHeader,
} from '../domain/recording-format.js';
import type { BookLevel } from '../domain/types.js';
import { JOURNAL_EVENT_KINDS, type JournalEvent, type JournalEventKind } from './events.js';

export { RECORDING_FORMAT, RECORDING_VERSION, recordingHeader };

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
  'lastPrice',
]);
/** Fields holding contracts (centis inside, contract strings in a recording). */
const CONTRACT_FIELDS: ReadonlySet<string> = new Set(['contracts', 'yesContracts', 'noContracts', 'offered']);
const KINDS: ReadonlySet<string> = new Set(JOURNAL_EVENT_KINDS);

/** What each kind must carry, checked on read so a damaged line fails where it is. */
interface Required {
  readonly text?: readonly string[];
  readonly integer?: readonly string[];
  readonly flag?: readonly string[];
  readonly side?: readonly string[];
}
const REQUIRED: Readonly<Record<JournalEventKind, Required>> = {
  run_started: { text: ['runId'] },
  run_stopped: { text: ['runId'] },
  rfq_seen: { text: ['rfqId', 'marketTicker', 'source'] },
  rfq_gone: { text: ['rfqId'] },
  decision: { text: ['rfqId', 'marketTicker', 'outcome'] },
  refusal: { text: ['rfqId', 'marketTicker', 'limit'] },
  quote: {
    text: ['rfqId', 'marketTicker', 'strategy', 'from', 'to'],
    integer: ['yesBid', 'noBid', 'yesContracts', 'noContracts'],
  },
  accept: { text: ['rfqId', 'quoteId', 'marketTicker', 'decision'], integer: ['contracts'], side: ['side'] },
  confirm: { text: ['rfqId', 'quoteId', 'marketTicker'], flag: ['ok'], integer: ['latencyMs'] },
  fill: {
    text: ['tradeId', 'orderId', 'marketTicker'],
    integer: ['contracts', 'price', 'fee', 'tradedAt'],
    flag: ['isTaker'],
    side: ['side'],
  },
  kill_switch: { flag: ['tripped'] },
  config_reload: { text: ['trigger'], flag: ['applied'] },
  mark: { text: ['marketTicker'], integer: ['mid'] },
  settlement: { text: ['marketTicker'], side: ['result'] },
  pnl: { text: ['day'], integer: ['realized', 'unrealized', 'total', 'peak'] },
  market: { text: ['marketTicker', 'eventTicker', 'status'] },
  book: { text: ['marketTicker'] },
  quote_accepted: {
    text: ['rfqId', 'quoteId', 'marketTicker'],
    integer: ['price', 'contracts'],
    side: ['side'],
  },
};

export class RecordingError extends Error {
  override readonly name = 'RecordingError';
  readonly code = 'invalid_recording';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

/**
 * The common spelling of a decimal ("0.4500", "10.00") in `digits` places, fast; undefined for
 * anything else, which then goes through the strict parser (and its error message).
 */
function fastScaled(value: unknown, digits: number): number | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 20) return undefined;
  let units = 0;
  let frac = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) {
      if (frac >= 0 || i === 0) return undefined;
      frac = 0;
      continue;
    }
    if (c < 48 || c > 57) return undefined;
    if (frac === digits) {
      if (c !== 48) return undefined;
      continue;
    }
    if (frac >= 0) frac++;
    units = units * 10 + (c - 48);
  }
  if (frac === 0) return undefined;
  for (let k = Math.max(frac, 0); k < digits; k++) units *= 10;
  return Number.isSafeInteger(units) ? units : undefined;
}

const dollarsOf = (value: unknown) => (typeof value === 'number' ? recordedDollars(value) : value);

/** The wire shape of the fields that nest money: grids, fee schedules, book levels. */
function encodeNested(event: JournalEvent): object {
  if (event.kind === 'market') {
    return {
      ...event,
      priceGrid: event.priceGrid.map((band) => ({
        start: dollarsOf(band.start),
        end: dollarsOf(band.end),
        step: dollarsOf(band.step),
      })),
      fees: event.fees && { type: event.fees.type, multiplier: recordedMultiplier(event.fees.multiplierPpm) },
    };
  }
  if (event.kind === 'book') {
    const levels = (side: readonly BookLevel[]) =>
      side.map((level) => [recordedDollars(level.price), recordedCount(level.count)]);
    return { ...event, yes: levels(event.yes), no: levels(event.no) };
  }
  return event;
}

export function toRecordingLine(event: JournalEvent): string {
  return JSON.stringify(encodeNested(event), (key, value: unknown) => {
    if (typeof value !== 'number' || key === '') return value;
    if (DOLLAR_FIELDS.has(key)) return recordedDollars(value);
    if (CONTRACT_FIELDS.has(key)) return recordedCount(value);
    return value;
  });
}

function decodeGrid(value: unknown): PriceBand[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new Error('priceGrid must be a non-empty list of {start, end, step} dollar strings');
  return value.map((band: unknown, i) => {
    const b = (band ?? {}) as Record<string, unknown>;
    return {
      start: parseDollars(b['start'], `priceGrid[${i}].start`),
      end: parseDollars(b['end'], `priceGrid[${i}].end`),
      step: parseDollars(b['step'], `priceGrid[${i}].step`),
    };
  });
}

function decodeLevels(value: unknown, side: string): BookLevel[] {
  if (!Array.isArray(value)) throw new Error(`${side} must be a list of [price, count] string pairs`);
  return value.map((level: unknown, i) => {
    if (!Array.isArray(level) || level.length !== 2)
      throw new Error(`${side}[${i}] must be a [price, count] pair of strings`);
    return {
      price: fastScaled(level[0], 6) ?? parseDollars(level[0], `${side}[${i}] price`),
      count: fastScaled(level[1], 2) ?? parseCount(level[1], `${side}[${i}] count`),
    };
  });
}

function decodeFees(value: unknown): { type: string; multiplierPpm: number } {
  const fees = (value ?? {}) as Record<string, unknown>;
  if (typeof fees['type'] !== 'string') throw new Error('fees.type must be a fee type string');
  return { type: fees['type'], multiplierPpm: parseDollars(fees['multiplier'] ?? '1', 'fees.multiplier') };
}

function checkRequired(kind: JournalEventKind, out: Record<string, unknown>): string | undefined {
  const spec = REQUIRED[kind];
  for (const key of spec.text ?? [])
    if (typeof out[key] !== 'string') return `${kind}: "${key}" must be a string`;
  for (const key of spec.integer ?? [])
    if (typeof out[key] !== 'number' || !Number.isSafeInteger(out[key]))
      return `${kind}: "${key}" is missing or not a whole number`;
  for (const key of spec.flag ?? [])
    if (typeof out[key] !== 'boolean') return `${kind}: "${key}" must be true or false`;
  for (const key of spec.side ?? [])
    if (out[key] !== 'yes' && out[key] !== 'no') return `${kind}: "${key}" must be "yes" or "no"`;
  if (kind === 'rfq_seen' && out['contracts'] === undefined && out['targetCost'] === undefined)
    return 'rfq_seen: needs "contracts" or "targetCost"';
  return undefined;
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
  // Converted in place: the object is ours, fresh from JSON.parse.
  const out = record;
  try {
    for (const key in record) {
      const value = record[key];
      if (value === null) delete out[key];
      else if (kind === 'market' && key === 'priceGrid') out[key] = decodeGrid(value);
      else if (kind === 'market' && key === 'fees') out[key] = decodeFees(value);
      else if (kind === 'book' && (key === 'yes' || key === 'no')) out[key] = decodeLevels(value, key);
      else if (DOLLAR_FIELDS.has(key)) out[key] = fastScaled(value, 6) ?? parseDollars(value, key);
      else if (CONTRACT_FIELDS.has(key)) out[key] = fastScaled(value, 2) ?? parseCount(value, key);
    }
  } catch (error) {
    throw new RecordingError((error as Error).message, line);
  }
  if (kind === 'market' && out['priceGrid'] === undefined)
    throw new RecordingError('market: "priceGrid" is required', line);
  if (kind === 'book' && (out['yes'] === undefined || out['no'] === undefined))
    throw new RecordingError('book: "yes" and "no" level lists are required', line);
  const problem = checkRequired(kind as JournalEventKind, out);
  if (problem) throw new RecordingError(problem, line);
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
