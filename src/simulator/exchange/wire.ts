import type {
  WireQuote,
  WireRfq,
  WsQuoteAccepted,
  WsQuoteCreated,
  WsQuoteExecuted,
  WsRfqCreated,
  WsRfqDeleted,
} from '../../kalshi/wire.js';
import type { SimUser } from '../accounts/accounts.js';
import { count, dollars4, timestamp } from '../format.js';
import type { SimQuote, SimRfq } from './types.js';

/** What others see as the creator of an RFQ made with `obscure_creator_id`: SHA-256 of nothing. */
export const OBSCURED_CREATOR_ID = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The RFQ creator's communications id as `viewer` sees it. */
export function rfqCreatorIdFor(rfq: SimRfq, viewer: SimUser | undefined): string {
  return rfq.obscureCreator && viewer !== rfq.creator ? OBSCURED_CREATOR_ID : rfq.creator.communicationsId;
}

function rfqContracts(rfq: SimRfq): string {
  // target-cost RFQs carry no contract count of their own
  return count(rfq.size.kind === 'contracts' ? rfq.size.contracts : 0);
}

function mveFields(rfq: SimRfq): Pick<WireRfq, 'mve_collection_ticker' | 'mve_selected_legs'> {
  const legs = rfq.market.legs;
  if (!legs) return {};
  return {
    mve_collection_ticker: rfq.market.mveCollectionTicker ?? '',
    mve_selected_legs: legs.map((l) => ({
      event_ticker: l.eventTicker,
      market_ticker: l.marketTicker,
      side: l.side,
    })),
  };
}

/** An RFQ as `viewer` sees it: private fields only for its creator. */
export function rfqToWire(rfq: SimRfq, viewer: SimUser | undefined): WireRfq {
  const own = viewer === rfq.creator;
  const wire: WireRfq = {
    id: rfq.id,
    creator_id: rfqCreatorIdFor(rfq, viewer),
    market_ticker: rfq.market.ticker,
    contracts_fp: rfqContracts(rfq),
    status: rfq.status,
    created_ts: timestamp(rfq.createdAt),
    updated_ts: timestamp(rfq.updatedAt),
    rest_remainder: rfq.restRemainder,
    ...mveFields(rfq),
  };
  if (rfq.size.kind === 'targetCost') {
    wire.target_cost_dollars = dollars4(rfq.size.targetCost);
    wire.target_cost_excludes_fees = rfq.size.excludesFees;
  }
  if (rfq.cancelledAt !== undefined) wire.cancelled_ts = timestamp(rfq.cancelledAt);
  if (rfq.cancellationReason !== undefined) wire.cancellation_reason = rfq.cancellationReason;
  if (own) {
    wire.creator_user_id = rfq.creator.id;
    wire.creator_subaccount = rfq.subaccount;
  }
  return wire;
}

/** The contract count on the quote object: the RFQ's, or once accepted the accepted size. */
function quoteContracts(quote: SimQuote): string {
  if (quote.rfq.size.kind === 'contracts') return count(quote.rfq.size.contracts);
  return count(quote.acceptedContracts ?? 0);
}

/**
 * A quote as `viewer` sees it: maker-private and requester-private fields split.
 * `contracts_accepted_fp` (issue 14's ask; not in SDK 3.30's Quote) once accepted.
 */
export function quoteToWire(
  quote: SimQuote,
  viewer: SimUser | undefined,
): WireQuote & Record<string, unknown> {
  const rfq = quote.rfq;
  const wire: WireQuote & Record<string, unknown> = {
    id: quote.id,
    rfq_id: rfq.id,
    creator_id: quote.creator.communicationsId,
    rfq_creator_id: rfqCreatorIdFor(rfq, viewer),
    market_ticker: rfq.market.ticker,
    contracts_fp: quoteContracts(quote),
    yes_bid_dollars: dollars4(quote.yesBid),
    no_bid_dollars: dollars4(quote.noBid),
    yes_contracts_fp: count(quote.yesContracts),
    no_contracts_fp: count(quote.noContracts),
    created_ts: timestamp(quote.createdAt),
    updated_ts: timestamp(quote.updatedAt),
    status: quote.status,
    rest_remainder: quote.restRemainder,
  };
  if (quote.acceptedSide !== undefined) wire.accepted_side = quote.acceptedSide;
  if (quote.acceptedContracts !== undefined) wire['contracts_accepted_fp'] = count(quote.acceptedContracts);
  if (quote.acceptedAt !== undefined) wire.accepted_ts = timestamp(quote.acceptedAt);
  if (quote.confirmedAt !== undefined) wire.confirmed_ts = timestamp(quote.confirmedAt);
  if (quote.executedAt !== undefined) wire.executed_ts = timestamp(quote.executedAt);
  if (quote.cancelledAt !== undefined) wire.cancelled_ts = timestamp(quote.cancelledAt);
  if (quote.cancellationReason !== undefined) wire.cancellation_reason = quote.cancellationReason;
  if (rfq.size.kind === 'targetCost') {
    wire.rfq_target_cost_dollars = dollars4(rfq.size.targetCost);
    wire.target_cost_excludes_fees = rfq.size.excludesFees;
  }
  if (viewer === quote.creator) {
    wire.post_only = quote.postOnly;
    wire.creator_user_id = quote.creator.id;
    wire.creator_subaccount = quote.subaccount;
    if (quote.creatorOrderId !== undefined) wire.creator_order_id = quote.creatorOrderId;
  }
  if (viewer === rfq.creator) {
    wire.rfq_creator_user_id = rfq.creator.id;
    wire.rfq_creator_subaccount = rfq.subaccount;
    if (quote.rfqCreatorOrderId !== undefined) wire.rfq_creator_order_id = quote.rfqCreatorOrderId;
  }
  return wire;
}

