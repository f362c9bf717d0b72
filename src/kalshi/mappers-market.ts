/**
 * Wire → domain for market data: markets (with their price grid), order books, events and
 * series fee schedules.
 */
import { type FeeSchedule, type FeeType, FULL_MULTIPLIER } from '../domain/fees.js';
import { PriceGridError, validateGrid } from '../domain/grid.js';
import type { BookLevel, EventDetails, Market, OrderBook, SeriesInfo } from '../domain/types.js';
import { type Page, readCursor } from './mappers.js';
import { compact, knownFields, type UnknownReporter, WireFieldError, WireReader } from './wire-reader.js';

export const MARKET_STATUSES = [
  'initialized',
  'active',
  'inactive',
  'closed',
  'determined',
  'disputed',
  'amended',
  'finalized',
] as const;
export const FEE_TYPES: readonly FeeType[] = [
  'quadratic',
  'quadratic_with_maker_fees',
  'quadratic_with_combo_maker_fees',
  'flat',
];

// biome-ignore format: a field list
const MARKET_FIELDS = knownFields([
  'ticker', 'event_ticker', 'market_type', 'title', 'subtitle', 'yes_sub_title', 'no_sub_title',
  'created_time', 'updated_time', 'open_time', 'close_time', 'expected_expiration_time', 'expiration_time',
  'latest_expiration_time', 'settlement_timer_seconds', 'status', 'yes_bid_dollars', 'yes_bid_size_fp',
  'yes_ask_dollars', 'yes_ask_size_fp', 'no_bid_dollars', 'no_ask_dollars', 'last_price_dollars',
  'volume_fp', 'volume_24h_fp', 'result', 'can_close_early', 'open_interest_fp', 'notional_value_dollars',
  'previous_yes_bid_dollars', 'previous_yes_ask_dollars', 'previous_price_dollars', 'liquidity_dollars',
  'settlement_value_dollars', 'settlement_ts', 'expiration_value', 'occurrence_datetime',
  'fee_waiver_expiration_time', 'early_close_condition', 'strike_type', 'floor_strike', 'cap_strike',
  'functional_strike', 'custom_strike', 'rules_primary', 'rules_secondary', 'mve_collection_ticker',
  'mve_selected_legs', 'primary_participant_key', 'price_level_structure', 'price_ranges', 'is_provisional',
  'exchange_index',
  // Legacy integer-cent duplicates and retired fields older payloads still carry.
  'yes_bid', 'yes_ask', 'no_bid', 'no_ask', 'last_price', 'previous_yes_bid', 'previous_yes_ask',
  'previous_price', 'volume', 'volume_24h', 'open_interest', 'liquidity', 'notional_value', 'settlement_value',
  'tick_size', 'response_price_units', 'fractional_trading_enabled', 'risk_limit_cents', 'category',
]);
const RANGE_FIELDS = knownFields(['start', 'end', 'step']);
// biome-ignore format: a field list
const EVENT_FIELDS = knownFields([
  'event_ticker', 'series_ticker', 'sub_title', 'title', 'collateral_return_type', 'mutually_exclusive',
  'category', 'strike_date', 'strike_period', 'markets', 'product_metadata', 'settlement_sources',
  'last_updated_ts', 'fee_type_override', 'fee_multiplier_override', 'exchange_index', 'available_on_brokers',
]);
// biome-ignore format: a field list
const SERIES_FIELDS = knownFields([
  'ticker', 'frequency', 'title', 'category', 'categories', 'tags', 'settlement_sources', 'contract_url',
  'contract_terms_url', 'product_metadata', 'fee_type', 'fee_multiplier', 'additional_prohibitions',
  'volume_fp', 'last_updated_ts', 'exchange_index',
]);
const NONE = knownFields([]);

function root(kind: string, json: unknown, reporter: UnknownReporter): WireReader {
  return WireReader.of(kind, json, '', NONE, reporter);
}

export function mapMarket(r: WireReader): Market {
  const bands = r.objects('price_ranges', 'price_range', RANGE_FIELDS).map((band) => ({
    start: band.dollars('start'),
    end: band.dollars('end'),
    step: band.dollars('step'),
  }));
  let priceGrid: Market['priceGrid'];
  try {
    priceGrid = validateGrid(bands);
  } catch (error) {
    if (error instanceof PriceGridError) throw new WireFieldError(error.message, r.field('price_ranges'));
    throw error;
  }
  return compact<Market>({
    ticker: r.str('ticker'),
    eventTicker: r.str('event_ticker'),
    status: r.openEnum('status', MARKET_STATUSES),
    marketType: r.openEnum('market_type', ['binary', 'scalar']),
    title: r.optStr('title'),
    yesBid: r.dollars('yes_bid_dollars'),
    yesAsk: r.dollars('yes_ask_dollars'),
    noBid: r.dollars('no_bid_dollars'),
    noAsk: r.dollars('no_ask_dollars'),
    lastPrice: r.dollars('last_price_dollars'),
    volume: r.count('volume_fp'),
    openInterest: r.count('open_interest_fp'),
    priceLevelStructure: r.str('price_level_structure'),
    priceGrid,
    openTime: r.optTs('open_time'),
    closeTime: r.optTs('close_time'),
    mveCollectionTicker: r.optStr('mve_collection_ticker'),
    extra: r.extra(),
  });
}

