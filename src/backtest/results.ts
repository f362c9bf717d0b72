/**
 * A backtest's results for people and for machines: one column per run (and the recording's own
 * outcome beside them), JSON with sorted keys, money in micros and contracts in centis, and no
 * wall-clock time, so the same input and config give byte-identical output.
 */
import type { Centis, Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import type { ReportRow } from '../report/accumulator.js';
import { pnlChartSeriesSvg } from '../report/chart.js';
import { contractsText, dollarsToCent } from '../report/format.js';
import type { InputSummary, RunResult } from './engine.js';
import type { RunNumbers } from './metrics.js';
import type { Assignment, RunPlan } from './plan.js';

export interface RunSummary {
  readonly label: string;
  readonly strategy: string | null;
  readonly set: Readonly<Record<string, string>>;
  readonly rfqsSeen: number;
  readonly quoted: number;
  readonly accepted: number;
  readonly confirmed: number;
  readonly filledQuotes: number;
  readonly filledContracts: Centis;
  readonly fillRate: number;
  readonly realized: Micros;
  readonly fees: Micros;
  /** Realised minus fees. */
  readonly net: Micros;
  /** Net plus open positions at settlement or their last mid. */
  readonly marked: Micros;
  readonly openContracts: Centis;
  readonly markouts: ReportRow['markouts'];
  readonly maxDrawdown: Micros;
  readonly worstCaseExposure: Micros | null;
  readonly refusals: Readonly<Record<string, number>>;
  readonly skips: Readonly<Record<string, number>>;
  readonly postOnlyCancels: number | null;
  readonly byStrategy: readonly ReportRow[];
  readonly pnlOverTime: readonly {
    readonly at: EpochMs;
    readonly realized: Micros;
    readonly marked: Micros;
  }[];
}

export interface BacktestReport {
  readonly input: string;
  readonly config: string;
  readonly taker: string;
  readonly executionDelayMs: number;
  readonly hvExecutionDelayMs: number;
  readonly recording: InputSummary;
  readonly runs: readonly RunSummary[];
  /** What the recording itself shows happened (a bot recording: the live run). */
  readonly recorded: RunSummary | null;
}

function summary(
  label: string,
  plan: { strategy: string | undefined; assignments: readonly Assignment[] } | undefined,
  numbers: RunNumbers,
  extra: { worstCaseExposure: Micros | null; postOnlyCancels: number | null },
): RunSummary {
  const t = numbers.total;
  const set: Record<string, string> = {};
  for (const a of plan?.assignments ?? []) set[a.path] = a.value;
  return {
    label,
    strategy: plan?.strategy ?? null,
    set,
    rfqsSeen: t.rfqsSeen,
    quoted: t.quoted,
    accepted: t.accepted,
    confirmed: t.confirmed,
    filledQuotes: t.filledQuotes,
    filledContracts: t.filledContracts,
    fillRate: t.fillRate,
    realized: t.realized,
    fees: t.fees,
    net: t.realized - t.fees,
    marked: numbers.markedPnl,
    openContracts: t.openContracts,
    markouts: t.markouts,
    maxDrawdown: numbers.maxDrawdown,
    worstCaseExposure: extra.worstCaseExposure,
    refusals: t.refusals,
    skips: t.skips,
    postOnlyCancels: extra.postOnlyCancels,
    byStrategy: numbers.byStrategy.filter((row) => row.key !== '(none)'),
    pnlOverTime: numbers.series,
  };
}

export function buildBacktestReport(
  meta: {
    input: string;
    config: string;
    taker: string;
    executionDelayMs: number;
    hvExecutionDelayMs: number;
  },
  runs: readonly { plan: RunPlan; result: RunResult }[],
): BacktestReport {
  const first = runs[0]?.result;
  return {
    ...meta,
    recording: first?.input ?? {
      source: undefined,
      events: 0,
      rfqs: 0,
      firstAt: undefined,
      lastAt: undefined,
      outOfOrder: 0,
    },
    runs: runs.map(({ plan, result }) =>
      summary(plan.label, plan, result.numbers, {
        worstCaseExposure: result.worstCaseExposure,
        postOnlyCancels: result.postOnlyCancels,
      }),
    ),
    recorded: first?.recorded
      ? summary('recorded', undefined, first.recorded, { worstCaseExposure: null, postOnlyCancels: null })
      : null,
  };
}

/** JSON with every object's keys sorted: the same report is the same bytes. */
export function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v === undefined) return null;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    },
    2,
  );
}

