/**
 * The signed `communications` websocket as a stream of domain events. It owns the connection:
 * a freshly signed upgrade each time, the subscription, reconnects with jittered back-off, a
 * silence watchdog (pings of its own before giving up), sequence-gap detection, and resubscribing
 * when the exchange ends the subscription. Frames are read by the same checked reader as REST; a
 * frame that cannot be read is logged, counted and dropped whole, never half-delivered.
 */
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { repeatEvery, type Timer } from '../../domain/clock.js';
import { signWebSocketHandshake } from '../auth.js';
import { backoffDelay } from '../retry.js';
import { BookSubscription } from './book-subscription.js';
import {
  type CommunicationsEvent,
  type CommunicationsStreamEvents,
  isBookFrameType,
  type StreamDisconnect,
  StreamFrameError,
} from './events.js';
import { parseFrame, type StreamFrame } from './frames.js';
import type { CommunicationsStreamOptions, StreamDeps, StreamStats } from './stream-options.js';

export type { CommunicationsStreamOptions, StreamDeps, StreamStats } from './stream-options.js';

/** Codes after which the exchange no longer serves the subscription (fact sheet §9): resubscribe. */
const SUBSCRIPTION_LOST_CODES: ReadonlySet<number> = new Set([10, 17, 25]);
const CLOSE_WAIT_MS = 1_000;

type Listeners = { [K in keyof CommunicationsStreamEvents]: CommunicationsStreamEvents[K][] };

