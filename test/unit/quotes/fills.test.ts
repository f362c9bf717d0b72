/**
 * The fill side of the quoting core on the fake exchange edge and the manual clock: fills are
 * the record, executions settle by the order's end state, remainders are cancelled at the TTL,
 * accepted sizes come from the report or the push, and the confirm window of a market nobody
 * configured is learned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ServerError } from '../../../src/kalshi/index.js';
import { type ClusterHooks, exposureId, type QuoteManagerEvents } from '../../../src/quotes/context.js';
import { FillIntake } from '../../../src/quotes/fill-intake.js';
import { MarketWindows } from '../../../src/quotes/market-windows.js';
import { QuoteManager } from '../../../src/quotes/quote-manager.js';
import type { TrackedQuote } from '../../../src/quotes/quote-store.js';
import { errorContext } from '../../helpers/fake-exchange.js';
import {
  DEFAULT_SETTINGS,
  type Harness,
  type HarnessOptions,
  quotingHarness,
  settle,
  until,
} from './harness.js';

const running: { h: Harness; manager: QuoteManager }[] = [];
afterEach(async () => {
  for (const { h, manager } of running.splice(0)) {
    await manager.stop();
    await h.stop();
  }
});

interface Reported {
  settled: TrackedQuote[];
  unattributed: string[];
  partial: number;
}

async function started(options: HarnessOptions = {}) {
  const h = await quotingHarness(options);
  const reported: Reported = { settled: [], unattributed: [], partial: 0 };
  const events: QuoteManagerEvents = {
    fillsSettled: (quote) => reported.settled.push(quote),
    fillUnattributed: (fill) => reported.unattributed.push(fill.tradeId),
    partialAccept: () => reported.partial++,
  };
  Object.assign(h.deps.events, events);
  const manager = new QuoteManager(h.deps, { sweepIntervalMs: 1_000 });
  manager.start();
  running.push({ h, manager });
  return { h, manager, reported };
}

async function quoted(h: Harness): Promise<TrackedQuote> {
  const rfq = h.rfq();
  h.book.upsert(rfq);
  return until(() => {
    const quote = h.store.forRfq(rfq.id);
    return quote?.state === 'open' ? quote : undefined;
  }, `a live quote on ${rfq.id}`);
}

/** Accepted (by the watcher's report) and confirmed by the bot. */
async function confirmed(h: Harness, manager: QuoteManager, accepted?: number): Promise<TrackedQuote> {
  const quote = await quoted(h);
  const report = h.exchange.accept(quote.quoteId!, 'yes', {
    ...(accepted !== undefined ? { prices: { contractsAccepted: accepted } } : {}),
  });
  manager.exchangeReported(report, h.clock.now());
  await until(() => quote.state === 'confirmed', 'the confirm');
  return quote;
}

