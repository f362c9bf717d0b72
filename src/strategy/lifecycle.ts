import type { Logger } from 'pino';
import { StrategySetupError } from './errors.js';
import type { StrategyInstance } from './router.js';

export interface InstanceLifecycleOptions {
  readonly log: Logger;
  /** Runs the instance's setup where it lives (its thread or every worker); resolves to a failure reason. */
  readonly setup: (instance: StrategyInstance) => Promise<string | undefined>;
  /** Runs its teardown there; logs its own failures. */
  readonly teardown: (instance: StrategyInstance) => Promise<void>;
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
    // A failed setup is not torn down, except in workers where it may have succeeded on some.
    if ((await ready) !== undefined && instance.isolation !== 'worker') return;
    await this.#options.teardown(instance);
  }

  async #setup(instance: StrategyInstance): Promise<string | undefined> {
    const reason = await this.#options.setup(instance);
    if (reason !== undefined) {
      this.#options.log.warn(
        { strategy: instance.strategy.name, route: instance.label, reason },
        'strategy setup failed',
      );
    }
    return reason;
  }
}
