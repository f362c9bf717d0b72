/**
 * The scenarios of a run, full or quick. Every scenario gets a fresh simulator with the same
 * seed and a fresh bot process. Sizes and windows of the quick variant are smaller; the keys of
 * the report are the same.
 */
import type { ScenarioSpec } from './scenario.js';

export const SEED = 42;

const RFQS_10K = 10_000;

export interface Sizes {
  /** Milliseconds of Poisson RFQ arrivals in each latency scenario. */
  readonly arrivalsMs: number;
  readonly ratePerSec: number;
  readonly floodRfqs: number;
  /** Measurement window of the flood, after it has settled. */
  readonly floodWindowMs: number;
  readonly memoryRfqs: number;
  readonly memoryWindowMs: number;
  /** Wait after the burst was absorbed, before the memory window. */
  readonly memorySettleMs: number;
  /** Latency scenarios to run: [added latency ms, discovery]. */
  readonly latencies: readonly (readonly [number, Discovery])[];
  /** Added latencies of the flood (backlog) scenario. */
  readonly floodLatencies: readonly number[];
  /** Also measure memory without the container's old-space bound, for comparison. */
  readonly heapCap: boolean;
  /**
   * Arrivals before a latency window opens (quoted, not counted): the bot's first RFQs run cold
   * code (JIT) and connections; the first one's figures are reported on their own.
   */
  readonly warmupMs: number;
  /** Bursts of RFQs at once (push, premier): how many bursts, of how many, how far apart. */
  readonly bursts: { readonly count: number; readonly size: number; readonly gapMs: number };
  /** Rows for the journal, the dashboard and the worker threads (variants of push-0ms). */
  readonly newParts: boolean;
}

export const FULL: Sizes = {
  arrivalsMs: 10_000,
  ratePerSec: 8,
  floodRfqs: 2_000,
  floodWindowMs: 8_000,
  memoryRfqs: RFQS_10K,
  memoryWindowMs: 8_000,
  memorySettleMs: 10_000,
  latencies: [
    [0, { push: true }],
    [30, { push: true }],
    [0, { push: false, pollMs: 1000 }],
    [0, { push: false, pollMs: 250 }],
    [30, { push: false, pollMs: 1000 }],
    [30, { push: false, pollMs: 250 }],
  ],
  floodLatencies: [0, 30],
  heapCap: true,
  warmupMs: 2_000,
  bursts: { count: 5, size: 100, gapMs: 2_000 },
  newParts: true,
};

export const QUICK: Sizes = {
  arrivalsMs: 4_000,
  ratePerSec: 8,
  floodRfqs: 2_000,
  floodWindowMs: 3_000,
  memoryRfqs: RFQS_10K,
  memoryWindowMs: 3_000,
  memorySettleMs: 3_000,
  latencies: [[0, { push: true }]],
  floodLatencies: [0],
  heapCap: true,
  warmupMs: 2_000,
  bursts: { count: 3, size: 100, gapMs: 2_000 },
  newParts: false,
};

const FLOOD_MARKETS = 8;
const ACCEPT = { fraction: 0.3, delayMs: [300, 1500] as const };
const FLOOD_ACCEPT = { fraction: 0.1, delayMs: [200, 1000] as const };

/** Who is measured, in a scenario's title. */
const WHO: Record<ScenarioSpec['mode'], (how: string) => string> = {
  bot: (how) => how,
  unbudgeted: (how) => `no budgets or priorities (unlimited gate), ${how}`,
  naive: () => 'naive sequential SDK loop, 1 s interval',
};

function faults(latency: number): { faults?: string } {
  return latency > 0 ? { faults: `latency=${latency}` } : {};
}

/** Discovery: the shipped default (websocket push, poller reconciling every 1 s) or polling only. */
export type Discovery = { readonly push: true } | { readonly push: false; readonly pollMs: number };

export function steadyKey(latency: number, discovery: Discovery): string {
  return discovery.push ? `push-${latency}ms` : `poll${discovery.pollMs}-${latency}ms`;
}

