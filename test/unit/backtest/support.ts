/**
 * Crafted recordings and a replay around them: a test writes the events it means (in micros and
 * centis, as the journal holds them), the engine replays them through the real quoting core with
 * a strategy the test controls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type ReplayOptions, type RunResult, replay } from '../../../src/backtest/engine.js';
import { recordedTaker, type TakerModel } from '../../../src/backtest/taker-models.js';
import { configOrThrow } from '../../../src/config/index.js';
import { recordingHeader } from '../../../src/domain/recording-format.js';
import type { FillRecord, JournalEvent } from '../../../src/journal/events.js';
import { toRecordingLine } from '../../../src/journal/recording.js';
import type { PriceDecision, Strategy } from '../../../src/strategy/types.js';
import { riskBlock } from '../../helpers/config.js';

/** Monday 7 December 2026, 14:00 UTC. */
export const T0 = Date.UTC(2026, 11, 7, 14, 0, 0);
export const MARKET = 'KXTEST-26DEC-T1';

export type Recorded = JournalEvent;

/** Writes a recording of `events` (header first) and returns its path. */
export function recording(
  events: readonly Recorded[],
  header: Record<string, string | number> = { source: 'bot' },
): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bt-unit-')), 'recording.jsonl');
  writeFileSync(path, `${[recordingHeader(header), ...events.map(toRecordingLine)].join('\n')}\n`);
  return path;
}

export const market = (at: number, ticker = MARKET): Recorded => ({
  kind: 'market',
  at,
  marketTicker: ticker,
  eventTicker: 'KXTEST-26DEC',
  seriesTicker: 'KXTEST',
  status: 'active',
  priceGrid: [{ start: 0, end: 1_000_000, step: 10_000 }],
  fees: { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 },
});

/** A book with its best YES bid `bid` and best NO bid `noBid` (so YES ask is 1 − noBid). */
export const book = (at: number, bid: number, noBid: number, ticker = MARKET): Recorded => ({
  kind: 'book',
  at,
  marketTicker: ticker,
  yes: [{ price: bid, count: 10_000 }],
  no: [{ price: noBid, count: 10_000 }],
});

export const rfqSeen = (at: number, rfqId: string, contracts = 1_000, ticker = MARKET): Recorded => ({
  kind: 'rfq_seen',
  at,
  rfqId,
  marketTicker: ticker,
  eventTicker: 'KXTEST-26DEC',
  contracts,
  source: 'push',
  createdAt: at,
});

/** The recorded bot's decision to quote an RFQ (when it decided is when the RFQ enters the replay). */
export const decided = (at: number, rfqId: string, yesBid: number, noBid: number): Recorded => ({
  kind: 'decision',
  at,
  rfqId,
  marketTicker: MARKET,
  strategy: 'test',
  outcome: 'quote',
  yesBid,
  noBid,
});

export const rfqGone = (at: number, rfqId: string): Recorded => ({
  kind: 'rfq_gone',
  at,
  rfqId,
  reason: 'closed',
});

export const accepted = (
  at: number,
  rfqId: string,
  side: 'yes' | 'no',
  price: number,
  contracts: number,
): Recorded => ({
  kind: 'quote_accepted',
  at,
  rfqId,
  quoteId: `recorded-${rfqId}`,
  marketTicker: MARKET,
  side,
  price,
  contracts,
});

export interface TestRun {
  readonly result: RunResult;
  readonly fills: FillRecord[];
  readonly events: JournalEvent[];
}

/** Replays `path` with one route to a strategy pricing as `price` says. */
export async function run(
  path: string,
  price: (rfqId: string, book: { yes: number | undefined; no: number | undefined }) => PriceDecision,
  options: { quoting?: Record<string, unknown>; taker?: TakerModel; extra?: Partial<ReplayOptions> } = {},
): Promise<TestRun> {
  const strategy: Strategy<unknown> = {
    name: 'test',
    apiVersion: 1,
    options: { parse: () => ({}) },
    async price(rfq, ctx) {
      const b = await ctx.data.orderBook(rfq.marketTicker);
      return price(rfq.id, { yes: b.yes[b.yes.length - 1]?.price, no: b.no[b.no.length - 1]?.price });
    },
  };
  const config = configOrThrow({
    exchange: { confirmWindowMs: 5_000 },
    strategies: { dir: mkdtempSync(join(tmpdir(), 'bt-none-')), routes: [{ name: 'all', strategy: 'test' }] },
    quoting: { ttlMs: 60_000, ...options.quoting },
    risk: riskBlock(),
    journal: { enabled: false },
  });
  const fills: FillRecord[] = [];
  const events: JournalEvent[] = [];
  const result = await replay({
    input: path,
    config,
    registry: new Map([['test', strategy]]),
    taker: options.taker ?? recordedTaker({ fallback: false }),
    label: 'test',
    logger: pino({ level: 'silent' }),
    onFill: (fill) => fills.push(fill),
    onEvent: (event) => events.push(event),
    ...options.extra,
  });
  return { result, fills, events };
}
