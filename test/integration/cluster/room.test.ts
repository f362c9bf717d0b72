/**
 * Two instances on one account share its limits through Redis: an RFQ one instance turned away
 * for want of room is quoted once a quote of the other ends, without waiting for a quote of its
 * own to end or for the RFQ to change.
 */
import { describe, expect, it } from 'vitest';
import { pollCyclesPass, simQuotes } from '../../helpers/bot.js';
import { waitFor } from '../../helpers/simulator.js';
import { activeMarkets, createRfqs, redisForTest, startTestSimulator, twoBots } from './helpers.js';

describe('room another instance frees (real redis-server)', () => {
  it('wakes the RFQs this instance turned away for want of room under a shared limit', async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const [m1, m2] = (await activeMarkets(ts)).map((m) => m.ticker);
    const [a, b] = await twoBots(
      ts,
      {
        cluster: { redis: redis.url, failoverMs: 2_000 },
        risk: { maxOpenQuotes: 1 },
        poller: { intervalWithPushMs: 100 },
      },
      [{ poller: { filters: { marketTickers: [m1] } } }, { poller: { filters: { marketTickers: [m2] } } }],
    );
    const [theirs] = await createRfqs(ts, m2!, 1);
    await waitFor(async () => (await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === theirs), {
      what: "the second instance's quote",
    });
    const [ours] = await createRfqs(ts, m1!, 1);
    await waitFor(() => a.app.manager.quoter.waitingForRoom === 1, {
      what: 'the first instance to turn its RFQ away for want of room',
    });
    // The account's limit holds while nothing ends: listings come and go, the RFQ still waits.
    await pollCyclesPass(a.app, 3);
    expect((await simQuotes(ts, user, 'open')).map((q) => q.rfq_id)).toEqual([theirs]);

    // Its requester closes the other instance's RFQ: that quote ends, and ours fits.
    await ts.admin('POST', `/_sim/rfqs/${theirs}/close`, { reason: 'test' });
    await waitFor(async () => (await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === ours), {
      what: "the first instance's waiting RFQ to be quoted",
    });
    expect(a.app.manager.quoter.waitingForRoom).toBe(0);
    expect(b.app.manager.quoter.waitingForRoom).toBe(0);
  }, 30_000);
});
