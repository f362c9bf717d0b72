import { ONE_DOLLAR } from '../../domain/money.js';
import type { BookLevel } from '../../domain/types.js';
import type { WireBookLevel, WireEvent, WireMarket, WireOrderBook, WireSeries } from '../../kalshi/wire.js';
import { count, dollars4, multiplier, timestamp } from '../format.js';
import { gridToWire } from './grids.js';
import type { SimEvent, SimMarket, SimSeries, World } from './world.js';

function best(levels: readonly BookLevel[]): BookLevel | undefined {
  return levels[levels.length - 1];
}

/** Strike fields from the ticker: `-T<x>` is "greater than x"; anything else a custom outcome. */
function strike(market: SimMarket): Record<string, unknown> {
  const threshold = /-T(\d+(?:\.\d+)?)$/.exec(market.ticker);
  if (threshold)
    return {
      strike_type: 'greater',
      floor_strike: Number(threshold[1]),
      cap_strike: null,
      functional_strike: null,
      custom_strike: null,
    };
  return {
    strike_type: 'custom',
    floor_strike: null,
    cap_strike: null,
    functional_strike: null,
    // combos name their event (changelog 2026-03-25: the multivariate event ticker, not the collection)
    custom_strike: market.legs
      ? { 'Multivariate Event Ticker': market.eventTicker }
      : { outcome: market.yesSubTitle },
  };
}

/** Market fields the simulator has no value for (no settlement, no fee waiver, no participant). */
const UNSET_MARKET_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({
  settlement_value_dollars: null,
  settlement_ts: null,
  occurrence_datetime: null,
  fee_waiver_expiration_time: null,
  primary_participant_key: null,
});

/** Every field of the Market schema (SDK 3.30); the nullable ones the simulator has no value for are null. */
export function marketToWire(market: SimMarket): WireMarket & Record<string, unknown> {
  const yesBid = best(market.book.levels('yes'));
  const noBid = best(market.book.levels('no'));
  const yesBidPrice = yesBid?.price ?? 0;
  const noBidPrice = noBid?.price ?? 0;
  const wire: WireMarket & Record<string, unknown> = {
    ticker: market.ticker,
    event_ticker: market.eventTicker,
    market_type: 'binary',
    title: market.title,
    subtitle: '',
    yes_sub_title: market.yesSubTitle,
    no_sub_title: market.yesSubTitle,
    created_time: timestamp(market.createdTime),
    updated_time: timestamp(market.updatedTime),
    open_time: timestamp(market.openTime),
    close_time: timestamp(market.closeTime),
    expected_expiration_time: timestamp(market.closeTime),
    expiration_time: timestamp(market.closeTime + 7 * 86_400_000),
    latest_expiration_time: timestamp(market.closeTime + 7 * 86_400_000),
    settlement_timer_seconds: 300,
    status: market.status,
    yes_bid_dollars: dollars4(yesBidPrice),
    yes_bid_size_fp: count(yesBid?.count ?? 0),
    yes_ask_dollars: dollars4(ONE_DOLLAR - noBidPrice),
    yes_ask_size_fp: count(noBid?.count ?? 0),
    no_bid_dollars: dollars4(noBidPrice),
    no_ask_dollars: dollars4(ONE_DOLLAR - yesBidPrice),
    last_price_dollars: dollars4(market.lastPrice),
    previous_yes_bid_dollars: dollars4(yesBidPrice),
    previous_yes_ask_dollars: dollars4(ONE_DOLLAR - noBidPrice),
    previous_price_dollars: dollars4(market.lastPrice),
    volume_fp: count(market.volume),
    volume_24h_fp: count(market.volume),
    open_interest_fp: count(market.openInterest),
    notional_value_dollars: '1.0000',
    liquidity_dollars: '0.0000',
    result: '',
    can_close_early: true,
    early_close_condition: 'This market may close early once the outcome is known.',
    expiration_value: '',
    ...UNSET_MARKET_FIELDS,
    ...strike(market),
    rules_primary: `If ${market.title.toLowerCase()}, the market resolves to Yes.`,
    rules_secondary: 'Simulated market: no real-world settlement.',
    price_level_structure: market.structure,
    price_ranges: gridToWire(market.grid),
    is_provisional: false,
    exchange_index: 0,
  };
  if (market.legs) {
    wire.mve_collection_ticker = market.mveCollectionTicker ?? '';
    wire.mve_selected_legs = market.legs.map((leg) => ({
      event_ticker: leg.eventTicker,
      market_ticker: leg.marketTicker,
      side: leg.side,
    }));
  }
  return wire;
}

/** `depth` ≤ 0 means every level; otherwise the best `depth`, still ascending. */
export function bookToWire(market: SimMarket, depth = 0): WireOrderBook {
  const side = (levels: readonly BookLevel[]): WireBookLevel[] => {
    const kept = depth > 0 ? levels.slice(Math.max(0, levels.length - depth)) : levels;
    return kept.map((l) => [dollars4(l.price), count(l.count)]);
  };
  return { yes_dollars: side(market.book.levels('yes')), no_dollars: side(market.book.levels('no')) };
}

export function eventToWire(
  event: SimEvent,
  world: World,
  nested: boolean,
): WireEvent & Record<string, unknown> {
  const series = world.series.get(event.seriesTicker);
  const wire: WireEvent & Record<string, unknown> = {
    event_ticker: event.eventTicker,
    series_ticker: event.seriesTicker,
    title: event.title,
    sub_title: event.subTitle,
    collateral_return_type: event.mutuallyExclusive ? 'MECNET' : '',
    mutually_exclusive: event.mutuallyExclusive,
    category: series?.category ?? '',
    strike_period: '',
    settlement_sources: [],
    exchange_index: 0,
  };
  if (event.feeOverride) {
    wire.fee_type_override = event.feeOverride.type;
    wire.fee_multiplier_override = multiplier(event.feeOverride.multiplierPpm);
  }
  if (nested) {
    wire.markets = event.marketTickers
      .map((t) => world.markets.get(t))
      .filter((m) => m !== undefined)
      .map(marketToWire);
  }
  return wire;
}

export function seriesToWire(series: SimSeries, volume?: number): WireSeries & Record<string, unknown> {
  return {
    ticker: series.ticker,
    frequency: 'custom',
    title: series.title,
    category: series.category,
    categories: [series.category],
    tags: [],
    settlement_sources: [],
    contract_url: '',
    contract_terms_url: '',
    fee_type: series.fee.type,
    fee_multiplier: multiplier(series.fee.multiplierPpm),
    additional_prohibitions: [],
    ...(volume === undefined ? {} : { volume_fp: count(volume) }),
  };
}
