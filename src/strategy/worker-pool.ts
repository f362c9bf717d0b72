import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../domain/clock.js';
import { siblingModule, type WorkerScript, workerScript } from '../ops/threads.js';
import { describeThrown } from './errors.js';
import type { HookCall, HookResult, StrategyHost } from './host.js';
import { failureReason } from './limit.js';
import { pluginFileOf, pluginModuleOf } from './loader.js';
import { Prefetcher, subjectOf } from './prefetch.js';
import type { StrategyInstance } from './router.js';
import type { MarketData } from './types.js';
import { type SetupFailure, WORKER_YOUNG_GENERATION_MB, WorkerSlot } from './worker-slot.js';

export interface WorkerPoolSettings {
  /** Worker threads. @default min(2, available cores) */
  readonly size?: number;
  /** A worker whose event loop does not answer for this long is terminated and replaced. @default 1000 */
  readonly hardTimeoutMs?: number;
  /** Heap limit per worker in MB; a worker past it is replaced. @default 128 */
  readonly maxMemoryMb?: number;
  /** Young-generation size of one worker (MB). */
  readonly youngGenerationMb?: number;
}

export interface WorkerPoolOptions extends WorkerPoolSettings {
  readonly data: MarketData;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Aborts calls in flight (they resolve as `stopped`) when the runner stops. */
  readonly stopSignal: AbortSignal;
  /** A worker was replaced: `reason` is `crashed`, `stuck` or `exited`. */
  readonly onRestart?: (reason: 'crashed' | 'stuck' | 'exited') => void;
  /**
   * Kept out of the workers' `process.env`: variables by name, and any variable whose value is
   * one of `secretValues` (the exchange keys and the ops token are no strategy's business).
   */
  readonly hiddenEnv?: readonly string[];
  readonly secretValues?: readonly string[];
}

/** The environment a worker starts with: the bot's, less the hidden and secret-valued variables. */
export function workerEnv(
  env: NodeJS.ProcessEnv,
  hidden: readonly string[] = [],
  secretValues: readonly string[] = [],
): Record<string, string> {
  const names = new Set(hidden);
  const secrets = new Set(secretValues.filter((value) => value.length > 0));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || names.has(name) || secrets.has(value)) continue;
    out[name] = value;
  }
  return out;
}

/** The worker's module next to this one, compiled or from source (workerScript bundles it). */
const WORKER_ENTRY = siblingModule(import.meta.url, 'worker/entry');

/** How long a worker may take to answer a ping before its teardown is skipped and it is ended. */
const STUCK_AT_TEARDOWN_MS = 250;
/** Consecutive start failures back off up to this long before the next replacement. */
const MAX_RESPAWN_DELAY_MS = 5_000;

/**
 * Strategy worker threads: one pool for every `isolation: worker` route. Each worker sets up
 * every active instance (so strategy state is per worker), calls go to the least busy ready
 * worker, and a worker that crashes, runs out of memory or stops answering is terminated and
 * replaced; its calls in flight end as `crashed` skips.
 */
