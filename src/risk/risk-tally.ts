import type { Micros } from '../domain/money.js';
import type { QuoteExposure } from './snapshot.js';
import {
  addQuoteHits,
  baseLosses,
  type EventRisk,
  FULL_WEIGHT_PPM,
  type HitTotals,
  type MarketRisk,
  marketRisk,
  type RiskView,
  type RiskViewOptions,
} from './worst-case.js';

/** What the tally reads of one market the book tracks. */
export interface TalliedPosition {
  readonly marketTicker: string;
  readonly eventTicker: string;
  /** Filled net position (+YES / −NO). */
  readonly contracts: number;
  readonly cost: Micros;
  readonly episodeRealized: Micros;
}

export interface RiskTallySource {
  /** The book's market, or undefined when it no longer tracks it. */
  position(marketTicker: string): TalliedPosition | undefined;
  /** Every market the book tracks. */
  positions(): Iterable<TalliedPosition>;
  /** The live quotes on a market. */
  quotesIn(marketTicker: string): Iterable<QuoteExposure>;
  quote(quoteId: string): QuoteExposure | undefined;
}

/** One market's risk with open quotes weighted as the tally is, and with accepted quotes only. */
interface Tallied {
  readonly weighted: MarketRisk;
  readonly acceptedOnly: MarketRisk;
}

interface EventSums {
  markets: number;
  liveQuotes: number;
  weighted: { contracts: number; dollars: number };
  acceptedOnly: { contracts: number; dollars: number };
}

/** The open-quote weight as `weigh` applies it: 0 (accepted quotes only), full, or a rate between. */
function normalWeight(weightPpm: number): number {
  return Math.min(FULL_WEIGHT_PPM, Math.max(0, weightPpm));
}

function riskOf(position: TalliedPosition, yes: HitTotals, no: HitTotals, liveQuotes: number): MarketRisk {
  const base = baseLosses(position);
  return marketRisk({
    marketTicker: position.marketTicker,
    eventTicker: position.eventTicker,
    position: position.contracts,
    baseLossIfYes: base.ifYes,
    baseLossIfNo: base.ifNo,
    yesHits: yes,
    noHits: no,
    liveQuotes,
  });
}

/**
 * The worst case of every market, event and the total, kept up to date as the book changes
 * instead of recomputed from a snapshot per check: the book marks a market dirty when its
 * position or one of its quotes changes, and a view refreshes only those. The numbers are
 * `riskView`'s to the micro (the same functions compute them); only the work differs.
 */
/** A view's one market (and its event) moved by leaving a quote out. */
interface ChangedRisk {
  readonly market: MarketRisk;
  readonly event: EventRisk;
}

type Pick = 'weighted' | 'acceptedOnly';

export class RiskTally {
  readonly #source: RiskTallySource;
  readonly #markets = new Map<string, Tallied>();
  readonly #events = new Map<string, EventSums>();
  readonly #dirty = new Set<string>();
  /** The weight open quotes are tallied at (`weighted`); another weight re-tallies every market. */
  #weight = FULL_WEIGHT_PPM;
  #total = { weighted: 0, acceptedOnly: 0 };
  #liveQuotes = 0;
  /** Counts touches: a view read after the book changed would mix two states, and throws. */
  #version = 0;

  constructor(source: RiskTallySource) {
    this.#source = source;
  }

  /** The market's position or quotes changed (or it was added or forgotten). */
  touch(marketTicker: string): void {
    this.#dirty.add(marketTicker);
    this.#version++;
  }

  /** The view `riskView(snapshot, options)` gives of the book as it stands now. */
  view(options: RiskViewOptions): RiskView {
    const weight = normalWeight(options.openQuoteWeightPpm);
    if (weight !== 0 && weight !== this.#weight) {
      this.#weight = weight;
      for (const position of this.#source.positions()) this.#dirty.add(position.marketTicker);
      for (const ticker of this.#markets.keys()) this.#dirty.add(ticker);
    }
    this.#refresh();
    const pick = weight === 0 ? 'acceptedOnly' : 'weighted';
    let total = this.#total[pick];
    let liveQuotes = this.#liveQuotes;
    // Leaving a quote out touches its market only: that market, its event and the totals move.
    let changed: ChangedRisk | undefined;
    const excluded = options.exclude === undefined ? undefined : this.#source.quote(options.exclude);
    const before = excluded && this.#markets.get(excluded.marketTicker)?.[pick];
    const position = excluded && this.#positionOf(excluded.marketTicker);
    if (excluded && before && position) {
      const less = { yes: { contracts: 0, cost: 0 }, no: { contracts: 0, cost: 0 } };
      addQuoteHits(less, excluded, weight);
      const market = riskOf(
        position,
        {
          contracts: before.yesHits.contracts - less.yes.contracts,
          cost: before.yesHits.cost - less.yes.cost,
        },
        { contracts: before.noHits.contracts - less.no.contracts, cost: before.noHits.cost - less.no.cost },
        before.liveQuotes - 1,
      );
      const sums = this.#events.get(market.eventTicker)!;
      changed = {
        market,
        event: {
          eventTicker: market.eventTicker,
          contracts: sums[pick].contracts - before.worstContracts + market.worstContracts,
          dollars: sums[pick].dollars - before.worstLoss + market.worstLoss,
          liveQuotes: sums.liveQuotes - 1,
        },
      };
      total += market.worstLoss - before.worstLoss;
      liveQuotes -= 1;
    }
    const version = this.#version;
    // Arrows passed straight as arguments: tsx names every closure bound to a name (a
    // defineProperty each), and a view is made for every check.
    return {
      markets: new ReadMap(
        (ticker) => this.#marketAt(version, changed, pick, ticker),
        () => this.#markets.keys(),
      ),
      events: new ReadMap(
        (ticker) => this.#eventAt(version, changed, pick, ticker),
        () => this.#events.keys(),
      ),
      totalExposure: total,
      liveQuotes,
    };
  }

  #current(version: number): void {
    if (this.#version !== version) throw new Error('a risk view was read after the exposure book changed');
  }

  #marketAt(
    version: number,
    changed: ChangedRisk | undefined,
    pick: Pick,
    ticker: string,
  ): MarketRisk | undefined {
    this.#current(version);
    return changed?.market.marketTicker === ticker ? changed.market : this.#markets.get(ticker)?.[pick];
  }

  #eventAt(
    version: number,
    changed: ChangedRisk | undefined,
    pick: Pick,
    ticker: string,
  ): EventRisk | undefined {
    this.#current(version);
    if (changed?.event.eventTicker === ticker) return changed.event;
    const sums = this.#events.get(ticker);
    if (sums === undefined) return undefined;
    const picked = sums[pick];
    return {
      eventTicker: ticker,
      contracts: picked.contracts,
      dollars: picked.dollars,
      liveQuotes: sums.liveQuotes,
    };
  }

