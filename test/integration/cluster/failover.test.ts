/**
 * Hot standby: a leader process and a standby (in-process) in one group on one account. The
 * leader is killed with SIGKILL while it has quotes open and an accept pending: the standby
 * holds the lease within 5 s, adopts every quote the leader left (none is left untracked),
 * and confirms the pending accept inside its window.
 */
import { describe, expect, it } from 'vitest';
import { simQuotes, startBot } from '../../helpers/bot.js';
import { spawnBot } from '../../helpers/bot-process.js';
import { activeMarkets, createRfqs, redisForTest, startTestSimulator } from './helpers.js';

const CONFIRM_WINDOW_MS = 10_000;

async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hot standby (real redis-server, real kill -9)', () => {
  it('the standby takes over within 5 s: no orphan quote, the pending accept confirmed in its window', async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({
      userCount: 1,
      takers: false,
      walkIntervalMs: 0,
      lifecycle: { confirmWindowMs: CONFIRM_WINDOW_MS, executionDelayMs: 300 },
    });
    const user = ts.users[0]!;
    const markets = (await activeMarkets(ts)).filter((m) => !m.high_volatility).slice(0, 3);
    const group = {
      cluster: { redis: redis.url, group: 'desk', failoverMs: 5_000 },
      poller: { intervalMs: 200, websocket: false },
      exchange: { confirmWindowMs: CONFIRM_WINDOW_MS },
      quoting: { ttlMs: 60_000 },
    };
    // The leader looks for accepts only once a second, so the accept below is still pending when it dies.
    const leader = spawnBot(ts, user, { ...group, quoting: { ttlMs: 60_000, acceptPollIntervalMs: 1_000 } });
    await until(() => (/now the leader/.test(leader.output()) ? true : undefined), 15_000);
    expect(leader.output()).toMatch(/now the leader/);
    const standby = await startBot(ts, user, group);
    expect(standby.app.cluster?.membership.leading()).toBe(false);

    for (const m of markets) await createRfqs(ts, m.ticker, 2);
    const open = await until(async () => {
      const quotes = await simQuotes(ts, user, 'open');
      return quotes.length >= markets.length * 2 ? quotes : undefined;
    }, 10_000);
    expect(open?.length).toBe(markets.length * 2);
    expect(standby.app.store.countLive()).toBe(0);

    const accepted = open![0]!;
    const res = await ts.admin('POST', `/_sim/quotes/${accepted.id}/accept`, { accepted_side: 'yes' });
    expect(res.status).toBe(200);
    leader.child.kill('SIGKILL');
    const killedAt = Date.now();
    await leader.exited;

    const tookOverAt = await until(
      () => (standby.app.cluster?.membership.leading() ? Date.now() : undefined),
      6_000,
    );
    expect(tookOverAt).toBeDefined();
    expect(tookOverAt! - killedAt).toBeLessThan(5_000);

    // Within 5 s of the kill every quote the leader left is tracked by the new leader (adopted) or gone.
    await until(
      async () => {
        const left = await simQuotes(ts, user, 'open');
        return left.every((q) => standby.app.store.byQuoteId(q.id) !== undefined) ? true : undefined;
      },
      Math.max(0, killedAt + 5_000 - Date.now()),
    );
    const orphans = (await simQuotes(ts, user, 'open')).filter(
      (q) => standby.app.store.byQuoteId(q.id) === undefined,
    );
    expect(orphans.map((q) => q.id)).toEqual([]);

    const confirmed = await until(async () => {
      const all = await simQuotes(ts, user);
      const q = all.find((x) => x.id === accepted.id);
      return typeof q?.['confirmed_ts'] === 'string' ? q : undefined;
    }, CONFIRM_WINDOW_MS);
    expect(confirmed).toBeDefined();
    const inWindow =
      Date.parse(confirmed!['confirmed_ts'] as string) - Date.parse(confirmed!['accepted_ts'] as string);
    expect(inWindow).toBeLessThan(CONFIRM_WINDOW_MS);
    // Confirmed by the new leader: the old one was dead by then.
    expect(Date.parse(confirmed!['confirmed_ts'] as string)).toBeGreaterThan(killedAt);

    const report = await standby.app.stop('test');
    expect(report.openAtExit).toBe(0);
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
  }, 60_000);
});
