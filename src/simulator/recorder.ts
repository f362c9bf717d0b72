/**
 * `--record FILE`: the exchange's own view of a session in the recording format
 * (docs/recording-format.md), for backtests. Where a bot's recording holds what one bot saw and
 * did, this holds what every participant did: every RFQ created and closed, every maker's quote
 * and what became of it, every accept (with the size taken), the makers' fills, each market's
 * reference data, and its book and mid as they move. Written through a buffered stream; the
 * simulator's state is never blocked on the disk.
 */
import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, Timer } from '../domain/clock.js';
import { repeatEvery } from '../domain/clock.js';
import type { Micros } from '../domain/money.js';
import {
  recordedCount,
  recordedDollars,
  recordedMultiplier,
  recordingHeader,
} from '../domain/recording-format.js';
import type { BookLevel } from '../domain/types.js';
import type { SimFill } from './accounts/ledger.js';
import type { EventBus } from './exchange/events.js';
import type { SimQuote, SimRfq } from './exchange/types.js';
import type { SimMarket, World } from './world/world.js';

export interface RecorderOptions {
  readonly path: string;
  readonly bus: EventBus;
  readonly world: World;
  readonly clock: Clock;
  /** Header fields (seed, life-cycle timings). */
  readonly meta: Readonly<Record<string, string | number>>;
  /** Least time between two recorded books of one market (mids are recorded at every move). @default 5000 */
  readonly bookIntervalMs?: number;
}

export interface Recorder {
  /** Writes what is buffered and closes the file. */
  stop(): Promise<void>;
}

type Line = Record<string, unknown>;

const levels = (side: readonly BookLevel[]) =>
  side.map((l) => [recordedDollars(l.price), recordedCount(l.count)]);

function mid(market: SimMarket): Micros | undefined {
  const yes = market.book.levels('yes');
  const no = market.book.levels('no');
  const bid = yes[yes.length - 1]?.price;
  const noBid = no[no.length - 1]?.price;
  if (bid === undefined || noBid === undefined) return undefined;
  return Math.floor((bid + 1_000_000 - noBid) / 2);
}

/** The quote's fields every quote line carries. */
function quoteFields(quote: SimQuote): Line {
  return {
    rfqId: quote.rfq.id,
    quoteId: quote.id,
    marketTicker: quote.rfq.market.ticker,
    strategy: quote.creator.label,
  };
}

