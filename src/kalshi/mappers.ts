/**
 * Wire → domain for communications, portfolio and account responses. Money and sizes become
 * integers here (src/domain/money.ts); nothing past this file sees a decimal string.
 * Market data mappers live in mappers-market.ts.
 */
import { centsToMicros } from '../domain/money.js';
import type {
  ApiLimits,
  Balance,
  BucketLimit,
  EndpointCosts,
  EventPosition,
  ExchangeStatus,
  Fill,
  MarketPosition,
  MveLeg,
  Quote,
  Rfq,
  RfqSize,
  Side,
} from '../domain/types.js';
import { compact, knownFields, type UnknownReporter, WireFieldError, WireReader } from './wire-reader.js';

/** One page of a cursor-paged listing. `cursor` is undefined on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

export const RFQ_STATUSES = ['open', 'closed'] as const;
export const QUOTE_STATUSES = ['open', 'accepted', 'confirmed', 'executed', 'cancelled'] as const;
export const SIDES: readonly Side[] = ['yes', 'no'];

// Known fields: kalshi-typescript 3.30 models plus legacy integer fields older payloads carry.
export const LEG_FIELDS = knownFields([
  'event_ticker',
  'market_ticker',
  'side',
  'yes_settlement_value_dollars',
]);
// biome-ignore format: a field list
const RFQ_FIELDS = knownFields([
  'id', 'creator_id', 'market_ticker', 'event_ticker', 'contracts_fp', 'target_cost_dollars',
  'target_cost_excludes_fees', 'status', 'created_ts', 'updated_ts', 'cancelled_ts',
  'mve_collection_ticker', 'mve_selected_legs', 'rest_remainder', 'cancellation_reason',
  'creator_user_id', 'creator_subaccount', 'contracts', 'target_cost_centi_cents', 'expired_ts',
]);
// biome-ignore format: a field list
const QUOTE_FIELDS = knownFields([
  'id', 'rfq_id', 'creator_id', 'rfq_creator_id', 'market_ticker', 'event_ticker', 'contracts_fp',
  'yes_bid_dollars', 'no_bid_dollars', 'yes_contracts_fp', 'no_contracts_fp', 'created_ts', 'updated_ts',
  'status', 'accepted_side', 'accepted_ts', 'confirmed_ts', 'executed_ts', 'cancelled_ts', 'rest_remainder',
  'post_only', 'cancellation_reason', 'creator_user_id', 'rfq_creator_user_id', 'rfq_target_cost_dollars',
  'target_cost_excludes_fees', 'rfq_creator_order_id', 'creator_order_id', 'creator_subaccount',
  'rfq_creator_subaccount', 'contracts', 'yes_bid', 'no_bid', 'rfq_target_cost_centi_cents', 'expired_ts',
  'contracts_accepted_fp',
]);
// biome-ignore format: a field list
const MARKET_POSITION_FIELDS = knownFields([
  'ticker', 'exchange_index', 'total_traded_dollars', 'position_fp', 'market_exposure_dollars',
  'realized_pnl_dollars', 'fees_paid_dollars', 'last_updated_ts', 'resting_orders_count',
]);
// biome-ignore format: a field list
const EVENT_POSITION_FIELDS = knownFields([
  'event_ticker', 'total_cost_dollars', 'total_cost_shares_fp', 'event_exposure_dollars',
  'realized_pnl_dollars', 'fees_paid_dollars', 'exchange_index',
]);
// biome-ignore format: a field list
export const FILL_FIELDS = knownFields([
  'fill_id', 'exchange_index', 'trade_id', 'order_id', 'ticker', 'market_ticker', 'side', 'action',
  'outcome_side', 'book_side', 'count_fp', 'yes_price_dollars', 'no_price_dollars', 'is_taker',
  'created_time', 'fee_cost', 'subaccount_number', 'ts', 'client_order_id',
]);
const BALANCE_FIELDS = knownFields([
  'balance',
  'balance_dollars',
  'portfolio_value',
  'updated_ts',
  'balance_breakdown',
]);
const LIMITS_FIELDS = knownFields(['usage_tier', 'read', 'write', 'grants']);
const BUCKET_FIELDS = knownFields(['refill_rate', 'bucket_capacity']);
// biome-ignore format: a field list
const STATUS_FIELDS = knownFields([
  'exchange_active', 'trading_active', 'exchange_estimated_resume_time', 'intra_exchange_transfers_active',
  'exchange_index_statuses',
]);
const COST_FIELDS = knownFields(['method', 'path', 'cost']);
const NONE = knownFields([]);

function root(kind: string, json: unknown, reporter: UnknownReporter, known: ReadonlySet<string> = NONE) {
  return WireReader.of(kind, json, '', known, reporter);
}

/** Absent, null and "" all mean "no more pages". */
export function readCursor(r: WireReader): string | undefined {
  const cursor = r.optStr('cursor');
  return cursor === undefined || cursor === '' ? undefined : cursor;
}

