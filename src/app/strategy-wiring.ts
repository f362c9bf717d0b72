/**
 * The strategies: loaded from `strategies.dir`, routed by the config's routes, run by the
 * runner (time limits, isolation), their failures counted in the metrics.
 */
import type { QuoteManager } from '../quotes/quote-manager.js';
import type { WindowSchedule } from '../risk/windows.js';
import { loadStrategies } from '../strategy/loader.js';
import { StrategyRouter } from '../strategy/router.js';
import { StrategyRunner } from '../strategy/runner.js';
import type { App } from './app.js';
import { routesFrom, strategyRunnerSettingsFrom } from './options-from-config.js';

/** The app's parts the runner prices with and reports to; `data` exists once the exchange is reached. */
export type StrategyHost = Pick<App, 'config' | 'logger' | 'clock' | 'data' | 'metrics'>;

/** The runner, started, with its routes' trading windows; `manager` is undefined until the engine is built. */
export async function buildStrategies(
  host: StrategyHost,
  manager: () => QuoteManager | undefined,
): Promise<StrategyRunner<WindowSchedule | undefined>> {
  const config = host.config;
  const registry = await loadStrategies({ dir: config.strategies.dir, logger: host.logger });
  const router = new StrategyRouter<WindowSchedule | undefined>(
    registry,
    routesFrom(config, host.logger, host.clock),
    host.logger,
  );
  const runner = new StrategyRunner({
    router,
    data: host.data,
    logger: host.logger,
    clock: host.clock,
    ...strategyRunnerSettingsFrom(config),
    seriesOf: async (eventTicker) => (await host.data.event(eventTicker)).seriesTicker,
    events: {
      onFailure: (strategy, kind) => host.metrics.strategyFailures.inc({ strategy, kind }),
      onDisabledCount: (count) => host.metrics.strategyRoutesDisabled.set(count),
      // A disabled strategy would decline every accept at last look: its quotes go now.
      onDisabled: (route, reason) => void manager()?.pullAll(`route disabled: ${reason}`, route),
      onWorkerRestart: (reason) => host.metrics.strategyWorkerRestarts.inc({ reason }),
    },
  });
  await runner.start();
  for (const route of router.table.routes) route.windows?.start();
  return runner;
}
