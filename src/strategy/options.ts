import {
  type Centis,
  formatCount,
  formatDollarsMinimal,
  type Micros,
  parseCount,
  parseDollars,
} from '../domain/money.js';
import { z } from './zod.js';

/**
 * zod building blocks for strategy options. Config writes money and counts as decimal
 * strings; these schemas turn them into integers (micros, centi-contracts) at load time, so a
 * strategy never sees a float and a bad value fails startup naming the option.
 */

export interface DecimalBounds {
  /** Decimal string defaults, applied when the key is absent. */
  readonly default?: string;
  /** Inclusive bounds, as decimal strings. */
  readonly min?: string;
  readonly max?: string;
  /** Exclusive bounds, as decimal strings. */
  readonly gt?: string;
  readonly lt?: string;
}

function decimalOption<T extends number>(
  what: string,
  parse: (text: string) => T,
  format: (value: T) => string,
  bounds: DecimalBounds,
) {
  const limits = {
    min: bounds.min === undefined ? undefined : parse(bounds.min),
    max: bounds.max === undefined ? undefined : parse(bounds.max),
    gt: bounds.gt === undefined ? undefined : parse(bounds.gt),
    lt: bounds.lt === undefined ? undefined : parse(bounds.lt),
  };
  const text = z.string({
    error: (issue) =>
      issue.input === undefined
        ? `required: a ${what} string such as "${bounds.default ?? '0.04'}"`
        : `write ${what} as a quoted decimal string such as "${String(issue.input)}" (found ${typeof issue.input} ${String(issue.input)})`,
  });
  const withDefault = bounds.default === undefined ? text : text.default(bounds.default);
  return withDefault.transform((value, ctx): T => {
    let parsed: T;
    try {
      parsed = parse(value);
    } catch (error) {
      ctx.issues.push({
        code: 'custom',
        message: error instanceof Error ? error.message : String(error),
        input: value,
      });
      return z.NEVER;
    }
    const fail = (rule: string) => {
      ctx.issues.push({ code: 'custom', message: `${value} must be ${rule}`, input: value });
      return z.NEVER;
    };
    if (limits.min !== undefined && parsed < limits.min) return fail(`at least ${format(limits.min)}`);
    if (limits.max !== undefined && parsed > limits.max) return fail(`at most ${format(limits.max)}`);
    if (limits.gt !== undefined && parsed <= limits.gt) return fail(`greater than ${format(limits.gt)}`);
    if (limits.lt !== undefined && parsed >= limits.lt) return fail(`less than ${format(limits.lt)}`);
    return parsed;
  });
}

/**
 * A dollar amount written as a string ("0.04") → integer micros (40_000).
 * @example z.strictObject({ spread: dollarsOption({ default: '0.04', gt: '0', lt: '1' }) })
 */
export function dollarsOption(bounds: DecimalBounds = {}) {
  return decimalOption<Micros>(
    'dollars',
    (t) => parseDollars(t),
    (v) => formatDollarsMinimal(v),
    bounds,
  );
}

/** A contract count written as a string ("500", "2.5") → centi-contracts (50_000, 250). */
export function contractsOption(bounds: DecimalBounds = {}) {
  return decimalOption<Centis>(
    'contracts',
    (t) => parseCount(t),
    (v) => formatCount(v),
    bounds,
  );
}

/** Parts per million: 1_000_000 is a ratio of 1. */
export type Ppm = number;

/**
 * A ratio such as a weight ("0.5" or 0.5 in YAML) → parts per million (500_000). Numbers are
 * accepted here (a weight is not money) and converted through their shortest decimal form.
 */
export function ratioOption(bounds: DecimalBounds = {}) {
  const parse = (text: string): Ppm => {
    try {
      return parseDollars(text);
    } catch {
      throw new Error(
        `${JSON.stringify(text)} is not a decimal ratio such as "0.5" (at most 6 decimal places)`,
      );
    }
  };
  const schema = decimalOption<Ppm>('a ratio', parse, (v) => formatDollarsMinimal(v, 1), bounds);
  return z.preprocess(
    (value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value),
    schema,
  );
}
