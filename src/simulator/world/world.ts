import type { Clock } from '../../domain/clock.js';
import { DEFAULT_FEE_SCHEDULE, type FeeSchedule, type FeeType } from '../../domain/fees.js';
import { type PriceGrid, snapDown } from '../../domain/grid.js';
import { type Centis, type Micros, ONE_DOLLAR } from '../../domain/money.js';
import type { BookLevel, EpochMs, MarketStatus, Side } from '../../domain/types.js';
import type { Rng } from '../random.js';
import { gridFor } from './grids.js';
import { MarketBook } from './order-book.js';
import { type EventSeed, SEED_SERIES, type SeriesSeed } from './seed.js';
import { SEED_EVENTS } from './seed-world.js';

const DAY_MS = 86_400_000;
const MIN_FAIR: Micros = 10_000;
const MAX_FAIR: Micros = 990_000;
const DEFAULT_VOLATILITY = 0.005;

export interface SimSeries {
  readonly ticker: string;
  readonly title: string;
  readonly category: string;
  readonly fee: FeeSchedule;
}

export interface SimEvent {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly subTitle: string;
  readonly mutuallyExclusive: boolean;
  readonly mveCollectionTicker?: string;
  readonly feeOverride?: FeeSchedule;
  readonly marketTickers: readonly string[];
}

export interface SimLeg {
  readonly eventTicker: string;
  readonly marketTicker: string;
  readonly side: Side;
}

export interface SimMarket {
  readonly ticker: string;
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly yesSubTitle: string;
  readonly structure: string;
  readonly grid: PriceGrid;
  readonly highVolatility: boolean;
  readonly volatility: number;
  readonly legs?: readonly SimLeg[];
  readonly mveCollectionTicker?: string;
  readonly createdTime: EpochMs;
  readonly openTime: EpochMs;
  readonly closeTime: EpochMs;
  status: MarketStatus;
  /** The simulator's true probability of YES, in micros. Hidden from the API. */
  fair: Micros;
  previousFair: Micros;
  /** Synthetic liquidity around the fair value plus real resting orders. */
  readonly book: MarketBook;
  lastPrice: Micros;
  volume: Centis;
  openInterest: Centis;
  updatedTime: EpochMs;
}

export interface WorldOptions {
  /** How often fair values take a random-walk step. 0 freezes them. @default 1000 */
  readonly walkIntervalMs: number;
  /** Replaces the seeded events (tests may shrink or reshape the world). */
  readonly events?: readonly EventSeed[];
  readonly series?: readonly SeriesSeed[];
}

/** Query-filter names of market statuses (GET /markets?status=) → object statuses. */
export const MARKET_STATUS_FILTERS: Readonly<Record<string, MarketStatus>> = Object.freeze({
  unopened: 'initialized',
  open: 'active',
  paused: 'inactive',
  closed: 'closed',
  settled: 'finalized',
});

function toLogit(p: Micros): number {
  const x = p / ONE_DOLLAR;
  return Math.log(x / (1 - x));
}

function fromLogit(x: number): Micros {
  return Math.round(ONE_DOLLAR / (1 + Math.exp(-x)));
}

/** The seeded markets, their moving fair values and the order books around them. */
export class World {
  readonly series = new Map<string, SimSeries>();
  readonly events = new Map<string, SimEvent>();
  readonly markets = new Map<string, SimMarket>();
  /** Markets in listing order. */
  readonly marketOrder: string[] = [];
  private readonly bookListeners: ((market: SimMarket) => void)[] = [];
  private readonly changeListeners = new Set<(market: SimMarket) => void>();

  constructor(
    private readonly rng: Rng,
    private readonly clock: Clock,
    private readonly options: WorldOptions,
  ) {
    const now = clock.now();
    for (const s of options.series ?? SEED_SERIES) {
      this.series.set(s.ticker, {
        ticker: s.ticker,
        title: s.title,
        category: s.category,
        fee: { type: s.feeType, multiplierPpm: s.feeMultiplierPpm },
      });
    }
    const seeds = options.events ?? SEED_EVENTS;
    const eventOf = new Map<string, string>();
    for (const e of seeds) for (const m of e.markets) eventOf.set(m.ticker, e.eventTicker);
    for (const e of seeds) {
      this.events.set(e.eventTicker, {
        eventTicker: e.eventTicker,
        seriesTicker: e.seriesTicker,
        title: e.title,
        subTitle: e.subTitle,
        mutuallyExclusive: e.mutuallyExclusive,
        ...(e.mveCollectionTicker ? { mveCollectionTicker: e.mveCollectionTicker } : {}),
        ...(e.feeOverride ? { feeOverride: e.feeOverride } : {}),
        marketTickers: e.markets.map((m) => m.ticker),
      });
      for (const m of e.markets) {
        const legs = m.legs?.map((leg) => ({
          marketTicker: leg.marketTicker,
          side: leg.side,
          eventTicker: eventOf.get(leg.marketTicker) ?? '',
        }));
        const market: SimMarket = {
          ticker: m.ticker,
          eventTicker: e.eventTicker,
          seriesTicker: e.seriesTicker,
          title: m.title,
          yesSubTitle: m.yesSubTitle,
          structure: m.structure,
          grid: gridFor(m.structure),
          // every combo (KXMVE) market is high-volatility on Kalshi
          highVolatility: m.highVolatility === true || legs !== undefined,
          volatility: m.volatility ?? DEFAULT_VOLATILITY,
          ...(legs ? { legs, mveCollectionTicker: e.mveCollectionTicker ?? `${e.seriesTicker}-R` } : {}),
          createdTime: now - 7 * DAY_MS,
          openTime: now - DAY_MS,
          closeTime: now + 30 * DAY_MS,
          status: 'active',
          fair: m.fair,
          previousFair: m.fair,
          // every mutation of the book, whatever its path, reaches `onBookChanged` listeners
          book: new MarketBook(() => this.bookChanged(market)),
          lastPrice: 0,
          volume: 0,
          openInterest: 0,
          updatedTime: now - DAY_MS,
        };
        this.markets.set(m.ticker, market);
        this.marketOrder.push(m.ticker);
      }
    }
    for (const market of this.markets.values()) {
      if (market.legs) market.fair = this.comboFair(market);
      market.previousFair = market.fair;
      market.lastPrice = snapDown(market.fair, market.grid) ?? market.fair;
      this.rebuildBook(market);
    }
  }

