/**
 * Wiring only: builds every part from the config and connects them (DESIGN.md's flow).
 * The decisions live in the parts; this file decides who talks to whom, and in which order
 * things start and stop. Each longer procedure (journal opening, account reads, reload,
 * shutdown, …) lives in a module of its own named for it, given only the parts it needs.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import { ClusterExposureBook } from '../cluster/exposure-book.js';
import { type Config, configHash, redactedRoutes } from '../config/index.js';
import { type Clock, systemClock } from '../domain/clock.js';
import type { JournalEvent } from '../journal/events.js';
import type { Journal } from '../journal/journal.js';
import type { RecordingFile } from '../journal/recording-file.js';
import type { RequestGate } from '../kalshi/gate.js';
import type { FetchLike, KalshiClient } from '../kalshi/index.js';
import type { LiveBooks } from '../market/live-books.js';
import type { MarketDataCache } from '../market/market-cache.js';
import { RecentActivity } from '../ops/dashboard/activity.js';
import type { Dashboard } from '../ops/dashboard/dashboard.js';
import { createLogger } from '../ops/logger.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import type { Schedules } from '../ops/schedules.js';
import { type OpsServer, type ReadinessCheck, standardReadinessChecks } from '../ops/server.js';
import type { FillSync } from '../quotes/fill-sync.js';
import type { OwnQuoteWatcher } from '../quotes/own-quote-watcher.js';
import type { QuoteManager } from '../quotes/quote-manager.js';
import { QuoteStore } from '../quotes/quote-store.js';
import type { RfqPoller } from '../rfq/poller.js';
import type { RfqPushSource } from '../rfq/push-source.js';
import { RfqBook } from '../rfq/rfq-book.js';
import { ExposureBook } from '../risk/exposure.js';
import { KillSwitch, type SignalEmitter } from '../risk/kill-switch.js';
import type { RiskLimits } from '../risk/limits.js';
import { WindowSchedule } from '../risk/windows.js';
import type { SimulatorHandle, SimulatorOptions } from '../simulator/index.js';
import type { StrategyRunner } from '../strategy/runner.js';
import type { ActionQueue } from '../throttle/action-queue.js';
import { readAccount, reconcileAtStartup, restoreDay } from './account-startup.js';
import { startCluster } from './cluster-wiring.js';
import { buildEngine } from './engine-wiring.js';
import { connectExchange } from './exchange.js';
import { buildExchangeParts } from './exchange-parts.js';
import { journalPnl, openJournal } from './journal-open.js';
import { type JournalWiring, type WiringCost, wireJournal } from './journal-wiring.js';
import { startOpsServer } from './ops-wiring.js';
import { killSwitchLimitsFrom, quotingSettingsFrom, riskLimitsFrom } from './options-from-config.js';
import { type EngineParts, type ExchangeParts, type RunningParts, started } from './parts.js';
import { buildPushSource } from './push-wiring.js';
import { type ReloadResult, reloadConfig } from './reload.js';
import { type StopReport, stopApp } from './shutdown.js';
import { StartupAbortedError } from './startup-aborted.js';
import { buildStrategies } from './strategy-wiring.js';

export type { ReloadResult, StopReport };
export { StartupAbortedError };

export interface AppOverrides {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Extra options for the embedded simulator (tests: short windows, no takers, …). */
  readonly simulator?: Partial<SimulatorOptions>;
  /** Where SIGUSR2 (kill) is listened for; false = nowhere. @default process */
  readonly signals?: SignalEmitter | false;
  readonly fetch?: FetchLike;
  /** Start the ops HTTP server. @default true */
  readonly opsServer?: boolean;
  /**
   * Benchmarks only: the gate the client and the poller use instead of the action queue (e.g.
   * `unlimitedGate`: no budgets, no priorities). The queue still exists, idle, for shutdown.
   */
  readonly gate?: RequestGate;
  /**
   * Called when the bot must stop on its own (the journal cannot write and `journal.onError` is
   * stop): main.ts shuts down as on SIGTERM and exits 1. Without it the app stops itself.
   */
  readonly onFatal?: (reason: string) => void;
  /** Also write every journaled event to this file in the recording format (`--record FILE`). */
  readonly record?: string;
}

