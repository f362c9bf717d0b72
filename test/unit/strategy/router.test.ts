import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RouteConfigError } from '../../../src/strategy/errors.js';
import { dollarsOption } from '../../../src/strategy/options.js';
import { compileRoutes, didYouMean, type RouteConfig, StrategyRouter } from '../../../src/strategy/router.js';
import type { Strategy } from '../../../src/strategy/types.js';
import { captureLogger, fakeStrategy, LEVEL } from './support.js';

const spreadOptions = z.strictObject({ spread: dollarsOption({ default: '0.04', gt: '0', lt: '1' }) });
const registry = new Map<string, Strategy<unknown>>([
  ['fixed-spread', fakeStrategy('fixed-spread', { options: spreadOptions }) as Strategy<unknown>],
  ['inventory-skew', fakeStrategy('inventory-skew') as Strategy<unknown>],
  ['fair-value-feed', fakeStrategy('fair-value-feed') as Strategy<unknown>],
]);

function routeError(routes: RouteConfig[]): RouteConfigError {
  try {
    compileRoutes(routes, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(RouteConfigError);
    return error as RouteConfigError;
  }
  throw new Error('expected a RouteConfigError');
}

describe('compileRoutes', () => {
  const table = compileRoutes(
    [
      { name: 'btc', match: { markets: ['KXBTC-*'] }, strategy: 'fair-value-feed' },
      { name: 'nfl-week', match: { series: ['KXNFL*'], events: ['*-26SEP*'] }, strategy: 'inventory-skew' },
      { name: 'nfl', match: { series: ['KXNFL*'] }, strategy: 'fixed-spread', options: { spread: '0.06' } },
      { name: 'single-char', match: { markets: ['KXA-?'] }, strategy: 'fixed-spread' },
      { name: 'rest', strategy: 'fixed-spread' },
    ],
    registry,
  );

  it('matches market, event and series globs; first match wins', () => {
    expect(table.match({ marketTicker: 'KXBTC-26-T100' })?.name).toBe('btc');
    expect(
      table.match({
        marketTicker: 'KXNFLGAME-26SEP07-KC',
        eventTicker: 'KXNFLGAME-26SEP07',
        seriesTicker: 'KXNFLGAME',
      })?.name,
    ).toBe('nfl-week');
    expect(
      table.match({
        marketTicker: 'KXNFLGAME-26OCT07-KC',
        eventTicker: 'KXNFLGAME-26OCT07',
        seriesTicker: 'KXNFLGAME',
      })?.name,
    ).toBe('nfl');
    expect(table.match({ marketTicker: 'KXA-1' })?.name).toBe('single-char');
    expect(table.match({ marketTicker: 'KXA-12' })?.name).toBe('rest');
  });

  it('requires every given list to match: a missing event or series does not match', () => {
    expect(
      table.match({ marketTicker: 'KXNFLGAME-26SEP07-KC', eventTicker: 'KXNFLGAME-26SEP07' })?.name,
    ).toBe('rest');
    expect(table.match({ marketTicker: 'X', seriesTicker: 'KXNFLGAME' })?.name).toBe('nfl');
  });

  it('is case-sensitive and anchors globs at both ends', () => {
    expect(table.match({ marketTicker: 'kxbtc-26' })?.name).toBe('rest');
    expect(table.match({ marketTicker: 'XKXBTC-26' })?.name).toBe('rest');
  });

  it('parses options once and reports which lists the engine must supply', () => {
    const nfl = table.routes.find((r) => r.name === 'nfl');
    expect(nfl?.instance.options).toEqual({ spread: 60_000 });
    expect(nfl?.label).toBe('routes[2] "nfl"');
    expect(table.needsEvent).toBe(true);
    expect(table.needsSeries).toBe(true);
    const marketsOnly = compileRoutes([{ match: { markets: ['A*'] }, strategy: 'fixed-spread' }], registry);
    expect([marketsOnly.needsEvent, marketsOnly.needsSeries]).toEqual([false, false]);
    expect(marketsOnly.routes[0]?.label).toBe('routes[0]');
  });

  it('treats empty lists as no constraint, as the config schema defaults them', () => {
    const defaults = compileRoutes(
      [
        {
          name: 'combos',
          match: { markets: ['KXMVE*'], events: [], series: [] },
          strategy: 'inventory-skew',
        },
        { name: 'all', match: { markets: [], events: [], series: [] }, strategy: 'fixed-spread' },
      ],
      registry,
    );
    expect(defaults.match({ marketTicker: 'KXMVE-1' })?.name).toBe('combos');
    expect(defaults.match({ marketTicker: 'OTHER' })?.name).toBe('all');
    expect(defaults.routes[1]?.catchAll).toBe(true);
    expect([defaults.needsEvent, defaults.needsSeries]).toEqual([false, false]);
  });

  it('returns undefined when nothing matches', () => {
    const narrow = compileRoutes([{ match: { markets: ['KXBTC-*'] }, strategy: 'fixed-spread' }], registry);
    expect(narrow.match({ marketTicker: 'KXETH-1' })).toBeUndefined();
    expect(compileRoutes([], registry).match({ marketTicker: 'KXETH-1' })).toBeUndefined();
  });

  it('shares one instance between routes with the same strategy and options', () => {
    const shared = compileRoutes(
      [
        { match: { markets: ['A*'] }, strategy: 'fixed-spread', options: { spread: '0.05' } },
        { match: { markets: ['B*'] }, strategy: 'fixed-spread', options: { spread: '0.05' } },
        { match: { markets: ['C*'] }, strategy: 'fixed-spread', options: { spread: '0.06' } },
      ],
      registry,
    );
    expect(shared.routes[0]?.instance).toBe(shared.routes[1]?.instance);
    expect(shared.routes[2]?.instance).not.toBe(shared.routes[0]?.instance);
    expect(shared.instances.size).toBe(2);
  });

  it('names the route, the plugin and the zod issue for bad options', () => {
    const error = routeError([
      { name: 'ok', strategy: 'fixed-spread' },
      { name: 'wide', match: { markets: ['X*'] }, strategy: 'fixed-spread', options: { spread: '1.5' } },
    ]);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toBe(
      'invalid strategy route: routes[1] "wide": invalid options for strategy "fixed-spread": spread: 1.5 must be less than 1.00',
    );
    expect(error.problems[0]).toMatchObject({
      code: 'invalid_options',
      index: 1,
      routeName: 'wide',
      strategy: 'fixed-spread',
      issues: [{ path: ['spread'], message: '1.5 must be less than 1.00' }],
    });
    const typo = routeError([{ strategy: 'fixed-spread', options: { sprad: '0.05' } }]);
    expect(typo.message).toContain(
      'routes[0]: invalid options for strategy "fixed-spread": (options): Unrecognized key: "sprad"',
    );
    const numeric = routeError([{ strategy: 'fixed-spread', options: { spread: 0.05 } }]);
    expect(numeric.message).toContain('spread: write dollars as a quoted decimal string');
  });

  it('lists the available strategies and suggests the closest for an unknown name', () => {
    const error = routeError([{ name: 'x', strategy: 'fixed-sprad' }]);
    expect(error.problems[0]?.code).toBe('unknown_strategy');
    expect(error.message).toBe(
      'invalid strategy route: routes[0] "x": unknown strategy "fixed-sprad" (did you mean "fixed-spread"?); available: fair-value-feed, fixed-spread, inventory-skew',
    );
    expect(routeError([{ strategy: 'zzz' }]).message).not.toContain('did you mean');
    expect(didYouMean('Inventory-Skew', registry.keys())).toBe('inventory-skew');
  });

  it('reports every problem at once, including malformed match lists', () => {
    const error = routeError([
      { strategy: 'nope' },
      { match: { markets: 'KX*' as unknown as string[] }, strategy: 'fixed-spread' },
      { match: { events: ['KX*', ''] }, strategy: 'fixed-spread' },
      { strategy: 'fixed-spread', options: { spread: 'abc' } },
    ]);
    expect(error.problems.map((p) => [p.index, p.code])).toEqual([
      [0, 'unknown_strategy'],
      [1, 'invalid_route'],
      [2, 'invalid_route'],
      [3, 'invalid_options'],
    ]);
    expect(error.message).toMatch(/^invalid strategy routes \(4 problems\):\n {2}- routes\[0\]/);
    expect(error.message).toContain('routes[1]: match.markets must be a list of non-empty glob strings');
    expect(error.message).toContain('routes[2]: match.events must be a list of non-empty glob strings');
  });
});

describe('StrategyRouter', () => {
  it('replaces routes atomically and keeps the old table when the new one is invalid', () => {
    const router = new StrategyRouter(registry, [{ strategy: 'fixed-spread', options: { spread: '0.05' } }]);
    const before = router.table;
    expect(router.match({ marketTicker: 'A' })?.strategyName).toBe('fixed-spread');
    expect(() => router.replace([{ strategy: 'nope' }])).toThrow(RouteConfigError);
    expect(router.table).toBe(before);
    const old = router.replace([
      { match: { markets: ['A*'] }, strategy: 'inventory-skew' },
      { strategy: 'fixed-spread', options: { spread: '0.05' } },
    ]);
    expect(old).toBe(before);
    expect(router.match({ marketTicker: 'A1' })?.strategyName).toBe('inventory-skew');
    // Unchanged strategy + options keep their instance (and its options object) across a reload.
    expect(router.match({ marketTicker: 'B1' })?.instance).toBe(before.routes[0]?.instance);
    router.replace([{ strategy: 'fixed-spread', options: { spread: '0.07' } }]);
    expect(router.match({ marketTicker: 'B1' })?.instance.options).toEqual({ spread: 70_000 });
  });

  it('warns about routes after a catch-all', () => {
    const { logger, lines } = captureLogger();
    new StrategyRouter(
      registry,
      [
        { name: 'all', match: { markets: ['*'] }, strategy: 'fixed-spread' },
        { name: 'never', match: { markets: ['KX*'] }, strategy: 'inventory-skew' },
      ],
      logger,
    );
    const warning = lines.find((l) => l.level === LEVEL.warn);
    expect(warning?.['route']).toBe('routes[1] "never"');
    expect(warning?.msg).toContain('unreachable');
  });
});
