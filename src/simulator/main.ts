import { constants } from 'node:os';
import { systemClock } from '../domain/clock.js';
import { createRedactor, secretValuesOf } from '../domain/redact.js';
import { ShutdownSignals, watchParent } from '../domain/shutdown-signals.js';
import { CliError, parseCli, USAGE } from './cli.js';

// Heard from the first line: a signal while the simulator is still loading stops it cleanly.
const shutdownSignals = new ShutdownSignals({ clock: systemClock });
watchParent({ clock: systemClock, onExit: () => shutdownSignals.request('parent exited') });

/** Whatever reaches stderr passes the same redaction as the bot's output (a key pasted as a path…). */
const redact = createRedactor(secretValuesOf(process.env));
const stderr = { write: (text: string) => process.stderr.write(redact(text)) };

/**
 * `npm run simulator -- --port 0 ...`: serves until SIGINT or SIGTERM (a repeat within a second
 * is the same request; a later one exits at once), or until its parent process is gone.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof parseCli>;
  try {
    config = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CliError) {
      stderr.write(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  if (config.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const [{ pino }, { startSimulator }] = await Promise.all([import('pino'), import('./simulator.js')]);
  const logger = pino({ level: config.logLevel }, stderr).child({ module: 'simulator' });
  const sim = await startSimulator({ ...config.options, logger });
  const keyed = sim.context.accounts.all().filter((u) => u.keyId !== undefined);
  process.stdout.write(`Kalshi simulator listening on ${sim.url} (seed ${sim.seed})\n`);
  process.stdout.write(`  REST ${sim.apiBase}\n  WS   ${sim.wsUrl}\n  admin ${sim.url}/_sim/stats\n`);
  if (config.options.record) process.stdout.write(`  recording to ${config.options.record}\n`);
  for (const u of keyed) process.stdout.write(`  user ${u.label}: communications id ${u.communicationsId}\n`);
  // A request that came while it was starting is handed over here.
  shutdownSignals.handle({
    stop: (reason) => {
      logger.info({ reason }, 'simulator stopping');
      sim
        .stop()
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          logger.error({ err }, 'simulator failed to stop cleanly');
          process.exit(1);
        });
    },
    force: (signal) => {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(128 + constants.signals[signal]);
    },
  });
}

main().catch((err: unknown) => {
  stderr.write(`simulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
