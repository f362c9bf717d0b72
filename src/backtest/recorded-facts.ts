/**
 * What the recording has shown about each open RFQ so far: the quotes requesters saw on it (their
 * best bids) and the accepts they made. The taker models read it; it is forgotten when the RFQ
 * closes, so memory follows the open RFQs, not the file.
 */
import type { Micros } from '../domain/money.js';
import type { Rfq } from '../domain/types.js';
import type { AcceptDecision, QuoteAccepted, QuoteTransition, RfqSeen } from '../journal/events.js';
import type { RecordedRfqFacts } from './taker-models.js';

interface Facts {
  quotes: number;
  bestYesBid: Micros;
  bestNoBid: Micros;
  readonly accepts: QuoteAccepted[];
  /** Prices of the recorded quotes, for accepts recorded without them (older journals). */
  readonly prices: Map<string, QuoteTransition>;
}

/** RFQs never closed in the recording are forgotten past this many (oldest first). */
const MAX_OPEN = 200_000;

export class RecordedFacts {
  readonly #facts = new Map<string, Facts>();

  #of(rfqId: string): Facts {
    let facts = this.#facts.get(rfqId);
    if (!facts) {
      facts = { quotes: 0, bestYesBid: 0, bestNoBid: 0, accepts: [], prices: new Map() };
      this.#facts.set(rfqId, facts);
      if (this.#facts.size > MAX_OPEN) this.#facts.delete(this.#facts.keys().next().value as string);
    }
    return facts;
  }

  seen(rfqId: string): void {
    this.#of(rfqId);
  }

  get(rfqId: string): RecordedRfqFacts | undefined {
    return this.#facts.get(rfqId);
  }

  quoted(quote: QuoteTransition): void {
    const facts = this.#of(quote.rfqId);
    facts.quotes++;
    if (quote.yesBid > facts.bestYesBid) facts.bestYesBid = quote.yesBid;
    if (quote.noBid > facts.bestNoBid) facts.bestNoBid = quote.noBid;
    if (quote.quoteId !== undefined) facts.prices.set(quote.quoteId, quote);
  }

  accepted(accept: QuoteAccepted): void {
    this.#of(accept.rfqId).accepts.push(accept);
  }

  /** The accept an older journal's last-look record implies, unless one was recorded already. */
  fromLegacyAccept(event: AcceptDecision): QuoteAccepted | undefined {
    const facts = this.#facts.get(event.rfqId);
    if (!facts || facts.accepts.some((a) => a.quoteId === event.quoteId)) return undefined;
    const quote = facts.prices.get(event.quoteId);
    if (!quote) return undefined;
    const accept: QuoteAccepted = {
      kind: 'quote_accepted',
      at: event.at,
      rfqId: event.rfqId,
      quoteId: event.quoteId,
      marketTicker: event.marketTicker,
      side: event.side,
      price: event.side === 'yes' ? quote.yesBid : quote.noBid,
      contracts: event.contracts,
    };
    facts.accepts.push(accept);
    return accept;
  }

  gone(rfqId: string): void {
    this.#facts.delete(rfqId);
  }
}

/** The RFQ a recorded `rfq_seen` describes, open. */
export function rfqOf(event: RfqSeen): Rfq {
  return {
    id: event.rfqId,
    creatorId: '',
    marketTicker: event.marketTicker,
    ...(event.eventTicker !== undefined ? { eventTicker: event.eventTicker } : {}),
    size:
      event.contracts !== undefined
        ? { kind: 'contracts', contracts: event.contracts }
        : {
            kind: 'targetCost',
            targetCost: event.targetCost ?? 0,
            excludesFees: event.targetCostExcludesFees === true,
          },
    status: 'open',
    createdAt: event.createdAt ?? event.at,
  };
}
