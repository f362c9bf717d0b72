/**
 * Issue 14, the bot half, against the simulator with its exchange truth on: the fills are the
 * record (positions, realised P&L and fees equal what `GET /portfolio/fills` says, to the
 * micro-dollar), partial accepts, post-only legs cancelled, resting remainders cancelled at the
 * TTL, flushed quotes replaced, unknown markets confirmed inside the short window, and a restart
 * that rebuilds the day from fills.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app/app.js';
import { parseCount } from '../../../src/domain/money.js';
import { exposureId } from '../../../src/quotes/context.js';
import type { TrackedQuote } from '../../../src/quotes/quote-store.js';
import { capturingLogger, metricValue, type SimQuote, simQuotes, startBot } from '../../helpers/bot.js';
import { merge } from '../../helpers/config.js';
import { listFills, oracleBook } from '../../helpers/fill-oracle.js';
import {
  type SimTestUser,
  startTestSimulator,
  type TestSimulator,
  waitFor,
} from '../../helpers/simulator.js';

const LIFECYCLE = {
  confirmWindowMs: 5_000,
  executionDelayMs: 300,
  hvConfirmWindowMs: 3_000,
  hvExecutionDelayMs: 300,
};

/** Fast fill settling and listings, so each behaviour shows within a second or two. */
const FAST = {
  quoting: { fillSettleMs: 200, fillSyncIntervalMs: 500, fullListingIntervalMs: 400 },
};

const STANDARD_MARKET = 'KXFEDDECISION-26DEC-H0';

async function world(truth: Record<string, unknown> = {}) {
  const ts = await startTestSimulator({
    userCount: 1,
    lifecycle: LIFECYCLE,
    truth: { bookExecution: true, ...truth },
  });
  return { ts, user: ts.users[0]! };
}

async function rfqs(
  ts: TestSimulator,
  count: number,
  contracts = 10,
  market = STANDARD_MARKET,
): Promise<string[]> {
  const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
    market_ticker: market,
    count,
    contracts,
  });
  expect(res.status).toBe(201);
  return res.body.ids;
}

async function openQuoteOn(ts: TestSimulator, user: SimTestUser, rfqId: string): Promise<SimQuote> {
  return waitFor(async () => (await simQuotes(ts, user, 'open')).find((q) => q.rfq_id === rfqId), {
    timeoutMs: 10_000,
    what: `our quote on ${rfqId}`,
  });
}

async function accept(ts: TestSimulator, quote: SimQuote, side: 'yes' | 'no', contracts?: number) {
  const res = await ts.admin('POST', `/_sim/quotes/${quote.id}/accept`, {
    accepted_side: side,
    ...(contracts !== undefined ? { contracts } : {}),
  });
  expect(res.status).toBe(200);
}

function tracked(app: App, quoteId: string): TrackedQuote {
  const quote = app.store.byQuoteId(quoteId);
  if (!quote) throw new Error(`the bot does not track ${quoteId}`);
  return quote;
}

async function settled(app: App, quoteId: string): Promise<TrackedQuote> {
  await waitFor(() => app.store.byQuoteId(quoteId)?.fillOutcome !== undefined, {
    timeoutMs: 15_000,
    what: `the execution of ${quoteId} to settle`,
  });
  return tracked(app, quoteId);
}

/** The bot's books against the exchange's positions and an independent reading of its fills. */
async function expectBooksMatchExchange(ts: TestSimulator, user: SimTestUser, app: App): Promise<void> {
  const fills = await listFills(ts.url, user.key);
  const oracle = oracleBook(fills);
  const { body } = await ts.admin<{ market_positions: { ticker: string; position_fp: string }[] }>(
    'GET',
    `/_sim/users/${user.userId}/positions`,
  );
  const theirs = new Map(body.market_positions.map((p) => [p.ticker, parseCount(p.position_fp)]));
  for (const ticker of new Set([...theirs.keys(), ...oracle.positions.keys()])) {
    expect(app.exposure.position(ticker), ticker).toBe(theirs.get(ticker) ?? 0);
    expect(app.exposure.snapshot().positions.get(ticker)?.cost ?? 0, `${ticker} cost`).toBe(
      Number(oracle.positions.get(ticker)?.cost ?? 0n),
    );
  }
  const pnl = app.exposure.snapshot().pnl;
  expect({ realized: pnl.realized + pnl.fees, fees: pnl.fees }).toEqual({
    realized: oracle.realized,
    fees: oracle.fees,
  });
}

