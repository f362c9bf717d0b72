import {
  CENTIS_PER_CONTRACT,
  type Centis,
  type Micros,
  mulDiv,
  notional,
  ONE_DOLLAR,
} from '../domain/money.js';
import type { Side } from '../domain/types.js';

/** A market position netted as the exchange nets it: YES and NO pairs pay $1 and close. */
export interface NetPosition {
  /** Signed: positive long YES, negative long NO. */
  readonly contracts: Centis;
  /** Cost of the open contracts (average cost); never negative. */
  readonly cost: Micros;
}

export interface FillOutcome {
  readonly position: NetPosition;
  /** P&L realised by netting against the opposite side (fees not included). */
  readonly realized: Micros;
}

export const FLAT: NetPosition = Object.freeze({ contracts: 0, cost: 0 });

const MICROS_PER_CENTI = ONE_DOLLAR / CENTIS_PER_CONTRACT;

/**
 * One fill as the exchange books it: `count` contracts of `side` bought at `price` each. The fill
 * costs price × count (rounded up). Buying the side opposite to the position closes pairs at $1:
 * the closed part leaves at its average cost (rounded down) and the closing contracts cost
 * price × closed (rounded up); realised = $1 × closed − both. What is left of the fill opens at
 * its cost minus the closing part. The same rule as the exchange's positions (`realized_pnl`,
 * `market_exposure`), the report and the journal restore, so all agree to the micro.
 */
export function applyTrade(position: NetPosition, side: Side, count: Centis, price: Micros): FillOutcome {
  if (count <= 0) return { position, realized: 0 };
  const cost = notional(price, count, 'ceil');
  const signed = side === 'yes' ? count : -count;
  if (position.contracts === 0 || Math.sign(position.contracts) === Math.sign(signed)) {
    return { position: { contracts: position.contracts + signed, cost: position.cost + cost }, realized: 0 };
  }
  const held = Math.abs(position.contracts);
  const closed = Math.min(count, held);
  const released = closed === held ? position.cost : mulDiv(position.cost, closed, held, 'floor');
  const closingCost = notional(price, closed, 'ceil');
  const realized = closed * MICROS_PER_CENTI - released - closingCost;
  if (held > closed) {
    return {
      position: {
        contracts: Math.sign(position.contracts) * (held - closed),
        cost: position.cost - released,
      },
      realized,
    };
  }
  const opened = count - closed;
  return {
    position: opened > 0 ? { contracts: Math.sign(signed) * opened, cost: cost - closingCost } : FLAT,
    realized,
  };
}

/** The position valued at fair value `fairValue` (YES probability), rounded down. */
export function markedValue(position: NetPosition, fairValue: Micros): Micros {
  if (position.contracts > 0) return mulDiv(fairValue, position.contracts, CENTIS_PER_CONTRACT, 'floor');
  if (position.contracts < 0) {
    return mulDiv(ONE_DOLLAR - fairValue, -position.contracts, CENTIS_PER_CONTRACT, 'floor');
  }
  return 0;
}

/** What settling at `outcome` pays minus what the position cost. */
export function settlementPnl(position: NetPosition, outcome: Side): Micros {
  const winning = outcome === 'yes' ? Math.max(position.contracts, 0) : Math.max(-position.contracts, 0);
  return winning * MICROS_PER_CENTI - position.cost;
}
