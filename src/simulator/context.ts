import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Accounts } from './accounts/accounts.js';
import type { Ledger } from './accounts/ledger.js';
import type { BlockTrades } from './exchange/block-trades.js';
import type { EventBus } from './exchange/events.js';
import type { Exchange } from './exchange/exchange.js';
import type { Housekeeping } from './exchange/housekeeping.js';
import type { ExchangeStore } from './exchange/store.js';
import type { Faults } from './http/faults.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { SimCounters } from './stats.js';
import type { Takers } from './takers.js';
import type { TruthOptions } from './truth.js';
import type { World } from './world/world.js';

/** The simulator's parts, handed to the HTTP routes, the websocket and the admin API. */
export interface SimContext {
  readonly exchange: Exchange;
  readonly store: ExchangeStore;
  readonly blockTrades: BlockTrades;
  readonly world: World;
  readonly accounts: Accounts;
  readonly ledger: Ledger;
  readonly counters: SimCounters;
  readonly faults: Faults;
  readonly limiter: RateLimiter;
  /** Simulation time (life cycle, takers, random walk). */
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly takers: Takers;
  /** Live truth settings (the admin API patches them). */
  readonly truth: TruthOptions;
  readonly housekeeping: Housekeeping;
  readonly logger: Logger;
}
