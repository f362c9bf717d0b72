import { CENTIS_PER_CONTRACT, type Centis, type Micros, mulDiv, ONE_DOLLAR } from '../domain/money.js';
import type { Side } from '../domain/types.js';
import type { RiskLimits } from './limits.js';
import type { DailyPnl, ExposureSnapshot, PositionExposure, QuoteExposure } from './snapshot.js';

/** The payout of one centi-contract, in micros. */
export const MICROS_PER_CENTI: Micros = ONE_DOLLAR / CENTIS_PER_CONTRACT;
export const FULL_WEIGHT_PPM = 1_000_000;

/** What the counted quote sides of one direction add up to. */
export interface HitTotals {
  readonly contracts: Centis;
  readonly cost: Micros;
}

/**
 * One market under the exposure model. Each quote can be hit on one side only and the market
 * resolves one way, so the worst case is "every counted YES side hit and NO wins" or "every
 * counted NO side hit and YES wins"; sides of the other direction never offset it.
 */
export interface MarketRisk {
  readonly marketTicker: string;
  readonly eventTicker: string;
  /** Filled net position (+YES / −NO). */
  readonly position: Centis;
  /** What the filled position loses if YES wins (negative: a gain), episode realised included. */
  readonly baseLossIfYes: Micros;
  /** What the filled position loses if NO wins. */
  readonly baseLossIfNo: Micros;
  readonly yesHits: HitTotals;
  readonly noHits: HitTotals;
  /** Live quotes on this market (open, accepted, confirmed), whatever the model. */
  readonly liveQuotes: number;
  /** Position if every counted YES side is hit. */
  readonly longContracts: Centis;
  /** Position if every counted NO side is hit. */
  readonly shortContracts: Centis;
  /** max(|long|, |short|): checked against `maxPositionPerMarket.contracts`. */
  readonly worstContracts: Centis;
  /** Most the market can lose: checked against `maxPositionPerMarket.dollars`. */
  readonly worstLoss: Micros;
}

export interface EventRisk {
  readonly eventTicker: string;
  /** Sum of the markets' worst-case contracts (gross: markets of an event never offset). */
  readonly contracts: Centis;
  /** Sum of the markets' worst-case losses. */
  readonly dollars: Micros;
  readonly liveQuotes: number;
}

export interface RiskView {
  readonly markets: ReadonlyMap<string, MarketRisk>;
  readonly events: ReadonlyMap<string, EventRisk>;
  /** Sum of every market's worst-case loss: checked against `maxTotalExposure`. */
  readonly totalExposure: Micros;
  readonly liveQuotes: number;
}

export interface RiskViewOptions {
  /**
   * How much of an open quote's sides counts, in ppm: 1_000_000 under the worst-case rule,
   * the expected hit rate otherwise. Accepted and confirmed quotes always count in full.
   */
  readonly openQuoteWeightPpm: number;
  /** A quote id to leave out (the quote a new one replaces, or the one being confirmed). */
  readonly exclude?: string | undefined;
}

/** The open-quote weight a set of limits asks for. */
export function openQuoteWeight(limits: RiskLimits): number {
  return limits.exposureModel === 'worst-case' ? FULL_WEIGHT_PPM : (limits.expectedHitRatePpm ?? 0);
}

const NO_HITS: HitTotals = Object.freeze({ contracts: 0, cost: 0 });

/** What the filled position loses if YES wins and if NO wins (episode realised included). */
export function baseLosses(
  position: Pick<PositionExposure, 'contracts' | 'cost' | 'episodeRealized'> | undefined,
): { ifYes: Micros; ifNo: Micros } {
  if (!position) return { ifYes: 0, ifNo: 0 };
  const held = position.cost - position.episodeRealized;
  const yesPayout = Math.max(position.contracts, 0) * MICROS_PER_CENTI;
  const noPayout = Math.max(-position.contracts, 0) * MICROS_PER_CENTI;
  return { ifYes: held - yesPayout, ifNo: held - noPayout };
}

/** Builds a market's risk from its parts; the derived fields are computed here only. */
export function marketRisk(
  parts: Pick<
    MarketRisk,
    'marketTicker' | 'eventTicker' | 'position' | 'baseLossIfYes' | 'baseLossIfNo' | 'yesHits' | 'noHits'
  > & { readonly liveQuotes: number },
): MarketRisk {
  const longContracts = parts.position + parts.yesHits.contracts;
  const shortContracts = parts.position - parts.noHits.contracts;
  // Spelled out rather than spread: the guard builds one per market per check.
  return {
    marketTicker: parts.marketTicker,
    eventTicker: parts.eventTicker,
    position: parts.position,
    baseLossIfYes: parts.baseLossIfYes,
    baseLossIfNo: parts.baseLossIfNo,
    yesHits: parts.yesHits,
    noHits: parts.noHits,
    liveQuotes: parts.liveQuotes,
    longContracts,
    shortContracts,
    worstContracts: Math.max(Math.abs(longContracts), Math.abs(shortContracts)),
    worstLoss: Math.max(0, parts.baseLossIfNo + parts.yesHits.cost, parts.baseLossIfYes + parts.noHits.cost),
  };
}

/** A market with nothing in it yet. */
export function emptyMarketRisk(marketTicker: string, eventTicker: string): MarketRisk {
  return marketRisk({
    marketTicker,
    eventTicker,
    position: 0,
    baseLossIfYes: 0,
    baseLossIfNo: 0,
    yesHits: NO_HITS,
    noHits: NO_HITS,
    liveQuotes: 0,
  });
}

function addHits(totals: HitTotals, contracts: Centis, cost: Micros): HitTotals {
  return { contracts: totals.contracts + contracts, cost: totals.cost + cost };
}

