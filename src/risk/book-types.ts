import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { FeeSchedule } from '../domain/fees.js';
import type { Centis, Micros } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';

export interface ExposureBookOptions {
  /** Maps a market to its event when the RFQ does not say. @default the ticker before its last dash */
  readonly eventOf?: (marketTicker: string) => string | undefined;
  readonly clock?: Clock;
  /** Whose midnight starts a new P&L day (IANA zone). @default 'UTC' */
  readonly dayTimeZone?: string;
  readonly log?: Logger;
}

/** Extra facts from the execution report; anything omitted comes from the accept. */
export interface ExecutionDetails {
  readonly side?: Side;
  readonly contracts?: Centis;
  /** The maker fee actually charged. @default computed from the quote's fee schedule */
  readonly fee?: Micros;
}

export interface QuoteOpenOptions {
  /** The market's fee schedule (maker fees count as risk). @default quadratic ×1 */
  readonly fees?: FeeSchedule;
  /** Overrides the event the RFQ names. */
  readonly eventTicker?: string;
  /** @default quote.sentAt */
  readonly at?: EpochMs;
}

export type FinishedState = 'executed' | 'lapsed' | 'deleted';
