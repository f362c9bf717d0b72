/**
 * Wire → domain for the `communications` channel's messages, with the same checked reader as the
 * REST responses: a missing or mistyped field the message cannot do without throws a
 * WireFieldError naming it, and the whole frame is dropped (never half an event).
 */
import type { Rfq, RfqSize, Side } from '../../domain/types.js';
import { FILL_FIELDS, LEG_FIELDS, mapFill, mapLeg, SIDES } from '../mappers.js';
import { mapLevels } from '../mappers-market.js';
import { compact, knownFields, WireFieldError, type WireReader } from '../wire-reader.js';
import type {
  BookDeltaEvent,
  BookSnapshotEvent,
  FillEvent,
  QuoteAcceptedEvent,
  QuoteCreatedEvent,
  QuoteExecutedEvent,
  RfqCreatedEvent,
  RfqDeletedEvent,
} from './events.js';

// biome-ignore format: a field list
export const RFQ_CREATED_FIELDS = knownFields([
  'id', 'creator_id', 'market_ticker', 'event_ticker', 'contracts_fp', 'target_cost_dollars', 'created_ts',
  'mve_collection_ticker', 'mve_selected_legs',
]);
// biome-ignore format: a field list
export const RFQ_DELETED_FIELDS = knownFields([
  'id', 'creator_id', 'market_ticker', 'event_ticker', 'contracts_fp', 'target_cost_dollars', 'deleted_ts',
]);
// biome-ignore format: a field list
const QUOTE_BASE_FIELDS = [
  'quote_id', 'rfq_id', 'quote_creator_id', 'rfq_creator_id', 'market_ticker', 'event_ticker', 'subaccount',
];
// biome-ignore format: a field list
const QUOTE_PRICE_FIELDS = [
  'yes_bid_dollars', 'no_bid_dollars', 'yes_contracts_offered_fp', 'no_contracts_offered_fp',
  'rfq_target_cost_dollars',
];
export const QUOTE_CREATED_FIELDS = knownFields(QUOTE_BASE_FIELDS, QUOTE_PRICE_FIELDS, ['created_ts']);
export const QUOTE_ACCEPTED_FIELDS = knownFields(QUOTE_BASE_FIELDS, QUOTE_PRICE_FIELDS, [
  'accepted_side',
  'contracts_accepted_fp',
]);
export const QUOTE_EXECUTED_FIELDS = knownFields(QUOTE_BASE_FIELDS, [
  'order_id',
  'client_order_id',
  'executed_ts',
]);

/** An empty ticker is no ticker (the push sends "" where REST omits the field). */
function optTicker(r: WireReader, key: string): string | undefined {
  const value = r.optStr(key);
  return value === '' ? undefined : value;
}

export function mapRfqCreated(r: WireReader, sentAt: number | undefined): RfqCreatedEvent {
  const targetCost = r.optDollars('target_cost_dollars');
  const targetSized = targetCost !== undefined && targetCost > 0;
  const size: RfqSize = targetSized
    ? { kind: 'targetCost', targetCost, excludesFees: false }
    : { kind: 'contracts', contracts: r.count('contracts_fp') };
  const legs = r.has('mve_selected_legs') ? r.objects('mve_selected_legs', 'mve_leg', LEG_FIELDS) : undefined;
  const rfq = compact<Rfq>({
    id: r.str('id'),
    // Kalshi documents it as "currently empty" here; an absent one reads the same.
    creatorId: r.optStr('creator_id') ?? '',
    marketTicker: r.str('market_ticker'),
    eventTicker: optTicker(r, 'event_ticker'),
    size,
    status: 'open',
    createdAt: r.ts('created_ts'),
    mveCollectionTicker: optTicker(r, 'mve_collection_ticker'),
    mveSelectedLegs: legs?.map(mapLeg),
    extra: r.extra(),
  });
  return compact<RfqCreatedEvent>({ rfq, complete: !targetSized, sentAt });
}

export function mapRfqDeleted(r: WireReader, sentAt: number | undefined): RfqDeletedEvent {
  return compact<RfqDeletedEvent>({
    rfqId: r.str('id'),
    creatorId: r.optStr('creator_id') ?? '',
    marketTicker: r.str('market_ticker'),
    eventTicker: optTicker(r, 'event_ticker'),
    // Only the id is acted on: a deletion is never dropped for lack of its time.
    deletedAt: r.optTs('deleted_ts'),
    sentAt,
    extra: r.extra(),
  });
}

