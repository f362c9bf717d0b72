/**
 * What the `communications` websocket tells us, as domain values: prices in micros, sizes in
 * centis, times in epoch ms. Nothing past the stream sees a wire field or a decimal string.
 */
import type { Centis, Micros } from '../../domain/money.js';
import type { BookLevel, EpochMs, Fill, Rfq, Side } from '../../domain/types.js';

interface Pushed {
  /** When the exchange queued the frame (`sending_ts_ms`), when it says. */
  readonly sentAt?: EpochMs;
  /** Message fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** `rfq_created`: an RFQ opened (sent to every subscriber). */
export interface RfqCreatedEvent extends Pushed {
  /** The RFQ as pushed, status `open`. */
  readonly rfq: Rfq;
  /**
   * False when the push lacks a field that changes what we offer: a target-cost RFQ's
   * `target_cost_excludes_fees` is not pushed (`excludesFees` reads false), so read the RFQ
   * (`getRfq`) before sizing a quote on it.
   */
  readonly complete: boolean;
}

/** `rfq_deleted`: an RFQ closed (cancelled, expired or executed). */
export interface RfqDeletedEvent extends Pushed {
  readonly rfqId: string;
  readonly creatorId: string;
  readonly marketTicker: string;
  readonly eventTicker?: string;
  /** Undefined when not pushed: the deletion is acted on all the same. */
  readonly deletedAt?: EpochMs;
}

/** Fields every pushed quote event carries (sent only to the quote's maker and the RFQ's creator). */
export interface PushedQuote extends Pushed {
  readonly quoteId: string;
  readonly rfqId: string;
  /** The maker's public communications id: ours when the quote is ours. */
  readonly quoteCreatorId: string;
  readonly rfqCreatorId?: string;
  readonly marketTicker: string;
  readonly eventTicker?: string;
}

export interface PushedQuotePrices extends PushedQuote {
  readonly yesBid: Micros;
  readonly noBid: Micros;
  /** Contracts offered per side (differ under target-cost sizing). */
  readonly yesContractsOffered?: Centis;
  readonly noContractsOffered?: Centis;
  readonly rfqTargetCost?: Micros;
  /** Our own subaccount, present only when our side used one. */
  readonly subaccount?: number;
}

/** `quote_created`. */
export interface QuoteCreatedEvent extends PushedQuotePrices {
  readonly createdAt: EpochMs;
}

/** `quote_accepted`: the requester hit one side. The exchange sends no timestamp: see `sentAt`. */
export interface QuoteAcceptedEvent extends PushedQuotePrices {
  /** The side the requester took; undefined when not pushed or not `yes`/`no` (kept in `extra`). */
  readonly side?: Side;
  /**
   * The accepted size: `contracts_accepted_fp` when pushed (contract-sized RFQs; may be below
   * the offer), else the accepted side's offered contracts (target-cost accepts omit it);
   * undefined when neither is known.
   */
  readonly contractsAccepted?: Centis;
}

/** `quote_executed`: orders were placed; `orderId` / `clientOrderId` are the recipient's own. */
export interface QuoteExecutedEvent extends PushedQuote {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly executedAt: EpochMs;
  readonly subaccount?: number;
}

/** `fill` (the private `fill` channel): one trade of ours, as `GET /portfolio/fills` lists it. */
export interface FillEvent extends Pushed {
  readonly fill: Fill;
  /** Our position in the market after this fill (`post_position_fp`), when sent. */
  readonly postPosition?: Centis;
  readonly subaccount?: number;
}

/** `orderbook_snapshot` (the `orderbook_delta` channel): a market's whole book, bids ascending. */
export interface BookSnapshotEvent extends Pushed {
  readonly ticker: string;
  readonly yes: readonly BookLevel[];
  readonly no: readonly BookLevel[];
}

/** `orderbook_delta`: one price level of one side changed by `delta` (signed) contracts. */
export interface BookDeltaEvent extends Pushed {
  readonly ticker: string;
  readonly side: Side;
  readonly price: Micros;
  readonly delta: Centis;
}

/** One parsed data message of the channel. */
export type CommunicationsEvent =
  | { readonly type: 'rfqCreated'; readonly event: RfqCreatedEvent }
  | { readonly type: 'rfqDeleted'; readonly event: RfqDeletedEvent }
  | { readonly type: 'quoteCreated'; readonly event: QuoteCreatedEvent }
  | { readonly type: 'quoteAccepted'; readonly event: QuoteAcceptedEvent }
  | { readonly type: 'quoteExecuted'; readonly event: QuoteExecutedEvent }
  | { readonly type: 'fill'; readonly event: FillEvent }
  | { readonly type: 'bookSnapshot'; readonly event: BookSnapshotEvent }
  | { readonly type: 'bookDelta'; readonly event: BookDeltaEvent };

/** Messages were (or may have been) lost: the REST listing is the truth until the next push. */
export interface StreamGap {
  /** `sequence`: a `seq` was skipped or repeated; `subscription-lost`: the exchange ended the subscription (error 10, 17 or 25). */
  readonly reason: 'sequence' | 'subscription-lost';
  /** The channel that lost messages. @default 'communications' */
  readonly channel?: 'communications' | 'fill';
  readonly sid?: number;
  readonly expected?: number;
  readonly received?: number;
  /** The exchange's error code, for `subscription-lost`. */
  readonly code?: number;
}

export interface StreamDisconnect {
  /** The websocket close code, when the socket closed (1006: dropped without a close frame). */
  readonly code?: number;
  readonly reason: string;
}

/** Listener signatures of `CommunicationsStream.on`. */
export interface CommunicationsStreamEvents {
  rfqCreated: (event: RfqCreatedEvent) => void;
  rfqDeleted: (event: RfqDeletedEvent) => void;
  quoteCreated: (event: QuoteCreatedEvent) => void;
  quoteAccepted: (event: QuoteAcceptedEvent) => void;
  quoteExecuted: (event: QuoteExecutedEvent) => void;
  /** A fill of ours (only with the `fills` option). */
  fill: (event: FillEvent) => void;
  /**
   * An RFQ of ours was created (only with the `ownRfqs` option): `rfq_created` carries no
   * creator_id, so this is how a pushed RFQ is known to be ours.
   */
  ownRfqCreated: (event: RfqCreatedEvent) => void;
  /** Subscribed: pushes flow from now on. */
  connected: () => void;
  /**
   * The `fill` channel is subscribed (again): fills from now on are pushed. Whatever happened
   * while it was not is for the REST listing to find.
   */
  fillsConnected: () => void;
  /** Pushes stopped (socket closed, or the subscription was lost); the stream reconnects by itself. */
  disconnected: (info: StreamDisconnect) => void;
  gap: (gap: StreamGap) => void;
  /** A market's book, whole (only with the `books` option, for markets given to `watchBooks`). */
  bookSnapshot: (event: BookSnapshotEvent) => void;
  /** A change to a book whose snapshot came before it, in order. */
  bookDelta: (event: BookDeltaEvent) => void;
  /**
   * These books (`all`: every one) may have missed changes: a gap, a lost subscription, a closed
   * socket. Do not use them until their next snapshot, which the stream asks for by itself.
   */
  booksLost: (tickers: readonly string[] | 'all') => void;
  /** A frame that could not be read; it was dropped whole and counted. */
  malformed: (error: StreamFrameError) => void;
}

/** The `orderbook_delta` channel's frame types: losing one loses a book change, never an RFQ. */
export function isBookFrameType(frameType: string | undefined): boolean {
  return frameType === 'orderbook_delta' || frameType === 'orderbook_snapshot';
}

/** A frame the stream could not read: not JSON, or a message lacking or mistyping a field. */
export class StreamFrameError extends Error {
  override readonly name = 'StreamFrameError';
  readonly code = 'stream_frame';
  constructor(
    message: string,
    /** The message type (`rfq_created`), when the envelope was readable. */
    readonly frameType: string | undefined,
    /** The offending field (`msg.created_ts`), when one is to blame. */
    readonly field: string | undefined,
    /** The frame's place in its subscription, when readable: it arrived, even if unusable. */
    readonly sequence?: { readonly sid: number; readonly seq: number },
  ) {
    super(`${frameType ?? 'websocket frame'}: ${message}`);
  }
}
