import { afterEach, describe, expect, it } from 'vitest';
import {
  contracts,
  defineStrategy,
  dollars,
  type MarketData,
  StrategyLoadError,
  StrategySetupError,
  skip,
  z,
} from '../../../src/index.js';
import {
  createStrategyHarness,
  InMemoryMarketData,
  ManualClock,
  testBook,
  testRfq,
} from '../../../src/testing.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const events: string[] = [];
const echo = defineStrategy({
  name: 'echo',
  apiVersion: 1,
  options: z.strictObject({ yes: z.string().default('0.40'), confirm: z.boolean().default(true) }),
  async price(rfq, ctx) {
    const position = ctx.data.position(rfq.marketTicker);
    if (position !== 0) return skip(`holding ${position}`);
    const book = await ctx.data.orderBook(rfq.marketTicker);
    return {
      yesBid: dollars(ctx.options.yes),
      noBid: book.no.length > 0 ? dollars('0.30') : 0,
      fairValue: dollars('0.45'),
    };
  },
  lastLook: (quote, ctx) => ctx.options.confirm && quote.acceptedSide === 'yes',
  onEvent: (event) => {
    events.push(event.type);
  },
});

describe('createStrategyHarness', () => {
  it('prices through the real runner with data the test controls', async () => {
    const h = await createStrategyHarness(echo, {
      options: { yes: '0.4567' },
      markets: [{ ticker: 'KX-1' }],
    });
    closers.push(h.close);
    expect(await h.quote({ marketTicker: 'KX-1' })).toEqual({
      yesBid: 450_000,
      noBid: 0,
      fairValue: 450_000,
    });
    h.data.setBook(testBook('KX-1', { no: [['0.50', '1']] }));
    expect(await h.quote({ marketTicker: 'KX-1' })).toMatchObject({ yesBid: 450_000, noBid: 300_000 });
    // The harness's own result: the intent's fields beside `kind`, no engine route or runner.
    expect(await h.price({ marketTicker: 'KX-1' })).toEqual({
      kind: 'quote',
      yesBid: 450_000,
      noBid: 300_000,
      fairValue: 450_000,
    });
    h.data.setPosition('KX-1', contracts('2'));
    expect(await h.price({ marketTicker: 'KX-1' })).toEqual({
      kind: 'skip',
      cause: 'declined',
      reason: 'holding 200',
    });
    await expect(h.quote({ marketTicker: 'KX-1' })).rejects.toThrow(
      'expected a quote, got a skip (declined): holding 200',
    );
  });

  it('builds live quotes for last look and delivers events', async () => {
    const h = await createStrategyHarness(echo, { markets: [{ ticker: 'KX-1' }] });
    closers.push(h.close);
    const rfq = testRfq({ marketTicker: 'KX-1', contracts: '5' });
    const intent = await h.quote(rfq);
    const accepted = h.liveQuote(rfq, intent, 'yes');
    expect(accepted).toMatchObject({
      rfq,
      yesContracts: 500,
      noContracts: 0,
      acceptedSide: 'yes',
      acceptedContracts: 500,
    });
    expect(await h.lastLook(accepted)).toBe(true);
    expect(await h.lastLook(h.liveQuote(rfq, intent, 'no'))).toBe(false);
    await h.event('executed', accepted);
    expect(events).toContain('executed');
  });

  it('hands the strategy the clock the test moves, and reports a closed harness as stopped', async () => {
    const clock = new ManualClock(1_000);
    const timed = defineStrategy({
      name: 'timed',
      apiVersion: 1,
      options: z.strictObject({}),
      price: (_rfq, ctx) => skip(`at ${ctx.clock.now()}`),
    });
    const h = await createStrategyHarness(timed, { clock, markets: [{ ticker: 'KX-1' }] });
    expect(await h.price({ marketTicker: 'KX-1' })).toEqual({
      kind: 'skip',
      cause: 'declined',
      reason: 'at 1000',
    });
    clock.advance(500);
    expect(await h.price({ marketTicker: 'KX-1' })).toMatchObject({ reason: 'at 1500' });
    await h.close();
    expect(await h.price({ marketTicker: 'KX-1' })).toMatchObject({ kind: 'skip', cause: 'stopped' });
  });

  it('validates the strategy and its options like the loader and router do', async () => {
    const bad = { ...echo, apiVersion: 2 } as unknown as typeof echo;
    await expect(createStrategyHarness(bad)).rejects.toThrow(StrategyLoadError);
    await expect(createStrategyHarness(echo, { options: { yes: 1 } })).rejects.toThrow(
      /invalid options for strategy "echo": yes: /,
    );
    const failing = defineStrategy({
      ...echo,
      name: 'failing',
      setup: async () => {
        throw new Error('no feed');
      },
    });
    await expect(createStrategyHarness(failing)).rejects.toThrow(StrategySetupError);
  });

  it('accepts any MarketData as an extension point (e.g. a simulator-backed one)', async () => {
    const backing = new InMemoryMarketData().setMarket({ ticker: 'KX-9' });
    const reads: string[] = [];
    const data: MarketData = {
      market: (t) => {
        reads.push(`market ${t}`);
        return backing.market(t);
      },
      orderBook: (t) => {
        reads.push(`book ${t}`);
        return backing.orderBook(t);
      },
      fees: (t) => backing.fees(t),
      position: (t) => backing.position(t),
      eventPosition: (e) => backing.eventPosition(e),
    };
    const h = await createStrategyHarness(echo, { data });
    closers.push(h.close);
    expect((await h.price({ marketTicker: 'KX-9' })).kind).toBe('quote');
    expect(reads).toEqual(['book KX-9', 'market KX-9']);
    await expect(createStrategyHarness(echo, { data, markets: [] })).rejects.toThrow(
      /markets only apply to the in-memory data/,
    );
  });
});
