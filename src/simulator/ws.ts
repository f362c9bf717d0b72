import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Centis, Micros } from '../domain/money.js';
import type { Side } from '../domain/types.js';
import { WS_PATH } from '../kalshi/wire.js';
import type { SimUser } from './accounts/accounts.js';
import { fillToWs, positionToWs } from './accounts/wire.js';
import type { SimContext } from './context.js';
import { SimError } from './errors.js';
import type { SimQuote, SimRfq } from './exchange/types.js';
import {
  wsQuoteAccepted,
  wsQuoteCreated,
  wsQuoteExecuted,
  wsRfqCreated,
  wsRfqDeleted,
} from './exchange/wire.js';
import { count, dollars4 } from './format.js';
import { type AuthConfig, authenticate } from './http/auth.js';
import type { SimMarket } from './world/world.js';

export const WS_CHANNELS = ['communications', 'fill', 'market_positions', 'orderbook_delta'] as const;
type Channel = (typeof WS_CHANNELS)[number];

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

class WsCommandError extends Error {
  override readonly name = 'WsCommandError';
  constructor(readonly error: readonly [number, string]) {
    super(error[1]);
  }
}

interface Subscription {
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
type SentBook = Record<Side, Map<Micros, Centis>>;

const SIDES: readonly Side[] = ['yes', 'no'];

/** `update_subscription` actions of the `orderbook_delta` channel. */
const BOOK_ACTIONS = ['add_markets', 'delete_markets', 'get_snapshot'] as const;
type BookAction = (typeof BOOK_ACTIONS)[number];

interface Connection {
  readonly ws: WebSocket;
  readonly user: SimUser;
  readonly subs: Map<number, Subscription>;
  nextSid: number;
}

export interface WsOptions {
  /** Server pings (payload "heartbeat") this often; Kalshi uses 10 s. @default 10000 */
  readonly pingIntervalMs: number;
  /** Unsent bytes on a socket before its subscriptions overflow (error 25). @default 8 MiB */
  readonly maxBufferedBytes: number;
}

function shardOf(id: string, factor: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % factor;
}

/**
 * `/trade-api/ws/v2`: a signed upgrade, then the `communications`, `fill`, `market_positions`
 * and `orderbook_delta` channels.
 */
export class SimWebSocket {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly connections = new Set<Connection>();
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  /** `orderbook_delta` subscriptions per market: only these markets' changes cost anything. */
  private readonly watched = new Map<string, number>();
  /** Watched markets changed since the last flush (deltas go out once per turn). */
  private readonly dirty = new Set<string>();
  private flushQueued = false;

