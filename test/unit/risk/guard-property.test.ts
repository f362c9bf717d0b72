import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FeeSchedule, makerFee } from '../../../src/domain/fees.js';
import { notional } from '../../../src/domain/money.js';
import type { LiveQuote } from '../../../src/domain/quoting.js';
import type { RfqSize, Side } from '../../../src/domain/types.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { evaluateConfirm, evaluateQuote } from '../../../src/risk/guard.js';
import { type RiskLimits, resolveRiskLimits } from '../../../src/risk/limits.js';
import { riskView } from '../../../src/risk/worst-case.js';
import { expectEqual, expectIs } from '../../helpers/hot-expect.js';

/*
 * For any sequence of intents, accepts, confirms, executions, lapses and deletes applied through
 * the guard and the book, the exposure under the worst-case rule never exceeds any limit.
 * The worst case is recomputed here by brute force (every live quote hit on either side or not
 * at all, the market resolving either way) from an independent gross ledger of fills.
 */

const MARKETS = [
  { ticker: 'KXONE-26-A', event: 'KXONE-26' },
  { ticker: 'KXONE-26-B', event: 'KXONE-26' },
  { ticker: 'KXTWO-26-A', event: 'KXTWO-26' },
  { ticker: 'KXTWO-26-B', event: 'KXTWO-26' },
] as const;
const CENT = 10_000;
const MICROS_PER_CENTI = 10_000;
const FEES: readonly FeeSchedule[] = [
  { type: 'quadratic', multiplierPpm: 1_000_000 },
  { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 },
];

const dollarsArb = (min: number, max: number) =>
  fc.integer({ min: min * 100, max: max * 100 }).map((cents) => cents * CENT);
const contractsArb = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 });

const limitsArb: fc.Arbitrary<RiskLimits> = fc
  .record({
    maxContractsPerQuote: contractsArb(5, 300),
    maxDollarsPerQuote: dollarsArb(2, 150),
    maxOpenQuotes: fc.integer({ min: 1, max: 8 }),
    maxOpenQuotesPerMarket: fc.integer({ min: 1, max: 4 }),
    maxOpenQuotesPerEvent: fc.integer({ min: 1, max: 6 }),
    maxPositionPerMarket: fc.record({ contracts: contractsArb(10, 400), dollars: dollarsArb(5, 200) }),
    maxPositionPerEvent: fc.record({ contracts: contractsArb(10, 600), dollars: dollarsArb(5, 300) }),
    maxTotalExposure: dollarsArb(5, 400),
    maxDailyLoss: dollarsArb(0, 100),
    minEdge: fc.integer({ min: 0, max: 3 }).map((cents) => cents * CENT),
    onBreach: fc.constantFrom('refuse' as const, 'clip' as const),
  })
  .map((overrides) => resolveRiskLimits(overrides));

const sizeArb: fc.Arbitrary<RfqSize> = fc.oneof(
  fc.integer({ min: 1, max: 15_000 }).map((contracts) => ({ kind: 'contracts' as const, contracts })),
  fc
    .record({ targetCost: dollarsArb(1, 60), excludesFees: fc.boolean() })
    .map((s) => ({ kind: 'targetCost' as const, ...s })),
);

/** Bids around a fair value (cents), on a 1¢ grid; now and then a side is declined. */
const pricingArb = fc
  .record({
    fair: fc.integer({ min: 2, max: 98 }),
    yesEdge: fc.integer({ min: -3, max: 15 }),
    noEdge: fc.integer({ min: -3, max: 15 }),
    decline: fc.constantFrom('none', 'none', 'none', 'none', 'yes', 'no'),
    tellFair: fc.boolean(),
  })
  .map((p) => ({
    yes: p.decline === 'yes' ? 0 : p.fair - p.yesEdge,
    no: p.decline === 'no' ? 0 : 100 - p.fair - p.noEdge,
    fairValue: p.tellFair ? p.fair * CENT : undefined,
  }))
  .filter(
    (b) => b.yes >= 0 && b.no >= 0 && b.yes < 100 && b.no < 100 && b.yes + b.no > 0 && b.yes + b.no <= 100,
  )
  .map((b) => ({ yesBid: b.yes * CENT, noBid: b.no * CENT, fairValue: b.fairValue }));

