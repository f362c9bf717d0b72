/**
 * `npm run bench:tail -- --trace=<BENCH_TRACE file> --profile=<bot main thread .cpuprofile>
 * [--over=5]`: where the internal RFQ→quote time of the slow RFQs goes. For every RFQ of the
 * trace, the bot thread's CPU-profile samples between the RFQ entering the book and its create
 * leaving are put into categories (idle, GC, signing, JSON parsing, logging, worker messages,
 * fetch, ...); the RFQs above `--over` ms are summed apart, with their heaviest functions.
 * Record both in one run: `BENCH_TRACE=t.json BENCH_CPU_PROF=dir npm run bench -- --only=push-0ms`
 * (the main thread's profile is the file whose name has thread id 0: `CPU.*.<pid>.0.*`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RfqTiming } from './probe.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}
interface Trace {
  /** One instant on both clocks: hrtime µs (the profile's) and wall ms (the trace's). */
  readonly clock: { readonly hrtimeUs: number; readonly wallMs: number };
  readonly timings: readonly RfqTiming[];
}

/** Function name and script URL (empty for V8 builtins and natives). */
type Frame = readonly [name: string, url: string];

/** First matching category wins, looking through the whole stack of a sample. */
const CATEGORIES: readonly (readonly [string, (name: string, file: string) => boolean])[] = [
  ['idle', (name) => name === '(idle)'],
  ['gc', (name) => name === '(garbage collector)'],
  // Before the others: the journal's flush posts a message and its wiring runs inside the hot path.
  ['journal', (_, file) => file.includes('/journal/') || file.endsWith('/journal-wiring.ts')],
  ['signing', (name, file) => name === 'signOneShot' || (name === 'signRequest' && file.includes('auth'))],
  ['logging', (_, file) => /pino|sonic-boom|log-censor|ops\/logger/.test(file)],
  ['worker messages', (name, file) => name === 'postMessage' || /strategy\/worker-(pool|slot|io)/.test(file)],
  ['json parse', (name, file) => name === 'parse' && file === ''],
  ['fetch (undici)', (_, file) => file.includes('undici')],
  ['websocket', (_, file) => /node_modules\/ws\/|kalshi\/stream\//.test(file)],
  ['bench probe', (_, file) => /bench\/(probe|bot-worker|ipc)/.test(file)],
];

function stackOf(id: number, nodes: Map<number, ProfileNode>, parent: Map<number, number>): Frame[] {
  const frames: Frame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = nodes.get(at);
    if (!node) break;
    frames.push([node.callFrame.functionName, node.callFrame.url]);
  }
  return frames;
}

function categoryOf(stack: readonly Frame[]): string {
  for (const [category, test] of CATEGORIES)
    if (stack.some(([name, file]) => test(name, file))) return category;
  return stack[0]?.[0] === '(program)' ? 'native (program)' : 'other JS';
}

export interface TailReport {
  readonly rfqs: number;
  readonly slow: number;
  readonly overMs: number;
  /** Milliseconds of the bot thread by category over the slow RFQs' spans (added → create). */
  readonly slowByCategory: Record<string, number>;
  readonly allByCategory: Record<string, number>;
  /** Per category, its milliseconds within one RFQ's span: p50, p99 and max over all RFQs. */
  readonly perRfq: Record<string, { readonly p50: number; readonly p99: number; readonly max: number }>;
  /** Per category, its longest unbroken stretch anywhere in the profile (ms): what it can block. */
  readonly longestRunMs: Record<string, number>;
  /** Heaviest leaf functions over the slow spans, idle and GC left out. */
  readonly slowLeaves: Record<string, number>;
  /** Network and token waits the probe subtracted from those spans (ms). */
  readonly slowNetworkMs: number;
  readonly slowBudgetMs: number;
  readonly slowInternalMs: number;
}

