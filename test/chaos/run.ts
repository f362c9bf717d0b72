/**
 * The chaos suite (issue 8 §1): `npm run test:chaos [-- --only name,name] [-- --list]`.
 * Runs every scenario in turn, each with a fresh simulator and bot, prints one line per
 * scenario and a closing `N passed, N failed`; exits 1 when any scenario failed.
 */
import { parseArgs } from 'node:util';
import { useRunTempRoot } from '../helpers/temp-root.js';
import type { ScenarioResult } from './scenario.js';
import { runScenario } from './scenario.js';
import { allScenarios } from './scenarios.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const scenarios = allScenarios();
if (values.list) {
  for (const s of scenarios) process.stdout.write(`${s.name.padEnd(24)} ${s.summary}\n`);
  process.exit(0);
}
const only = values.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const selected = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios;
if (only && selected.length !== only.length) {
  const known = new Set(scenarios.map((s) => s.name));
  process.stderr.write(`unknown scenario(s): ${only.filter((n) => !known.has(n)).join(', ')}\n`);
  process.exit(2);
}

// A crash of the bot's code surfaces here (it shares the process); it fails the scenario.
let crashes: string[] = [];
process.on('unhandledRejection', (reason) => crashes.push(`unhandled rejection: ${String(reason)}`));
process.on('uncaughtException', (error) =>
  crashes.push(`uncaught exception: ${error.stack ?? error.message}`),
);

const removeTempRoot = useRunTempRoot();
const started = Date.now();
const results: ScenarioResult[] = [];
for (const scenario of selected) {
  crashes = [];
  const result = await runScenario(scenario);
  const problems = [...result.problems, ...crashes.map((c) => `bot stays up: ${c}`)];
  const passed = problems.length === 0;
  results.push({ ...result, passed, problems });
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (passed) process.stdout.write(`PASS ${scenario.name} (${result.details}; ${seconds} s)\n`);
  else {
    process.stdout.write(`FAIL ${scenario.name}: ${problems[0]}\n`);
    for (const p of problems.slice(1)) process.stdout.write(`     ${p}\n`);
    if (values.verbose) for (const line of result.log) process.stdout.write(`     | ${line}\n`);
  }
}
const passed = results.filter((r) => r.passed).length;
process.stdout.write(`chaos suite: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
process.stdout.write(`${passed} passed, ${results.length - passed} failed\n`);
removeTempRoot();
process.exit(passed === results.length ? 0 : 1);
