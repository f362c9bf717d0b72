/**
 * `npm run bench [-- --quick] [-- --only=key,key]`: runs the bot (and the baselines) against
 * the simulator, prints a table, the targets and the baselines, and as the last line one JSON
 * object. Progress goes to stderr. See docs/performance.md for what each figure includes.
 */
import { analyze, type ScenarioResult } from './analyze.js';
import { compileBot } from './compile.js';
import { Child } from './ipc.js';
import { machine, summary, table } from './report.js';
import { runScenario } from './scenario.js';
import { FULL, QUICK, scenarios } from './scenarios.js';
import { fmt } from './stats.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const started = Date.now();
const log = (line: string) => process.stderr.write(`${line}\n`);

const m = machine();
log(
  `kalshi-rfq-maker bench (${quick ? 'quick' : 'full'}): ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.os}`,
);
const list = scenarios(quick ? QUICK : FULL).filter((spec) => !only || only.includes(spec.key));
const simHost = new Child('./sim-host.ts');
const compiled = list.some((spec) => spec.compiled) ? await compileBot() : undefined;
const results: ScenarioResult[] = [];
try {
  for (const [i, spec] of list.entries()) {
    const t0 = Date.now();
    log(`[${i + 1}/${list.length}] ${spec.key}: ${spec.title}`);
    try {
      const result = analyze(await runScenario(simHost, spec, compiled?.worker));
      results.push(result);
      log(
        `    ${((Date.now() - t0) / 1000).toFixed(1)} s; RFQ→quote p99 ${fmt(result.rfqToQuote.p99, ' ms')}, accept→confirm p99 ${fmt(result.acceptToConfirm.p99, ' ms')}, 429s ${result.http429}`,
      );
    } catch (error) {
      log(`    failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} finally {
  await simHost.close();
  compiled?.dispose();
}

const seconds = (Date.now() - started) / 1000;
const report = summary(results, quick ? 'quick' : 'full', seconds);
const out: string[] = [];
out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.os}`);
out.push(
  `Variant: ${quick ? 'quick' : 'full'}, ${Math.round(seconds)} s; exchange-side times in ms; "internal" = bot time between page/push and create, less network and token waits`,
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
