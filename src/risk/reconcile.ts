import type { Centis, Micros } from '../domain/money.js';
import type { QuoteExposure } from './snapshot.js';

/** A market where our position and the exchange's disagree; the exchange's numbers were adopted. */
export interface PositionDiscrepancy {
  readonly marketTicker: string;
  readonly ours: Centis;
  readonly theirs: Centis;
  readonly oursCost: Micros;
  readonly theirsCost: Micros;
}

/** More pending quotes than this in one market are not searched (2^n subsets). */
export const MAX_PENDING_FOR_MATCHING = 12;

function bitCount(mask: number): number {
  let count = 0;
  for (let rest = mask; rest; rest &= rest - 1) count++;
  return count;
}

/**
 * The fewest accepted/confirmed quotes whose executions would move our position by exactly
 * `difference` (+YES / −NO), confirmed ones tried first; undefined when none explain it.
 * Reconciliation runs while accepts are executing, so such a difference is a race, not an error.
 */
export function explainByPending(
  difference: Centis,
  pending: readonly QuoteExposure[],
): string[] | undefined {
  if (difference === 0) return [];
  const candidates = pending
    .filter((quote) => quote.accepted)
    .sort((a, b) => (a.state === b.state ? 0 : a.state === 'confirmed' ? -1 : 1))
    .slice(0, MAX_PENDING_FOR_MATCHING);
  const signed = candidates.map(
    (quote) => (quote.accepted?.side === 'yes' ? 1 : -1) * (quote.accepted?.contracts ?? 0),
  );
  let best: number | undefined;
  for (let mask = 1; mask < 1 << candidates.length; mask++) {
    let sum = 0;
    for (let i = 0; i < candidates.length; i++) if (mask & (1 << i)) sum += signed[i] ?? 0;
    if (sum === difference && (best === undefined || bitCount(mask) < bitCount(best))) best = mask;
  }
  if (best === undefined) return undefined;
  const chosen = best;
  return candidates.filter((_, i) => chosen & (1 << i)).map((quote) => quote.quoteId);
}
