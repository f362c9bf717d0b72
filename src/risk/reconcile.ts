import type { Centis, Micros } from '../domain/money.js';

/** A market where our position and the exchange's disagree; the exchange's numbers were adopted. */
export interface PositionDiscrepancy {
  readonly marketTicker: string;
  readonly ours: Centis;
  readonly theirs: Centis;
  readonly oursCost: Micros;
  readonly theirsCost: Micros;
}
