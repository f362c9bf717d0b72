import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/** What an author gets from `src/index.ts`: the kit, and nothing of the engine. */
const KIT_VALUES = [
  // authoring
  'defineStrategy',
  'isSkip',
  'skip',
  'z',
  // money and sizes
  'CENTIS_PER_CONTRACT',
  'contracts',
  'contractsOffered',
  'contractsPerSide',
  'dollars',
  'formatCount',
  'formatDollars',
  'formatDollarsMinimal',
  'MICROS_PER_DOLLAR',
  'mulDiv',
  'notional',
  'ONE_DOLLAR',
  'parseCount',
  'parseDollars',
  // fees and grids
  'DEFAULT_FEE_SCHEDULE',
  'makerFee',
  'makerFeeBps',
  'takerFee',
  'DECI_CENT_GRID',
  'isOnGrid',
  'LINEAR_CENT_GRID',
  'minPositivePrice',
  'snapDown',
  'snapUp',
  'TAPERED_DECI_CENT_GRID',
  'tickAt',
  // option schemas
  'contractsOption',
  'dollarsOption',
  'ratioOption',
  // pricing helpers
  'bestNoBid',
  'bestYesAsk',
  'bestYesBid',
  'bidNetOfMakerFee',
  'bookMid',
  'bookSpread',
  'clamp',
  'clampFair',
  'halfSpread',
  'makerFeePerContract',
  'referencePrice',
  'rfqContracts',
  'twoSided',
  'withMakerFees',
  // fair-value feed
  'FairValueFeed',
  'FairValueFeedError',
  'parseFairValueDocument',
  // errors an author may throw, catch or see as ctx.signal.reason
  'FixedPointError',
  'RouteConfigError',
  'StrategyLoadError',
  'StrategySetupError',
  'StrategyStoppedError',
  'StrategyTimeoutError',
];

const KIT_TYPES = [
  'Strategy',
  'StrategyContext',
  'OptionsSchema',
  'PriceDecision',
  'QuoteIntent',
  'Skip',
  'LiveQuote',
  'QuoteEvent',
  'QuoteEventType',
  'MarketData',
  'Clock',
  'Timer',
  'Rfq',
  'RfqSize',
  'Market',
  'OrderBook',
  'BookLevel',
  'QuotePrices',
  'Side',
  'EpochMs',
  'Micros',
  'Centis',
  'Rounding',
  'FeeSchedule',
  'FeeType',
  'PriceBand',
  'PriceGrid',
  'DecimalBounds',
  'Ppm',
  'ReferencePrice',
  'ReferencePriceOptions',
  'FairValueDocument',
  'FairValueFeedOptions',
  'FairValueLookup',
  'OptionIssue',
  'RouteProblem',
  'StrategyLoadErrorCode',
];

const TESTING_VALUES = [
  'createStrategyHarness',
  'InMemoryMarketData',
  'ManualClock',
  'testBook',
  'testMarket',
  'testRfq',
  'UnknownMarketError',
];

const TESTING_TYPES = [
  'HarnessResult',
  'HarnessSkipCause',
  'StrategyHarness',
  'StrategyHarnessOptions',
  'TestLevel',
  'TestMarketInit',
  'TestRfqInit',
];

interface Exported {
  readonly values: string[];
  readonly types: string[];
}

/**
 * The names an entry file re-exports, read from its source: type-only names vanish at run time,
 * so only the source shows them. The entries are lists of re-exports and nothing else, which
 * keeps this reading exact (a wildcard or a local declaration fails the test instead).
 */
async function exportsOf(file: string): Promise<Exported> {
  const source = (await readFile(resolve(ROOT, file), 'utf8'))
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const statements = [...source.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*'[^']+';/g)];
  const allExports = source.match(/\bexport\b/g) ?? [];
  expect(allExports.length, `${file} must only re-export named lists ({ ... } from '...')`).toBe(
    statements.length,
  );
  const values: string[] = [];
  const types: string[] = [];
  for (const [, typeOnly, list] of statements) {
    for (const raw of (list ?? '').split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const isType = typeOnly !== undefined || item.startsWith('type ');
      const name =
        item
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)
          .pop() ?? item;
      (isType ? types : values).push(name);
    }
  }
  return { values: values.sort(), types: types.sort() };
}

const sorted = (names: readonly string[]) => [...names].sort();

describe('the public entries', () => {
  it('src/index.ts exports exactly the author kit', async () => {
    const declared = await exportsOf('src/index.ts');
    expect(declared.values).toEqual(sorted(KIT_VALUES));
    expect(declared.types).toEqual(sorted(KIT_TYPES));
    const loaded = await import('../../../src/index.js');
    expect(Object.keys(loaded).sort()).toEqual(sorted(KIT_VALUES));
  });

  it('src/testing.ts exports exactly the test helpers', async () => {
    const declared = await exportsOf('src/testing.ts');
    expect(declared.values).toEqual(sorted(TESTING_VALUES));
    expect(declared.types).toEqual(sorted(TESTING_TYPES));
    const loaded = await import('../../../src/testing.js');
    expect(Object.keys(loaded).sort()).toEqual(sorted(TESTING_VALUES));
  });

  it('package.json maps "." and "./testing" to the built entries and their types', async () => {
    const pkg = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['exports']).toEqual({
      '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
      './testing': { types: './dist/src/testing.d.ts', default: './dist/src/testing.js' },
      './package.json': './package.json',
    });
    expect(pkg['main']).toBe('dist/src/index.js');
    expect(pkg['types']).toBe('dist/src/index.d.ts');
    // Each target is what `npm run build` emits for an entry source that exists.
    for (const target of ['dist/src/index.js', 'dist/src/testing.js']) {
      const source = target.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      await expect(readFile(resolve(ROOT, source), 'utf8')).resolves.toContain('export');
    }
  });
});
