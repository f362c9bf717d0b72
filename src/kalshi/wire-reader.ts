/**
 * Checked reading of response JSON. A missing required field or a wrong type throws a
 * `WireFieldError` naming the field path (`quotes[2].yes_bid_dollars`), which the transport
 * turns into a ResponseFormatError. Unknown fields and unknown enum values are tolerated:
 * kept and reported once per (kind, field/value).
 */
import type { Logger } from 'pino';
import { type Centis, FixedPointError, type Micros, parseCount, parseDollars } from '../domain/money.js';
import { parseTimestamp, TimestampError } from '../domain/time.js';
import type { EpochMs } from '../domain/types.js';

export class WireFieldError extends Error {
  override readonly name = 'WireFieldError';
  readonly code = 'wire_field';
  constructor(
    message: string,
    /** Path of the offending field; '' for the body itself. */
    readonly field: string,
  ) {
    super(field === '' ? `response body: ${message}` : `${field}: ${message}`);
  }
}

/** Logs each unknown field and unknown enum value once per client. */
export class UnknownReporter {
  readonly #seen = new Set<string>();
  constructor(readonly logger: Logger | undefined) {}

  field(kind: string, field: string): void {
    const key = `f\u0000${kind}\u0000${field}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.logger?.info({ kind, field }, 'unknown field in Kalshi response, kept in extra');
  }

  enumValue(kind: string, field: string, value: string): void {
    const key = `e\u0000${kind}\u0000${field}\u0000${value}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.logger?.warn(
      { kind, field, value: value.slice(0, 80) },
      'unknown enum value in Kalshi response, kept',
    );
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Reads one wire object of a known kind. */
export class WireReader {
  readonly #obj: Record<string, unknown>;

  private constructor(
    readonly kind: string,
    obj: Record<string, unknown>,
    readonly path: string,
    private readonly known: ReadonlySet<string>,
    private readonly reporter: UnknownReporter,
  ) {
    this.#obj = obj;
  }

  static of(
    kind: string,
    value: unknown,
    path: string,
    known: ReadonlySet<string>,
    reporter: UnknownReporter,
  ): WireReader {
    if (!isRecord(value)) throw new WireFieldError(`expected an object, found ${describe(value)}`, path);
    return new WireReader(kind, value, path, known, reporter);
  }

  field(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  /** The raw value; null counts as absent. */
  raw(key: string): unknown {
    const value = this.#obj[key];
    return value === null ? undefined : value;
  }

  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }

  #required(key: string): unknown {
    const value = this.raw(key);
    if (value === undefined) throw new WireFieldError('required field is missing', this.field(key));
    return value;
  }

  str(key: string): string {
    const value = this.#required(key);
    if (typeof value !== 'string')
      throw new WireFieldError(`expected a string, found ${describe(value)}`, this.field(key));
    return value;
  }

  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined;
  }

  bool(key: string): boolean {
    const value = this.#required(key);
    if (typeof value !== 'boolean') {
      throw new WireFieldError(`expected a boolean, found ${describe(value)}`, this.field(key));
    }
    return value;
  }

  optBool(key: string): boolean | undefined {
    return this.has(key) ? this.bool(key) : undefined;
  }

