/**
 * The recording format's identity and its money spelling, shared by every writer: the bot's
 * journal export and `--record`, and the simulator's `--record` (which may import only domain/).
 * The event codec lives in src/journal/recording.ts; the format is documented in
 * docs/recording-format.md.
 */
import { formatCount, formatDollars, formatDollarsMinimal, type Micros } from './money.js';

export const RECORDING_FORMAT = 'kalshi-rfq-maker/recording';
export const RECORDING_VERSION = 1;

/** The first line of a recording: the format, the version, and whatever the writer adds. */
export function recordingHeader(meta: Readonly<Record<string, string | number>> = {}): string {
  return JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...meta });
}

/** Dollars as a recording writes them: at least 4 decimals, as many as needed up to 6 ("0.4500"). */
export function recordedDollars(micros: Micros): string {
  return formatDollars(micros, 6).replace(/(\.\d{4}\d*?)0+$/, '$1');
}

/** Contracts as a recording writes them: 2 decimals ("10.00"). */
export const recordedCount = formatCount;

/** A fee multiplier (millionths) as a decimal string: "1", "0.5". */
export function recordedMultiplier(ppm: number): string {
  return formatDollarsMinimal(ppm, 0);
}
