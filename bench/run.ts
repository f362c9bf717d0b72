/**
 * `npm run bench [-- --quick] [-- --only=key,key] [-- --repeat=N] [-- --scale-chart=file]`: runs
 * the bot (and the baselines) against the simulator, prints a table, the targets, the baselines
 * and the scale curve, and as the last line one JSON object. Progress goes to stderr. `--only`
 * takes scenario keys, and the groups `scale` (the scale curve) and `parts` (journal, dashboard,
 * workers rows with push-0ms). `--repeat=N` runs each scenario N times, interleaved, and pools
 * the samples. See docs/performance.md for what each figure includes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { analyzeRuns, type ScenarioResult } from './analyze.js';
import { compileBot } from './compile.js';
import { Child } from './ipc.js';
import { machine, summary, table } from './report.js';
import { largestHeld, scaleChartSvg, scaleRows, scaleScenarios, scaleTable } from './scale.js';
import { type RawRun, runScenario } from './scenario.js';
import { FULL, QUICK, scenarios } from './scenarios.js';
import { SIM_NICENESS } from './sim-types.js';
import { fmt } from './stats.js';

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const only = option('only')?.split(',');
const repeat = Math.max(1, Number(option('repeat') ?? 1));
const chartPath = resolve(option('scale-chart') ?? 'tmp/bench-scale.svg');
const started = Date.now();
const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const m = machine();
log(
  `kalshi-rfq-maker bench (${quick ? 'quick' : 'full'}): ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.os}; load ${load()}`,
);
// The quick variant leaves the scale curve out unless asked for by name.
const all = [...scenarios(quick ? QUICK : FULL), ...scaleScenarios()];
const selected = (key: string) =>
  only
    ? only.includes(key) ||
      (only.includes('scale') && key.startsWith('scale-')) ||
      (only.includes('parts') && (key === 'push-0ms' || key.startsWith('push-0ms-')))
    : !(quick && key.startsWith('scale-'));
const list = all.filter((spec) => selected(spec.key));
// The simulator stands in for a remote exchange: it yields the shared cores to the bot.
const simHost = new Child('./sim-host.ts', { niceness: SIM_NICENESS });
const compiled = list.some((spec) => spec.compiled) ? await compileBot() : undefined;
const runs = new Map<string, RawRun[]>();
const loads: number[] = [];
try {
  for (let round = 1; round <= repeat; round++) {
    for (const [i, spec] of list.entries()) {
      const t0 = Date.now();
      loads.push(loadavg()[0]!);
      log(
        `[${i + 1}/${list.length}${repeat > 1 ? `, run ${round}/${repeat}` : ''}] ${spec.key}: ${spec.title} (load ${load()})`,
      );
      try {
        const run = await runScenario(simHost, spec, compiled?.worker);
        runs.set(spec.key, [...(runs.get(spec.key) ?? []), run]);
        const result = analyzeRuns([run]);
        log(
          `    ${((Date.now() - t0) / 1000).toFixed(1)} s; internal p50/p99 ${fmt(result.rfqParts.internal.p50)}/${fmt(result.rfqParts.internal.p99, ' ms')}, RFQ→quote p99 ${fmt(result.rfqToQuote.p99, ' ms')}, accept→confirm p99 ${fmt(result.acceptToConfirm.p99, ' ms')}, RSS ${fmt(result.rssMb, ' MB')}, 429s ${result.http429}`,
        );
      } catch (error) {
        log(`    failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
} finally {
  await simHost.close();
  compiled?.dispose();
}
const results: ScenarioResult[] = list
  .filter((spec) => runs.has(spec.key))
  .map((spec) => analyzeRuns(runs.get(spec.key)!));

const seconds = (Date.now() - started) / 1000;
const loadMedian = [...loads].sort((a, b) => a - b)[loads.length >> 1] ?? Number.NaN;
const report = summary(results, quick ? 'quick' : 'full', seconds, { repeat, loadAverage: loadMedian });
const scale = scaleRows(results);
if (scale.length > 0) {
  mkdirSync(dirname(chartPath), { recursive: true });
  writeFileSync(
    chartPath,
    scaleChartSvg(
      scale,
      `${m.cores} cores, Node ${m.node}, load ${loadMedian.toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`,
    ),
  );
}
const out: string[] = [];
out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.os}`);
out.push(
  `Variant: ${quick ? 'quick' : 'full'}, ${Math.round(seconds)} s, ${repeat} run(s) per scenario, load average ${loadMedian.toFixed(2)} (median at the scenarios' starts); exchange-side times in ms; "internal" = bot time between page/push and create, less network and token waits`,
);
out.push('');
out.push(...table(results));
out.push('');
out.push('Targets:');
for (const t of report.targets) {
  out.push(
    `  ${t.met === null ? '?' : t.met ? 'met ' : 'MISS'}  ${t.name}: ${t.value ?? '–'} (target ${t.limit})`,
  );
}
if (scale.length > 0) {
  const held = largestHeld(scale);
  out.push('');
  out.push(`Scale curve (chart: ${chartPath}):`);
  out.push(...scaleTable(scale).map((line) => `  ${line}`));
  out.push(
    `  largest load meeting internal p99 < 5 ms and RSS < 200 MB: ${held ? `${held.open.toLocaleString('en-US')} open RFQs at ${held.ratePerSec} new/s` : 'none'}`,
  );
}
out.push('');
out.push('Baselines (baseline ÷ bot; above 1 = baseline slower or costlier):');
for (const [name, b] of Object.entries(report.baselines)) {
  const r = b.ratios;
  out.push(
    `  ${name}: RFQ→quote p50 ×${r.rfqToQuoteP50 ?? '–'}, p99 ×${r.rfqToQuoteP99 ?? '–'}; accept→confirm p99 ×${r.acceptToConfirmP99 ?? '–'}, under flood ×${r.acceptToConfirmUnderFloodP99 ?? '–'} (${b.acceptToConfirmUnderFloodMs.confirmed ?? '–'} confirmed); write budget use ×${r.writeBudgetUse ?? '–'}; 429s ${b.http429 ?? '–'}; tokens/RFQ ×${r.tokensPerQuotedRfq ?? '–'}; kill switch ${b.killSwitchTripped ? 'tripped' : 'off'}`,
  );
}
out.push('');
out.push(JSON.stringify(report));
process.stdout.write(`${out.join('\n')}\n`);
