/**
 * `npm run bench:worker-hop [-- --calls N] [--concurrency N] [--young-mb N]`: what running a strategy in a
 * worker thread adds to RFQ→quote. The same shipped strategies with the same options are priced
 * through the real runner twice, once on a `worker` route and once on an `in-process` route,
 * calls interleaved so both see the same machine noise; the market data is in memory, so the
 * difference is the hop itself: the call message, each market-data read as a round trip to the
 * bot's thread, position reads through the shared buffer, and the answer. Prints a table and,
 * last, one JSON line.
 */
import { availableParallelism, cpus } from 'node:os';
import { resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { contracts } from '../src/domain/money.js';
import { loadStrategies } from '../src/strategy/loader.js';
import { InMemoryMarketData, testBook, testRfq } from '../src/strategy/memory-data.js';
import { type RouteConfig, StrategyRouter } from '../src/strategy/router.js';
import { StrategyRunner } from '../src/strategy/runner.js';
import { percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '4000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    'young-mb': { type: 'string' },
  },
});
const CALLS = Number(values.calls);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Math.max(1, Number(values.concurrency));

const STRATEGIES = [
  { strategy: 'fixed-spread', options: { spread: '0.04', maxBookSpread: '0.20', fallbackToLastPrice: true } },
  // Reads the book, the market, the fees and two positions: the most round trips of the shipped ones.
  { strategy: 'inventory-skew', options: { baseSpread: '0.04', maxPosition: '500', eventWeight: '0.5' } },
];

const data = new InMemoryMarketData();
const routes: RouteConfig[] = [];
for (const { strategy, options } of STRATEGIES) {
  for (const isolation of ['worker', 'in-process'] as const) {
    const ticker = `KXHOP-${strategy.toUpperCase()}-${isolation === 'worker' ? 'W' : 'P'}`;
    data
      .setMarket({ ticker, eventTicker: `KXHOP-${strategy.toUpperCase()}` })
      .setBook(
        testBook(ticker, {
          yes: [
            ['0.44', '120'],
            ['0.45', '80'],
          ],
          no: [
            ['0.50', '60'],
            ['0.51', '90'],
          ],
        }),
      )
      .setPosition(ticker, contracts('12'));
    routes.push({
      name: `${strategy}/${isolation}`,
      match: { markets: [ticker] },
      strategy,
      options,
      isolation,
    });
  }
}

const logger = pino({ level: 'warn' });
const registry = await loadStrategies({ dir: resolve(import.meta.dirname, '../strategies'), logger });
const runner = new StrategyRunner({
  router: new StrategyRouter(registry, routes),
  data,
  logger,
  workers: {
    size: Number(values.workers),
    ...(values['young-mb'] ? { youngGenerationMb: Number(values['young-mb']) } : {}),
  },
});
const startedAt = performance.now();
await runner.start();
const startMs = performance.now() - startedAt;

/** The bot thread's garbage collections: [start, end] in performance.now() ms. */
const collections: [number, number][] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    collections.push([entry.startTime, entry.startTime + entry.duration]);
});
gcObserver.observe({ entryTypes: ['gc'] });

/** One call: its start and duration (ms). */
interface Sample {
  readonly at: number;
  readonly ms: number;
}

async function timed(ticker: string): Promise<Sample> {
  const t0 = performance.now();
  const outcome = await runner.price(testRfq({ marketTicker: ticker, contracts: '25' }));
  const ms = performance.now() - t0;
  if (outcome.kind !== 'quote') throw new Error(`${ticker}: ${outcome.cause}: ${outcome.reason}`);
  return { at: t0, ms };
}

/** Whether a collection on the bot's thread ran during the call (collections sorted by start). */
function metCollection(sample: Sample): boolean {
  const end = sample.at + sample.ms;
  let lo = 0;
  let hi = collections.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (collections[mid]![1] < sample.at) lo = mid + 1;
    else hi = mid;
  }
  return lo < collections.length && collections[lo]![0] <= end;
}

// The floor: a bare message round trip to an echoing worker, measured between the same calls.
const echo = new Worker(
  "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));",
  { eval: true },
);
function roundTrip(): Promise<Sample> {
  const t0 = performance.now();
  return new Promise((resolveTrip) => {
    echo.once('message', () => resolveTrip({ at: t0, ms: performance.now() - t0 }));
    echo.postMessage(0);
  });
}

/** `count` calls per route, `CONCURRENCY` in flight, worker and in-process interleaved. */
async function measure(count: number): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>([
    ...routes.map((r): [string, Sample[]] => [r.name!, []]),
    ['rtt', []],
  ]);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      for (const route of routes) samples.get(route.name!)!.push(await timed(route.match!.markets![0]!));
      samples.get('rtt')!.push(await roundTrip());
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return samples;
}

