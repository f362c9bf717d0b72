/**
 * Kalshi wire types: the JSON the exchange sends and accepts, snake_case, with money as
 * decimal strings. Shared by the bot's client and the simulator (nothing else of the bot's
 * is shared with the simulator). Field names follow kalshi-typescript 3.30.0 models.
 * Optional markers reflect what the exchange may omit; parsers stay tolerant regardless.
 */

export const API_PREFIX = '/trade-api/v2';
export const WS_PATH = '/trade-api/ws/v2';

export interface WirePriceRange {
  start: string;
  end: string;
  step: string;
}

export interface WireMveLeg {
  event_ticker: string;
  market_ticker: string;
  side: string;
  yes_settlement_value_dollars?: string;
}

export interface WireRfq {
  id: string;
  creator_id: string;
  market_ticker: string;
  event_ticker?: string;
  contracts_fp: string;
  target_cost_dollars?: string;
  target_cost_excludes_fees?: boolean;
  status: string;
  created_ts: string;
  updated_ts?: string;
  cancelled_ts?: string;
  mve_collection_ticker?: string;
  mve_selected_legs?: WireMveLeg[];
  rest_remainder?: boolean;
  cancellation_reason?: string;
  creator_user_id?: string;
  creator_subaccount?: number;
}

export interface WireQuote {
  id: string;
  rfq_id: string;
  creator_id: string;
  rfq_creator_id: string;
  market_ticker: string;
  contracts_fp: string;
  yes_bid_dollars: string;
  no_bid_dollars: string;
  yes_contracts_fp?: string;
  no_contracts_fp?: string;
  created_ts: string;
  updated_ts: string;
  status: string;
  accepted_side?: string;
  accepted_ts?: string;
  confirmed_ts?: string;
  executed_ts?: string;
  cancelled_ts?: string;
  rest_remainder?: boolean;
  post_only?: boolean;
  cancellation_reason?: string;
  creator_user_id?: string;
  rfq_creator_user_id?: string;
  rfq_target_cost_dollars?: string;
  target_cost_excludes_fees?: boolean;
  rfq_creator_order_id?: string;
  creator_order_id?: string;
  creator_subaccount?: number;
  rfq_creator_subaccount?: number;
}

export interface WireMarket {
  ticker: string;
  event_ticker: string;
  market_type: string;
  title?: string;
  subtitle?: string;
  yes_sub_title?: string;
  no_sub_title?: string;
  created_time?: string;
  updated_time?: string;
  open_time: string;
  close_time: string;
  expected_expiration_time?: string;
  expiration_time?: string;
  latest_expiration_time?: string;
  settlement_timer_seconds?: number;
  status: string;
  yes_bid_dollars: string;
  yes_bid_size_fp?: string;
  yes_ask_dollars: string;
  yes_ask_size_fp?: string;
  no_bid_dollars: string;
  no_ask_dollars: string;
  last_price_dollars: string;
  previous_yes_bid_dollars?: string;
  previous_yes_ask_dollars?: string;
  previous_price_dollars?: string;
  volume_fp: string;
  volume_24h_fp?: string;
  open_interest_fp: string;
  notional_value_dollars?: string;
  liquidity_dollars?: string;
  result?: string;
  can_close_early?: boolean;
  expiration_value?: string;
  rules_primary?: string;
  rules_secondary?: string;
  price_level_structure: string;
  price_ranges: WirePriceRange[];
  mve_collection_ticker?: string;
  mve_selected_legs?: WireMveLeg[];
  fee_waiver_expiration_time?: string;
  is_provisional?: boolean;
  exchange_index?: number;
}

/** `[price_dollars, count_fp]`, ascending; best bid last. */
export type WireBookLevel = [string, string];

export interface WireOrderBook {
  yes_dollars: WireBookLevel[];
  no_dollars: WireBookLevel[];
}

export interface WireEvent {
  event_ticker: string;
  series_ticker: string;
  title: string;
  sub_title?: string;
  collateral_return_type?: string;
  mutually_exclusive: boolean;
  category?: string;
  markets?: WireMarket[];
  fee_type_override?: string;
  fee_multiplier_override?: number;
  last_updated_ts?: string;
  exchange_index?: number;
}

export interface WireSeries {
  ticker: string;
  title?: string;
  fee_type: string;
  fee_multiplier: number;
}

export interface WireMarketPosition {
  ticker: string;
  position_fp: string;
  market_exposure_dollars: string;
  realized_pnl_dollars: string;
  fees_paid_dollars: string;
  total_traded_dollars: string;
  last_updated_ts?: string;
  exchange_index?: number;
}

export interface WireEventPosition {
  event_ticker: string;
  total_cost_dollars: string;
  total_cost_shares_fp: string;
  event_exposure_dollars: string;
  realized_pnl_dollars: string;
  fees_paid_dollars: string;
}

export interface WireFill {
  fill_id: string;
  trade_id?: string;
  order_id: string;
  ticker: string;
  market_ticker?: string;
  side?: string;
  action?: string;
  outcome_side: string;
  book_side: string;
  count_fp: string;
  yes_price_dollars: string;
  no_price_dollars: string;
  is_taker: boolean;
  fee_cost: string;
  created_time?: string;
  ts?: number;
  subaccount_number?: number;
  exchange_index?: number;
}

export interface WireBucketLimit {
  refill_rate: number;
  bucket_capacity: number;
}

