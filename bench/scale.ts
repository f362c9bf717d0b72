/**
 * The scale curve: a standing book of open RFQs (1k, 10k, 50k, tracked but never quoted) and new
 * RFQs arriving at 8, 50 and 200 a second (quoted), one fresh bot per cell. How latency, CPU and
 * memory grow with both; printed as a table and drawn as an SVG chart (`--scale-chart=<file>`).
 */
import type { ScenarioResult } from './analyze.js';
import type { ScenarioSpec } from './scenario.js';
import { SEED } from './scenarios.js';
import { fmt, round } from './stats.js';

export const SCALE_OPEN = [1_000, 10_000, 50_000] as const;
export const SCALE_RATES = [8, 50, 200] as const;

/** Targets a cell must meet to count as "held": the internal p99, the memory bound. */
export const SCALE_TARGETS = { internalP99Ms: 5, rssMb: 200 } as const;

const WARMUP_MS = 1_500;
const WINDOW_MS = 6_000;

export function scaleKey(open: number, rate: number): string {
  return `scale-${open / 1000}k-${rate}`;
}

export function scaleCell(open: number, rate: number): ScenarioSpec {
  return {
    key: scaleKey(open, rate),
    title: `${open} open RFQs tracked (never quoted), ${rate} new RFQs/s quoted, prime tier, push, 0 ms`,
    mode: 'bot',
    // As the container runs it (memory is part of the curve), without its heap bound.
    compiled: true,
    // Prime: the exchange's rate budget is not what this measures.
    sim: { seed: SEED, tier: 'prime', walkIntervalMs: 0 },
    settings: {
      pollIntervalMs: 1000,
      maxOpenQuotes: 100_000,
      standingBook: true,
      // One listing must cover the standing book: 50,000 RFQs are 500 pages.
      maxPages: 1_000,
    },
    load: [
      { kind: 'burst', count: open, markets: 'standing' },
      { kind: 'until', done: (s) => s.bookSize >= open && s.queuedWrites === 0, timeoutMs: 180_000 },
      { kind: 'wait', ms: 3_000 },
      { kind: 'arrivals', ratePerSec: rate, durationMs: WARMUP_MS + WINDOW_MS, markets: 'quoted' },
    ],
    accept: { fraction: 0.1, delayMs: [300, 1500] },
    windowMs: [WARMUP_MS, WARMUP_MS + WINDOW_MS + 1_500],
  };
}

export function scaleScenarios(): ScenarioSpec[] {
  return SCALE_OPEN.flatMap((open) => SCALE_RATES.map((rate) => scaleCell(open, rate)));
}

export interface ScaleRow {
  readonly open: number;
  readonly ratePerSec: number;
  readonly quoted: string;
  readonly internalMs: { readonly p50: number | null; readonly p99: number | null };
  readonly rfqToQuoteMs: { readonly p50: number | null; readonly p99: number | null };
  readonly cpuPercent: number | null;
  readonly rssMb: number | null;
  readonly heapAfterGcMb: number | null;
  readonly lagP99Ms: number | null;
  readonly bookSize: number;
  /** Internal p99 and RSS within SCALE_TARGETS. */
  readonly held: boolean;
}

export function scaleRows(results: readonly ScenarioResult[]): ScaleRow[] {
  const byKey = new Map(results.map((r) => [r.key, r]));
  const rows: ScaleRow[] = [];
  for (const open of SCALE_OPEN) {
    for (const rate of SCALE_RATES) {
      const r = byKey.get(scaleKey(open, rate));
      if (!r) continue;
      const p99 = r.rfqParts.internal.p99;
      rows.push({
        open,
        ratePerSec: rate,
        quoted: `${r.rfqsQuoted}/${r.rfqsCreated}`,
        internalMs: { p50: round(r.rfqParts.internal.p50), p99: round(p99) },
        rfqToQuoteMs: { p50: round(r.rfqToQuote.p50), p99: round(r.rfqToQuote.p99) },
        cpuPercent: round(r.cpuPercent),
        rssMb: round(r.rssMb),
        heapAfterGcMb: round(r.heapAfterGcMb),
        lagP99Ms: round(r.lagP99Ms),
        bookSize: r.bookSize,
        held: p99 < SCALE_TARGETS.internalP99Ms && r.rssMb < SCALE_TARGETS.rssMb,
      });
    }
  }
  return rows;
}

/** The largest load whose cell held the targets: most open RFQs first, then the highest rate. */
export function largestHeld(rows: readonly ScaleRow[]): ScaleRow | undefined {
  return [...rows].filter((r) => r.held).sort((a, b) => b.open - a.open || b.ratePerSec - a.ratePerSec)[0];
}