export function steady(
  mode: ScenarioSpec['mode'],
  sizes: Sizes,
  latency: number,
  discovery: Discovery,
  key = steadyKey(latency, discovery),
): ScenarioSpec {
  const how = discovery.push ? 'websocket push + 1 s poll' : `poll every ${discovery.pollMs} ms, no push`;
  return {
    key,
    title: `${sizes.ratePerSec} RFQs/s for ${sizes.arrivalsMs / 1000} s on all markets, ${latency} ms added latency, ${WHO[mode](how)}`,
    mode,
    sim: { seed: SEED, tier: 'premier', ...faults(latency) },
    settings: {
      pollIntervalMs: discovery.push ? 1000 : discovery.pollMs,
      push: discovery.push,
      maxOpenQuotes: 100_000,
    },
    load: [{ kind: 'arrivals', ratePerSec: sizes.ratePerSec, durationMs: sizes.warmupMs + sizes.arrivalsMs }],
    accept: ACCEPT,
    // After the warm-up; until 1.5 s past the last arrival, so that the last RFQs can be quoted and accepted.
    windowMs: [sizes.warmupMs, sizes.warmupMs + sizes.arrivalsMs + 1_500],
  };
}

/** push-0ms with one part changed: the rows showing what the journal, the dashboard and the workers cost. */
export type Variant = 'in-process' | 'no-journal' | 'dash0' | 'dash1' | 'dash20' | 'small';

/** V8 favouring memory over speed (old space grown less, a small young generation): see docs/performance.md. */
export const MEMORY_FIRST_FLAGS: readonly string[] = ['--optimize-for-size'];

const VARIANTS: Record<
  Variant,
  {
    readonly title: string;
    readonly settings?: Partial<ScenarioSpec['settings']>;
    readonly execArgv?: readonly string[];
  }
> = {
  'in-process': {
    title: 'strategies on the bot thread (isolation: in-process)',
    settings: { isolation: 'in-process' },
  },
  'no-journal': { title: 'journal off', settings: { journal: false } },
  dash0: { title: 'ops server and dashboard on, no dashboard open', settings: { dashboards: 0 } },
  dash1: { title: '1 dashboard open', settings: { dashboards: 1 } },
  dash20: { title: '20 dashboards open', settings: { dashboards: 20 } },
  small: { title: `memory first (${MEMORY_FIRST_FLAGS.join(' ')})`, execArgv: MEMORY_FIRST_FLAGS },
};

export function variant(sizes: Sizes, which: Variant): ScenarioSpec {
  const base = steady('bot', sizes, 0, { push: true });
  const { title, settings, execArgv } = VARIANTS[which];
  return {
    ...base,
    key: `push-0ms-${which}`,
    title: `${base.title}; ${title}`,
    settings: { ...base.settings, ...settings },
    ...(execArgv ? { execArgv } : {}),
  };
}

/** Markets a burst spreads over: an announcement brings many RFQs on a few markets at once. */
const BURST_MARKETS = 10;

/**
 * Bursts of RFQs arriving at once on 10 markets (push, premier tier, 0 ms), after one burst to
 * warm up. Each RFQ's internal time includes waiting behind the others of its burst. (Over all
 * 127 markets, the order books alone are 1,000 read tokens a burst: a second of premier's read
 * budget, and most pricings time out waiting for it.)
 */
export function bursts(sizes: Sizes): ScenarioSpec {
  const { count, size, gapMs } = sizes.bursts;
  return {
    key: `burst-${size}`,
    title: `${count} bursts of ${size} RFQs at once on ${BURST_MARKETS} markets, ${gapMs / 1000} s apart (after one to warm up), premier tier, push`,
    mode: 'bot',
    sim: { seed: SEED, tier: 'premier' },
    settings: { pollIntervalMs: 1000, maxOpenQuotes: 100_000 },
    load: [{ kind: 'bursts', count: count + 1, size, gapMs, markets: 'single', limit: BURST_MARKETS }],
    accept: ACCEPT,
    windowMs: [gapMs - 100, (count + 1) * gapMs],
  };
}

export function flood(mode: ScenarioSpec['mode'], sizes: Sizes, latency: number, key?: string): ScenarioSpec {
  // Time for the first poll cycle and the pricing: from then on the creates queue up.
  const settle = 2_500;
  return {
    key: key ?? `flood-${latency}ms`,
    title: `${sizes.floodRfqs} RFQs at once on ${FLOOD_MARKETS} markets, ${latency} ms added latency, basic tier, ${WHO[mode]('push + 1 s poll')}`,
    mode,
    sim: { seed: SEED, tier: 'basic', ...faults(latency) },
    settings: { pollIntervalMs: 1000, maxOpenQuotes: 100_000 },
    load: [{ kind: 'burst', count: sizes.floodRfqs, markets: 'single', limit: FLOOD_MARKETS }],
    accept: FLOOD_ACCEPT,
    windowMs: [settle, settle + sizes.floodWindowMs],
  };
}