type Command =
  | {
      kind: 'intent';
      market: number;
      size: RfqSize;
      yesBid: number;
      noBid: number;
      fairValue?: number;
      fees: number;
    }
  | { kind: 'accept'; pick: number; side: Side; partialPpm: number }
  | { kind: 'confirm' | 'execute' | 'lapse' | 'remove'; pick: number }
  | { kind: 'mark'; values: number[] };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        market: fc.integer({ min: 0, max: MARKETS.length - 1 }),
        size: sizeArb,
        pricing: pricingArb,
        fees: fc.integer({ min: 0, max: FEES.length - 1 }),
      })
      .map(({ pricing: { fairValue, ...bids }, ...rest }) => ({
        kind: 'intent' as const,
        ...rest,
        ...bids,
        ...(fairValue === undefined ? {} : { fairValue }),
      })),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('accept' as const),
      pick: fc.nat(),
      side: fc.constantFrom<Side>('yes', 'no'),
      partialPpm: fc.oneof(fc.constant(1_000_000), fc.integer({ min: 1, max: 1_000_000 })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirm' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('execute' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('lapse' as const, 'remove' as const), pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('mark' as const),
      values: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }),
    }),
  },
);

interface TrackedSide {
  bid: number;
  contracts: number;
  cost: number;
}
interface Tracked {
  quote: LiveQuote;
  market: number;
  fees: FeeSchedule;
  yes: TrackedSide;
  no: TrackedSide;
  fairValue: number | undefined;
  state: 'open' | 'accepted' | 'confirmed';
  accepted?: { side: Side } & TrackedSide;
}
/** Gross fills since the market was last flat with no live quote: no netting, no rounding. */
interface Ledger {
  cost: number;
  yes: number;
  no: number;
}

function cost(bid: number, contracts: number, fees: FeeSchedule): number {
  return bid > 0 && contracts > 0 ? notional(bid, contracts, 'ceil') + makerFee(bid, contracts, fees) : 0;
}

/** Brute force: every live quote hit on either side (accepted ones on their side) or not at all. */
function worstCase(ledger: Ledger, quotes: readonly Tracked[]): { contracts: number; loss: number } {
  let contracts = Math.abs(ledger.yes - ledger.no);
  let loss = Math.max(
    0,
    ledger.cost - ledger.yes * MICROS_PER_CENTI,
    ledger.cost - ledger.no * MICROS_PER_CENTI,
  );
  const walk = (i: number, yes: number, no: number, paid: number) => {
    if (i === quotes.length) {
      contracts = Math.max(contracts, Math.abs(yes - no));
      loss = Math.max(loss, paid - yes * MICROS_PER_CENTI, paid - no * MICROS_PER_CENTI);
      return;
    }
    const q = quotes[i] as Tracked;
    walk(i + 1, yes, no, paid);
    const sides = q.accepted ? [q.accepted] : [q.yes, q.no];
    const names: Side[] = q.accepted ? [q.accepted.side] : ['yes', 'no'];
    sides.forEach((side, k) => {
      if (side.contracts === 0) return;
      const isYes = names[k] === 'yes';
      walk(i + 1, yes + (isYes ? side.contracts : 0), no + (isYes ? 0 : side.contracts), paid + side.cost);
    });
  };
  walk(0, ledger.yes, ledger.no, ledger.cost);
  return { contracts, loss };
}

