/**
 * `npx tsx bench/dashboard.ts [--arrivals-ms=N] [--repeat=N]`: what open dashboards cost the
 * quoting path. The steady push scenario (8 RFQs/s, websocket push, accepts) runs with the ops
 * server and dashboard on and 0, 1 and 20 dashboards reading /api/stream (from this process),
 * and prints the bot-internal RFQ→quote p50/p99 of each, the event loop's busy share, and the
 * event-loop time the dashboard's own timer took per second; the last line is one JSON object.
 */
import { analyze } from './analyze.js';
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

interface Run {
  readonly p50: number;
  readonly p99: number;
  readonly n: number;
  readonly busyPct: number;
  /** The dashboard timer's event-loop time per tick (one tick a second). */
  readonly timerMsPerSecond: number;
  readonly longestTickMs: number;
}

const m = machine();
log(
  `dashboard cost bench: ${m.cpu}, ${m.cores} cores, Node ${m.node}; ${arrivalsMs / 1000} s of arrivals × ${repeat}`,
);
const simHost = new Child('./sim-host.ts');
const runs = new Map<number, Run[]>(counts.map((n) => [n, []]));
try {
  for (let round = 0; round < repeat; round++) {
    for (const dashboards of counts) {
      const base = steady('bot', { ...QUICK, arrivalsMs }, 0, { push: true }, `dashboards-${dashboards}`);
      const raw = await runScenario(simHost, { ...base, settings: { ...base.settings, dashboards } });
      const result = analyze(raw);
      const c = raw.report.counters;
      const ticks = c['dashboardTicks'] ?? 0;
      const run: Run = {
        p50: result.rfqParts.internal.p50,
        p99: result.rfqParts.internal.p99,
        n: result.rfqParts.internal.n,
        busyPct: result.eventLoopUtilization * 100,
        timerMsPerSecond: ticks > 0 ? (c['dashboardBusyMs'] ?? 0) / ticks : 0,
        longestTickMs: c['dashboardMaxTickMs'] ?? 0,
      };
      runs.get(dashboards)!.push(run);
      log(
        `  ${dashboards} dashboards: internal RFQ→quote p50 ${fmt(run.p50, ' ms')} p99 ${fmt(run.p99, ' ms')} (n ${run.n}), ` +
          `event loop ${fmt(run.busyPct, '%')} busy, dashboard timer ${fmt(run.timerMsPerSecond, ' ms')}/s (longest tick ${fmt(run.longestTickMs, ' ms')})`,
      );
    }
  }
} finally {
  await simHost.close();
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const out: Record<string, unknown> = {};
console.log('dashboards  RFQ→quote p50   p99   samples  loop busy  dashboard timer ms/s  longest tick');
for (const [dashboards, list] of runs) {
  const row = {
    p50Ms: round(median(list.map((r) => r.p50))),
    p99Ms: round(median(list.map((r) => r.p99))),
    n: list.reduce((sum, r) => sum + r.n, 0),
    eventLoopBusyPct: round(median(list.map((r) => r.busyPct))),
    timerMsPerSecond: round(median(list.map((r) => r.timerMsPerSecond))),
    longestTickMs: round(Math.max(...list.map((r) => r.longestTickMs))),
  };
  console.log(
    [
      String(dashboards).padStart(10),
      fmt(row.p50Ms, ' ms').padStart(15),
      fmt(row.p99Ms, ' ms').padStart(8),
      String(row.n).padStart(8),
      fmt(row.eventLoopBusyPct, '%').padStart(10),
      fmt(row.timerMsPerSecond, ' ms').padStart(21),
      fmt(row.longestTickMs, ' ms').padStart(13),
    ].join(' '),
  );
  out[`dashboards${dashboards}`] = row;
}
console.log(JSON.stringify({ bench: 'dashboard', arrivalsMs, repeat, ...out }));
