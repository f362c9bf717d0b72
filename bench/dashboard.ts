/**
 * `npx tsx bench/dashboard.ts [--arrivals-ms=N] [--repeat=N]`: what open dashboards cost the
 * quoting path. The steady push scenario (8 RFQs/s, websocket push, accepts) runs with the ops
 * server and dashboard on and 0, 1 and 20 dashboards reading /api/stream (from this process),
 * and prints the bot-internal RFQ→quote p50/p99 of each; the last line is one JSON object.
 */
import { analyze, type ScenarioResult } from './analyze.js';
import { Child } from './ipc.js';
import { machine } from './report.js';
import { runScenario } from './scenario.js';
import { QUICK, steady } from './scenarios.js';
import { fmt, round } from './stats.js';

const arg = (name: string, fallback: number) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
};
const arrivalsMs = arg('arrivals-ms', 8_000);
const repeat = arg('repeat', 1);
const counts = [0, 1, 20];
const log = (line: string) => process.stderr.write(`${line}\n`);

const m = machine();
log(
  `dashboard cost bench: ${m.cpu}, ${m.cores} cores, Node ${m.node}; ${arrivalsMs / 1000} s of arrivals × ${repeat}`,
);
const simHost = new Child('./sim-host.ts');
const results = new Map<number, ScenarioResult[]>(counts.map((n) => [n, []]));
try {
  for (let round = 0; round < repeat; round++) {
    for (const dashboards of counts) {
      const base = steady('bot', { ...QUICK, arrivalsMs }, 0, { push: true }, `dashboards-${dashboards}`);
      const spec = { ...base, settings: { ...base.settings, dashboards } };
      const result = analyze(await runScenario(simHost, spec));
      results.get(dashboards)!.push(result);
      const internal = result.rfqParts.internal;
      log(
        `  ${dashboards} dashboards: internal RFQ→quote p50 ${fmt(internal.p50, ' ms')} p99 ${fmt(internal.p99, ' ms')} (n ${internal.n}), event loop ${fmt(result.eventLoopUtilization * 100, '%')} busy`,
      );
    }
  }
} finally {
  await simHost.close();
}

const out: Record<string, unknown> = {};
console.log('dashboards  internal RFQ→quote p50   p99      n   event-loop busy');
for (const [dashboards, runs] of results) {
  const internal = runs.flatMap((r) => r.rfqParts.internal);
  const p50 = internal.map((d) => d.p50);
  const p99 = internal.map((d) => d.p99);
  const n = internal.reduce((sum, d) => sum + d.n, 0);
  const busy = runs.map((r) => r.eventLoopUtilization * 100);
  const mid = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  console.log(
    `${String(dashboards).padStart(10)}  ${fmt(mid(p50), ' ms').padStart(22)}  ${fmt(mid(p99), ' ms').padStart(7)}  ${String(n).padStart(5)}   ${fmt(mid(busy), '%')}`,
  );
  out[`dashboards${dashboards}`] = {
    p50Ms: round(mid(p50)),
    p99Ms: round(mid(p99)),
    n,
    eventLoopBusyPct: round(mid(busy)),
  };
}
console.log(JSON.stringify({ bench: 'dashboard', arrivalsMs, repeat, ...out }));
