import { DEFAULT_FEE_SCHEDULE, type FeeSchedule } from '../domain/fees.js';
import { LINEAR_CENT_GRID, type PriceGrid, validateGrid } from '../domain/grid.js';
import type { MarketData } from '../domain/market-data.js';
import { type Centis, parseCount, parseDollars } from '../domain/money.js';
import type { BookLevel, EpochMs, Market, OrderBook, Rfq } from '../domain/types.js';

/** What a test states about a market; everything else gets a plausible default. */
export interface TestMarketInit {
  readonly ticker: string;
  /** @default the ticker up to its last `-` */
  readonly eventTicker?: string;
  /** @default LINEAR_CENT_GRID */
  readonly priceGrid?: PriceGrid;
  /** Dollar string. @default "0" (no trade yet) */
  readonly lastPrice?: string;
  /** @default 'active' */
  readonly status?: string;
  readonly closeTime?: EpochMs;
}

/** A complete `Market` for tests. */
export function testMarket(init: TestMarketInit): Market {
  const cut = init.ticker.lastIndexOf('-');
  return {
    ticker: init.ticker,
    eventTicker: init.eventTicker ?? (cut > 0 ? init.ticker.slice(0, cut) : init.ticker),
    status: init.status ?? 'active',
    marketType: 'binary',
    yesBid: 0,
    yesAsk: 0,
    noBid: 0,
    noAsk: 0,
    lastPrice: parseDollars(init.lastPrice ?? '0', 'lastPrice'),
    volume: 0,
    openInterest: 0,
    priceLevelStructure: init.priceGrid === undefined ? 'linear_cent' : 'custom',
    priceGrid: validateGrid(init.priceGrid ?? LINEAR_CENT_GRID),
    ...(init.closeTime !== undefined ? { closeTime: init.closeTime } : {}),
  };
}

/** `[price, count]` as strings, e.g. `['0.45', '100']`. */
export type TestLevel = readonly [price: string, count: string];

/** An order book from dollar/count strings; levels are sorted ascending as the exchange sends them. */
export function testBook(
  ticker: string,
  sides: { yes?: readonly TestLevel[]; no?: readonly TestLevel[] },
): OrderBook {
  const levels = (side: readonly TestLevel[] | undefined, label: string): BookLevel[] =>
    (side ?? [])
      .map(([price, count]) => ({
        price: parseDollars(price, `${label} price`),
        count: parseCount(count, `${label} count`),
      }))
      .sort((a, b) => a.price - b.price);
  return { ticker, yes: levels(sides.yes, 'yes'), no: levels(sides.no, 'no') };
}

export interface TestRfqInit {
  readonly marketTicker: string;
  /** @default "rfq-<n>" */
  readonly id?: string;
  readonly eventTicker?: string;
  /** Contract count string. @default "10" unless `targetCost` is given */
  readonly contracts?: string;
  /** Dollar string: a target-cost RFQ. */
  readonly targetCost?: string;
  readonly createdAt?: EpochMs;
}

let rfqCounter = 0;

/** A complete open `Rfq` for tests. */
export function testRfq(init: TestRfqInit): Rfq {
  rfqCounter += 1;
  return {
    id: init.id ?? `rfq-${rfqCounter}`,
    creatorId: 'requester',
    marketTicker: init.marketTicker,
    ...(init.eventTicker !== undefined ? { eventTicker: init.eventTicker } : {}),
    size:
      init.targetCost !== undefined
        ? { kind: 'targetCost', targetCost: parseDollars(init.targetCost, 'targetCost'), excludesFees: false }
        : { kind: 'contracts', contracts: parseCount(init.contracts ?? '10', 'contracts') },
    status: 'open',
    createdAt: init.createdAt ?? 0,
  };
}

/** Thrown for data a test did not provide, so a strategy sees what it would see live: a failed read. */
export class UnknownMarketError extends Error {
  override readonly name = 'UnknownMarketError';
  readonly code = 'unknown_market';
  constructor(readonly ticker: string) {
    super(`no market data for ${ticker}`);
  }
}

/**
 * `MarketData` held in memory: what the test harness gives strategies. Every setter takes
 * effect on the next read. An event's position defaults to the sum of its markets' positions.
 */
export class InMemoryMarketData implements MarketData {
  readonly #markets = new Map<string, Market>();
  readonly #books = new Map<string, OrderBook>();
  readonly #fees = new Map<string, FeeSchedule>();
  readonly #positions = new Map<string, Centis>();
  readonly #eventPositions = new Map<string, Centis>();
  #defaultFees: FeeSchedule = DEFAULT_FEE_SCHEDULE;

  setMarket(market: Market | TestMarketInit): this {
    const full = 'marketType' in market ? market : testMarket(market);
    this.#markets.set(full.ticker, full);
    return this;
  }

  setBook(book: OrderBook): this {
    this.#books.set(book.ticker, book);
    return this;
  }

  /** Fees of one market, or (without a ticker) of every market without its own. */
  setFees(schedule: FeeSchedule, ticker?: string): this {
    if (ticker === undefined) this.#defaultFees = schedule;
    else this.#fees.set(ticker, schedule);
    return this;
  }

  /** Signed centi-contracts: positive long YES. */
  setPosition(ticker: string, position: Centis): this {
    this.#positions.set(ticker, position);
    return this;
  }

  /** Overrides the event's net position (otherwise the sum over its markets). */
  setEventPosition(eventTicker: string, position: Centis): this {
    this.#eventPositions.set(eventTicker, position);
    return this;
  }

  async market(ticker: string): Promise<Market> {
    const market = this.#markets.get(ticker);
    if (market === undefined) throw new UnknownMarketError(ticker);
    return market;
  }

  async orderBook(ticker: string): Promise<OrderBook> {
    if (!this.#markets.has(ticker)) throw new UnknownMarketError(ticker);
    return this.#books.get(ticker) ?? { ticker, yes: [], no: [] };
  }

  async fees(ticker: string): Promise<FeeSchedule> {
    if (!this.#markets.has(ticker)) throw new UnknownMarketError(ticker);
    return this.#fees.get(ticker) ?? this.#defaultFees;
  }

  position(ticker: string): Centis {
    return this.#positions.get(ticker) ?? 0;
  }

  eventPosition(eventTicker: string): Centis {
    const set = this.#eventPositions.get(eventTicker);
    if (set !== undefined) return set;
    let sum = 0;
    for (const market of this.#markets.values()) {
      if (market.eventTicker === eventTicker) sum += this.position(market.ticker);
    }
    return sum;
  }
}
