/**
 * One bot under test, in a process of its own: the real App (or, as baselines, the App with an
 * unlimited gate, or the naive SDK loop) against the benchmark's simulator. Reports its own
 * timings (bench/probe.ts), request counts, action-queue statistics, RSS, CPU and event-loop lag.
 */
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { App } from '../src/app/app.js';
import { unlimitedGate } from '../src/kalshi/gate.js';
import { createLogger } from '../src/ops/logger.js';
import { benchConfig } from './config.js';
import { serve, wallNow } from './ipc.js';
import { NaiveLoop } from './naive.js';
import { Probe } from './probe.js';
import type { SimInfo } from './sim-types.js';
import type { BotStatus, WorkerReport, WorkerStart } from './worker-types.js';

let app: App | undefined;
let naive: NaiveLoop | undefined;
let mode: WorkerStart['mode'] = 'bot';
const probe = new Probe();
const lag = monitorEventLoopDelay({ resolution: 5 });
let cpuFrom = process.cpuUsage();
let wallFrom = wallNow();
let eluFrom: EventLoopUtilization = performance.eventLoopUtilization();
const queueSamples: number[] = [];
const rssSamples: number[] = [];
let sampler: NodeJS.Timeout | undefined;

/** Live heap and RSS once garbage is collected (needs --expose-gc; after the window, so it costs it nothing). */
function afterGc(): { heapAfterGcMb?: number; rssAfterGcMb?: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return {};
  gc();
  const mem = process.memoryUsage();
  return { heapAfterGcMb: mem.heapUsed / 2 ** 20, rssAfterGcMb: mem.rss / 2 ** 20 };
}

function ms(ns: number): number {
  return ns / 1e6;
}

async function startBot(sim: SimInfo, params: WorkerStart): Promise<void> {
  const config = benchConfig(sim, params.settings);
  // Log as in production (JSON, info), to /dev/null: the cost of logging is part of the bot's.
  const logger = params.settings.silent
    ? pino({ level: 'silent' })
    : createLogger({
        level: process.env['BENCH_BOT_LOG'] ? 'debug' : 'info',
        format: 'json',
        destination: pino.destination({ dest: process.env['BENCH_BOT_LOG'] || '/dev/null', sync: true }),
        secrets: [sim.keyId, sim.privateKeyPem],
      });
  const unbudgeted = params.mode === 'unbudgeted';
  const probed = params.settings.probe !== false;
  // The probe's gate delegates to the app's own action queue (or, as a baseline, to no budget).
  const target = () => (unbudgeted ? unlimitedGate : instance.queue);
  const instance: App = new App(config, {
    logger,
    signals: false,
    opsServer: params.settings.dashboards !== undefined,
    ...(probed
      ? { fetch: probe.fetch(), gate: probe.gate(target) }
      : unbudgeted
        ? { gate: unlimitedGate }
        : {}),
  });
  if (probed) {
    // Subscribed before start, so these run before the quote manager's listeners.
    instance.book.subscribe({ added: (rfq) => probe.rfqAdded(rfq.id, rfq.marketTicker) });
    // Only the push source upserts single RFQs: mark them (instance-level, engine unchanged).
    const upsert = instance.book.upsert.bind(instance.book);
    instance.book.upsert = (rfq) => {
      probe.pushing = true;
      try {
        upsert(rfq);
      } finally {
        probe.pushing = false;
      }
    };
    instance.store.onTransition((quote) => {
      if (quote.state === 'accepted' && quote.quoteId)
        probe.acceptSeen(quote.quoteId, quote.rfq.marketTicker);
    });
  }
  app = instance;
  await instance.start();
  sampler = setInterval(() => {
    queueSamples.push(instance.queue.stats().write.queued);
    rssSamples.push(process.memoryUsage.rss() / 2 ** 20);
  }, 100);
  sampler.unref();
}

let eluLast: EventLoopUtilization = performance.eventLoopUtilization();
let lastTick = performance.now();
setInterval(() => {
  lastTick = performance.now();
}, 10).unref();

