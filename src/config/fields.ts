/**
 * Building blocks of the config schema. Every leaf carries the phrase a user reads when it is
 * wrong ("a positive integer"), which the loader turns into "expected …, found …", and
 * metadata (description, reload class, unit) that the reference generator, the diff and the
 * redacted dump read back from the schema.
 */
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { type Centis, FixedPointError, type Micros, parseCount, parseDollars } from '../domain/money.js';

/** Whether a changed key can be applied to a running bot or needs a restart. */
export type Reload = 'hot' | 'restart';

export interface FieldMeta {
  /** Shown in the README reference and mirrored by the comments of config.yaml. */
  readonly description?: string;
  /** Type label for the reference when the schema's own shape says too little. */
  readonly type?: string;
  /** Default label for the reference when the default is not a literal (e.g. per environment). */
  readonly defaultLabel?: string;
  /** Inherited by every key below unless overridden. */
  readonly reload?: Reload;
  /** Integer money or size: formatted back to a decimal string by `redactedConfig`. */
  readonly unit?: 'dollars' | 'contracts';
  /** Never echoed in problems or dumps. */
  readonly secret?: boolean;
}

/** The metadata registry of the config schema (kept apart from zod's global registry). */
export const configMeta = z.registry<FieldMeta>();

/** Attaches metadata; returns the same schema instance. */
export function meta<T extends z.ZodType>(schema: T, fieldMeta: FieldMeta): T {
  const target: z.ZodType = schema;
  const merged: FieldMeta = { ...configMeta.get(target), ...fieldMeta };
  configMeta.remove(target);
  configMeta.add(target, merged);
  return schema;
}

/** A custom issue whose message is an expected-phrase; `hint` is appended in parentheses. */
function fail(ctx: z.RefinementCtx, expected: string, hint?: string): void {
  ctx.addIssue({ code: 'custom', message: expected, params: hint === undefined ? {} : { hint } });
}

export function integer(options: { min?: number; max?: number; what?: string } = {}) {
  const { min, max, what } = options;
  let phrase: string;
  let label: string;
  if (min !== undefined && max !== undefined) {
    phrase = `an integer from ${min} to ${max}`;
    label = `integer ${min}–${max}`;
  } else if (min === 1) {
    phrase = 'a positive integer';
    label = 'integer ≥ 1';
  } else if (min === 0) {
    phrase = 'a non-negative integer';
    label = 'integer ≥ 0';
  } else if (min !== undefined) {
    phrase = `an integer of at least ${min}`;
    label = `integer ≥ ${min}`;
  } else {
    phrase = 'an integer';
    label = 'integer';
  }
  if (what) {
    phrase = `${phrase} (${what})`;
    label = `${label} (${what})`;
  }
  // Not `.int()`: its failure aborts the whole parse, which would hide the cross-key checks.
  let schema = z.number({ error: phrase });
  if (min !== undefined) schema = schema.min(min);
  if (max !== undefined) schema = schema.max(max);
  return meta(
    schema.refine((n) => Number.isSafeInteger(n), { error: phrase }),
    { type: label },
  );
}

/** A duration in milliseconds. */
export function millis(min = 1, max?: number) {
  return integer({ min, ...(max === undefined ? {} : { max }), what: 'ms' });
}

export function decimal(options: { min?: number; max?: number; minExclusive?: boolean }) {
  const { min, max, minExclusive } = options;
  const low = min === undefined ? '' : `${minExclusive ? 'above' : 'at least'} ${min}`;
  const high = max === undefined ? '' : `at most ${max}`;
  const range = [low, high].filter(Boolean).join(' and ');
  const phrase = `a number${range ? ` ${range}` : ''}`;
  let schema = z.number({ error: phrase });
  if (min !== undefined) schema = minExclusive ? schema.gt(min) : schema.min(min);
  if (max !== undefined) schema = schema.max(max);
  return meta(schema, {
    type: `number${range ? ` ${range.replace('at least', '≥').replace('at most', '≤')}` : ''}`,
  });
}

export function boolean() {
  return meta(z.boolean({ error: 'true or false' }), { type: 'boolean' });
}

