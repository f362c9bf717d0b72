/**
 * Connects the dashboard to the running bot: which part answers which of its questions, and
 * how the quote manager's accept reports reach its activity list.
 */
import { createRedactor } from '../domain/redact.js';
import type { Journal } from '../journal/journal.js';
import type { RecentActivity } from '../ops/dashboard/activity.js';
import { loadDashboardAssets } from '../ops/dashboard/assets.js';
import { Dashboard } from '../ops/dashboard/dashboard.js';
import { journalSource } from '../ops/dashboard/journal-source.js';
import { dashboardRoute } from '../ops/dashboard/routes.js';
import type { DashboardJournal, DashboardSources } from '../ops/dashboard/sources.js';
import type { OpsRoute } from '../ops/server.js';
import type { QuoteManagerEvents } from '../quotes/context.js';
import type { App } from './app.js';

/** The quote manager's accept reports the dashboard's activity list needs (combined with the others). */
export function activityEvents(activity: RecentActivity): QuoteManagerEvents {
  return {
    declined: (quote, reason) => activity.declined(quote, reason),
    confirmed: (quote, latencyMs) => activity.confirmed(quote, latencyMs),
  };
}

/**
 * The dashboard's view of the running bot. `journal` returns the journal while the bot keeps
 * one (fills and the day's P&L then come from it); without it they come from memory.
 */
export function dashboardSources(app: App, journal: () => Journal | undefined): DashboardSources {
  const config = app.config;
  const secrets = Object.values(config.secrets).filter((s): s is string => typeof s === 'string');
  const redact = createRedactor(secrets);
  let wrapped: { from: Journal; source: DashboardJournal } | undefined;
  return {
    clock: app.clock,
    environment: config.exchange.environment,
    dryRun: config.dryRun,
    dayTimeZone: config.risk.dayStartTimezone,
    store: app.store,
    book: app.book,
    exposure: app.exposure,
    killSwitch: app.killSwitch,
    activity: app.activity,
    latency: app.metrics.recentLatency,
    limits: () => app.riskLimits,
    windows: () => {
      const routes = app.running?.runner.router.table.routes ?? [];
      return [app.windows, ...routes.flatMap((route) => (route.windows ? [route.windows] : []))];
    },
    budget: (bucket) => app.running?.queue.budget(bucket),
    tokensSpent: () => {
      const stats = app.running?.queue.stats();
      return stats ? { read: stats.read.tokensSpent, write: stats.write.tokensSpent } : undefined;
    },
    readiness: () => app.readinessChecks(),
    connection: () => ({
      authenticated: app.authenticated,
      pushEnabled: app.push !== undefined,
      pushConnected: app.push?.connected === true,
      ...booksOf(app),
      lastPollAt: app.running?.poller.lastCompletedAt,
      pollIntervalMs:
        app.push?.connected === true
          ? Math.max(config.poller.intervalMs, config.poller.intervalWithPushMs)
          : config.poller.intervalMs,
    }),
    counters: () => app.running?.schedules.counters ?? app.counters,
    journal: () => {
      const current = journal();
      if (!current) return undefined;
      if (wrapped?.from !== current)
        wrapped = { from: current, source: journalSource(current, { clock: app.clock }) };
      return wrapped.source;
    },
    redact,
  };
}

/** The dashboard, started, and its route on the ops server; `dashboard.close()` ends its streams. */
export function startDashboard(
  app: App,
  journal: () => Journal | undefined = () => undefined,
): { dashboard: Dashboard; route: OpsRoute } {
  const assets = loadDashboardAssets();
  const dashboard = new Dashboard({
    sources: dashboardSources(app, journal),
    logger: app.logger.child({ module: 'dashboard' }),
  });
  dashboard.start();
  return { dashboard, route: dashboardRoute(dashboard, assets) };
}

/** The streamed books' counts, when books are streamed. */
function booksOf(app: App): { books?: { watched: number; live: number; drifts: number } } {
  const stats = app.running?.books?.stats;
  return stats ? { books: { watched: stats.watched, live: stats.live, drifts: stats.drifts } } : {};
}
