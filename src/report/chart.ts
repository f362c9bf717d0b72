/**
 * A P&L-over-time chart as a self-contained SVG file: cumulative realised P&L net of fees, one
 * step per fill, with dollar and time axes. No library, no script: any browser opens it.
 */
import { MICROS_PER_DOLLAR } from '../domain/money.js';
import { dollarsToCent } from './format.js';
import type { PnlPoint } from './report.js';

const WIDTH = 900;
const HEIGHT = 360;
const PAD = { left: 80, right: 20, top: 30, bottom: 50 };

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/** Rounded tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step / 1e6; v += step) out.push(v);
  return out;
}

const TIME_STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
]
  .map((seconds) => seconds * 1000)
  .concat([2, 7, 14, 30, 91, 182, 365].map((days) => days * 86_400_000));

/** Time ticks on round clock steps covering [from, end]. */
function timeTicks(from: number, end: number, count: number): number[] {
  const raw = (end - from) / count;
  const step = TIME_STEPS_MS.find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= end; t += step) out.push(t);
  return out;
}

function timeLabel(at: number, spanMs: number): string {
  const iso = new Date(at).toISOString();
  if (spanMs > 2 * 86_400_000) return iso.slice(0, 10);
  if (spanMs > 3_600_000) return iso.slice(5, 16).replace('T', ' ');
  return iso.slice(11, 19);
}

/** One line of a chart: a label and its steps. */
export interface ChartSeries {
  readonly label: string;
  readonly points: readonly { readonly at: number; readonly value: number }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** `end` is where the time axis stops: the period's end, or now while the period is running. */
export function pnlChartSvg(points: readonly PnlPoint[], from: number, end: number, title: string): string {
  return pnlChartSeriesSvg(
    [{ label: '', points: points.map((p) => ({ at: p.at, value: p.realized })) }],
    from,
    end,
    title,
    `cumulative realised P&amp;L net of fees · ${points.length} fills`,
  );
}

/**
 * Several step lines on one set of axes (a backtest's runs side by side), each starting at 0 at
 * `from`, with a legend when there is more than one. `caption` is XML-escaped by the caller.
 */
export function pnlChartSeriesSvg(
  lines: readonly ChartSeries[],
  from: number,
  end: number,
  title: string,
  caption: string,
): string {
  const all = lines.map((line) => [{ at: from, value: 0 }, ...line.points]);
  end = Math.max(end, ...all.map((series) => series[series.length - 1]!.at), from + 1);
  const values = all.flatMap((series) => series.map((p) => p.value));
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values, lo + MICROS_PER_DOLLAR / 100);
  const x = (at: number) => PAD.left + ((at - from) / (end - from)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);
  const paths = all
    .map((series, i) => {
      let path = `M${x(series[0]!.at).toFixed(1)},${y(0).toFixed(1)}`;
      for (const p of series.slice(1)) path += ` H${x(p.at).toFixed(1)} V${y(p.value).toFixed(1)}`;
      path += ` H${x(end).toFixed(1)}`;
      return `<path d="${path}" class="pnl" stroke="${COLOURS[i % COLOURS.length]}"/>`;
    })
    .join('\n');
  const legend =
    lines.length < 2
      ? ''
      : lines
          .map(
            (line, i) =>
              `<rect x="${PAD.left + 10}" y="${PAD.top + 6 + i * 16}" width="12" height="3" fill="${COLOURS[i % COLOURS.length]}"/>` +
              `<text x="${PAD.left + 28}" y="${PAD.top + 11 + i * 16}">${escapeXml(line.label)}</text>`,
          )
          .join('');
  const yTicks = ticks(lo, hi, 6)
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>` +
        `<text x="${PAD.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeXml(dollarsToCent(v))}</text>`,
    )
    .join('');
  const xTicks = timeTicks(from, end, 6)
    .map(
      (t) =>
        `<text x="${x(t).toFixed(1)}" y="${HEIGHT - PAD.bottom + 20}" text-anchor="middle">${escapeXml(
          timeLabel(t, end - from),
        )}</text>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">
<style>.grid{stroke:#ddd}.zero{stroke:#888}.pnl{fill:none;stroke-width:2}text{fill:#333}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>
${yTicks}${xTicks}
<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" class="zero"/>
${paths}
${legend}
<text x="${WIDTH - PAD.right}" y="${HEIGHT - 10}" text-anchor="end">UTC · ${caption}</text>
</svg>
`;
}
