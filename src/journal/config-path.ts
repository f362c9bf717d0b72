import { formatConfigProblems, loadConfig } from '../config/index.js';
import { UsageError } from './cli.js';

/** `journal.path` of the config file at `configPath`, for the journal and report commands. */
export function journalPathFromConfig(configPath: string): string {
  const result = loadConfig({ path: configPath });
  if (!result.ok)
    throw new UsageError(
      `cannot read journal.path from ${configPath}:\n${formatConfigProblems(result.problems)}\npass --journal FILE instead`,
    );
  return result.config.journal.path;
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
