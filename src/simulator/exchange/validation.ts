import { isOnGrid, type PriceGrid } from '../../domain/grid.js';
import { type Micros, ONE_DOLLAR } from '../../domain/money.js';
import { invalidParameters } from '../errors.js';

/**
 * Kalshi's quote rules (fact sheet §4.3): each side `0` (declined) or a price on the
 * market's grid strictly between $0 and $1; not both zero; `yes_bid + no_bid <= 1`.
 */
export function validateQuotePrices(
  yesBid: Micros,
  noBid: Micros,
  grid: PriceGrid,
  enforceGrid: boolean,
): void {
  if (yesBid < 0 || noBid < 0) throw invalidParameters('bids must not be negative');
  if (yesBid === 0 && noBid === 0) throw invalidParameters('yes_bid and no_bid cannot both be zero');
  if (yesBid >= ONE_DOLLAR || noBid >= ONE_DOLLAR) throw invalidParameters('bids must be below 1.00');
  if (yesBid + noBid > ONE_DOLLAR) throw invalidParameters('yes_bid + no_bid must not exceed 1.00');
  if (enforceGrid) {
    if (yesBid !== 0 && !isOnGrid(yesBid, grid))
      throw invalidParameters('yes_bid is not a valid price for this market');
    if (noBid !== 0 && !isOnGrid(noBid, grid))
      throw invalidParameters('no_bid is not a valid price for this market');
  }
}
