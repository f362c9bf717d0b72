/**
 * Several instances on one account (src/cluster/): built only with cluster.redis set, and its
 * code loaded only then (ioredis alone is ~15 MB of RSS).
 */
import type { Cluster } from '../cluster/cluster.js';
import { ClusterExposureBook } from '../cluster/exposure-book.js';
import { namespaceFor } from '../cluster/keys.js';
import type { Config } from '../config/index.js';
import type { KalshiCredentials } from '../kalshi/index.js';
import type { App } from './app.js';
import { initialLimits } from './options-from-config.js';

/** The app's parts a takeover works on; read when the takeover runs, after startup built them. */
export type ClusterHost = Pick<
  App,
  'exposure' | 'metrics' | 'clock' | 'logger' | 'client' | 'watcher' | 'store' | 'book' | 'manager'
>;

export async function startCluster(
  host: ClusterHost,
  config: Config,
  credentials: KalshiCredentials | undefined,
  ttlMs: () => number,
): Promise<Cluster | undefined> {
  const { cluster, exchange, secrets } = config;
  if (!cluster.redis || !(host.exposure instanceof ClusterExposureBook)) return undefined;
  const [{ Cluster }, { takeOver }] = await Promise.all([
    import('../cluster/cluster.js'),
    import('../cluster/takeover.js'),
  ]);
  const instance = new Cluster({
    config: { ...cluster, redis: cluster.redis },
    namespace: cluster.namespace ?? namespaceFor(credentials?.keyId ?? secrets.apiKeyId),
    password: secrets.redisPassword,
    limits: initialLimits(config),
    budgetSafety: exchange.budgetSafety,
    exposure: host.exposure,
    registry: host.metrics.registry,
    clock: host.clock,
    logger: host.logger,
  });
  instance.setTakeover(async () => {
    const source = instance.ownQuotes(host.client);
    const report = await takeOver({
      listOpen: () => host.watcher.listOpen(),
      listAccepted: async () => {
        const now = host.clock.now();
        const quotes = [];
        const filter = {
          userFilter: 'self' as const,
          status: 'accepted',
          minTs: now - 600_000,
          maxTs: now + 300_000,
        };
        for await (const quote of source.quotes({ ...filter, limit: 500 }, { priority: 'confirm' }))
          quotes.push(quote);
        return quotes;
      },
      policy: cluster.takeover,
      client: host.client,
      store: host.store,
      exposure: host.exposure,
      book: host.book,
      manager: host.manager,
      ttlMs: ttlMs(),
      logger: host.logger.child({ module: 'takeover' }),
      clock: host.clock,
    });
    host.logger.warn({ module: 'cluster', ...report }, 'cluster: took over from the previous leader');
  });
  try {
    await instance.start();
  } catch (error) {
    await instance.close().catch(() => undefined);
    throw error;
  }
  return instance;
}
