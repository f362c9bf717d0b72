/**
 * Taker models: which of our quotes a requester would have accepted. A backtest cannot know how
 * requesters would have reacted to prices they never saw; these models approximate it from what
 * the recording does show (docs/backtest.md, "What a backtest cannot know").
 *
 * - `recorded` (default): where the recording shows a requester accepting on an RFQ, ours is
 *   taken at that moment if its price on the accepted side is at least as good as the accepted
 *   one (ties go to us), for the contracts that were taken. Where the recording shows our price
 *   or a better one declined, ours is declined too. Only where the recording cannot tell (no
 *   quote recorded on the RFQ, or ours better than every recorded one) the `mid` model decides.
 * - `mid`: a requester sells us the side worth less than our bid at the market's mid a horizon
 *   later (adverse selection), within a tolerance `edge` for requesters who trade anyway.
 * - a module path: your own model (`export default` a `TakerModel` or a factory of one).
 */
import type { Centis, Micros } from '../domain/money.js';
import { ONE_DOLLAR } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';
import type { QuoteAccepted } from '../journal/events.js';

/** One of our quotes as the taker model sees it. */
export interface TakerQuote {
  readonly rfqId: string;
  readonly quoteId: string;
  readonly marketTicker: string;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  readonly yesContracts: Centis;
  readonly noContracts: Centis;
  readonly openedAt: EpochMs;
}

/** A requester takes one side of our quote now. */
export interface TakerAccept {
  readonly side: Side;
  /** At most what the side offers (more is clipped). */
  readonly contracts: Centis;
}

/** What the recording has shown about an RFQ up to now. */
export interface RecordedRfqFacts {
  /** Quotes recorded on it (ours in a bot recording, every maker's in an exchange recording). */
  readonly quotes: number;
  /** The best bids recorded per side (0 when none). */
  readonly bestYesBid: Micros;
  readonly bestNoBid: Micros;
  readonly accepts: readonly QuoteAccepted[];
}

export interface TakerContext {
  now(): EpochMs;
  /** What the recording showed about the RFQ so far (undefined: the RFQ is not in it). */
  recorded(rfqId: string): RecordedRfqFacts | undefined;
  /** The last mid recorded at or before `at` (at most the model's lookahead ahead of now). */
  midAt(marketTicker: string, at: EpochMs): Micros | undefined;
  /** The first mid recorded at or after `at`, within the model's lookahead. */
  midAfter(marketTicker: string, at: EpochMs): { readonly at: EpochMs; readonly mid: Micros } | undefined;
  /** A seeded uniform [0, 1): the same run gives the same draws. */
  random(): number;
}

export interface TakerModel {
  readonly name: string;
  /** How far past the replay clock the model reads the recording (mids). @default 0 */
  readonly lookaheadMs?: number;
  /** Our quote went live: return when to ask `decide`, or nothing. */
  quoteOpened?(quote: TakerQuote, ctx: TakerContext): EpochMs | undefined;
  /** Asked at the time `quoteOpened` chose, while the quote is still open. */
  decide?(quote: TakerQuote, ctx: TakerContext): TakerAccept | undefined;
  /** The recording shows a requester accepting on this RFQ; `ours` is our open quote on it, if any. */
  recordedAccept?(
    accept: QuoteAccepted,
    ours: TakerQuote | undefined,
    ctx: TakerContext,
  ): TakerAccept | undefined;
}

export interface MidTakerOptions {
  /** How long after our quote goes live the requester decides. @default 1000 */
  readonly acceptDelayMs?: number;
  /** How far after that the mid the requester foresees is read. @default 10000 */
  readonly horizonMs?: number;
  /** What a requester gives up to trade anyway, per contract. @default 20000 ($0.02) */
  readonly edge?: Micros;
}

const bidOf = (quote: TakerQuote, side: Side) => (side === 'yes' ? quote.yesBid : quote.noBid);
const offeredOf = (quote: TakerQuote, side: Side) =>
  side === 'yes' ? quote.yesContracts : quote.noContracts;

/** The mid model's choice among `sides`: the side most overpaid for at the later mid, if any. */
function midChoice(
  quote: TakerQuote,
  sides: readonly Side[],
  ctx: TakerContext,
  options: Required<MidTakerOptions>,
): TakerAccept | undefined {
  const at = ctx.now() + options.horizonMs;
  const later = ctx.midAfter(quote.marketTicker, at)?.mid ?? ctx.midAt(quote.marketTicker, at);
  if (later === undefined) return undefined;
  let best: { side: Side; gain: Micros } | undefined;
  for (const side of sides) {
    const bid = bidOf(quote, side);
    if (bid <= 0 || offeredOf(quote, side) <= 0) continue;
    const worth = side === 'yes' ? later : ONE_DOLLAR - later;
    const gain = bid - worth;
    if (gain + options.edge >= 0 && (best === undefined || gain > best.gain)) best = { side, gain };
  }
  return best && { side: best.side, contracts: offeredOf(quote, best.side) };
}

function midDefaults(options: MidTakerOptions): Required<MidTakerOptions> {
  return {
    acceptDelayMs: options.acceptDelayMs ?? 1_000,
    horizonMs: options.horizonMs ?? 10_000,
    edge: options.edge ?? 20_000,
  };
}

export function midTaker(options: MidTakerOptions = {}): TakerModel {
  const o = midDefaults(options);
  return {
    name: 'mid',
    lookaheadMs: o.acceptDelayMs + o.horizonMs,
    quoteOpened: (quote) => quote.openedAt + o.acceptDelayMs,
    decide: (quote, ctx) => midChoice(quote, ['yes', 'no'], ctx, o),
  };
}

export interface RecordedTakerOptions extends MidTakerOptions {
  /** Where the recording cannot tell, ask the mid model (false: no accept). @default true */
  readonly fallback?: boolean;
}

export function recordedTaker(options: RecordedTakerOptions = {}): TakerModel {
  const o = midDefaults(options);
  const fallback = options.fallback ?? true;
  return {
    name: fallback ? 'recorded' : 'recorded-only',
    lookaheadMs: fallback ? o.acceptDelayMs + o.horizonMs : 0,
    recordedAccept(accept, ours) {
      if (ours === undefined || bidOf(ours, accept.side) < accept.price) return undefined;
      return { side: accept.side, contracts: Math.min(accept.contracts, offeredOf(ours, accept.side)) };
    },
    quoteOpened: (quote) => (fallback ? quote.openedAt + o.acceptDelayMs : undefined),
    decide(quote, ctx) {
      const facts = ctx.recorded(quote.rfqId);
      // The recording decides this RFQ: its accepts are replayed as they come.
      if (facts && facts.accepts.length > 0) return undefined;
      const unknown: Side[] = [];
      if (!facts || facts.quotes === 0) unknown.push('yes', 'no');
      else {
        // A side at or below a recorded bid that nobody took: declined at least as good a price.
        if (quote.yesBid > facts.bestYesBid) unknown.push('yes');
        if (quote.noBid > facts.bestNoBid) unknown.push('no');
      }
      return unknown.length === 0 ? undefined : midChoice(quote, unknown, ctx, o);
    },
  };
}

/** Seeded uniform draws (mulberry32): deterministic per run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
