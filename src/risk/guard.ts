import { DEFAULT_FEE_SCHEDULE, type FeeSchedule } from '../domain/fees.js';
import { type Centis, formatCount, formatDollarsMinimal, type Micros, ONE_DOLLAR } from '../domain/money.js';
import type { LiveQuote, QuoteIntent } from '../domain/quoting.js';
import { contractsPerSide } from '../domain/sizing.js';
import type { Rfq, Side } from '../domain/types.js';
import type { LimitName, RiskLimits } from './limits.js';
import { deriveEventTicker, type ExposureSnapshot, sideCost } from './snapshot.js';
import {
  type ExposureState,
  emptyMarketRisk,
  exposureOf,
  type MarketRisk,
  openQuoteWeight,
  type RiskView,
  withHit,
} from './worst-case.js';

/** Conditions outside the limits that stop all quoting; the caller fills them in. */
export interface TradingGates {
  readonly killSwitch?: { readonly tripped: boolean; readonly reason?: string | undefined };
  /** `false` outside every trading window (global and the strategy's). @default true */
  readonly windowOpen?: boolean;
}

export interface QuoteRequest {
  readonly rfq: Pick<Rfq, 'id' | 'marketTicker' | 'size'> & { readonly eventTicker?: string | undefined };
  /** The validated, grid-snapped intent. */
  readonly intent: Pick<QuoteIntent, 'yesBid' | 'noBid' | 'fairValue'>;
  /** The market's event; pass `book.eventFor(rfq.marketTicker, rfq.eventTicker)` so guard and book agree. */
  readonly eventTicker?: string | undefined;
  /** The market's fee schedule (maker fees add to what a side puts at risk). @default quadratic, ×1 */
  readonly fees?: FeeSchedule | undefined;
  /** Our live quote on the same RFQ that this one replaces: left out of the exposure. */
  readonly replacesQuoteId?: string | undefined;
  readonly gates?: TradingGates | undefined;
}

/** Why one side was declined. */
export interface SideBreach {
  readonly side: Side;
  readonly limit: LimitName;
  readonly reason: string;
}

export type QuoteDecision =
  | {
      readonly approved: true;
      /** The bids to send: a declined (clipped) side is 0. */
      readonly yesBid: Micros;
      readonly noBid: Micros;
      /** Contracts each side offers (`contractsPerSide` of the approved bids). */
      readonly yesContracts: Centis;
      readonly noContracts: Centis;
      readonly clippedSides: readonly Side[];
      /** Which limit declined each clipped side. */
      readonly clips: readonly SideBreach[];
    }
  | {
      readonly approved: false;
      readonly limit: LimitName;
      readonly reason: string;
      /** Every side's breach, when sides were checked. */
      readonly breaches: readonly SideBreach[];
    };

export type ConfirmDecision =
  | { readonly approved: true; readonly side: Side; readonly contracts: Centis; readonly cost: Micros }
  | { readonly approved: false; readonly limit: LimitName; readonly reason: string };

export interface ConfirmOptions {
  /** A fresher fair value than the one priced with; enables the min-edge re-check. */
  readonly fairValue?: Micros | undefined;
  /** Used when the quote is not in the snapshot. @default the quote's recorded schedule */
  readonly fees?: FeeSchedule | undefined;
  readonly eventTicker?: string | undefined;
  readonly gates?: TradingGates | undefined;
}

type Refusal = { readonly approved: false; readonly limit: LimitName; readonly reason: string };

const $ = (micros: Micros) => `$${formatDollarsMinimal(micros)}`;
const n = (centis: Centis) => formatCount(centis);

function refuse(limit: LimitName, reason: string): Refusal {
  return { approved: false, limit, reason };
}

function gateRefusal(gates: TradingGates | undefined): Refusal | undefined {
  if (gates?.killSwitch?.tripped) {
    return refuse(
      'killSwitch',
      `kill switch tripped${gates.killSwitch.reason ? `: ${gates.killSwitch.reason}` : ''}`,
    );
  }
  if (gates?.windowOpen === false) return refuse('tradingWindow', 'outside every trading window');
  return undefined;
}

function isPrice(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value < ONE_DOLLAR;
}

