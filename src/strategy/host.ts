import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { describeThrown } from './errors.js';
import { deepFreeze } from './freeze.js';
import type { Limited } from './limit.js';
import type { StrategyInstance } from './router.js';
import type { MarketData } from './types.js';

/**
 * Where a route's strategy runs. `worker` (the default): in the worker-thread pool, where an
 * endless loop, a crash or `process.exit` costs a skip, not the bot. `in-process`: on the bot's
 * own thread, faster by one message hop but trusted not to block or exit.
 */
export type Isolation = 'worker' | 'in-process';

export const ISOLATIONS: readonly Isolation[] = ['worker', 'in-process'];

export type HookName = 'setup' | 'price' | 'lastLook' | 'fairValue' | 'onEvent' | 'teardown';

/** One call of a strategy hook (not setup or teardown, which hosts run through their own methods). */
export interface HookCall {
  readonly hook: Exclude<HookName, 'setup' | 'teardown'>;
  /** The hook's arguments before `ctx`; each strategy gets its own frozen copy. */
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  /** The route's label, for `ctx.log`. */
  readonly route: string;
  /** More `ctx.log` bindings (rfqId, quoteId). */
  readonly fields: Readonly<Record<string, unknown>>;
  /**
   * Told when the call, after it ended (a time-out), still took its worker down: a call that
   * blocks its worker past the hard limit counts twice, as a time-out and as a crash.
   */
  readonly lateFailure?: (reason: string) => void;
}

/**
 * How a hook call ended. `excused` is set when a failure is not the strategy's own: it waited for
 * market data, a market-data read failed before it threw, or another strategy's call blocked its
 * worker. Excused failures still skip, but never count towards disabling the route.
 */
export type HookResult<T> = Limited<T> & { readonly excused?: string };

/** Runs strategy instances: in the bot's thread or in the worker pool. */
export interface StrategyHost {
  /** Runs the instance's setup (not memoised: the lifecycle does that); resolves to a failure reason. */
  setup(instance: StrategyInstance, timeoutMs: number): Promise<string | undefined>;
  /** Runs teardown where setup ran; failures are logged, never thrown. */
  teardown(instance: StrategyInstance, timeoutMs: number): Promise<void>;
  call<T>(instance: StrategyInstance, call: HookCall): Promise<HookResult<T>>;
  /** Releases the host (terminates workers). Teardown must have run before. */
  close(): Promise<void>;
}

type AsyncRead = 'market' | 'orderBook' | 'fees';

/**
 * The market data one call sees: reads are deeply frozen (the cache's objects are shared by
 * every call and by the bot), and the call's reads are tracked, so a time-out while a read was
 * pending, or a throw after a read failed, is blamed on the data and not on the strategy.
 */
export class TrackedData implements MarketData {
  #pending = 0;
  #failed: string | undefined;

  constructor(private readonly data: MarketData) {}

  market(ticker: string) {
    return this.#track('market', ticker);
  }

  orderBook(ticker: string) {
    return this.#track('orderBook', ticker);
  }

  fees(ticker: string) {
    return this.#track('fees', ticker);
  }

  position(ticker: string) {
    return this.data.position(ticker);
  }

  eventPosition(eventTicker: string) {
    return this.data.eventPosition(eventTicker);
  }

  /** Any async read by name: what the worker pool serves. */
  read(method: AsyncRead, ticker: string): Promise<unknown> {
    return this.#track(method, ticker);
  }

  /** Why a failed call is not the strategy's fault, if it is not. */
  excuse(result: Limited<unknown>): string | undefined {
    if (result.kind === 'timeout' && this.#pending > 0) return 'it was waiting for market data';
    if (result.kind === 'threw' && this.#failed !== undefined) return `market data failed: ${this.#failed}`;
    return undefined;
  }

  /** A read through `.then`, not an async function: as many turns, fewer allocations per read. */
  #track<M extends AsyncRead>(method: M, ticker: string): Promise<Awaited<ReturnType<MarketData[M]>>> {
    this.#pending += 1;
    let read: Promise<Awaited<ReturnType<MarketData[M]>>>;
    try {
      read = Promise.resolve(this.data[method](ticker) as Promise<Awaited<ReturnType<MarketData[M]>>>);
    } catch (error) {
      this.#readFailed(error);
      return Promise.reject(error);
    }
    return read.then(
      (value) => {
        this.#pending -= 1;
        return deepFreeze(value);
      },
      (error: unknown) => {
        this.#readFailed(error);
        throw error;
      },
    );
  }

  #readFailed(error: unknown): void {
    this.#pending -= 1;
    this.#failed ??= describeThrown(error);
  }
}

export interface HostOptions {
  readonly data: MarketData;
  readonly clock: Clock;
  /** The runner's logger; strategies log through `module: 'strategy'` children of it. */
  readonly log: Logger;
  /** Aborts calls in flight when the runner stops. */
  readonly stopSignal: AbortSignal;
}