describe('exchange truth: the bot books what the exchange filled', () => {
  it('books positions, realised P&L and fees from fills (push and listing alike), partial accepts included', async () => {
    const { ts, user } = await world();
    const { app } = await startBot(ts, user, FAST);
    const ids = await rfqs(ts, 4);
    const quotes = await Promise.all(ids.map((id) => openQuoteOn(ts, user, id)));
    // YES on two, NO on two of the same market: the NO fills net against the YES position.
    await accept(ts, quotes[0]!, 'yes');
    await accept(ts, quotes[1]!, 'yes', 4);
    await accept(ts, quotes[2]!, 'no', 6);
    await accept(ts, quotes[3]!, 'no');
    const done = await Promise.all(quotes.map((q) => settled(app, q.id)));
    expect(done.map((q) => [q.acceptedContracts, q.filledContracts, q.fillOutcome])).toEqual([
      [1_000, 1_000, 'filled'],
      [400, 400, 'filled'],
      [600, 600, 'filled'],
      [1_000, 1_000, 'filled'],
    ]);
    expect(await metricValue(app.metrics.quotesPartialAccepts)).toBe(2);
    // Nothing stays reserved once every execution has settled.
    for (const quote of done) expect(app.exposure.liveQuote(exposureId(quote))).toBeUndefined();
    const pnl = app.exposure.snapshot().pnl;
    expect(pnl.realized + pnl.fees).not.toBe(0);
    await expectBooksMatchExchange(ts, user, app);
    // Every fill is journaled with its quote.
    expect(await metricValue(app.metrics.fillsBooked)).toBeGreaterThanOrEqual(4);
  });

  it('a post-only leg the book moved through fills nothing: the quote ends with no fill, its reservation freed', async () => {
    const { ts, user } = await world();
    const { logger, lines } = capturingLogger('info');
    const { app } = await startBot(ts, user, FAST, { logger });
    expect((await ts.admin('PATCH', '/_sim/truth', { cross_chance: 1 })).status).toBe(200);
    const [rfqId] = await rfqs(ts, 1);
    const quote = await openQuoteOn(ts, user, rfqId!);
    await accept(ts, quote, 'yes');
    const done = await settled(app, quote.id);
    expect(done).toMatchObject({ state: 'executed', fillOutcome: 'none', filledContracts: 0 });
    expect(app.exposure.liveQuote(exposureId(done))).toBeUndefined();
    expect(app.exposure.position(STANDARD_MARKET)).toBe(0);
    const said = lines.find(
      (l) => l.msg === 'quote executed without a fill (post-only leg cancelled, or nothing met it)',
    );
    expect(said).toMatchObject({ quoteId: quote.id, outcome: 'none', filled: '0', accepted: '10' });
    const outcomes = await app.metrics.quotesFillOutcome.get();
    expect(outcomes.values.find((v) => v.labels.outcome === 'none')?.value).toBe(1);
    await expectBooksMatchExchange(ts, user, app);
  });

  it('cancels a resting remainder through the orders API when the quote’s TTL ends', async () => {
    const { ts, user } = await world();
    const { app } = await startBot(ts, user, {
      ...FAST,
      quoting: { ...FAST.quoting, restRemainder: true, ttlMs: 3_000 },
    });
    const [rfqId] = await rfqs(ts, 1);
    const quote = await openQuoteOn(ts, user, rfqId!);
    await accept(ts, quote, 'no', 4);
    const resting = await waitFor(
      async () => {
        const { body } = await ts.admin<{
          orders: { order_id: string; status: string; remaining_count_fp: string }[];
        }>('GET', `/_sim/users/${user.userId}/orders`);
        return body.orders.find((o) => o.status === 'resting');
      },
      { timeoutMs: 10_000, what: 'the remainder resting on the book' },
    );
    expect(resting.remaining_count_fp).toBe('6.00');
    await waitFor(() => (tracked(app, quote.id).restingContracts ?? 0) > 0, {
      what: 'the bot to see it rest',
    });
    // While it rests, the whole offered side stays reserved: 4 filled, 6 may still fill.
    expect(app.exposure.liveQuote(exposureId(tracked(app, quote.id)))).toMatchObject({
      filled: 400,
      accepted: { side: 'no', contracts: 600 },
    });
    const done = await settled(app, quote.id);
    expect(done).toMatchObject({ fillOutcome: 'filled', filledContracts: 400, restingContracts: undefined });
    const { body } = await ts.admin<{ orders: { order_id: string; status: string }[] }>(
      'GET',
      `/_sim/users/${user.userId}/orders`,
    );
    expect(body.orders.find((o) => o.order_id === resting.order_id)?.status).toBe('canceled');
    expect(done.openedAt! + done.ttlMs).toBeLessThanOrEqual(Date.now());
    await expectBooksMatchExchange(ts, user, app);
  });

  it('replaces a quote the exchange flushed: gone from the listing and 404, it is freed and the RFQ quoted again', async () => {
    const { ts, user } = await world();
    const { app } = await startBot(ts, user, FAST);
    const [rfqId] = await rfqs(ts, 1);
    const first = await openQuoteOn(ts, user, rfqId!);
    expect((await ts.admin<{ flushed: number }>('POST', '/_sim/flush')).body.flushed).toBe(1);
    await waitFor(() => tracked(app, first.id).state === 'cancelled', { what: 'the bot to see the flush' });
    expect(tracked(app, first.id).endReason).toBe('flushed by the exchange: it no longer knows the quote');
    expect(app.exposure.liveQuote(exposureId(tracked(app, first.id)))).toBeUndefined();
    const second = await waitFor(
      async () => (await simQuotes(ts, user, 'open')).find((q) => q.rfq_id === rfqId && q.id !== first.id),
      { timeoutMs: 10_000, what: 'a new quote on the RFQ' },
    );
    expect(app.store.byQuoteId(second.id)?.state).toBe('open');
    expect(await metricValue(app.metrics.quotesFlushed)).toBe(1);
  });

  it('confirms on a market it does not know inside the short window, and learns the window from the execution', async () => {
    const { ts, user } = await world();
    const { logger, lines } = capturingLogger('info');
    // Nothing listed as standard: every market outside hvmMarkets is unknown to the bot.
    const { app } = await startBot(ts, user, merge(FAST, { exchange: { standardMarkets: [] } }), { logger });
    const [rfqId] = await rfqs(ts, 1);
    const quote = await openQuoteOn(ts, user, rfqId!);
    await accept(ts, quote, 'yes');
    await waitFor(() => tracked(app, quote.id).confirmDeadline !== undefined, { what: 'the accept' });
    const t = tracked(app, quote.id);
    const margin = app.config.quoting.confirmSafetyMarginMs;
    expect(t.confirmDeadline! - t.acceptedAt!).toBe(3_000 - margin);
    await settled(app, quote.id);
    // Executed 300 ms after the confirm: a high-volatility timer.
    const learned = lines.find(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('learned the confirm window'),
    );
    expect(learned).toMatchObject({
      module: 'market-windows',
      marketTicker: STANDARD_MARKET,
      kind: 'hvm',
      was: 'unknown',
    });
  });

  it('a restart rebuilds the day from fills: the journal’s, and the exchange’s without one', async () => {
    const { ts, user } = await world();
    const first = await startBot(ts, user, FAST);
    const ids = await rfqs(ts, 2);
    const quotes = await Promise.all(ids.map((id) => openQuoteOn(ts, user, id)));
    await accept(ts, quotes[0]!, 'yes');
    await accept(ts, quotes[1]!, 'no', 7);
    await Promise.all(quotes.map((q) => settled(first.app, q.id)));
    const before = first.app.exposure.snapshot().pnl;
    await first.app.stop('restart');
    // Same journal: its fills; a fresh one: the exchange's fills since a day back.
    for (const patch of [{ journal: { path: first.config.journal.path } }, {}]) {
      const next = await startBot(ts, user, { ...FAST, ...patch });
      const pnl = next.app.exposure.snapshot().pnl;
      expect({ realized: pnl.realized, fees: pnl.fees }).toEqual({
        realized: before.realized,
        fees: before.fees,
      });
      await expectBooksMatchExchange(ts, user, next.app);
      await next.app.stop('again');
    }
  });
});
