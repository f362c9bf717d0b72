import { describe, expect, it } from 'vitest';
import { simQuotes, startBot, waitForOpenQuotes } from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';
import { SteppedClock } from '../../helpers/stepped-clock.js';

const MINUTE = 60_000;

/** A cron expression matching only the given UTC minute. */
function minuteCron(at: Date): string {
  return `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

/** A clock shared by the bot and the simulator, `leadMs` before the next UTC minute now. */
function clockBeforeMinuteEnd(leadMs: number) {
  const now = Date.now();
  const nextMinute = Math.ceil((now + leadMs + 1) / MINUTE) * MINUTE;
  const clock = new SteppedClock(nextMinute - leadMs - now);
  return { clock, windowEnd: nextMinute };
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
    // Each RFQ reaches the quoter and is turned away there: the proof that none will be quoted.
    await waitFor(
      async () => {
        const { values } = await app.metrics.strategySkips.get();
        return values.find((v) => v.labels.reason === 'blocked')?.value === 3;
      },
      { what: 'three RFQs refused for the closed window' },
    );
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
    expect(app.store.countLive()).toBe(0);
  });

  it('pulls every quote when a window ends', async () => {
    // Bot and exchange share a clock set 30 s before a minute's end; that minute is the window.
    const { clock, windowEnd } = clockBeforeMinuteEnd(30_000);
    const ts = await startTestSimulator({ userCount: 1, clock, wallClock: clock });
    const [user] = ts.users;
    const { app } = await startBot(
      ts,
      user!,
      { risk: { windows: [{ cron: minuteCron(new Date(windowEnd - 1)), timezone: 'UTC' }] } },
      { clock },
    );
    expect(app.windows.isActive()).toBe(true);
    await ts.admin('POST', '/_sim/rfqs', { count: 3, contracts: 5 });
    await waitForOpenQuotes(ts, user!, 3, { what: 'three quotes' });
    expect(clock.now()).toBeLessThan(windowEnd);
    // Skip the rest of the wait: the window now ends in 300 ms, for bot and exchange alike.
    clock.step(windowEnd - 300 - clock.now());

    await waitFor(
      async () => app.store.countLive() === 0 && (await simQuotes(ts, user!, 'open')).length === 0,
      {
        timeoutMs: windowEnd - clock.now() + 10_000,
        intervalMs: 100,
        what: 'the quotes to be pulled at the end of the window',
      },
    );
    expect(clock.now()).toBeGreaterThanOrEqual(windowEnd - 100);
    expect(app.windows.isActive()).toBe(false);
  });
});
