import { DEFAULT_FEE_SCHEDULE, type FeeSchedule, takerFeeBps } from './fees.js';
import { type Centis, divBig, type Micros, ONE_DOLLAR } from './money.js';
import type { RfqSize, Side } from './types.js';

/**
 * The contracts a target-cost RFQ buys from a quote side whose maker bid is `makerBid`.
 * The requester pays `1 − makerBid` per contract; unless fees are excluded, its taker fee
 * per contract is reserved out of the target too (fact sheet §4.4; the observed example
 * target $10, no_bid 0.7450 ⇒ 37.27 fits this formula). Rounded down to 0.01 contracts.
 */
export function contractsForTargetCost(
  targetCost: Micros,
  makerBid: Micros,
  excludesFees: boolean,
  schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE,
): Centis {
  const requesterPrice = BigInt(ONE_DOLLAR - makerBid);
  if (makerBid <= 0 || requesterPrice <= 0n || targetCost <= 0) return 0;
  // per-contract cost scaled by D = 1e4 · 1e6 · 1e6 (bps, price, multiplier) to stay exact
  const scale = 10_000n * 1_000_000n * 1_000_000n;
  const feeTerm = excludesFees
    ? 0n
    : BigInt(takerFeeBps(schedule)) *
      requesterPrice *
      (BigInt(ONE_DOLLAR) - requesterPrice) *
      BigInt(schedule.multiplierPpm);
  const costScaled = requesterPrice * scale + feeTerm;
  return Number(divBig(BigInt(targetCost) * 100n * scale, costScaled, 'floor'));
}

/** The contracts a quote side offers for an RFQ: its fixed count, or the target cost converted. */
export function contractsOffered(
  size: RfqSize,
  makerBid: Micros,
  schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE,
): Centis {
  if (makerBid <= 0) return 0;
  if (size.kind === 'contracts') return size.contracts;
  return contractsForTargetCost(size.targetCost, makerBid, size.excludesFees, schedule);
}

/** Contracts offered per side of a two-sided quote. */
export function contractsPerSide(
  size: RfqSize,
  bids: { readonly yesBid: Micros; readonly noBid: Micros },
  schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE,
): Record<Side, Centis> {
  return {
    yes: contractsOffered(size, bids.yesBid, schedule),
    no: contractsOffered(size, bids.noBid, schedule),
  };
}
