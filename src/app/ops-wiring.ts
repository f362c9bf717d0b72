/**
 * The ops HTTP server of a running app: health, readiness, metrics, kill and resume, and the
 * dashboard's page and API when `ops.dashboard` is on.
 */
import type { Dashboard } from '../ops/dashboard/dashboard.js';
import { createOpsServer, type OpsRoute, type OpsServer } from '../ops/server.js';
import type { App } from './app.js';
import { startDashboard } from './dashboard-wiring.js';

export async function startOpsServer(
  app: App,
): Promise<{ ops: OpsServer; dashboard: Dashboard | undefined }> {
  const { ops, secrets } = app.config;
  const routes: OpsRoute[] = [];
  let dashboard: Dashboard | undefined;
  if (ops.dashboard) {
    const started = startDashboard(app, () => app.journal);
    dashboard = started.dashboard;
    routes.push(started.route);
  }
  const server = await createOpsServer({
    routes,
    host: ops.host,
    port: ops.port,
    registry: app.metrics.registry,
    token: secrets.opsToken,
    metricsToken: secrets.opsMetricsToken,
    limits: {
      maxConnections: ops.maxConnections,
      maxStreams: ops.maxStreams,
      headersTimeoutMs: ops.headersTimeoutMs,
      requestTimeoutMs: ops.requestTimeoutMs,
      keepAliveTimeoutMs: ops.keepAliveTimeoutMs,
      maxBodyBytes: ops.maxBodyBytes,
      refusalLogIntervalMs: ops.refusalLogIntervalMs,
    },
    clock: app.clock,
    logger: app.logger.child({ module: 'ops' }),
    readiness: () => app.readinessChecks(),
    onKill: (context) => {
      app.killSwitch.trip(context.reason ? `POST /kill: ${context.reason}` : 'POST /kill', 'http');
    },
    onResume: async () => {
      const result = await app.killSwitch.resume('http');
      return result.resumed ? undefined : { refused: result.reason };
    },
  });
  return { ops: server, dashboard };
}