export function scaleTable(rows: readonly ScaleRow[]): string[] {
  const header = [
    'open RFQs',
    'new/s',
    'quoted',
    'internal p50/p99',
    'RFQ→quote p50/p99',
    'CPU',
    'RSS MB',
    'heap MB',
    'lag p99',
    'held',
  ];
  const cells = rows.map((r) => [
    r.open.toLocaleString('en-US'),
    String(r.ratePerSec),
    r.quoted,
    `${fmt(r.internalMs.p50)} / ${fmt(r.internalMs.p99)}`,
    `${fmt(r.rfqToQuoteMs.p50)} / ${fmt(r.rfqToQuoteMs.p99)}`,
    `${fmt(r.cpuPercent)}%`,
    fmt(r.rssMb),
    fmt(r.heapAfterGcMb),
    fmt(r.lagP99Ms),
    r.held ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c'];
const W = 460;
const H = 300;
const PAD = { left: 60, right: 20, top: 40, bottom: 50 };

/** One panel: a line per standing-book size, x = arrival rate (log scale), y = a figure. */
function panel(
  rows: readonly ScaleRow[],
  title: string,
  value: (r: ScaleRow) => number | null,
  limit: number | undefined,
  offsetX: number,
): string {
  const xs = SCALE_RATES.map((rate) => Math.log10(rate));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const values = rows.map(value).filter((v): v is number => v !== null);
  const raw = (Math.max(limit ?? 0, ...values, 1) * 1.1) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const top = step * 4;
  const x = (rate: number) =>
    offsetX + PAD.left + ((Math.log10(rate) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<text x="${offsetX + W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${offsetX + PAD.left}" y1="${H - PAD.bottom}" x2="${offsetX + W - PAD.right}" y2="${H - PAD.bottom}" stroke="#888"/>`,
    `<line x1="${offsetX + PAD.left}" y1="${PAD.top}" x2="${offsetX + PAD.left}" y2="${H - PAD.bottom}" stroke="#888"/>`,
  ];
  for (const rate of SCALE_RATES) {
    parts.push(
      `<text x="${x(rate).toFixed(1)}" y="${H - PAD.bottom + 18}" text-anchor="middle" font-size="11">${rate}/s</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const v = (top / 4) * i;
    parts.push(
      `<text x="${offsetX + PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(v)}</text>`,
    );
  }
  if (limit !== undefined) {
    parts.push(
      `<line x1="${offsetX + PAD.left}" y1="${y(limit).toFixed(1)}" x2="${offsetX + W - PAD.right}" y2="${y(limit).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
      `<text x="${offsetX + W - PAD.right}" y="${(y(limit) - 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#666">target</text>`,
    );
  }
  SCALE_OPEN.forEach((open, i) => {
    const points = rows
      .filter((r) => r.open === open && value(r) !== null)
      .map((r) => `${x(r.ratePerSec).toFixed(1)},${y(value(r)!).toFixed(1)}`);
    if (points.length === 0) return;
    parts.push(
      `<polyline fill="none" stroke="${COLOURS[i]}" stroke-width="2" points="${points.join(' ')}"/>`,
      ...points.map(
        (p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${COLOURS[i]}"/>`,
      ),
    );
  });
  return parts.join('\n');
}

/** Internal p99, CPU and RSS against the arrival rate, one line per standing-book size. */
export function scaleChartSvg(rows: readonly ScaleRow[], subtitle: string): string {
  const legend = SCALE_OPEN.map(
    (open, i) =>
      `<rect x="${20 + i * 150}" y="${H + 8}" width="12" height="12" fill="${COLOURS[i]}"/><text x="${36 + i * 150}" y="${H + 18}" font-size="12">${open.toLocaleString('en-US')} open RFQs</text>`,
  ).join('\n');
  const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * W}" height="${H + 50}" font-family="sans-serif">
<title>Scale curve: internal RFQ→quote p99, CPU and RSS against the arrival rate, by open RFQs (${escapeXml(subtitle)})</title>
<rect width="100%" height="100%" fill="white"/>
${panel(rows, 'internal RFQ→quote p99 (ms)', (r) => r.internalMs.p99, SCALE_TARGETS.internalP99Ms, 0)}
${panel(rows, 'CPU (% of one core)', (r) => r.cpuPercent, undefined, W)}
${panel(rows, 'RSS (MB)', (r) => r.rssMb, SCALE_TARGETS.rssMb, 2 * W)}
${legend}
<text x="${3 * W - 10}" y="${H + 18}" text-anchor="end" font-size="11" fill="#666">${escapeXml(subtitle)}</text>
</svg>
`;
}
