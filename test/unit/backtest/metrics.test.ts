import { describe, expect, it } from 'vitest';
import { RunMetrics } from '../../../src/backtest/metrics.js';
import type { Micros } from '../../../src/domain/money.js';
import type { Side } from '../../../src/domain/types.js';
import { markedValue, type NetPosition, settlementPnl } from '../../../src/risk/position.js';

/** A seeded generator: the same sequence of fills, mids and settlements on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('RunMetrics sampling', () => {
  it('values only what changed, and marks the same as valuing every open market each sample', () => {
    const next = random(11);
    const tickers = ['A', 'B', 'C', 'D', 'E', 'F'];
    const mids = new Map<string, Micros>();
    const settled = new Set<string>();
    const metrics = new RunMetrics();
    const expected: Micros[] = [];
    let settledPnl: Micros = 0;
    for (let step = 0; step < 400; step++) {
      const ticker = tickers[Math.floor(next() * tickers.length)]!;
      const roll = next();
      if (roll < 0.45 && !settled.has(ticker)) {
        const side: Side = next() < 0.5 ? 'yes' : 'no';
        metrics.fill({
          marketTicker: ticker,
          side,
          contracts: 100 * (1 + Math.floor(next() * 20)),
          price: 10_000 * (1 + Math.floor(next() * 98)),
          fee: Math.floor(next() * 5_000),
          tradedAt: step * 1_000,
        });
      } else if (roll < 0.97) {
        if (next() < 0.2) mids.delete(ticker);
        else mids.set(ticker, 10_000 * (1 + Math.floor(next() * 98)));
        metrics.midChanged(ticker);
      } else if (!settled.has(ticker)) {
        settled.add(ticker);
        const result: Side = next() < 0.5 ? 'yes' : 'no';
        const position = metrics.acc.positions().get(ticker);
        if (position !== undefined && position.contracts !== 0) settledPnl += settlementPnl(position, result);
        metrics.settle(ticker, result);
        metrics.midChanged(ticker);
      }
      metrics.sample(step * 1_000, (t) => mids.get(t));
      // Every open market valued afresh, as a sample once did.
      let open: Micros = 0;
      for (const [t, position] of metrics.acc.positions() as ReadonlyMap<string, NetPosition>) {
        const mid = mids.get(t);
        if (position.contracts === 0 || settled.has(t) || mid === undefined) continue;
        open += markedValue(position, mid) - position.cost;
      }
      expected.push(metrics.acc.realizedNet + settledPnl + open);
    }
    const { series } = metrics.finish(400_000, () => ({}));
    // Below its limit the series keeps every sample.
    expect(series.map((point) => point.marked)).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(50);
  });
});
