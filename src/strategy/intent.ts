import { minPositivePrice, type PriceGrid, snapDown } from '../domain/grid.js';
import { formatDollarsMinimal, type Micros, ONE_DOLLAR } from '../domain/money.js';
import type { QuoteIntent } from '../domain/quoting.js';

/** The outcome of checking what a strategy's `price` returned. */
export type IntentCheck =
  | { readonly kind: 'quote'; readonly intent: QuoteIntent }
  /** The strategy itself chose to skip. */
  | { readonly kind: 'declined'; readonly reason: string }
  /** Valid prices that all round to nothing on the market's grid. */
  | { readonly kind: 'snapped-away'; readonly reason: string }
  /** A broken intent: a bug in the strategy. */
  | { readonly kind: 'invalid'; readonly reason: string };

const MAX_NOTE = 200;
const MAX_REASON = 300;

/** Formats a value that should be micros for an error message, whatever it turned out to be. */
export function showPrice(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return `${formatDollarsMinimal(value)}`;
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return String(value);
}

function checkSide(label: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    const hint =
      typeof value === 'number' && value > 0 && value < 1
        ? ` (prices are integer micros: write dollars('${value}') or ${Math.round(value * ONE_DOLLAR)})`
        : ' (prices are integer micros)';
    return `${label} ${showPrice(value)} is not a safe integer${hint}`;
  }
  if (value !== 0 && (value < 0 || value >= ONE_DOLLAR)) {
    return `${label} ${showPrice(value)} is outside (0, 1) dollars (use 0 to decline a side)`;
  }
  return undefined;
}

/** A bid snapped down to the grid; 0 (declined) when nothing positive on the grid lies below it. */
export function snapBid(price: Micros, grid: PriceGrid): Micros {
  if (price <= 0) return 0;
  const snapped = snapDown(price, grid);
  const minimum = minPositivePrice(grid);
  if (snapped === undefined || snapped <= 0 || minimum === undefined || snapped < minimum) return 0;
  return snapped;
}

/**
 * Validates a strategy's decision and snaps both bids DOWN to the market's grid (a lower bid
 * never pays more than the strategy asked). Pure: the runner and property tests share it.
 */
export function checkIntent(decision: unknown, grid: PriceGrid): IntentCheck {
  if (typeof decision !== 'object' || decision === null) {
    return {
      kind: 'invalid',
      reason: `price returned ${showPrice(decision)}; expected a QuoteIntent or { skip: reason }`,
    };
  }
  const record = decision as Record<string, unknown>;
  const skip = record['skip'];
  if (skip !== undefined) {
    if (typeof skip === 'string') {
      const reason = skip.trim() === '' ? 'strategy skipped (no reason given)' : skip;
      return {
        kind: 'declined',
        reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason,
      };
    }
    return { kind: 'invalid', reason: `skip must be a string reason, got ${showPrice(skip)}` };
  }
  const { yesBid, noBid, fairValue, ttlMs, note } = record;
  // Checked on every priced RFQ: one array, no filtered copy of another.
  const problems: string[] = [];
  const yesProblem = checkSide('yesBid', yesBid);
  if (yesProblem !== undefined) problems.push(yesProblem);
  const noProblem = checkSide('noBid', noBid);
  if (noProblem !== undefined) problems.push(noProblem);
  if (fairValue !== undefined) {
    if (typeof fairValue !== 'number' || !Number.isSafeInteger(fairValue)) {
      problems.push(`fairValue ${showPrice(fairValue)} is not a safe integer (micros)`);
    } else if (fairValue <= 0 || fairValue >= ONE_DOLLAR) {
      problems.push(`fairValue ${showPrice(fairValue)} is outside (0, 1) dollars`);
    }
  }
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
    problems.push(`ttlMs ${String(ttlMs)} is not a positive integer`);
  }
  if (note !== undefined && typeof note !== 'string') problems.push('note must be a string');
  if (problems.length > 0) return { kind: 'invalid', reason: problems.join('; ') };

  const rawYes = yesBid as Micros;
  const rawNo = noBid as Micros;
  if (rawYes === 0 && rawNo === 0) {
    return { kind: 'invalid', reason: 'both sides are zero (return { skip: reason } to decline an RFQ)' };
  }
  const yes = snapBid(rawYes, grid);
  const no = snapBid(rawNo, grid);
  if (yes === 0 && no === 0) {
    return {
      kind: 'snapped-away',
      reason: `no side left after snapping to the market grid (yesBid ${showPrice(rawYes)} → 0, noBid ${showPrice(rawNo)} → 0)`,
    };
  }
  if (yes + no > ONE_DOLLAR) {
    return {
      kind: 'invalid',
      reason: `yesBid + noBid = ${showPrice(yes + no)} exceeds $1 after snapping (yesBid ${showPrice(yes)}, noBid ${showPrice(no)})`,
    };
  }
  // Fields set one by one (in this order), not spread from objects made for the purpose.
  const intent: { -readonly [K in keyof QuoteIntent]: QuoteIntent[K] } = { yesBid: yes, noBid: no };
  if (fairValue !== undefined) intent.fairValue = fairValue as Micros;
  if (ttlMs !== undefined) intent.ttlMs = ttlMs as number;
  if (note !== undefined) intent.note = (note as string).slice(0, MAX_NOTE);
  return { kind: 'quote', intent: Object.freeze(intent) };
}