function run(limits: RiskLimits, commands: readonly Command[]): void {
  const book = new ExposureBook();
  const live = new Map<string, Tracked>();
  const ledgers = MARKETS.map(() => ({ cost: 0, yes: 0, no: 0 }));
  let seq = 0;
  const pick = (n: number, states: Tracked['state'][]) => {
    const candidates = [...live.values()].filter((q) => states.includes(q.state));
    return candidates.length === 0 ? undefined : candidates[n % candidates.length];
  };
  const finish = (q: Tracked) => {
    live.delete(q.quote.quoteId);
    const ledger = ledgers[q.market] as Ledger;
    const quiet = ![...live.values()].some((other) => other.market === q.market);
    if (quiet && ledger.yes === ledger.no) Object.assign(ledger, { cost: 0, yes: 0, no: 0 });
  };

  for (const command of commands) {
    switch (command.kind) {
      case 'intent': {
        const market = MARKETS[command.market] as (typeof MARKETS)[number];
        const fees = FEES[command.fees] as FeeSchedule;
        seq += 1;
        const rfq = {
          id: `rfq-${seq}`,
          marketTicker: market.ticker,
          eventTicker: market.event,
          size: command.size,
        };
        const snapshot = book.snapshot();
        const intent = {
          yesBid: command.yesBid,
          noBid: command.noBid,
          ...(command.fairValue ? { fairValue: command.fairValue } : {}),
        };
        const decision = evaluateQuote({ rfq, intent, fees }, snapshot, limits);
        if (snapshot.pnl.total < -limits.maxDailyLoss)
          expect(decision).toMatchObject({ approved: false, limit: 'maxDailyLoss' });
        if (!decision.approved) break;
        expectIs(decision.yesBid === command.yesBid || decision.yesBid === 0, true);
        expectIs(decision.noBid === command.noBid || decision.noBid === 0, true);
        const quote: LiveQuote = {
          rfq: { ...rfq, creatorId: 'x', status: 'open', createdAt: 0 },
          quoteId: `q-${seq}`,
          yesBid: decision.yesBid,
          noBid: decision.noBid,
          yesContracts: decision.yesContracts,
          noContracts: decision.noContracts,
          sentAt: 0,
        };
        book.quoteOpened(quote, { fees });
        const side = (bid: number, contracts: number) => ({
          bid,
          contracts: bid > 0 ? contracts : 0,
          cost: cost(bid, contracts, fees),
        });
        live.set(quote.quoteId, {
          quote,
          market: command.market,
          fees,
          yes: side(decision.yesBid, decision.yesContracts),
          no: side(decision.noBid, decision.noContracts),
          fairValue: command.fairValue,
          state: 'open',
        });
        break;
      }
      case 'accept': {
        const q = pick(command.pick, ['open']);
        if (!q) break;
        const side: Side =
          (command.side === 'yes' ? q.yes.bid : q.no.bid) > 0
            ? command.side
            : command.side === 'yes'
              ? 'no'
              : 'yes';
        const offered = side === 'yes' ? q.yes : q.no;
        const contracts = Math.max(1, Math.floor((offered.contracts * command.partialPpm) / 1_000_000));
        if (offered.contracts === 0) break;
        expectIs(book.quoteAccepted(q.quote.quoteId, side, contracts), true);
        q.state = 'accepted';
        q.accepted = { side, bid: offered.bid, contracts, cost: cost(offered.bid, contracts, q.fees) };
        q.quote = { ...q.quote, acceptedSide: side, acceptedContracts: contracts };
        break;
      }
      case 'confirm': {
        const q = pick(command.pick, ['accepted']);
        if (!q) break;
        const decision = evaluateConfirm(q.quote, book.snapshot(), limits);
        if (decision.approved) {
          expectIs(book.quoteConfirmed(q.quote.quoteId), true);
          q.state = 'confirmed';
        } else {
          expectIs(book.quoteLapsed(q.quote.quoteId), true);
          finish(q);
        }
        break;
      }
      case 'execute': {
        const q = pick(command.pick, ['confirmed']);
        if (!q?.accepted) break;
        const id = q.quote.quoteId;
        expectIs(book.quoteExecuted(id), true);
        expectIs(book.quoteExecuted(id), false);
        // The order fills in full at the bid, maker fee charged: the fill makes the position.
        const { side, bid, contracts } = q.accepted;
        const fill = {
          tradeId: `t-${id}`,
          orderId: `o-${id}`,
          marketTicker: (MARKETS[q.market] as (typeof MARKETS)[number]).ticker,
          side,
          contracts,
          price: bid,
          fee: makerFee(bid, contracts, q.fees),
          tradedAt: Date.now(),
        };
        expectIs(book.linkOrder(id, fill.orderId), true);
        expectIs(book.applyFill(fill).kind, 'booked');
        expectIs(book.applyFill(fill).kind, 'duplicate');
        expectEqual(book.quoteFillsDone(id), { filled: contracts, reserved: contracts });
        const ledger = ledgers[q.market] as Ledger;
        ledger.cost += q.accepted.cost;
        if (q.accepted.side === 'yes') ledger.yes += q.accepted.contracts;
        else ledger.no += q.accepted.contracts;
        finish(q);
        break;
      }
      case 'lapse':
      case 'remove': {
        const q = pick(
          command.pick,
          command.kind === 'lapse' ? ['accepted'] : ['open', 'accepted', 'confirmed'],
        );
        if (!q) break;
        expect(
          command.kind === 'lapse' ? book.quoteLapsed(q.quote.quoteId) : book.quoteRemoved(q.quote.quoteId),
        ).toBe(true);
        finish(q);
        break;
      }
      case 'mark':
        book.markToMarket(MARKETS.map((m, i) => [m.ticker, (command.values[i] ?? 50) * CENT] as const));
        break;
    }
    checkInvariants(limits, book, live, ledgers);
  }
}

function atMost(value: number, limit: number, what: string): void {
  if (!(value <= limit)) throw new Error(`${what}: ${value} > ${limit}`);
}