export function startRecorder(options: RecorderOptions): Recorder {
  const { bus, world, clock } = options;
  mkdirSync(dirname(options.path), { recursive: true });
  closeSync(openSync(options.path, 'w'));
  const stream: WriteStream = createWriteStream(options.path, { flags: 'a' });
  let failed = false;
  stream.on('error', () => {
    failed = true;
  });
  let pending = `${recordingHeader({ source: 'simulator', ...options.meta })}\n`;
  let closing = false;
  const write = (line: Line) => {
    if (!failed && !closing) pending += `${JSON.stringify(line)}\n`;
  };
  const flush = () => {
    if (pending === '' || failed) return;
    stream.write(pending);
    pending = '';
  };
  const at = () => clock.now();
  const bookInterval = options.bookIntervalMs ?? 5_000;
  const lastBookAt = new Map<string, number>();
  const lastMid = new Map<string, Micros>();

  const recordBook = (market: SimMarket) => {
    write({
      kind: 'book',
      at: at(),
      marketTicker: market.ticker,
      yes: levels(market.book.levels('yes')),
      no: levels(market.book.levels('no')),
    });
    lastBookAt.set(market.ticker, at());
  };
  for (const market of world.markets.values()) {
    const fees = world.feeSchedule(market.ticker);
    write({
      kind: 'market',
      at: at(),
      marketTicker: market.ticker,
      eventTicker: market.eventTicker,
      seriesTicker: market.seriesTicker,
      status: market.status,
      priceGrid: market.grid.map((b) => ({
        start: recordedDollars(b.start),
        end: recordedDollars(b.end),
        step: recordedDollars(b.step),
      })),
      fees: { type: fees.type, multiplier: recordedMultiplier(fees.multiplierPpm) },
      ...(market.lastPrice > 0 ? { lastPrice: recordedDollars(market.lastPrice) } : {}),
      closeTime: market.closeTime,
    });
    recordBook(market);
  }
  world.onBookRebuilt((market) => {
    const m = mid(market);
    if (m !== undefined && m !== lastMid.get(market.ticker)) {
      lastMid.set(market.ticker, m);
      write({ kind: 'mark', at: at(), marketTicker: market.ticker, mid: recordedDollars(m) });
    }
    if (at() - (lastBookAt.get(market.ticker) ?? 0) >= bookInterval) recordBook(market);
  });

  const rfqSize = (rfq: SimRfq): Line =>
    rfq.size.kind === 'contracts'
      ? { contracts: recordedCount(rfq.size.contracts) }
      : { targetCost: recordedDollars(rfq.size.targetCost), targetCostExcludesFees: rfq.size.excludesFees };
  const transition = (quote: SimQuote, to: string, reason?: string) =>
    write({
      kind: 'quote',
      at: at(),
      ...quoteFields(quote),
      from: '',
      to,
      ...(reason !== undefined ? { reason } : {}),
      yesBid: recordedDollars(quote.yesBid),
      noBid: recordedDollars(quote.noBid),
      yesContracts: recordedCount(quote.yesContracts),
      noContracts: recordedCount(quote.noContracts),
    });
  const unsubscribe = [
    bus.on('rfqCreated', (rfq) =>
      write({
        kind: 'rfq_seen',
        at: at(),
        rfqId: rfq.id,
        marketTicker: rfq.market.ticker,
        eventTicker: rfq.market.eventTicker,
        ...rfqSize(rfq),
        source: 'exchange',
        createdAt: rfq.createdAt,
      }),
    ),
    bus.on('rfqClosed', (rfq) =>
      write({ kind: 'rfq_gone', at: at(), rfqId: rfq.id, reason: rfq.cancellationReason ?? 'closed' }),
    ),
    bus.on('quoteCreated', (quote) => transition(quote, 'open')),
    bus.on('quoteAccepted', (quote) => {
      const side = quote.acceptedSide ?? 'yes';
      write({
        kind: 'quote_accepted',
        at: at(),
        ...quoteFields(quote),
        side,
        price: recordedDollars(side === 'yes' ? quote.yesBid : quote.noBid),
        contracts: recordedCount(
          quote.acceptedContracts ?? (side === 'yes' ? quote.yesContracts : quote.noContracts),
        ),
        offered: recordedCount(side === 'yes' ? quote.yesContracts : quote.noContracts),
        ...(quote.acceptedAt !== undefined ? { acceptedAt: quote.acceptedAt } : {}),
      });
    }),
    bus.on('quoteConfirmed', (quote) => transition(quote, 'confirmed')),
    bus.on('quoteLapsed', (quote) => transition(quote, 'expired', 'confirm window passed')),
    bus.on('quoteCancelled', (quote) => transition(quote, 'cancelled', quote.cancellationReason)),
    bus.on('quoteExecuted', (quote) => transition(quote, 'executed')),
    bus.on('quoteFlushed', (quote) => transition(quote, 'cancelled', 'flushed in a server roll')),
    bus.on('fill', (fill: SimFill) => {
      // The makers' trades (API users); synthetic requesters and liquidity are the market.
      if (fill.user.internal || fill.user.keyId === undefined) return;
      const price = fill.outcomeSide === 'yes' ? fill.yesPrice : fill.noPrice;
      write({
        kind: 'fill',
        at: at(),
        tradeId: fill.id,
        orderId: fill.orderId,
        marketTicker: fill.ticker,
        side: fill.outcomeSide,
        contracts: recordedCount(fill.count),
        price: recordedDollars(price),
        fee: recordedDollars(fill.fee),
        isTaker: fill.isTaker,
        tradedAt: fill.createdAt,
        strategy: fill.user.label,
      });
    }),
  ];
  const timer: Timer = repeatEvery(clock, 200, flush, { unref: true });
  let stopped: Promise<void> | undefined;
  return {
    stop: () => {
      stopped ??= (async () => {
        timer.cancel();
        for (const off of unsubscribe) off();
        flush();
        closing = true;
        await new Promise<void>((resolve) => stream.end(resolve));
      })();
      return stopped;
    },
  };
}
