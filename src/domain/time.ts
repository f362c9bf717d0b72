import type { EpochMs } from './types.js';

export class TimestampError extends Error {
  override readonly name = 'TimestampError';
  readonly code = 'invalid_timestamp';
  constructor(
    message: string,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp ("2026-07-06T01:55:01.500644Z") to epoch ms. */
export function parseTimestamp(value: unknown, field?: string): EpochMs {
  const label = field ? `${field}: ` : '';
  if (typeof value !== 'string' || !ISO.test(value)) {
    throw new TimestampError(`${label}expected an RFC 3339 timestamp, found ${JSON.stringify(value)}`, field);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new TimestampError(`${label}${JSON.stringify(value)} is not a real date`, field);
  return ms;
}

/** Formats epoch ms as Kalshi does: RFC 3339 UTC with microseconds. */
export function formatTimestamp(ms: EpochMs): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
