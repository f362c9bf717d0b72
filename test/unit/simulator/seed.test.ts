import { describe, expect, it } from 'vitest';
import { SEED_SERIES } from '../../../src/simulator/world/seed.js';
import { SEED_EVENTS } from '../../../src/simulator/world/seed-world.js';

describe('the seeded world', () => {
  it('lists the series of every seeded event, so trades are charged the fees the series endpoint shows', () => {
    const listed = new Set(SEED_SERIES.map((series) => series.ticker));
    const unlisted = SEED_EVENTS.map((event) => event.seriesTicker).filter((ticker) => !listed.has(ticker));
    expect(unlisted).toEqual([]);
  });

  it('charges combo maker fees on the generated multi-game combos', () => {
    const series = SEED_SERIES.find((s) => s.ticker === 'KXMVESPORTSMULTIGAMEEXTENDED');
    expect(series?.feeType).toBe('quadratic_with_combo_maker_fees');
  });
});
