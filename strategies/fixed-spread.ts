import {
  defineStrategy,
  dollarsOption,
  halfSpread,
  type ReferencePrice,
  referencePrice,
  rfqContracts,
  type StrategyContext,
  twoSided,
  withMakerFees,
  z,
} from '../src/index.js';

/**
 * Options of `fixed-spread` (all money as dollar strings in config.yaml).
 * @example { spread: '0.04', maxBookSpread: '0.20', fallbackToLastPrice: true }
 */
const options = z.strictObject({
  /** Full width of our quote around the mid: each side bids spread/2 below its fair price. @default "0.04" */
  spread: dollarsOption({ default: '0.04', gt: '0', lt: '1' }),
  /** Skip the RFQ when the order book's YES spread is wider than this. @default "0.20" */
  maxBookSpread: dollarsOption({ default: '0.20', gt: '0', max: '1' }),
  /** When the book is one-sided or empty, price around the last trade instead of skipping. @default true */
  fallbackToLastPrice: z.boolean().default(true),
});

export type FixedSpreadOptions = z.output<typeof options>;

async function reference(ticker: string, ctx: StrategyContext<FixedSpreadOptions>): Promise<ReferencePrice> {
  const [book, market] = await Promise.all([ctx.data.orderBook(ticker), ctx.data.market(ticker)]);
  return referencePrice(book, market, {
    maxBookSpread: ctx.options.maxBookSpread,
    fallbackToLastPrice: ctx.options.fallbackToLastPrice,
  });
}

/**
 * Quotes a fixed spread around the order-book mid (YES bid and YES ask = 1 − best NO bid),
 * net of maker fees. Skips when the book is wider than `maxBookSpread`, and when it is
 * one-sided or empty unless `fallbackToLastPrice` lets it use the last trade.
 */
export const fixedSpread = defineStrategy({
  name: 'fixed-spread',
  apiVersion: 1,
  description: 'Fixed spread around the order-book mid',
  options,
  async price(rfq, ctx) {
    const ref = await reference(rfq.marketTicker, ctx);
    if ('skip' in ref) return ref;
    const fees = await ctx.data.fees(rfq.marketTicker);
    const bids = withMakerFees(twoSided(ref.fair, halfSpread(ctx.options.spread)), fees, rfqContracts(rfq));
    return { ...bids, fairValue: ref.fair, note: `fixed-spread around ${ref.source}` };
  },
  async fairValue(ticker, ctx) {
    const ref = await reference(ticker, ctx);
    return 'fair' in ref ? ref.fair : undefined;
  },
});
