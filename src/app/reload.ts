/**
 * Config reload on a running app (SIGHUP, the file changed, …): a change that needs a restart is
 * refused, hot keys are put in force, and every attempt is journaled as what it turned out to be.
 */
import { type Config, configHash, diffConfig, restartRequiredMessage } from '../config/index.js';
import type { JournalEvent } from '../journal/events.js';
import type { QuotingSettings } from '../quotes/context.js';
import type { RiskLimits } from '../risk/limits.js';
import { TradingWindows } from '../risk/windows.js';
import type { App } from './app.js';
import {
  killSwitchLimitsFrom,
  pollerTunables,
  quotingSettingsFrom,
  riskLimitsFrom,
  routesFrom,
} from './options-from-config.js';

export type ReloadResult =
  | { readonly applied: true; readonly changed: readonly string[] }
  | { readonly applied: false; readonly reason: string };

/** The running parts a reload reconfigures; `runner` and `poller` exist once start() built them. */
export type ReloadHost = Pick<
  App,
  'config' | 'logger' | 'clock' | 'runner' | 'poller' | 'push' | 'killSwitch' | 'windows'
>;

/** The app's own state a reload replaces, and where its outcome is journaled. */
export interface ReloadTarget {
  readonly record: (event: JournalEvent) => void;
  readonly setLimits: (limits: RiskLimits) => void;
  readonly setSettings: (settings: QuotingSettings) => void;
  readonly setConfig: (config: Config) => void;
}

/**
 * Applies a reloaded config: limits, strategy options and routes, quoting settings, filters.
 * `trigger` (SIGHUP, file changed, …) leads the log line: what caused the reload.
 */
export async function reloadConfig(
  host: ReloadHost,
  target: ReloadTarget,
  next: Config,
  trigger?: string,
): Promise<ReloadResult> {
  const prefix = trigger ? `${trigger}: ` : '';
  const diff = diffConfig(host.config, next);
  const refused = restartRequiredMessage(diff);
  const at = host.clock.now();
  const record = (
    outcome: { applied: true; changed: readonly string[] } | { applied: false; reason: string },
  ) =>
    target.record({
      kind: 'config_reload',
      at,
      trigger: trigger ?? 'reload',
      ...(outcome.applied
        ? { applied: true, configHash: configHash(next), changed: [...outcome.changed] }
        : outcome),
    });
  if (refused) {
    record({ applied: false, reason: refused });
    return { applied: false, reason: refused };
  }
  // A reload is the operator's way to bring back routes disabled by strategy failures.
  host.runner.enableAll();
  if (diff.hot.length === 0) {
    record({ applied: true, changed: [] });
    host.logger.info({ trigger, changed: [] }, `${prefix}config unchanged`);
    return { applied: true, changed: [] };
  }
  try {
    await applyReload(host, target, next, diff.hot);
  } catch (error) {
    // Journaled as what it was (new routes' setup failed, …): the running config stays.
    record({
      applied: false,
      reason: `reload failed: ${error instanceof Error ? error.message : String(error)}`,
    });
    throw error;
  }
  record({ applied: true, changed: diff.hot });
  host.logger.info({ trigger, changed: diff.hot }, `${prefix}config reloaded`);
  return { applied: true, changed: diff.hot };
}

/** Puts a validated config's hot keys in force; throws (current config kept) if the routes cannot be set up. */
async function applyReload(
  host: ReloadHost,
  target: ReloadTarget,
  next: Config,
  hot: readonly string[],
): Promise<void> {
  const changed = (key: string) =>
    hot.some((path) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`));
  // Compiled before anything is applied: windows the schedule cannot take fail the reload whole.
  const windows = changed('risk.windows') ? new TradingWindows(next.risk.windows, 'risk.windows') : undefined;
  const retired = host.runner.router.table.routes.map((route) => route.windows);
  await host.runner.reload(routesFrom(next, host.logger, host.clock));
  // The replaced routes' window timers go with them (each reload used to leave them ticking).
  for (const windows of retired) windows?.stop();
  for (const route of host.runner.router.table.routes) route.windows?.start();
  const logLevelChanged = changed('logging.level');
  // Only on a change: a logger handed in (tests) keeps its own level otherwise.
  if (logLevelChanged) host.logger.level = next.logging.level;
  host.runner.configure({
    timeoutMs: next.strategies.timeoutMs,
    ...(logLevelChanged ? { logLevel: next.logging.level } : {}),
  });
  target.setLimits(riskLimitsFrom(next));
  target.setSettings(quotingSettingsFrom(next));
  host.killSwitch.configure(killSwitchLimitsFrom(next));
  const poller = pollerTunables(next);
  host.poller.configure(poller);
  host.push?.setFilter(poller.filter);
  target.setConfig(next);
  // RFQs the new filters (or own-RFQ rule) turn away leave the book and lose our quotes at the next listing: now.
  if (changed('poller.filters') || changed('poller.ignoreOwnRfqs')) host.poller.requestCycle();
  // Last, with the new limits in force: a window now closed pulls every quote, one now open requotes.
  if (windows) host.windows.setWindows(windows);
}