export function mapLeg(r: WireReader): MveLeg {
  return compact<MveLeg>({
    eventTicker: r.str('event_ticker'),
    marketTicker: r.str('market_ticker'),
    side: r.openEnum('side', SIDES),
  });
}

export function mapRfq(r: WireReader): Rfq {
  const targetCost = r.optDollars('target_cost_dollars');
  const size: RfqSize =
    targetCost !== undefined && targetCost > 0
      ? { kind: 'targetCost', targetCost, excludesFees: r.optBool('target_cost_excludes_fees') ?? false }
      : { kind: 'contracts', contracts: r.count('contracts_fp') };
  const legs = r.has('mve_selected_legs') ? r.objects('mve_selected_legs', 'mve_leg', LEG_FIELDS) : undefined;
  return compact<Rfq>({
    id: r.str('id'),
    creatorId: r.str('creator_id'),
    marketTicker: r.str('market_ticker'),
    eventTicker: r.optStr('event_ticker'),
    size,
    status: r.openEnum('status', RFQ_STATUSES),
    createdAt: r.ts('created_ts'),
    updatedAt: r.optTs('updated_ts'),
    cancelledAt: r.optTs('cancelled_ts'),
    restRemainder: r.optBool('rest_remainder'),
    mveCollectionTicker: r.optStr('mve_collection_ticker'),
    mveSelectedLegs: legs?.map(mapLeg),
    cancellationReason: r.optStr('cancellation_reason'),
    extra: r.extra(),
  });
}

export function mapQuote(r: WireReader): Quote {
  const acceptedText = r.optStr('accepted_side');
  const acceptedRaw = acceptedText === '' ? undefined : acceptedText;
  const acceptedSide = acceptedRaw === undefined ? undefined : r.closedEnum('accepted_side', SIDES);
  return compact<Quote>({
    id: r.str('id'),
    rfqId: r.str('rfq_id'),
    creatorId: r.str('creator_id'),
    rfqCreatorId: r.str('rfq_creator_id'),
    marketTicker: r.str('market_ticker'),
    contracts: r.count('contracts_fp'),
    yesBid: r.dollars('yes_bid_dollars'),
    noBid: r.dollars('no_bid_dollars'),
    yesContracts: r.optCount('yes_contracts_fp'),
    noContracts: r.optCount('no_contracts_fp'),
    status: r.openEnum('status', QUOTE_STATUSES),
    acceptedSide,
    createdAt: r.ts('created_ts'),
    updatedAt: r.ts('updated_ts'),
    acceptedAt: r.optTs('accepted_ts'),
    confirmedAt: r.optTs('confirmed_ts'),
    executedAt: r.optTs('executed_ts'),
    cancelledAt: r.optTs('cancelled_ts'),
    restRemainder: r.optBool('rest_remainder'),
    postOnly: r.optBool('post_only'),
    cancellationReason: r.optStr('cancellation_reason'),
    rfqTargetCost: r.optDollars('rfq_target_cost_dollars'),
    targetCostExcludesFees: r.optBool('target_cost_excludes_fees'),
    contractsAccepted: r.optCount('contracts_accepted_fp'),
    creatorOrderId: r.optStr('creator_order_id'),
    rfqCreatorOrderId: r.optStr('rfq_creator_order_id'),
    // An accepted side we cannot read is kept verbatim, never guessed.
    extra: r.extra(
      acceptedRaw !== undefined && acceptedSide === undefined ? { accepted_side: acceptedRaw } : {},
    ),
  });
}

