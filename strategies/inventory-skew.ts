import {
  clampFair,
  contractsOption,
  defineStrategy,
  dollarsOption,
  formatCount,
  halfSpread,
  type Micros,
  mulDiv,
  ratioOption,
  referencePrice,
  rfqContracts,
  type StrategyContext,
  skip,
  twoSided,
  withMakerFees,
  z,
} from '../src/index.js';

/**
 * Options of `inventory-skew` (money as dollar strings, contracts as count strings).
 * @example { baseSpread: '0.04', skewPerContract: '0.0005', widenPerContract: '0.0002', maxPosition: '500', eventWeight: '0.5' }
 */
const options = z.strictObject({
  /** Full spread when flat. @default "0.04" */
  baseSpread: dollarsOption({ default: '0.04', gt: '0', lt: '1' }),
  /** Fair value moves this much per contract of position, against the position. @default "0.0005" */
  skewPerContract: dollarsOption({ default: '0.0005', min: '0', lt: '1' }),
  /** Extra half-spread per contract of |position|. @default "0.0002" */
  widenPerContract: dollarsOption({ default: '0.0002', min: '0', lt: '1' }),
  /** At or beyond this many contracts (either way) only the side that reduces the position is quoted. @default "500" */
  maxPosition: contractsOption({ default: '500', gt: '0' }),
  /** Weight (0..1) of the event's net position added to the market's own. @default "0.5" */
  eventWeight: ratioOption({ default: '0.5', min: '0', max: '1' }),
});

export type InventorySkewOptions = z.output<typeof options>;

interface Skewed {
  readonly fair: Micros;
  /** Centi-contracts: market position + eventWeight × event position. */
  readonly position: number;
  readonly half: Micros;
}

/** `value × contracts`, rounded away from zero: a bigger skew is the cautious error. */
function perContract(value: Micros, position: number): Micros {
  const magnitude = mulDiv(value, Math.abs(position), 100, 'ceil');
  return position < 0 ? -magnitude : magnitude;
}

async function skewed(
  ticker: string,
  ctx: StrategyContext<InventorySkewOptions>,
): Promise<Skewed | { skip: string }> {
  const [book, market] = await Promise.all([ctx.data.orderBook(ticker), ctx.data.market(ticker)]);
  const ref = referencePrice(book, market);
  if ('skip' in ref) return ref;
  const o = ctx.options;
  const eventPart = mulDiv(ctx.data.eventPosition(market.eventTicker), o.eventWeight, 1_000_000, 'trunc');
  const position = ctx.data.position(ticker) + eventPart;
  return {
    // Long YES lowers our fair value: we bid less for more YES and more for NO.
    fair: clampFair(ref.fair - perContract(o.skewPerContract, position)),
    position,
    half: halfSpread(o.baseSpread) + Math.abs(perContract(o.widenPerContract, position)),
  };
}

/**
 * Spread around the book mid that shifts against our inventory (market position plus a
 * weighted share of the event's) and widens with its size; at `maxPosition` only the
 * reducing side is quoted. Bids are net of maker fees.
 */
export const inventorySkew = defineStrategy({
  name: 'inventory-skew',
  apiVersion: 1,
  description: 'Spread around the mid, skewed and widened by our position in the market and event',
  options,
  async price(rfq, ctx) {
    const s = await skewed(rfq.marketTicker, ctx);
    if ('skip' in s) return s;
    let { yesBid, noBid } = twoSided(s.fair, s.half);
    // Long YES (positive) is reduced when we buy NO; short YES when we buy YES.
    if (s.position >= ctx.options.maxPosition) yesBid = 0;
    if (s.position <= -ctx.options.maxPosition) noBid = 0;
    if (yesBid === 0 && noBid === 0)
      return skip(`no side to quote at position ${formatCount(s.position)} contracts`);
    const fees = await ctx.data.fees(rfq.marketTicker);
    const bids = withMakerFees({ yesBid, noBid }, fees, rfqContracts(rfq));
    return { ...bids, fairValue: s.fair, note: `inventory-skew at position ${formatCount(s.position)}` };
  },
  async fairValue(ticker, ctx) {
    const s = await skewed(ticker, ctx);
    return 'skip' in s ? undefined : s.fair;
  },
});