function same(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: ${actual} !== ${expected}`);
}

function checkInvariants(
  limits: RiskLimits,
  book: ExposureBook,
  live: Map<string, Tracked>,
  ledgers: Ledger[],
): void {
  const quotes = [...live.values()];
  atMost(quotes.length, limits.maxOpenQuotes, 'live quotes');
  const view = riskView(book.snapshot(), { openQuoteWeightPpm: 0 });
  let total = 0;
  const events = new Map<string, { contracts: number; dollars: number; quotes: number }>();
  MARKETS.forEach((market, i) => {
    const ledger = ledgers[i] as Ledger;
    const here = quotes.filter((q) => q.market === i);
    atMost(here.length, limits.maxOpenQuotesPerMarket, `live quotes on ${market.ticker}`);
    // the book agrees with the gross ledger
    same(book.position(market.ticker), ledger.yes - ledger.no, `position of ${market.ticker}`);
    const booked = view.markets.get(market.ticker);
    same(
      booked?.baseLossIfYes ?? 0,
      ledger.cost - ledger.yes * MICROS_PER_CENTI,
      `loss if YES wins on ${market.ticker}`,
    );
    same(
      booked?.baseLossIfNo ?? 0,
      ledger.cost - ledger.no * MICROS_PER_CENTI,
      `loss if NO wins on ${market.ticker}`,
    );
    const worst = worstCase(ledger, here);
    atMost(
      worst.contracts,
      limits.maxPositionPerMarket.contracts,
      `worst-case contracts on ${market.ticker}`,
    );
    atMost(worst.loss, limits.maxPositionPerMarket.dollars, `worst-case loss on ${market.ticker}`);
    const event = events.get(market.event) ?? { contracts: 0, dollars: 0, quotes: 0 };
    events.set(market.event, {
      contracts: event.contracts + worst.contracts,
      dollars: event.dollars + worst.loss,
      quotes: event.quotes + here.length,
    });
    total += worst.loss;
  });
  for (const event of events.values()) {
    atMost(event.quotes, limits.maxOpenQuotesPerEvent, 'live quotes on an event');
    atMost(event.contracts, limits.maxPositionPerEvent.contracts, 'worst-case contracts on an event');
    atMost(event.dollars, limits.maxPositionPerEvent.dollars, 'worst-case loss on an event');
  }
  atMost(total, limits.maxTotalExposure, 'worst-case total exposure');
  for (const q of quotes) {
    for (const [name, side] of [
      ['yes', q.yes],
      ['no', q.no],
    ] as const) {
      if (side.bid === 0) continue;
      atMost(side.contracts, limits.maxContractsPerQuote, `contracts of ${q.quote.quoteId} ${name}`);
      atMost(side.cost, limits.maxDollarsPerQuote, `dollars of ${q.quote.quoteId} ${name}`);
      if (q.fairValue !== undefined) {
        const edge = name === 'yes' ? q.fairValue - side.bid : 1_000_000 - q.fairValue - side.bid;
        atMost(limits.minEdge, edge, `min edge (reversed) of ${q.quote.quoteId} ${name}`);
      }
    }
  }
}

describe('risk guard + exposure book (property)', () => {
  it('never lets worst-case exposure exceed a limit, whatever happens to our quotes', () => {
    fc.assert(
      fc.property(
        limitsArb,
        fc.array(commandArb, { minLength: 10, maxLength: 80, size: 'max' }),
        (limits, commands) => run(limits, commands),
      ),
      { numRuns: 400 },
    );
  });

  it('also holds with generous limits, where most quotes are approved and many execute', () => {
    const generous = fc
      .record({
        base: limitsArb,
        market: fc.record({ contracts: contractsArb(100, 800), dollars: dollarsArb(50, 400) }),
        event: fc.record({ contracts: contractsArb(200, 1500), dollars: dollarsArb(100, 800) }),
        total: dollarsArb(100, 1000),
      })
      .map(({ base, market, event, total }) =>
        resolveRiskLimits({
          ...base,
          maxOpenQuotes: 8,
          maxOpenQuotesPerMarket: 4,
          maxOpenQuotesPerEvent: 6,
          maxContractsPerQuote: 50_000,
          maxDollarsPerQuote: 200_000_000,
          maxPositionPerMarket: market,
          maxPositionPerEvent: event,
          maxTotalExposure: total,
          maxDailyLoss: 1_000_000_000,
        }),
      );
    fc.assert(
      fc.property(
        generous,
        fc.array(commandArb, { minLength: 10, maxLength: 80, size: 'max' }),
        (limits, commands) => run(limits, commands),
      ),
      { numRuns: 300 },
    );
  });
});
