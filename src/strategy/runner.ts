import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import type { Micros } from '../domain/money.js';
import type { Rfq } from '../domain/types.js';
import { type BreakerEvents, type BreakerSettings, type FailureKind, RouteBreakers } from './breaker.js';
import { CallSlots } from './call-slots.js';
import { describeThrown, StrategyStoppedError } from './errors.js';
import type { HookCall, HookResult, StrategyHost } from './host.js';
import { InProcessHost } from './in-process.js';
import { checkIntent, showPrice } from './intent.js';
import { InstanceLifecycle } from './lifecycle.js';
import { callWithLimit, failureReason } from './limit.js';
import { checkIsolation, routeMatchInput } from './route-match.js';
import type { CompiledRoute, RouteConfig, StrategyInstance, StrategyRouter } from './router.js';
import type { LiveQuote, MarketData, QuoteEvent, QuoteIntent } from './types.js';
import { StrategyWorkerPool, type WorkerPoolOptions, type WorkerPoolSettings } from './worker-pool.js';

/** Why the runner did not produce a quote. */
export type SkipCause =
  /** No route matches the RFQ (normal; logged at debug). */
  | 'no-route'
  /** The strategy returned `{ skip }` (normal; debug). */
  | 'declined'
  /** Every side rounded to zero on the market's grid (info). */
  | 'snapped-away'
  /** The intent broke a rule: not integers, outside (0, 1), both zero, sum above $1 (warn). */
  | 'invalid'
  | 'threw'
  | 'timeout'
  /** The strategy's worker died or was terminated as stuck while running the call (warn). */
  | 'crashed'
  /** The route is disabled after repeated strategy failures (debug: the disabling was logged once). */
  | 'disabled'
  /** The market (for its grid) could not be read (warn). */
  | 'market-data'
  /** The strategy instance's setup failed (warn). */
  | 'setup-failed'
  /** The runner is stopping. */
  | 'stopped';

export type PriceOutcome<Windows = unknown> =
  | {
      readonly kind: 'quote';
      /** Validated and snapped to the market's grid. */
      readonly intent: QuoteIntent;
      readonly strategy: string;
      /** Pass back to `lastLook` / `fairValue` / `onEvent` for this quote. */
      readonly route: CompiledRoute<Windows>;
    }
  | {
      readonly kind: 'skip';
      readonly cause: SkipCause;
      readonly reason: string;
      readonly strategy?: string;
      readonly route?: CompiledRoute<Windows>;
    };

export interface StrategyRunnerOptions<Windows = unknown> {
  readonly router: StrategyRouter<Windows>;
  readonly data: MarketData;
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Limit for price, fairValue and onEvent calls. @default 500 */
  readonly timeoutMs?: number;
  /** Limit for lastLook: the accept→confirm window is short. @default 250 */
  readonly lastLookTimeoutMs?: number;
  /** Limit for setup and teardown. @default 10000 */
  readonly lifecycleTimeoutMs?: number;
  /**
   * Most price calls running at once; more wait their turn in arrival order, their time limit
   * not yet running (a burst of RFQs would otherwise time out behind itself). @default 32
   */
  readonly maxConcurrentPrices?: number;
  /** The series of an event, for routes matching on `series` (e.g. from the event cache). */
  readonly seriesOf?: (eventTicker: string) => string | undefined | Promise<string | undefined>;
  /** The worker pool of `isolation: worker` routes, started when the first such route is set up. */
  readonly workers?: WorkerPoolSettings & Pick<WorkerPoolOptions, 'hiddenEnv' | 'secretValues'>;
  /** When repeated failures disable a route. */
  readonly breaker?: BreakerSettings;
  readonly events?: BreakerEvents & {
    /** A strategy worker was replaced. */
    readonly onWorkerRestart?: (reason: 'crashed' | 'stuck' | 'exited') => void;
  };
}

type Resolved<Windows> = { readonly route: CompiledRoute<Windows> } | { readonly route: undefined };

