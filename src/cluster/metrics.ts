/** The cluster's metrics, on the app's registry. */
import { Counter, Gauge, type Registry } from 'prom-client';

export function createClusterMetrics(registry: Registry, prefix = 'kalshi_rfq_') {
  const registers = [registry];
  return {
    redisUp: new Gauge({
      name: `${prefix}cluster_redis_up`,
      help: '1 while Redis answers; 0 while this instance runs on its local share',
      registers,
    }),
    leader: new Gauge({
      name: `${prefix}cluster_leader`,
      help: '1 while this instance may quote (the leader of its group, or present outside a group)',
      registers,
    }),
    members: new Gauge({
      name: `${prefix}cluster_members`,
      help: 'Other live instances on the account, as last read',
      registers,
    }),
    admissions: new Counter({
      name: `${prefix}cluster_admissions_total`,
      help: 'New quotes put to the shared exposure check, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    fenced: new Counter({
      name: `${prefix}cluster_fenced_writes_total`,
      help: 'Creates and confirms refused locally because this instance may not write',
      labelNames: ['endpoint'] as const,
      registers,
    }),
  };
}

export type ClusterMetrics = ReturnType<typeof createClusterMetrics>;
