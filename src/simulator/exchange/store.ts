import type { EpochMs } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import { IndexMap, type Page, pageFrom } from './index-store.js';
import type { SimQuote, SimRfq } from './types.js';

export interface RfqQuery {
  readonly creatorId?: string;
  readonly marketTicker?: string;
  readonly eventTicker?: string;
  readonly status?: string;
  readonly subaccount?: number;
  readonly cursor?: string | null;
  readonly limit: number;
}

export interface QuoteQuery {
  /** Quotes created by this user. */
  readonly creatorId?: string;
  /** Quotes on RFQs created by this user. */
  readonly rfqCreatorId?: string;
  readonly rfqId?: string;
  readonly status?: string;
  /** Bounds on `updated_ts`, epoch ms inclusive. */
  readonly minUpdated?: EpochMs;
  readonly maxUpdated?: EpochMs;
  readonly cursor?: string | null;
  readonly limit: number;
}

/**
 * RFQs and quotes with the indexes list endpoints need, so that a page costs O(page) even
 * with 10,000 open RFQs: by status, by creator (and creator+status), by market, by event,
 * by RFQ. Keys: "all", "s:<status>", "c:<user>", "c:<user>:<status>", "m:<ticker>", "e:<event>",
 * "r:<rfq creator>", "r:<rfq creator>:<status>", "q:<rfq id>".
 */
export class ExchangeStore {
  private readonly rfqsBySeq = new Map<number, SimRfq>();
  private readonly rfqsById = new Map<string, SimRfq>();
  private readonly quotesBySeq = new Map<number, SimQuote>();
  private readonly quotesById = new Map<string, SimQuote>();
  private readonly rfqIndex = new IndexMap();
  private readonly quoteIndex = new IndexMap();
  /** "<user id>|<ticker>" → that user's open RFQ on that market (at most one). */
  private readonly openRfqByUserMarket = new Map<string, SimRfq>();
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  rfq(id: string): SimRfq | undefined {
    return this.rfqsById.get(id);
  }

  quote(id: string): SimQuote | undefined {
    return this.quotesById.get(id);
  }

  openRfqOn(user: SimUser, ticker: string): SimRfq | undefined {
    return this.openRfqByUserMarket.get(`${user.id}|${ticker}`);
  }

  openRfqCount(user?: SimUser): number {
    return this.rfqIndex.size(user ? `c:${user.id}:open` : 's:open');
  }

  quoteCount(status: string, user?: SimUser): number {
    return this.quoteIndex.size(user ? `c:${user.id}:${status}` : `s:${status}`);
  }

  addRfq(rfq: SimRfq): void {
    this.rfqsBySeq.set(rfq.seq, rfq);
    this.rfqsById.set(rfq.id, rfq);
    for (const key of this.rfqKeys(rfq)) this.rfqIndex.add(key, rfq.seq);
    if (rfq.status === 'open') this.openRfqByUserMarket.set(`${rfq.creator.id}|${rfq.market.ticker}`, rfq);
  }

  setRfqStatus(rfq: SimRfq, status: SimRfq['status']): void {
    for (const key of this.rfqStatusKeys(rfq)) this.rfqIndex.remove(key, rfq.seq);
    rfq.status = status;
    for (const key of this.rfqStatusKeys(rfq)) this.rfqIndex.add(key, rfq.seq);
    const key = `${rfq.creator.id}|${rfq.market.ticker}`;
    if (status !== 'open' && this.openRfqByUserMarket.get(key) === rfq) this.openRfqByUserMarket.delete(key);
  }

  addQuote(quote: SimQuote): void {
    this.quotesBySeq.set(quote.seq, quote);
    this.quotesById.set(quote.id, quote);
    for (const key of this.quoteKeys(quote)) this.quoteIndex.add(key, quote.seq);
  }

  setQuoteStatus(quote: SimQuote, status: SimQuote['status']): void {
    for (const key of this.quoteStatusKeys(quote)) this.quoteIndex.remove(key, quote.seq);
    quote.status = status;
    for (const key of this.quoteStatusKeys(quote)) this.quoteIndex.add(key, quote.seq);
  }

  /** Drops an RFQ from every index (retention). */
  removeRfq(rfq: SimRfq): void {
    for (const key of this.rfqKeys(rfq)) this.rfqIndex.remove(key, rfq.seq);
    this.rfqsBySeq.delete(rfq.seq);
    this.rfqsById.delete(rfq.id);
    const key = `${rfq.creator.id}|${rfq.market.ticker}`;
    if (this.openRfqByUserMarket.get(key) === rfq) this.openRfqByUserMarket.delete(key);
  }