  /** A finite JSON number (fee multipliers, rates). */
  num(key: string): number {
    const value = this.#required(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new WireFieldError(`expected a number, found ${describe(value)}`, this.field(key));
    }
    return value;
  }

  optNum(key: string): number | undefined {
    return this.has(key) ? this.num(key) : undefined;
  }

  int(key: string): number {
    const value = this.num(key);
    if (!Number.isSafeInteger(value))
      throw new WireFieldError(`expected an integer, found ${value}`, this.field(key));
    return value;
  }

  optInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  dollars(key: string): Micros {
    return this.#fixed(key, parseDollars);
  }

  optDollars(key: string): Micros | undefined {
    return this.has(key) ? this.dollars(key) : undefined;
  }

  count(key: string): Centis {
    return this.#fixed(key, parseCount);
  }

  optCount(key: string): Centis | undefined {
    return this.has(key) ? this.count(key) : undefined;
  }

  #fixed(key: string, parse: (value: unknown) => number): number {
    const value = this.#required(key);
    try {
      // The field's name is built only for an error: a page of 500 quotes has 2,500 such fields.
      return parse(value);
    } catch (error) {
      if (error instanceof FixedPointError) throw new WireFieldError(error.message, this.field(key));
      throw error;
    }
  }

  /** An RFC 3339 timestamp, as epoch ms. */
  ts(key: string): EpochMs {
    const value = this.#required(key);
    try {
      return parseTimestamp(value);
    } catch (error) {
      if (error instanceof TimestampError) throw new WireFieldError(error.message, this.field(key));
      throw error;
    }
  }

  optTs(key: string): EpochMs | undefined {
    return this.has(key) ? this.ts(key) : undefined;
  }

  array(key: string): unknown[] {
    const value = this.#required(key);
    if (!Array.isArray(value))
      throw new WireFieldError(`expected an array, found ${describe(value)}`, this.field(key));
    return value;
  }

  /** An array that may be absent or null (an empty order-book side). */
  optArray(key: string): unknown[] {
    return this.has(key) ? this.array(key) : [];
  }

  /** A string from an open set: unknown values are kept and reported once. */
  openEnum<T extends string>(key: string, values: readonly T[]): T | (string & {}) {
    const value = this.str(key);
    if (!(values as readonly string[]).includes(value)) this.reporter.enumValue(this.kind, key, value);
    return value;
  }

  optOpenEnum<T extends string>(key: string, values: readonly T[]): T | (string & {}) | undefined {
    return this.has(key) ? this.openEnum(key, values) : undefined;
  }

  /**
   * A string from a closed set. An unknown value is reported and returned as undefined, so the
   * caller keeps it in `extra` rather than guessing.
   */
  closedEnum<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.str(key);
    if ((values as readonly string[]).includes(value)) return value as T;
    this.reporter.enumValue(this.kind, key, value);
    return undefined;
  }

  /** Children as readers (nested objects in an array). */
  objects(key: string, kind: string, known: ReadonlySet<string>, optional = false): WireReader[] {
    const items = optional ? this.optArray(key) : this.array(key);
    return items.map((item, i) =>
      WireReader.of(kind, item, `${this.field(key)}[${i}]`, known, this.reporter),
    );
  }

  /** A reader for a value found inside this object (tuples, hand-built shapes). */
  nested(kind: string, value: unknown, field: string, known: ReadonlySet<string>): WireReader {
    return WireReader.of(kind, value, field, known, this.reporter);
  }

  object(key: string, kind: string, known: ReadonlySet<string>): WireReader {
    return WireReader.of(kind, this.#required(key), this.field(key), known, this.reporter);
  }

  /** Unknown fields (reported once each) plus any `also` entries, or undefined when none. */
  extra(also: Readonly<Record<string, unknown>> = {}): Readonly<Record<string, unknown>> | undefined {
    const out: Record<string, unknown> = {};
    let any = false;
    const obj = this.#obj;
    for (const key of Object.keys(obj)) {
      if (this.known.has(key)) continue;
      this.reporter.field(this.kind, key);
      out[key] = obj[key];
      any = true;
    }
    for (const key of Object.keys(also)) {
      const value = also[key];
      if (value === undefined) continue;
      out[key] = value;
      any = true;
    }
    return any ? Object.freeze(out) : undefined;
  }
}

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** An object literal whose optional fields may be given as undefined. */
export type Loose<T> = { [K in Exclude<keyof T, OptionalKeys<T>>]: T[K] } & {
  [K in OptionalKeys<T>]?: T[K] | undefined;
};

/** Drops undefined optional fields (exactOptionalPropertyTypes) and freezes the result. */
export function compact<T>(value: Loose<T>): T {
  // Keys, not entries: a page of 500 quotes made 13,500 [key, value] pairs here.
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (v !== undefined) out[key] = v;
  }
  return Object.freeze(out) as T;
}

export function knownFields(...lists: readonly (readonly string[])[]): ReadonlySet<string> {
  return new Set(lists.flat());
}
