/**
 * `npm run backtest -- --input FILE [options]`: replays a recording through the strategies and
 * prints the runs side by side (or JSON). See docs/backtest.md.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDollars } from '../domain/money.js';
import { parseWhen, UsageError } from '../journal/cli.js';
import type { RunResult } from './engine.js';
import { planRuns } from './plan.js';
import { backtestChartSvg, backtestJson, buildBacktestReport, formatBacktest } from './results.js';
import { type RunRequest, runAll } from './runs.js';

export const USAGE = `Usage: npm run backtest -- --input FILE [options]

Replays a recording (docs/recording-format.md) through the strategy runner and risk guard of the
bot, on a simulated clock, and reports each run side by side.

  --input FILE              the recording (JSON Lines; .gz is read compressed)
  --config FILE             the bot's config (default config.yaml, or $KALSHI_CONFIG)
  --strategy NAME           route every RFQ to this strategy (repeatable: one run each);
                            default: the config's routes as they are
  --set PATH=V1[,V2…]       override a config value; several values sweep (repeatable: every
                            combination is a run). PATH as in config.yaml (risk.maxOpenQuotes),
                            or strategies.NAME.options.KEY for a route or strategy NAME
  --taker MODEL             recorded (default) | recorded-only | mid | a module path
  --accept-delay-ms N       mid model: when after our quote goes live a requester decides (1000)
  --horizon-ms N            mid model: how far ahead the requester sees the mid (10000)
  --taker-edge DOLLARS      mid model: what a requester gives up to trade anyway ("0.02")
  --execution-delay-ms N    confirm → execution (default: the recording's header, else 0)
  --hv-execution-delay-ms N the same on high-volatility markets, exchange.hvmMarkets (default:
                            the recording's header, else --execution-delay-ms)
  --data-lead-ms N          serve recorded market data this long before its time stamp (0): the
                            bot stamps a book when its read came back
  --from DATE, --to DATE    only this part of the recording (YYYY-MM-DD or RFC 3339; --to exclusive)
  --json                    print the results as JSON (sorted keys; micros and centis)
  --out FILE                also write the JSON to FILE
  --chart FILE.svg          write the P&L-over-time chart of every run
  --parallel N              worker threads for several runs (default: the cores, ${availableParallelism()})
  --seed N                  seed of the taker models' random draws (default 1)
  --log-level LEVEL         the bot's logs on stderr (default error)
  -h, --help                this text
`;

export interface BacktestIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag}: expected a whole number ≥ 0, found "${value}"`);
  return Number(value);
}

export async function runBacktestCli(argv: readonly string[], io: BacktestIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      input: { type: 'string' },
      config: { type: 'string', short: 'c', default: process.env['KALSHI_CONFIG'] ?? 'config.yaml' },
      strategy: { type: 'string', multiple: true, default: [] },
      set: { type: 'string', multiple: true, default: [] },
      taker: { type: 'string', default: 'recorded' },
      'accept-delay-ms': { type: 'string' },
      'horizon-ms': { type: 'string' },
      'taker-edge': { type: 'string' },
      'execution-delay-ms': { type: 'string' },
      'hv-execution-delay-ms': { type: 'string' },
      'data-lead-ms': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      chart: { type: 'string' },
      parallel: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'log-level': { type: 'string', default: 'error' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.input === undefined) throw new UsageError('--input FILE is required (a recording)');
  let edge: number | undefined;
  try {
    edge =
      values['taker-edge'] === undefined ? undefined : parseDollars(values['taker-edge'], '--taker-edge');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const plans = planRuns(values.strategy, values.set);
  const parallel = integer(values.parallel, '--parallel');
  const acceptDelayMs = integer(values['accept-delay-ms'], '--accept-delay-ms');
  const horizonMs = integer(values['horizon-ms'], '--horizon-ms');
  const taker = {
    model: values.taker,
    ...(acceptDelayMs !== undefined ? { acceptDelayMs } : {}),
    ...(horizonMs !== undefined ? { horizonMs } : {}),
    ...(edge !== undefined ? { edge } : {}),
  };
  const base = {
    input: values.input,
    configPath: values.config,
    taker,
    executionDelayMs: integer(values['execution-delay-ms'], '--execution-delay-ms'),
    hvExecutionDelayMs: integer(values['hv-execution-delay-ms'], '--hv-execution-delay-ms'),
    dataLeadMs: integer(values['data-lead-ms'], '--data-lead-ms'),
    from: values.from === undefined ? undefined : parseWhen(values.from, '--from'),
    to: values.to === undefined ? undefined : parseWhen(values.to, '--to'),
    seed: integer(values.seed, '--seed') ?? 1,
    logLevel: values['log-level'],
  };
  const requests: RunRequest[] = plans.map((plan) => ({ ...base, plan }));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const results: RunResult[] = await runAll(requests, parallel === 0 ? undefined : parallel);
  const seconds = (performance.now() - started) / 1000;
  const report = buildBacktestReport(
    {
      input: values.input,
      config: values.config,
      taker: values.taker,
      executionDelayMs: results[0]?.executionDelayMs ?? 0,
      hvExecutionDelayMs: results[0]?.hvExecutionDelayMs ?? 0,
    },
    plans.map((plan, i) => ({ plan, result: results[i]! })),
  );
  const json = backtestJson(report);
  io.stdout.write(values.json ? json : formatBacktest(report));
  if (values.out) writeFileSync(values.out, json);
  if (values.chart) writeFileSync(values.chart, backtestChartSvg(report));
  const rfqs = results.reduce((sum, r) => sum + r.input.rfqs, 0);
  const cpu = process.cpuUsage(cpuBefore);
  io.stderr.write(
    `${plans.length} run(s), ${rfqs} RFQs replayed in ${seconds.toFixed(1)} s` +
      `${requests.length === 1 ? ` (${Math.round((rfqs / Math.max((cpu.user + cpu.system) / 1e6, 1e-3)) * 60)} RFQs per CPU-minute)` : ''}` +
      `${values.out ? `; JSON written to ${values.out}` : ''}${values.chart ? `; chart written to ${values.chart}` : ''}\n`,
  );
  return 0;
}
