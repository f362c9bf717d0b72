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

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Date.parse rolls 30 February over into March and 24:00 into the next day; RFC 3339 allows
 * neither.
 */
function isCalendarDate(fields: RegExpExecArray): boolean {
  // By index: destructuring the match went through an array iterator on every timestamp read.
  const dayOfMonth = Number(fields[3]);
  if (dayOfMonth < 1 || Number(fields[4]) > 23) return false;
  return (
    dayOfMonth <= 28 || dayOfMonth <= new Date(Date.UTC(Number(fields[1]), Number(fields[2]), 0)).getUTCDate()
  );
}

/** Parses an RFC 3339 timestamp ("2026-07-06T01:55:01.500644Z") to epoch ms. */
export function parseTimestamp(value: unknown, field?: string): EpochMs {
  const label = field ? `${field}: ` : '';
  const fields = typeof value === 'string' ? ISO.exec(value) : null;
  if (fields === null) {
    throw new TimestampError(`${label}expected an RFC 3339 timestamp, found ${JSON.stringify(value)}`, field);
  }
  const ms = Date.parse(value as string);
  if (!Number.isFinite(ms) || !isCalendarDate(fields))
    throw new TimestampError(`${label}${JSON.stringify(value)} is not a real date`, field);
  return ms;
}

/** Formats epoch ms as Kalshi does: RFC 3339 UTC with microseconds. */
export function formatTimestamp(ms: EpochMs): string {
  // toISOString always ends in ".sssZ"; slicing is a third of a regex replace's cost
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
}