/** `creator_id` is empty: "Currently empty for rfq_created events" (websockets_communications). */
export function wsRfqCreated(rfq: SimRfq): WsRfqCreated {
  return {
    id: rfq.id,
    creator_id: '',
    market_ticker: rfq.market.ticker,
    event_ticker: rfq.market.eventTicker,
    contracts_fp: rfqContracts(rfq),
    ...(rfq.size.kind === 'targetCost' ? { target_cost_dollars: dollars4(rfq.size.targetCost) } : {}),
    created_ts: timestamp(rfq.createdAt),
    ...mveFields(rfq),
  };
}

export function wsRfqDeleted(rfq: SimRfq, viewer: SimUser): WsRfqDeleted {
  return {
    id: rfq.id,
    creator_id: rfqCreatorIdFor(rfq, viewer),
    market_ticker: rfq.market.ticker,
    event_ticker: rfq.market.eventTicker,
    contracts_fp: rfqContracts(rfq),
    ...(rfq.size.kind === 'targetCost' ? { target_cost_dollars: dollars4(rfq.size.targetCost) } : {}),
    deleted_ts: timestamp(rfq.cancelledAt ?? rfq.updatedAt),
  };
}

/** `subaccount`: the recipient's own, "present only when your side of this quote used a subaccount". */
function ownSubaccount(quote: SimQuote, viewer: SimUser): { subaccount?: number } {
  const sub =
    viewer === quote.creator ? quote.subaccount : viewer === quote.rfq.creator ? quote.rfq.subaccount : 0;
  return sub > 0 ? { subaccount: sub } : {};
}

function quoteBase(quote: SimQuote, viewer: SimUser) {
  const rfq = quote.rfq;
  return {
    quote_id: quote.id,
    rfq_id: rfq.id,
    quote_creator_id: quote.creator.communicationsId,
    rfq_creator_id: rfqCreatorIdFor(rfq, viewer),
    market_ticker: rfq.market.ticker,
    event_ticker: rfq.market.eventTicker,
    yes_bid_dollars: dollars4(quote.yesBid),
    no_bid_dollars: dollars4(quote.noBid),
    yes_contracts_offered_fp: count(quote.yesContracts),
    no_contracts_offered_fp: count(quote.noContracts),
    ...(rfq.size.kind === 'targetCost' ? { rfq_target_cost_dollars: dollars4(rfq.size.targetCost) } : {}),
  };
}

export function wsQuoteCreated(quote: SimQuote, viewer: SimUser): WsQuoteCreated {
  return {
    ...quoteBase(quote, viewer),
    created_ts: timestamp(quote.createdAt),
    ...ownSubaccount(quote, viewer),
  };
}

/**
 * `contracts_accepted_fp` in contracts mode; a full target-cost accept omits it (observed on
 * Kalshi), a partial one carries it (the size cannot be known otherwise).
 */
export function wsQuoteAccepted(quote: SimQuote, viewer: SimUser): WsQuoteAccepted {
  const side = quote.acceptedSide;
  const offered = side === 'no' ? quote.noContracts : quote.yesContracts;
  const accepted = quote.acceptedContracts;
  const show = accepted !== undefined && (quote.rfq.size.kind === 'contracts' || accepted < offered);
  return {
    ...quoteBase(quote, viewer),
    ...(side ? { accepted_side: side } : {}),
    ...(show ? { contracts_accepted_fp: count(accepted) } : {}),
    ...ownSubaccount(quote, viewer),
  };
}

/** `order_id` / `client_order_id` are the recipient's own order's. */
export function wsQuoteExecuted(quote: SimQuote, viewer: SimUser): WsQuoteExecuted {
  const maker = viewer === quote.creator;
  return {
    quote_id: quote.id,
    rfq_id: quote.rfq.id,
    quote_creator_id: quote.creator.communicationsId,
    rfq_creator_id: rfqCreatorIdFor(quote.rfq, viewer),
    order_id: (maker ? quote.creatorOrderId : quote.rfqCreatorOrderId) ?? '',
    client_order_id: (maker ? quote.creatorClientOrderId : quote.rfqCreatorClientOrderId) ?? '',
    market_ticker: quote.rfq.market.ticker,
    executed_ts: timestamp(quote.executedAt ?? quote.updatedAt),
    ...ownSubaccount(quote, viewer),
  };
}