function intentProblem(yesBid: Micros, noBid: Micros, fairValue: Micros | undefined): string | undefined {
  if (!isPrice(yesBid) || !isPrice(noBid))
    return `bids must be integers in [0, 1): yes ${yesBid}, no ${noBid}`;
  if (yesBid === 0 && noBid === 0) return 'both sides are declined';
  if (yesBid + noBid > ONE_DOLLAR) return `bids sum to ${$(yesBid + noBid)}, above $1`;
  if (
    fairValue !== undefined &&
    !(Number.isSafeInteger(fairValue) && fairValue >= 0 && fairValue <= ONE_DOLLAR)
  ) {
    return `fair value ${fairValue} is not an integer in [0, 1]`;
  }
  return undefined;
}

function dailyLossRefusal(exposure: ExposureState, limits: RiskLimits): Refusal | undefined {
  if (exposure.pnl.total < -limits.maxDailyLoss) {
    return refuse(
      'maxDailyLoss',
      `daily P&L ${$(exposure.pnl.total)} is below the max daily loss of ${$(limits.maxDailyLoss)}`,
    );
  }
  return undefined;
}

function resolveEvent(
  exposure: ExposureState,
  marketTicker: string,
  explicit: string | undefined,
  fromRfq: string | undefined,
): string {
  return explicit ?? exposure.eventOf(marketTicker) ?? fromRfq ?? deriveEventTicker(marketTicker);
}

/** The guard reads a snapshot or the book as it stands the same way. */
function stateOf(exposure: ExposureSnapshot | ExposureState): ExposureState {
  return 'riskView' in exposure ? exposure : exposureOf(exposure);
}

/** A worst-case measure may grow up to its limit; one already above it may only shrink or stay. */
function breaches(after: number, before: number, limit: number): boolean {
  return after > limit && after > before;
}

interface SideContext {
  readonly limits: RiskLimits;
  readonly view: RiskView;
  readonly market: MarketRisk;
  readonly fairValue: Micros | undefined;
}

/** Checks one side as if hit, on top of `ctx.view`. */
/** Where a side's hit would breach (worded only for a breach: most checks pass). */
function hitWhere(market: MarketRisk, side: Side): string {
  return `${market.marketTicker} if the ${side} side is hit`;
}

function checkSide(
  ctx: SideContext,
  side: Side,
  bid: Micros,
  contracts: Centis,
  cost: Micros,
): Omit<SideBreach, 'side'> | undefined {
  const { limits, view, market } = ctx;
  // A side that buys nothing (a target cost below one hundredth of a contract) would count as no
  // risk here while the exchange sizes it by its own rounding: never quote it.
  if (contracts <= 0) {
    return { limit: 'invalidQuote', reason: `${side} bid ${$(bid)} buys no contracts for this RFQ's size` };
  }
  if (ctx.fairValue !== undefined) {
    const edge = side === 'yes' ? ctx.fairValue - bid : ONE_DOLLAR - ctx.fairValue - bid;
    if (edge < limits.minEdge) {
      return {
        limit: 'minEdge',
        reason: `${side} bid ${$(bid)} has edge ${$(edge)} against fair value ${$(ctx.fairValue)}, below ${$(limits.minEdge)}`,
      };
    }
  }
  if (contracts > limits.maxContractsPerQuote) {
    return {
      limit: 'maxContractsPerQuote',
      reason: `${side} side offers ${n(contracts)} contracts, above ${n(limits.maxContractsPerQuote)}`,
    };
  }
  if (cost > limits.maxDollarsPerQuote) {
    return {
      limit: 'maxDollarsPerQuote',
      reason: `${side} side risks ${$(cost)}, above ${$(limits.maxDollarsPerQuote)}`,
    };
  }
  const after = withHit(market, side, contracts, cost);
  if (breaches(after.worstContracts, market.worstContracts, limits.maxPositionPerMarket.contracts)) {
    return {
      limit: 'maxPositionPerMarket.contracts',
      reason: `worst-case position ${n(after.worstContracts)} on ${hitWhere(market, side)}, above ${n(limits.maxPositionPerMarket.contracts)}`,
    };
  }
  if (breaches(after.worstLoss, market.worstLoss, limits.maxPositionPerMarket.dollars)) {
    return {
      limit: 'maxPositionPerMarket.dollars',
      reason: `worst-case loss ${$(after.worstLoss)} on ${hitWhere(market, side)}, above ${$(limits.maxPositionPerMarket.dollars)}`,
    };
  }
  const event = view.events.get(market.eventTicker) ?? { contracts: 0, dollars: 0 };
  const eventContracts = event.contracts - market.worstContracts + after.worstContracts;
  if (breaches(eventContracts, event.contracts, limits.maxPositionPerEvent.contracts)) {
    return {
      limit: 'maxPositionPerEvent.contracts',
      reason: `worst-case position ${n(eventContracts)} on event ${market.eventTicker} if the ${side} side is hit, above ${n(limits.maxPositionPerEvent.contracts)}`,
    };
  }
  const eventDollars = event.dollars - market.worstLoss + after.worstLoss;
  if (breaches(eventDollars, event.dollars, limits.maxPositionPerEvent.dollars)) {
    return {
      limit: 'maxPositionPerEvent.dollars',
      reason: `worst-case loss ${$(eventDollars)} on event ${market.eventTicker} if the ${side} side is hit, above ${$(limits.maxPositionPerEvent.dollars)}`,
    };
  }
  const total = view.totalExposure - market.worstLoss + after.worstLoss;
  if (breaches(total, view.totalExposure, limits.maxTotalExposure)) {
    return {
      limit: 'maxTotalExposure',
      reason: `worst-case total exposure ${$(total)} if the ${side} side is hit, above ${$(limits.maxTotalExposure)}`,
    };
  }
  return undefined;
}

