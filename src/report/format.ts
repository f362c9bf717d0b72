/**
 * The report for people: dollars with cents, contracts with two decimals, one table of groups and
 * the reasons below it. Micro-dollars appear only in `--json`.
 */
import { CENTIS_PER_CONTRACT, MICROS_PER_DOLLAR, type Micros } from '../domain/money.js';
import type { Report, ReportRow } from './report.js';

/** Dollars rounded half away from zero to the cent: "$3.21", "-$0.05". */
export function dollarsToCent(micros: Micros): string {
  const cents = Math.sign(micros) * Math.round(Math.abs(micros) / (MICROS_PER_DOLLAR / 100));
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

export function contractsText(centis: number): string {
  const sign = centis < 0 ? '-' : '';
  const abs = Math.abs(centis);
  return `${sign}${Math.floor(abs / CENTIS_PER_CONTRACT)}.${String(abs % CENTIS_PER_CONTRACT).padStart(2, '0')}`;
}

/**
 * Contracts held and their side; a group holding both sides shows the sum of sizes. The side
 * takes three characters either way, so the numbers stay aligned on the decimal point.
 */
function openCell(row: ReportRow): string {
  const side = row.openNo === 0 ? (row.openYes === 0 ? '' : 'YES') : row.openYes === 0 ? 'NO' : '';
  return `${contractsText(row.openContracts)} ${side.padStart(3)}`;
}

const COLUMNS: readonly { title: string; cell: (row: ReportRow) => string }[] = [
  { title: 'RFQs', cell: (r) => String(r.rfqsSeen) },
  { title: 'quoted', cell: (r) => String(r.quoted) },
  { title: 'accepted', cell: (r) => String(r.accepted) },
  { title: 'confirmed', cell: (r) => String(r.confirmed) },
  { title: 'fills', cell: (r) => String(r.fills) },
  { title: 'filled', cell: (r) => contractsText(r.filledContracts) },
  { title: 'fill rate', cell: (r) => `${(r.fillRate * 100).toFixed(1)}%` },
  { title: 'realised', cell: (r) => dollarsToCent(r.realized) },
  { title: 'fees', cell: (r) => dollarsToCent(r.fees) },
  { title: 'net', cell: (r) => dollarsToCent(r.realized - r.fees) },
  { title: 'open', cell: openCell },
  { title: 'marked', cell: (r) => dollarsToCent(r.unrealized) },
  ...[0, 1, 2].map((i) => ({
    title: ['m/o 10s', 'm/o 1m', 'm/o 5m'][i]!,
    cell: (r: ReportRow) => {
      const m = r.markouts[i];
      return m && m.fills > 0 ? dollarsToCent(m.total) : '–';
    },
  })),
  {
    title: 'confirm p50/p99',
    cell: (r) =>
      r.confirmLatencyMs.n === 0 ? '–' : `${r.confirmLatencyMs.p50} / ${r.confirmLatencyMs.p99} ms`,
  },
];

function table(rows: readonly ReportRow[], keyTitle: string): string {
  const header = [keyTitle, ...COLUMNS.map((c) => c.title)];
  const body = rows.map((row) => [row.key, ...COLUMNS.map((c) => c.cell(row))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...body.map(line)].join('\n');
}

function reasons(title: string, counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return `${title}: none`;
  return `${title}: ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}`;
}

export function formatReport(report: Report): string {
  const zone = report.timeZone === 'UTC' ? '' : ` (days in ${report.timeZone})`;
  const period = `${new Date(report.from).toISOString()} – ${new Date(report.to).toISOString()}${zone}`;
  const rows = report.by === 'total' ? [report.total] : [...report.rows, report.total];
  return [
    `P&L report ${period}${report.by === 'total' ? '' : ` by ${report.by}`}`,
    '',
    table(rows, report.by === 'total' ? '' : report.by),
    '',
    reasons('skipped', report.total.skips),
    reasons('refused by risk', report.total.refusals),
    'open = contracts held at the end (YES and NO summed where a group holds both); marked = their value at the last mid − cost.',
    'm/o = mark-out: (mid after the fill − price paid) × contracts, our side; negative means adverse selection.',
  ].join('\n');
}

/** The report as JSON: money in micros and contracts in centis, named so. */
export function reportJson(report: Report): string {
  return JSON.stringify(
    { units: { money: 'micro-dollars', contracts: 'centi-contracts', time: 'epoch ms' }, ...report },
    (key, value: unknown) => {
      if (key === 'from' || key === 'to') return new Date(value as number).toISOString();
      return value;
    },
    2,
  );
}