export function tail(profile: CpuProfile, trace: Trace, overMs: number): TailReport {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) {
    t += delta;
    times.push(t);
  }
  const stacks = new Map<number, Frame[]>();
  const stack = (id: number) => {
    const known = stacks.get(id);
    if (known) return known;
    const frames = stackOf(id, nodes, parent);
    stacks.set(id, frames);
    return frames;
  };
  const toHr = (wallMs: number) => trace.clock.hrtimeUs + (wallMs - trace.clock.wallMs) * 1000;
  const firstAtOrAfter = (us: number) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! < us) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const add = (into: Record<string, number>, key: string, ms: number) => {
    into[key] = (into[key] ?? 0) + ms;
  };
  const report = {
    rfqs: 0,
    slow: 0,
    overMs,
    slowByCategory: {} as Record<string, number>,
    allByCategory: {} as Record<string, number>,
    slowLeaves: {} as Record<string, number>,
    slowNetworkMs: 0,
    slowBudgetMs: 0,
    slowInternalMs: 0,
    perRfq: {} as TailReport['perRfq'],
    longestRunMs: {} as Record<string, number>,
  };
  let run = { category: '', ms: 0 };
  for (let i = 1; i < times.length; i++) {
    const category = categoryOf(stack(profile.samples[i]!));
    const ms = (times[i]! - times[i - 1]!) / 1000;
    run = category === run.category ? { category, ms: run.ms + ms } : { category, ms };
    if (run.ms > (report.longestRunMs[category] ?? 0)) report.longestRunMs[category] = run.ms;
  }
  const spans: Record<string, number>[] = [];
  for (const timing of trace.timings) {
    const span: Record<string, number> = {};
    spans.push(span);
    const from = toHr(timing.added);
    const to = toHr(timing.createStart);
    const slow = timing.internalMs > overMs;
    report.rfqs++;
    if (slow) {
      report.slow++;
      report.slowNetworkMs += timing.networkMs;
      report.slowBudgetMs += timing.budgetMs;
      report.slowInternalMs += timing.internalMs;
    }
    // A sample stands for the time since the previous one.
    let previous = from;
    for (let i = firstAtOrAfter(from); i < times.length && times[i]! <= to; i++) {
      const ms = (times[i]! - previous) / 1000;
      previous = times[i]!;
      const frames = stack(profile.samples[i]!);
      const category = categoryOf(frames);
      add(report.allByCategory, category, ms);
      add(span, category, ms);
      if (!slow) continue;
      add(report.slowByCategory, category, ms);
      if (category !== 'idle' && category !== 'gc') {
        const [name, url] = frames[0] ?? ['?', ''];
        add(report.slowLeaves, `${name || '(anonymous)'} ${url.split('/').pop() ?? ''}`, ms);
      }
    }
  }
  for (const category of Object.keys(report.allByCategory)) {
    const values = spans.map((span) => span[category] ?? 0).sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)] ?? 0;
    report.perRfq[category] = { p50: at(0.5), p99: at(0.99), max: values.at(-1) ?? 0 };
  }
  return report;
}

function sorted(values: Record<string, number>, limit = Number.POSITIVE_INFINITY): [string, number][] {
  return Object.entries(values)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
}

if (process.argv[1]?.endsWith('tail.ts') || process.argv[1]?.endsWith('tail.js')) {
  const { values } = parseArgs({
    options: {
      trace: { type: 'string' },
      profile: { type: 'string' },
      over: { type: 'string', default: '5' },
    },
  });
  if (!values.trace || !values.profile) {
    process.stderr.write(
      'usage: npm run bench:tail -- --trace=<file> --profile=<file.cpuprofile> [--over=5]\n',
    );
    process.exit(2);
  }
  const r = tail(
    JSON.parse(readFileSync(values.profile, 'utf8')) as CpuProfile,
    JSON.parse(readFileSync(values.trace, 'utf8')) as Trace,
    Number(values.over),
  );
  const ms = (v: number) => v.toFixed(1);
  const out = [
    `${r.rfqs} RFQs; ${r.slow} with internal time over ${r.overMs} ms (their internal ${ms(r.slowInternalMs)} ms, network ${ms(r.slowNetworkMs)} ms, token waits ${ms(r.slowBudgetMs)} ms in all)`,
    'bot thread over the slow RFQs (added → create), ms by category:',
    ...sorted(r.slowByCategory).map(([k, v]) => `  ${ms(v).padStart(8)}  ${k}`),
    'heaviest functions there (idle and GC left out):',
    ...sorted(r.slowLeaves, 15).map(([k, v]) => `  ${ms(v).padStart(8)}  ${k}`),
    'all RFQs, ms by category:',
    ...sorted(r.allByCategory).map(([k, v]) => `  ${ms(v).padStart(8)}  ${k}`),
    'within one RFQ (added → create), ms by category: p50 / p99 / max over all RFQs',
    ...sorted(r.allByCategory).map(([k]) => {
      const d = r.perRfq[k]!;
      const longest = (r.longestRunMs[k] ?? 0).toFixed(3);
      return `  ${k.padEnd(18)} ${d.p50.toFixed(3)} / ${d.p99.toFixed(3)} / ${d.max.toFixed(3)}   longest stretch anywhere ${longest}`;
    }),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
