import type { EpochMs } from '../domain/types.js';

/** Wall-clock fields of an instant in a time zone. */
export interface ZonedParts {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** 1–31 */
  readonly day: number;
  /** 0–23 */
  readonly hour: number;
  readonly minute: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    // throws RangeError for an unknown zone: callers validate with isValidTimeZone first
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether `timeZone` is an IANA zone (or UTC) this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of `at` in `timeZone` (DST handled by the runtime's tz database). */
export function zonedParts(at: EpochMs, timeZone: string): ZonedParts {
  const fields: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) fields[part.type] = part.value;
  const weekday = WEEKDAYS[fields['weekday'] ?? ''];
  if (weekday === undefined) throw new RangeError(`unexpected weekday ${fields['weekday']} from Intl`);
  return {
    year: Number(fields['year']),
    month: Number(fields['month']),
    day: Number(fields['day']),
    hour: Number(fields['hour']),
    minute: Number(fields['minute']),
    weekday,
  };
}

/** The last day key computed per zone, by UTC minute: offsets are whole minutes, so it holds all minute. */
const lastDayKey = new Map<string, { minute: number; key: string }>();

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD. */
export function dayKey(at: EpochMs, timeZone: string): string {
  // The risk book asks on every snapshot; Intl formatting is far dearer than this lookup.
  const minute = Math.floor(at / 60_000);
  const cached = lastDayKey.get(timeZone);
  if (cached?.minute === minute) return cached.key;
  const { year, month, day } = zonedParts(at, timeZone);
  const key = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  lastDayKey.set(timeZone, { minute, key });
  return key;
}
