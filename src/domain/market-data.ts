import type { FeeSchedule } from './fees.js';
import type { Centis } from './money.js';
import type { Market, OrderBook } from './types.js';

/** Read-only market data and our own positions. Strategies never send orders. */
export interface MarketData {
  market(ticker: string): Promise<Market>;
  orderBook(ticker: string): Promise<OrderBook>;
  /** Fee schedule of the market's series/event (maker fees reduce our edge). */
  fees(ticker: string): Promise<FeeSchedule>;
  /** Our signed position in a market: positive long YES, negative long NO. */
  position(ticker: string): Centis;
  /** Our net signed position over an event's markets. */
  eventPosition(eventTicker: string): Centis;
}