  /** The book's market; a market with live quotes the book has no position record for counts as flat. */
  #positionOf(ticker: string): TalliedPosition | undefined {
    const position = this.#source.position(ticker);
    if (position !== undefined) return position;
    for (const quote of this.#source.quotesIn(ticker)) {
      return {
        marketTicker: ticker,
        eventTicker: quote.eventTicker,
        contracts: 0,
        cost: 0,
        episodeRealized: 0,
      };
    }
    return undefined;
  }

  #refresh(): void {
    for (const ticker of this.#dirty) {
      const old = this.#markets.get(ticker);
      if (old) this.#add(old, -1);
      const position = this.#positionOf(ticker);
      if (position === undefined) {
        this.#markets.delete(ticker);
        continue;
      }
      const weighted = { yes: { contracts: 0, cost: 0 }, no: { contracts: 0, cost: 0 } };
      const accepted = { yes: { contracts: 0, cost: 0 }, no: { contracts: 0, cost: 0 } };
      let liveQuotes = 0;
      for (const quote of this.#source.quotesIn(ticker)) {
        liveQuotes++;
        addQuoteHits(weighted, quote, this.#weight);
        addQuoteHits(accepted, quote, 0);
      }
      const tallied: Tallied = {
        weighted: riskOf(position, weighted.yes, weighted.no, liveQuotes),
        acceptedOnly: riskOf(position, accepted.yes, accepted.no, liveQuotes),
      };
      this.#markets.set(ticker, tallied);
      this.#add(tallied, 1);
    }
    this.#dirty.clear();
  }

  #add(tallied: Tallied, sign: 1 | -1): void {
    const { weighted, acceptedOnly } = tallied;
    let sums = this.#events.get(weighted.eventTicker);
    if (sums === undefined) {
      sums = {
        markets: 0,
        liveQuotes: 0,
        weighted: { contracts: 0, dollars: 0 },
        acceptedOnly: { contracts: 0, dollars: 0 },
      };
      this.#events.set(weighted.eventTicker, sums);
    }
    sums.markets += sign;
    sums.liveQuotes += sign * weighted.liveQuotes;
    sums.weighted.contracts += sign * weighted.worstContracts;
    sums.weighted.dollars += sign * weighted.worstLoss;
    sums.acceptedOnly.contracts += sign * acceptedOnly.worstContracts;
    sums.acceptedOnly.dollars += sign * acceptedOnly.worstLoss;
    if (sums.markets === 0) this.#events.delete(weighted.eventTicker);
    this.#total.weighted += sign * weighted.worstLoss;
    this.#total.acceptedOnly += sign * acceptedOnly.worstLoss;
    this.#liveQuotes += sign * weighted.liveQuotes;
  }
}

/**
 * A read-only map answered by a function, its keys listed by another: a view hands out the
 * entries a check asks for without building every market's.
 */
class ReadMap<V> implements ReadonlyMap<string, V> {
  readonly #get: (key: string) => V | undefined;
  readonly #keys: () => Iterable<string>;

  constructor(get: (key: string) => V | undefined, keys: () => Iterable<string>) {
    this.#get = get;
    this.#keys = keys;
  }

  get(key: string): V | undefined {
    return this.#get(key);
  }

  has(key: string): boolean {
    return this.#get(key) !== undefined;
  }

  get size(): number {
    let count = 0;
    for (const _ of this.#keys()) count++;
    return count;
  }

  *entries(): MapIterator<[string, V]> {
    for (const key of [...this.#keys()]) {
      const value = this.#get(key);
      if (value !== undefined) yield [key, value];
    }
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}