export interface WireEndpointCost {
  method: string;
  path: string;
  cost: number;
}

// Requests

export interface CreateQuoteBody {
  rfq_id: string;
  yes_bid: string;
  no_bid: string;
  rest_remainder: boolean;
  post_only?: boolean;
  subaccount?: number;
}

export interface CreateRfqBody {
  market_ticker: string;
  rest_remainder: boolean;
  contracts?: number;
  contracts_fp?: string;
  target_cost_dollars?: string;
  target_cost_centi_cents?: number;
  target_cost_excludes_fees?: boolean;
  replace_existing?: boolean;
  subtrader_id?: string;
  subaccount?: number;
}

export interface AcceptQuoteBody {
  accepted_side: 'yes' | 'no';
}

// Responses

export interface GetCommunicationsIdResponse {
  communications_id: string;
}
export interface CreateRfqResponse {
  id: string;
}
export interface CreateQuoteResponse {
  id: string;
}
export interface GetRfqsResponse {
  rfqs: WireRfq[];
  cursor?: string;
}
export interface GetRfqResponse {
  rfq: WireRfq;
}
export interface GetQuotesResponse {
  quotes: WireQuote[];
  cursor?: string;
}
export interface GetQuoteResponse {
  quote: WireQuote;
}
export interface GetMarketResponse {
  market: WireMarket;
}
export interface GetMarketsResponse {
  markets: WireMarket[];
  cursor?: string;
}
export interface GetOrderBookResponse {
  orderbook_fp: WireOrderBook;
}
export interface GetEventResponse {
  event: WireEvent;
  markets?: WireMarket[];
}
export interface GetSeriesResponse {
  series: WireSeries;
}
export interface GetBalanceResponse {
  balance: number;
  balance_dollars?: string;
  portfolio_value: number;
  updated_ts: number;
}
export interface GetPositionsResponse {
  market_positions: WireMarketPosition[];
  event_positions: WireEventPosition[];
  cursor?: string;
}
export interface GetFillsResponse {
  fills: WireFill[];
  cursor?: string;
}
export interface GetAccountApiLimitsResponse {
  usage_tier: string;
  read: WireBucketLimit;
  write: WireBucketLimit;
  grants?: unknown[];
}
export interface GetEndpointCostsResponse {
  default_cost: number;
  endpoint_costs: WireEndpointCost[];
}
export interface GetExchangeStatusResponse {
  exchange_active: boolean;
  trading_active: boolean;
  exchange_estimated_resume_time?: string;
}

/** Error bodies: `{"error":{code,message,service}}`, or `{"error":"too many requests"}` on 429. */
export interface WireErrorBody {
  error: string | { code?: string; message?: string; service?: string; details?: string };
}

// WebSocket

export interface WsCommand {
  id: number;
  cmd: 'subscribe' | 'unsubscribe' | 'update_subscription' | 'list_subscriptions' | (string & {});
  params?: Record<string, unknown>;
}

export interface WsRfqCreated {
  id: string;
  creator_id: string;
  market_ticker: string;
  event_ticker?: string;
  contracts_fp?: string;
  target_cost_dollars?: string;
  created_ts: string;
  mve_collection_ticker?: string;
  mve_selected_legs?: WireMveLeg[];
}

export interface WsRfqDeleted {
  id: string;
  creator_id: string;
  market_ticker: string;
  event_ticker?: string;
  contracts_fp?: string;
  target_cost_dollars?: string;
  deleted_ts: string;
}

export interface WsQuoteCreated {
  quote_id: string;
  rfq_id: string;
  quote_creator_id: string;
  rfq_creator_id: string;
  market_ticker: string;
  event_ticker?: string;
  yes_bid_dollars: string;
  no_bid_dollars: string;
  yes_contracts_offered_fp?: string;
  no_contracts_offered_fp?: string;
  rfq_target_cost_dollars?: string;
  created_ts: string;
  subaccount?: number;
}

export interface WsQuoteAccepted {
  quote_id: string;
  rfq_id: string;
  quote_creator_id: string;
  rfq_creator_id: string;
  market_ticker: string;
  event_ticker?: string;
  yes_bid_dollars: string;
  no_bid_dollars: string;
  accepted_side?: string;
  contracts_accepted_fp?: string;
  yes_contracts_offered_fp?: string;
  no_contracts_offered_fp?: string;
  rfq_target_cost_dollars?: string;
  subaccount?: number;
}

export interface WsQuoteExecuted {
  quote_id: string;
  rfq_id: string;
  quote_creator_id: string;
  rfq_creator_id: string;
  order_id: string;
  client_order_id: string;
  market_ticker: string;
  executed_ts: string;
  subaccount?: number;
}

export type WsCommunicationsMessage =
  | { type: 'rfq_created'; sid: number; seq: number; msg: WsRfqCreated; sending_ts_ms?: number }
  | { type: 'rfq_deleted'; sid: number; seq: number; msg: WsRfqDeleted; sending_ts_ms?: number }
  | { type: 'quote_created'; sid: number; seq: number; msg: WsQuoteCreated; sending_ts_ms?: number }
  | { type: 'quote_accepted'; sid: number; seq: number; msg: WsQuoteAccepted; sending_ts_ms?: number }
  | { type: 'quote_executed'; sid: number; seq: number; msg: WsQuoteExecuted; sending_ts_ms?: number };