export class CommunicationsStream {
  readonly #options: Required<CommunicationsStreamOptions>;
  readonly #deps: StreamDeps;
  readonly #log: Logger;
  readonly #listeners: Listeners = {
    rfqCreated: [],
    rfqDeleted: [],
    quoteCreated: [],
    quoteAccepted: [],
    quoteExecuted: [],
    fill: [],
    ownRfqCreated: [],
    connected: [],
    fillsConnected: [],
    disconnected: [],
    gap: [],
    bookSnapshot: [],
    bookDelta: [],
    booksLost: [],
    malformed: [],
  };
  #socket: WebSocket | undefined;
  #stopped = true;
  #attempt = 0;
  #reconnectTimer: Timer | undefined;
  /** Per-connection timers (watchdog, subscribe time-out), cancelled when it closes. */
  #connectionTimers: Timer[] = [];
  #lastHeardAt = 0;
  #nextCommandId = 1;
  #subscribeCommandId: number | undefined;
  #sid: number | undefined;
  #fillCommandId: number | undefined;
  #fillSid: number | undefined;
  /** The `user_filter: self` subscription (ownRfqs option): its command and its sid. */
  #ownCommandId: number | undefined;
  #ownSid: number | undefined;
  readonly #lastSeq = new Map<number, number>();
  /** Malformed (type, field) pairs already logged at warn: a flood logs once per kind. */
  readonly #malformedSeen = new Set<string>();
  #stats = { connects: 0, events: 0, malformedFrames: 0, gaps: 0 };
  readonly #books: BookSubscription;

  constructor(options: CommunicationsStreamOptions, deps: StreamDeps) {
    this.#options = {
      minReconnectMs: 250,
      maxReconnectMs: 15_000,
      idleTimeoutMs: 30_000,
      subscribeTimeoutMs: 10_000,
      handshakeTimeoutMs: 10_000,
      maxPayloadBytes: 8 * 1024 * 1024,
      fills: false,
      ownRfqs: false,
      books: false,
      ...options,
    };
    this.#deps = deps;
    this.#log = deps.logger.child({ stream: 'communications' });
    this.#books = new BookSubscription({
      send: (command) => this.#command(command),
      lost: (tickers) => this.#emit('booksLost', tickers),
      clock: deps.clock,
      logger: this.#log,
    });
  }

  /** Streams these markets' books (`bookSnapshot`, then `bookDelta`), with the `books` option. */
  watchBooks(tickers: readonly string[]): void {
    if (this.#options.books) this.#books.watch(tickers);
  }

  unwatchBooks(tickers: readonly string[]): void {
    if (this.#options.books) this.#books.unwatch(tickers);
  }

  /** Asks for fresh snapshots of these books (one that could not be applied, say). */
  resyncBooks(tickers: readonly string[]): void {
    this.#books.snapshot(tickers);
  }

  /** Markets whose books the stream covers or is asking for. */
  get streamedBooks(): number {
    return this.#books.coveredCount;
  }

  /** Subscribed: pushes are flowing. */
  get connected(): boolean {
    return this.#sid !== undefined;
  }

  /** The `fill` channel is subscribed (only with the `fills` option). */
  get fillsConnected(): boolean {
    return this.#fillSid !== undefined;
  }

  get stats(): StreamStats {
    return { ...this.#stats };
  }

  /** Adds a listener; returns its removal. A listener that throws is logged, never fatal. */
  on<K extends keyof CommunicationsStreamEvents>(
    name: K,
    listener: CommunicationsStreamEvents[K],
  ): () => void {
    const list = this.#listeners[name] as CommunicationsStreamEvents[K][];
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Closes the socket (waiting at most a second for the close handshake); no reconnect follows. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#endConnection({ reason: 'stopped' });
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'shutting down');
      // A hard real-time bound: a peer that never answers the close must not hold shutdown.
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, CLOSE_WAIT_MS).unref();
    });
  }

  #emit<K extends keyof CommunicationsStreamEvents>(
    name: K,
    ...args: Parameters<CommunicationsStreamEvents[K]>
  ): void {
    for (const listener of [...this.#listeners[name]]) {
      try {
        (listener as (...a: Parameters<CommunicationsStreamEvents[K]>) => void)(...args);
      } catch (error) {
        this.#log.warn({ err: error, event: name }, 'communications stream listener threw; ignored');
      }
    }
  }

  #connect(): void {
    if (this.#stopped) return;
    const { url, handshakeTimeoutMs, maxPayloadBytes } = this.#options;
    let socket: WebSocket;
    try {
      const headers = signWebSocketHandshake(this.#deps.credentials, this.#deps.clock, url);
      socket = new WebSocket(url, {
        headers: { ...headers },
        handshakeTimeout: handshakeTimeoutMs,
        maxPayload: maxPayloadBytes,
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'websocket connect failed');
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.on('open', () => this.#opened(socket));
    socket.on('ping', () => this.#heard());
    socket.on('pong', () => this.#heard());
    socket.on('message', (data) => {
      if (this.#socket !== socket) return;
      this.#heard();
      this.#onFrame(data.toString());
    });
    socket.on('unexpected-response', (_request, response) => {
      // 401: a signature or clock problem (the REST client says the same). With this listener
      // `ws` leaves the handshake hanging: end it, so the close below schedules a reconnect.
      this.#log.warn({ status: response.statusCode }, 'websocket upgrade refused');
      response.resume();
      socket.terminate();
    });
    socket.on('error', (error) => this.#log.debug({ err: error }, 'websocket error'));
    socket.on('close', (code) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#endConnection({ code, reason: 'socket closed' });
      if (!this.#stopped) {
        this.#log.info({ code }, 'websocket closed; reconnecting');
        this.#scheduleReconnect();
      }
    });
  }

  #opened(socket: WebSocket): void {
    if (this.#socket !== socket) return;
    this.#stats.connects++;
    this.#lastSeq.clear();
    this.#heard();
    const { idleTimeoutMs } = this.#options;
    // Check a few times per idle period: ping when quiet, drop when silent past the limit.
    this.#connectionTimers.push(
      repeatEvery(this.#deps.clock, Math.max(1, Math.floor(idleTimeoutMs / 3)), () => this.#watch(socket), {
        unref: true,
      }),
    );
    this.#subscribe(socket);
  }

  /** Fills are a channel of their own: its acknowledgement and its losses are told apart. */
  #subscribeFills(): void {
    if (!this.#options.fills) return;
    this.#fillCommandId = this.#command({ cmd: 'subscribe', params: { channels: ['fill'] } });
  }

  /** Our own RFQs' subscription: `rfq_created` has no creator_id, this one has only ours. */
  #subscribeOwn(): void {
    if (!this.#options.ownRfqs) return;
    this.#ownCommandId = this.#command({
      cmd: 'subscribe',
      params: { channels: ['communications'], user_filter: 'self' },
    });
  }

  /** On the current socket, `socket` (it is replaced if the subscription is not acknowledged). */
  #subscribe(socket: WebSocket): void {
    const id = this.#command({ cmd: 'subscribe', params: { channels: ['communications'] } });
    this.#subscribeCommandId = id;
    this.#connectionTimers.push(
      this.#deps.clock.schedule(
        this.#options.subscribeTimeoutMs,
        () => {
          if (this.#socket !== socket || this.#sid !== undefined || this.#subscribeCommandId !== id) return;
          this.#log.warn(
            { timeoutMs: this.#options.subscribeTimeoutMs },
            'subscription not acknowledged; reconnecting',
          );
          socket.terminate();
        },
        { unref: true },
      ),
    );
  }

  /** Sends a command on the current socket, when it is open; returns the command's id. */
  #command(command: { readonly cmd: string; readonly params: Record<string, unknown> }): number {
    const id = this.#nextCommandId++;
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ id, ...command }));
    return id;
  }

  #heard(): void {
    this.#lastHeardAt = this.#deps.clock.now();
  }

  #watch(socket: WebSocket): void {
    if (this.#socket !== socket) return;
    const silentMs = this.#deps.clock.now() - this.#lastHeardAt;
    const { idleTimeoutMs } = this.#options;
    if (silentMs >= idleTimeoutMs) {
      this.#log.warn({ silentMs }, 'websocket silent for too long; reconnecting');
      socket.terminate();
    } else if (silentMs >= idleTimeoutMs / 3 && socket.readyState === WebSocket.OPEN) {
      socket.ping();
    }
  }

  /** Forgets the connection's subscription and timers; tells listeners if pushes were flowing. */
  #endConnection(info: StreamDisconnect): void {
    for (const timer of this.#connectionTimers.splice(0)) timer.cancel();
    this.#subscribeCommandId = undefined;
    this.#fillCommandId = undefined;
    this.#fillSid = undefined;
    this.#ownCommandId = undefined;
    this.#ownSid = undefined;
    this.#books.closed();
    this.#unsubscribed(info);
  }

  #unsubscribed(info: StreamDisconnect): void {
    if (this.#sid === undefined) return;
    this.#sid = undefined;
    this.#emit('disconnected', info);
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const { minReconnectMs, maxReconnectMs } = this.#options;
    this.#attempt++;
    const delay = backoffDelay(this.#attempt, minReconnectMs, maxReconnectMs, this.#deps.random);
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = this.#deps.clock.schedule(
      delay,
      () => {
        this.#reconnectTimer = undefined;
        this.#connect();
      },
      { unref: true },
    );
  }

  #onFrame(text: string): void {
    let frame: StreamFrame;
    try {
      frame = parseFrame(text, this.#deps.reporter);
    } catch (error) {
      this.#malformed(error);
      return;
    }
    switch (frame.kind) {
      case 'event':
        if (frame.message.type === 'bookSnapshot') this.#snapshotSeq(frame.sid, frame.seq);
        else this.#checkSeq(frame.sid, frame.seq);
        this.#stats.events++;
        if (frame.message.type === 'bookSnapshot' || frame.message.type === 'bookDelta') {
          if (frame.sid !== undefined && frame.sid === this.#books.sid) this.#deliver(frame.message);
          return;
        }
        if (frame.sid !== undefined && frame.sid === this.#ownSid) {
          if (frame.message.type === 'rfqCreated') this.#emit('ownRfqCreated', frame.message.event);
          return;
        }
        this.#deliver(frame.message);
        return;
      case 'subscribed':
        if (frame.channel === 'fill') {
          this.#fillSid = frame.sid;
          this.#lastSeq.set(frame.sid, 0);
          this.#log.info({ sid: frame.sid }, 'subscribed to fills');
          this.#emit('fillsConnected');
          return;
        }
        if (frame.channel === 'orderbook_delta') {
          if (!this.#books.subscribed(frame.id, frame.sid)) return;
          this.#lastSeq.set(frame.sid, 0);
          this.#log.info({ sid: frame.sid }, 'subscribed to order books');
          return;
        }
        if (frame.channel !== 'communications') return;
        if (frame.id !== undefined && frame.id === this.#ownCommandId) {
          this.#ownSid = frame.sid;
          this.#lastSeq.set(frame.sid, 0);
          this.#log.info({ sid: frame.sid }, 'subscribed to our own RFQs');
          return;
        }
        this.#sid = frame.sid;
        this.#lastSeq.set(frame.sid, 0);
        this.#attempt = 0;
        this.#log.info({ sid: frame.sid }, 'subscribed to communications');
        this.#emit('connected');
        if (this.#fillSid === undefined) this.#subscribeFills();
        if (this.#ownSid === undefined) this.#subscribeOwn();
        if (this.#options.books) this.#books.opened();
        return;
      case 'ok':
        this.#books.ok(frame.id);
        return;
      case 'error':
        this.#commandError(frame);
        return;
      default:
        return;
    }
  }

  #deliver(message: CommunicationsEvent): void {
    switch (message.type) {
      case 'rfqCreated':
        this.#emit('rfqCreated', message.event);
        return;
      case 'rfqDeleted':
        this.#emit('rfqDeleted', message.event);
        return;
      case 'quoteCreated':
        this.#emit('quoteCreated', message.event);
        return;
      case 'quoteAccepted':
        this.#emit('quoteAccepted', message.event);
        return;
      case 'quoteExecuted':
        this.#emit('quoteExecuted', message.event);
        return;
      case 'fill':
        this.#emit('fill', message.event);
        return;
      case 'bookSnapshot':
        this.#emit('bookSnapshot', message.event);
        return;
      case 'bookDelta':
        this.#emit('bookDelta', message.event);
        return;
    }
  }

  #malformed(error: unknown): void {
    const frameError =
      error instanceof StreamFrameError
        ? error
        : new StreamFrameError(error instanceof Error ? error.message : String(error), undefined, undefined);
    this.#stats.malformedFrames++;
    // It arrived: its sequence number counts, so the loss is reported once (here), not as a gap too.
    if (frameError.sequence) this.#checkSeq(frameError.sequence.sid, frameError.sequence.seq);
    // A book change we could not read leaves that book wrong: snapshot them all again.
    if (isBookFrameType(frameError.frameType) || frameError.sequence?.sid === this.#books.sid)
      this.#books.resync();
    const key = `${frameError.frameType ?? ''}\u0000${frameError.field ?? ''}`;
    const first = !this.#malformedSeen.has(key);
    if (first) this.#malformedSeen.add(key);
    this.#log[first ? 'warn' : 'debug'](
      { type: frameError.frameType, field: frameError.field, reason: frameError.message },
      'malformed websocket frame dropped',
    );
    this.#emit('malformed', frameError);
  }

  /**
   * Kalshi does not say whether a `get_snapshot` answer takes a sequence number of the delta
   * stream ("without affecting the existing delta stream"). A snapshot loses nothing, so it never
   * counts as a gap; it moves the sequence only when it is the next number.
   */
  #snapshotSeq(sid: number | undefined, seq: number | undefined): void {
    if (sid === undefined || seq === undefined) return;
    if (seq === (this.#lastSeq.get(sid) ?? 0) + 1) this.#lastSeq.set(sid, seq);
  }

  #checkSeq(sid: number | undefined, seq: number | undefined): void {
    if (sid === undefined || seq === undefined) return;
    const last = this.#lastSeq.get(sid);
    this.#lastSeq.set(sid, seq);
    if (last === undefined || seq === last + 1) return;
    this.#stats.gaps++;
    const channel =
      sid === this.#books.sid ? 'orderbook_delta' : sid === this.#fillSid ? 'fill' : 'communications';
    this.#log.warn({ sid, channel, expected: last + 1, got: seq }, 'websocket sequence gap');
    if (channel === 'orderbook_delta') {
      // Only books depend on this subscription: snapshots repair it, the RFQ listing is not needed.
      this.#books.resync();
      return;
    }
    this.#emit('gap', { reason: 'sequence', channel, sid, expected: last + 1, received: seq });
  }

  #commandError(frame: Extract<StreamFrame, { kind: 'error' }>): void {
    const socket = this.#socket;
    const context = { code: frame.code, sid: frame.sid, id: frame.id, message: frame.message };
    if (this.#books.refused(frame.id, frame.code)) return;
    if (frame.id !== undefined && frame.id === this.#ownCommandId && this.#ownSid === undefined) {
      // Our own pushed RFQs are then known at the next listing only (poller.ignoreOwnRfqs).
      this.#log.warn(context, 'own-RFQ subscribe refused; our own RFQs are told apart at listings only');
      this.#ownCommandId = undefined;
      return;
    }
    if (frame.id !== undefined && frame.id === this.#fillCommandId && this.#fillSid === undefined) {
      // Fills still reach us through the REST listing: keep the socket, say so once.
      this.#log.warn(context, 'fill subscribe refused; fills come from the REST listing only');
      this.#fillCommandId = undefined;
      return;
    }
    const lostCode =
      frame.code !== undefined && SUBSCRIPTION_LOST_CODES.has(frame.code) ? frame.code : undefined;
    // The exchange ended a side subscription (it names its sid): subscribe it again on this socket.
    if (lostCode !== undefined && frame.sid !== undefined && socket !== undefined) {
      if (frame.sid === this.#books.sid) {
        this.#log.warn(context, 'the exchange ended the order book subscription; resubscribing');
        this.#books.ended();
        return;
      }
      if (frame.sid === this.#fillSid) {
        this.#log.warn(context, 'the exchange ended the fill subscription; resubscribing');
        this.#stats.gaps++;
        this.#fillSid = undefined;
        this.#emit('gap', { reason: 'subscription-lost', channel: 'fill', sid: frame.sid, code: lostCode });
        this.#subscribeFills();
        return;
      }
      if (frame.sid === this.#ownSid) {
        // What was pushed meanwhile is told apart at the next listing.
        this.#log.warn(context, 'the exchange ended the own-RFQ subscription; resubscribing');
        this.#ownSid = undefined;
        this.#subscribeOwn();
        return;
      }
    }
    if (frame.id !== undefined && frame.id === this.#subscribeCommandId && this.#sid === undefined) {
      // The subscribe itself was refused: start over on a new socket, after the back-off.
      this.#log.warn(context, 'communications subscribe refused; reconnecting');
      socket?.terminate();
      return;
    }
    const lost = lostCode !== undefined && (frame.sid === undefined || frame.sid === this.#sid);
    if (!lost || socket === undefined || this.#sid === undefined) {
      this.#log.warn(context, 'websocket command error');
      return;
    }
    this.#log.warn(context, 'the exchange ended the communications subscription; resubscribing');
    this.#stats.gaps++;
    const sid = this.#sid;
    this.#unsubscribed({ reason: `subscription lost (error ${lostCode})` });
    this.#emit('gap', { reason: 'subscription-lost', sid, code: lostCode });
    this.#subscribe(socket);
  }
}