await measure(WARMUP);
const measured = await measure(CALLS);
await runner.stop();
await echo.terminate();
await new Promise((r) => setImmediate(r)); // the observer's last entries
gcObserver.disconnect();
collections.sort((a, b) => a[0] - b[0]);
const samples = new Map([...measured].map(([k, list]) => [k, list.map((s) => s.ms)]));
/** The calls no collection on the bot's thread interrupted, and how many were. */
const clean = new Map(
  [...measured].map(([k, list]) => [k, list.filter((s) => !metCollection(s)).map((s) => s.ms)]),
);

const us = (ms: number) => round(ms * 1000);
const rows: Record<string, unknown>[] = [];
const lines = [
  `worker hop: ${CALLS} calls per route after ${WARMUP} warm-up, ${CONCURRENCY} in flight, ${values.workers} workers (ready + set up in ${Math.round(startMs)} ms); ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, Node ${process.versions.node}`,
  '',
  'strategy         isolation    p50 µs   p90 µs   p99 µs   max µs',
];
for (const { strategy } of STRATEGIES) {
  const worker = samples.get(`${strategy}/worker`)!;
  const local = samples.get(`${strategy}/in-process`)!;
  for (const [isolation, list] of [
    ['worker', worker],
    ['in-process', local],
  ] as const) {
    const p = (q: number) => us(percentile(list, q));
    lines.push(
      `${strategy.padEnd(16)} ${isolation.padEnd(10)} ${String(p(50)).padStart(8)} ${String(p(90)).padStart(8)} ${String(p(99)).padStart(8)} ${String(us(Math.max(...list))).padStart(8)}`,
    );
  }
  const cleanWorker = clean.get(`${strategy}/worker`)!;
  const cleanLocal = clean.get(`${strategy}/in-process`)!;
  const added = {
    strategy,
    addedP50Us: us(percentile(worker, 50) - percentile(local, 50)),
    addedP99Us: us(percentile(worker, 99) - percentile(local, 99)),
    // The same, without the calls a collection on the bot's thread ran in (on either side).
    addedP99UsNoBotGc: us(percentile(cleanWorker, 99) - percentile(cleanLocal, 99)),
    botGcCalls: { worker: worker.length - cleanWorker.length, inProcess: local.length - cleanLocal.length },
    workerP50Us: us(percentile(worker, 50)),
    workerP99Us: us(percentile(worker, 99)),
    inProcessP50Us: us(percentile(local, 50)),
    inProcessP99Us: us(percentile(local, 99)),
  };
  rows.push(added);
  lines.push(
    `${''.padEnd(16)} added      ${String(added.addedP50Us).padStart(8)} ${''.padStart(8)} ${String(added.addedP99Us).padStart(8)}`,
    `${''.padEnd(16)} added, no bot-thread GC in the call      ${String(added.addedP99UsNoBotGc).padStart(8)}   (GC met ${added.botGcCalls.worker} worker, ${added.botGcCalls.inProcess} in-process calls)`,
  );
}
const rtt = samples.get('rtt')!;
const floor = { p50Us: us(percentile(rtt, 50)), p99Us: us(percentile(rtt, 99)) };
lines.push(
  `${'bare message'.padEnd(16)} round trip ${String(floor.p50Us).padStart(8)} ${String(us(percentile(rtt, 90))).padStart(8)} ${String(floor.p99Us).padStart(8)} ${String(us(Math.max(...rtt))).padStart(8)}   (this machine's floor)`,
);
const worst = Math.max(...rows.map((r) => Number(r['addedP99Us'])));
const worstNoGc = Math.max(...rows.map((r) => Number(r['addedP99UsNoBotGc'])));
lines.push(
  '',
  `target: p99 added < 1000 µs: ${worst < 1000 ? 'met' : 'MISSED'} (worst ${worst} µs); without the calls the bot thread's garbage collection interrupted: ${worstNoGc < 1000 ? 'met' : 'MISSED'} (worst ${worstNoGc} µs)`,
  `bot-thread collections: ${collections.length} over ${CALLS * (routes.length + 1)} calls and round trips`,
  '',
);
lines.push(
  JSON.stringify({
    calls: CALLS,
    concurrency: CONCURRENCY,
    workers: Number(values.workers),
    startMs: Math.round(startMs),
    roundTrip: floor,
    routes: rows,
  }),
);
process.stdout.write(`${lines.join('\n')}\n`);
