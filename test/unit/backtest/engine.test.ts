import { describe, expect, it } from 'vitest';
import { midTaker } from '../../../src/backtest/taker-models.js';
import { makerFee, takerFee } from '../../../src/domain/fees.js';
import {
  accepted,
  book,
  decided,
  MARKET,
  market,
  type Recorded,
  recording,
  rfqGone,
  rfqSeen,
  run,
  T0,
} from './support.js';

const FEES = { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 } as const;
const quoteAt = (yesBid: number, noBid: number) => () => ({ yesBid, noBid });

describe('the replay engine', () => {
  it('applies the event after market data a timer step took early (it is not lost)', async () => {
    // The mark step fires at T0 + 5000 and, within the data lead, takes the book at T0 + 5100
    // early; the RFQ right after it must still enter (it was dropped in place of the book).
    const path = recording([
      market(T0),
      book(T0 + 5_100, 450_000, 500_000),
      rfqSeen(T0 + 5_200, 'r1'),
      rfqGone(T0 + 9_000, 'r1'),
    ]);
    const { result, events } = await run(path, quoteAt(400_000, 500_000));
    expect(result.input.rfqs).toBe(1);
    expect(events.some((e) => e.kind === 'decision' && e.rfqId === 'r1')).toBe(true);
  });

  it('serves each read the newest recorded book: a read is kept only until the recording changes it', async () => {
    const path = recording([
      market(T0),
      book(T0 + 1_000, 450_000, 500_000),
      rfqSeen(T0 + 1_000, 'r1'),
      rfqSeen(T0 + 1_500, 'r2'),
      book(T0 + 2_000, 460_000, 490_000),
      rfqSeen(T0 + 2_000, 'r3'),
      book(T0 + 3_000, 470_000, 480_000),
      rfqSeen(T0 + 3_000, 'r4'),
      ...['r1', 'r2', 'r3', 'r4'].map((id) => rfqGone(T0 + 9_000, id)),
    ]);
    const seen: [string, number | undefined][] = [];
    await run(path, (id, b) => {
      seen.push([id, b.yes]);
      return { skip: 'watching' };
    });
    expect(seen).toEqual([
      ['r1', 450_000],
      ['r2', 450_000],
      ['r3', 460_000],
      ['r4', 470_000],
    ]);
  });

  it('lets an RFQ enter when the recorded bot decided on it, so the strategy reads the book read for it', async () => {
    // Live: seen, then the book read came back 400 ms later (past the data lead), then the decision.
    const path = recording([
      market(T0),
      rfqSeen(T0 + 1_000, 'r1'),
      book(T0 + 1_400, 450_000, 500_000),
      decided(T0 + 1_401, 'r1', 440_000, 490_000),
      rfqGone(T0 + 9_000, 'r1'),
    ]);
    const seenBook: (number | undefined)[] = [];
    const { events } = await run(path, (_id, b) => {
      seenBook.push(b.yes);
      return b.yes === undefined ? { skip: 'no book' } : { yesBid: b.yes - 10_000, noBid: 490_000 };
    });
    expect(seenBook).toEqual([450_000]);
    const decision = events.find((e) => e.kind === 'decision');
    expect(decision).toMatchObject({ outcome: 'quote', yesBid: 440_000, at: T0 + 1_401 });
  });

  it('lets an RFQ decided in the millisecond it was seen (a streamed book) price with the book recorded then', async () => {
    const path = recording([
      market(T0),
      book(T0 + 500, 300_000, 700_000),
      rfqSeen(T0 + 600, 'r0'),
      // An odd millisecond: no timer of the replay's falls on it to apply the book early.
      rfqSeen(T0 + 1_037, 'r1'),
      book(T0 + 1_037, 450_000, 500_000),
      decided(T0 + 1_037, 'r1', 440_000, 490_000),
      rfqGone(T0 + 9_000, 'r1'),
    ]);
    const seenBook: (number | undefined)[] = [];
    await run(path, (_id, b) => {
      seenBook.push(b.yes);
      return { yesBid: 440_000, noBid: 490_000 };
    });
    // r0 priced with the book of its time; r1 with the one recorded in its millisecond.
    expect(seenBook).toEqual([300_000, 450_000]);
  });

  it('fills a recorded accept at our price when ours is at least as good, for the contracts taken', async () => {
    const path = recording([
      market(T0),
      book(T0, 450_000, 500_000),
      rfqSeen(T0 + 1_000, 'better'),
      rfqSeen(T0 + 1_000, 'worse'),
      accepted(T0 + 2_000, 'better', 'yes', 390_000, 400),
      accepted(T0 + 2_000, 'worse', 'yes', 410_000, 1_000),
      rfqGone(T0 + 9_000, 'better'),
      rfqGone(T0 + 9_000, 'worse'),
    ]);
    const { fills, result } = await run(path, quoteAt(400_000, 500_000), {
      extra: { executionDelayMs: 1_000 },
    });
    expect(fills.map((f) => [f.rfqId, f.side, f.contracts, f.price, f.fee, f.isTaker, f.tradedAt])).toEqual([
      ['better', 'yes', 400, 400_000, makerFee(400_000, 400, FEES), false, T0 + 3_000],
    ]);
    expect(result.numbers.total.filledQuotes).toBe(1);
    expect(result.takerAccepts).toBe(1);
  });

  it('cancels a post-only leg the recorded market moved through by execution; without post-only it takes', async () => {
    const events: Recorded[] = [
      market(T0),
      book(T0, 450_000, 500_000),
      rfqSeen(T0 + 1_000, 'r1'),
      accepted(T0 + 2_000, 'r1', 'yes', 400_000, 1_000),
      // Before the execution the book drops: NO bid 0.65 is a YES offer at 0.35, under our 0.40.
      book(T0 + 2_500, 300_000, 650_000),
      rfqGone(T0 + 9_000, 'r1'),
    ];
    const postOnly = await run(recording(events), quoteAt(400_000, 500_000), {
      quoting: { postOnly: true },
      extra: { executionDelayMs: 1_000 },
    });
    expect(postOnly.fills).toEqual([]);
    expect(postOnly.result.postOnlyCancels).toBe(1);
    expect(postOnly.events.some((e) => e.kind === 'quote' && e.to === 'executed')).toBe(true);

    const taking = await run(recording(events), quoteAt(400_000, 500_000), {
      quoting: { postOnly: false },
      extra: { executionDelayMs: 1_000 },
    });
    expect(taking.fills.map((f) => [f.contracts, f.price, f.fee, f.isTaker])).toEqual([
      [1_000, 350_000, takerFee(350_000, 1_000, FEES), true],
    ]);
  });

  it('lets the mid model see no mid beyond its lookahead, however far the file was read', async () => {
    const mark = (at: number, mid: number): Recorded => ({ kind: 'mark', at, marketTicker: MARKET, mid });
    const events = (farMid: number): Recorded[] => [
      market(T0),
      book(T0, 450_000, 500_000),
      mark(T0, 475_000),
      rfqSeen(T0 + 1_000, 'r1'),
      rfqGone(T0 + 15_000, 'r1'),
      // Past the decision (T0 + 2000) plus its horizon (10 s): not for the model to see.
      mark(T0 + 20_000, farMid),
    ];
    const taker = midTaker({ acceptDelayMs: 1_000, horizonMs: 10_000, edge: 0 });
    // A YES bid of 0.40 against a mid of 0.475 is not taken; a later mid of 0.10 would make it.
    const crashed = await run(recording(events(100_000)), quoteAt(400_000, 0), { taker });
    const flat = await run(recording(events(475_000)), quoteAt(400_000, 0), { taker });
    expect(crashed.fills).toEqual([]);
    expect(crashed.result.numbers).toEqual(flat.result.numbers);
  });

  it('counts events that go back in time and applies them at the later time', async () => {
    const path = recording([
      market(T0),
      rfqSeen(T0 + 2_000, 'r1'),
      rfqSeen(T0 + 1_000, 'r2'),
      rfqGone(T0 + 9_000, 'r1'),
    ]);
    const { result } = await run(path, quoteAt(400_000, 500_000));
    expect(result.input.outOfOrder).toBe(1);
    expect(result.input.rfqs).toBe(2);
  });

  it('journals the market data the bot reads only for an onEvent watcher, with the same results without', async () => {
    const path = recording([
      market(T0),
      book(T0, 450_000, 500_000),
      rfqSeen(T0 + 1_000, 'r1'),
      book(T0 + 1_500, 460_000, 490_000),
      rfqSeen(T0 + 2_000, 'r2'),
      accepted(T0 + 2_500, 'r1', 'yes', 390_000, 400),
      accepted(T0 + 3_000, 'r2', 'yes', 390_000, 300),
      rfqGone(T0 + 9_000, 'r1'),
      rfqGone(T0 + 9_000, 'r2'),
    ]);
    const extra = { executionDelayMs: 1_000 };
    const watched = await run(path, quoteAt(400_000, 500_000), { extra });
    expect(watched.events.filter((e) => e.kind === 'book').length).toBeGreaterThan(0);
    expect(watched.events.filter((e) => e.kind === 'market').length).toBeGreaterThan(0);
    const unwatched = await run(path, quoteAt(400_000, 500_000), {
      extra: { ...extra, onEvent: undefined },
    });
    expect(unwatched.events).toEqual([]);
    expect(unwatched.fills).toEqual(watched.fills);
    expect(unwatched.fills.length).toBe(2);
    expect(JSON.stringify(unwatched.result)).toBe(JSON.stringify(watched.result));
  });
});
