import { describe, expect, it } from 'vitest';
import { freshListing, simQuotes, startBot, waitForOpenQuotes } from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

const LIFECYCLE = {
  confirmWindowMs: 10_000,
  executionDelayMs: 200,
  hvConfirmWindowMs: 10_000,
  hvExecutionDelayMs: 200,
};

describe('push discovery over the communications websocket', () => {
  it('quotes new RFQs and confirms accepts without waiting for a poll', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    // Polls so slow that only the websocket can explain a prompt quote or confirm.
    const { app } = await startBot(ts, user!, {
      poller: { intervalMs: 60_000, websocket: true },
      quoting: { acceptPollIntervalMs: 10_000 },
    });
    await waitFor(() => app.push?.connected === true && app.poller.lastCompletedAt !== undefined, {
      what: 'the websocket to connect and the first poll to finish',
    });

    const created = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 3, contracts: 4 });
    const startedAt = Date.now();
    const quotes = await waitFor(
      async () => {
        const open = await simQuotes(ts, user!, 'open');
        return created.body.ids.every((id) => open.some((q) => q.rfq_id === id)) && open;
      },
      { timeoutMs: 10_000, what: 'pushed RFQs to be quoted' },
    );
    expect(Date.now() - startedAt).toBeLessThan(5_000);

    // A target-cost RFQ is read in full before quoting (the push lacks target_cost_excludes_fees).
    const target = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', {
      target_cost_dollars: '20',
      target_cost_excludes_fees: true,
    });
    await waitFor(async () => (await simQuotes(ts, user!, 'open')).some((q) => q.rfq_id === target.body.id), {
      timeoutMs: 5_000,
      what: 'the target-cost RFQ to be quoted',
    });
    const tracked = app.store.forRfq(target.body.id)!;
    expect(tracked.rfq.size).toMatchObject({ kind: 'targetCost', excludesFees: true });

    const quote = quotes.find((q) => Number(q.yes_bid_dollars) > 0)!;
    const acceptedAt = Date.now();
    await ts.admin('POST', `/_sim/quotes/${quote.id}/accept`, { accepted_side: 'yes' });
    await waitFor(() => ['confirmed', 'executed'].includes(app.store.byQuoteId(quote.id)?.state ?? ''), {
      timeoutMs: 8_000,
      what: 'the pushed accept to be confirmed',
    });
    expect(Date.now() - acceptedAt).toBeLessThan(5_000);

    // A stop right after the confirm: the socket stays up until the execution is reported, and
    // the execution is looked at once seen, so the stop waits ~the execution delay (not for a
    // poll 10 s away, nor fillSettleMs, 2 s) and the fill is the quote's.
    const report = await app.stop('test');
    expect(report.durationMs).toBeLessThan(1_800);
    const executed = app.store.byQuoteId(quote.id);
    expect(executed?.state).toBe('executed');
    expect(executed?.fillOutcome).toBe('filled');
  });

  it('never quotes an RFQ of our own that came by push (rfq_created names no creator), with no listing to tell', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!, {
      poller: { intervalMs: 60_000, intervalWithPushMs: 600_000, websocket: true, ignoreOwnRfqs: true },
    });
    await waitFor(() => app.push?.connected === true, { what: 'the websocket to connect' });
    // The listings startup and the connect asked for are done: the next is 10 minutes away.
    await freshListing(app);
    const listingsBefore = app.poller.cyclesStarted;
    const { body } = await ts.admin<{ markets: { ticker: string; status: string }[] }>(
      'GET',
      '/_sim/markets',
    );
    const market = body.markets.find((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'))!.ticker;
    const own = await app.client.createRfq({ marketTicker: market, contracts: 5, restRemainder: false });
    // Someone else's RFQ on the same market, pushed after ours: once it is quoted, ours was seen.
    const theirs = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', {
      market_ticker: market,
      contracts: 5,
    });
    await waitFor(async () => (await simQuotes(ts, user!, 'open')).some((q) => q.rfq_id === theirs.body.id), {
      what: 'the other RFQ to be quoted',
    });
    expect(app.book.has(own)).toBe(false);
    expect((await simQuotes(ts, user!, 'open')).filter((q) => q.rfq_id === own)).toEqual([]);
    expect(app.poller.cyclesStarted).toBe(listingsBefore); // no listing told it apart
  });

  it('reconnects after the socket drops and keeps quoting', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!, { poller: { intervalMs: 60_000, websocket: true } });
    await waitFor(() => app.push?.connected === true, { what: 'the websocket to connect' });
    // Drop every websocket connection at the server.
    const dropped = await ts.admin<{ dropped: number }>('POST', '/_sim/ws/drop');
    expect(dropped.body.dropped).toBeGreaterThanOrEqual(1);
    await waitFor(() => app.push?.connected === false, { what: 'the drop to be noticed' });
    await waitFor(() => app.push?.connected === true, {
      timeoutMs: 10_000,
      what: 'the websocket to reconnect',
    });
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 2 });
    await waitForOpenQuotes(ts, user!, 1, {
      timeoutMs: 5_000,
      what: 'a quote after the reconnect',
    });
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toMatch(/^kalshi_rfq_push_connected 1$/m);
    expect(metrics).toMatch(/^kalshi_rfq_push_incidents_total\{kind="disconnected"\} 1$/m);
  });
});