function quoteBase(r: WireReader) {
  return {
    quoteId: r.str('quote_id'),
    rfqId: r.str('rfq_id'),
    quoteCreatorId: r.str('quote_creator_id'),
    rfqCreatorId: r.optStr('rfq_creator_id'),
    marketTicker: r.str('market_ticker'),
    eventTicker: optTicker(r, 'event_ticker'),
    subaccount: r.optInt('subaccount'),
  };
}

function quotePrices(r: WireReader) {
  return {
    ...quoteBase(r),
    yesBid: r.dollars('yes_bid_dollars'),
    noBid: r.dollars('no_bid_dollars'),
    yesContractsOffered: r.optCount('yes_contracts_offered_fp'),
    noContractsOffered: r.optCount('no_contracts_offered_fp'),
    rfqTargetCost: r.optDollars('rfq_target_cost_dollars'),
  };
}

export function mapQuoteCreated(r: WireReader, sentAt: number | undefined): QuoteCreatedEvent {
  return compact<QuoteCreatedEvent>({
    ...quotePrices(r),
    createdAt: r.ts('created_ts'),
    sentAt,
    extra: r.extra(),
  });
}

export function mapQuoteAccepted(r: WireReader, sentAt: number | undefined): QuoteAcceptedEvent {
  const prices = quotePrices(r);
  const sideText = r.optStr('accepted_side');
  const side: Side | undefined =
    sideText === undefined || sideText === '' ? undefined : r.closedEnum('accepted_side', SIDES);
  const offered =
    side === 'yes' ? prices.yesContractsOffered : side === 'no' ? prices.noContractsOffered : undefined;
  return compact<QuoteAcceptedEvent>({
    ...prices,
    side,
    contractsAccepted: r.optCount('contracts_accepted_fp') ?? offered,
    sentAt,
    // A side we cannot read is kept verbatim, never guessed.
    extra: r.extra(
      sideText !== undefined && sideText !== '' && side === undefined ? { accepted_side: sideText } : {},
    ),
  });
}

export function mapQuoteExecuted(r: WireReader, sentAt: number | undefined): QuoteExecutedEvent {
  return compact<QuoteExecutedEvent>({
    ...quoteBase(r),
    orderId: r.str('order_id'),
    clientOrderId: r.str('client_order_id'),
    executedAt: r.ts('executed_ts'),
    sentAt,
    extra: r.extra(),
  });
}

/** The REST Fill's fields plus what only the push carries (changelog 2026-04-15, -05-06, -08-20). */
export const FILL_EVENT_FIELDS = knownFields(
  [...FILL_FIELDS],
  ['purchased_side', 'post_position_fp', 'ts_ms', 'subaccount', 'client_order_id'],
);

export function mapFillEvent(r: WireReader, sentAt: number | undefined): FillEvent {
  return compact<FillEvent>({
    fill: mapFill(r),
    postPosition: r.optCount('post_position_fp'),
    subaccount: r.optInt('subaccount'),
    sentAt,
  });
}

export const BOOK_SNAPSHOT_FIELDS = knownFields([
  'market_ticker',
  'market_id',
  'yes_dollars_fp',
  'no_dollars_fp',
]);
// biome-ignore format: a field list
export const BOOK_DELTA_FIELDS = knownFields([
  'market_ticker', 'market_id', 'price_dollars', 'delta_fp', 'side', 'client_order_id', 'subaccount', 'ts_ms',
]);

/** A side absent from the snapshot is an empty side. */
export function mapBookSnapshot(r: WireReader, sentAt: number | undefined): BookSnapshotEvent {
  return compact<BookSnapshotEvent>({
    ticker: r.str('market_ticker'),
    yes: Object.freeze(mapLevels(r, 'yes_dollars_fp')),
    no: Object.freeze(mapLevels(r, 'no_dollars_fp')),
    sentAt,
  });
}

export function mapBookDelta(r: WireReader, sentAt: number | undefined): BookDeltaEvent {
  const side = r.closedEnum('side', SIDES);
  // A side we cannot read cannot be applied: the frame is dropped and the books resynchronised.
  if (side === undefined) throw new WireFieldError('expected yes or no', r.field('side'));
  return compact<BookDeltaEvent>({
    ticker: r.str('market_ticker'),
    side,
    price: r.dollars('price_dollars'),
    delta: r.count('delta_fp'),
    sentAt,
  });
}