export function text(phrase = 'a non-empty string') {
  return meta(z.string({ error: phrase }).min(1), { type: 'string' });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.map((v) => `"${v}"`).join(', ')}` });
}

/** YAML numbers written where a decimal string is expected are accepted when exact. */
function decimalText(value: string | number): string | undefined {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return undefined;
  const out = String(value);
  return /e/i.test(out) ? undefined : out;
}

function fixedPointHint(value: string | number, error: unknown): string | undefined {
  if (typeof value === 'string') {
    if (value.trim().startsWith('$')) return 'write the amount without a $ sign';
    if (value.includes(',')) return 'write the amount without thousands separators';
  }
  if (error instanceof FixedPointError && !error.message.includes('expected')) {
    return error.message.replace(/^[^:]*: /, '');
  }
  return undefined;
}

type Sign = 'positive' | 'non-negative' | 'any';

function fixedPoint<T extends number>(
  unit: 'dollars' | 'contracts',
  sign: Sign,
  parse: (value: string) => T,
  example: string,
  max?: { value: T; text: string },
) {
  const noun = unit === 'dollars' ? 'dollar amount' : 'contract count';
  const adjective = sign === 'any' ? '' : `${sign} `;
  const phrase = `a ${adjective}${noun} as a decimal string like "${example}"`;
  const schema = z.union([z.string(), z.number()], { error: phrase }).transform((value, ctx): T => {
    const source = decimalText(value);
    let parsed: T;
    try {
      if (source === undefined) throw new FixedPointError('not a plain decimal', undefined, value);
      parsed = parse(source);
    } catch (error) {
      fail(ctx, phrase, fixedPointHint(value, error));
      return z.NEVER;
    }
    if ((sign === 'positive' && parsed <= 0) || (sign === 'non-negative' && parsed < 0)) {
      fail(ctx, phrase);
      return z.NEVER;
    }
    if (max !== undefined && parsed > max.value) {
      fail(ctx, `${phrase}, at most ${max.text}`);
      return z.NEVER;
    }
    return parsed;
  });
  return meta(schema, { type: `${unit} (string)`, unit });
}

/** Dollars written as a decimal string ("0.02"); carried as integer micros. */
export function dollarAmount(sign: Sign = 'positive', example = '0.02', atMost?: string) {
  const max = atMost === undefined ? undefined : { value: parseDollars(atMost), text: `"${atMost}"` };
  return fixedPoint<Micros>('dollars', sign, (v) => parseDollars(v), example, max);
}

/** Contracts written as a decimal string ("10", "2.5"); carried as integer centi-contracts. */
export function contractCount(sign: Sign = 'positive', example = '10') {
  return fixedPoint<Centis>('contracts', sign, (v) => parseCount(v), example);
}

const GLOB = /^[A-Za-z0-9*?._-]+$/;

/** A ticker glob: `*` any run, `?` one character; tickers are upper case. */
export function tickerGlob() {
  const phrase = 'a ticker glob like "KXMVE*" (letters, digits, - . _ and the wildcards * ?)';
  return z.string({ error: phrase }).superRefine((value, ctx) => {
    if (!GLOB.test(value)) return fail(ctx, phrase);
    if (value !== value.toUpperCase()) {
      fail(
        ctx,
        phrase,
        `tickers are upper case and globs are case-sensitive: did you mean "${value.toUpperCase()}"?`,
      );
    }
  });
}

export function globList() {
  return meta(z.array(tickerGlob(), { error: 'a list of ticker globs like ["KXMVE*"]' }), {
    type: 'list of globs',
  });
}

export function stringList(phrase: string) {
  return meta(z.array(text(phrase), { error: `a list of ${phrase.replace(/^an? /, '')}s` }), {
    type: 'list of strings',
  });
}

/** A node-cron expression (5 fields, or 6 with seconds first). */
export function cronExpression(example = '* 9-16 * * 1-5') {
  const phrase = `a node-cron expression with 5 or 6 fields, like "${example}"`;
  const schema = z.string({ error: phrase }).superRefine((value, ctx) => {
    const result = validateDetailed(value);
    if (!result.valid) {
      const hint = result.errors.map((e) => e.message).join('; ');
      fail(ctx, phrase, hint || undefined);
    }
  });
  return meta(schema, { type: 'cron' });
}

let knownZones: readonly string[] | undefined;
function timeZones(): readonly string[] {
  knownZones ??= Intl.supportedValuesOf('timeZone');
  return knownZones;
}

/** Zones already checked: a DateTimeFormat costs ~0.3 ms, and every config load checks a few. */
const checkedZones = new Map<string, boolean>();

export function isTimeZone(value: string): boolean {
  let known = checkedZones.get(value);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      known = true;
    } catch {
      known = false;
    }
    if (checkedZones.size < 1_000) checkedZones.set(value, known);
  }
  return known;
}

export function timeZone() {
  const phrase = 'an IANA time zone like "America/New_York" or "UTC"';
  const schema = z.string({ error: phrase }).superRefine((value, ctx) => {
    if (isTimeZone(value)) return;
    const lower = value.toLowerCase();
    const match = timeZones().find(
      (zone) => zone.toLowerCase() === lower || zone.toLowerCase().endsWith(`/${lower}`),
    );
    fail(ctx, phrase, match ? `did you mean "${match}"?` : undefined);
  });
  return meta(schema, { type: 'time zone' });
}

/** An http(s) URL; `suffix` is a required path ending (compared without a trailing slash). */
export function url(protocols: readonly string[], suffix?: string) {
  const example = `${protocols[0]}//host${suffix ?? ''}`;
  const phrase = `a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL${suffix ? ` ending in ${suffix}` : ''}, like "${example}"`;
  const schema = z.string({ error: phrase }).transform((value, ctx) => {
    const trimmed = value.trim().replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      fail(ctx, phrase);
      return z.NEVER;
    }
    if (!protocols.includes(parsed.protocol)) {
      fail(ctx, phrase, `the scheme is ${parsed.protocol.slice(0, -1)}`);
      return z.NEVER;
    }
    if (suffix && !parsed.pathname.endsWith(suffix)) {
      fail(ctx, phrase, `the path is ${JSON.stringify(parsed.pathname)}`);
      return z.NEVER;
    }
    if (parsed.search || parsed.hash) {
      fail(ctx, phrase, 'no query or fragment');
      return z.NEVER;
    }
    return trimmed;
  });
  return meta(schema, { type: 'URL' });
}

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function strategyName() {
  const phrase = 'a strategy name in kebab-case, like "fixed-spread"';
  return meta(
    z.string({ error: phrase }).superRefine((value, ctx) => {
      if (!KEBAB.test(value)) {
        const guess = value
          .trim()
          .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
          .replace(/[\s_]+/g, '-')
          .toLowerCase();
        fail(
          ctx,
          phrase,
          guess && KEBAB.test(guess) && guess !== value ? `did you mean "${guess}"?` : undefined,
        );
      }
    }),
    { type: 'strategy name' },
  );
}
