import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Clock } from '../domain/clock.js';
import { parseCount } from '../domain/money.js';
import { parseTimestamp } from '../domain/time.js';
import type { Rfq } from '../domain/types.js';
import type { WsRfqCreated } from '../kalshi/wire.js';
import type { CompiledRfqFilter } from './filters.js';
import type { RfqBook } from './rfq-book.js';

export interface PushSourceOptions {
  /** `wss://…/trade-api/ws/v2`. */
  readonly url: string;
  /** Fresh signed headers for each (re)connect. */
  readonly sign: () => Readonly<Record<string, string>>;
  readonly book: RfqBook;
  readonly filter: CompiledRfqFilter;
  readonly ownCommunicationsId: () => string | undefined;
  /** Reads the full RFQ (target-cost RFQs: the push message lacks `target_cost_excludes_fees`). */
  readonly fetchRfq: (rfqId: string) => Promise<Rfq>;
  /**
   * Most of those reads in flight at once; further target-cost RFQs are left to the poller (one
   * page read covers 100 RFQs, a burst of single reads would drain the read budget). @default 4
   */
  readonly maxRfqReads?: number;
  /** A quote of ours was accepted or executed: look now instead of at the next poll. */
  readonly onOwnQuoteEvent: (type: 'quote_accepted' | 'quote_executed', quoteId: string) => void;
  readonly logger: Logger;
  readonly clock: Clock;
  /** @default 250 */
  readonly minReconnectMs?: number;
  /** @default 15000 */
  readonly maxReconnectMs?: number;
  /** Largest message accepted; a longer one closes the socket (1009) and it reconnects. @default 8 MiB */
  readonly maxPayloadBytes?: number;
  /** Kalshi pings every 10 s; a silent socket is presumed dead after this. @default 30000 */
  readonly idleTimeoutMs?: number;
  readonly onStateChange?: (connected: boolean) => void;
}

interface Frame {
  readonly type?: unknown;
  readonly sid?: unknown;
  readonly seq?: unknown;
  readonly msg?: unknown;
}

/**
 * Push discovery of RFQs over the `communications` websocket channel: `rfq_created` and
 * `rfq_deleted` feed the same RFQ book as the poller, which keeps running as the reconciler
 * (anything a dropped socket missed, it finds). `quote_accepted` / `quote_executed` for our
 * quotes wake the own-quote watcher at once. Reconnects with jittered back-off, re-signing each
 * time; a sequence gap is logged (the next poll fills it).
 */
export class RfqPushSource {
  readonly #options: PushSourceOptions;
  readonly #log: Logger;
  #socket: WebSocket | undefined;
  #stopped = true;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #connected = false;
  readonly #lastSeq = new Map<number, number>();
  #nextCommandId = 1;
  #rfqReads = 0;