  constructor(
    private readonly sim: SimContext,
    server: Server,
    private readonly auth: AuthConfig,
    private readonly options: WsOptions,
  ) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    if (options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => {
        for (const c of this.connections) if (c.ws.readyState === WebSocket.OPEN) c.ws.ping('heartbeat');
      }, options.pingIntervalMs);
    }
    const bus = sim.bus;
    this.unsubscribe.push(
      bus.on('rfqCreated', (rfq) => {
        const msg = wsRfqCreated(rfq);
        this.rfqEvent('rfq_created', rfq, () => msg);
      }),
      bus.on('rfqClosed', (rfq) => this.rfqEvent('rfq_deleted', rfq, (u) => wsRfqDeleted(rfq, u))),
      bus.on('quoteCreated', (q) => this.quoteEvent('quote_created', q, (u) => wsQuoteCreated(q, u))),
      bus.on('quoteAccepted', (q) => this.quoteEvent('quote_accepted', q, (u) => wsQuoteAccepted(q, u))),
      bus.on('quoteExecuted', (q) => this.quoteEvent('quote_executed', q, (u) => wsQuoteExecuted(q, u))),
      bus.on('fill', (fill) =>
        this.privateEvent('fill', 'fill', fill.user, fill.ticker, () => fillToWs(fill)),
      ),
      bus.on('positionChanged', ({ user, position }) =>
        this.privateEvent('market_positions', 'market_position', user, position.ticker, () =>
          positionToWs(user, position),
        ),
      ),
      sim.world.onBookChanged((market) => this.bookChanged(market.ticker)),
    );
  }

  /** Open connections (for the admin API). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Terminates every connection without closing the server (clients reconnect). */
  dropAll(): number {
    const count = this.connections.size;
    for (const c of this.connections) c.ws.terminate();
    return count;
  }

  close(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const off of this.unsubscribe) off();
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    this.watched.clear();
    this.dirty.clear();
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const reject = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    if (path !== WS_PATH) {
      reject(404, new SimError(404, 'not_found', 'not found').body());
      return;
    }
    let user: SimUser;
    try {
      user = authenticate(req.headers, 'GET', WS_PATH, this.sim.accounts, this.auth);
    } catch (err) {
      this.sim.counters.authFailures++;
      reject(401, err instanceof SimError ? err.body() : { error: 'unauthorized' });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Connection = { ws, user, subs: new Map(), nextSid: 1 };
      this.connections.add(conn);
      ws.on('message', (data) => this.command(conn, data.toString()));
      ws.on('close', () => this.disconnect(conn));
      ws.on('error', () => this.disconnect(conn));
    });
  }

  private disconnect(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    for (const sub of [...conn.subs.values()]) this.drop(conn, sub);
  }

  /** Ends a subscription (unsubscribe, overflow, disconnect). */
  private drop(conn: Connection, sub: Subscription): void {
    conn.subs.delete(sub.sid);
    for (const ticker of sub.books?.keys() ?? []) this.unwatch(ticker);
  }

  private send(conn: Connection, message: unknown): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(message));
  }

  private error(
    conn: Connection,
    id: number | undefined,
    err: readonly [number, string],
    sid?: number,
  ): void {
    this.send(conn, {
      ...(id ? { id } : {}),
      type: 'error',
      msg: { code: err[0], msg: err[1], ...(sid === undefined ? {} : { sid }) },
    });
  }

  private command(conn: Connection, text: string): void {
    let cmd: { id?: unknown; cmd?: unknown; params?: unknown };
    try {
      cmd = JSON.parse(text) as typeof cmd;
    } catch {
      this.error(conn, undefined, WS_ERRORS.unableToProcess);
      return;
    }
    const id = typeof cmd.id === 'number' && cmd.id > 0 ? cmd.id : undefined;
    try {
      this.dispatch(conn, id, cmd.cmd, cmd.params as Record<string, unknown> | undefined);
    } catch (err) {
      if (!(err instanceof WsCommandError)) throw err;
      this.error(conn, id, err.error);
    }
  }

  private dispatch(
    conn: Connection,
    id: number | undefined,
    name: unknown,
    params: Record<string, unknown> | undefined,
  ): void {
    switch (name) {
      case 'subscribe':
        this.subscribe(conn, id, params);
        return;
      case 'unsubscribe': {
        if (!params) throw new WsCommandError(WS_ERRORS.paramsRequired);
        const sids = params['sids'];
        if (!Array.isArray(sids) || sids.length === 0) throw new WsCommandError(WS_ERRORS.sidsRequired);
        for (const sid of sids) {
          const sub = typeof sid === 'number' ? conn.subs.get(sid) : undefined;
          if (!sub) {
            this.error(conn, id, WS_ERRORS.unknownSid);
            continue;
          }
          this.drop(conn, sub);
          this.send(conn, { ...(id ? { id } : {}), sid: sub.sid, seq: sub.seq, type: 'unsubscribed' });
        }
        return;
      }
      case 'list_subscriptions':
        this.send(conn, {
          ...(id ? { id } : {}),
          type: 'ok',
          msg: [...conn.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid })),
        });
        return;
      case 'update_subscription': {
        if (!params) throw new WsCommandError(WS_ERRORS.paramsRequired);
        const sids = params['sids'];
        const sid = params['sid'] ?? (Array.isArray(sids) && sids.length === 1 ? sids[0] : undefined);
        if (sid === undefined) throw new WsCommandError(WS_ERRORS.exactlyOneSid);
        const sub = typeof sid === 'number' ? conn.subs.get(sid) : undefined;
        if (!sub) throw new WsCommandError(WS_ERRORS.unknownSid);
        const action = params['action'];
        if (action === undefined) throw new WsCommandError(WS_ERRORS.actionRequired);
        // the RFQ and private channels carry no market list or snapshot to update
        if (!sub.books || !(BOOK_ACTIONS as readonly unknown[]).includes(action))
          throw new WsCommandError(WS_ERRORS.unsupportedAction);
        this.updateBooks(conn, id, sub, sub.books, action as BookAction, params);
        return;
      }
      default:
        throw new WsCommandError(WS_ERRORS.unknownCommand);
    }
  }

  private subscribe(
    conn: Connection,
    id: number | undefined,
    params: Record<string, unknown> | undefined,
  ): void {
    if (!params) throw new WsCommandError(WS_ERRORS.paramsRequired);
    const channels = params['channels'];
    if (!Array.isArray(channels) || channels.length === 0)
      throw new WsCommandError(WS_ERRORS.channelsRequired);
    const userFilter = params['user_filter'];
    if (userFilter !== undefined && userFilter !== 'self')
      throw new WsCommandError(WS_ERRORS.invalidParameter);
    const factor = params['shard_factor'];
    const key = params['shard_key'];
    let shard: Subscription['shard'];
    if (factor !== undefined || key !== undefined) {
      if (factor === undefined) throw new WsCommandError(WS_ERRORS.shardFactorRequired);
      if (typeof factor !== 'number' || !Number.isInteger(factor) || factor < 1 || factor > 100) {
        throw new WsCommandError(WS_ERRORS.shardFactor);
      }
      if (key === undefined) throw new WsCommandError(WS_ERRORS.shardKeyRequired);
      if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= factor) {
        throw new WsCommandError(WS_ERRORS.shardKeyRange);
      }
      shard = { factor, key };
    }
    const markets = this.marketFilter(params);
    for (const channel of channels) {
      if (!(WS_CHANNELS as readonly unknown[]).includes(channel)) {
        this.error(conn, id, WS_ERRORS.unknownChannel);
        continue;
      }
      if (channel === 'orderbook_delta') {
        this.subscribeBooks(conn, id, markets);
        continue;
      }
      const sub: Subscription = {
        sid: conn.nextSid++,
        channel: channel as Channel,
        seq: 0,
        selfOnly: userFilter === 'self',
        ...(shard ? { shard } : {}),
        ...(markets && channel !== 'communications' ? { markets } : {}),
      };
      conn.subs.set(sub.sid, sub);
      this.send(conn, {
        ...(id ? { id } : {}),
        type: 'subscribed',
        msg: { channel: sub.channel, sid: sub.sid },
      });
    }
  }

  /** Sends one data frame; false when the subscription overflowed instead (error 25, it ends). */
  private deliver(conn: Connection, sub: Subscription, type: string, msg: unknown): boolean {
    if (conn.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.drop(conn, sub);
      this.error(conn, undefined, WS_ERRORS.bufferOverflow, sub.sid);
      return false;
    }
    sub.seq += 1;
    this.send(conn, { type, sid: sub.sid, seq: sub.seq, msg, sending_ts_ms: Date.now() });
    return true;
  }

  /** `orderbook_delta` needs markets, every one known; then a snapshot of each. */
  private subscribeBooks(
    conn: Connection,
    id: number | undefined,
    markets: ReadonlySet<string> | undefined,
  ): void {
    if (!markets) {
      this.error(conn, id, WS_ERRORS.marketTickerRequired);
      return;
    }
    const found = this.knownMarkets(markets);
    if (!found) {
      this.error(conn, id, WS_ERRORS.marketNotFound);
      return;
    }
    const sub: Subscription = {
      sid: conn.nextSid++,
      channel: 'orderbook_delta',
      seq: 0,
      selfOnly: false,
      books: new Map(),
    };
    conn.subs.set(sub.sid, sub);
    this.send(conn, {
      ...(id ? { id } : {}),
      type: 'subscribed',
      msg: { channel: sub.channel, sid: sub.sid },
    });
    for (const market of found) {
      this.watch(market.ticker);
      if (!this.snapshot(conn, sub, market, true)) return;
    }
  }

  /**
   * `update_subscription` on `orderbook_delta`: `add_markets` (snapshot each new one),
   * `delete_markets`, `get_snapshot` (a fresh snapshot; the subscription unchanged). Answers
   * `{"id","type":"ok","sid","seq","msg":{"market_tickers":[every subscribed market]}}`
   * after the snapshots.
   */
  private updateBooks(
    conn: Connection,
    id: number | undefined,
    sub: Subscription,
    books: Map<string, SentBook>,
    action: BookAction,
    params: Record<string, unknown>,
  ): void {
    // get_snapshot takes only `market_tickers` (changelog 2026-04-20)
    const markets =
      action === 'get_snapshot'
        ? params['market_tickers'] === undefined
          ? undefined
          : this.marketFilter({ market_tickers: params['market_tickers'] })
        : this.marketFilter(params);
    if (!markets) throw new WsCommandError(WS_ERRORS.marketTickerRequired);
    const found = this.knownMarkets(markets);
    if (!found) throw new WsCommandError(WS_ERRORS.marketNotFound);
    for (const market of found) {
      const subscribed = books.has(market.ticker);
      if (action === 'delete_markets') {
        if (!subscribed) continue;
        books.delete(market.ticker);
        this.unwatch(market.ticker);
        continue;
      }
      if (action === 'add_markets') {
        if (subscribed) continue;
        this.watch(market.ticker);
      }
      // get_snapshot of a market not subscribed: one snapshot, not added (nothing follows it)
      if (!this.snapshot(conn, sub, market, action === 'add_markets' || subscribed)) return;
    }
    this.send(conn, {
      ...(id ? { id } : {}),
      type: 'ok',
      sid: sub.sid,
      seq: sub.seq,
      msg: { market_tickers: [...books.keys()] },
    });
  }

  /** The markets of a list, or undefined when any is unknown. */
  private knownMarkets(tickers: ReadonlySet<string>): SimMarket[] | undefined {
    const found: SimMarket[] = [];
    for (const ticker of tickers) {
      const market = this.sim.world.market(ticker);
      if (!market) return undefined;
      found.push(market);
    }
    return found;
  }

  /** Sends `orderbook_snapshot`; `track` makes it the base of the market's deltas on `sub`. */
  private snapshot(conn: Connection, sub: Subscription, market: SimMarket, track: boolean): boolean {
    const sent: SentBook = { yes: new Map(), no: new Map() };
    const msg: Record<string, unknown> = { market_ticker: market.ticker, market_id: market.ticker };
    for (const side of SIDES) {
      const levels = market.book.levels(side);
      for (const l of levels) sent[side].set(l.price, l.count);
      // an empty side has no key (Kalshi's snapshot)
      if (levels.length > 0)
        msg[`${side}_dollars_fp`] = levels.map((l) => [dollars4(l.price), count(l.count)]);
    }
    if (track) sub.books?.set(market.ticker, sent);
    return this.deliver(conn, sub, 'orderbook_snapshot', msg);
  }

  private watch(ticker: string): void {
    this.watched.set(ticker, (this.watched.get(ticker) ?? 0) + 1);
  }

  private unwatch(ticker: string): void {
    const n = (this.watched.get(ticker) ?? 0) - 1;
    if (n > 0) this.watched.set(ticker, n);
    else this.watched.delete(ticker);
  }

  /** A book changed: if anyone watches it, its deltas go out at the end of this turn. */
  private bookChanged(ticker: string): void {
    if (!this.watched.has(ticker)) return;
    this.dirty.add(ticker);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flushBooks());
  }

  /** Each changed (side, price) of every dirty market, to each subscription holding it. */
  private flushBooks(): void {
    this.flushQueued = false;
    if (this.dirty.size === 0) return;
    const tickers = [...this.dirty];
    this.dirty.clear();
    const now = this.sim.clock.now();
    for (const c of this.connections) {
      for (const sub of [...c.subs.values()]) {
        if (!sub.books) continue;
        for (const ticker of tickers) {
          const sent = sub.books.get(ticker);
          const market = this.sim.world.market(ticker);
          // a subscription that overflowed is gone: nothing more for it
          if (sent && market && !this.sendDeltas(c, sub, market, sent, now)) break;
        }
      }
    }
  }

  /** Diffs the book against what `sub` holds; false when the subscription ended (overflow). */
  private sendDeltas(
    conn: Connection,
    sub: Subscription,
    market: SimMarket,
    sent: SentBook,
    now: number,
  ): boolean {
    for (const side of SIDES) {
      const held = sent[side];
      const current = new Map(market.book.levels(side).map((l) => [l.price, l.count]));
      const changes: [Micros, Centis][] = [];
      for (const [price, n] of current)
        if (n !== (held.get(price) ?? 0)) changes.push([price, n - (held.get(price) ?? 0)]);
      for (const [price, n] of held) if (!current.has(price)) changes.push([price, -n]);
      if (changes.length === 0) continue;
      changes.sort((a, b) => a[0] - b[0]);
      sent[side] = current;
      for (const [price, delta] of changes) {
        // the fault: a frame lost on the way, its seq spent (the client sees a gap)
        if (this.sim.faults.dropBookDelta()) {
          sub.seq += 1;
          continue;
        }
        const msg = {
          market_ticker: market.ticker,
          market_id: market.ticker,
          price_dollars: dollars4(price),
          delta_fp: count(delta),
          side,
          ts_ms: now,
        };
        if (!this.deliver(conn, sub, 'orderbook_delta', msg)) return false;
      }
    }
    return true;
  }

  /** `market_ticker` / `market_tickers` of a subscribe (the market list of private channels). */
  private marketFilter(params: Record<string, unknown>): ReadonlySet<string> | undefined {
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

  private rfqEvent(
    type: 'rfq_created' | 'rfq_deleted',
    rfq: SimRfq,
    msg: (viewer: SimUser) => unknown,
  ): void {
    for (const c of this.connections) {
      for (const sub of c.subs.values()) {
        if (sub.channel !== 'communications') continue;
        if (sub.selfOnly && rfq.creator !== c.user) continue;
        if (sub.shard && shardOf(rfq.id, sub.shard.factor) !== sub.shard.key) continue;
        this.deliver(c, sub, type, msg(c.user));
      }
    }
  }

  /** A user's own event on a private channel, to its subscriptions covering the market. */
  private privateEvent(
    channel: Channel,
    type: string,
    user: SimUser,
    ticker: string,
    msg: () => unknown,
  ): void {
    for (const c of this.connections) {
      if (c.user !== user) continue;
      for (const sub of c.subs.values())
        if (sub.channel === channel && (!sub.markets || sub.markets.has(ticker)))
          this.deliver(c, sub, type, msg());
    }
  }

  /** Quote events go only to the quote's maker and the RFQ's creator. */
  private quoteEvent(type: string, quote: SimQuote, msg: (viewer: SimUser) => unknown): void {
    for (const c of this.connections) {
      if (c.user !== quote.creator && c.user !== quote.rfq.creator) continue;
      for (const sub of c.subs.values())
        if (sub.channel === 'communications') this.deliver(c, sub, type, msg(c.user));
    }
  }
}
