import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { frozenCopy } from './freeze.js';
import type { HookCall, HookResult, HostOptions, StrategyHost } from './host.js';
import { TrackedData } from './host.js';
import { callWithLimit, failureReason } from './limit.js';
import type { StrategyInstance } from './router.js';
import type { MarketData, StrategyContext } from './types.js';

/**
 * Runs strategies on the bot's own thread (`isolation: in-process`, and the author harness).
 * Inputs are frozen copies and market data is frozen, as in a worker; but an endless loop
 * here blocks the whole bot and `process.exit` ends it, so only trusted code belongs here.
 */
export class InProcessHost implements StrategyHost {
  readonly #options: HostOptions;

  constructor(options: HostOptions) {
    this.#options = options;
  }

  async setup(instance: StrategyInstance, timeoutMs: number): Promise<string | undefined> {
    const hook = instance.strategy.setup;
    if (hook === undefined) return undefined;
    const result = await callWithLimit(
      `${instance.strategy.name}.setup`,
      timeoutMs,
      this.#options.stopSignal,
      (signal) => hook.call(instance.strategy, this.#context(instance, instance.label, {}, signal)),
    );
    return result.kind === 'ok' ? undefined : failureReason(result);
  }

  async teardown(instance: StrategyInstance, timeoutMs: number): Promise<void> {
    const hook = instance.strategy.teardown;
    if (hook === undefined) return;
    // Teardown runs while stopping too, so it gets its own signal.
    const result = await callWithLimit(
      `${instance.strategy.name}.teardown`,
      timeoutMs,
      new AbortController().signal,
      (signal) => hook.call(instance.strategy, this.#context(instance, instance.label, {}, signal)),
    );
    if (result.kind !== 'ok') {
      this.#options.log.warn(
        {
          module: 'strategy-runner',
          strategy: instance.strategy.name,
          route: instance.label,
          reason: failureReason(result),
        },
        'strategy teardown failed',
      );
    }
  }

  async call<T>(instance: StrategyInstance, call: HookCall): Promise<HookResult<T>> {
    const hook = instance.strategy[call.hook] as ((...args: unknown[]) => T | PromiseLike<T>) | undefined;
    if (hook === undefined) return { kind: 'threw', error: new Error(`strategy has no ${call.hook}`) };
    const args = call.args.map((arg) => frozenCopy(arg));
    const data = new TrackedData(this.#options.data);
    const result = await callWithLimit(
      `${instance.strategy.name}.${call.hook}`,
      call.timeoutMs,
      this.#options.stopSignal,
      (signal) =>
        hook.call(instance.strategy, ...args, this.#context(instance, call.route, call.fields, signal, data)),
    );
    const excused = data.excuse(result);
    return excused === undefined ? result : { ...result, excused };
  }

  async close(): Promise<void> {}

  /**
   * The call's `ctx`. Its logger and signal are made when the strategy first reads them: most
   * calls use neither, and a pino child and an AbortController per call cost more than the
   * pricing itself.
   */
  #context(
    instance: StrategyInstance,
    route: string,
    fields: object,
    signal: () => AbortSignal,
    data: MarketData = new TrackedData(this.#options.data),
  ): StrategyContext<unknown> {
    return new CallContext(instance, this.#options, route, fields, signal, data);
  }
}

/**
 * A call's `ctx`, its lazy `log` and `signal` getters on the class: an object literal with
 * getters of its own cost close to a microsecond to make, per call.
 */
class CallContext implements StrategyContext<unknown> {
  readonly options: unknown;
  readonly clock: Clock;
  readonly data: MarketData;
  // Private for real (#): the strategy holding this ctx must not reach the host or raw data.
  readonly #root: Logger;
  readonly #strategy: string;
  readonly #route: string;
  readonly #fields: object;
  readonly #signal: () => AbortSignal;
  #log: Logger | undefined;

  constructor(
    instance: StrategyInstance,
    host: HostOptions,
    route: string,
    fields: object,
    signal: () => AbortSignal,
    data: MarketData,
  ) {
    this.options = instance.options;
    this.clock = host.clock;
    this.data = data;
    this.#root = host.log;
    this.#strategy = instance.strategy.name;
    this.#route = route;
    this.#fields = fields;
    this.#signal = signal;
  }

  get log(): Logger {
    this.#log ??= this.#root.child({
      module: 'strategy',
      strategy: this.#strategy,
      route: this.#route,
      ...this.#fields,
    });
    return this.#log;
  }

  get signal(): AbortSignal {
    return this.#signal();
  }
}
