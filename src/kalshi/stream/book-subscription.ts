/**
 * The `orderbook_delta` subscription of the communications socket: which markets it covers,
 * kept equal to the markets asked for (`watch` / `unwatch`) with `update_subscription`, and
 * fresh snapshots whenever changes may have been missed. Kalshi may refuse some tickers (it is
 * not documented whether combo markets are served): a refused ticker is left to REST reads.
 */
import type { Logger } from 'pino';
import type { Clock, Timer } from '../../domain/clock.js';

/** Kalshi documents no per-command market limit; the REST batch reads' cap is a safe size. */
const TICKERS_PER_COMMAND = 100;
/** Least time between two resynchronisations of every book: losses in a row ask for one. */
const RESYNC_SPACING_MS = 1_000;
/** Refusals of the channel itself (unknown channel, authentication required): no market will do. */
const CHANNEL_REFUSED_CODES: ReadonlySet<number> = new Set([8, 9]);

type Command =
  | { readonly cmd: 'subscribe'; readonly params: Record<string, unknown> }
  | { readonly cmd: 'update_subscription'; readonly params: Record<string, unknown> };

export interface BookSubscriptionHost {
  /** Sends a command on the open socket; returns its id. */
  send(command: Command): number;
  readonly clock: Clock;
  /** These books may have missed changes (their snapshot follows when still covered). */
  lost(tickers: readonly string[] | 'all'): void;
  readonly logger: Logger;
}

interface Pending {
  readonly action: 'subscribe' | 'add_markets';
  readonly tickers: readonly string[];
}

export class BookSubscription {
  readonly #host: BookSubscriptionHost;
  /** The markets asked for. */
  readonly #wanted = new Set<string>();
  /** The markets sent in a subscribe or add_markets not refused: what the exchange serves us. */
  readonly #covered = new Set<string>();
  /** Refused on this connection: read over REST. */
  readonly #refused = new Set<string>();
  readonly #pending = new Map<number, Pending>();
  readonly #refusalCodesLogged = new Set<number | undefined>();
  #open = false;
  /** The exchange refused the channel itself on this connection. */
  #channelRefused = false;
  #sid: number | undefined;
  #syncQueued = false;
  #lastResyncAt = Number.NEGATIVE_INFINITY;
  #resyncTimer: Timer | undefined;

  constructor(host: BookSubscriptionHost) {
    this.#host = host;
  }

  get sid(): number | undefined {
    return this.#sid;
  }

  /** Markets the subscription covers (or is being asked to). */
  get coveredCount(): number {
    return this.#covered.size;
  }

  watch(tickers: readonly string[]): void {
    for (const ticker of tickers) this.#wanted.add(ticker);
    this.#queueSync();
  }

  unwatch(tickers: readonly string[]): void {
    for (const ticker of tickers) this.#wanted.delete(ticker);
    this.#queueSync();
  }

  /** The socket can carry commands (the communications subscription is acknowledged). */
  opened(): void {
    this.#open = true;
    this.#queueSync();
  }

  /** The socket closed: nothing is covered any more. */
  closed(): void {
    this.#resyncTimer?.cancel();
    this.#resyncTimer = undefined;
    const had = this.#covered.size > 0;
    this.#open = false;
    this.#channelRefused = false;
    this.#sid = undefined;
    this.#covered.clear();
    this.#refused.clear();
    this.#pending.clear();
    if (had) this.#host.lost('all');
  }