export function backtestJson(report: BacktestReport): string {
  return `${stableJson({
    units: { money: 'micro-dollars', contracts: 'centi-contracts', time: 'epoch ms', fillRate: 'fraction' },
    ...report,
  })}\n`;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const money = (m: Micros | null) => (m === null ? '–' : dollarsToCent(m));
const counts = (map: Readonly<Record<string, number>>) => {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? '–' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
};

const ROWS: readonly { readonly title: string; readonly cell: (r: RunSummary) => string }[] = [
  { title: 'RFQs seen', cell: (r) => String(r.rfqsSeen) },
  { title: 'RFQs quoted', cell: (r) => String(r.quoted) },
  { title: 'accepted', cell: (r) => String(r.accepted) },
  { title: 'confirmed', cell: (r) => String(r.confirmed) },
  { title: 'filled quotes', cell: (r) => String(r.filledQuotes) },
  { title: 'fill rate', cell: (r) => pct(r.fillRate) },
  { title: 'contracts filled', cell: (r) => contractsText(r.filledContracts) },
  { title: 'realised', cell: (r) => money(r.realized) },
  { title: 'fees', cell: (r) => money(r.fees) },
  { title: 'net (realised − fees)', cell: (r) => money(r.net) },
  { title: 'marked P&L', cell: (r) => money(r.marked) },
  { title: 'open contracts', cell: (r) => contractsText(r.openContracts) },
  ...[0, 1, 2].map((i) => ({
    title: ['mark-out 10s', 'mark-out 1m', 'mark-out 5m'][i]!,
    cell: (r: RunSummary) => {
      const m = r.markouts[i];
      return m && m.fills > 0 ? `${money(m.total)} (${m.fills})` : '–';
    },
  })),
  { title: 'max drawdown', cell: (r) => money(r.maxDrawdown) },
  { title: 'worst-case exposure', cell: (r) => money(r.worstCaseExposure) },
  { title: 'post-only cancels', cell: (r) => (r.postOnlyCancels === null ? '–' : String(r.postOnlyCancels)) },
  { title: 'limit refusals', cell: (r) => String(Object.values(r.refusals).reduce((a, b) => a + b, 0)) },
];

/** The side-by-side table, then each run's refusals and skips by reason. */
export function formatBacktest(report: BacktestReport): string {
  const columns = report.recorded ? [...report.runs, report.recorded] : [...report.runs];
  const header = ['', ...columns.map((c) => c.label)];
  const body = ROWS.map((row) => [row.title, ...columns.map((c) => row.cell(c))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const r = report.recording;
  const span =
    r.firstAt !== undefined && r.lastAt !== undefined
      ? `${new Date(r.firstAt).toISOString()} – ${new Date(r.lastAt).toISOString()}`
      : 'empty';
  const lines = [
    `Backtest of ${report.input} (${r.events} events, ${r.rfqs} RFQs, ${span})`,
    `taker model ${report.taker}, execution ${report.executionDelayMs} ms after confirm (${report.hvExecutionDelayMs} ms on high-volatility markets), config ${report.config}`,
    '',
    line(header),
    line(widths.map((w) => '─'.repeat(w))),
    ...body.map(line),
    '',
    ...columns.flatMap((c) => [`${c.label}: refused ${counts(c.refusals)}; skipped ${counts(c.skips)}`]),
    '',
    'mark-out: (mid after the fill − price paid) × contracts, our side; negative means adverse selection.',
  ];
  if (r.outOfOrder > 0)
    lines.push(`${r.outOfOrder} events were earlier than the one before them (applied in file order).`);
  if (report.recorded) lines.push('recorded: what the recording itself shows happened (the live run).');
  return `${lines.join('\n')}\n`;
}

/** The P&L-over-time chart: each run's marked P&L (realised − fees + open at the last mid). */
export function backtestChartSvg(report: BacktestReport): string {
  const from = report.recording.firstAt ?? 0;
  const end = report.recording.lastAt ?? from + 1;
  const lines = report.runs.map((run) => ({
    label: run.label,
    points: run.pnlOverTime.map((p) => ({ at: p.at, value: p.marked })),
  }));
  return pnlChartSeriesSvg(
    lines,
    from,
    end,
    `Backtest — ${report.input}`,
    'marked P&amp;L: realised net of fees plus open positions at the last mid',
  );
}
