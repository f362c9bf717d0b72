import { parse, validateDetailed } from 'node-cron';
import { daysInMonth } from '../domain/time.js';
import { RiskConfigError } from './limits.js';
import type { ZonedParts } from './zoned-time.js';

/** A cron expression matched against wall-clock fields, minute by minute. */
export interface CronMatcher {
  readonly expression: string;
  matches(parts: ZonedParts): boolean;
}

type DayRule = (year: number, month: number, day: number, weekday: number) => boolean;

const NEAREST_WEEKDAY = /^(\d{1,2}|L)W$/;
const LAST_OFFSET = /^L-(\d{1,2})$/;
const LAST_WEEKDAY = /^([0-7])L$/i;
const NTH_WEEKDAY = /^([0-7])#([1-5])$/;

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday closest to `target` within the month (cron's `W`). */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = weekdayOf(year, month, target);
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

// Same token semantics as node-cron's own matcher, so a window and a node-cron task agree.
function dayOfMonthRule(token: string | number): DayRule | undefined {
  if (typeof token === 'number') return (_y, _m, day) => day === token;
  if (token === 'L') return (year, month, day) => day === daysInMonth(year, month);
  const weekday = NEAREST_WEEKDAY.exec(token);
  if (weekday) {
    const spec = weekday[1] ?? '';
    return (year, month, day) =>
      day === nearestWeekday(year, month, spec === 'L' ? daysInMonth(year, month) : Number(spec));
  }
  const offset = LAST_OFFSET.exec(token);
  if (offset) {
    const back = Number(offset[1]);
    return (year, month, day) => day === daysInMonth(year, month) - back;
  }
  return undefined;
}

function dayOfWeekRule(token: string | number): DayRule | undefined {
  if (typeof token === 'number') {
    const wanted = token % 7;
    return (_y, _m, _d, weekday) => weekday === wanted;
  }
  const last = LAST_WEEKDAY.exec(token);
  if (last) {
    const wanted = Number(last[1]) % 7;
    return (year, month, day, weekday) => weekday === wanted && day + 7 > daysInMonth(year, month);
  }
  const nth = NTH_WEEKDAY.exec(token);
  if (nth) {
    const wanted = Number(nth[1]) % 7;
    const occurrence = Number(nth[2]);
    return (_y, _m, day, weekday) => weekday === wanted && Math.floor((day - 1) / 7) + 1 === occurrence;
  }
  return undefined;
}

/**
 * Compiles a node-cron expression (5 fields, or 6 with a seconds field of `*` or `0`) into a
 * minute matcher. Day of month and day of week must both match, as in node-cron.
 * Throws `RiskConfigError` naming `path` and every problem.
 */
export function compileCron(expression: unknown, path: string): CronMatcher {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new RiskConfigError([`${path}: expected a cron expression, found ${JSON.stringify(expression)}`]);
  }
  const checked = validateDetailed(expression);
  if (!checked.valid || !checked.fields) {
    const problems = checked.errors.map(
      (error) =>
        `${path}: ${error.field} ${error.value === undefined ? '' : `"${error.value}" `}${error.message}`,
    );
    throw new RiskConfigError(
      problems.length > 0 ? problems : [`${path}: invalid cron expression "${expression}"`],
    );
  }
  const fields = parse(expression);
  const problems: string[] = [];
  if (!(fields.second.length === 60 || (fields.second.length === 1 && fields.second[0] === 0))) {
    problems.push(
      `${path}: trading windows are whole minutes; the seconds field must be * or 0 in "${expression}"`,
    );
  }
  const dayRules = fields.dayOfMonth.map((token) => ({ token, rule: dayOfMonthRule(token) }));
  const weekdayRules = fields.dayOfWeek.map((token) => ({ token, rule: dayOfWeekRule(token) }));
  for (const { token, rule } of [...dayRules, ...weekdayRules]) {
    if (!rule) problems.push(`${path}: unsupported day token "${String(token)}" in "${expression}"`);
  }
  if (problems.length > 0) throw new RiskConfigError(problems);

  const minutes = new Set(fields.minute);
  const hours = new Set(fields.hour);
  const months = new Set(fields.month);
  const dom = dayRules.map((entry) => entry.rule as DayRule);
  const dow = weekdayRules.map((entry) => entry.rule as DayRule);
  return Object.freeze({
    expression,
    matches(parts: ZonedParts): boolean {
      if (!minutes.has(parts.minute) || !hours.has(parts.hour) || !months.has(parts.month)) return false;
      const { year, month, day, weekday } = parts;
      return (
        dom.some((rule) => rule(year, month, day, weekday)) &&
        dow.some((rule) => rule(year, month, day, weekday))
      );
    },
  });
}