/** The market with one more quote side counted as hit (and optionally one more live quote). */
export function withHit(
  market: MarketRisk,
  side: Side,
  contracts: Centis,
  cost: Micros,
  extraQuotes = 0,
): MarketRisk {
  return marketRisk({
    ...market,
    yesHits: side === 'yes' ? addHits(market.yesHits, contracts, cost) : market.yesHits,
    noHits: side === 'no' ? addHits(market.noHits, contracts, cost) : market.noHits,
    liveQuotes: market.liveQuotes + extraQuotes,
  });
}

interface MutableMarket {
  marketTicker: string;
  eventTicker: string;
  position: PositionExposure | undefined;
  yes: { contracts: number; cost: number };
  no: { contracts: number; cost: number };
  liveQuotes: number;
}

/** An open quote's side counted at `weightPpm` (rounded up): all of it at full weight, none at 0. */
export function weigh(value: number, weightPpm: number): number {
  if (weightPpm >= FULL_WEIGHT_PPM) return value;
  if (weightPpm <= 0 || value === 0) return 0;
  return mulDiv(value, weightPpm, FULL_WEIGHT_PPM, 'ceil');
}

/** A market's hit totals per side, summed in place. */
export interface HitSums {
  readonly yes: { contracts: number; cost: number };
  readonly no: { contracts: number; cost: number };
}

/** Adds what one live quote contributes to its market's hit totals under the weight. */
export function addQuoteHits(totals: HitSums, quote: QuoteExposure, weightPpm: number): void {
  if (quote.accepted) {
    // An accepted quote can still lapse: it adds risk in its direction and offsets nothing.
    const target = quote.accepted.side === 'yes' ? totals.yes : totals.no;
    target.contracts += quote.accepted.contracts;
    target.cost += quote.accepted.cost;
    return;
  }
  totals.yes.contracts += weigh(quote.yes.contracts, weightPpm);
  totals.yes.cost += weigh(quote.yes.cost, weightPpm);
  totals.no.contracts += weigh(quote.no.contracts, weightPpm);
  totals.no.cost += weigh(quote.no.cost, weightPpm);
}

function countQuote(market: MutableMarket, quote: QuoteExposure, weightPpm: number): void {
  market.liveQuotes += 1;
  addQuoteHits(market, quote, weightPpm);
}

/** Every market's, event's and the total worst case under the given weighting. */
export function riskView(snapshot: ExposureSnapshot, options: RiskViewOptions): RiskView {
  const markets = new Map<string, MutableMarket>();
  const entry = (marketTicker: string, eventTicker: string): MutableMarket => {
    let market = markets.get(marketTicker);
    if (!market) {
      market = {
        marketTicker,
        eventTicker,
        position: undefined,
        yes: { contracts: 0, cost: 0 },
        no: { contracts: 0, cost: 0 },
        liveQuotes: 0,
      };
      markets.set(marketTicker, market);
    }
    return market;
  };
  for (const position of snapshot.positions.values()) {
    entry(position.marketTicker, position.eventTicker).position = position;
  }
  for (const quote of snapshot.quotes.values()) {
    if (quote.quoteId === options.exclude) continue;
    countQuote(entry(quote.marketTicker, quote.eventTicker), quote, options.openQuoteWeightPpm);
  }

  const risks = new Map<string, MarketRisk>();
  const events = new Map<
    string,
    { eventTicker: string; contracts: number; dollars: number; liveQuotes: number }
  >();
  let totalExposure = 0;
  let liveQuotes = 0;
  for (const market of markets.values()) {
    const base = baseLosses(market.position);
    const risk = marketRisk({
      marketTicker: market.marketTicker,
      eventTicker: market.eventTicker,
      position: market.position?.contracts ?? 0,
      baseLossIfYes: base.ifYes,
      baseLossIfNo: base.ifNo,
      yesHits: market.yes,
      noHits: market.no,
      liveQuotes: market.liveQuotes,
    });
    risks.set(market.marketTicker, risk);
    let event = events.get(market.eventTicker);
    if (!event) {
      event = { eventTicker: market.eventTicker, contracts: 0, dollars: 0, liveQuotes: 0 };
      events.set(market.eventTicker, event);
    }
    event.contracts += risk.worstContracts;
    event.dollars += risk.worstLoss;
    event.liveQuotes += risk.liveQuotes;
    totalExposure += risk.worstLoss;
    liveQuotes += risk.liveQuotes;
  }
  return { markets: risks, events, totalExposure, liveQuotes };
}

/**
 * What the guard reads of our exposure: a snapshot (`exposureOf`), or the book as it stands
 * (`ExposureBook.current()`, read at once and not kept: its risk comes from running totals).
 */
export interface ExposureState {
  readonly pnl: DailyPnl;
  /** The event of a market the book tracks. */
  eventOf(marketTicker: string): string | undefined;
  /** A live quote by id. */
  quote(quoteId: string): QuoteExposure | undefined;
  riskView(options: RiskViewOptions): RiskView;
}

/** A snapshot as the guard reads it. */
export function exposureOf(snapshot: ExposureSnapshot): ExposureState {
  return {
    pnl: snapshot.pnl,
    eventOf: (marketTicker) => snapshot.marketEvents.get(marketTicker),
    quote: (quoteId) => snapshot.quotes.get(quoteId),
    riskView: (options) => riskView(snapshot, options),
  };
}

/** A view whose maps may be read later: copied into plain maps. */
export function keptView(view: RiskView): RiskView {
  return {
    markets: new Map(view.markets),
    events: new Map(view.events),
    totalExposure: view.totalExposure,
    liveQuotes: view.liveQuotes,
  };
}
