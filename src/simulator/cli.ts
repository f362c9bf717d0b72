import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDollars } from '../domain/money.js';
import { USAGE_TIERS, type UsageTier } from '../domain/rate-limits.js';
import type { UserSpec } from './accounts/accounts.js';
import { parseFaultSpec } from './http/faults.js';
import type { SimulatorOptions } from './options.js';
import { TRUTH_DEFAULTS, TRUTH_OFF, type TruthOptions } from './truth.js';

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
  --rfq-ttl-ms <n>              the exchange closes RFQs this long after creation (reason "expired"); 0 = never (default 300000)
  --lapsed-quote-status <s>     accepted | cancelled: what a quote whose window lapsed becomes (default accepted)
  --walk-interval-ms <n>        fair-value random-walk step, 0 = frozen (default 1000)
  --faults <spec>               e.g. "latency=30,jitter=10,error5xx=0.05" (see README)
  --truth <on|off>              every exchange-truth setting at its default, or the idealised exchange (default on)
  --book-execution <on|off>     executions go through the order book (default on)
  --cross-chance <p>            chance per execution of a sweep through the quoter's price (default 0.06)
  --cross-limit <n>[:<ms>[:<ms>]]  post-only crosses in a window (ms) that bring a write limit (ms) (default 3:60000:10000; 0 = never)
  --partial-accepts <p>         share of synthetic-taker accepts below the offered size (default 0.25)
  --flushes-per-hour <n>        background server rolls flushing every open quote (default 30)
  --retention-ms <n>            closed RFQs and cancelled quotes kept this long; 0 = forever (default 604800000)
  --obscure-share <p>           share of synthetic-taker RFQs with obscure_creator_id (default 0.2)
  --record <file>               write the exchange's view of the session as a recording (JSON Lines)
                                for npm run backtest (docs/recording-format.md)
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

function probability(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const p = Number(value);
  if (value.trim() === '' || !(p >= 0 && p <= 1))
    throw new CliError(`${flag} needs a probability 0..1, got "${value}"`);
  return p;
}

function onOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off') throw new CliError(`${flag} must be on or off, got "${value}"`);
  return value === 'on';
}

/** The truth flags: `--truth` picks the base, each other flag overrides one setting. */
function truthFrom(values: ReturnType<typeof parse>['values']): Partial<TruthOptions> {
  const base = onOff(values.truth, '--truth') === false ? TRUTH_OFF : TRUTH_DEFAULTS;
  const out: Partial<TruthOptions> = { ...base };
  const book = onOff(values['book-execution'], '--book-execution');
  if (book !== undefined) out.bookExecution = book;
  const cross = probability(values['cross-chance'], '--cross-chance');
  if (cross !== undefined) out.crossChance = cross;
  const limit = values['cross-limit'];
  if (limit !== undefined) {
    const [n, windowMs, penaltyMs] = limit.split(':');
    out.crossLimit = integer(n, '--cross-limit') as number;
    if (windowMs !== undefined) out.crossWindowMs = integer(windowMs, '--cross-limit window') as number;
    if (penaltyMs !== undefined) out.crossPenaltyMs = integer(penaltyMs, '--cross-limit penalty') as number;
  }
  const partial = probability(values['partial-accepts'], '--partial-accepts');
  if (partial !== undefined) out.partialAcceptShare = partial;
  const flushes = values['flushes-per-hour'];
  if (flushes !== undefined) {
    const n = Number(flushes);
    if (flushes.trim() === '' || !(n >= 0))
      throw new CliError(`--flushes-per-hour needs a number >= 0, got "${flushes}"`);
    out.flushesPerHour = n;
  }
  const retention = integer(values['retention-ms'], '--retention-ms');
  if (retention !== undefined) out.retentionMs = retention;
  const obscure = probability(values['obscure-share'], '--obscure-share');
  if (obscure !== undefined) out.obscureShare = obscure;
  return out;
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
    truth: truthFrom(values),
    ...(values.record !== undefined ? { record: values.record } : {}),
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
      truth: { type: 'string' },
      'book-execution': { type: 'string' },
      'cross-chance': { type: 'string' },
      'cross-limit': { type: 'string' },
      'partial-accepts': { type: 'string' },
      'flushes-per-hour': { type: 'string' },
      'retention-ms': { type: 'string' },
      'obscure-share': { type: 'string' },
      'log-level': { type: 'string' },
      record: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
