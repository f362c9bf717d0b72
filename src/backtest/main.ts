/**
 * Process entry of `npm run backtest`. Exit codes: 0 done, 1 the run failed (a damaged recording
 * names its line), 2 bad arguments or config. Everything printed passes the secrets redactor.
 */
import { createRedactor, secretValuesOf } from '../domain/redact.js';
import { UsageError } from '../journal/cli.js';
import { RecordingError } from '../journal/recording.js';
import { runBacktestCli, USAGE } from './cli.js';
import { PlanError } from './plan.js';
import { TakerModelError } from './runs.js';

// A reader that stopped early (`| head`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const redact = createRedactor(secretValuesOf(process.env));
const io = {
  stdout: { write: (text: string) => process.stdout.write(redact(text)) },
  stderr: { write: (text: string) => process.stderr.write(redact(text)) },
};

runBacktestCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`backtest: ${message}\n${usage ? `\n${USAGE}` : ''}`);
    const bad = usage || error instanceof PlanError || error instanceof TakerModelError;
    process.exitCode = bad || (error as Error).name === 'PlanError' ? 2 : 1;
    if (!(error instanceof RecordingError) && !bad && process.env['BACKTEST_DEBUG'])
      io.stderr.write(`${(error as Error).stack ?? ''}\n`);
  },
);
