/**
 * `npm run bench:backtest [-- --sizes 100000,500000] [--rate 10] [--markets 100] [--preset shipped|every-rfq] [--set path=value]`:
 * replay speed and memory of the backtest. Writes synthetic recordings (src/backtest/synthetic.ts:
 * markets that settle every 10 minutes and are replaced) to the temp folder, replays each in a
 * fresh child process with config.yaml, and prints RFQs per minute per core (RFQs ÷ the child's
 * CPU time, so a busy machine does not flatter it) and the child's peak RSS: streamed, the peak
 * does not grow with the recording's size.
 *
 * Presets: `shipped` (default) is config.yaml with the daily-loss and drawdown stops lifted (the
 * synthetic P&L swings would stop the bot for the day, and an idle bot replays fast); `every-rfq`
 * also lifts the quote and exposure limits, so every RFQ is priced, guarded, quoted and requoted:
 * the most work an RFQ can cost.
 */
import { execFile } from 'node:child_process';
import { statSync, unlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pino from 'pino';

const ROOT = resolve(import.meta.dirname, '..');

const NO_STOPS = ['risk.maxDailyLoss=1000000', 'risk.killSwitch.maxDrawdown=1000000'];
const PRESETS: Readonly<Record<string, readonly string[]>> = {
  shipped: NO_STOPS,
  'every-rfq': [
    ...NO_STOPS,
    'risk.maxOpenQuotes=100000',
    'risk.maxOpenQuotesPerMarket=1000',
    'risk.maxOpenQuotesPerEvent=1000',
    'risk.maxTotalExposure=100000000',
    'risk.maxPositionPerMarket.contracts=1000000',
    'risk.maxPositionPerMarket.dollars=1000000',
    'risk.maxPositionPerEvent.contracts=1000000',
    'risk.maxPositionPerEvent.dollars=1000000',
  ],
};

interface ChildResult {
  readonly rfqs: number;
  readonly events: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly maxRssMb: number;
  readonly windowPeak: number;
  readonly quoted: number;
  readonly filledQuotes: number;
}

/** The measured part: one replay in this process, reported as one JSON line. */
async function child(input: string, sets: readonly string[]): Promise<void> {
  const [{ configFor }, { loadStrategies }, { replay }, { recordedTaker }] = await Promise.all([
    import('../src/backtest/plan.js'),
    import('../src/strategy/loader.js'),
    import('../src/backtest/engine.js'),
    import('../src/backtest/taker-models.js'),
  ]);
  const logger = pino({ level: 'error' });
  const config = configFor(join(ROOT, 'config.yaml'), {
    strategy: undefined,
    assignments: sets.map((s) => ({ path: s.slice(0, s.indexOf('=')), value: s.slice(s.indexOf('=') + 1) })),
  });
  const registry = await loadStrategies({ dir: config.strategies.dir, logger });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await replay({ input, config, registry, taker: recordedTaker(), label: 'bench', logger });
  const cpu = process.cpuUsage(cpu0);
  const out: ChildResult = {
    rfqs: result.input.rfqs,
    events: result.input.events,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - t0,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    windowPeak: result.windowPeak,
    quoted: result.numbers.total.quoted,
    filledQuotes: result.numbers.total.filledQuotes,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      rfqs: { type: 'string', default: '500000' },
      sizes: { type: 'string' },
      rate: { type: 'string', default: '10' },
      markets: { type: 'string', default: '100' },
      set: { type: 'string', multiple: true, default: [] },
      preset: { type: 'string', default: 'shipped' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (values.child) return child(values.child, values.set);
  const { writeSyntheticRecording } = await import('../src/backtest/synthetic.js');
  const sizes = (values.sizes ?? `${Math.round(Number(values.rfqs) / 5)},${values.rfqs}`)
    .split(',')
    .map(Number);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `backtest bench (${values.preset}): ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}; ${values.rate} RFQs/s over ${values.markets} markets`,
  );
  const rows: string[] = [];
  for (const rfqs of sizes) {
    const file = join(tmpdir(), `backtest-bench-${rfqs}-${process.pid}.jsonl`);
    const t0 = performance.now();
    const events = await writeSyntheticRecording(file, {
      rfqs,
      rate: Number(values.rate),
      markets: Number(values.markets),
      seed: 7,
      start: Date.UTC(2026, 11, 7, 14, 0, 0),
    });
    const mb = statSync(file).size / 1e6;
    log(
      `${rfqs} RFQs: ${events} events, ${mb.toFixed(0)} MB written in ${((performance.now() - t0) / 1000).toFixed(1)} s; replaying…`,
    );
    const preset = PRESETS[values.preset];
    if (preset === undefined) throw new Error(`--preset: expected ${Object.keys(PRESETS).join(' or ')}`);
    const sets = [...preset, ...values.set].flatMap((s) => ['--set', s]);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--max-semi-space-size=64', '--import', 'tsx', 'bench/backtest.ts', '--child', file, ...sets],
      { cwd: ROOT, maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
    if (!values.keep) unlinkSync(file);
    const perCore = Math.round((r.rfqs / r.cpuMs) * 60_000);
    const row = `${String(r.rfqs).padStart(8)} RFQs  ${mb.toFixed(0).padStart(5)} MB  wall ${(r.wallMs / 1000).toFixed(1).padStart(6)} s  CPU ${(r.cpuMs / 1000).toFixed(1).padStart(6)} s  ${String(perCore).padStart(7)} RFQs/min/core  peak RSS ${r.maxRssMb.toFixed(0).padStart(4)} MB  window ≤ ${r.windowPeak} events  (${r.quoted} quoted, ${r.filledQuotes} filled)`;
    log(row);
    rows.push(row);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
