import type { Timer } from '../../domain/clock.js';
import type { Centis, Micros } from '../../domain/money.js';
import type { EpochMs, QuoteStatus, RfqSize, Side } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import type { SimMarket } from '../world/world.js';

export interface SimRfq {
  readonly seq: number;
  readonly id: string;
  readonly creator: SimUser;
  readonly market: SimMarket;
  readonly size: RfqSize;
  readonly restRemainder: boolean;
  readonly subaccount: number;
  /** Created with `obscure_creator_id`: others see `OBSCURED_CREATOR_ID`. */
  readonly obscureCreator: boolean;
  readonly createdAt: EpochMs;
  /** Created through the admin API: synthetic takers leave it alone. */
  readonly manual: boolean;
  status: 'open' | 'closed';
  updatedAt: EpochMs;
  cancelledAt?: EpochMs;
  cancellationReason?: string;
  /** The quote accepted and awaiting confirmation, or confirmed and awaiting execution. */
  pendingQuote?: SimQuote | undefined;
  /** Each maker's latest quote on this RFQ, by user id. */
  readonly quoteByMaker: Map<string, SimQuote>;
  expiryTimer?: Timer;
}

export interface SimQuote {
  readonly seq: number;
  readonly id: string;
  readonly rfq: SimRfq;
  readonly creator: SimUser;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  readonly yesContracts: Centis;
  readonly noContracts: Centis;
  readonly restRemainder: boolean;
  readonly postOnly: boolean;
  readonly subaccount: number;
  readonly createdAt: EpochMs;
  status: QuoteStatus;
  updatedAt: EpochMs;
  acceptedSide?: Side;
  acceptedContracts?: Centis;
  acceptedAt?: EpochMs;
  /** When a confirm stops being accepted (accept time + the market's confirm window). */
  confirmDeadline?: EpochMs;
  /** The confirm window ran out without a confirm. */
  lapsed: boolean;
  confirmedAt?: EpochMs;
  executedAt?: EpochMs;
  cancelledAt?: EpochMs;
  cancellationReason?: string;
  /** Funds held from the requester's balance since its accept. */
  takerHold: Micros;
  /** Funds held from the maker's balance since its confirm. */
  makerHold: Micros;
  creatorOrderId?: string;
  rfqCreatorOrderId?: string;
  creatorClientOrderId?: string;
  rfqCreatorClientOrderId?: string;
  timer?: Timer;
}

export function opposite(side: Side): Side {
  return side === 'yes' ? 'no' : 'yes';
}
