/**
 * Process entry: arguments → config → app → start; signals.
 *
 *   node src/main.js [--config FILE] [--check-config] [--print-config] [--dry-run] [--record FILE]
 *
 * SIGTERM / SIGINT, or the parent process going away: delete every live quote and exit 0. A
 * repeat within a second is the same request (npm forwards what the process group also got); a
 * later one exits at once. SIGHUP (or a change of the file, with watchConfig): reload the config
 * (strategy options, limits, quoting settings); a file with problems is refused and the running
 * config stays. It also resumes a kill switch tripped by the kill file once that file is gone.
 * SIGUSR2: trip the kill switch. Everything written to stdout or stderr passes the redactor
 * first. See docs/operations.md.
 */
import { watchFile } from 'node:fs';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
// Type imports only until the signals are heard: loading the app takes most of a second, and a
// signal in that time would otherwise kill the process by default.
import type { App } from './app/app.js';
import type { Config } from './config/index.js';
import { systemClock } from './domain/clock.js';
import { createRedactor, type Redactor, secretValuesOf } from './domain/redact.js';
import { ShutdownSignals, watchParent } from './domain/shutdown-signals.js';

const shutdownSignals = new ShutdownSignals({ clock: systemClock });
watchParent({
  clock: systemClock,
  onExit: () => shutdownSignals.request('parent exited'),
});

interface Args {
  readonly config: string;
  readonly checkConfig: boolean;
  readonly printConfig: boolean;
  readonly dryRun: boolean;
  /** `--record FILE`: also write the journal's events there in the recording format. */
  readonly record: string | undefined;
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
      record: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: kalshi-rfq-maker [--config FILE] [--check-config] [--print-config] [--dry-run] [--record FILE]\n' +
        '  --config FILE    config file (default config.yaml, or $KALSHI_CONFIG)\n' +
        '  --check-config   validate the config and exit 0 (valid) or 1 (problems listed)\n' +
        '  --print-config   print the resolved config (secrets redacted) as YAML and exit 0\n' +
        '  --dry-run        read, price and log quotes; send no write\n' +
        '  --record FILE    also write what the bot sees and does to FILE as a recording (JSON Lines)\n' +
        '                   for `npm run backtest` (see docs/recording-format.md)\n',
    );
    process.exit(0);
  }
  return {
    config: values.config!,
    checkConfig: values['check-config']!,
    printConfig: values['print-config']!,
    dryRun: values['dry-run']!,
    record: values.record,
  };
}

const configModule = import('./config/index.js');

async function loadFor(args: Args) {
  const { loadConfig } = await configModule;
  return loadConfig({ path: args.config, ...(args.dryRun ? { overrides: { dryRun: true } } : {}) });
}

async function load(args: Args): Promise<Config | undefined> {
  const { formatConfigProblems } = await configModule;
  const result = await loadFor(args);
  if (result.ok) return result.config;
  writeErr(formatConfigProblems(result.problems));
  writeErr(`${result.problems.length} problem(s) in ${args.config}`);
  return undefined;
}

/** 128 + the signal's number, the shell's convention for "ended by this signal". */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** Nothing was started yet: there is nothing to delete. */
function exitBeforeStart(reason: string): never {
  writeErr(`kalshi-rfq-maker: ${reason} before start; exiting (nothing was sent)`);
  process.exit(0);
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    writeErr(`${(error as Error).message}\nTry --help.`);
    process.exit(2);
  }
  shutdownSignals.handle({ stop: exitBeforeStart, force: exitBeforeStart });
  const config = await load(args);
  if (!config) process.exit(1);
  const { configRedactor, printableConfig } = await configModule;
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

  const { App, StartupAbortedError } = await import('./app/app.js');
  let failureCode = 0;
  const app = new App(config, {
    // The journal cannot write and journal.onError is stop: stop as on SIGTERM, exit 1.
    onFatal: (reason) => {
      failureCode = 1;
      shutdownSignals.request(reason);
    },
    ...(args.record !== undefined ? { record: args.record } : {}),
  });
  const stopApp = (reason: string): void => {
    armStopWatchdog(app);
    app
      .stop(reason)
      .then((report) => process.exit(report.openAtExit === 0 ? failureCode : 1))
      .catch((error: unknown) => {
        app.logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  shutdownSignals.handle({
    stop: stopApp,
    force: (signal) => {
      app.logger.warn({ signal }, 'second signal: exiting now; quotes may still be open');
      process.exit(signalExitCode(signal));
    },
    repeated: (signal, afterMs) =>
      app.logger.info({ signal, afterMs }, 'signal repeated within a second: the same stop request'),
  });
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
  // An error while already stopping is logged and the stop goes on: exiting at once would
  // leave quotes live. The stop watchdog bounds how long that can take.
  const onFatal = (error: unknown, what: string): void => {
    app.logger.fatal({ err: error }, `${what}: deleting quotes and exiting`);
    failureCode = 1;
    shutdownSignals.request(what);
  };
  process.off('uncaughtException', crashBeforeStart);
  process.off('unhandledRejection', crashBeforeStart);
  process.on('uncaughtException', (error) => onFatal(error, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => onFatal(reason, 'unhandled rejection'));

  try {
    await app.start();
  } catch (error) {
    if (error instanceof StartupAbortedError) return; // the stop that asked for it exits
    app.logger.fatal({ err: error }, 'startup failed');
    failureCode = 1;
    await app.stop('startup failed').catch(() => undefined);
    process.exit(1);
  }
}

/**
 * A last resort for a stop that hangs (nobody may be there to send a second signal, e.g. after
 * the parent exited): a real timer, well past the stop's own deadline.
 */
function armStopWatchdog(app: App): void {
  const limitMs = app.config.quoting.shutdownTimeoutMs + 10_000;
  systemClock.schedule(
    limitMs,
    () => {
      app.logger.fatal({ limitMs }, 'stop did not finish in time: exiting; quotes may still be open');
      process.exit(1);
    },
    { unref: true },
  );
}

type ReloadTrigger = 'SIGHUP' | 'file changed';

/** Never throws: whatever goes wrong, the running config stays and the reason is logged. */
async function reload(app: App, args: Args, trigger: ReloadTrigger): Promise<void> {
  try {
    const { formatConfigProblem } = await configModule;
    const result = await loadFor(args);
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

void main();
