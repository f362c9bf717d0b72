/** The simulator websocket's shared vocabulary: channels, Kalshi's error codes, subscriptions. */
import type { WebSocket } from 'ws';
import type { Centis, Micros } from '../domain/money.js';
import type { Side } from '../domain/types.js';
import type { SimUser } from './accounts/accounts.js';

export const WS_CHANNELS = ['communications', 'fill', 'market_positions', 'orderbook_delta'] as const;
export type Channel = (typeof WS_CHANNELS)[number];

/** Kalshi's websocket error codes (fact sheet §9). */
export const WS_ERRORS = {
  unableToProcess: [1, 'Unable to process message'],
  paramsRequired: [2, 'Params required'],
  channelsRequired: [3, 'Channels required'],
  sidsRequired: [4, 'Subscription IDs required'],
  unknownCommand: [5, 'Unknown command'],
  unknownSid: [7, 'Unknown subscription ID'],
  unknownChannel: [8, 'Unknown channel name'],
  invalidParameter: [11, 'Invalid parameter'],
  exactlyOneSid: [12, 'Exactly one subscription ID is required'],
  unsupportedAction: [13, 'Unsupported action'],
  marketTickerRequired: [14, 'Market ticker required'],
  actionRequired: [15, 'Action required'],
  marketNotFound: [16, 'Market not found'],
  shardFactor: [19, 'shard_factor must be between 1 and 100'],
  shardKeyRequired: [20, 'shard_key is required with shard_factor'],
  shardKeyRange: [21, 'shard_key must be at least 0 and below shard_factor'],
  shardFactorRequired: [22, 'shard_factor is required with shard_key'],
  bufferOverflow: [25, 'Subscription buffer overflow'],
} as const satisfies Record<string, readonly [number, string]>;

/** A command refused with one of Kalshi's codes (answered as an `error` frame). */
export class WsCommandError extends Error {
  override readonly name = 'WsCommandError';
  constructor(readonly error: readonly [number, string]) {
    super(error[1]);
  }
}

export interface Subscription {
  readonly sid: number;
  readonly channel: Channel;
  seq: number;
  readonly selfOnly: boolean;
  readonly shard?: { readonly factor: number; readonly key: number };
  /** `market_ticker(s)` on the private channels; absent = every market. */
  readonly markets?: ReadonlySet<string>;
  /** `orderbook_delta`: per subscribed market, the levels the client holds (snapshot + deltas sent). */
  readonly books?: Map<string, SentBook>;
}

/** One market's aggregated levels as last sent on a subscription: price → count per side. */
export type SentBook = Record<Side, Map<Micros, Centis>>;

export const SIDES: readonly Side[] = ['yes', 'no'];

/** `update_subscription` actions of the `orderbook_delta` channel. */
export const BOOK_ACTIONS = ['add_markets', 'delete_markets', 'get_snapshot'] as const;
export type BookAction = (typeof BOOK_ACTIONS)[number];

export interface Connection {
  readonly ws: WebSocket;
  readonly user: SimUser;
  readonly subs: Map<number, Subscription>;
  nextSid: number;
}

/** `market_ticker` / `market_tickers` of a subscribe (the market list of private channels). */
export function marketFilter(params: Record<string, unknown>): ReadonlySet<string> | undefined {
  const one = params['market_ticker'];
  const many = params['market_tickers'];
  if (one === undefined && many === undefined) return undefined;
  const list = [
    ...(one === undefined ? [] : [one]),
    ...(Array.isArray(many) ? many : many === undefined ? [] : [many]),
  ];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.length === 0))
    throw new WsCommandError(WS_ERRORS.invalidParameter);
  return new Set(list as string[]);
}