export function parseRfqsPage(json: unknown, reporter: UnknownReporter): Page<Rfq> {
  const r = root('get_rfqs_response', json, reporter, knownFields(['rfqs', 'cursor']));
  return compact<Page<Rfq>>({
    items: r.objects('rfqs', 'rfq', RFQ_FIELDS).map(mapRfq),
    cursor: readCursor(r),
  });
}

export function parseRfqResponse(json: unknown, reporter: UnknownReporter): Rfq {
  return mapRfq(root('get_rfq_response', json, reporter).object('rfq', 'rfq', RFQ_FIELDS));
}

export function parseQuotesPage(json: unknown, reporter: UnknownReporter): Page<Quote> {
  const r = root('get_quotes_response', json, reporter, knownFields(['quotes', 'cursor']));
  return compact<Page<Quote>>({
    items: r.objects('quotes', 'quote', QUOTE_FIELDS).map(mapQuote),
    cursor: readCursor(r),
  });
}

export function parseQuoteResponse(json: unknown, reporter: UnknownReporter): Quote {
  return mapQuote(root('get_quote_response', json, reporter).object('quote', 'quote', QUOTE_FIELDS));
}

/** `{id}` from create_quote and create_rfq. */
export function parseCreatedId(json: unknown, reporter: UnknownReporter): string {
  const id = root('create_response', json, reporter).str('id');
  if (id === '') throw new WireFieldError('is empty', 'id');
  return id;
}

export function parseCommunicationsId(json: unknown, reporter: UnknownReporter): string {
  const id = root('get_communications_id_response', json, reporter).str('communications_id');
  // An empty id would match nothing (or, compared loosely, anything) when we look for ourselves.
  if (id.trim() === '') throw new WireFieldError('is empty', 'communications_id');
  return id;
}

export function mapMarketPosition(r: WireReader): MarketPosition {
  return compact<MarketPosition>({
    ticker: r.str('ticker'),
    position: r.count('position_fp'),
    marketExposure: r.dollars('market_exposure_dollars'),
    realizedPnl: r.dollars('realized_pnl_dollars'),
    feesPaid: r.dollars('fees_paid_dollars'),
    totalTraded: r.dollars('total_traded_dollars'),
    extra: r.extra(),
  });
}

export function mapEventPosition(r: WireReader): EventPosition {
  return compact<EventPosition>({
    eventTicker: r.str('event_ticker'),
    totalCost: r.dollars('total_cost_dollars'),
    totalCostShares: r.count('total_cost_shares_fp'),
    eventExposure: r.dollars('event_exposure_dollars'),
    realizedPnl: r.dollars('realized_pnl_dollars'),
    feesPaid: r.dollars('fees_paid_dollars'),
    extra: r.extra(),
  });
}

export interface PositionsPage {
  readonly marketPositions: readonly MarketPosition[];
  readonly eventPositions: readonly EventPosition[];
  readonly cursor?: string;
}

export function parsePositionsPage(json: unknown, reporter: UnknownReporter): PositionsPage {
  const r = root('get_positions_response', json, reporter);
  return compact<PositionsPage>({
    marketPositions: r
      .objects('market_positions', 'market_position', MARKET_POSITION_FIELDS, true)
      .map(mapMarketPosition),
    eventPositions: r
      .objects('event_positions', 'event_position', EVENT_POSITION_FIELDS, true)
      .map(mapEventPosition),
    cursor: readCursor(r),
  });
}

/** buy-yes and sell-no position YES; buy-no and sell-yes position NO (deprecated side/action). */
function legacyOutcomeSide(r: WireReader): Side | undefined {
  const side = r.raw('side');
  const action = r.raw('action');
  if ((side !== 'yes' && side !== 'no') || (action !== 'buy' && action !== 'sell')) return undefined;
  return (side === 'yes') === (action === 'buy') ? 'yes' : 'no';
}