  /** Starts the random walk (fair values move, books follow). */
  start(): void {
    const interval = this.options.walkIntervalMs;
    if (interval <= 0) return;
    const tick = (): void => {
      this.step(interval);
      this.clock.schedule(interval, tick);
    };
    this.clock.schedule(interval, tick);
  }

  /** One random-walk step of `dtMs` for every market. */
  step(dtMs: number): void {
    const scale = Math.sqrt(dtMs / 1000);
    for (const market of this.markets.values()) {
      if (market.legs) continue;
      const x = toLogit(market.fair) + market.volatility * scale * this.rng.normal();
      market.fair = Math.min(MAX_FAIR, Math.max(MIN_FAIR, fromLogit(x)));
    }
    for (const market of this.markets.values()) {
      if (market.legs) market.fair = this.comboFair(market);
      this.rebuildBook(market);
    }
  }

  /** Called after a market's synthetic liquidity is rebuilt (it may now cross resting orders). */
  onBookRebuilt(listener: (market: SimMarket) => void): void {
    this.bookListeners.push(listener);
  }

  /**
   * Called after every change of a market's book: synthetic levels rebuilt, swept or taken,
   * resting orders added, filled or removed (several times in one turn for one event).
   * Returns the unsubscribe.
   */
  onBookChanged(listener: (market: SimMarket) => void): () => void {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  market(ticker: string): SimMarket | undefined {
    return this.markets.get(ticker);
  }

  activeMarkets(): SimMarket[] {
    return this.marketOrder.map((t) => this.markets.get(t)!).filter((m) => m.status === 'active');
  }

  /** The fee schedule of a market: the event's override, else the series'. */
  feeSchedule(ticker: string): FeeSchedule {
    const market = this.markets.get(ticker);
    if (!market) return DEFAULT_FEE_SCHEDULE;
    const event = this.events.get(market.eventTicker);
    if (event?.feeOverride) return event.feeOverride;
    return this.series.get(market.seriesTicker)?.fee ?? DEFAULT_FEE_SCHEDULE;
  }

  seriesFeeType(ticker: string): FeeType {
    return this.feeSchedule(ticker).type;
  }

  /** Sets a fair value by hand (admin); the book follows at once. */
  setFair(market: SimMarket, fair: Micros): void {
    market.fair = Math.min(ONE_DOLLAR - 1, Math.max(1, fair));
    this.rebuildBook(market);
  }

  setStatus(market: SimMarket, status: MarketStatus): void {
    market.status = status;
    market.updatedTime = this.clock.now();
  }

  /** Records an executed RFQ trade in the market's statistics. */
  recordTrade(market: SimMarket, yesPrice: Micros, count: Centis, openInterestDelta: Centis): void {
    market.lastPrice = yesPrice;
    market.volume += count;
    market.openInterest = Math.max(0, market.openInterest + openInterestDelta);
  }

  private bookChanged(market: SimMarket): void {
    for (const listener of this.changeListeners) listener(market);
  }

  private comboFair(market: SimMarket): Micros {
    let p = 1;
    for (const leg of market.legs ?? []) {
      const legFair = (this.markets.get(leg.marketTicker)?.fair ?? 500_000) / ONE_DOLLAR;
      p *= leg.side === 'yes' ? legFair : 1 - legFair;
    }
    return Math.min(999_000, Math.max(1_000, Math.round(p * ONE_DOLLAR)));
  }

  /** Synthetic bids on both sides around the fair value, on the market's grid. */
  private rebuildBook(market: SimMarket): void {
    const halfSpread = (market.highVolatility ? this.rng.int(2, 5) : this.rng.int(1, 3)) * 10_000;
    const now = this.clock.now();
    market.book.setSynthetic('yes', this.side(market.grid, market.fair - halfSpread), now);
    market.book.setSynthetic('no', this.side(market.grid, ONE_DOLLAR - market.fair - halfSpread), now);
    for (const listener of this.bookListeners) listener(market);
  }

  private side(grid: PriceGrid, best: Micros): BookLevel[] {
    const levels: BookLevel[] = [];
    let last = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const price = snapDown(best - i * 10_000, grid);
      if (price === undefined || price <= 0 || price >= last) continue;
      last = price;
      levels.push({ price, count: this.rng.int(1, 500) * 100 });
    }
    return levels.reverse();
  }
}
