/**
 * An executed quote of one instance stays published in Redis, marked executed, until every other
 * instance on the account has booked the fills before it (a fill sync of theirs caught up with
 * the exchange's positions): until then they count what they lack of it (unit test:
 * test/unit/cluster/exposure-book.test.ts), and released at once it could vanish from their view
 * before its fills reach their positions.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE } from '../../../src/simulator/options.js';
import { simQuotes } from '../../helpers/bot.js';
import { waitFor } from '../../helpers/simulator.js';
import { activeMarkets, createRfqs, redisForTest, startTestSimulator, twoBots } from './helpers.js';

interface Stored {
  readonly e: { readonly rfqId: string; readonly filled?: number; readonly orderId?: string };
  readonly x?: number;
}

describe('executed reservations (real redis-server)', () => {
  it("stay until the other instance's fills have caught up, then go", async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({
      userCount: 1,
      lifecycle: { ...DEFAULT_LIFECYCLE, rfqTtlMs: 0, executionDelayMs: 200, hvExecutionDelayMs: 200 },
    });
    const [m1, m2] = (await activeMarkets(ts)).map((m) => m.ticker);
    const [a] = await twoBots(
      ts,
      { cluster: { redis: redis.url, failoverMs: 2_000 }, poller: { intervalMs: 150 } },
      [{ poller: { filters: { marketTickers: [m1] } } }, { poller: { filters: { marketTickers: [m2] } } }],
    );
    const [rfqId] = await createRfqs(ts, m2!, 1);
    const quote = await waitFor(
      async () => (await simQuotes(ts, ts.users[0]!, 'open')).find((q) => q.rfq_id === rfqId),
      { what: "the second instance's quote" },
    );
    const accept = await ts.admin('POST', `/_sim/quotes/${quote.id}/accept`, { accepted_side: 'yes' });
    expect(accept.status).toBe(200);
    const client = redis.client();
    const [key] = await client.keys('krm:*:resv');
    const stored = async () => Object.values(await client.hgetall(key!)).map((v) => JSON.parse(v) as Stored);
    const [executed] = await waitFor(
      async () => {
        const all = await stored();
        return all.length === 1 && all[0]!.x !== undefined ? all : undefined;
      },
      { what: 'the quote executed and its reservation marked so' },
    );
    expect(executed!.e).toMatchObject({ rfqId, filled: Math.round(Number(quote['yes_contracts_fp']) * 100) });
    // Its fills reach the other instance too: as another instance's, not as strangers'.
    await waitFor(() => a.app.cluster?.othersOrder(executed!.e.orderId!) === true, {
      what: 'the order known to the other instance as not its own',
    });
    // Past the slack on the others' catch-up time, nothing yet tells it that they caught up.
    await waitFor(() => Date.now() > executed!.x! + 2_100, { what: 'the slack passed' });
    expect((await stored()).length).toBe(1);

    await a.app.schedules.reconcile();
    await waitFor(async () => (await stored()).length === 0, { what: 'the executed reservation released' });
  }, 30_000);
});
