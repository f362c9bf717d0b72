import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDollars } from '../domain/money.js';
import { USAGE_TIERS, type UsageTier } from '../domain/rate-limits.js';
import type { UserSpec } from './accounts/accounts.js';
import { parseFaultSpec } from './http/faults.js';
import type { SimulatorOptions } from './options.js';

export const USAGE = `Usage: npm run simulator -- [options]

A Kalshi-compatible exchange (REST /trade-api/v2, websocket /trade-api/ws/v2, admin /_sim/).

Options:
  --port <n>                    port to listen on; 0 picks a free one (default 0)
  --host <addr>                 address to bind (default 127.0.0.1)
  --seed <n>                    seed for every random decision (default: random, printed)
  --api-key <keyId>=<pem path>  register a user with this key id and public key (repeatable)
  --balance <dollars>           every user's starting balance (default 10000)
  --takers <n|off>              synthetic-taker RFQs per minute, or off (default 30)
  --tier <name>                 rate-limit tier: ${USAGE_TIERS.join(', ')} (default basic)
  --confirm-window-ms <n>       accept → confirm window (default 30000)
  --execution-delay-ms <n>      confirm → execution delay (default 15000)
  --hv-confirm-window-ms <n>    the same on high-volatility markets (default 3000)
  --hv-execution-delay-ms <n>   (default 1000)
  --rfq-ttl-ms <n>              close RFQs this long after creation (reason "expired"); 0 = never (default 0)
  --lapsed-quote-status <s>     accepted | cancelled: what a quote whose window lapsed becomes (default accepted)
  --walk-interval-ms <n>        fair-value random-walk step, 0 = frozen (default 1000)
  --faults <spec>               e.g. "latency=30,jitter=10,error5xx=0.05" (see README)
  --log-level <level>           pino level for stderr logs (default info)
  -h, --help                    this text
`;

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code = 'invalid_cli_arguments';
}

export interface CliConfig {
  readonly help: boolean;
  readonly logLevel: string;
  readonly options: SimulatorOptions;
}

function integer(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new CliError(`${flag} needs an integer >= ${min}, got "${value}"`);
  return Number(value);
}

/** Parses the command line into simulator options (reads the PEM files it names). */
export function parseCli(
  argv: readonly string[],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): CliConfig {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const users: UserSpec[] = [];
  for (const entry of values['api-key'] ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1)
      throw new CliError(`--api-key needs <keyId>=<path to public PEM>, got "${entry}"`);
    const keyId = entry.slice(0, eq);
    const path = entry.slice(eq + 1);
    let pem: string;
    try {
      pem = readFile(path);
    } catch (err) {
      throw new CliError(`--api-key ${keyId}: cannot read ${path}: ${(err as Error).message}`);
    }
    users.push({ keyId, publicKey: pem, label: keyId });
  }
  const tier = values.tier;
  if (tier !== undefined && !USAGE_TIERS.includes(tier as UsageTier)) {
    throw new CliError(`--tier must be one of ${USAGE_TIERS.join(', ')}, got "${tier}"`);
  }
  let takers: SimulatorOptions['takers'];
  if (values.takers !== undefined) {
    takers = values.takers === 'off' ? false : integer(values.takers, '--takers');
  }
  if (values.faults !== undefined) {
    try {
      parseFaultSpec(values.faults, 0);
    } catch (err) {
      throw new CliError(`--faults: ${(err as Error).message}`);
    }
  }
  const lapsed = values['lapsed-quote-status'];
  if (lapsed !== undefined && lapsed !== 'accepted' && lapsed !== 'cancelled') {
    throw new CliError(`--lapsed-quote-status must be accepted or cancelled, got "${lapsed}"`);
  }
  let balance: number | undefined;
  if (values.balance !== undefined) {
    try {
      balance = parseDollars(values.balance, '--balance');
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const lifecycle = {
    ...(values['confirm-window-ms'] !== undefined
      ? { confirmWindowMs: integer(values['confirm-window-ms'], '--confirm-window-ms') as number }
      : {}),
    ...(values['execution-delay-ms'] !== undefined
      ? { executionDelayMs: integer(values['execution-delay-ms'], '--execution-delay-ms') as number }
      : {}),
    ...(values['hv-confirm-window-ms'] !== undefined
      ? { hvConfirmWindowMs: integer(values['hv-confirm-window-ms'], '--hv-confirm-window-ms') as number }
      : {}),
    ...(values['hv-execution-delay-ms'] !== undefined
      ? { hvExecutionDelayMs: integer(values['hv-execution-delay-ms'], '--hv-execution-delay-ms') as number }
      : {}),
    ...(lapsed !== undefined ? { lapsedQuoteStatus: lapsed as 'accepted' | 'cancelled' } : {}),
    ...(values['rfq-ttl-ms'] !== undefined
      ? { rfqTtlMs: integer(values['rfq-ttl-ms'], '--rfq-ttl-ms') as number }
      : {}),
  };
  const port = integer(values.port, '--port');
  if (port !== undefined && port > 65_535) throw new CliError(`--port must be at most 65535, got ${port}`);
  const seed = integer(values.seed, '--seed');
  const walk = integer(values['walk-interval-ms'], '--walk-interval-ms');
  const options: SimulatorOptions = {
    port: port ?? 0,
    host: values.host ?? '127.0.0.1',
    ...(seed !== undefined ? { seed } : {}),
    users,
    ...(balance !== undefined ? { startingBalance: balance } : {}),
    ...(takers !== undefined ? { takers } : {}),
    ...(tier !== undefined ? { tier: tier as UsageTier } : {}),
    lifecycle,
    ...(values.faults !== undefined ? { faults: values.faults } : {}),
    ...(walk !== undefined ? { walkIntervalMs: walk } : {}),
  };
  return { help: values.help === true, logLevel: values['log-level'] ?? 'info', options };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      balance: { type: 'string' },
      takers: { type: 'string' },
      tier: { type: 'string' },
      'confirm-window-ms': { type: 'string' },
      'execution-delay-ms': { type: 'string' },
      'hv-confirm-window-ms': { type: 'string' },
      'hv-execution-delay-ms': { type: 'string' },
      'lapsed-quote-status': { type: 'string' },
      'rfq-ttl-ms': { type: 'string' },
      'walk-interval-ms': { type: 'string' },
      faults: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