describe('fills are the record', () => {
  it('an executed report with no fill books nothing and does not trip the loss switch', async () => {
    const { h, manager, reported } = await started({ limits: { maxDailyLoss: 1 } });
    const quote = await confirmed(h, manager);
    // Executed, but post-only crossing cancelled our leg: the order ends with nothing filled.
    manager.exchangeReported(h.exchange.execute(quote.quoteId!, { filled: 0 }), h.clock.now());
    expect(h.exposure.position('KXTEST-1')).toBe(0);
    expect(h.exposed(quote)).toBe(true);
    await h.clock.advanceAsync(2_000);
    await until(() => reported.settled.length === 1, 'the execution to settle');
    expect(quote).toMatchObject({ fillOutcome: 'none', filledContracts: 0 });
    expect(h.exposed(quote)).toBe(false);
    expect(h.exposure.snapshot().pnl).toMatchObject({ realized: 0, fees: 0 });
    expect(h.killSwitch.isTripped).toBe(false);
    expect(h.lines.some((l) => l.msg?.startsWith('quote executed without a fill'))).toBe(true);
  });

  it('an executed report bigger than the offer books only what the fills say', async () => {
    const { h, manager, reported } = await started();
    const quote = await confirmed(h, manager);
    // The report claims 50 contracts accepted on a 10-contract quote; 10 filled.
    const bogus = { ...h.exchange.execute(quote.quoteId!), contractsAccepted: 5_000 };
    manager.exchangeReported(bogus, h.clock.now());
    await h.clock.advanceAsync(2_000);
    await until(() => reported.settled.length === 1, 'the execution to settle');
    expect(h.exposure.position('KXTEST-1')).toBe(1_000);
    expect(quote.fillOutcome).toBe('filled');
  });

  it('a fill pushed before the report that names its order is claimed when the order is known', async () => {
    const { h, manager } = await started();
    const quote = await confirmed(h, manager);
    const report = h.exchange.execute(quote.quoteId!, { trades: 2 });
    // The push brings the fills first; the report naming the order comes after.
    for (const fill of h.exchange.fillLog) manager.fills.take(fill, 'push');
    expect(h.exposure.position('KXTEST-1')).toBe(1_000);
    expect(quote.filledContracts).toBeUndefined();
    manager.exchangeReported(report, h.clock.now());
    expect(quote.filledContracts).toBe(1_000);
    expect(h.exposure.liveQuote(exposureId(quote))?.accepted?.contracts).toBe(0);
    // The listing of the same fills books nothing more.
    await h.clock.advanceAsync(2_000);
    await until(() => quote.fillOutcome === 'filled', 'the execution to settle');
    expect(h.exposure.position('KXTEST-1')).toBe(1_000);
  });

  it('reports a fill no quote claims as unattributed after the grace, booked all the same', async () => {
    const { h, manager, reported } = await started();
    const stranger = h.exchange.addFillFor('manual-order', 'KXOTHER-1', 'no', 300, 410_000);
    manager.fills.take(stranger, 'listing');
    expect(h.exposure.position('KXOTHER-1')).toBe(-300);
    manager.fills.expire();
    expect(reported.unattributed).toEqual([]);
    h.clock.advance(30_000);
    manager.fills.expire();
    expect(reported.unattributed).toEqual([stranger.tradeId]);
  });

  it("in a cluster, a fill of another instance's order is no stranger: not reported as unattributed", async () => {
    const { h, manager, reported } = await started();
    const cluster: ClusterHooks = {
      blocked: () => undefined,
      onChange: () => () => undefined,
      admit: async () => undefined,
      othersOrder: (orderId) => orderId === 'their-order',
    };
    Object.assign(h.deps, { cluster });
    const theirs = h.exchange.addFillFor('their-order', 'KXOTHER-1', 'yes', 200, 410_000);
    const stranger = h.exchange.addFillFor('manual-order', 'KXOTHER-1', 'no', 300, 410_000);
    manager.fills.take(theirs, 'push');
    manager.fills.take(stranger, 'push');
    h.clock.advance(30_000);
    manager.fills.expire();
    expect(reported.unattributed).toEqual([stranger.tradeId]);
    expect(h.exposure.position('KXOTHER-1')).toBe(-100);
  });

  it('looks again while the order has filled more than its fills show, and settles once they are in', async () => {
    const { h, manager } = await started();
    const quote = await confirmed(h, manager);
    const report = h.exchange.execute(quote.quoteId!);
    const fills = h.exchange.fillLog.splice(0);
    manager.exchangeReported(report, h.clock.now());
    await h.clock.advanceAsync(2_000);
    await until(() => h.exchange.callsOf('fills').length === 1, 'the first listing');
    expect(quote.fillOutcome).toBeUndefined();
    expect(h.exposed(quote)).toBe(true);
    h.exchange.fillLog.push(...fills);
    await h.clock.advanceAsync(2_000);
    await until(() => quote.fillOutcome === 'filled', 'the second look');
    expect(h.exposure.position('KXTEST-1')).toBe(1_000);
  });

  it('keeps the accept reserved while the order cannot be read, and learns the order id from the quote', async () => {
    const { h, manager } = await started();
    const quote = await confirmed(h, manager);
    const report = h.exchange.execute(quote.quoteId!);
    const { creatorOrderId: _, ...withoutOrder } = report;
    h.exchange.fail('getOrder', new ServerError('unavailable', errorContext('get_order'), { status: 503 }));
    manager.exchangeReported(withoutOrder, h.clock.now());
    await h.clock.advanceAsync(2_000);
    await until(() => h.exchange.callsOf('getOrder').length === 1, 'the failed read');
    expect(quote.orderId).toBe(report.creatorOrderId);
    expect(h.exposed(quote)).toBe(true);
    await h.clock.advanceAsync(2_000);
    await until(() => quote.fillOutcome === 'filled', 'the second look');
    expect(h.exposed(quote)).toBe(false);
  });

  it('settles on the fills when the order is unknown at the exchange', async () => {
    const { h, manager } = await started();
    const quote = await confirmed(h, manager);
    manager.exchangeReported(h.exchange.execute(quote.quoteId!, { filled: 400 }), h.clock.now());
    h.exchange.orders.clear();
    h.exchange.fail('getOrder', new NotFoundError('not found', errorContext('get_order'), { status: 404 }));
    await h.clock.advanceAsync(2_000);
    await h.clock.advanceAsync(2_000);
    await until(() => quote.fillOutcome !== undefined, 'the settle');
    expect(quote).toMatchObject({ fillOutcome: 'partial', filledContracts: 400 });
  });
});

