/**
 * Strategy output fuzzing (issue 8 §2): a strategy that returns anything — wrong types,
 * fractions, NaN, out-of-range prices, hostile getters, throws, rejections, hangs — goes
 * through the real runner (time limit, validation, grid snapping) and the real risk guard.
 * Nothing may crash, and nothing the guard approves may break a quoting rule.
 */
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FeeSchedule, type FeeType, FULL_MULTIPLIER } from '../../src/domain/fees.js';
import {
  DECI_CENT_GRID,
  isOnGrid,
  LINEAR_CENT_GRID,
  type PriceGrid,
  TAPERED_DECI_CENT_GRID,
  validateGrid,
} from '../../src/domain/grid.js';
import { ONE_DOLLAR } from '../../src/domain/money.js';
import type { Rfq } from '../../src/domain/types.js';
import { evaluateQuote } from '../../src/risk/guard.js';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '../../src/risk/limits.js';
import { emptyExposure, sideCost } from '../../src/risk/snapshot.js';
import { InMemoryMarketData, testRfq } from '../../src/strategy/memory-data.js';
import { StrategyRouter } from '../../src/strategy/router.js';
import { StrategyRunner } from '../../src/strategy/runner.js';
import type { Strategy } from '../../src/strategy/types.js';

const GRIDS: Record<string, PriceGrid> = {
  'KXF-LINEAR': LINEAR_CENT_GRID,
  'KXF-DECI': DECI_CENT_GRID,
  'KXF-TAPERED': TAPERED_DECI_CENT_GRID,
  // combos: 0.0001 at the edges, 0.001 in the middle
  'KXF-COMBO': validateGrid([
    { start: 0, end: 50_000, step: 100 },
    { start: 50_000, end: 950_000, step: 1_000 },
    { start: 950_000, end: 1_000_000, step: 100 },
  ]),
};
const TIMEOUT_MS = 30;

type Delivery = 'sync' | 'async' | 'throw' | 'reject' | 'throw-non-error' | 'hostile-getter' | 'hang';
let next: { decision: unknown; delivery: Delivery } = { decision: { skip: 'unset' }, delivery: 'sync' };

const fuzzStrategy: Strategy<Record<string, never>> = {
  name: 'fuzz',
  apiVersion: 1,
  options: z.strictObject({}) as unknown as Strategy<Record<string, never>>['options'],
  price: (() => {
    const { decision, delivery } = next;
    switch (delivery) {
      case 'sync':
        return decision;
      case 'async':
        return Promise.resolve(decision);
      case 'throw':
        throw new Error('strategy bug');
      case 'reject':
        return Promise.reject(new TypeError('async strategy bug'));
      case 'throw-non-error':
        throw decision;
      case 'hostile-getter':
        return Object.defineProperty({ noBid: 1 }, 'yesBid', {
          enumerable: true,
          get() {
            throw new Error('getter bomb');
          },
        });
      case 'hang':
        return new Promise(() => undefined);
    }
  }) as Strategy<Record<string, never>>['price'],
};

const data = new InMemoryMarketData();
for (const [ticker, grid] of Object.entries(GRIDS))
  data.setMarket({ ticker, eventTicker: 'KXF', priceGrid: grid });
const runner = new StrategyRunner({
  router: new StrategyRouter(new Map([['fuzz', fuzzStrategy as Strategy<unknown>]]), [
    { strategy: 'fuzz', isolation: 'in-process' },
  ]),
  data,
  logger: pino({ level: 'silent' }),
  timeoutMs: TIMEOUT_MS,
  // Every case here fails on purpose: no route may be disabled for it.
  breaker: { maxFailures: 0 },
});

afterAll(() => runner.stop());

const micros = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 999_999 }) },
  { weight: 2, arbitrary: fc.integer({ min: -2_000_000, max: 3_000_000 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      1,
      999_999,
      ONE_DOLLAR,
      -1,
      -0,
      0.5,
      0.45,
      2 ** 53,
      2 ** 53 + 2,
      1e300,
      NaN,
      Infinity,
      -Infinity,
    ),
  },
  { weight: 1, arbitrary: fc.double() },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.bigInt(),
      fc.constant([]),
      fc.constant({}),
    ),
  },
);

const decisionArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        yesBid: micros,
        noBid: micros,
        fairValue: micros,
        ttlMs: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 4 })),
        note: fc.oneof(fc.string({ maxLength: 500 }), fc.integer()),
        extra: fc.anything(),
      },
      { requiredKeys: ['yesBid', 'noBid'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ skip: fc.oneof(fc.string({ maxLength: 20 }), fc.anything()) }) },
  { weight: 1, arbitrary: fc.anything() },
);

const deliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<Delivery>('sync', 'async') },
  { weight: 2, arbitrary: fc.constantFrom<Delivery>('throw', 'reject', 'throw-non-error', 'hostile-getter') },
  { weight: 1, arbitrary: fc.constant<Delivery>('hang') },
);

const rfqArb: fc.Arbitrary<Rfq> = fc
  .tuple(
    fc.constantFrom(...Object.keys(GRIDS)),
    fc.oneof(
      fc.integer({ min: 1, max: 10_000_000 }).map((c) => ({ contracts: (c / 100).toFixed(2) })),
      fc.integer({ min: 1, max: 5_000_000_000 }).map((m) => ({ targetCost: (m / 1e6).toFixed(6) })),
    ),
  )
  .map(([marketTicker, size]) => testRfq({ marketTicker, eventTicker: 'KXF', ...size }));