function marketReaders(r: WireReader, key: string, optional: boolean): WireReader[] {
  return r.objects(key, 'market', MARKET_FIELDS, optional);
}

export function parseMarketResponse(json: unknown, reporter: UnknownReporter): Market {
  const r = root('get_market_response', json, reporter);
  return mapMarket(r.object('market', 'market', MARKET_FIELDS));
}

export function parseMarketsPage(json: unknown, reporter: UnknownReporter): Page<Market> {
  const r = root('get_markets_response', json, reporter);
  const items = marketReaders(r, 'markets', false).map(mapMarket);
  return compact<Page<Market>>({ items, cursor: readCursor(r) });
}

/** A side of a book (`[[price_dollars, count_fp], …]`); absent or null is empty. */
export function mapLevels(r: WireReader, key: string): BookLevel[] {
  return r.optArray(key).map((level, i) => {
    const field = `${r.field(key)}[${i}]`;
    if (!Array.isArray(level) || level.length < 2) {
      throw new WireFieldError('expected a [price_dollars, count_fp] pair', field);
    }
    const pair = r.nested('book_level', { price: level[0], count: level[1] }, field, NONE);
    return Object.freeze({ price: pair.dollars('price'), count: pair.count('count') });
  });
}

/** An absent or null side is an empty side. */
export function parseOrderBook(ticker: string, json: unknown, reporter: UnknownReporter): OrderBook {
  const r = root('get_orderbook_response', json, reporter);
  const book = r.object('orderbook_fp', 'orderbook', knownFields(['yes_dollars', 'no_dollars']));
  return Object.freeze({
    ticker,
    yes: Object.freeze(mapLevels(book, 'yes_dollars')),
    no: Object.freeze(mapLevels(book, 'no_dollars')),
  });
}

/** A JSON multiplier (0.5) as integer parts per million, rejecting anything finer. */
function multiplierPpm(r: WireReader, key: string): number {
  const value = r.num(key);
  const ppm = Math.round(value * FULL_MULTIPLIER);
  // Past 2^53 ppm the integer is no longer exact (a 1e21 multiplier would become 1e27 "ppm").
  if (!Number.isSafeInteger(ppm))
    throw new WireFieldError(`${value} is too large for a fee multiplier`, r.field(key));
  if (value < 0 || Math.abs(ppm - value * FULL_MULTIPLIER) > 1e-6) {
    throw new WireFieldError(`${value} is not a multiplier with at most 6 decimals`, r.field(key));
  }
  return ppm;
}

export function parseEvent(json: unknown, reporter: UnknownReporter): EventDetails {
  const r = root('get_event_response', json, reporter);
  const event = r.object('event', 'event', EVENT_FIELDS);
  const nested = event.has('markets')
    ? marketReaders(event, 'markets', false)
    : marketReaders(r, 'markets', true);
  const markets = nested.map(mapMarket);
  const feeType =
    event.has('fee_type_override') && event.raw('fee_type_override') !== ''
      ? event.openEnum('fee_type_override', FEE_TYPES)
      : undefined;
  const feeOverride: FeeSchedule | undefined =
    feeType === undefined
      ? undefined
      : {
          type: feeType,
          multiplierPpm: event.has('fee_multiplier_override')
            ? multiplierPpm(event, 'fee_multiplier_override')
            : FULL_MULTIPLIER,
        };
  return compact<EventDetails>({
    eventTicker: event.str('event_ticker'),
    seriesTicker: event.str('series_ticker'),
    title: event.str('title'),
    mutuallyExclusive: event.bool('mutually_exclusive'),
    feeOverride,
    marketTickers: Object.freeze(markets.map((m) => m.ticker)),
    markets: Object.freeze(markets),
    extra: event.extra(),
  });
}

export function parseSeries(json: unknown, reporter: UnknownReporter): SeriesInfo {
  const series = root('get_series_response', json, reporter).object('series', 'series', SERIES_FIELDS);
  return compact<SeriesInfo>({
    ticker: series.str('ticker'),
    title: series.optStr('title'),
    fees: Object.freeze({
      type: series.openEnum('fee_type', FEE_TYPES),
      multiplierPpm: multiplierPpm(series, 'fee_multiplier'),
    }),
    extra: series.extra(),
  });
}
