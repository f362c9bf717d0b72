/**
 * One bot under test, in a process of its own: the real App (or, as baselines, the App with an
 * unlimited gate, or the naive SDK loop) against the benchmark's simulator. Reports its own
 * timings (bench/probe.ts), request counts, action-queue statistics, RSS, CPU and event-loop lag.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EventLoopUtilization,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { pino } from 'pino';
import { App } from '../src/app/app.js';
import type { Config } from '../src/config/index.js';
import { unlimitedGate } from '../src/kalshi/gate.js';
import type { FetchLike } from '../src/kalshi/index.js';
import { createNodeFetch } from '../src/kalshi/node-fetch.js';
import { createLogger } from '../src/ops/logger.js';
import { benchConfig } from './config.js';
import { serve, wallNow } from './ipc.js';
import { Probe } from './probe.js';
import type { SimInfo } from './sim-types.js';
import type { BotStatus, MemoryBreakdown, WorkerReport, WorkerStart } from './worker-types.js';

/** The fetch the bot's client would use by itself (exchange.httpClient), for the probe to wrap. */
function clientFetch(config: Config): FetchLike {
  return config.exchange.httpClient === 'node'
    ? createNodeFetch({ maxBodyBytes: config.exchange.maxResponseBytes })
    : globalThis.fetch;
}

let app: App | undefined;
let naive: import('./naive.js').NaiveLoop | undefined;
let mode: WorkerStart['mode'] = 'bot';
const probe = new Probe();
const lag = monitorEventLoopDelay({ resolution: 5 });
let cpuFrom = process.cpuUsage();
let wallFrom = wallNow();
let eluFrom: EventLoopUtilization = performance.eventLoopUtilization();
const queueSamples: number[] = [];
const rssSamples: number[] = [];
let sampler: NodeJS.Timeout | undefined;

/** Where the RSS is now: the main thread's V8 heap (by space), memory outside it, the rest. */
function memoryNow(): MemoryBreakdown {
  const mem = process.memoryUsage();
  const mb = (bytes: number) => bytes / 2 ** 20;
  const spaces: Record<string, number> = {};
  for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = mb(space.space_size);
  const byMapping = rssByMapping();
  return {
    rssMb: mb(mem.rss),
    heapTotalMb: mb(mem.heapTotal),
    heapUsedMb: mb(mem.heapUsed),
    externalMb: mb(mem.external),
    arrayBuffersMb: mb(mem.arrayBuffers),
    heapSpacesMb: spaces,
    ...(byMapping ? { rssByMappingMb: byMapping } : {}),
  };
}

/**
 * The RSS by kind of mapping (Linux only): file-backed (code of node and the native addons),
 * the main malloc heap, and anonymous mappings (V8 heaps of every thread, malloc arenas, stacks).
 */
function rssByMapping(): Record<string, number> | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, number> = { file: 0, mallocHeap: 0, anonymous: 0 };
  let kind = 'anonymous';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1] ?? '';
      kind = name === '[heap]' ? 'mallocHeap' : name.startsWith('/') ? 'file' : 'anonymous';
      continue;
    }
    if (line.startsWith('Rss:')) out[kind]! += Number(line.split(/\s+/)[1]) / 1024;
  }
  return out;
}

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

/** The journal's time on the bot thread (hooks and flushes), for the journal's bench row. */
function journalCounters(bot: App): Record<string, number> {
  const { hooks, flush } = bot.journalCost;
  if (!hooks || !flush) return {};
  return {
    journalRfqs: hooks.rfqs,
    journalHookCalls: hooks.calls,
    journalHookMs: hooks.busyMs,
    journalHookMaxMs: hooks.maxCallMs,
    journalFlushes: flush.flushes,
    journalEvents: flush.events,
    journalFlushMs: flush.busyMs,
    journalFlushMaxMs: flush.maxFlushMs,
    journalFlushP99Ms: flush.flushMicros.count > 0 ? flush.flushMicros.percentile(99) / 1000 : 0,
  };
}

/** A fresh journal file for this bot process, removed when it exits. */
function journalFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kalshi-bench-journal-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'journal.db');
}

