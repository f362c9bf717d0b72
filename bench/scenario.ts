/**
 * One scenario, end to end: a fresh simulator (fixed seed) in the simulator process, a fresh
 * bot process, the load, a measurement window, then everything both sides recorded.
 */
import { Child, wallNow } from './ipc.js';
import type { SimInfo, SimMarks, SimStart } from './sim-types.js';
import type { BotMode, BotStatus, WorkerReport, WorkerSettings } from './worker-types.js';

export type LoadStep =
  /** Poisson arrivals on every market for `durationMs`. */
  | { readonly kind: 'arrivals'; readonly ratePerSec: number; readonly durationMs: number }
  /** `count` RFQs at once, round-robin over the first `limit` markets of a kind. */
  | {
      readonly kind: 'burst';
      readonly count: number;
      readonly markets: 'all' | 'single';
      readonly limit?: number;
    }
  /** Wait until the bot reports this state (or `timeoutMs` passes). */
  | { readonly kind: 'until'; readonly done: (status: BotStatus) => boolean; readonly timeoutMs: number }
  /** Just wait. */
  | { readonly kind: 'wait'; readonly ms: number };

export interface ScenarioSpec {
  readonly key: string;
  readonly title: string;
  readonly mode: BotMode;
  readonly sim: SimStart;
  readonly settings: WorkerSettings;
  /** Steps run in order; the window is timed from the end of the last (arrivals: their start). */
  readonly load: readonly LoadStep[];
  /** Share of our quotes the RFQ creators accept during the window, and after what delay. */
  readonly accept?: { readonly fraction: number; readonly delayMs: readonly [number, number] };
  /** Measurement window, relative to the end of the last load step. */
  readonly windowMs: readonly [number, number];
  /** Run the bot compiled, under plain node, as the container does (bench/compile.ts). */
  readonly compiled?: boolean;
  /** Extra node flags for the bot's process (e.g. a heap cap). */
  readonly execArgv?: readonly string[];
}

export interface RawRun {
  readonly spec: ScenarioSpec;
  readonly info: SimInfo;
  readonly loadStart: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly before: SimMarks;
  readonly after: SimMarks;
  readonly report: WorkerReport;
  readonly statusAtWindow: BotStatus;
  /** How long each `until` step took, and whether its state was reached. */
  readonly steps: readonly { readonly ms: number; readonly reached: boolean }[];
  /** Whether the bot ran compiled under plain node. */
  readonly compiled: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function waitFor(
  worker: Child,
  done: (status: BotStatus) => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = wallNow() + timeoutMs;
  while (wallNow() < deadline) {
    const status = await worker.call<BotStatus>('status');
    if (process.env['BENCH_DEBUG']) process.stderr.write(`    status ${JSON.stringify(status)}\n`);
    if (done(status)) return true;
    await sleep(200);
  }
  return false;
}

/**
 * One dashboard watching the bot: reads its event stream (and parses each message, as the page
 * does) in this process, so that only the serving side's cost lands on the bot.
 */
async function watchDashboard(url: string): Promise<AbortController> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`dashboard stream: HTTP ${response.status}`);
  const body = response.body;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .find((line) => line.startsWith('data: '));
          if (data) JSON.parse(data.slice(6));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted at the end of the scenario
    }
  })();
  return controller;
}

/**
 * Runs one scenario. `compiledWorker`: the compiled bot-worker.js to run with plain node
 * (bench/compile.ts), for scenarios marked `compiled`.
 */
export async function runScenario(
  simHost: Child,
  spec: ScenarioSpec,
  compiledWorker?: string,
): Promise<RawRun> {
  const info = await simHost.call<SimInfo>('start', spec.sim);
  const profile = process.env['BENCH_CPU_PROF'];
  const extra = process.env['BENCH_WORKER_ARGS']?.split(' ').filter(Boolean) ?? [];
  const execArgv = [
    '--expose-gc',
    ...(spec.execArgv ?? []),
    ...extra,
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
  ];
  const compiled = spec.compiled === true && compiledWorker !== undefined;
  const worker = compiled
    ? new Child(compiledWorker, { execArgv, tsx: false })
    : new Child('./bot-worker.ts', { execArgv });
  const viewers: AbortController[] = [];
  try {
    const started = await worker.call<{ opsUrl?: string }>('start', {
      mode: spec.mode,
      sim: info,
      settings: spec.settings,
    });
    const dashboards = spec.settings.dashboards ?? 0;
    if (dashboards > 0 && started.opsUrl) {
      for (let i = 0; i < dashboards; i++) viewers.push(await watchDashboard(`${started.opsUrl}/api/stream`));
    }
    // Let the bot finish its startup reads and first idle poll before the load begins.
    await sleep(750);
    const before = await simHost.call<SimMarks>('collect');
    let loadStart = wallNow();
    const steps: { ms: number; reached: boolean }[] = [];
    const [from, to] = spec.windowMs;
    for (const step of spec.load) {
      if (step.kind === 'until') {
        const began = wallNow();
        const reached = await waitFor(worker, step.done, step.timeoutMs);
        steps.push({ ms: wallNow() - began, reached });
      } else if (step.kind === 'wait') {
        await sleep(step.ms);
      } else if (step.kind === 'burst') {
        await simHost.call('burst', {
          count: step.count,
          markets: (step.markets === 'single' ? info.singleMarkets : info.markets).slice(0, step.limit),
        });
      } else {
        const now = wallNow();
        if (spec.accept)
          await simHost.call('acceptPlan', { ...spec.accept, from: now + from, until: now + to });
        await simHost.call('arrivals', {
          ratePerSec: step.ratePerSec,
          durationMs: step.durationMs,
          markets: info.markets,
        });
      }
      // The window is timed from the end of the last step (arrivals run on in the background).
      loadStart = wallNow();
    }
    if (spec.accept && !spec.load.some((step) => step.kind === 'arrivals'))
      await simHost.call('acceptPlan', { ...spec.accept, from: loadStart + from, until: loadStart + to });
    const windowStart = loadStart + from;
    await sleep(windowStart - wallNow());
    const statusAtWindow = await worker.call<BotStatus>('steady');
    const windowEnd = windowStart + (to - from);
    await sleep(windowEnd - wallNow());
    const report = await worker.call<WorkerReport>('finish');
    const heap = process.env['BENCH_HEAP_SNAPSHOT'];
    if (heap) await worker.call('heapSnapshot', { path: `${heap}/${spec.key}.heapsnapshot` });
    const after = await simHost.call<SimMarks>('collect');
    return {
      spec,
      info,
      loadStart,
      windowStart,
      windowEnd,
      before,
      after,
      report,
      statusAtWindow,
      steps,
      compiled,
    };
  } finally {
    for (const viewer of viewers) viewer.abort();
    await worker.close(profile ? 10_000 : 1_000);
    await simHost.call('stop');
  }
}
