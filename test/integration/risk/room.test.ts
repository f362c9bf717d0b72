import { describe, expect, it } from 'vitest';
import { pollCyclesPass, simQuotes, startBot } from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

describe('RFQs refused for want of room', () => {
  it('are quoted once a quote of ours ends and frees room under maxOpenQuotes', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    // Polls every 100 ms even with push connected: each is a chance to requote wrongly.
    const { app } = await startBot(ts, user!, {
      risk: { maxOpenQuotes: 2 },
      poller: { intervalWithPushMs: 100 },
    });

    const created = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 3, contracts: 5 });
    const rfqIds = created.body.ids;
    const open = await waitFor(
      async () => {
        const quotes = await simQuotes(ts, user!, 'open');
        return quotes.length === 2 && app.manager.quoter.waitingForRoom === 1 ? quotes : undefined;
      },
      { what: 'two quotes open and one RFQ waiting for room' },
    );
    const waiting = rfqIds.find((id) => !open.some((q) => q.rfq_id === id))!;
    // The limit holds while nothing ends: the bot lists the RFQs again and again, and still waits.
    await pollCyclesPass(app, 3);
    expect(await simQuotes(ts, user!, 'open')).toHaveLength(2);
    expect(app.manager.quoter.waitingForRoom).toBe(1);

    // Its requester closes one of the quoted RFQs: our quote there ends, the waiting RFQ fits.
    await ts.admin('POST', `/_sim/rfqs/${open[0]!.rfq_id}/close`, { reason: 'test' });
    const after = await waitFor(
      async () => {
        const quotes = await simQuotes(ts, user!, 'open');
        return quotes.some((q) => q.rfq_id === waiting) ? quotes : undefined;
      },
      { what: 'the waiting RFQ to be quoted' },
    );
    expect(after).toHaveLength(2);
    expect(app.manager.quoter.waitingForRoom).toBe(0);
  });
});