const feesArb: fc.Arbitrary<FeeSchedule> = fc.record({
  type: fc.constantFrom<FeeType>('quadratic', 'quadratic_with_maker_fees', 'quadratic_with_combo_maker_fees'),
  multiplierPpm: fc.constantFrom(0, FULL_MULTIPLIER / 2, FULL_MULTIPLIER, 2 * FULL_MULTIPLIER),
});

const limitsArb: fc.Arbitrary<RiskLimits> = fc
  .record({
    maxContractsPerQuote: fc.integer({ min: 1, max: 1_000_000 }),
    maxDollarsPerQuote: fc.integer({ min: 1, max: 1_000_000_000 }),
    perMarketContracts: fc.integer({ min: 1, max: 2_000_000 }),
    perMarketDollars: fc.integer({ min: 1, max: 2_000_000_000 }),
    total: fc.integer({ min: 1, max: 5_000_000_000 }),
    minEdge: fc.integer({ min: -50_000, max: 50_000 }),
    onBreach: fc.constantFrom<'refuse' | 'clip'>('refuse', 'clip'),
  })
  .map((l) => ({
    ...DEFAULT_RISK_LIMITS,
    maxContractsPerQuote: l.maxContractsPerQuote,
    maxDollarsPerQuote: l.maxDollarsPerQuote,
    maxPositionPerMarket: { contracts: l.perMarketContracts, dollars: l.perMarketDollars },
    maxTotalExposure: l.total,
    minEdge: l.minEdge,
    onBreach: l.onBreach,
  }));

const SKIP_CAUSES = new Set(['declined', 'snapped-away', 'invalid', 'threw', 'timeout', 'market-data']);

describe('strategy output through the runner and the risk guard', () => {
  it('never crashes, and every approved quote keeps every rule', async () => {
    await fc.assert(
      fc.asyncProperty(
        decisionArb,
        deliveryArb,
        rfqArb,
        feesArb,
        limitsArb,
        async (decision, delivery, rfq, fees, limits) => {
          next = { decision, delivery };
          const outcome = await runner.price(rfq);
          if (outcome.kind === 'skip') {
            expect(SKIP_CAUSES.has(outcome.cause), outcome.cause).toBe(true);
            expect(outcome.reason.trim().length).toBeGreaterThan(0);
            return;
          }
          const grid = GRIDS[rfq.marketTicker]!;
          const { intent } = outcome;
          for (const bid of [intent.yesBid, intent.noBid]) {
            expect(Number.isSafeInteger(bid) && bid >= 0 && bid < ONE_DOLLAR).toBe(true);
            if (bid > 0) expect(isOnGrid(bid, grid)).toBe(true);
          }
          expect(intent.yesBid + intent.noBid).toBeLessThanOrEqual(ONE_DOLLAR);
          expect(intent.yesBid > 0 || intent.noBid > 0).toBe(true);
          if (intent.fairValue !== undefined) {
            expect(
              Number.isSafeInteger(intent.fairValue) && intent.fairValue > 0 && intent.fairValue < ONE_DOLLAR,
            ).toBe(true);
          }
          // What the strategy asked is only ever snapped down.
          const asked = decision as { yesBid: number; noBid: number };
          expect(intent.yesBid).toBeLessThanOrEqual(asked.yesBid);
          expect(intent.noBid).toBeLessThanOrEqual(asked.noBid);

          const verdict = evaluateQuote({ rfq, intent, eventTicker: 'KXF', fees }, emptyExposure(), limits);
          if (!verdict.approved) {
            expect(verdict.reason.trim().length).toBeGreaterThan(0);
            return;
          }
          expect(verdict.yesBid === 0 || verdict.yesBid === intent.yesBid).toBe(true);
          expect(verdict.noBid === 0 || verdict.noBid === intent.noBid).toBe(true);
          expect(verdict.yesBid > 0 || verdict.noBid > 0).toBe(true);
          for (const [side, bid, contracts] of [
            ['yes', verdict.yesBid, verdict.yesContracts],
            ['no', verdict.noBid, verdict.noContracts],
          ] as const) {
            if (bid === 0) continue;
            const cost = sideCost(bid, contracts, fees);
            expect(contracts, `${side} side offers nothing`).toBeGreaterThan(0);
            expect(contracts).toBeLessThanOrEqual(limits.maxContractsPerQuote);
            expect(contracts).toBeLessThanOrEqual(limits.maxPositionPerMarket.contracts);
            expect(cost).toBeLessThanOrEqual(limits.maxDollarsPerQuote);
            expect(cost).toBeLessThanOrEqual(limits.maxPositionPerMarket.dollars);
            expect(cost).toBeLessThanOrEqual(limits.maxTotalExposure);
            if (intent.fairValue !== undefined) {
              const edge = side === 'yes' ? intent.fairValue - bid : ONE_DOLLAR - intent.fairValue - bid;
              expect(edge).toBeGreaterThanOrEqual(limits.minEdge);
            }
          }
        },
      ),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 600), seed: Number(process.env['FUZZ_SEED'] ?? 0x57a7) },
    );
  });

  it('skips a result whose fields throw when read', async () => {
    next = { decision: undefined, delivery: 'hostile-getter' };
    const outcome = await runner.price(testRfq({ marketTicker: 'KXF-LINEAR' }));
    expect(outcome).toMatchObject({ kind: 'skip', cause: 'invalid', reason: expect.stringMatching(/threw/) });
  });
});