let allocationSession: import('node:inspector').Session | undefined;

async function startAllocationSampling(): Promise<void> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<void>((resolve, reject) =>
      session.post(method, params, (error) => (error ? reject(error) : resolve())),
    );
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    // BENCH_ALLOC_PROF_OLD=1: only what survived the young generation (what fills the old one).
    includeObjectsCollectedByMinorGC: !process.env['BENCH_ALLOC_PROF_OLD'],
  });
  allocationSession = session;
}

async function startBot(sim: SimInfo, params: WorkerStart): Promise<void> {
  if (process.env['BENCH_ALLOC_PROF'] && !process.env['BENCH_ALLOC_PROF_WINDOW'])
    await startAllocationSampling();
  const { journal, ...settings } = params.settings;
  const config = benchConfig(sim, { ...settings, journalPath: journal === false ? false : journalFile() });
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
      ? { fetch: probe.fetch(clientFetch(config)), gate: probe.gate(target) }
      : unbudgeted
        ? { gate: unlimitedGate }
        : {}),
  });
  if (probed) {
    // The journal's time on the bot thread, read at each RFQ's start and at its create.
    probe.meter = () => {
      const { hooks, flush } = instance.journalCost;
      return (hooks?.busyMs ?? 0) + (flush?.busyMs ?? 0);
    };
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

/** GC pauses of the bot's thread, for BENCH_TRACE: [start wall ms, duration ms, kind]. */
const gcPauses: [number, number, number][] = [];
if (process.env['BENCH_TRACE']) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcPauses.push([performance.timeOrigin + entry.startTime, entry.duration, kind]);
    }
  }).observe({ entryTypes: ['gc'] });
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
      // Loaded only for the baseline: the SDK and axios would count in the bot's RSS.
      const { NaiveLoop } = await import('./naive.js');
      naive = new NaiveLoop(params.sim, params.settings.pollIntervalMs);
      naive.start(params.sim.communicationsId);
    } else await startBot(params.sim, params);
    lag.enable();
    return { startedAt: wallNow(), ...(app?.ops ? { opsUrl: app.ops.url } : {}) };
  },

  /** Starts the window over which CPU and event-loop lag are reported. */
  async steady(): Promise<BotStatus> {
    // BENCH_ALLOC_PROF_WINDOW=1: sample allocations over the window only.
    if (process.env['BENCH_ALLOC_PROF'] && process.env['BENCH_ALLOC_PROF_WINDOW'])
      await startAllocationSampling();
    lag.reset();
    eluFrom = performance.eventLoopUtilization();
    cpuFrom = process.cpuUsage();
    wallFrom = wallNow();
    queueSamples.length = 0;
    rssSamples.length = 0;
    return status();
  },

  status,

  /**
   * BENCH_ALLOC_PROF: samples every allocation from the bot's start, garbage included (where the
   * heap's churn comes from, not only what stays), written when the scenario ends.
   */
  async allocationProfile(params: { path: string }): Promise<string | undefined> {
    if (!allocationSession) return undefined;
    const session = allocationSession;
    const { profile } = await new Promise<{ profile: unknown }>((resolve, reject) =>
      session.post('HeapProfiler.stopSampling', (error, result) =>
        error ? reject(error) : resolve(result as { profile: unknown }),
      ),
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync(params.path, JSON.stringify(profile));
    return params.path;
  },

  async heapSnapshot(params: { path: string }): Promise<string> {
    const { writeHeapSnapshot } = await import('node:v8');
    return writeHeapSnapshot(params.path);
  },

  async finish(): Promise<WorkerReport> {
    const trace = process.env['BENCH_TRACE'];
    if (trace) {
      const { writeFileSync } = await import('node:fs');
      // The instants are wall ms; a CPU profile's are hrtime µs: one pair of both aligns them.
      const clock = { hrtimeUs: Number(process.hrtime.bigint() / 1000n), wallMs: wallNow() };
      writeFileSync(
        trace,
        JSON.stringify({ clock, gcPauses, timings: probe.rfqTimings(), ...(probe.dump() as object) }),
      );
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
      memory: memoryNow(),
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
            ...journalCounters(app),
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