  /** A `subscribed` answer for `orderbook_delta`; false when it was not ours. */
  subscribed(id: number | undefined, sid: number): boolean {
    if (id === undefined || this.#pending.get(id)?.action !== 'subscribe') return false;
    this.#pending.delete(id);
    this.#sid = sid;
    this.#queueSync();
    return true;
  }

  ok(id: number | undefined): void {
    if (id !== undefined) this.#pending.delete(id);
  }

  /** A command error naming one of our commands; false when it was not ours. */
  refused(id: number | undefined, code: number | undefined): boolean {
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (id === undefined || !pending) return false;
    this.#pending.delete(id);
    for (const ticker of pending.tickers) this.#covered.delete(ticker);
    if (pending.action === 'subscribe' && code !== undefined && CHANNEL_REFUSED_CODES.has(code)) {
      // Asking market by market would only be refused again: not on this connection.
      this.#channelRefused = true;
      this.#host.logger.warn(
        { code },
        'the exchange refused the order book channel; books are read over REST on this connection',
      );
      this.#host.lost('all');
      return true;
    }
    if (pending.tickers.length === 1) {
      const [ticker] = pending.tickers as [string];
      this.#refused.add(ticker);
      // A limit (error 26) would refuse every market past it: each code is told at info once.
      const first = !this.#refusalCodesLogged.has(code);
      this.#refusalCodesLogged.add(code);
      this.#host.logger[first ? 'info' : 'debug'](
        { ticker, code },
        'order book stream refused for this market; its book is read over REST',
      );
    } else {
      // One bad ticker refuses the whole command: ask for each alone.
      for (const ticker of pending.tickers) this.#send('add_markets', [ticker]);
    }
    this.#queueSync();
    return true;
  }

  /**
   * Changes were missed (a sequence gap, a frame we could not read): every book is withdrawn at
   * once and snapshotted again, at most once a second (a run of losses asks for one more after).
   */
  resync(): void {
    this.#host.lost('all');
    if (this.#resyncTimer) return;
    const wait = this.#lastResyncAt + RESYNC_SPACING_MS - this.#host.clock.now();
    if (wait <= 0) {
      this.#snapshotAll();
      return;
    }
    this.#resyncTimer = this.#host.clock.schedule(
      wait,
      () => {
        this.#resyncTimer = undefined;
        this.#snapshotAll();
      },
      { unref: true },
    );
  }

  #snapshotAll(): void {
    this.#lastResyncAt = this.#host.clock.now();
    this.snapshot([...this.#covered]);
  }

  /** Fresh snapshots of these covered books (`get_snapshot`), e.g. one that went inconsistent. */
  snapshot(tickers: readonly string[]): void {
    if (this.#sid === undefined || !this.#open) return;
    this.#update(
      'get_snapshot',
      tickers.filter((t) => this.#covered.has(t)),
    );
  }

  /** The exchange ended the subscription (error 10, 17 or 25 naming its sid): start again. */
  ended(): void {
    this.#sid = undefined;
    this.#covered.clear();
    this.#pending.clear();
    this.#host.lost('all');
    this.#queueSync();
  }

  #queueSync(): void {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    // Asks arrive one market at a time; one command carries those of the same turn.
    queueMicrotask(() => {
      this.#syncQueued = false;
      this.#sync();
    });
  }

  #sync(): void {
    if (!this.#open || this.#channelRefused) return;
    if (this.#sid === undefined) {
      if ([...this.#pending.values()].some((p) => p.action === 'subscribe')) return;
      // Subscribe with one market, add the rest once subscribed: a refused ticker refuses one.
      const first = [...this.#wanted].find((t) => !this.#refused.has(t));
      if (first !== undefined) this.#send('subscribe', [first]);
      return;
    }
    const adds = [...this.#wanted].filter((t) => !this.#covered.has(t) && !this.#refused.has(t));
    const removes = [...this.#covered].filter((t) => !this.#wanted.has(t));
    for (const batch of commandBatches(adds)) this.#send('add_markets', batch);
    for (const ticker of removes) this.#covered.delete(ticker);
    this.#update('delete_markets', removes);
  }

  /** `update_subscription` of our sid, its answers not awaited (nothing to undo on a refusal). */
  #update(action: 'get_snapshot' | 'delete_markets', tickers: readonly string[]): void {
    for (const batch of commandBatches(tickers)) {
      this.#host.send({
        cmd: 'update_subscription',
        params: { sids: [this.#sid], action, market_tickers: batch },
      });
    }
  }

  #send(action: Pending['action'], tickers: readonly string[]): void {
    if (!this.#open) return;
    if (action === 'add_markets' && this.#sid === undefined) return;
    for (const ticker of tickers) this.#covered.add(ticker);
    const id = this.#host.send(
      action === 'subscribe'
        ? { cmd: 'subscribe', params: { channels: ['orderbook_delta'], market_tickers: tickers } }
        : {
            cmd: 'update_subscription',
            params: { sids: [this.#sid], action: 'add_markets', market_tickers: tickers },
          },
    );
    this.#pending.set(id, { action, tickers });
  }
}

/** The tickers in slices of at most TICKERS_PER_COMMAND, one command each. */
function* commandBatches(tickers: readonly string[]): Generator<readonly string[]> {
  for (let at = 0; at < tickers.length; at += TICKERS_PER_COMMAND) {
    yield tickers.slice(at, at + TICKERS_PER_COMMAND);
  }
}
