import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import type { Micros } from '../domain/money.js';
import type { Rfq } from '../domain/types.js';
import { describeThrown, StrategyStoppedError } from './errors.js';
import { checkIntent, showPrice } from './intent.js';
import { InstanceLifecycle } from './lifecycle.js';
import { callWithLimit, failureReason, type Limited } from './limit.js';
import type {
  CompiledRoute,
  RouteConfig,
  RouteMatchInput,
  RouteTable,
  StrategyInstance,
  StrategyRouter,
} from './router.js';
import type { LiveQuote, MarketData, QuoteEvent, QuoteIntent, StrategyContext } from './types.js';

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
  /** The series of an event, for routes matching on `series` (e.g. from the event cache). */
  readonly seriesOf?: (eventTicker: string) => string | undefined | Promise<string | undefined>;
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
  readonly #timeoutMs: number;
  readonly #lastLookTimeoutMs: number;
  readonly #seriesOf: StrategyRunnerOptions['seriesOf'];
  readonly #stop = new AbortController();
  readonly #lifecycle: InstanceLifecycle;
  #reloading: Promise<unknown> = Promise.resolve();

  constructor(options: StrategyRunnerOptions<Windows>) {
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
    this.#lifecycle = new InstanceLifecycle({
      timeoutMs: options.lifecycleTimeoutMs ?? 10_000,
      log: this.#log,
      stopSignal: this.#stop.signal,
      context: (instance, signal) => this.#context(instance, undefined, signal, {}),
    });
  }

  get router(): StrategyRouter<Windows> {
    return this.#router;
  }

  /** Sets up every strategy instance of the current routes; throws `StrategySetupError` on the first failure. */
  async start(): Promise<void> {
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
      await this.#lifecycle.activateAll([...table.instances.values()]);
      const old = this.#router.swap(table);
      await this.#lifecycle.retire(old.instances.values(), table.instances.values());
    });
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /** Prices an RFQ: route → strategy.price (time-limited) → validation → snapping. */
  async price(rfq: Rfq): Promise<PriceOutcome<Windows>> {
    const log = this.#log.child({ rfqId: rfq.id, marketTicker: rfq.marketTicker });
    if (this.#stop.signal.aborted) return this.#skip(log, 'stopped', 'runner stopped');
    const { route } = await this.#resolve(undefined, rfq);
    if (route === undefined) return this.#skip(log, 'no-route', 'no route matches this RFQ');
    const instance = route.instance;
    const strategy = instance.strategy;
    const logFields = { strategy: strategy.name, route: route.label };
    const setupError = await this.#lifecycle.ensure(instance);
    if (setupError !== undefined) return this.#skip(log, 'setup-failed', setupError, route);

    const result = await this.#call(instance, route, 'price', this.#timeoutMs, { rfqId: rfq.id }, (ctx) =>
      strategy.price(rfq, ctx),
    );
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
    log.debug({ ...logFields, intent: checked.intent }, 'strategy priced RFQ');
    return { kind: 'quote', intent: checked.intent, strategy: strategy.name, route };
  }

  /**
   * Asks the strategy whether to confirm an accepted quote. Only `true` confirms: a throw, a
   * time-out, a non-boolean or a route that no longer exists means "do not confirm".
   */
  async lastLook(quote: LiveQuote, route?: CompiledRoute<Windows>): Promise<boolean> {
    const log = this.#log.child({ rfqId: quote.rfq.id, quoteId: quote.quoteId });
    const resolved = await this.#resolve(route, quote.rfq);
    if (resolved.route === undefined) {
      log.warn('last look: no route for this quote any more; not confirming');
      return false;
    }
    const { instance } = resolved.route;
    const hook = instance.strategy.lastLook;
    if (hook === undefined) return true;
    const fields = { strategy: instance.strategy.name, route: resolved.route.label };
    if ((await this.#lifecycle.ensure(instance)) !== undefined) {
      log.warn(fields, 'last look: strategy is not set up; not confirming');
      return false;
    }
    const result = await this.#call(
      instance,
      resolved.route,
      'lastLook',
      this.#lastLookTimeoutMs,
      { rfqId: quote.rfq.id, quoteId: quote.quoteId },
      (ctx) => hook.call(instance.strategy, quote, ctx),
    );
    if (result.kind === 'ok') {
      if (result.value === true) return true;
      if (result.value === false) log.info(fields, 'last look: strategy declined to confirm');
      else
        log.warn(
          { ...fields, returned: typeof result.value },
          'last look returned a non-boolean; not confirming',
        );
      return false;
    }
    log.warn({ ...fields, reason: failureReason(result) }, 'last look failed; not confirming');
    return false;
  }

  /** The strategy's current fair value of YES for the RFQ's market, or undefined. */
  async fairValue(rfq: Rfq, route?: CompiledRoute<Windows>): Promise<Micros | undefined> {
    const resolved = await this.#resolve(route, rfq);
    if (resolved.route === undefined) return undefined;
    const { instance } = resolved.route;
    const hook = instance.strategy.fairValue;
    if (hook === undefined || (await this.#lifecycle.ensure(instance)) !== undefined) return undefined;
    const result = await this.#call(
      instance,
      resolved.route,
      'fairValue',
      this.#timeoutMs,
      { rfqId: rfq.id },
      (ctx) => hook.call(instance.strategy, rfq.marketTicker, ctx),
    );
    const fields = { strategy: instance.strategy.name, rfqId: rfq.id, marketTicker: rfq.marketTicker };
    if (result.kind !== 'ok') {
      this.#log.warn({ ...fields, reason: failureReason(result) }, 'fairValue failed');
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
    if (hook === undefined || (await this.#lifecycle.ensure(instance)) !== undefined) return;
    const fields = { rfqId: event.quote.rfq.id, quoteId: event.quote.quoteId };
    const result = await this.#call(instance, resolved.route, 'onEvent', this.#timeoutMs, fields, (ctx) =>
      hook.call(instance.strategy, event, ctx),
    );
    if (result.kind === 'threw' || result.kind === 'timeout') {
      this.#log.warn(
        { ...fields, strategy: instance.strategy.name, event: event.type, reason: failureReason(result) },
        'onEvent failed (ignored)',
      );
    }
  }

  /** Aborts calls in flight and tears down every instance. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stop.signal.aborted) this.#stop.abort(new StrategyStoppedError());
    await this.#reloading;
    await this.#lifecycle.teardownAll();
  }

  async #resolve(route: CompiledRoute<Windows> | undefined, rfq: Rfq): Promise<Resolved<Windows>> {
    const table = this.#router.table;
    // A handle from before a reload stays valid while its instance is still in use.
    if (route !== undefined && table.instances.get(route.instance.key) === route.instance) return { route };
    return { route: table.match(await this.#matchInput(table, rfq)) };
  }

  async #matchInput(table: RouteTable<Windows>, rfq: Rfq): Promise<RouteMatchInput> {
    let eventTicker = rfq.eventTicker;
    if (eventTicker === undefined && (table.needsEvent || table.needsSeries)) {
      const market = await callWithLimit('market data', this.#timeoutMs, this.#stop.signal, () =>
        this.#data.market(rfq.marketTicker),
      );
      if (market.kind === 'ok') eventTicker = market.value.eventTicker;
      else
        this.#log.debug(
          { rfqId: rfq.id, reason: failureReason(market) },
          'cannot read the event of the market',
        );
    }
    let seriesTicker: string | undefined;
    const seriesOf = this.#seriesOf;
    if (table.needsSeries && eventTicker !== undefined && seriesOf !== undefined) {
      const event = eventTicker;
      const series = await callWithLimit('series lookup', this.#timeoutMs, this.#stop.signal, () =>
        seriesOf(event),
      );
      if (series.kind === 'ok') seriesTicker = series.value;
      else
        this.#log.debug(
          { rfqId: rfq.id, reason: failureReason(series) },
          'cannot read the series of the event',
        );
    }
    return { marketTicker: rfq.marketTicker, eventTicker, seriesTicker };
  }

  #context(
    instance: StrategyInstance,
    route: CompiledRoute<Windows> | undefined,
    signal: AbortSignal,
    fields: object,
  ) {
    const ctx: StrategyContext<unknown> = {
      options: instance.options,
      log: this.#rootLog.child({
        module: 'strategy',
        strategy: instance.strategy.name,
        route: route?.label ?? instance.label,
        ...fields,
      }),
      clock: this.#clock,
      signal,
      data: this.#data,
    };
    return ctx;
  }

  #call<T>(
    instance: StrategyInstance,
    route: CompiledRoute<Windows> | undefined,
    call: string,
    timeoutMs: number,
    fields: object,
    fn: (ctx: StrategyContext<unknown>) => T | PromiseLike<T>,
  ): Promise<Limited<Awaited<T>>> {
    return callWithLimit(`${instance.strategy.name}.${call}`, timeoutMs, this.#stop.signal, (signal) =>
      fn(this.#context(instance, route, signal, fields)),
    );
  }

  #skipFor(log: Logger, result: Exclude<Limited<unknown>, { kind: 'ok' }>, route: CompiledRoute<Windows>) {
    const cause: SkipCause =
      result.kind === 'threw' ? 'threw' : result.kind === 'timeout' ? 'timeout' : 'stopped';
    return this.#skip(log, cause, failureReason(result), route);
  }

  #skip(
    log: Logger,
    cause: SkipCause,
    reason: string,
    route?: CompiledRoute<Windows>,
  ): PriceOutcome<Windows> {
    const fields = {
      cause,
      reason,
      ...(route ? { strategy: route.strategyName, route: route.label } : {}),
    };
    if (cause === 'no-route' || cause === 'declined' || cause === 'stopped') log.debug(fields, 'RFQ skipped');
    else if (cause === 'snapped-away') log.info(fields, 'RFQ skipped');
    else log.warn(fields, 'RFQ skipped: strategy error');
    return {
      kind: 'skip',
      cause,
      reason,
      ...(route ? { strategy: route.strategyName, route } : {}),
    };
  }
}