/**
 * 1,000 RFQs on the single markets are quoted first (1,000 live quotes, kept live by a long TTL
 * and frozen prices), then the rest arrive on every market: tracked, and refused by the
 * open-quote limit (or skipped). The window then measures the bot holding that state.
 */
/** The Dockerfile's NODE_OPTIONS=--max-old-space-size: the memory scenario runs the bot as deployed. */
export const CONTAINER_HEAP_MB = 192;

export function memory(
  sizes: Sizes,
  heapCapMb: number | undefined = CONTAINER_HEAP_MB,
  options: { readonly memoryFirst?: boolean } = {},
): ScenarioSpec {
  const live = 1_000;
  const flags = [
    ...(heapCapMb ? [`--max-old-space-size=${heapCapMb}`] : []),
    ...(options.memoryFirst ? MEMORY_FIRST_FLAGS : []),
  ];
  return {
    key:
      heapCapMb === CONTAINER_HEAP_MB
        ? 'memory-10k'
        : heapCapMb
          ? `memory-10k-heap${heapCapMb}`
          : options.memoryFirst
            ? 'memory-10k-small'
            : 'memory-10k-unbounded',
    compiled: true,
    ...(flags.length > 0 ? { execArgv: flags } : {}),
    title: `${sizes.memoryRfqs} open RFQs tracked, ${live} live quotes (premier tier, prices frozen, compiled, ${heapCapMb ? `--max-old-space-size=${heapCapMb}${heapCapMb === CONTAINER_HEAP_MB ? ' as in the container' : ''}` : 'no old-space bound'}${options.memoryFirst ? `, memory first: ${MEMORY_FIRST_FLAGS.join(' ')}` : ''})`,
    mode: 'bot',
    sim: { seed: SEED, tier: 'premier', walkIntervalMs: 0 },
    // A long TTL and frozen prices keep the quotes live; a 5 s strategy limit lets a burst of
    // 1,000 RFQs be priced at once (with 250 ms most of them time out: see docs/performance.md).
    settings: {
      pollIntervalMs: 1000,
      maxOpenQuotes: live,
      ttlMs: 3_600_000,
      strategyTimeoutMs: 5_000,
      probe: false,
    },
    load: [
      { kind: 'burst', count: live, markets: 'single' },
      { kind: 'until', done: (s) => s.live >= live && s.queuedWrites === 0, timeoutMs: 30_000 },
      { kind: 'burst', count: sizes.memoryRfqs - live, markets: 'all' },
      {
        kind: 'until',
        done: (s) => s.bookSize >= sizes.memoryRfqs && s.queuedWrites === 0,
        timeoutMs: 45_000,
      },
      // Absorbing the burst (pricing, refusals, retries of timed-out pricing) takes ~15 s; then
      // the bot only holds the state: polls 100 pages a cycle, sweeps, watches.
      { kind: 'wait', ms: sizes.memorySettleMs },
    ],
    // The window opens once the burst has been absorbed: it measures the bot holding the state.
    windowMs: [0, sizes.memoryWindowMs],
  };
}

export function scenarios(sizes: Sizes): ScenarioSpec[] {
  return [
    ...sizes.latencies.map(([latency, discovery]) => steady('bot', sizes, latency, discovery)),
    ...(sizes.newParts
      ? (['in-process', 'no-journal', 'dash0', 'dash1', 'dash20', 'small'] as const).map((which) =>
          variant(sizes, which),
        )
      : []),
    bursts(sizes),
    ...sizes.floodLatencies.map((latency) => flood('bot', sizes, latency)),
    memory(sizes),
    ...(sizes.heapCap ? [memory(sizes, 0), memory(sizes, 0, { memoryFirst: true })] : []),
    steady('naive', sizes, 0, { push: true }, 'naive-steady'),
    flood('naive', sizes, 0, 'naive-flood'),
    steady('unbudgeted', sizes, 0, { push: true }, 'unbudgeted-steady'),
    flood('unbudgeted', sizes, 0, 'unbudgeted-flood'),
  ];
}
