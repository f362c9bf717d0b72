/**
 * A stop that begins while a quote is confirmed and its execution is still on the way (the chaos
 * scenario `accept-during-delete`, whose last accepts land as the stop begins): the requester
 * accepts just before our delete lands, last look confirms, and the exchange executes only after
 * `app.stop()` has closed the queue. The stop waits for that execution and must see it, so the
 * fill is the quote's own: nothing counted twice in the bot's view, nothing left reserved, and
 * the stop ends once the execution settled rather than at its deadline.
 */
import { describe, expect, it } from 'vitest';
import { exposureId } from '../../../src/quotes/context.js';
import { startBot } from '../../helpers/bot.js';
import { listFills, oracleBook } from '../../helpers/fill-oracle.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

const MARKET = 'KXFEDDECISION-26DEC-H0';
const SHUTDOWN_TIMEOUT_MS = 10_000;

describe('a stop while a confirmed quote awaits its execution', () => {
  it('sees the execution through the closing queue: the fill is linked, counted once, and the stop ends early', async () => {
    const ts = await startTestSimulator({
      userCount: 1,
      // The execution lands well after the stop has begun.
      lifecycle: { confirmWindowMs: 5_000, executionDelayMs: 1_500, hvExecutionDelayMs: 1_500 },
      truth: { bookExecution: true },
    });
    const user = ts.users[0]!;
    const { app } = await startBot(ts, user, {
      quoting: {
        ttlMs: 1_500,
        sweepIntervalMs: 200,
        fillSettleMs: 200,
        fillSyncIntervalMs: 500,
        shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      },
    });
    // Every delete of ours meets the requester's accept (404; the quote stays accepted).
    expect((await ts.admin('PUT', '/_sim/faults', { spec: 'acceptDuringDelete=1' })).status).toBe(200);
    const created = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
      market_ticker: MARKET,
      count: 1,
      contracts: 10,
    });
    expect(created.status).toBe(201);
    const quote = await waitFor(() => [...app.store.all()].find((q) => q.state === 'confirmed'), {
      timeoutMs: 15_000,
      what: 'a quote accepted during its delete, then confirmed',
    });
    expect(quote.endReason).toBeUndefined();

    const startedAt = Date.now();
    await app.stop('test: stop with a confirm awaiting execution');
    const stopMs = Date.now() - startedAt;

    expect(quote).toMatchObject({ state: 'executed', fillOutcome: 'filled' });
    expect(quote.orderId).toBeDefined();
    expect(quote.filledContracts).toBe(quote.acceptedContracts);
    // Counted once: the position the fill made, no reservation beside it.
    expect(app.exposure.liveQuote(exposureId(quote))).toBeUndefined();
    const market = app.exposure.riskView(app.riskLimits).markets.get(MARKET);
    expect(market?.worstContracts).toBe(quote.acceptedContracts);
    const oracle = oracleBook(await listFills(ts.url, user.key));
    expect(BigInt(app.exposure.position(MARKET))).toBe(oracle.positions.get(MARKET)?.contracts);
    // Ended once the execution settled, not when the wait for it ran out.
    expect(stopMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS - 3_000);
  });
});
