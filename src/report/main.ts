/**
 * `npm run report -- [--from DATE] [--to DATE] [--by market|event|series|strategy|day|hour]
 *   [--json] [--chart FILE.svg] [--journal FILE] [--config FILE] [--tz ZONE]`
 * Days are the bot's: they start in `risk.dayStartTimezone` (or `--tz`), as the loss limit's and
 * the dashboard's do. The period defaults to today; DATE is YYYY-MM-DD (that day's start) or an
 * RFC 3339 time; `--to` is exclusive.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseWhen, UsageError } from '../journal/cli.js';
import { type JournalSettings, journalSettingsFromConfig, takeConfigFlag } from '../journal/config-path.js';
import { openJournalDatabase } from '../journal/database.js';
import { JournalReader } from '../journal/queries.js';
import { dayKey, dayStart, isValidTimeZone, nextDayKey } from '../risk/zoned-time.js';
import { pnlChartSvg } from './chart.js';
import { formatReport, reportJson } from './format.js';
import { buildReport, GROUP_BYS, type GroupBy } from './report.js';

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
      tz: { type: 'string' },
    },
  });
  if (values.by !== undefined && !(GROUP_BYS as readonly string[]).includes(values.by))
    throw new UsageError(`--by: expected one of ${GROUP_BYS.join(', ')}, found "${values.by}"`);
  if (values.tz !== undefined && !isValidTimeZone(values.tz))
    throw new UsageError(`--tz: "${values.tz}" is not an IANA time zone (e.g. America/New_York, UTC)`);
  const settings = settingsFor(configPath, values.journal, values.tz);
  const timeZone = settings.dayTimeZone;
  const now = Date.now();
  const from = values.from
    ? parseWhen(values.from, '--from', timeZone)
    : (dayStart(dayKey(now, timeZone), timeZone) as number);
  // To the end of the day the period starts in.
  const to = values.to
    ? parseWhen(values.to, '--to', timeZone)
    : (dayStart(nextDayKey(dayKey(from, timeZone)), timeZone) as number);
  if (to <= from) throw new UsageError('--to must be after --from');
  const path = settings.path;
  const db = openJournalDatabase(path, { readonly: true });
  try {
    const report = buildReport(new JournalReader(db), {
      from,
      to,
      by: values.by as GroupBy | undefined,
      now,
      timeZone,
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

/**
 * The journal and the day's zone: from the config, where `--journal` and `--tz` do not both say.
 * A journal named on the command line is read without a config if there is none to read (UTC days).
 */
function settingsFor(
  configPath: string,
  journal: string | undefined,
  tz: string | undefined,
): JournalSettings {
  if (journal !== undefined && tz !== undefined) return { path: journal, dayTimeZone: tz };
  let fromConfig: JournalSettings;
  try {
    fromConfig = journalSettingsFromConfig(configPath);
  } catch (error) {
    if (journal === undefined) throw error;
    process.stderr.write(`days in UTC: no risk.dayStartTimezone from ${configPath} (--tz ZONE sets it)\n`);
    return { path: journal, dayTimeZone: 'UTC' };
  }
  return { path: journal ?? fromConfig.path, dayTimeZone: tz ?? fromConfig.dayTimeZone };
}

try {
  process.exitCode = run();
} catch (error) {
  process.stderr.write(`${(error as Error).message ?? String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
