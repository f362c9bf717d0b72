/**
 * The one builder of test configs: the integration helpers, the chaos suite, the soak and the
 * benchmark all take their risk block from `riskBlock` and their raw config from
 * `testRawConfig`, so a risk key is written once. No vitest import: chaos, soak and bench are
 * plain scripts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';

export type Raw = Record<string, unknown>;

/** The risk section as a config file may write it (every key optional), checked against the schema. */
export type RiskBlock = NonNullable<ConfigInput['risk']>;

export const STRATEGIES_DIR = resolve(import.meta.dirname, '../../strategies');

/** Deep-merges plain objects (arrays and scalars replace). */
export function merge(base: Raw, patch: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current as Raw, value as Raw)
        : value;
  }
  return out;
}

/**
 * Limits that do not bind unless a test means them to: each test switches on the one it is
 * about (`riskBlock({ maxOpenQuotes: 2 })`). No edge required, so any strategy price passes.
 */
const GENEROUS_RISK = {
  maxContractsPerQuote: '100000',
  maxDollarsPerQuote: '100000',
  maxOpenQuotes: 1000,
  maxOpenQuotesPerMarket: 1000,
  maxOpenQuotesPerEvent: 1000,
  maxPositionPerMarket: { contracts: '1000000', dollars: '1000000' },
  maxPositionPerEvent: { contracts: '1000000', dollars: '1000000' },
  maxTotalExposure: '1000000',
  maxDailyLoss: '100000',
  minEdge: '0',
  killSwitch: { maxDrawdown: '100000' },
} as const satisfies RiskBlock;

/** The risk section of a test config: the generous limits with `overrides` merged over them. */
export function riskBlock(overrides: RiskBlock = {}): RiskBlock {
  return merge(GENEROUS_RISK, overrides as Raw) as RiskBlock;
}

export interface TestConfigOptions {
  /** The exchange's REST base, `…/trade-api/v2`. */
  readonly apiBase: string;
  /** Merged over the test config (its `risk` over the generous risk block). */
  readonly patch?: Raw;
  /** The folder relative paths (the kill file) live in. @default a fresh temporary folder */
  readonly dir?: string;
}

/**
 * The raw (YAML-shaped) config of a bot quoting against a simulator as a standalone deployment
 * would (base URL, keys from the environment): fast loops, generous limits, the kill file in
 * `dir`, silent logs and an ops server on a free port.
 */
export function testRawConfig(options: TestConfigOptions): { raw: Raw; dir: string } {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bot-'));
  const raw: Raw = {
    exchange: {
      environment: 'simulator',
      baseUrl: options.apiBase,
      tier: 'auto',
      // The simulator's world: these series are high-volatility, every other market standard.
      hvmMarkets: ['KXMVE*', 'KXBTCD*', 'KXINX*'],
      standardMarkets: ['*'],
    },
    poller: { intervalMs: 100 },
    strategies: {
      dir: STRATEGIES_DIR,
      // In-process: a worker thread costs each of the suite's ~100 bots a second of CPU to load its
      // strategies; the worker path has its own tests (test/unit/strategy/isolation.test.ts,
      // worker-lifecycle.test.ts, test/integration/engine/hostile-plugins.test.ts) and the chaos bots.
      routes: [
        {
          name: 'all',
          strategy: 'fixed-spread',
          isolation: 'in-process',
          options: { spread: '0.04', maxBookSpread: '0.50' },
        },
      ],
      workers: { size: 1 },
    },
    quoting: { ttlMs: 60_000, acceptPollIntervalMs: 100, sweepIntervalMs: 200, shutdownTimeoutMs: 10_000 },
    risk: riskBlock({ killSwitch: { file: join(dir, 'KILL') }, reconcileCron: '*/5 * * * * *' }),
    ops: { port: 0 },
    logging: { level: 'silent', summaryIntervalMs: 60_000 },
  };
  return { raw: merge(raw, options.patch ?? {}), dir };
}
