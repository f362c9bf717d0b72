/**
 * `npm run report -- [--from DATE] [--to DATE] [--by market|event|series|strategy|day|hour]
 *   [--json] [--chart FILE.svg] [--journal FILE] [--config FILE]`
 * The period defaults to today (UTC); DATE is YYYY-MM-DD (UTC midnight) or an RFC 3339 time.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseWhen, UsageError } from '../journal/cli.js';
import { journalPathFromConfig, takeConfigFlag } from '../journal/config-path.js';
import { openJournalDatabase } from '../journal/database.js';
import { JournalReader } from '../journal/queries.js';
import { pnlChartSvg } from './chart.js';
import { formatReport, reportJson } from './format.js';
import { buildReport, GROUP_BYS, type GroupBy } from './report.js';

const DAY = 86_400_000;

function run(): number {
  const { configPath, rest } = takeConfigFlag(process.argv.slice(2));
  const { values } = parseArgs({
    args: rest,
    options: {
      journal: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
      chart: { type: 'string' },
    },
  });
  if (values.by !== undefined && !(GROUP_BYS as readonly string[]).includes(values.by))
    throw new UsageError(`--by: expected one of ${GROUP_BYS.join(', ')}, found "${values.by}"`);
  const now = Date.now();
  const from = values.from ? parseWhen(values.from, '--from') : Math.floor(now / DAY) * DAY;
  const to = values.to ? parseWhen(values.to, '--to') : from + DAY;
  if (to <= from) throw new UsageError('--to must be after --from');
  const path = values.journal ?? journalPathFromConfig(configPath);
  const db = openJournalDatabase(path, { readonly: true });
  try {
    const report = buildReport(new JournalReader(db), {
      from,
      to,
      by: values.by as GroupBy | undefined,
      now,
    });
    process.stdout.write(`${values.json ? reportJson(report) : formatReport(report)}\n`);
    if (values.chart) {
      writeFileSync(
        values.chart,
        pnlChartSvg(report.pnlOverTime, from, Math.min(to, now), `Realised P&L — ${path}`),
      );
      process.stderr.write(`chart written to ${values.chart}\n`);
    }
  } finally {
    db.close();
  }
  return 0;
}

try {
  process.exitCode = run();
} catch (error) {
  process.stderr.write(`${(error as Error).message ?? String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
