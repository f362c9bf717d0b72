/**
 * Process entry: arguments → config → app → start; signals.
 *
 *   node src/main.js [--config FILE] [--check-config] [--dry-run]
 *
 * SIGTERM / SIGINT: delete every live quote and exit 0 (a second signal exits at once).
 * SIGHUP (or a change of the file, with watchConfig): reload the config (strategy options, limits, quoting settings); resume a kill switch
 * tripped by the kill file once that file is gone. SIGUSR2: trip the kill switch.
 */
import { watchFile } from 'node:fs';
import { parseArgs } from 'node:util';
import { App } from './app/app.js';
import { type Config, formatConfigProblems, loadConfig } from './config/index.js';

interface Args {
  readonly config: string;
  readonly checkConfig: boolean;
  readonly dryRun: boolean;
}

function parseArguments(argv: readonly string[]): Args {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c', default: process.env['KALSHI_CONFIG'] ?? 'config.yaml' },
      'check-config': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: kalshi-rfq-maker [--config FILE] [--check-config] [--dry-run]\n' +
        '  --config FILE    config file (default config.yaml, or $KALSHI_CONFIG)\n' +
        '  --check-config   validate the config and exit 0 (valid) or 1 (problems listed)\n' +
        '  --dry-run        read, price and log quotes; send no write\n',
    );
    process.exit(0);
  }
  return { config: values.config!, checkConfig: values['check-config']!, dryRun: values['dry-run']! };
}

function load(args: Args): Config | undefined {
  const result = loadConfig({ path: args.config, ...(args.dryRun ? { overrides: { dryRun: true } } : {}) });
  if (result.ok) return result.config;
  process.stderr.write(`${formatConfigProblems(result.problems)}\n`);
  process.stderr.write(`${result.problems.length} problem(s) in ${args.config}\n`);
  return undefined;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nTry --help.\n`);
    process.exit(2);
  }
  const config = load(args);
  if (!config) process.exit(1);
  if (args.checkConfig) {
    process.stdout.write(`${args.config}: ok\n`);
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
  process.on('SIGHUP', () => void reload(app, args));
  if (config.watchConfig) {
    watchFile(args.config, { interval: 1_000, persistent: false }, (current, previous) => {
      if (current.mtimeMs !== previous.mtimeMs) void reload(app, args);
    });
  }
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

async function reload(app: App, args: Args): Promise<void> {
  const next = load(args);
  if (next) {
    const result = await app
      .reload(next)
      .catch((error: unknown) => ({ applied: false as const, reason: String(error) }));
    if (result.applied) app.logger.info({ changed: result.changed }, 'SIGHUP: config reloaded');
    else app.logger.error({ reason: result.reason }, 'SIGHUP: reload refused; the running config stays');
  } else {
    app.logger.error('SIGHUP: the config has problems (listed on stderr); the running config stays');
  }
  const state = app.killSwitch.state;
  if (state.tripped && state.source === 'file') {
    const result = await app.killSwitch.resume('signal');
    app.logger.info(
      { resumed: result.resumed, ...(result.resumed ? {} : { reason: result.reason }) },
      'SIGHUP: resume after kill file',
    );
  }
}

void main();