describe('partial accepts and resting remainders', () => {
  it('sizes the accept from contracts_accepted_fp, else from the push', async () => {
    const { h, manager, reported } = await started();
    const fromReport = await confirmed(h, manager, 400);
    expect(fromReport.acceptedContracts).toBe(400);
    expect(h.exposure.liveQuote(exposureId(fromReport))?.accepted?.contracts).toBe(400);
    const fromPush = await quoted(h);
    manager.acceptPushed(fromPush.quoteId!, 'yes', 250);
    manager.exchangeReported(h.exchange.accept(fromPush.quoteId!, 'yes'), h.clock.now());
    await until(() => fromPush.state === 'confirmed', 'the second confirm');
    expect(fromPush.acceptedContracts).toBe(250);
    expect(reported.partial).toBe(2);
  });

  it('cancels a resting remainder at the TTL through the orders API, then settles', async () => {
    const { h, manager } = await started({ settings: { restRemainder: true, ttlMs: 5_000 } });
    const quote = await confirmed(h, manager, 400);
    // With rest_remainder the whole offered side stays reserved.
    expect(h.exposure.liveQuote(exposureId(quote))?.accepted?.contracts).toBe(1_000);
    manager.exchangeReported(
      h.exchange.execute(quote.quoteId!, { filled: 400, resting: 600 }),
      h.clock.now(),
    );
    await h.clock.advanceAsync(2_000);
    await until(() => quote.restingContracts === 600, 'the remainder to be seen resting');
    expect(h.exposure.liveQuote(exposureId(quote))).toMatchObject({
      filled: 400,
      accepted: { contracts: 600 },
    });
    // 100 more fill while it rests.
    manager.fills.take(h.exchange.fillResting(quote.orderId!, 100), 'push');
    expect(h.exposure.position('KXTEST-1')).toBe(500);
    await h.clock.advanceAsync(4_000);
    await until(() => quote.fillOutcome !== undefined, 'the cancel and settle');
    expect(h.exchange.callsOf('cancelOrder')).toHaveLength(1);
    expect(h.exchange.orders.get(quote.orderId!)?.status).toBe('canceled');
    expect(quote).toMatchObject({ fillOutcome: 'filled', filledContracts: 500, restingContracts: undefined });
    expect(h.exposed(quote)).toBe(false);
  });

  it('cancels what still rests when it stops', async () => {
    const { h, manager } = await started({ settings: { restRemainder: true, ttlMs: 60_000 } });
    const quote = await confirmed(h, manager, 400);
    manager.exchangeReported(
      h.exchange.execute(quote.quoteId!, { filled: 400, resting: 600 }),
      h.clock.now(),
    );
    await h.clock.advanceAsync(2_000);
    await until(() => quote.restingContracts === 600, 'the remainder to rest');
    await manager.stop();
    expect(h.exchange.orders.get(quote.orderId!)?.status).toBe('canceled');
  });
});

