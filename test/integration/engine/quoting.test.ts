import { describe, expect, it } from 'vitest';
import { parseCount, parseDollars } from '../../../src/domain/money.js';
import {
  capturingLogger,
  metricValue,
  type SimQuote,
  simQuotes,
  startBot,
  waitForOpenQuotes,
} from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

const LIFECYCLE = {
  confirmWindowMs: 5_000,
  executionDelayMs: 300,
  hvConfirmWindowMs: 3_000,
  hvExecutionDelayMs: 300,
};

interface SimRfqView {
  readonly rfq: { readonly id: string; readonly status: string; readonly created_ts: string };
  readonly quotes: readonly SimQuote[];
}

describe('the quoting engine against the simulator', () => {
  it('quotes every routed RFQ, confirms accepts inside the window, and its positions match the exchange', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!);

    const created = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 12, contracts: 10 });
    expect(created.status).toBe(201);
    const rfqIds = created.body.ids;
    expect(rfqIds).toHaveLength(12);

    // Every RFQ routed to a strategy gets exactly one open quote of ours.
    const quotes = await waitFor(
      async () => {
        const open = await simQuotes(ts, user!, 'open');
        return rfqIds.every((id) => open.some((q) => q.rfq_id === id)) && open;
      },
      { timeoutMs: 15_000, what: 'a quote on every RFQ' },
    );
    for (const id of rfqIds) expect(quotes.filter((q) => q.rfq_id === id)).toHaveLength(1);
    // Each create is counted, with its RFQ-to-quote latency (both stayed empty once).
    expect(await metricValue(app.metrics.quotesCreated)).toBeGreaterThanOrEqual(12);
    const latency = (await app.metrics.rfqToQuoteSeconds.get()).values.find((v) =>
      v.metricName?.endsWith('_count'),
    );
    expect(latency?.value).toBeGreaterThanOrEqual(12);
    for (const quote of quotes) {
      const yes = parseDollars(quote.yes_bid_dollars);
      const no = parseDollars(quote.no_bid_dollars);
      expect(yes + no).toBeLessThanOrEqual(1_000_000);
      expect(yes > 0 || no > 0).toBe(true);
      expect(app.store.byQuoteId(quote.id)?.state).toBe('open');
    }

    // Requesters accept four of them, two on each side.
    const chosen = quotes
      .filter((q) => parseDollars(q.yes_bid_dollars) > 0 && parseDollars(q.no_bid_dollars) > 0)
      .slice(0, 4);
    expect(chosen).toHaveLength(4);
    for (const [i, quote] of chosen.entries()) {
      const res = await ts.admin('POST', `/_sim/quotes/${quote.id}/accept`, {
        accepted_side: i % 2 === 0 ? 'yes' : 'no',
      });
      expect(res.status).toBe(200);
    }
    await waitFor(
      async () => {
        const executed = await simQuotes(ts, user!, 'executed');
        return chosen.every((q) => executed.some((e) => e.id === q.id));
      },
      { timeoutMs: 15_000, what: 'the accepted quotes to execute' },
    );
    for (const quote of chosen) {
      const view = await ts.admin<SimRfqView>('GET', `/_sim/rfqs/${quote.rfq_id}`);
      const atExchange = view.body.quotes.find((q) => q.id === quote.id)!;
      const acceptedAt = Date.parse(atExchange['accepted_ts'] as string);
      const confirmedAt = Date.parse(atExchange['confirmed_ts'] as string);
      expect(confirmedAt - acceptedAt).toBeLessThan(LIFECYCLE.hvConfirmWindowMs);
      await waitFor(() => app.store.byQuoteId(quote.id)?.state === 'executed', {
        what: 'the bot to see the execution',
      });
    }

    // The bot's own accounting equals the exchange's positions, market by market.
    const { body } = await ts.admin<{ market_positions: { ticker: string; position_fp: string }[] }>(
      'GET',
      `/_sim/users/${user!.userId}/positions`,
    );
    const theirs = new Map(body.market_positions.map((p) => [p.ticker, parseCount(p.position_fp)]));
    expect(theirs.size).toBeGreaterThan(0);
    const tickers = new Set([...theirs.keys(), ...chosen.map((q) => q.market_ticker)]);
    for (const ticker of tickers) expect(app.exposure.position(ticker)).toBe(theirs.get(ticker) ?? 0);

    // Shutdown deletes every live quote: nothing of ours stays open at the exchange.
    const report = await app.stop('test');
    expect(report.openAtExit).toBe(0);
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
  });

  it('lets the exchange cancel the quote of a closed RFQ (no delete sent), or deletes it at once with 0', async () => {
    for (const closedRfqDeleteAfterMs of [2_000, 0]) {
      const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
      const [user] = ts.users;
      const { app } = await startBot(ts, user!, { quoting: { ttlMs: 60_000, closedRfqDeleteAfterMs } });
      const created = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
      const [quote] = await waitFor(
        async () => {
          const list = await simQuotes(ts, user!, 'open');
          return list.length === 1 && list;
        },
        { what: 'a quote' },
      );
      const deletes = () => metricValue(app.metrics.requests, { endpoint: 'delete_quote' });
      const deletesBefore = await deletes();
      await ts.admin('POST', `/_sim/rfqs/${created.body.ids[0]}/close`, { reason: 'test' });
      const ended = await waitFor(
        () => {
          const tracked = app.store.byQuoteId(quote!.id);
          return tracked && ['cancelled', 'deleted'].includes(tracked.state) && tracked;
        },
        { what: 'the bot to drop the quote of the closed RFQ' },
      );
      expect(app.exposure.liveQuoteCount).toBe(0);
      if (closedRfqDeleteAfterMs > 0) {
        // The exchange's own cancel, seen by the watcher: no write tokens spent on it.
        expect({ state: ended.state, deletes: (await deletes()) - deletesBefore }).toEqual({
          state: 'cancelled',
          deletes: 0,
        });
      } else {
        // Sent at once, whichever of it and the watcher's report ended the quote first.
        await waitFor(async () => (await deletes()) - deletesBefore === 1, { what: 'the delete' });
      }
    }
  });

  it('pulls a quote when its RFQ closes and lets an accept lapse when last look fails', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!, { quoting: { ttlMs: 60_000 } });
    const created = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 2, contracts: 5 });
    const [closing, accepting] = created.body.ids;
    const open = await waitFor(
      async () => {
        const list = await simQuotes(ts, user!, 'open');
        return list.length === 2 && list;
      },
      { what: 'two quotes' },
    );

    await ts.admin('POST', `/_sim/rfqs/${closing}/close`, { reason: 'test' });
    const closed = open.find((q) => q.rfq_id === closing)!;
    await waitFor(() => ['cancelled', 'deleted'].includes(app.store.byQuoteId(closed.id)?.state ?? ''), {
      what: 'the bot to drop the quote of the closed RFQ',
    });

    // Trip the kill switch: the next accept must not be confirmed.
    const target = open.find((q) => q.rfq_id === accepting)!;
    app.killSwitch.trip('test', 'manual');
    await waitForOpenQuotes(ts, user!, 0, {
      what: 'quotes pulled on kill',
    });
    const quote = app.store.byQuoteId(target.id)!;
    expect(['deleted', 'cancelled']).toContain(quote.state);
  });

  it('keeps the market of an earlier RFQ fresh with batched reads: the next RFQ there reads only its book', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    const marketTtlMs = 2_000;
    const { app } = await startBot(ts, user!, {
      exchange: { marketCache: { marketTtlMs, keepWarmMs: 60_000 } },
    });
    const { body } = await ts.admin<{ markets: { ticker: string; status: string }[] }>(
      'GET',
      '/_sim/markets',
    );
    const market = body.markets.find((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'))!.ticker;
    const reads = (endpoint: string) => metricValue(app.metrics.requests, { endpoint });
    const quoteOn = async (rfqId: string) =>
      waitFor(async () => (await simQuotes(ts, user!, 'open')).some((q) => q.rfq_id === rfqId), {
        what: `a quote on ${rfqId}`,
      });
    const first = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', {
      market_ticker: market,
      contracts: 5,
    });
    await quoteOn(first.body.id);
    const marketReads = await reads('get_market');
    const readAt = Date.now();
    expect(marketReads).toBeGreaterThanOrEqual(1);
    // Longer than the market is cached: without the batched reads it would be read alone again.
    await waitFor(async () => Date.now() - readAt > marketTtlMs + 200 && (await reads('get_markets')) >= 2, {
      what: 'the market to be read again in a batch',
    });
    const second = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', {
      market_ticker: market,
      contracts: 5,
    });
    await quoteOn(second.body.id);
    expect(await reads('get_market')).toBe(marketReads);
  });
  it('streams the books of markets it prices (orderbook_delta): later RFQs there read no book over REST, and the streamed book follows the exchange', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!, { exchange: { marketCache: { bookResyncMs: 200 } } });
    const { body } = await ts.admin<{ markets: { ticker: string; status: string; fair_dollars: string }[] }>(
      'GET',
      '/_sim/markets',
    );
    const market = body.markets.find((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'))!;
    const reads = (endpoint: string) => metricValue(app.metrics.requests, { endpoint });
    const quoteOn = async (rfqId: string) =>
      waitFor(async () => (await simQuotes(ts, user!, 'open')).some((q) => q.rfq_id === rfqId), {
        what: `a quote on ${rfqId}`,
      });
    const rfqOn = async () =>
      (await ts.admin<{ id: string }>('POST', '/_sim/rfqs', { market_ticker: market.ticker, contracts: 5 }))
        .body.id;
    await quoteOn(await rfqOn());
    const books = app.liveBooks!;
    await waitFor(() => books.read(market.ticker) !== undefined, { what: 'the streamed book' });
    expect(await reads('get_orderbook')).toBeGreaterThanOrEqual(1);
    const sameAsExchange = async () =>
      JSON.stringify(books.read(market.ticker)) ===
      JSON.stringify(await app.client.getOrderBook(market.ticker));
    expect(await sameAsExchange()).toBe(true);
    // The book moves at the exchange: the stream's copy follows, change by change.
    const before = books.read(market.ticker)!;
    const fair = parseDollars(market.fair_dollars) > 500_000 ? '0.200000' : '0.800000';
    await ts.admin('PUT', `/_sim/markets/${market.ticker}`, { fair_dollars: fair });
    await waitFor(async () => books.read(market.ticker) !== before && (await sameAsExchange()), {
      what: 'the streamed book to follow the exchange',
    });
    expect(books.read(market.ticker)!.yes.at(-1)!.price).not.toBe(before.yes.at(-1)!.price);
    // Past the REST book cache (500 ms): the next RFQs there are priced from the stream.
    const later = Date.now() + 600;
    await waitFor(() => Date.now() > later, { what: 'the REST book cache to lapse' });
    // (the comparisons above read the book over REST too)
    const bookReads = await reads('get_orderbook');
    await quoteOn(await rfqOn());
    await quoteOn(await rfqOn());
    expect(await reads('get_orderbook')).toBe(bookReads);
    expect(books.stats.inconsistencies).toBe(0);
    // Fresh snapshots every 200 ms while the book moves: each equals what the changes built.
    for (const fairNow of ['0.350000', '0.650000', '0.450000']) {
      await ts.admin('PUT', `/_sim/markets/${market.ticker}`, { fair_dollars: fairNow });
      await waitFor(async () => await sameAsExchange(), { what: `the book at fair ${fairNow}` });
    }
    const snapshotsBefore = books.stats.snapshots;
    await waitFor(() => books.stats.snapshots >= snapshotsBefore + 3, { what: 'three more resyncs' });
    expect(books.stats).toMatchObject({ drifts: 0, inconsistencies: 0 });
  });
  it('repairs a streamed book that missed a change: the gap is seen and a fresh snapshot asked for', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    const log = capturingLogger('info');
    const { app } = await startBot(ts, user!, {}, { logger: log.logger });
    const { body } = await ts.admin<{ markets: { ticker: string; status: string }[] }>(
      'GET',
      '/_sim/markets',
    );
    const market = body.markets.find((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'))!.ticker;
    await ts.admin('POST', '/_sim/rfqs', { market_ticker: market, contracts: 5 });
    const books = app.liveBooks!;
    await waitFor(() => books.read(market) !== undefined, { what: 'the streamed book' });
    const sameAsExchange = async () =>
      JSON.stringify(books.read(market)) === JSON.stringify(await app.client.getOrderBook(market));
    // One change of the next batch is lost on the way; the ones after it show the gap.
    await ts.admin('PATCH', '/_sim/faults', { spec: 'wsDropBookDeltas=1' });
    await ts.admin('PUT', `/_sim/markets/${market}`, { fair_dollars: '0.310000' });
    await waitFor(
      async () =>
        (await ts.admin<{ injected: Record<string, number> }>('GET', '/_sim/faults')).body.injected[
          'wsDropBookDeltas'
        ] === 1,
      {
        what: 'the change dropped',
      },
    );
    await waitFor(sameAsExchange, { what: 'the book repaired from a fresh snapshot' });
    expect(
      log.lines.some((l) => l.msg === 'websocket sequence gap' && l['channel'] === 'orderbook_delta'),
    ).toBe(true);
  });
});
