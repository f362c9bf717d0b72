/**
 * The simulator's `orderbook_delta` channel: a snapshot per market, then one delta per changed
 * level, coalesced per turn; `update_subscription` adds, removes and snapshots markets. Only
 * watched markets' changes cost anything.
 */

import type { Clock } from '../domain/clock.js';
import type { Centis, Micros } from '../domain/money.js';
import { count, dollars4 } from './format.js';
import type { Faults } from './http/faults.js';
import type { SimMarket, World } from './world/world.js';
import {
  type BookAction,
  type Connection,
  marketFilter,
  type SentBook,
  SIDES,
  type Subscription,
  WS_ERRORS,
  WsCommandError,
} from './ws-protocol.js';

/** What the channel needs of the websocket server. */
export interface BookChannelHost {
  readonly world: World;
  readonly clock: Clock;
  readonly faults: Faults;
  connections(): Iterable<Connection>;
  /** Sends one data frame on `sub`; false when the subscription overflowed instead (it ended). */
  deliver(conn: Connection, sub: Subscription, type: string, msg: unknown): boolean;
  send(conn: Connection, message: unknown): void;
  error(conn: Connection, id: number | undefined, err: readonly [number, string]): void;
}

export class BookChannel {
  readonly #host: BookChannelHost;
  /** `orderbook_delta` subscriptions per market: only these markets' changes cost anything. */
  readonly #watched = new Map<string, number>();
  /** Watched markets changed since the last flush (deltas go out once per turn). */
  readonly #dirty = new Set<string>();
  #flushQueued = false;

  constructor(host: BookChannelHost) {
    this.#host = host;
  }

  /** A subscription ended (unsubscribe, overflow, disconnect): its markets are no longer watched. */
  released(sub: Subscription): void {
    for (const ticker of sub.books?.keys() ?? []) this.#unwatch(ticker);
  }

  clear(): void {
    this.#watched.clear();
    this.#dirty.clear();
  }

  /** `orderbook_delta` needs markets, every one known; then a snapshot of each. */
  subscribe(conn: Connection, id: number | undefined, markets: ReadonlySet<string> | undefined): void {
    if (!markets) {
      this.#host.error(conn, id, WS_ERRORS.marketTickerRequired);
      return;
    }
    const found = this.#knownMarkets(markets);
    if (!found) {
      this.#host.error(conn, id, WS_ERRORS.marketNotFound);
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
    this.#host.send(conn, {
      ...(id ? { id } : {}),
      type: 'subscribed',
      msg: { channel: sub.channel, sid: sub.sid },
    });
    for (const market of found) {
      this.#watch(market.ticker);
      if (!this.#snapshot(conn, sub, market, true)) return;
    }
  }

  /**
   * `update_subscription` on `orderbook_delta`: `add_markets` (snapshot each new one),
   * `delete_markets`, `get_snapshot` (a fresh snapshot; the subscription unchanged). Answers
   * `{"id","type":"ok","sid","seq","msg":{"market_tickers":[every subscribed market]}}`
   * after the snapshots.
   */
  update(
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
          : marketFilter({ market_tickers: params['market_tickers'] })
        : marketFilter(params);
    if (!markets) throw new WsCommandError(WS_ERRORS.marketTickerRequired);
    const found = this.#knownMarkets(markets);
    if (!found) throw new WsCommandError(WS_ERRORS.marketNotFound);
    for (const market of found) {
      const subscribed = books.has(market.ticker);
      if (action === 'delete_markets') {
        if (!subscribed) continue;
        books.delete(market.ticker);
        this.#unwatch(market.ticker);
        continue;
      }
      if (action === 'add_markets') {
        if (subscribed) continue;
        this.#watch(market.ticker);
      }
      // get_snapshot of a market not subscribed: one snapshot, not added (nothing follows it)
      if (!this.#snapshot(conn, sub, market, action === 'add_markets' || subscribed)) return;
    }
    this.#host.send(conn, {
      ...(id ? { id } : {}),
      type: 'ok',
      sid: sub.sid,
      seq: sub.seq,
      msg: { market_tickers: [...books.keys()] },
    });
  }

  /** The markets of a list, or undefined when any is unknown. */
  #knownMarkets(tickers: ReadonlySet<string>): SimMarket[] | undefined {
    const found: SimMarket[] = [];
    for (const ticker of tickers) {
      const market = this.#host.world.market(ticker);
      if (!market) return undefined;
      found.push(market);
    }
    return found;
  }

  /** Sends `orderbook_snapshot`; `track` makes it the base of the market's deltas on `sub`. */
  #snapshot(conn: Connection, sub: Subscription, market: SimMarket, track: boolean): boolean {
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
    return this.#host.deliver(conn, sub, 'orderbook_snapshot', msg);
  }

  #watch(ticker: string): void {
    this.#watched.set(ticker, (this.#watched.get(ticker) ?? 0) + 1);
  }

  #unwatch(ticker: string): void {
    const n = (this.#watched.get(ticker) ?? 0) - 1;
    if (n > 0) this.#watched.set(ticker, n);
    else this.#watched.delete(ticker);
  }

  /** A book changed: if anyone watches it, its deltas go out at the end of this turn. */
  changed(ticker: string): void {
    if (!this.#watched.has(ticker)) return;
    this.#dirty.add(ticker);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  /** Each changed (side, price) of every dirty market, to each subscription holding it. */
  #flush(): void {
    this.#flushQueued = false;
    if (this.#dirty.size === 0) return;
    const tickers = [...this.#dirty];
    this.#dirty.clear();
    const now = this.#host.clock.now();
    for (const c of this.#host.connections()) {
      for (const sub of [...c.subs.values()]) {
        if (!sub.books) continue;
        for (const ticker of tickers) {
          const sent = sub.books.get(ticker);
          const market = this.#host.world.market(ticker);
          // a subscription that overflowed is gone: nothing more for it
          if (sent && market && !this.#sendDeltas(c, sub, market, sent, now)) break;
        }
      }
    }
  }

  /** Diffs the book against what `sub` holds; false when the subscription ended (overflow). */
  #sendDeltas(conn: Connection, sub: Subscription, market: SimMarket, sent: SentBook, now: number): boolean {
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
        if (this.#host.faults.dropBookDelta()) {
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
        if (!this.#host.deliver(conn, sub, 'orderbook_delta', msg)) return false;
      }
    }
    return true;
  }
}