/** Everything the running bot is made of; tests and benchmarks reach in here. */
export class App {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly exposure: ExposureBook;
  readonly killSwitch: KillSwitch;
  readonly windows: WindowSchedule;
  readonly counters;
  /** The latest accepts and executions, for the dashboard. */
  readonly activity: RecentActivity;
  simulator: SimulatorHandle | undefined;
  push: RfqPushSource | undefined;
  ops: OpsServer | undefined;
  dashboard: Dashboard | undefined;
  /** The durable journal (journal.enabled), open from the start of `start()`. */
  journal: Journal | undefined;
  /** The recording file (`--record`), beside the journal or without it. */
  recording: RecordingFile | undefined;
  /** This process's run in the journal. */
  readonly runId = randomUUID();
  /** Several instances on one account (cluster.redis); undefined for a single instance. */
  cluster: Cluster | undefined;
  communicationsId: string | undefined;
  #journalWiring: JournalWiring | undefined;
  /** Built together once the exchange is reached. */
  #exchange: ExchangeParts | undefined;
  /** Built once the strategies are loaded (before the engine that uses it). */
  #runner: StrategyRunner<WindowSchedule | undefined> | undefined;
  /** Built together once the runner exists. */
  #engine: EngineParts | undefined;
  #config: Config;
  #limits: RiskLimits;
  #settings;
  #authenticated = false;
  #started = false;
  #starting: Promise<void> | undefined;
  #stopRequested = false;
  #stopping: Promise<StopReport> | undefined;
  #cleanups: (() => void)[] = [];
  /** When a create_quote attempt last ended in a way that may still land (no answer, 5xx). */
  #lastUncertainCreateAt = 0;

  constructor(
    config: Config,
    private readonly overrides: AppOverrides = {},
  ) {
    this.#config = config;
    this.clock = overrides.clock ?? systemClock;
    this.logger =
      overrides.logger ??
      createLogger({
        level: config.logging.level,
        format: config.logging.format,
        secrets: Object.values(config.secrets).filter((s) => typeof s === 'string' && s.length > 0),
      });
    this.metrics = createMetrics({ clock: this.clock });
    this.#limits = riskLimitsFrom(config);
    this.#settings = quotingSettingsFrom(config);
    this.book = new RfqBook(this.clock);
    this.store = new QuoteStore(this.logger.child({ module: 'quotes' }), this.clock);
    this.activity = new RecentActivity({ clock: this.clock });
    this.store.onTransition(this.activity.transition);
    const exposureOptions = {
      clock: this.clock,
      dayTimeZone: config.risk.dayStartTimezone,
      log: this.logger,
      eventOf: (ticker: string) => this.#exchange?.data.cachedMarket(ticker)?.eventTicker,
    };
    // In a cluster every snapshot also carries the other instances' reservations.
    this.exposure = config.cluster.redis
      ? new ClusterExposureBook(exposureOptions)
      : new ExposureBook(exposureOptions);
    this.killSwitch = new KillSwitch({
      killFile: config.risk.killSwitch.file,
      ...killSwitchLimitsFrom(config),
      clock: this.clock,
      log: this.logger,
    });
    this.windows = new WindowSchedule({ windows: config.risk.windows, clock: this.clock, log: this.logger });
    this.counters = { rfqsSeen: 0, quoted: 0, accepted: 0, confirmed: 0, executed: 0 };
  }

  get config(): Config {
    return this.#config;
  }

