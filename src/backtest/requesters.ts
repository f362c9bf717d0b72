/**
 * The requesters' side of a replay: what the recording has shown about each RFQ, the taker
 * model's context (the recording's mids up to the model's lookahead, never further), and the
 * accepts the model makes on our open quotes.
 */
import type { Clock } from '../domain/clock.js';
import type { Centis } from '../domain/money.js';
import type { Quote, Side } from '../domain/types.js';
import type { QuoteAccepted } from '../journal/events.js';
import type { BacktestExchange } from './exchange.js';
import type { RecordedMarket } from './market-replay.js';
import { RecordedFacts } from './recorded-facts.js';
import { seededRandom, type TakerContext, type TakerModel, type TakerQuote } from './taker-models.js';
import type { EventWindow } from './window.js';

export interface RequestersOptions {
  readonly taker: TakerModel;
  readonly clock: Clock;
  readonly exchange: BacktestExchange;
  readonly market: RecordedMarket;
  readonly window: EventWindow;
  /** How far past the clock the recording may be read. */
  readonly lookaheadMs: number;
  readonly seed: number;
}

export function takerQuote(quote: Quote): TakerQuote {
  return {
    rfqId: quote.rfqId,
    quoteId: quote.id,
    marketTicker: quote.marketTicker,
    yesBid: quote.yesBid,
    noBid: quote.noBid,
    yesContracts: quote.yesContracts ?? 0,
    noContracts: quote.noContracts ?? 0,
    openedAt: quote.createdAt,
  };
}

export class Requesters {
  readonly facts = new RecordedFacts();
  /** Accepts the model made on our quotes. */
  accepts = 0;
  readonly #options: RequestersOptions;
  readonly #ctx: TakerContext;

  constructor(options: RequestersOptions) {
    this.#options = options;
    const { clock, market, window, lookaheadMs } = options;
    this.#ctx = {
      now: () => clock.now(),
      recorded: (rfqId) => this.facts.get(rfqId),
      midAt: (ticker, at) =>
        at <= clock.now()
          ? market.mid(ticker)
          : (window.lastMidBy(ticker, Math.min(at, clock.now() + lookaheadMs))?.mid ?? market.mid(ticker)),
      midAfter: (ticker, at) => window.midAfter(ticker, at, clock.now() + lookaheadMs),
      random: seededRandom(options.seed),
    };
  }

  /** The recording shows a requester accepting on an RFQ: the model decides about ours. True when it took ours. */
  recordedAccept(accept: QuoteAccepted): boolean {
    const { taker, exchange } = this.#options;
    if (taker.recordedAccept === undefined) return false;
    const ours = exchange.openQuoteOn(accept.rfqId);
    const decision = taker.recordedAccept(accept, ours && takerQuote(ours), this.#ctx);
    return (
      decision !== undefined && ours !== undefined && this.#accept(ours, decision.side, decision.contracts)
    );
  }

  /** Our quote went live: the model may ask to decide about it later. */
  opened(quote: Quote): void {
    const { taker, clock, exchange } = this.#options;
    const when = taker.quoteOpened?.(takerQuote(quote), this.#ctx);
    if (when === undefined || taker.decide === undefined) return;
    clock.schedule(Math.max(0, when - clock.now()), () => {
      const current = exchange.quote(quote.id);
      if (current?.status !== 'open') return;
      const decision = taker.decide?.(takerQuote(current), this.#ctx);
      if (decision) this.#accept(current, decision.side, decision.contracts);
    });
  }

  #accept(quote: Quote, side: Side, contracts: Centis): boolean {
    const accepted = this.#options.exchange.accept(quote.id, side, contracts);
    if (accepted) this.accepts++;
    return accepted;
  }
}
