import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
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
import { type AuthConfig, authenticate } from './http/auth.js';
import { BookChannel } from './ws-books.js';
import {
  BOOK_ACTIONS,
  type BookAction,
  type Channel,
  type Connection,
  marketFilter,
  type Subscription,
  WS_CHANNELS,
  WS_ERRORS,
  WsCommandError,
} from './ws-protocol.js';

export { WS_CHANNELS, WS_ERRORS } from './ws-protocol.js';

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
  private readonly books: BookChannel;

  constructor(
    private readonly sim: SimContext,
    server: Server,
    private readonly auth: AuthConfig,
    private readonly options: WsOptions,
  ) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    this.books = new BookChannel({
      world: sim.world,
      clock: sim.clock,
      faults: sim.faults,
      connections: () => this.connections,
      deliver: (conn, sub, type, msg) => this.deliver(conn, sub, type, msg),
      send: (conn, message) => this.send(conn, message),
      error: (conn, id, err) => this.error(conn, id, err),
    });
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
      sim.world.onBookChanged((market) => this.books.changed(market.ticker)),
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
    this.books.clear();
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
    this.books.released(sub);
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
        this.books.update(conn, id, sub, sub.books, action as BookAction, params);
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
    const markets = marketFilter(params);
    for (const channel of channels) {
      if (!(WS_CHANNELS as readonly unknown[]).includes(channel)) {
        this.error(conn, id, WS_ERRORS.unknownChannel);
        continue;
      }
      if (channel === 'orderbook_delta') {
        this.books.subscribe(conn, id, markets);
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