function status(): BotStatus {
  const mem = process.memoryUsage();
  const elu = performance.eventLoopUtilization(eluLast);
  eluLast = performance.eventLoopUtilization();
  let live = 0;
  if (app) for (const _ of app.store.live()) live++;
  return {
    bookSize: app?.book.size ?? 0,
    live,
    queuedWrites: app?.queue.stats().write.queued ?? 0,
    rssMb: mem.rss / 2 ** 20,
    heapUsedMb: mem.heapUsed / 2 ** 20,
    killSwitched: app?.killSwitch.isTripped ?? false,
    recentElu: elu.utilization,
  };
}

const handlers = {
  async start(params: WorkerStart): Promise<{ startedAt: number; opsUrl?: string }> {
    mode = params.mode;
    if (params.mode === 'naive') {
      naive = new NaiveLoop(params.sim, params.settings.pollIntervalMs);
      naive.start(params.sim.communicationsId);
    } else await startBot(params.sim, params);
    lag.enable();
    return { startedAt: wallNow(), ...(app?.ops ? { opsUrl: app.ops.url } : {}) };
  },

  /** Starts the window over which CPU and event-loop lag are reported. */
  steady(): BotStatus {
    lag.reset();
    eluFrom = performance.eventLoopUtilization();
    cpuFrom = process.cpuUsage();
    wallFrom = wallNow();
    queueSamples.length = 0;
    rssSamples.length = 0;
    return status();
  },

  status,

  async heapSnapshot(params: { path: string }): Promise<string> {
    const { writeHeapSnapshot } = await import('node:v8');
    return writeHeapSnapshot(params.path);
  },

  async finish(): Promise<WorkerReport> {
    const trace = process.env['BENCH_TRACE'];
    if (trace) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(trace, JSON.stringify(probe.dump()));
    }
    const cpu = process.cpuUsage(cpuFrom);
    const elu = performance.eventLoopUtilization(eluFrom).utilization;
    const stall = Math.max(0, performance.now() - lastTick - 10);
    const wall = wallNow() - wallFrom;
    const stats = app?.queue.stats();
    const report: WorkerReport = {
      mode,
      status: status(),
      cpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / Math.max(1, wall),
      // A loop blocked for the whole window takes no sample: then the block itself is the lag.
      lagP50Ms: lag.count > 0 ? ms(lag.percentile(50)) : stall,
      lagP99Ms: lag.count > 0 ? ms(lag.percentile(99)) : stall,
      lagMaxMs: Math.max(lag.count > 0 ? ms(lag.max) : 0, stall),
      lagSamples: lag.count,
      eventLoopUtilization: elu,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      windowMaxRssMb: Math.max(0, ...rssSamples),
      ...afterGc(),
      counts: probe.counts(),
      rfqTimings: probe.rfqTimings(),
      confirmTimings: probe.confirmTimings(),
      maxQueuedWrites: Math.max(0, ...queueSamples),
      minQueuedWrites: queueSamples.length > 0 ? Math.min(...queueSamples) : 0,
      queue: stats
        ? {
            writeTokensSpent: stats.write.tokensSpent,
            readTokensSpent: stats.read.tokensSpent,
            rateLimited: stats.write.rateLimited + stats.read.rateLimited,
          }
        : undefined,
      counters: app
        ? {
            ...app.schedules.counters,
            ...(app.dashboard
              ? {
                  dashboardTicks: app.dashboard.cost.ticks,
                  dashboardBusyMs: app.dashboard.cost.busyMs,
                  dashboardMaxTickMs: app.dashboard.cost.maxTickMs,
                  dashboardBuilds: app.dashboard.builds,
                }
              : {}),
          }
        : {},
      naiveErrors: naive?.errors ?? 0,
    };
    if (sampler) clearInterval(sampler);
    // No graceful stop: the simulator is thrown away with the scenario, and a stop's deletes
    // would only add minutes. The parent ends this process.
    void naive?.stop();
    return report;
  },
};

serve(handlers);