  constructor(options: PushSourceOptions) {
    this.#options = options;
    this.#log = options.logger;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'shutting down');
        setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1_000).unref();
      });
    }
    this.#setConnected(false);
  }

  #connect(): void {
    if (this.#stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#options.url, {
        headers: { ...this.#options.sign() },
        handshakeTimeout: 10_000,
        maxPayload: this.#options.maxPayloadBytes ?? 8 * 1024 * 1024,
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'websocket connect failed');
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#lastSeq.clear();
    socket.on('open', () => {
      this.#attempt = 0;
      this.#setConnected(true);
      this.#touch();
      socket.send(
        JSON.stringify({
          id: this.#nextCommandId++,
          cmd: 'subscribe',
          params: { channels: ['communications'] },
        }),
      );
    });
    socket.on('ping', () => this.#touch());
    socket.on('message', (data) => {
      this.#touch();
      this.#onFrame(data.toString());
    });
    socket.on('unexpected-response', (_request, response) => {
      // 401 here is a signature or clock problem; the REST client will say the same.
      this.#log.warn({ status: response.statusCode }, 'websocket upgrade refused');
    });
    socket.on('error', (error) => this.#log.debug({ err: error }, 'websocket error'));
    socket.on('close', (code) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#setConnected(false);
      if (!this.#stopped) {
        this.#log.info({ code }, 'websocket closed; reconnecting (the poller covers the gap)');
        this.#scheduleReconnect();
      }
    });
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const min = this.#options.minReconnectMs ?? 250;
    const max = this.#options.maxReconnectMs ?? 15_000;
    const delay = Math.min(max, min * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    this.#reconnectTimer.unref?.();
  }

  #touch(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#log.warn('websocket silent for too long; reconnecting');
      this.#socket?.terminate();
    }, this.#options.idleTimeoutMs ?? 30_000);
    this.#idleTimer.unref?.();
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#options.onStateChange?.(connected);
  }

  #onFrame(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.#log.warn({ length: text.length }, 'unparsable websocket frame ignored');
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    this.#checkSeq(frame);
    const msg = (frame.msg ?? {}) as Record<string, unknown>;
    try {
      switch (frame.type) {
        case 'rfq_created':
          this.#rfqCreated(msg as unknown as WsRfqCreated);
          break;
        case 'rfq_deleted':
          if (typeof msg['id'] === 'string') this.#options.book.remove(msg['id']);
          break;
        case 'quote_accepted':
        case 'quote_executed':
          if (
            msg['quote_creator_id'] === this.#options.ownCommunicationsId() &&
            typeof msg['quote_id'] === 'string'
          ) {
            this.#options.onOwnQuoteEvent(frame.type, msg['quote_id']);
          }
          break;
        case 'error':
          this.#log.warn({ error: msg }, 'websocket command error');
          break;
        default:
          break;
      }
    } catch (error) {
      this.#log.warn({ err: error, type: frame.type }, 'malformed websocket message ignored');
    }
  }

  #checkSeq(frame: Frame): void {
    if (typeof frame.sid !== 'number' || typeof frame.seq !== 'number') return;
    const last = this.#lastSeq.get(frame.sid);
    if (last !== undefined && frame.seq !== last + 1) {
      this.#log.warn(
        { sid: frame.sid, expected: last + 1, got: frame.seq },
        'websocket sequence gap; the poller fills it',
      );
    }
    this.#lastSeq.set(frame.sid, frame.seq);
  }

  #rfqCreated(msg: WsRfqCreated): void {
    const { book, filter } = this.#options;
    if (typeof msg.id !== 'string' || typeof msg.market_ticker !== 'string') return;
    if (msg.creator_id === this.#options.ownCommunicationsId()) return;
    if (msg.target_cost_dollars !== undefined && msg.target_cost_dollars !== null) {
      // The push lacks target_cost_excludes_fees, which changes the size we offer: read it.
      if (this.#rfqReads >= (this.#options.maxRfqReads ?? 4)) {
        this.#log.debug({ rfqId: msg.id }, 'RFQ reads busy; the poller will find it');
        return;
      }
      this.#rfqReads++;
      void this.#options
        .fetchRfq(msg.id)
        .then((rfq) => {
          if (filter.reject(rfq) === undefined) book.upsert(rfq);
        })
        .catch((error: unknown) =>
          this.#log.debug({ err: error, rfqId: msg.id }, 'RFQ read failed; the poller will find it'),
        )
        .finally(() => {
          this.#rfqReads--;
        });
      return;
    }
    const rfq: Rfq = {
      id: msg.id,
      creatorId: String(msg.creator_id ?? ''),
      marketTicker: msg.market_ticker,
      ...(typeof msg.event_ticker === 'string' && msg.event_ticker ? { eventTicker: msg.event_ticker } : {}),
      size: { kind: 'contracts', contracts: parseCount(msg.contracts_fp, 'rfq_created.contracts_fp') },
      status: 'open',
      createdAt: parseTimestamp(msg.created_ts, 'rfq_created.created_ts'),
      ...(msg.mve_collection_ticker ? { mveCollectionTicker: msg.mve_collection_ticker } : {}),
    };
    if (rfq.size.kind === 'contracts' && rfq.size.contracts <= 0) return;
    if (filter.reject(rfq) === undefined) book.upsert(rfq);
  }
}
