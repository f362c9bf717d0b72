import { pino } from 'pino';
import { createRedactor, secretValuesOf } from '../domain/redact.js';
import { CliError, parseCli, USAGE } from './cli.js';
import { startSimulator } from './simulator.js';

/** Whatever reaches stderr passes the same redaction as the bot's output (a key pasted as a path…). */
const redact = createRedactor(secretValuesOf(process.env));
const stderr = { write: (text: string) => process.stderr.write(redact(text)) };

/** `npm run simulator -- --port 0 ...`: serves until SIGINT or SIGTERM. */
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
    return;
  }
  const logger = pino({ level: config.logLevel }, stderr).child({ module: 'simulator' });
  const sim = await startSimulator({ ...config.options, logger });
  const keyed = sim.context.accounts.all().filter((u) => u.keyId !== undefined);
  process.stdout.write(`Kalshi simulator listening on ${sim.url} (seed ${sim.seed})\n`);
  process.stdout.write(`  REST ${sim.apiBase}\n  WS   ${sim.wsUrl}\n  admin ${sim.url}/_sim/stats\n`);
  for (const u of keyed) process.stdout.write(`  user ${u.label}: communications id ${u.communicationsId}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'simulator stopping');
    sim
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'simulator failed to stop cleanly');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  stderr.write(`simulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
