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

const MINUTE = 60_000;

function sameHour(a: ZonedParts, b: ZonedParts): boolean {
  return a.hour === b.hour && a.day === b.day && a.month === b.month && a.year === b.year;
}

/**
 * The wall-clock fields of `from`, `from` + 1 min, `from` + 2 min, … in `timeZone`, endlessly.
 * Intl is asked at the first and last minute of each local hour, not at every minute (a week
 * ahead is 11,520 minutes, ~10 µs each); an hour whose two ends disagree with counting (an
 * offset change inside it) is read minute by minute.
 */
export function* zonedMinutes(from: EpochMs, timeZone: string): Generator<ZonedParts, never> {
  let at = from;
  for (;;) {
    const first = zonedParts(at, timeZone);
    const minutes = 60 - first.minute;
    const last = minutes > 1 ? zonedParts(at + (minutes - 1) * MINUTE, timeZone) : first;
    const counted = last.minute === 59 && sameHour(first, last);
    for (let i = 0; i < minutes; i++) {
      if (!counted) yield zonedParts(at + i * MINUTE, timeZone);
      else if (i === 0) yield first;
      else yield { ...first, minute: first.minute + i };
    }
    at += minutes * MINUTE;
  }
}

/** The last minute's keys computed per zone, by UTC minute: offsets are whole minutes, so they hold all minute. */
const lastKeys = new Map<string, { minute: number; day: string; hour: string }>();

/** The day (YYYY-MM-DD) and hour (YYYY-MM-DDTHH:00) of `at` in `timeZone`. */
function minuteKeys(at: EpochMs, timeZone: string): { readonly day: string; readonly hour: string } {
  // The risk book asks on every snapshot, the report on every event; Intl formatting is far
  // dearer than this lookup.
  const minute = Math.floor(at / 60_000);
  const cached = lastKeys.get(timeZone);
  if (cached?.minute === minute) return cached;
  const { year, month, day, hour } = zonedParts(at, timeZone);
  const dayText = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const keys = { minute, day: dayText, hour: `${dayText}T${String(hour).padStart(2, '0')}:00` };
  lastKeys.set(timeZone, keys);
  return keys;
}

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD. */
export function dayKey(at: EpochMs, timeZone: string): string {
  return minuteKeys(at, timeZone).day;
}

const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The instant a calendar day (YYYY-MM-DD) begins in `timeZone`: its local midnight, or the first
 * minute after it where a DST change skips midnight. Undefined for a day that does not exist.
 */
export function dayStart(day: string, timeZone: string): EpochMs | undefined {
  const match = DAY_KEY.exec(day);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const wallMidnight = Date.UTC(year, month - 1, date);
  if (new Date(wallMidnight).toISOString().slice(0, 10) !== day) return undefined; // 2026-02-30
  // Start at midnight read as UTC and correct by the zone's offset there; a second pass settles a
  // day whose offset changes overnight.
  let at = wallMidnight;
  for (let pass = 0; pass < 2; pass++) at = wallMidnight - offsetAt(at, timeZone);
  // Midnight skipped by a DST change: the first minute of the day that exists.
  while (dayKey(at, timeZone) !== day) at += 60_000;
  while (dayKey(at - 60_000, timeZone) === day) at -= 60_000;
  return at;
}

/** The calendar day after `day` (YYYY-MM-DD). */
export function nextDayKey(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** The hour of `at` in `timeZone`, as "YYYY-MM-DDTHH:00". */
export function hourKey(at: EpochMs, timeZone: string): string {
  return minuteKeys(at, timeZone).hour;
}

/** How far the zone's wall clock is ahead of UTC at `at`, in ms (whole minutes). */
function offsetAt(at: EpochMs, timeZone: string): number {
  const { year, month, day, hour, minute } = zonedParts(at, timeZone);
  return Date.UTC(year, month - 1, day, hour, minute) - Math.floor(at / 60_000) * 60_000;
}
