/** `npm run journal -- export|stats|prune …` (see cli.ts). */
import { runJournalCli, UsageError } from './cli.js';
import { journalPathFromConfig, takeConfigFlag } from './config-path.js';

const { configPath, rest } = takeConfigFlag(process.argv.slice(2));
try {
  process.exitCode = await runJournalCli(rest, process, () => journalPathFromConfig(configPath));
} catch (error) {
  process.stderr.write(
    `${error instanceof UsageError ? error.message : String((error as Error).message ?? error)}\n`,
  );
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
