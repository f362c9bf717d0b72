/**
 * The parts start() builds, as readonly records: the exchange parts together once the exchange
 * is reached, the engine together once the strategies are loaded. The App reads them through
 * getters that fail loudly before they exist, and stops whichever exist.
 */
import type { KalshiClient } from '../kalshi/index.js';
import type { LiveBooks } from '../market/live-books.js';
import type { MarketDataCache } from '../market/market-cache.js';
import type { MarketWarmer } from '../market/market-warmer.js';
import type { Schedules } from '../ops/schedules.js';
import type { FillSync } from '../quotes/fill-sync.js';
import type { OwnQuoteWatcher } from '../quotes/own-quote-watcher.js';
import type { QuoteManager } from '../quotes/quote-manager.js';
import type { RfqPoller } from '../rfq/poller.js';
import type { WindowSchedule } from '../risk/windows.js';
import type { StrategyRunner } from '../strategy/runner.js';
import type { ActionQueue } from '../throttle/action-queue.js';

/** What the bot reaches the exchange with. */
export interface ExchangeParts {
  readonly queue: ActionQueue;
  readonly client: KalshiClient;
  readonly data: MarketDataCache;
  /** Batched reads of the markets pricing uses (none with exchange.marketCache.keepWarmMs: 0). */
  readonly warmer: MarketWarmer | undefined;
  /** Order books from the websocket (none with exchange.marketCache.streamBooks or poller.websocket off). */
  readonly books: LiveBooks | undefined;
  /** Built with the client: a stop lists and deletes our open quotes through it even if startup quit early. */
  readonly watcher: OwnQuoteWatcher;
}

/** The quoting engine. */
export interface EngineParts {
  readonly runner: StrategyRunner<WindowSchedule | undefined>;
  readonly schedules: Schedules;
  readonly manager: QuoteManager;
  readonly fillSync: FillSync;
  readonly poller: RfqPoller;
}

export type RunningParts = ExchangeParts & EngineParts;

export class AppNotStartedError extends Error {
  override readonly name = 'AppNotStartedError';
}

/** The part, or an error naming it: reading a part before start() built it is a bug. */
export function started<T>(part: T | undefined, name: string): T {
  if (part === undefined) throw new AppNotStartedError(`app.${name} does not exist before start() builds it`);
  return part;
}