  /** Drops a quote from every index: later look-ups find nothing (a flush, or retention). */
  removeQuote(quote: SimQuote): void {
    for (const key of this.quoteKeys(quote)) this.quoteIndex.remove(key, quote.seq);
    this.quotesBySeq.delete(quote.seq);
    this.quotesById.delete(quote.id);
  }

  /** Every RFQ with a status, newest first. */
  rfqsWithStatus(status: SimRfq['status']): SimRfq[] {
    return this.collect(this.rfqIndex, `s:${status}`, this.rfqsBySeq);
  }

  /** Every quote with a status, newest first. */
  quotesWithStatus(status: SimQuote['status']): SimQuote[] {
    return this.collect(this.quoteIndex, `s:${status}`, this.quotesBySeq);
  }

  private collect<T>(index: IndexMap, key: string, bySeq: Map<number, T>): T[] {
    const out: T[] = [];
    for (const seq of index.get(key)?.descending(Number.MAX_SAFE_INTEGER) ?? []) {
      const item = bySeq.get(seq);
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  listRfqs(query: RfqQuery): Page<SimRfq> {
    let key: string;
    if (query.creatorId !== undefined)
      key = query.status ? `c:${query.creatorId}:${query.status}` : `c:${query.creatorId}`;
    else if (query.marketTicker !== undefined) key = `m:${query.marketTicker}`;
    else if (query.eventTicker !== undefined) key = `e:${query.eventTicker}`;
    else key = query.status ? `s:${query.status}` : 'all';
    return pageFrom(
      'rfqs',
      this.rfqIndex.get(key),
      query.cursor,
      query.limit,
      (seq) => this.rfqsBySeq.get(seq),
      (rfq) =>
        (query.creatorId === undefined || rfq.creator.id === query.creatorId) &&
        (query.marketTicker === undefined || rfq.market.ticker === query.marketTicker) &&
        (query.eventTicker === undefined || rfq.market.eventTicker === query.eventTicker) &&
        (query.status === undefined || rfq.status === query.status) &&
        (query.subaccount === undefined || rfq.subaccount === query.subaccount),
    );
  }

  listQuotes(query: QuoteQuery): Page<SimQuote> {
    let key: string;
    if (query.rfqId !== undefined) key = `q:${query.rfqId}`;
    else if (query.creatorId !== undefined)
      key = query.status ? `c:${query.creatorId}:${query.status}` : `c:${query.creatorId}`;
    else if (query.rfqCreatorId !== undefined)
      key = query.status ? `r:${query.rfqCreatorId}:${query.status}` : `r:${query.rfqCreatorId}`;
    else key = query.status ? `s:${query.status}` : 'all';
    return pageFrom(
      'quotes',
      this.quoteIndex.get(key),
      query.cursor,
      query.limit,
      (seq) => this.quotesBySeq.get(seq),
      (q) =>
        (query.creatorId === undefined || q.creator.id === query.creatorId) &&
        (query.rfqCreatorId === undefined || q.rfq.creator.id === query.rfqCreatorId) &&
        (query.rfqId === undefined || q.rfq.id === query.rfqId) &&
        (query.status === undefined || q.status === query.status) &&
        (query.minUpdated === undefined || q.updatedAt >= query.minUpdated) &&
        (query.maxUpdated === undefined || q.updatedAt <= query.maxUpdated),
    );
  }

  private rfqKeys(rfq: SimRfq): string[] {
    const c = rfq.creator.id;
    return [
      'all',
      `c:${c}`,
      `m:${rfq.market.ticker}`,
      `e:${rfq.market.eventTicker}`,
      ...this.rfqStatusKeys(rfq),
    ];
  }

  private rfqStatusKeys(rfq: SimRfq): string[] {
    return [`s:${rfq.status}`, `c:${rfq.creator.id}:${rfq.status}`];
  }

  private quoteKeys(q: SimQuote): string[] {
    return ['all', `c:${q.creator.id}`, `r:${q.rfq.creator.id}`, `q:${q.rfq.id}`, ...this.quoteStatusKeys(q)];
  }

  private quoteStatusKeys(q: SimQuote): string[] {
    return [`s:${q.status}`, `c:${q.creator.id}:${q.status}`, `r:${q.rfq.creator.id}:${q.status}`];
  }
}
