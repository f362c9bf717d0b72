import type { Logger } from 'pino';
import { StrategySetupError } from './errors.js';
import { callWithLimit, failureReason } from './limit.js';
import type { StrategyInstance } from './router.js';
import type { StrategyContext } from './types.js';

export interface InstanceLifecycleOptions {
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Aborts setups in flight when the runner stops. */
  readonly stopSignal: AbortSignal;
  readonly context: (instance: StrategyInstance, signal: AbortSignal) => StrategyContext<unknown>;
}

/**
 * Setup and teardown of strategy instances: each instance is set up once (memoised, so a
 * lazy first call and `start` share it) and torn down once, only if its setup succeeded.
 */
export class InstanceLifecycle {
  readonly #options: InstanceLifecycleOptions;
  /** Resolves to an error reason, or undefined when the instance is ready. */
  readonly #active = new Map<StrategyInstance, Promise<string | undefined>>();

  constructor(options: InstanceLifecycleOptions) {
    this.#options = options;
  }

  /** Sets the instance up unless already done; resolves to the failure reason, if any. */
  ensure(instance: StrategyInstance): Promise<string | undefined> {
    let ready = this.#active.get(instance);
    if (ready === undefined) {
      ready = this.#setup(instance);
      this.#active.set(instance, ready);
    }
    return ready;
  }

  /**
   * Sets up every instance; on a failure tears down the ones this call set up, forgets the
   * failed ones (a later attempt retries) and throws `StrategySetupError`.
   */
  async activateAll(instances: readonly StrategyInstance[]): Promise<void> {
    const fresh = instances.filter((instance) => !this.#active.has(instance));
    const results = await Promise.all(instances.map((instance) => this.ensure(instance)));
    const failed = results.findIndex((reason) => reason !== undefined);
    if (failed === -1) return;
    await Promise.all(fresh.map((instance) => this.teardown(instance)));
    instances.forEach((instance, i) => {
      if (results[i] !== undefined) this.#active.delete(instance);
    });
    const instance = instances[failed] as StrategyInstance;
    throw new StrategySetupError(instance.strategy.name, instance.label, results[failed] as string);
  }

  /** Tears down the instances of `previous` that `current` no longer uses. */
  async retire(previous: Iterable<StrategyInstance>, current: Iterable<StrategyInstance>): Promise<void> {
    const kept = new Set(current);
    const gone = [...previous].filter((instance) => !kept.has(instance));
    await Promise.all(gone.map((instance) => this.teardown(instance)));
  }

  async teardownAll(): Promise<void> {
    await Promise.all([...this.#active.keys()].map((instance) => this.teardown(instance)));
  }

  async teardown(instance: StrategyInstance): Promise<void> {
    const ready = this.#active.get(instance);
    if (ready === undefined) return;
    this.#active.delete(instance);
    const hook = instance.strategy.teardown;
    if (hook === undefined || (await ready) !== undefined) return;
    // Teardown must run even while stopping, so it gets its own signal.
    const result = await callWithLimit(
      `${instance.strategy.name}.teardown`,
      this.#options.timeoutMs,
      new AbortController().signal,
      (signal) => hook.call(instance.strategy, this.#options.context(instance, signal)),
    );
    if (result.kind !== 'ok') {
      this.#options.log.warn(
        { strategy: instance.strategy.name, route: instance.label, reason: failureReason(result) },
        'strategy teardown failed',
      );
    }
  }

  async #setup(instance: StrategyInstance): Promise<string | undefined> {
    const hook = instance.strategy.setup;
    if (hook === undefined) return undefined;
    const result = await callWithLimit(
      `${instance.strategy.name}.setup`,
      this.#options.timeoutMs,
      this.#options.stopSignal,
      (signal) => hook.call(instance.strategy, this.#options.context(instance, signal)),
    );
    if (result.kind === 'ok') return undefined;
    const reason = failureReason(result);
    this.#options.log.warn(
      { strategy: instance.strategy.name, route: instance.label, reason },
      'strategy setup failed',
    );
    return reason;
  }
}