export function mapFill(r: WireReader): Fill {
  const outcome = r.has('outcome_side') ? r.closedEnum('outcome_side', SIDES) : undefined;
  const outcomeSide = outcome ?? legacyOutcomeSide(r);
  // A fill we cannot attribute to a side would corrupt exposure: refuse it.
  if (outcomeSide === undefined) {
    throw new WireFieldError(
      `unknown outcome side ${JSON.stringify(r.raw('outcome_side'))}`,
      r.field('outcome_side'),
    );
  }
  const ticker = r.has('ticker') ? r.str('ticker') : r.str('market_ticker');
  const legacyTs = r.optInt('ts');
  const tsMs = r.optInt('ts_ms');
  const fillId = r.has('fill_id') ? r.str('fill_id') : r.str('trade_id');
  const clientOrderId = r.optStr('client_order_id');
  return compact<Fill>({
    fillId,
    tradeId: r.has('trade_id') ? r.str('trade_id') : fillId,
    orderId: r.str('order_id'),
    clientOrderId: clientOrderId === '' ? undefined : clientOrderId,
    ticker,
    outcomeSide,
    bookSide: r.openEnum('book_side', ['bid', 'ask']),
    count: r.count('count_fp'),
    yesPrice: r.dollars('yes_price_dollars'),
    noPrice: r.dollars('no_price_dollars'),
    isTaker: r.bool('is_taker'),
    fee: r.dollars('fee_cost'),
    createdAt: tsMs ?? r.optTs('created_time') ?? (legacyTs === undefined ? undefined : legacyTs * 1000),
    extra: r.extra(
      outcome === undefined && r.has('outcome_side') ? { outcome_side: r.raw('outcome_side') } : {},
    ),
  });
}

export function parseFillsPage(json: unknown, reporter: UnknownReporter): Page<Fill> {
  const r = root('get_fills_response', json, reporter);
  return compact<Page<Fill>>({
    items: r.objects('fills', 'fill', FILL_FIELDS).map(mapFill),
    cursor: readCursor(r),
  });
}

export function parseBalance(json: unknown, reporter: UnknownReporter): Balance {
  const r = root('balance', json, reporter, BALANCE_FIELDS);
  const updated = r.optInt('updated_ts');
  return compact<Balance>({
    // balance_dollars carries sub-cent precision for direct members; cents are the fallback.
    balance: r.has('balance_dollars') ? r.dollars('balance_dollars') : centsToMicros(r.int('balance')),
    portfolioValue: centsToMicros(r.int('portfolio_value')),
    updatedAt: updated === undefined ? undefined : updated * 1000,
    extra: r.extra(),
  });
}

function mapBucket(r: WireReader): BucketLimit {
  const refillRate = r.num('refill_rate');
  const capacity = r.num('bucket_capacity');
  if (refillRate < 0) throw new WireFieldError('is negative', r.field('refill_rate'));
  if (capacity < 0) throw new WireFieldError('is negative', r.field('bucket_capacity'));
  return { refillRate, capacity };
}

export function parseApiLimits(json: unknown, reporter: UnknownReporter): ApiLimits {
  const r = root('api_limits', json, reporter, LIMITS_FIELDS);
  return compact<ApiLimits>({
    usageTier: r.str('usage_tier'),
    read: mapBucket(r.object('read', 'bucket_limit', BUCKET_FIELDS)),
    write: mapBucket(r.object('write', 'bucket_limit', BUCKET_FIELDS)),
    extra: r.extra(),
  });
}

export function parseEndpointCosts(json: unknown, reporter: UnknownReporter): EndpointCosts {
  const r = root('endpoint_costs', json, reporter, knownFields(['default_cost', 'endpoint_costs']));
  const costs = r.objects('endpoint_costs', 'endpoint_cost', COST_FIELDS).map((c) => {
    const cost = c.num('cost');
    if (cost < 0) throw new WireFieldError('is negative', c.field('cost'));
    return { method: c.str('method').toUpperCase(), path: c.str('path'), cost };
  });
  const defaultCost = r.num('default_cost');
  if (defaultCost < 0) throw new WireFieldError('is negative', 'default_cost');
  r.extra();
  return { defaultCost, costs };
}

export function parseExchangeStatus(json: unknown, reporter: UnknownReporter): ExchangeStatus {
  const r = root('exchange_status', json, reporter, STATUS_FIELDS);
  return compact<ExchangeStatus>({
    exchangeActive: r.bool('exchange_active'),
    tradingActive: r.bool('trading_active'),
    estimatedResumeTime: r.optStr('exchange_estimated_resume_time'),
    extra: r.extra(),
  });
}
