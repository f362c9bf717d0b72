/**
 * What startup reads from the exchange before quoting: our account (communications id, rate
 * limits, endpoint costs, positions), the day so far (fills, the kill switch's trip), and our
 * quotes an earlier run left open.
 */
import type { Logger } from 'pino';
import type { TierLimits } from '../domain/rate-limits.js';
import type { EpochMs } from '../domain/types.js';
import { JournalReader } from '../journal/queries.js';
import { describeError } from '../quotes/context.js';
import { handleOrphans } from '../quotes/startup.js';
import type { App } from './app.js';
import { restoreDayFromFills } from './fill-wiring.js';
import { restoreKillSwitch } from './kill-switch-restore.js';

/** The app's parts the account is read into; `communicationsId` is set here. */
export type AccountHost = Pick<App, 'config' | 'client' | 'queue' | 'exposure' | 'communicationsId'>;

export interface AccountSteps {
  /** The exchange answered a signed request. */
  readonly authenticated: () => void;
  /** Between steps: throws if a stop was requested meanwhile. */
  readonly continueAfter: (step: string) => void;
}

export async function readAccount(host: AccountHost, steps: AccountSteps, log: Logger): Promise<void> {
  const { exchange } = host.config;
  host.communicationsId = await host.client.getCommunicationsId();
  steps.authenticated();
  steps.continueAfter('reading our communications id');
  if (exchange.tier === 'auto') {
    const limits = await host.client.getApiLimits();
    const tier: TierLimits = {
      read: { refillRate: limits.read.refillRate, capacity: limits.read.capacity },
      write: { refillRate: limits.write.refillRate, capacity: limits.write.capacity },
    };
    host.queue.setLimits(tier);
    log.info(
      { usageTier: limits.usageTier, read: tier.read, write: tier.write },
      'rate limits read from the exchange',
    );
    steps.continueAfter('reading the rate limits');
  }
  if (exchange.endpointCosts === 'auto') {
    try {
      await host.client.refreshEndpointCosts();
    } catch (error) {
      log.warn({ reason: describeError(error) }, 'endpoint costs unavailable; using the built-in table');
    }
    steps.continueAfter('reading the endpoint costs');
  }
  const positions = await host.client.allPositions();
  host.exposure.loadPositions(positions.marketPositions, positions.eventPositions);
}

/**
 * A restart carries the day on: realised P&L, fees and cost bases rebuilt from fills (the
 * journal's and the exchange's since), the drawdown peak and a loss or drawdown trip of the
 * kill switch from the journal. Returns the newest fill booked: where the fill listing resumes.
 */
export async function restoreDay(
  host: Pick<App, 'client' | 'exposure' | 'journal' | 'clock' | 'killSwitch'>,
  log: Logger,
): Promise<EpochMs> {
  const restored = await restoreDayFromFills({
    source: host.client,
    exposure: host.exposure,
    journal: host.journal,
    clock: host.clock,
    logger: log,
  });
  if (!host.journal) return restored.newest;
  restoreKillSwitch({
    reader: new JournalReader(host.journal.db),
    killSwitch: host.killSwitch,
    dayOf: (at) => host.exposure.dayOf(at),
    now: host.clock.now(),
    logger: log,
  });
  return restored.newest;
}

/** The app's parts our earlier run's open quotes are adopted into (or deleted through). */
export type ReconcileHost = Pick<
  App,
  'config' | 'cluster' | 'watcher' | 'manager' | 'client' | 'store' | 'exposure' | 'book' | 'logger' | 'clock'
>;

/** `ttlMs` is read when the orphans are handled: a reload meanwhile may have changed it. */
export async function reconcileAtStartup(
  host: ReconcileHost,
  ttlMs: () => number,
  log: Logger,
): Promise<void> {
  // A standby must not touch the leader's quotes: it takes over on promotion instead.
  if (host.cluster?.membership.group !== undefined) return;
  const open = await host.watcher.listOpen();
  if (open.length === 0) return;
  host.manager.noteForeign(open.map((quote) => quote.id));
  const report = await handleOrphans({
    open,
    policy: host.config.quoting.onStartup,
    client: host.client,
    store: host.store,
    exposure: host.exposure,
    book: host.book,
    ttlMs: ttlMs(),
    logger: host.logger.child({ module: 'startup' }),
    clock: host.clock,
  });
  log.warn(report, 'found open quotes of ours from an earlier run');
}
