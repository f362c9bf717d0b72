import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Micros } from '../domain/money.js';
import type { TierLimits, UsageTier } from '../domain/rate-limits.js';
import type { UserSpec } from './accounts/accounts.js';
import type { LifecycleConfig } from './exchange/exchange.js';
import type { TakerOptions } from './takers.js';
import type { TruthOptions } from './truth.js';
import type { EventSeed, SeriesSeed } from './world/seed.js';

export interface SimulatorOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Seed for every random decision; omitted = a random seed (reported on the handle). */
  readonly seed?: number;
  /** Users with API keys (each its own user id and communications id). */
  readonly users?: readonly UserSpec[];
  /**
   * Registers one more user with a key pair generated in-process and returns its
   * credentials on the handle: the bot's credential-free demo mode still signs every request.
   */
  readonly embeddedUser?: boolean | Omit<UserSpec, 'keyId' | 'publicKey' | 'internal'>;
  /** Every user's starting balance, micros. @default $10,000 */
  readonly startingBalance?: Micros;
  /** Rate-limit tier of users that do not name one. @default 'basic' */
  readonly tier?: UsageTier;
  /** Replaces every tier's budgets (tests use tiny buckets to provoke 429s). */
  readonly rateLimits?: TierLimits;
  /** Extra or changed endpoint costs, `"METHOD /template"` → tokens. */
  readonly endpointCosts?: Readonly<Record<string, number>>;
  /** Synthetic takers: options, a rate (RFQs per minute), or false/0 for none. @default 30 per minute */
  readonly takers?: Partial<TakerOptions> | number | false;
  /** Life-cycle timing and rules (confirm window, execution delay, ...). */
  readonly lifecycle?: Partial<LifecycleConfig>;
  /** A fault spec (see README: "latency=30,error5xx=0.05,..."). */
  readonly faults?: string;
  /**
   * How closely execution, accepts, quote durability and retention follow Kalshi (issue 14);
   * unset keys take `TRUTH_DEFAULTS`, `TRUTH_OFF` is the idealised exchange.
   */
  readonly truth?: Partial<TruthOptions>;
  /** Random-walk step interval; 0 freezes fair values. @default 1000 */
  readonly walkIntervalMs?: number;
  /** Replace the seeded world. */
  readonly events?: readonly EventSeed[];
  readonly series?: readonly SeriesSeed[];
  /** Simulation time (life cycle, takers, random walk). @default real time */
  readonly clock?: Clock;
  /** Wall time for signature timestamps and token buckets. @default Date.now */
  readonly wallClock?: Clock;
  /** Signature timestamp tolerance, ms. @default { pastToleranceMs: 20000, futureToleranceMs: 45000 } */
  readonly auth?: { readonly pastToleranceMs?: number; readonly futureToleranceMs?: number };
  /** Websocket heartbeat ping interval. @default 10000 */
  readonly wsPingIntervalMs?: number;
  /** Write the exchange's view of the session to this file as a recording (`--record`). */
  readonly record?: string;
  /** Pass a child logger with `{ module }` bound. @default a silent pino logger */
  readonly logger?: Logger;
}

export const DEFAULT_STARTING_BALANCE: Micros = 10_000_000_000;

export const DEFAULT_LIFECYCLE: LifecycleConfig = Object.freeze({
  confirmWindowMs: 30_000,
  executionDelayMs: 15_000,
  hvConfirmWindowMs: 3_000,
  hvExecutionDelayMs: 1_000,
  maxOpenRfqsPerCreator: 100,
  lapsedQuoteStatus: 'accepted',
  enforceGrid: true,
  rfqTtlMs: 300_000,
});