export class StrategyWorkerPool implements StrategyHost {
  readonly size: number;
  readonly #options: WorkerPoolOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #hardTimeoutMs: number;
  readonly #maxMemoryMb: number;
  readonly #youngGenerationMb: number;
  #entry: WorkerScript | undefined;
  /** Instances set up on the pool: a replacement worker sets them up before its first call of each. */
  readonly #active = new Map<string, { instance: StrategyInstance; timeoutMs: number }>();
  readonly #prefetcher: Prefetcher;
  #slots: WorkerSlot[] = [];
  #nextSlotId = 0;
  #closed = false;
  #started: Promise<void> | undefined;
  #failedStarts = 0;
  #waiters: (() => void)[] = [];

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.size = options.size ?? Math.min(2, availableParallelism());
    this.#hardTimeoutMs = options.hardTimeoutMs ?? 1_000;
    this.#maxMemoryMb = options.maxMemoryMb ?? 128;
    this.#youngGenerationMb = options.youngGenerationMb ?? WORKER_YOUNG_GENERATION_MB;
    this.#log = options.logger.child({ module: 'strategy-workers' });
    this.#clock = options.clock ?? systemClock;
    this.#prefetcher = new Prefetcher(options.data);
  }

  /** Calls sent to workers and not answered yet (timed-out ones included). */
  get inFlight(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.load, 0);
  }

  /** Market-data reads the live workers asked for (the prefetched ones are not asked for). */
  get servedReads(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.servedReads, 0);
  }

  /** Workers ready to take calls now. */
  get readyWorkers(): number {
    return this.#slots.filter((slot) => slot.isReady && slot.warm).length;
  }

  /** Starts the workers; rejects when one cannot start (a broken entry, tsx missing). */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#entry = await workerScript(WORKER_ENTRY);
      for (let i = 0; i < this.size; i++) this.#spawn();
      await Promise.all(this.#slots.map((slot) => slot.ready));
      this.#log.info({ workers: this.size, hardTimeoutMs: this.#hardTimeoutMs }, 'strategy workers ready');
    })();
    return this.#started;
  }

  async setup(instance: StrategyInstance, timeoutMs: number): Promise<string | undefined> {
    const file = pluginFileOf(instance.strategy);
    if (file === undefined) return `strategy "${instance.strategy.name}" was not loaded from a file`;
    try {
      await this.start();
    } catch (error) {
      return describeThrown(error);
    }
    this.#active.set(instance.key, { instance, timeoutMs });
    const results = await Promise.all(this.#slots.map((slot) => this.#ensure(slot, instance)));
    return results.find((failure) => failure !== undefined)?.reason;
  }

  async teardown(instance: StrategyInstance, timeoutMs: number): Promise<void> {
    this.#active.delete(instance.key);
    this.#prefetcher.forget(instance.key);
    await Promise.all(
      this.#slots.map(async (slot) => {
        const ready = slot.instances.get(instance.key);
        if (ready === undefined) return;
        slot.instances.delete(instance.key);
        if ((await ready) !== undefined || !slot.alive) return;
        // A worker stuck in a loop cannot tear down: end it now rather than wait for the watchdog.
        if (!(await slot.responsive(Math.min(this.#hardTimeoutMs, STUCK_AT_TEARDOWN_MS)))) {
          await slot.terminate('stuck: no answer at teardown');
          return;
        }
        const result = await slot.send(
          {
            t: 'call',
            key: instance.key,
            hook: 'teardown',
            args: [],
            timeoutMs,
            fields: this.#fields(instance),
          },
          { name: `${instance.strategy.name}.teardown`, route: instance.label },
        );
        if (result.kind !== 'ok') {
          this.#log.warn(
            {
              strategy: instance.strategy.name,
              route: instance.label,
              worker: slot.id,
              reason: failureReason(result),
            },
            'strategy teardown failed',
          );
        }
      }),
    );
  }

  async call<T>(instance: StrategyInstance, call: HookCall): Promise<HookResult<T>> {
    const stop = this.#options.stopSignal;
    if (stop.aborted || this.#closed) return { kind: 'stopped' };
    const slot = await this.#pick(instance, call.timeoutMs);
    if (slot === undefined) {
      if (stop.aborted || this.#closed) return { kind: 'stopped' };
      return { kind: 'timeout', timeoutMs: call.timeoutMs, excused: 'no strategy worker was ready' };
    }
    let sent: { readonly answer: Promise<HookResult<unknown>> } | HookResult<T>;
    try {
      sent = await this.#send<T>(slot, instance, call);
    } finally {
      slot.dispatching -= 1;
    }
    if (!('answer' in sent)) return sent;
    return (await raceStop(sent.answer, stop)) as HookResult<T>;
  }

  /** Sets the instance up on the worker if needed, prefetches, and sends the call. */
  async #send<T>(
    slot: WorkerSlot,
    instance: StrategyInstance,
    call: HookCall,
  ): Promise<{ readonly answer: Promise<HookResult<unknown>> } | HookResult<T>> {
    const failure = await this.#ensure(slot, instance);
    if (failure !== undefined) {
      const reason = `setup on worker ${slot.id} failed: ${failure.reason}`;
      return failure.excused === undefined
        ? { kind: 'crashed', reason }
        : { kind: 'crashed', reason, excused: failure.excused };
    }
    const about = subjectOf(call);
    const prefetched = about === undefined ? undefined : await this.#prefetcher.fetch(instance.key, about);
    const answer = slot.send(
      {
        t: 'call',
        key: instance.key,
        hook: call.hook,
        args: [...call.args],
        timeoutMs: call.timeoutMs,
        fields: { ...this.#fields(instance), route: call.route, ...call.fields },
        ...(prefetched ? { prefetched: prefetched.values } : {}),
      },
      {
        name: `${instance.strategy.name}.${call.hook}`,
        route: call.route,
        ...(call.lateFailure ? { lateFailure: call.lateFailure } : {}),
        ...(about
          ? {
              subject: { ticker: about.ticker, event: prefetched?.event },
              learn: this.#prefetcher.learner(instance.key),
            }
          : {}),
      },
    );
    return { answer };
  }

  /** Terminates every worker. Teardown must have run. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    const slots = this.#slots;
    this.#slots = [];
    await Promise.all(slots.map((slot) => slot.terminate('closed')));
  }

  /** Aborts `ctx.signal` of every call in flight (the runner is stopping). */
  cancelAll(): void {
    for (const slot of this.#slots) slot.cancelAll();
  }

  /** A reload's log level to every worker (replacements start with the logger's own). */
  setLogLevel(level: string): void {
    for (const slot of this.#slots) slot.setLogLevel(level);
  }

  #fields(instance: StrategyInstance): Record<string, unknown> {
    return { strategy: instance.strategy.name, route: instance.label };
  }

  #ensure(slot: WorkerSlot, instance: StrategyInstance): Promise<SetupFailure | undefined> {
    let ready = slot.instances.get(instance.key);
    if (ready === undefined) {
      const file = pluginFileOf(instance.strategy) as string;
      const module = pluginModuleOf(instance.strategy) as string;
      const timeoutMs = this.#active.get(instance.key)?.timeoutMs ?? 10_000;
      ready = slot
        .send(
          {
            t: 'setup',
            key: instance.key,
            file,
            module,
            strategy: instance.strategy.name,
            options: instance.rawOptions,
            timeoutMs,
            fields: this.#fields(instance),
          },
          { name: `${instance.strategy.name}.setup`, route: instance.label },
        )
        .then((result): SetupFailure | undefined => {
          if (result.kind === 'ok') return undefined;
          const reason = failureReason(result);
          if (result.excused !== undefined) return { reason, excused: result.excused };
          this.#log.warn(
            { strategy: instance.strategy.name, route: instance.label, worker: slot.id, reason },
            'strategy setup failed in a worker',
          );
          return { reason };
        });
      slot.instances.set(instance.key, ready);
    }
    return ready;
  }

  /** The least busy ready worker, preferring one where the instance is set up; waits for one. Reserves it. */
  async #pick(instance: StrategyInstance, waitMs: number): Promise<WorkerSlot | undefined> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      let best: WorkerSlot | undefined;
      let bestScore = Number.POSITIVE_INFINITY;
      for (const slot of this.#slots) {
        if (!slot.isReady || !slot.warm) continue;
        const score = (slot.load + slot.dispatching) * 2 + (slot.instances.has(instance.key) ? 0 : 1);
        if (score < bestScore) {
          best = slot;
          bestScore = score;
        }
      }
      if (best !== undefined) {
        // Counted as load from the pick on, so calls picked in the same tick spread out.
        best.dispatching += 1;
        return best;
      }
      const left = deadline - performance.now();
      if (left <= 0 || this.#closed || this.#options.stopSignal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #spawn(replacement = false): void {
    const entry = this.#entry;
    if (entry === undefined) throw new Error('strategy workers spawned before the pool started');
    const slot = new WorkerSlot({
      id: ++this.#nextSlotId,
      entry,
      data: this.#options.data,
      clock: this.#clock,
      log: this.#options.logger,
      hardTimeoutMs: this.#hardTimeoutMs,
      maxMemoryMb: this.#maxMemoryMb,
      youngGenerationMb: this.#youngGenerationMb,
      env: workerEnv(process.env, this.#options.hiddenEnv, this.#options.secretValues),
      onExit: (gone, reason, culprit) => this.#replace(gone, reason, culprit),
    });
    this.#slots.push(slot);
    slot.ready.then(
      async () => {
        this.#failedStarts = 0;
        if (replacement) {
          // Set up like the others before it takes calls: no call waits for a replacement's setup.
          await Promise.all([...this.#active.values()].map(({ instance }) => this.#ensure(slot, instance)));
          this.#log.info({ worker: slot.id }, 'replacement strategy worker ready');
        }
        slot.warm = true;
        this.#wake();
      },
      () => undefined,
    );
  }

  #replace(gone: WorkerSlot, reason: string, culprit: string | undefined): void {
    const index = this.#slots.indexOf(gone);
    if (index === -1 || this.#closed) return;
    this.#slots.splice(index, 1);
    if (this.#options.stopSignal.aborted) return;
    const kind = reason.startsWith('stuck') ? 'stuck' : reason.startsWith('crashed') ? 'crashed' : 'exited';
    this.#options.onRestart?.(kind);
    if (!gone.isReady) this.#failedStarts += 1;
    const delayMs =
      this.#failedStarts === 0 ? 0 : Math.min(MAX_RESPAWN_DELAY_MS, 100 * 2 ** this.#failedStarts);
    this.#log.error(
      { worker: gone.id, reason, ...(culprit ? { call: culprit } : {}), respawnInMs: delayMs },
      `strategy worker ${gone.id} ${kind === 'stuck' ? 'terminated' : 'ended'} (${reason}); replacing it`,
    );
    // Real time: a replacement must come even when the bot runs on a test clock.
    const timer = setTimeout(() => {
      if (!this.#closed && !this.#options.stopSignal.aborted) this.#spawn(true);
    }, delayMs);
    timer.unref();
  }
}

function raceStop<T>(work: Promise<T>, stop: AbortSignal): Promise<T | { kind: 'stopped' }> {
  if (stop.aborted) return Promise.resolve({ kind: 'stopped' });
  return new Promise((resolve) => {
    const onAbort = () => resolve({ kind: 'stopped' });
    stop.addEventListener('abort', onAbort, { once: true });
    work.then((value) => {
      stop.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}
