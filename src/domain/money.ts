/**
 * Fixed-point money and sizes. The exchange speaks decimal strings; everything inside
 * the bot and the simulator is an integer:
 * - dollars in millionths (`Micros`), the finest the exchange emits (6 dp);
 * - contracts in hundredths (`Centis`), the exchange's 0.01-contract granularity.
 * Strings are parsed and formatted only at the wire boundary.
 */

/** Dollars in millionths: `1_000_000` is $1. Always a safe integer. */
export type Micros = number;
/** Contracts in hundredths: `100` is one contract. Always a safe integer. */
export type Centis = number;

export const MICROS_PER_DOLLAR = 1_000_000;
export const CENTIS_PER_CONTRACT = 100;
/** The payout of one binary contract, $1. */
export const ONE_DOLLAR: Micros = MICROS_PER_DOLLAR;

/** A decimal string from the exchange or from config that is not a valid fixed-point value. */
export class FixedPointError extends Error {
  override readonly name = 'FixedPointError';
  readonly code = 'invalid_fixed_point';
  constructor(
    message: string,
    readonly field: string | undefined,
    readonly value: unknown,
  ) {
    super(message);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

/** "field: ", the start of an error's message, or nothing without a field. */
function labelOf(field: string | undefined): string {
  return field ? `${field}: ` : '';
}

function notDecimal(value: unknown, what: string, field: string | undefined): FixedPointError {
  return new FixedPointError(
    `${labelOf(field)}expected a ${what} decimal string, found ${describe(value)}`,
    field,
    value,
  );
}

function parseScaled(value: unknown, scaleDigits: number, what: string, field: string | undefined): number {
  // Scanned by hand: every listed quote, RFQ and book carries several of these, and the regex,
  // slices and paddings this replaces allocated a few strings per field.
  if (typeof value !== 'string') throw notDecimal(value, what, field);
  const text = value.trim();
  const end = text.length;
  let at = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const negative = at === 1;
  let magnitude = 0;
  let wholeDigits = 0;
  for (; at < end; at++, wholeDigits++) {
    const digit = text.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) break;
    magnitude = magnitude * 10 + digit;
  }
  if (wholeDigits === 0) throw notDecimal(value, what, field);
  let fracDigits = 0;
  let droppedNonZero = false;
  if (at < end) {
    if (text.charCodeAt(at) !== 46 /* . */) throw notDecimal(value, what, field);
    for (at++; at < end; at++, fracDigits++) {
      const digit = text.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) throw notDecimal(value, what, field);
      if (fracDigits < scaleDigits) magnitude = magnitude * 10 + digit;
      else if (digit !== 0) droppedNonZero = true;
    }
    if (fracDigits === 0) throw notDecimal(value, what, field);
  }
  if (droppedNonZero) {
    throw new FixedPointError(
      `${labelOf(field)}${describe(value)} has more than ${scaleDigits} decimal places (finer than the exchange allows)`,
      field,
      value,
    );
  }
  for (let pad = Math.min(fracDigits, scaleDigits); pad < scaleDigits; pad++) magnitude *= 10;
  // Past 2^53 the sum above is no longer exact, and neither is the value.
  if (!Number.isSafeInteger(magnitude)) {
    throw new FixedPointError(`${labelOf(field)}${describe(value)} is too large`, field, value);
  }
  return negative && magnitude !== 0 ? -magnitude : magnitude;
}

function formatScaled(units: number, scaleDigits: number, decimals: number, what: string): string {
  if (!Number.isSafeInteger(units)) {
    throw new FixedPointError(
      `cannot format ${what}: ${String(units)} is not a safe integer`,
      undefined,
      units,
    );
  }
  if (decimals < 0 || decimals > scaleDigits) {
    throw new RangeError(`${what}: decimals must be between 0 and ${scaleDigits}, got ${decimals}`);
  }
  const dropped = scaleDigits - decimals;
  const divisor = 10 ** dropped;
  if (units % divisor !== 0) {
    throw new FixedPointError(
      `cannot format ${what} ${units} exactly with ${decimals} decimal places`,
      undefined,
      units,
    );
  }
  const negative = units < 0;
  const text = String(Math.abs(units) / divisor).padStart(decimals + 1, '0');
  const whole = text.slice(0, text.length - decimals);
  const frac = text.slice(text.length - decimals);
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${frac}` : ''}`;
}

/** Parses a `*_dollars` string ("0.56", "0.5600", "0.480000", "-1.25") into micros. */
export function parseDollars(value: unknown, field?: string): Micros {
  return parseScaled(value, 6, 'dollar', field);
}

/** Parses a `*_fp` count string ("10", "10.0", "10.00", "37.27") into centi-contracts. */
export function parseCount(value: unknown, field?: string): Centis {
  return parseScaled(value, 2, 'contract count', field);
}

