/**
 * Process entry: arguments → config → app → start; signals.
 *
 *   node src/main.js [--config FILE] [--check-config] [--print-config] [--dry-run]
 *
 * SIGTERM / SIGINT: delete every live quote and exit 0 (a second signal exits at once).
 * SIGHUP (or a change of the file, with watchConfig): reload the config (strategy options,
 * limits, quoting settings); a file with problems is refused and the running config stays.
 * It also resumes a kill switch tripped by the kill file once that file is gone. SIGUSR2:
 * trip the kill switch. Everything written to stdout or stderr passes the redactor first.
 */
import { watchFile } from 'node:fs';
import { parseArgs } from 'node:util';
import { App } from './app/app.js';
import {
  type Config,
  configRedactor,
  formatConfigProblem,
  formatConfigProblems,
  loadConfig,
  printableConfig,
} from './config/index.js';
import { createRedactor, type Redactor, secretValuesOf } from './domain/redact.js';

interface Args {
  readonly config: string;
  readonly checkConfig: boolean;
  readonly printConfig: boolean;
  readonly dryRun: boolean;
}

/** Until a config names our secrets: the rules plus every secret-named environment variable. */
let redact: Redactor = createRedactor(secretValuesOf(process.env));

function writeErr(text: string): void {
  process.stderr.write(`${redact(text)}\n`);
}

function writeOut(text: string): void {
  process.stdout.write(redact(text));
}

/** Before the app (and its logger) exists, a crash is printed redacted and exits 1. */
function crashBeforeStart(error: unknown): void {
  writeErr(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
process.on('uncaughtException', crashBeforeStart);
process.on('unhandledRejection', crashBeforeStart);

function parseArguments(argv: readonly string[]): Args {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c', default: process.env['KALSHI_CONFIG'] ?? 'config.yaml' },
      'check-config': { type: 'boolean', default: false },
      'print-config': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: kalshi-rfq-maker [--config FILE] [--check-config] [--print-config] [--dry-run]\n' +
        '  --config FILE    config file (default config.yaml, or $KALSHI_CONFIG)\n' +
        '  --check-config   validate the config and exit 0 (valid) or 1 (problems listed)\n' +
        '  --print-config   print the resolved config (secrets redacted) as YAML and exit 0\n' +
        '  --dry-run        read, price and log quotes; send no write\n',
    );
    process.exit(0);
  }
  return {
    config: values.config!,
    checkConfig: values['check-config']!,
    printConfig: values['print-config']!,
    dryRun: values['dry-run']!,
  };
}

function loadFor(args: Args) {
  return loadConfig({ path: args.config, ...(args.dryRun ? { overrides: { dryRun: true } } : {}) });
}

function load(args: Args): Config | undefined {
  const result = loadFor(args);
  if (result.ok) return result.config;
  writeErr(formatConfigProblems(result.problems));
  writeErr(`${result.problems.length} problem(s) in ${args.config}`);
  return undefined;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    writeErr(`${(error as Error).message}\nTry --help.`);
    process.exit(2);
  }
  const config = load(args);
  if (!config) process.exit(1);
  const fromConfig = configRedactor(config);
  const fromEnv = redact;
  redact = (text) => fromConfig(fromEnv(text));
  if (args.printConfig) {
    writeOut(printableConfig(config));
    process.exit(0);
  }
  if (args.checkConfig) {
    writeOut(`${args.config}: ok\n`);
    process.exit(0);
  }

  const app = new App(config);
  let stopping = false;
  const shutdown = (signal: string, code: number) => {
    if (stopping) {
      app.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    app
      .stop(signal)
      .then((report) => process.exit(report.openAtExit === 0 ? code : 1))
      .catch((error: unknown) => {
        app.logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  // One reload at a time: a SIGHUP during a file-change reload waits its turn.
  let reloading = Promise.resolve();
  const requestReload = (trigger: ReloadTrigger) => {
    reloading = reloading.then(() => reload(app, args, trigger));
  };
  process.on('SIGHUP', () => requestReload('SIGHUP'));
  if (config.watchConfig) {
    watchFile(args.config, { interval: 1_000, persistent: false }, (current, previous) => {
      if (current.mtimeMs !== previous.mtimeMs) requestReload('file changed');
    });
  }
  process.off('uncaughtException', crashBeforeStart);
  process.off('unhandledRejection', crashBeforeStart);
  process.on('uncaughtException', (error) => {
    app.logger.fatal({ err: error }, 'uncaught exception: deleting quotes and exiting');
    shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (reason) => {
    app.logger.fatal({ err: reason }, 'unhandled rejection: deleting quotes and exiting');
    shutdown('unhandledRejection', 1);
  });

  try {
    await app.start();
  } catch (error) {
    app.logger.fatal({ err: error }, 'startup failed');
    await app.stop('startup failed').catch(() => undefined);
    process.exit(1);
  }
}

type ReloadTrigger = 'SIGHUP' | 'file changed';

/** Never throws: whatever goes wrong, the running config stays and the reason is logged. */
async function reload(app: App, args: Args, trigger: ReloadTrigger): Promise<void> {
  try {
    const result = loadFor(args);
    if (!result.ok) {
      app.logger.error(
        { trigger, problems: result.problems.map(formatConfigProblem) },
        `${trigger}: the config has ${result.problems.length} problem(s); the running config stays`,
      );
    } else {
      const outcome = await app
        .reload(result.config, trigger)
        .catch((error: unknown) => ({ applied: false as const, reason: String(error) }));
      if (!outcome.applied) {
        app.logger.error(
          { trigger, reason: outcome.reason },
          `${trigger}: reload refused; the running config stays`,
        );
      }
    }
  } catch (error) {
    app.logger.error({ trigger, err: error }, `${trigger}: reload failed; the running config stays`);
  }
  const state = app.killSwitch.state;
  if (state.tripped && state.source === 'file') {
    const result = await app.killSwitch.resume('signal').catch((error: unknown) => ({
      resumed: false as const,
      reason: String(error),
    }));
    app.logger.info(
      { trigger, resumed: result.resumed, ...(result.resumed ? {} : { reason: result.reason }) },
      `${trigger}: resume after kill file`,
    );
  }
}

main().catch(crashBeforeStart);
