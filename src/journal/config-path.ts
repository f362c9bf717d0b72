import { formatConfigProblems, loadConfig } from '../config/index.js';
import { UsageError } from './cli.js';

/** `journal.path` of the config file at `configPath`, for the journal and report commands. */
export function journalPathFromConfig(configPath: string): string {
  return journalSettingsFromConfig(configPath).path;
}

/** What the report reads from the config: the journal file and the zone trading days start in. */
export interface JournalSettings {
  readonly path: string;
  /** `risk.dayStartTimezone`: the report's days are the bot's (loss limit, dashboard) days. */
  readonly dayTimeZone: string;
}

export function journalSettingsFromConfig(configPath: string): JournalSettings {
  const result = loadConfig({ path: configPath });
  if (!result.ok)
    throw new UsageError(
      `cannot read journal.path from ${configPath}:\n${formatConfigProblems(result.problems)}\npass --journal FILE instead`,
    );
  return { path: result.config.journal.path, dayTimeZone: result.config.risk.dayStartTimezone };
}

/** Pulls `--config FILE` (or `-c FILE`) out of argv; the rest goes to the command. */
export function takeConfigFlag(argv: readonly string[]): { configPath: string; rest: string[] } {
  const rest: string[] = [];
  let configPath = process.env['KALSHI_CONFIG'] ?? 'config.yaml';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c') configPath = argv[++i] ?? configPath;
    else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else rest.push(arg);
  }
  return { configPath, rest };
}