describe('confirm windows of markets nobody configured', () => {
  const settings = { ...DEFAULT_SETTINGS, isStandardMarket: (t: string) => t.startsWith('KXSTD') };

  it('uses the unknown window until an execution, a late confirm or an expiry says which kind', async () => {
    const h = await quotingHarness();
    const windows = new MarketWindows(() => settings, h.logger);
    expect(windows.confirmWindowMs('KXHV-1')).toBe(3_000);
    expect(windows.confirmWindowMs('KXSTD-1')).toBe(10_000);
    expect(windows.kindOf('KXNEW-1')).toBeUndefined();
    expect(windows.confirmWindowMs('KXNEW-1')).toBe(3_000);
    windows.learnFromExecution('KXNEW-1', 1_000, 16_000);
    expect(windows.confirmWindowMs('KXNEW-1')).toBe(10_000);
    expect(h.lines.find((l) => l.msg?.startsWith('learned the confirm window'))).toMatchObject({
      marketTicker: 'KXNEW-1',
      kind: 'standard',
      was: 'unknown',
    });
    windows.learnFromExpiry('KXNEW-2', 4_000);
    expect(windows.kindOf('KXNEW-2')).toBe('hvm');
    windows.learnFromConfirm('KXNEW-3', 3_500);
    expect(windows.kindOf('KXNEW-3')).toBe('standard');
    // Neither an ambiguous delay nor evidence about a configured market changes anything.
    windows.learnFromExecution('KXNEW-4', 1_000, 5_000);
    expect(windows.kindOf('KXNEW-4')).toBeUndefined();
    windows.learnFromExecution('KXHV-1', 1_000, 16_000);
    expect(windows.kindOf('KXHV-1')).toBe('hvm');
    await h.stop();
  });

  it('times the confirm deadline of an unknown market by the unknown window', async () => {
    const { h, manager } = await started({
      settings: { isStandardMarket: () => false, unknownMarketConfirmWindowMs: 2_000 },
    });
    const quote = await quoted(h);
    h.exchange.hold('confirmQuote');
    manager.exchangeReported(h.exchange.accept(quote.quoteId!, 'yes'), h.clock.now());
    await settle();
    expect(quote.confirmDeadline! - quote.acceptedAt!).toBe(2_000 - DEFAULT_SETTINGS.confirmSafetyMarginMs);
    // A confirm sent in time may land late: the accept's exposure is held for the standard window.
    await h.clock.advanceAsync(4_000);
    expect(quote.state).toBe('confirming');
    expect(h.exposed(quote)).toBe(true);
    await h.clock.advanceAsync(DEFAULT_SETTINGS.confirmWindowMs - 4_000 + 1_000);
    expect(quote.state).toBe('expired');
    expect(h.exposed(quote)).toBe(false);
  });
});

describe('FillIntake', () => {
  it('counts a trade once, whatever brought it', async () => {
    const h = await quotingHarness();
    const intake = new FillIntake(h.deps);
    const fill = h.exchange.addFillFor('o', 'KXTEST-1', 'yes', 100, 400_000);
    expect(intake.take(fill, 'push').kind).toBe('booked');
    expect(intake.take({ ...fill, fillId: 'other-id' }, 'listing').kind).toBe('duplicate');
    expect(h.exposure.position('KXTEST-1')).toBe(100);
    await h.stop();
  });
});
