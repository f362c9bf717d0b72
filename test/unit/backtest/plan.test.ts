import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFor, PlanError, parseSet, planRuns } from '../../../src/backtest/plan.js';

const CONFIG = resolve(import.meta.dirname, '../../../config.yaml');
const none = { strategy: undefined, assignments: [] };

describe('backtest plans', () => {
  it('makes one run per strategy and combination of swept values, labelled by what varies', () => {
    const plans = planRuns(
      ['fixed-spread', 'inventory-skew'],
      ['risk.maxOpenQuotes=10,20', 'quoting.ttlMs=5000'],
    );
    expect(plans.map((p) => p.label)).toEqual([
      'fixed-spread maxOpenQuotes=10',
      'fixed-spread maxOpenQuotes=20',
      'inventory-skew maxOpenQuotes=10',
      'inventory-skew maxOpenQuotes=20',
    ]);
    expect(plans[0]!.assignments).toEqual([
      { path: 'risk.maxOpenQuotes', value: '10' },
      { path: 'quoting.ttlMs', value: '5000' },
    ]);
    expect(planRuns([], []).map((p) => p.label)).toEqual(['config']);
  });

  it('refuses a --set without a value and a sweep repeating one', () => {
    expect(() => parseSet('risk.maxOpenQuotes')).toThrow(PlanError);
    expect(() => parseSet('risk.maxOpenQuotes=1,')).toThrow(/non-empty values/);
    expect(() => planRuns([], ['risk.maxOpenQuotes=1,1'])).toThrow(/two runs would both be/);
  });

  it('applies overrides typed as the file has them, to a route by name or by strategy', () => {
    const config = configFor(
      CONFIG,
      {
        strategy: undefined,
        assignments: [
          { path: 'risk.maxOpenQuotes', value: '7' },
          { path: 'strategies.default.options.spread', value: '0.05' },
          { path: 'strategies.inventory-skew.options.baseSpread', value: '0.06' },
          { path: 'quoting.postOnly', value: 'false' },
        ],
      },
      {},
    );
    expect(config.risk.maxOpenQuotes).toBe(7);
    expect(config.quoting.postOnly).toBe(false);
    const routes = Object.fromEntries(config.strategies.routes.map((r) => [r.name, r.options]));
    expect(routes['default']).toMatchObject({ spread: '0.05' });
    expect(routes['combos']).toMatchObject({ baseSpread: '0.06' });
  });

  it('runs every RFQ through one strategy with --strategy, keeping the options of the route that used it', () => {
    const config = configFor(CONFIG, { strategy: 'fixed-spread', assignments: [] }, {});
    expect(config.strategies.routes).toHaveLength(1);
    expect(config.strategies.routes[0]).toMatchObject({
      name: 'fixed-spread',
      strategy: 'fixed-spread',
      options: { spread: '0.04', maxBookSpread: '0.20', fallbackToLastPrice: true },
    });
  });

  it('fails with the config problem, or the route it cannot find, named', () => {
    expect(() =>
      configFor(
        CONFIG,
        { strategy: undefined, assignments: [{ path: 'risk.maxOpenQuotes', value: 'many' }] },
        {},
      ),
    ).toThrow(/expected a number/);
    expect(() =>
      configFor(
        CONFIG,
        { strategy: undefined, assignments: [{ path: 'strategies.nope.options.x', value: '1' }] },
        {},
      ),
    ).toThrow(/no route is named "nope" or uses the strategy "nope"/);
    expect(() =>
      configFor(CONFIG, { strategy: undefined, assignments: [{ path: 'quoting.ttlMss', value: '5' }] }, {}),
    ).toThrow(/quoting.ttlMss/);
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    expect(() => configFor(join(dir, 'missing.yaml'), none, {})).toThrow(/cannot read the config/);
    writeFileSync(join(dir, 'bad.yaml'), 'risk: [');
    expect(() => configFor(join(dir, 'bad.yaml'), none, {})).toThrow(PlanError);
  });
});
