import {
  defineStrategy,
  dollarsOption,
  FairValueFeed,
  formatDollarsMinimal,
  halfSpread,
  type Micros,
  rfqContracts,
  type StrategyContext,
  skip,
  twoSided,
  withMakerFees,
  z,
} from '../src/index.js';

/**
 * Options of `fair-value-feed`.
 * @example { source: 'https://models.internal/fair.json', spread: '0.03', reloadMs: 5000, maxAgeMs: 60000 }
 */
const options = z.strictObject({
  /**
   * A JSON file path (relative to the working directory), a file: URL or an http(s) URL serving
   * `{ "TICKER": "0.53", ... }` or `{ "fairValues": { "TICKER": "0.53" }, "asOf": "<RFC 3339>" }`.
   */
  source: z
    .string()
    .min(1)
    .refine((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(https?|file):\/\//i.test(s), {
      message: 'must be a file path, a file: URL or an http(s) URL',
    }),
  /** Full spread around the feed's fair value. @default "0.03" */
  spread: dollarsOption({ default: '0.03', gt: '0', lt: '1' }),
  /** How often to check the source for changes (file: mtime; URL: ETag revalidation). @default 5000 */
  reloadMs: z.number().int().min(50).default(5_000),
  /** Skip when the data is older than this (asOf, else file mtime, else last successful fetch). @default 60000 */
  maxAgeMs: z.number().int().positive().default(60_000),
});

export type FairValueFeedStrategyOptions = z.output<typeof options>;
type Ctx = StrategyContext<FairValueFeedStrategyOptions>;

/** One feed per route instance: the runner hands the same `ctx.options` object to every call of a route. */
const feeds = new WeakMap<FairValueFeedStrategyOptions, FairValueFeed>();

function createFeed(ctx: Ctx): FairValueFeed {
  const feed = new FairValueFeed({
    source: ctx.options.source,
    reloadMs: ctx.options.reloadMs,
    clock: ctx.clock,
    logger: ctx.log,
  });
  feeds.set(ctx.options, feed);
  return feed;
}

async function feedFor(ctx: Ctx): Promise<FairValueFeed> {
  const existing = feeds.get(ctx.options);
  if (existing !== undefined) return existing;
  const feed = createFeed(ctx);
  await feed.start();
  return feed;
}

async function fairOf(ticker: string, ctx: Ctx): Promise<Micros | { skip: string }> {
  const found = (await feedFor(ctx)).lookup(ticker, ctx.options.maxAgeMs);
  switch (found.kind) {
    case 'ok':
      return found.value;
    case 'no-data':
      return skip(`no fair-value data: ${found.reason}`);
    case 'stale':
      return skip(`fair-value data is ${found.ageMs}ms old (maxAgeMs ${ctx.options.maxAgeMs})`);
    case 'missing':
      return skip(`no fair value for ${ticker} in the feed`);
  }
}

/**
 * Quotes a spread around per-ticker fair values from an external feed (a JSON file or HTTP
 * endpoint), reloaded when it changes. Missing tickers and stale data are skips.
 */
export const fairValueFeed = defineStrategy({
  name: 'fair-value-feed',
  apiVersion: 1,
  description: 'Spread around fair values from an external file or HTTP feed',
  options,
  async setup(ctx) {
    feeds.get(ctx.options)?.stop();
    // A feed that is down at startup is logged by the feed and retried; RFQs skip until it loads.
    await createFeed(ctx).start();
  },
  async teardown(ctx) {
    feeds.get(ctx.options)?.stop();
    feeds.delete(ctx.options);
  },
  async price(rfq, ctx) {
    const fair = await fairOf(rfq.marketTicker, ctx);
    if (typeof fair !== 'number') return fair;
    const fees = await ctx.data.fees(rfq.marketTicker);
    const bids = withMakerFees(twoSided(fair, halfSpread(ctx.options.spread)), fees, rfqContracts(rfq));
    return { ...bids, fairValue: fair, note: `feed fair ${formatDollarsMinimal(fair)}` };
  },
  async fairValue(ticker, ctx) {
    const fair = await fairOf(ticker, ctx);
    return typeof fair === 'number' ? fair : undefined;
  },
});
