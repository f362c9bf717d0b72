/** The options, dependencies and counters of the communications stream. */

import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { KalshiCredentials } from '../auth.js';
import type { UnknownReporter } from '../wire-reader.js';

export interface CommunicationsStreamOptions {
  /**
   * The websocket endpoint. Kalshi serves it on its own host (fact sheet §1).
   * @example 'wss://external-api-ws.kalshi.com/trade-api/ws/v2'
   */
  readonly url: string;
  /** First reconnect delay (then doubling, with jitter). @default 250 */
  readonly minReconnectMs?: number;
  /** @default 15000 */
  readonly maxReconnectMs?: number;
  /** Kalshi pings every 10 s; a socket silent this long (our own pings unanswered) is dropped. @default 30000 */
  readonly idleTimeoutMs?: number;
  /** A subscription not acknowledged within this long drops the socket. @default 10000 */
  readonly subscribeTimeoutMs?: number;
  /** The upgrade must complete within this long (a real-time watchdog inside `ws`). @default 10000 */
  readonly handshakeTimeoutMs?: number;
  /** Largest message accepted; a longer one closes the socket (1009) and it reconnects. @default 8 MiB */
  readonly maxPayloadBytes?: number;
  /** Also subscribe to the private `fill` channel on the same socket (`fill` events). @default false */
  readonly fills?: boolean;
  /**
   * Also subscribe to `communications` with `user_filter: self` (`ownRfqCreated` events): the
   * only way a push tells which RFQs are ours. Its other events repeat the main subscription's
   * and are dropped. @default false
   */
  readonly ownRfqs?: boolean;
  /**
   * Also stream the order books of the markets given to `watchBooks` (the `orderbook_delta`
   * channel, on the same socket): `bookSnapshot`, `bookDelta` and `booksLost` events. @default false
   */
  readonly books?: boolean;
}

/** What the client hands the stream: its credentials, clock, logger, jitter and unknown-field reporter. */
export interface StreamDeps {
  readonly credentials: KalshiCredentials;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly reporter: UnknownReporter;
}

/** Counters since the stream was made. */
export interface StreamStats {
  readonly connects: number;
  readonly events: number;
  readonly malformedFrames: number;
  readonly gaps: number;
}