function countRefusal(view: RiskView, market: MarketRisk, limits: RiskLimits): Refusal | undefined {
  if (view.liveQuotes >= limits.maxOpenQuotes) {
    return refuse(
      'maxOpenQuotes',
      `${view.liveQuotes} live quotes, the most allowed is ${limits.maxOpenQuotes}`,
    );
  }
  if (market.liveQuotes >= limits.maxOpenQuotesPerMarket) {
    return refuse(
      'maxOpenQuotesPerMarket',
      `${market.liveQuotes} live quotes on ${market.marketTicker}, the most allowed is ${limits.maxOpenQuotesPerMarket}`,
    );
  }
  const eventQuotes = view.events.get(market.eventTicker)?.liveQuotes ?? 0;
  if (eventQuotes >= limits.maxOpenQuotesPerEvent) {
    return refuse(
      'maxOpenQuotesPerEvent',
      `${eventQuotes} live quotes on event ${market.eventTicker}, the most allowed is ${limits.maxOpenQuotesPerEvent}`,
    );
  }
  return undefined;
}

/**
 * Decides whether a new quote may go out. Pure: the same request, exposure and limits give the
 * same answer. Each side is checked as if hit on top of the current exposure (every live quote
 * counted as hit under the worst-case rule). Under `onBreach: 'clip'` a breaching side is
 * declined (bid 0) and the other kept; the quote is refused when no side survives.
 */