/**
 * Calls strategies safely: each call has a time limit and an AbortSignal, a throw or a
 * time-out becomes a logged skip (or "do not confirm" for lastLook), and every intent is
 * validated and snapped down to the market's grid before anyone else sees it.
 */
export class StrategyRunner<Windows = unknown> {
  readonly #router: StrategyRouter<Windows>;
  readonly #data: MarketData;
  readonly #log: Logger;
  /** The logger we were given: strategies' loggers bind their own `module`, not under ours. */
  readonly #rootLog: Logger;
  readonly #clock: Clock;
  #timeoutMs: number;
  readonly #lastLookTimeoutMs: number;
  readonly #seriesOf: StrategyRunnerOptions['seriesOf'];
  readonly #stop = new AbortController();
  readonly #lifecycle: InstanceLifecycle;
  readonly #inProcess: InProcessHost;
  readonly #options: StrategyRunnerOptions<Windows>;
  readonly #breakers: RouteBreakers;
  readonly #pricing: CallSlots;
  #pool: StrategyWorkerPool | undefined;
  #reloading: Promise<unknown> = Promise.resolve();

  constructor(options: StrategyRunnerOptions<Windows>) {
    this.#options = options;
    this.#router = options.router;
    this.#data = options.data;
    this.#rootLog = options.logger;
    this.#log = options.logger.child({ module: 'strategy-runner' });
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#lastLookTimeoutMs = options.lastLookTimeoutMs ?? 250;
    this.#seriesOf = options.seriesOf;
    // Every concurrent strategy call listens on the stop signal: many in flight is normal.
    setMaxListeners(0, this.#stop.signal);
    // The root logger: strategies log through `module: 'strategy'` children of it (a child of
    // the runner's logger would carry `module` twice).
    const hostOptions = {
      data: this.#data,
      clock: this.#clock,
      log: this.#rootLog,
      stopSignal: this.#stop.signal,
    };
    this.#inProcess = new InProcessHost(hostOptions);
    const lifecycleMs = options.lifecycleTimeoutMs ?? 10_000;
    this.#lifecycle = new InstanceLifecycle({
      log: this.#log,
      setup: (instance) => this.#host(instance).setup(instance, lifecycleMs),
      teardown: (instance) => this.#host(instance).teardown(instance, lifecycleMs),
    });
    this.#breakers = new RouteBreakers(options.breaker ?? {}, this.#clock, this.#log, options.events);
    this.#pricing = new CallSlots(options.maxConcurrentPrices ?? 32);
  }

  /** Price calls running, and waiting for a free slot. */
  get pricing(): { readonly running: number; readonly waiting: number } {
    return { running: this.#pricing.running, waiting: this.#pricing.waiting };
  }

  /** Labels of the routes disabled by repeated strategy failures. */
  get disabledRoutes(): string[] {
    return this.#breakers.disabled;
  }

  /** The worker pool, once a worker route has been set up (tests and benchmarks look in). */
  get workers(): StrategyWorkerPool | undefined {
    return this.#pool;
  }

  /**
   * A reload's settings: the time limit of price, fairValue and onEvent calls from now on, and
   * (when given) the log level the strategy workers filter their lines at.
   */
  configure(settings: { readonly timeoutMs: number; readonly logLevel?: string }): void {
    const { timeoutMs, logLevel } = settings;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new RangeError(`strategies.timeoutMs: expected a positive integer, found ${String(timeoutMs)}`);
    }
    this.#timeoutMs = timeoutMs;
    if (logLevel !== undefined) this.#pool?.setLogLevel(logLevel);
  }

  /** Re-enables every disabled route (a config reload, even one that changed nothing). */
  enableAll(): void {
    this.#breakers.reset();
  }

  get router(): StrategyRouter<Windows> {
    return this.#router;
  }

  /** Sets up every strategy instance of the current routes; throws `StrategySetupError` on the first failure. */
  async start(): Promise<void> {
    checkIsolation(this.#router.table);
    await this.#lifecycle.activateAll([...this.#router.table.instances.values()]);
  }

  /**
   * Replaces the routes (config reload): validates them (`RouteConfigError`), sets up new
   * instances (`StrategySetupError`), swaps atomically, then tears down instances no longer
   * used. On any error the current routes stay in force.
   */
  reload(routes: readonly RouteConfig<Windows>[]): Promise<void> {
    const next = this.#reloading.then(async () => {
      const table = this.#router.compile(routes);
      checkIsolation(table);
      await this.#lifecycle.activateAll([...table.instances.values()]);
      const old = this.#router.swap(table);
      this.#breakers.reset();
      await this.#lifecycle.retire(old.instances.values(), table.instances.values());
    });
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /** Prices an RFQ: route → strategy.price (time-limited) → validation → snapping. */
  /** The route an RFQ goes to (undefined: none matches), e.g. to check its windows before pricing. */
  async routeFor(rfq: Rfq): Promise<CompiledRoute<Windows> | undefined> {
    return (await this.#resolve(undefined, rfq)).route;
  }

  /** Prices the RFQ with its route's strategy (`route`: one `routeFor` already found). */
  async price(rfq: Rfq, route?: CompiledRoute<Windows>): Promise<PriceOutcome<Windows>> {
    const log = lazyChild(this.#log, { rfqId: rfq.id, marketTicker: rfq.marketTicker });
    if (this.#stop.signal.aborted) return this.#skip(log, 'stopped', 'runner stopped');
    ({ route } = await this.#resolve(route, rfq));
    if (route === undefined) return this.#skip(log, 'no-route', 'no route matches this RFQ');
    const instance = route.instance;
    const strategy = instance.strategy;
    const disabled = this.#breakers.blocked(route);
    if (disabled !== undefined) return this.#skip(log, 'disabled', `route disabled: ${disabled}`, route);
    const setupError = await this.#lifecycle.ensure(instance);
    if (setupError !== undefined) return this.#skip(log, 'setup-failed', setupError, route);

    const release = await this.#pricing.acquire(this.#stop.signal);
    if (release === undefined) return this.#skip(log, 'stopped', 'runner stopped', route);
    let result: HookResult<unknown>;
    try {
      result = await this.#call(route, {
        hook: 'price',
        args: [rfq],
        timeoutMs: this.#timeoutMs,
        route: route.label,
        fields: { rfqId: rfq.id },
      });
    } finally {
      release();
    }
    if (result.kind !== 'ok') return this.#skipFor(log, result, route);
    const market = await callWithLimit('market data', this.#timeoutMs, this.#stop.signal, () =>
      this.#data.market(rfq.marketTicker),
    );
    if (market.kind !== 'ok') {
      const reason = market.kind === 'threw' ? describeThrown(market.error) : market.kind;
      return this.#skip(log, 'market-data', `cannot read market for its price grid: ${reason}`, route);
    }
    let checked: ReturnType<typeof checkIntent>;
    try {
      checked = checkIntent(result.value, market.value.priceGrid);
    } catch (error) {
      // A result whose fields throw when read (a getter, a proxy) is no intent at all.
      const reason = `reading the result of price threw: ${describeThrown(error)}`;
      return this.#skip(log, 'invalid', reason, route);
    }
    if (checked.kind !== 'quote') return this.#skip(log, checked.kind, checked.reason, route);
    if (this.#log.isLevelEnabled('debug'))
      log().debug(
        { strategy: strategy.name, route: route.label, intent: checked.intent },
        'strategy priced RFQ',
      );
    return { kind: 'quote', intent: checked.intent, strategy: strategy.name, route };
  }

  /**
   * Asks the strategy whether to confirm an accepted quote. Only `true` confirms: a throw, a
   * time-out, a non-boolean or a route that no longer exists means "do not confirm".
   */
  async lastLook(quote: LiveQuote, route?: CompiledRoute<Windows>): Promise<boolean> {
    const log = lazyChild(this.#log, { rfqId: quote.rfq.id, quoteId: quote.quoteId });
    const resolved = await this.#resolve(route, quote.rfq);
    if (resolved.route === undefined) {
      log().warn('last look: no route for this quote any more; not confirming');
      return false;
    }
    const { instance } = resolved.route;
    const hook = instance.strategy.lastLook;
    if (hook === undefined) return true;
    const fields = { strategy: instance.strategy.name, route: resolved.route.label };
    const disabled = this.#breakers.blocked(resolved.route);
    if (disabled !== undefined) {
      log().warn({ ...fields, reason: disabled }, 'last look: route disabled; not confirming');
      return false;
    }
    if ((await this.#lifecycle.ensure(instance)) !== undefined) {
      log().warn(fields, 'last look: strategy is not set up; not confirming');
      return false;
    }
    const result = await this.#call(resolved.route, {
      hook: 'lastLook',
      args: [quote],
      timeoutMs: this.#lastLookTimeoutMs,
      route: resolved.route.label,
      fields: { rfqId: quote.rfq.id, quoteId: quote.quoteId },
    });
    if (result.kind === 'ok') {
      if (result.value === true) return true;
      if (result.value === false) log().info(fields, 'last look: strategy declined to confirm');
      else
        log().warn(
          { ...fields, returned: typeof result.value },
          'last look returned a non-boolean; not confirming',
        );
      return false;
    }
    log().warn({ ...fields, reason: explain(result) }, 'last look failed; not confirming');
    return false;
  }

  /** The strategy's current fair value of YES for the RFQ's market, or undefined. */
  async fairValue(rfq: Rfq, route?: CompiledRoute<Windows>): Promise<Micros | undefined> {
    const resolved = await this.#resolve(route, rfq);
    if (resolved.route === undefined) return undefined;
    const { instance } = resolved.route;
    const hook = instance.strategy.fairValue;
    if (hook === undefined || this.#breakers.blocked(resolved.route) !== undefined) return undefined;
    if ((await this.#lifecycle.ensure(instance)) !== undefined) return undefined;
    const result = await this.#call(resolved.route, {
      hook: 'fairValue',
      args: [rfq.marketTicker],
      timeoutMs: this.#timeoutMs,
      route: resolved.route.label,
      fields: { rfqId: rfq.id },
    });
    const fields = { strategy: instance.strategy.name, rfqId: rfq.id, marketTicker: rfq.marketTicker };
    if (result.kind !== 'ok') {
      this.#log.warn({ ...fields, reason: explain(result) }, 'fairValue failed');
      return undefined;
    }
    const value = result.value;
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value >= 1_000_000) {
      this.#log.warn(
        { ...fields, value: showPrice(value) },
        'fairValue returned a value outside (0, 1) micros',
      );
      return undefined;
    }
    return value;
  }

  /** Tells the strategy about a quote event; errors are logged and swallowed. */
  async onEvent(event: QuoteEvent, route?: CompiledRoute<Windows>): Promise<void> {
    const resolved = await this.#resolve(route, event.quote.rfq);
    if (resolved.route === undefined) return;
    const { instance } = resolved.route;
    const hook = instance.strategy.onEvent;
    if (hook === undefined || this.#breakers.blocked(resolved.route) !== undefined) return;
    if ((await this.#lifecycle.ensure(instance)) !== undefined) return;
    const fields = { rfqId: event.quote.rfq.id, quoteId: event.quote.quoteId };
    const result = await this.#call(resolved.route, {
      hook: 'onEvent',
      args: [event],
      timeoutMs: this.#timeoutMs,
      route: resolved.route.label,
      fields,
    });
    if (result.kind === 'threw' || result.kind === 'timeout' || result.kind === 'crashed') {
      this.#log.warn(
        { ...fields, strategy: instance.strategy.name, event: event.type, reason: explain(result) },
        'onEvent failed (ignored)',
      );
    }
  }

  /** Aborts calls in flight and tears down every instance. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stop.signal.aborted) {
      this.#stop.abort(new StrategyStoppedError());
      this.#pool?.cancelAll();
    }
    await this.#reloading;
    await this.#lifecycle.teardownAll();
    await this.#pool?.close();
  }

  #host(instance: StrategyInstance): StrategyHost {
    if (instance.isolation === 'in-process') return this.#inProcess;
    this.#pool ??= new StrategyWorkerPool({
      ...this.#options.workers,
      data: this.#data,
      logger: this.#options.logger,
      clock: this.#clock,
      stopSignal: this.#stop.signal,
      ...(this.#options.events?.onWorkerRestart ? { onRestart: this.#options.events.onWorkerRestart } : {}),
    });
    return this.#pool;
  }

  async #resolve(route: CompiledRoute<Windows> | undefined, rfq: Rfq): Promise<Resolved<Windows>> {
    const table = this.#router.table;
    // A handle from before a reload stays valid while its instance is still in use.
    if (route !== undefined && table.instances.get(route.instance.key) === route.instance) return { route };
    const input = await routeMatchInput(table, rfq, {
      data: this.#data,
      seriesOf: this.#seriesOf,
      timeoutMs: this.#timeoutMs,
      stopSignal: this.#stop.signal,
      log: this.#log,
    });
    return { route: table.match(input) };
  }

  /** One hook call through the route's host, its failure counted against the route unless excused. */
  async #call<T>(route: CompiledRoute<Windows>, call: HookCall): Promise<HookResult<T>> {
    const breakers = this.#breakers;
    // A method, not an arrow bound to a name: tsx names those, a defineProperty per call.
    const result = await this.#host(route.instance).call<T>(route.instance, {
      ...call,
      lateFailure(reason: string) {
        breakers.failed(route, 'crashed', reason);
      },
    });
    if (result.kind === 'ok') this.#breakers.succeeded(route);
    else if (result.kind !== 'stopped' && result.excused === undefined) {
      this.#breakers.failed(route, result.kind as FailureKind, failureReason(result));
    }
    return result;
  }

  #skipFor(
    log: () => Logger,
    result: Exclude<HookResult<unknown>, { kind: 'ok' }>,
    route: CompiledRoute<Windows>,
  ) {
    return this.#skip(log, result.kind, explain(result), route);
  }

  #skip(
    log: () => Logger,
    cause: SkipCause,
    reason: string,
    route?: CompiledRoute<Windows>,
  ): PriceOutcome<Windows> {
    const fields = {
      cause,
      reason,
      ...(route ? { strategy: route.strategyName, route: route.label } : {}),
    };
    // The RFQ's child logger is made only for a line that is written (skips are common).
    const level =
      cause === 'no-route' || cause === 'declined' || cause === 'stopped' || cause === 'disabled'
        ? 'debug'
        : cause === 'snapped-away'
          ? 'info'
          : 'warn';
    if (this.#log.isLevelEnabled(level))
      log()[level](fields, level === 'warn' ? 'RFQ skipped: strategy error' : 'RFQ skipped');
    return {
      kind: 'skip',
      cause,
      reason,
      ...(route ? { strategy: route.strategyName, route } : {}),
    };
  }
}

/** A child logger made when first used: most calls log nothing, and a child costs its bindings' JSON. */
function lazyChild(parent: Logger, bindings: Record<string, unknown>): () => Logger {
  let child: Logger | undefined;
  return () => {
    child ??= parent.child(bindings);
    return child;
  };
}

/** The failure reason, and why it is not the strategy's fault when it is not. */
function explain(result: Exclude<HookResult<unknown>, { kind: 'ok' }>): string {
  const reason = failureReason(result);
  return result.excused === undefined ? reason : `${reason} (${result.excused})`;
}
