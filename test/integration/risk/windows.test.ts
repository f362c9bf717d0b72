import { describe, expect, it } from 'vitest';
import { simQuotes, startBot } from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A cron expression matching only the given UTC minute. */
function minuteCron(at: Date): string {
  return `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

describe('trading windows against the simulator', () => {
  it('does not quote outside its windows', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const elsewhere = new Date(Date.now() + 3 * 3_600_000);
    const { app } = await startBot(ts, user!, {
      risk: { windows: [{ cron: minuteCron(elsewhere), timezone: 'UTC' }] },
    });
    expect(app.windows.isActive()).toBe(false);
    await ts.admin('POST', '/_sim/rfqs', { count: 3, contracts: 5 });
    await waitFor(() => app.book.size === 3, { what: 'the poller to see the RFQs' });
    await sleep(500);
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
  });

  it('pulls every quote when a window ends', { timeout: 90_000 }, async () => {
    // Start with at least 8 s of the current minute left, then make that minute the window.
    if (new Date().getUTCSeconds() > 52) await sleep((61 - new Date().getUTCSeconds()) * 1_000);
    const now = new Date();
    const windowEnd = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const { app } = await startBot(ts, user!, {
      risk: { windows: [{ cron: minuteCron(now), timezone: 'UTC' }] },
    });
    expect(app.windows.isActive()).toBe(true);
    await ts.admin('POST', '/_sim/rfqs', { count: 3, contracts: 5 });
    await waitFor(async () => (await simQuotes(ts, user!, 'open')).length === 3, { what: 'three quotes' });

    await waitFor(
      async () => app.store.countLive() === 0 && (await simQuotes(ts, user!, 'open')).length === 0,
      {
        timeoutMs: windowEnd - Date.now() + 10_000,
        intervalMs: 100,
        what: 'the quotes to be pulled at the end of the window',
      },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(windowEnd - 100);
    expect(app.windows.isActive()).toBe(false);
  });
});
