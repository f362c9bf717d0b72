import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDollars } from '../../../src/domain/money.js';
import {
  botConfig,
  capturingLogger,
  freshListing,
  metricValue,
  simQuotes,
  startBot,
  waitForOpenQuotes,
} from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

describe('config reload and dry run', () => {
  it('applies new strategy options and limits without dropping live quotes; refuses restart-only changes', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!);
    await ts.admin('POST', '/_sim/rfqs', { count: 2, contracts: 5 });
    const before = await waitFor(async () => {
      const open = await simQuotes(ts, user!, 'open');
      return open.length === 2 && open;
    });

    // Same folder as the running config: the kill file path is a restart-only setting.
    const dir = dirname(app.config.risk.killSwitch.file);
    const wider = botConfig(
      ts,
      user!,
      {
        strategies: {
          routes: [
            { name: 'all', strategy: 'fixed-spread', options: { spread: '0.20', maxBookSpread: '0.50' } },
          ],
        },
        risk: { maxOpenQuotes: 3 },
      },
      dir,
    );
    const result = await app.reload(wider);
    expect(result).toMatchObject({ applied: true });
    // Live quotes stay live.
    const still = await simQuotes(ts, user!, 'open');
    expect(still.map((q) => q.id).sort()).toEqual(before.map((q) => q.id).sort());

    // New quotes use the new options.
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
    const fresh = await waitFor(async () => {
      const open = await simQuotes(ts, user!, 'open');
      return open.find((q) => !before.some((b) => b.id === q.id));
    });
    // Each side bids at least half the new 0.20 spread below its fair price.
    const tracked = app.store.byQuoteId(fresh.id)!;
    const fair = tracked.fairValue!;
    const yes = parseDollars(fresh.yes_bid_dollars);
    const no = parseDollars(fresh.no_bid_dollars);
    if (yes > 0) expect(yes).toBeLessThanOrEqual(fair - 100_000);
    if (no > 0) expect(no).toBeLessThanOrEqual(1_000_000 - fair - 100_000);
    expect(yes + no).toBeGreaterThan(0);

    // The new limit holds: at three live quotes both new RFQs wait for room, unpriced.
    const waiting = () => metricValue(app.metrics.strategySkips, { strategy: 'none', reason: 'no-room' });
    const waitingBefore = await waiting();
    await ts.admin('POST', '/_sim/rfqs', { count: 2, contracts: 5 });
    await waitFor(async () => (await waiting()) >= waitingBefore + 2, {
      what: 'two RFQs waiting for room under maxOpenQuotes',
    });
    expect(await simQuotes(ts, user!, 'open')).toHaveLength(3);

    const moved = botConfig(ts, user!, { exchange: { pathStyle: 'legacy' } }, dir);
    const refused = await app.reload(moved);
    expect(refused.applied).toBe(false);
    if (!refused.applied) expect(refused.reason).toMatch(/exchange\.pathStyle.*restart/);
  });

  it('applies a reload of the RFQ filters to the poller and the push: RFQs outside them lose their quotes and are not quoted', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!);
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 50 });
    await waitForOpenQuotes(ts, user!, 1, {
      what: 'a quote on 50 contracts',
    });

    const narrower = botConfig(
      ts,
      user!,
      { poller: { filters: { maxContracts: '10' } } },
      dirname(app.config.risk.killSwitch.file),
    );
    const result = await app.reload(narrower);
    expect(result).toEqual({ applied: true, changed: ['poller.filters.maxContracts'] });
    // The next listing leaves the 50-contract RFQ out: it leaves the book and its quote goes.
    await waitForOpenQuotes(ts, user!, 0, {
      what: 'the quote on the RFQ now outside the filters deleted',
    });

    // Pushed in this order: by the time the small one is quoted, the push has passed the big one.
    const { body: big } = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', { count: 1, contracts: 50 });
    const { body: small } = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
    await waitFor(async () => (await simQuotes(ts, user!, 'open')).some((q) => q.rfq_id === small.id), {
      what: 'the 5-contract RFQ quoted',
    });
    await freshListing(app);
    expect(app.book.has(big.id)).toBe(false);
    expect((await simQuotes(ts, user!)).filter((q) => q.rfq_id === big.id)).toEqual([]);
  });

  it('prices and logs but sends no write in dry-run mode', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const { logger, lines } = capturingLogger('info');
    const { app } = await startBot(ts, user!, { dryRun: true }, { logger });
    await ts.admin('POST', '/_sim/rfqs', { count: 3, contracts: 5 });
    await waitFor(() => app.book.size === 3, { what: 'the poller to see the RFQs' });
    // Each RFQ went through strategy and guard to the point of sending: the proof none was sent.
    const wouldQuote = () =>
      new Set(lines.filter((l) => l.msg === 'dry run: would quote').map((l) => l['rfqId']));
    await waitFor(() => wouldQuote().size === 3, { what: 'three RFQs priced in dry run' });
    expect(await simQuotes(ts, user!)).toEqual([]);
    const stats = await ts.admin<Record<string, number>>('GET', '/_sim/stats');
    expect(stats.body['quotesCreated'] ?? 0).toBe(0);
  });
});
