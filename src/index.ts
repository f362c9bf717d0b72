/**
 * The public surface for strategy authors: `import { defineStrategy, z, ... } from '../src/index.js'`.
 * Nothing else in the package is API.
 */

export { z } from 'zod';
export { type Clock, ManualClock, systemClock, type Timer } from './domain/clock.js';
export {
  DEFAULT_FEE_SCHEDULE,
  type FeeSchedule,
  type FeeType,
  makerFee,
  makerFeeBps,
  takerFee,
} from './domain/fees.js';
export {
  isOnGrid,
  LINEAR_CENT_GRID,
  minPositivePrice,
  type PriceBand,
  type PriceGrid,
  snapDown,
  snapUp,
  tickAt,
} from './domain/grid.js';
export {
  CENTIS_PER_CONTRACT,
  type Centis,
  contracts,
  dollars,
  FixedPointError,
  formatCount,
  formatDollars,
  formatDollarsMinimal,
  MICROS_PER_DOLLAR,
  type Micros,
  mulDiv,
  notional,
  ONE_DOLLAR,
  parseCount,
  parseDollars,
} from './domain/money.js';
export { contractsOffered, contractsPerSide } from './domain/sizing.js';
export type {
  BookLevel,
  EpochMs,
  Market,
  OrderBook,
  QuotePrices,
  Rfq,
  RfqSize,
  Side,
} from './domain/types.js';
export * from './strategy/index.js';