  // The parts built during start(): reading one before it exists is a programming error.
  get queue(): ActionQueue {
    return started(this.#exchange, 'queue').queue;
  }
  get client(): KalshiClient {
    return started(this.#exchange, 'client').client;
  }
  get data(): MarketDataCache {
    return started(this.#exchange, 'data').data;
  }
  /** Streamed order books, when exchange.marketCache.streamBooks and the push are on. */
  get liveBooks(): LiveBooks | undefined {
    return started(this.#exchange, 'liveBooks').books;
  }
  get watcher(): OwnQuoteWatcher {
    return started(this.#exchange, 'watcher').watcher;
  }
  get runner(): StrategyRunner<WindowSchedule | undefined> {
    return started(this.#runner, 'runner');
  }
  get manager(): QuoteManager {
    return started(this.#engine, 'manager').manager;
  }
  get poller(): RfqPoller {
    return started(this.#engine, 'poller').poller;
  }
  get schedules(): Schedules {
    return started(this.#engine, 'schedules').schedules;
  }
  /** `GET /portfolio/fills` as the reconciler of the `fill` push. */
  get fillSync(): FillSync {
    return started(this.#engine, 'fillSync').fillSync;
  }

  /** Every part, once startup has built them all (undefined before): for views such as the dashboard. */
  get running(): RunningParts | undefined {
    if (!this.#exchange || !this.#engine) return undefined;
    return { ...this.#exchange, ...this.#engine };
  }

  /** The bot thread's time the journal took: its hooks, and handing batches to the writer. */
  get journalCost(): { readonly hooks?: WiringCost; readonly flush?: Journal['cost'] } {
    return {
      ...(this.#journalWiring ? { hooks: this.#journalWiring.cost } : {}),
      ...(this.journal ? { flush: this.journal.cost } : {}),
    };
  }

  /** True once the exchange has answered a signed request. */
  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** The risk limits in force (a reload replaces them). */
  get riskLimits(): RiskLimits {
    return this.#limits;
  }

  /** What /readyz and the dashboard report: authenticated, poller recent, journal, kill switch, cluster. */
  readinessChecks(): ReadinessCheck[] {
    const { poller } = this.#config;
    const checks = standardReadinessChecks({
      authenticated: this.#authenticated,
      lastPollerCycleAt: this.#engine?.poller.lastCompletedAt,
      pollerIntervalMs: this.push?.connected
        ? Math.max(poller.intervalMs, poller.intervalWithPushMs)
        : poller.intervalMs,
      killSwitched: this.killSwitch.isTripped,
      ...(this.journal ? { journal: this.journal.health() } : {}),
      ...(this.killSwitch.state.reason ? { killReason: this.killSwitch.state.reason } : {}),
      now: this.clock.now(),
    });
    return this.cluster ? [...checks, this.cluster.readiness()] : checks;
  }

  /**
   * Connects to the exchange (or starts the embedded simulator), reconciles, and starts quoting.
   * A `stop()` meanwhile makes it quit at its next step with `StartupAbortedError`: nothing starts
   * after the stop began, and the stop unwinds what had.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('app already started');
    this.#started = true;
    this.#starting = this.#start();
    try {
      await this.#starting;
    } catch (error) {
      if (error instanceof StartupAbortedError) {
        this.logger
          .child({ module: 'app' })
          .info({ after: error.step }, 'startup stopped: a stop was requested');
      }
      throw error;
    }
  }

  /** Between startup steps: quit if a stop was requested meanwhile. */
  #continueAfter(step: string): void {
    if (this.#stopRequested) throw new StartupAbortedError(step);
  }

  async #start(): Promise<void> {
    const config = this.#config;
    const log = this.logger.child({ module: 'app' });
    const hash = configHash(config);
    const environment = config.exchange.environment;
    log.info(
      { configHash: hash, environment },
      `starting kalshi-rfq-maker: config ${hash}, environment ${environment}${config.dryRun ? ', dry run' : ''} (npm start -- --print-config shows it)`,
    );
    this.#continueAfter('nothing');

    await openJournal(
      this,
      {
        overrides: this.overrides,
        record: (event) => this.#record(event),
        wire: () => this.#wireJournal(),
        addCleanup: (cleanup) => this.#cleanups.push(cleanup),
      },
      log,
      hash,
    );
    const connection = await connectExchange(config, this.logger, this.overrides.simulator);
    this.simulator = connection.simulator;
    const { baseUrl, credentials, wsUrl } = connection;
    this.#continueAfter('connecting');
    this.cluster = await startCluster(this, config, credentials, () => this.#settings.ttlMs);
    this.#exchange = buildExchangeParts(this, {
      config,
      baseUrl,
      credentials,
      gate: this.overrides.gate,
      fetch: this.overrides.fetch,
      onUncertainCreate: (at) => {
        this.#lastUncertainCreateAt = at;
      },
      journalWiring: () => this.#journalWiring,
    });
    // Before the quote manager hears of a new RFQ: its market, event and fees start loading.
    this.#cleanups.push(
      this.book.subscribe({ added: (rfq) => this.data.warm(rfq.marketTicker, rfq.eventTicker) }),
    );

    await readAccount(
      this,
      {
        authenticated: () => {
          this.#authenticated = true;
        },
        continueAfter: (step) => this.#continueAfter(step),
      },
      log,
    );
    const fillsFrom = await restoreDay(this, log);
    this.#continueAfter('reading positions and fills');
    this.#runner = await buildStrategies(this, () => this.#engine?.manager);
    log.info({ routes: redactedRoutes(config) }, 'strategy options');
    this.#continueAfter('loading strategies');
    this.#engine = buildEngine(this, {
      config,
      exchange: this.#exchange,
      runner: this.#runner,
      limits: () => this.#limits,
      settings: () => this.#settings,
      journalEvents: this.#journalWiring?.events,
      fillsFrom,
      gate: this.overrides.gate,
      lastUncertainCreateAt: () => this.#lastUncertainCreateAt,
    });
    const { manager } = this.#engine;
    // Commits wait (journal.maxDeferMs at most) while an RFQ is on its way to a quote or an
    // accept through last look: those would wait behind them.
    this.journal?.deferWhile(() => manager.busy);
    await reconcileAtStartup(this, () => this.#settings.ttlMs, log);
    this.#continueAfter('reconciling open quotes');
    await this.killSwitch.start();
    // The gauge follows the switch whether or not the ops server runs (the kill file may exist already).
    this.metrics.setKillSwitch(this.killSwitch.isTripped);
    this.#cleanups.push(this.killSwitch.onChange((state) => this.metrics.setKillSwitch(state.tripped)));
    this.#continueAfter('starting the kill switch');
    if (this.overrides.opsServer !== false) {
      const { ops, dashboard } = await startOpsServer(this);
      this.ops = ops;
      this.dashboard = dashboard;
    }
    this.#continueAfter('starting the ops server');

    // From here on nothing awaits: every loop starts, or (stopped before) none does.
    const signals = this.overrides.signals === undefined ? process : this.overrides.signals;
    if (signals) this.#cleanups.push(this.killSwitch.installSignalTrigger(signals, { resume: null }));
    // A day already past its loss limit (rebuilt from the fills) trips now, before anything
    // quotes, not at the first mark seconds later.
    const restored = this.exposure.snapshot().pnl;
    this.killSwitch.checkPnl(restored.total, restored.peak);
    this.windows.start();
    this.manager.start();
    // Tripped before the manager listened (kill file, a restored trip): quotes adopted from an
    // earlier run must not stay live.
    if (this.killSwitch.isTripped)
      void this.manager.pullAll(`kill switch: ${this.killSwitch.state.reason ?? 'tripped'}`);
    this.poller.start();
    this.watcher.start();
    this.#exchange.warmer?.start();
    this.#exchange.books?.start();
    this.fillSync.start();
    if (config.poller.websocket && credentials) {
      this.push = buildPushSource(this, wsUrl);
      this.push.start();
    }
    this.schedules.start();
    log.info(
      {
        environment: config.exchange.environment,
        baseUrl,
        communicationsId: this.communicationsId,
        dryRun: config.dryRun,
        ops: this.ops?.url,
      },
      'quoting',
    );
  }

  /** One journaled event to the journal and the recording, whichever are open. */
  #record(event: JournalEvent): void {
    this.journal?.record(event);
    this.recording?.record(event);
  }

  #wireJournal(): void {
    this.#journalWiring = wireJournal({
      journal: { record: (event) => this.#record(event) },
      store: this.store,
      book: this.book,
      killSwitch: this.killSwitch,
      clock: this.clock,
    });
  }

  /**
   * Applies a reloaded config: limits, strategy options and routes, quoting settings, filters.
   * `trigger` (SIGHUP, file changed, …) leads the log line: what caused the reload.
   */
  reload(next: Config, trigger?: string): Promise<ReloadResult> {
    return reloadConfig(
      this,
      {
        record: (event) => this.#record(event),
        setLimits: (limits) => {
          this.#limits = limits;
        },
        setSettings: (settings) => {
          this.#settings = settings;
        },
        setConfig: (config) => {
          this.#config = config;
        },
      },
      next,
      trigger,
    );
  }

  /**
   * Shutdown: stop finding RFQs, refuse new creates and all confirms, delete every live quote,
   * then check at the exchange that nothing of ours is left open (deleting stragglers) until
   * `quoting.shutdownTimeoutMs`. Safe to call twice.
   */
  stop(reason = 'shutdown'): Promise<StopReport> {
    this.#stopRequested = true;
    this.#stopping ??= stopApp(
      this,
      {
        starting: this.#starting,
        exchange: () => this.#exchange,
        engine: () => this.#engine,
        runner: () => this.#runner,
        authenticated: () => this.#authenticated,
        lastUncertainCreateAt: () => this.#lastUncertainCreateAt,
        takeCleanups: () => this.#cleanups.splice(0),
        disposeJournalWiring: () => this.#journalWiring?.dispose(),
        journalPnl: () => journalPnl(this, (event) => this.#record(event)),
        record: (event) => this.#record(event),
      },
      reason,
    );
    return this.#stopping;
  }
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  return new App(config, overrides);
}