export function evaluateQuote(
  request: QuoteRequest,
  snapshot: ExposureSnapshot | ExposureState,
  limits: RiskLimits,
): QuoteDecision {
  const exposure = stateOf(snapshot);
  const none: readonly SideBreach[] = [];
  const gate = gateRefusal(request.gates);
  if (gate) return { ...gate, breaches: none };
  const { yesBid, noBid, fairValue } = request.intent;
  const problem = intentProblem(yesBid, noBid, fairValue);
  if (problem) return { ...refuse('invalidQuote', problem), breaches: none };
  const loss = dailyLossRefusal(exposure, limits);
  if (loss) return { ...loss, breaches: none };

  const { marketTicker } = request.rfq;
  const eventTicker = resolveEvent(exposure, marketTicker, request.eventTicker, request.rfq.eventTicker);
  const view = exposure.riskView({
    openQuoteWeightPpm: openQuoteWeight(limits),
    exclude: request.replacesQuoteId,
  });
  const market = view.markets.get(marketTicker) ?? emptyMarketRisk(marketTicker, eventTicker);
  const counts = countRefusal(view, market, limits);
  if (counts) return { ...counts, breaches: none };

  const fees = request.fees ?? DEFAULT_FEE_SCHEDULE;
  const offered = contractsPerSide(request.rfq.size, { yesBid, noBid }, fees);
  const ctx: SideContext = { limits, view, market, fairValue };
  const found: SideBreach[] = [];
  for (const [side, bid] of [
    ['yes', yesBid],
    ['no', noBid],
  ] as const) {
    if (bid === 0) continue;
    const contracts = offered[side];
    const breach = checkSide(ctx, side, bid, contracts, sideCost(bid, contracts, fees));
    if (breach) found.push({ side, ...breach });
  }
  const first = found[0];
  if (!first) {
    return {
      approved: true,
      yesBid,
      noBid,
      yesContracts: offered.yes,
      noContracts: offered.no,
      clippedSides: [],
      clips: [],
    };
  }
  const quotedSides = (yesBid > 0 ? 1 : 0) + (noBid > 0 ? 1 : 0);
  if (limits.onBreach === 'refuse' || found.length >= quotedSides) {
    const reason = found.map((b) => b.reason).join('; ');
    return { approved: false, limit: first.limit, reason, breaches: found };
  }
  const clippedYes = found.some((b) => b.side === 'yes') ? 0 : yesBid;
  const clippedNo = found.some((b) => b.side === 'no') ? 0 : noBid;
  const kept = contractsPerSide(request.rfq.size, { yesBid: clippedYes, noBid: clippedNo }, fees);
  return {
    approved: true,
    yesBid: clippedYes,
    noBid: clippedNo,
    yesContracts: kept.yes,
    noContracts: kept.no,
    clippedSides: found.map((b) => b.side),
    clips: found,
  };
}

/**
 * Last look: may we confirm the accepted side of `quote`? Counts filled positions and every
 * other accepted or confirmed quote as filled in its direction, plus this side; open quotes are
 * not counted here (they were counted when each quote was admitted, and confirming does not
 * change them). Call with the snapshot taken after `book.quoteAccepted`.
 */
export function evaluateConfirm(
  quote: LiveQuote,
  snapshot: ExposureSnapshot | ExposureState,
  limits: RiskLimits,
  options: ConfirmOptions = {},
): ConfirmDecision {
  const exposure = stateOf(snapshot);
  const gate = gateRefusal(options.gates);
  if (gate) return gate;
  const side = quote.acceptedSide;
  if (side !== 'yes' && side !== 'no') return refuse('invalidQuote', 'the quote has no accepted side');
  const bid = side === 'yes' ? quote.yesBid : quote.noBid;
  if (!(bid > 0)) return refuse('declinedSide', `the ${side} side was declined (bid 0) and must not trade`);
  const contracts = quote.acceptedContracts ?? (side === 'yes' ? quote.yesContracts : quote.noContracts);
  if (!(Number.isSafeInteger(contracts) && contracts > 0)) {
    return refuse('invalidQuote', `accepted size ${contracts} is not a positive integer`);
  }
  const loss = dailyLossRefusal(exposure, limits);
  if (loss) return loss;

  const recorded = exposure.quote(quote.quoteId);
  const fees = recorded?.fees ?? options.fees ?? DEFAULT_FEE_SCHEDULE;
  const { marketTicker } = quote.rfq;
  const eventTicker =
    recorded?.eventTicker ?? resolveEvent(exposure, marketTicker, options.eventTicker, quote.rfq.eventTicker);
  const view = exposure.riskView({ openQuoteWeightPpm: 0, exclude: quote.quoteId });
  const market = view.markets.get(marketTicker) ?? emptyMarketRisk(marketTicker, eventTicker);
  const fairValue = options.fairValue ?? quote.fairValue;
  if (
    fairValue !== undefined &&
    !(Number.isSafeInteger(fairValue) && fairValue >= 0 && fairValue <= ONE_DOLLAR)
  ) {
    return refuse('invalidQuote', `fair value ${fairValue} is not an integer in [0, 1]`);
  }
  const cost = sideCost(bid, contracts, fees);
  const breach = checkSide({ limits, view, market, fairValue }, side, bid, contracts, cost);
  if (breach) return refuse(breach.limit, breach.reason);
  return { approved: true, side, contracts, cost };
}
