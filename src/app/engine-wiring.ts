/**
 * The quoting engine, built once the exchange is reached and the strategies are loaded:
 * schedules, quote manager, fill sync and poller, wired to metrics, journal and dashboard.
 */
import type { Config } from '../config/index.js';
import type { EpochMs } from '../domain/types.js';
import type { RequestGate } from '../kalshi/gate.js';
import { wireQuoteMetrics } from '../ops/metrics-wiring.js';
import { Schedules } from '../ops/schedules.js';
import type { QuoteManagerEvents, QuotingDeps, QuotingSettings } from '../quotes/context.js';
import { FillSync } from '../quotes/fill-sync.js';
import { QuoteManager } from '../quotes/quote-manager.js';
import { RfqPoller } from '../rfq/poller.js';
import type { RiskLimits } from '../risk/limits.js';
import type { WindowSchedule } from '../risk/windows.js';
import type { StrategyRunner } from '../strategy/runner.js';
import type { App } from './app.js';
import { activityEvents } from './dashboard-wiring.js';
import { combineEvents } from './journal-wiring.js';
import { pollerTunables } from './options-from-config.js';
import type { EngineParts, ExchangeParts } from './parts.js';

/** The app's long-lived parts the engine is built around. */
export type EngineHost = Pick<
  App,
  | 'exposure'
  | 'killSwitch'
  | 'store'
  | 'book'
  | 'metrics'
  | 'logger'
  | 'clock'
  | 'windows'
  | 'activity'
  | 'counters'
  | 'cluster'
  | 'push'
  | 'communicationsId'
  | 'config'
>;

export interface EngineInputs {
  readonly config: Config;
  readonly exchange: ExchangeParts;
  readonly runner: StrategyRunner<WindowSchedule | undefined>;
  readonly limits: () => RiskLimits;
  readonly settings: () => QuotingSettings;
  readonly journalEvents: QuoteManagerEvents | undefined;
  /** The newest fill booked at startup: where the fill listing resumes. */
  readonly fillsFrom: number;
  /** Benchmarks only: the poller's gate instead of the action queue. */
  readonly gate: RequestGate | undefined;
  /** When a create last ended in a way that may still land (no answer, 5xx). */
  readonly lastUncertainCreateAt: () => EpochMs;
}

export function buildEngine(host: EngineHost, inputs: EngineInputs): EngineParts {
  const { config, exchange, runner } = inputs;
  const { client, queue, data, watcher } = exchange;
  let fillSync: FillSync | undefined;
  const schedules = new Schedules(
    {
      exposure: host.exposure,
      killSwitch: host.killSwitch,
      data,
      store: host.store,
      book: host.book,
      metrics: host.metrics,
      logger: host.logger.child({ module: 'schedules' }),
      clock: host.clock,
      limits: inputs.limits,
      positions: async () => (await client.allPositions()).marketPositions,
      syncFills: async () => {
        await fillSync?.sync('position reconciliation');
      },
      fillsCaughtUp: (through) => host.cluster?.fillsCaughtUp(through),
    },
    {
      reconcileCron: config.risk.reconcileCron,
      markIntervalMs: 5_000,
      summaryIntervalMs: config.logging.summaryIntervalMs,
    },
  );
  Object.assign(schedules.counters, host.counters);
  const deps: QuotingDeps = {
    store: host.store,
    book: host.book,
    client: host.cluster ? host.cluster.fence(client) : client,
    cluster: host.cluster,
    runner,
    data,
    exposure: host.exposure,
    limits: inputs.limits,
    settings: inputs.settings,
    killSwitch: host.killSwitch,
    windows: host.windows,
    dryRun: config.dryRun,
    logger: host.logger.child({ module: 'quote-manager' }),
    clock: host.clock,
    lastUncertainCreateAt: inputs.lastUncertainCreateAt,
    events: combineEvents(
      wireQuoteMetrics({
        store: host.store,
        metrics: host.metrics,
        counters: schedules.counters,
        killSwitch: host.killSwitch,
        logger: host.logger.child({ module: 'quote-manager' }),
      }),
      inputs.journalEvents ?? {},
      activityEvents(host.activity),
    ),
  };
  const manager = new QuoteManager(deps, {
    sweepIntervalMs: config.quoting.sweepIntervalMs,
    nudgeWatcher: () => void watcher.checkNow().catch(() => undefined),
    readBudget: () => queue.budget('read').available,
    minReadTokens: () => host.config.poller.minReadTokens,
    awaitExecutionsOnStop: !config.dryRun,
  });
  fillSync = new FillSync(
    {
      source: client,
      take: (fill, source) => manager.fills.take(fill, source).kind === 'booked',
      onTick: () => manager.fills.expire(),
      clock: host.clock,
      logger: host.logger.child({ module: 'fills' }),
      intervalMs: config.quoting.fillSyncIntervalMs,
      pushConnected: () => host.push?.connected === true,
    },
    inputs.fillsFrom,
  );
  const poller = new RfqPoller({
    source: client,
    book: host.book,
    gate: inputs.gate ?? queue,
    logger: host.logger.child({ module: 'poller' }),
    clock: host.clock,
    intervalMs: config.poller.intervalMs,
    intervalWithPushMs: config.poller.intervalWithPushMs,
    pushConnected: () => host.push?.connected === true,
    ...pollerTunables(config),
    // The current config's: a reload may change it.
    ownCommunicationsId: () => (host.config.poller.ignoreOwnRfqs ? host.communicationsId : undefined),
    onCycle: (result) => {
      const outcome = result.kind === 'completed' ? 'ok' : result.kind === 'skipped' ? 'skipped' : 'error';
      host.metrics.pollerCycle(outcome, host.clock.now());
      host.metrics.observeBudget(queue.budget('read'));
      host.metrics.observeBudget(queue.budget('write'));
    },
  });
  return Object.freeze({ runner, schedules, manager, fillSync, poller });
}