/**
 * Formats micros as a dollar string with exactly `decimals` places (default 4, what quotes
 * carry). Throws rather than round: a price that does not fit is a bug, not a rounding.
 */
export function formatDollars(micros: Micros, decimals = 4): string {
  return formatScaled(micros, 6, decimals, 'dollars');
}

/** The shortest exact dollar string with 2 to 6 decimals: what requests should send. */
export function formatDollarsMinimal(micros: Micros, minDecimals = 2): string {
  for (let decimals = minDecimals; decimals < 6; decimals++) {
    if (micros % 10 ** (6 - decimals) === 0) return formatDollars(micros, decimals);
  }
  return formatDollars(micros, 6);
}

/** Formats centi-contracts as a 2-dp count string ("10.00"), as responses carry them. */
export function formatCount(centis: Centis): string {
  return formatScaled(centis, 2, 2, 'contracts');
}

/** Centi-contracts for people: "10", "2.5", "0.25" (no trailing zeros). */
export function formatContracts(centis: Centis): string {
  return formatCount(centis).replace(/\.?0+$/, '');
}

/** Dollars for people, to the cent (half away from zero): "$3.21", "-$0.50", "$0.00". */
export function formatUsd(micros: Micros): string {
  const magnitude = Math.abs(micros);
  const cents = Math.trunc(magnitude / 10_000) + (magnitude % 10_000 >= 5_000 ? 1 : 0);
  return `${micros < 0 && cents > 0 ? '-' : ''}$${formatDollars(cents * 10_000, 2)}`;
}

/** Integer cents (the balance endpoint's unit) to micros. */
export function centsToMicros(cents: number): Micros {
  if (!Number.isSafeInteger(cents)) {
    throw new FixedPointError(`expected integer cents, found ${describe(cents)}`, undefined, cents);
  }
  return cents * 10_000;
}

/** Micros to integer cents, rounding toward zero (a balance is never overstated). */
export function microsToCents(micros: Micros): number {
  return Math.trunc(micros / 10_000);
}

export type Rounding = 'floor' | 'ceil' | 'trunc';

/** Products up to this size divide exactly in doubles (with the remainder check below). */
const EXACT_PRODUCT = 2 ** 52;

/** `a * b / divisor` in exact integer arithmetic, rounded as asked. */
export function mulDiv(a: number, b: number, divisor: number, rounding: Rounding): number {
  if (divisor === 0) throw new RangeError('mulDiv: division by zero');
  const product = a * b;
  // The risk book calls this per market per check: doubles are exact here and much faster than
  // BigInt. The float quotient may be one off; the exact remainder corrects it.
  if (
    Number.isSafeInteger(a) &&
    Number.isSafeInteger(b) &&
    Number.isSafeInteger(divisor) &&
    Math.abs(product) <= EXACT_PRODUCT &&
    Math.abs(divisor) <= EXACT_PRODUCT
  ) {
    let quotient = Math.trunc(product / divisor);
    let remainder = product - quotient * divisor;
    const towardZero = Math.sign(product) * Math.sign(divisor);
    while (
      remainder !== 0 &&
      (Math.sign(remainder) !== Math.sign(product) || Math.abs(remainder) >= Math.abs(divisor))
    ) {
      // Step the quotient until the remainder has the numerator's sign and is below the divisor.
      const step = Math.sign(remainder) === Math.sign(product) ? towardZero : -towardZero;
      quotient += step;
      remainder = product - quotient * divisor;
    }
    if (remainder !== 0) {
      const positive = product < 0 === divisor < 0;
      if (rounding === 'floor' && !positive) quotient -= 1;
      if (rounding === 'ceil' && positive) quotient += 1;
    }
    return quotient === 0 ? 0 : quotient;
  }
  const numerator = BigInt(a) * BigInt(b);
  return Number(divBig(numerator, BigInt(divisor), rounding));
}

export function divBig(numerator: bigint, divisor: bigint, rounding: Rounding): bigint {
  let quotient = numerator / divisor; // truncates toward zero
  const remainder = numerator % divisor;
  if (remainder !== 0n) {
    const positive = numerator < 0n === divisor < 0n;
    if (rounding === 'floor' && !positive) quotient -= 1n;
    if (rounding === 'ceil' && positive) quotient += 1n;
  }
  return quotient;
}

/** The dollar cost of `count` contracts at `price` per contract, rounded as asked. */
export function notional(price: Micros, count: Centis, rounding: Rounding = 'ceil'): Micros {
  return mulDiv(price, count, CENTIS_PER_CONTRACT, rounding);
}

/** Parses the decimal dollar strings a human writes in config ("0.02", "$1,000" is not accepted). */
export function dollars(text: string): Micros {
  return parseDollars(text);
}

/** Parses a contract count a human writes ("10", "2.5"). */
export function contracts(text: string): Centis {
  return parseCount(text);
}
