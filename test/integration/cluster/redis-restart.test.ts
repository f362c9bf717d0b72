/**
 * Redis killed (SIGKILL, no persistence: every key lost) and started again while two instances
 * quote one event under a shared limit: during the outage they say so (metric, readiness) and
 * send no new quote; the limit holds at the exchange throughout; once Redis is back every live
 * quote is published again (nothing lost) and quoting resumes.
 */
import { describe, expect, it } from 'vitest';
import { simQuotes } from '../../helpers/bot.js';
import { activeMarkets, createRfqs, redisForTest, simStats, startTestSimulator, twoBots } from './helpers.js';

const PER_EVENT = 4;

describe('Redis down and back (real redis-server)', () => {
  it('loses nothing and breaks no limit', async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({ userCount: 1, takers: false, walkIntervalMs: 0 });
    const user = ts.users[0]!;
    const byEvent = new Map<string, string[]>();
    for (const m of await activeMarkets(ts))
      byEvent.set(m.event_ticker, [...(byEvent.get(m.event_ticker) ?? []), m.ticker]);
    const [m1, m2] = [...byEvent.values()].find((l) => l.length >= 2)!;
    const patch = {
      // Presence outlives the outage (TTL 12 s; with the reconnect, several seconds on a loaded
      // machine): live quotes are kept through it.
      cluster: { redis: redis.url, failoverMs: 20_000 },
      risk: { maxOpenQuotesPerEvent: PER_EVENT },
      poller: { intervalMs: 150, websocket: false },
      // Accepts polled at 500 ms: at the helpers' 100 ms the two instances' polls alone would
      // ask for the whole read budget, and RFQ listings (the lowest priority) would starve.
      quoting: { ttlMs: 60_000, acceptPollIntervalMs: 500 },
    };
    const [a, b] = await twoBots(ts, patch, [
      { poller: { filters: { marketTickers: [m1] } } },
      { poller: { filters: { marketTickers: [m2] } } },
    ]);
    await createRfqs(ts, m1!, 3);
    await createRfqs(ts, m2!, 3);
    let peak = 0;
    const sample = async () => {
      const open = await simQuotes(ts, user, 'open');
      peak = Math.max(peak, open.length);
      return open;
    };
    const waitLive = async (n: number) => {
      for (let i = 0; i < 200 && (await sample()).length < n; i++)
        await new Promise((r) => setTimeout(r, 50));
    };
    await waitLive(PER_EVENT);
    const before = await sample();
    expect(before.length).toBe(PER_EVENT);

    await redis.kill();
    const downUntil = Date.now() + 2_000;
    let sawDown = false;
    while (Date.now() < downUntil) {
      await sample();
      if (a.app.cluster?.connection.up === false && b.app.cluster?.connection.up === false) sawDown = true;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(sawDown).toBe(true);
    const metrics = await a.app.metrics.registry.getSingleMetricAsString('kalshi_rfq_cluster_redis_up');
    expect(metrics).toMatch(/kalshi_rfq_cluster_redis_up 0/);
    expect(a.app.cluster?.readiness().ok).toBe(false);
    // More RFQs arrive while Redis is down: no new quote goes out. The poller skips its listings
    // while Redis is unreachable (nothing could be quoted); three of its turns are the proof.
    const cycles = async () =>
      (await a.app.metrics.pollerCycles.get()).values.reduce((sum, v) => sum + v.value, 0);
    const cyclesBefore = await cycles();
    await createRfqs(ts, m1!, 2);
    for (let i = 0; i < 200 && (await cycles()) < cyclesBefore + 3; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await cycles()).toBeGreaterThanOrEqual(cyclesBefore + 3);
    const nowOpen = (await sample()).map((q) => q.id).sort();
    // A quote gone: its record at the exchange and whether an instance still tracks it.
    const gone = before.filter((q) => !nowOpen.includes(q.id)).map((q) => q.id);
    const goneRecords =
      gone.length === 0 ? [] : (await simQuotes(ts, user)).filter((q) => gone.includes(q.id));
    const tracked = gone.map((id) => [a, b].map((bot) => bot.app.store.byQuoteId(id)?.state ?? 'untracked'));
    expect(nowOpen, JSON.stringify({ goneRecords, tracked })).toEqual(before.map((q) => q.id).sort());

    await redis.restart();
    // Back, but no new quote until every instance has had time to re-publish what Redis lost
    // and this one has read it: opening at once quoted into room the others still held.
    for (let i = 0; i < 200 && !a.app.cluster?.connection.up; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(a.app.cluster?.blocked()).toBe('re-syncing reservations after Redis returned');
    const client = redis.client();
    // Every live quote is published again (Redis had lost all its keys).
    let published = 0;
    for (let i = 0; i < 100; i++) {
      const keys = await client.keys('krm:*:resv');
      published = keys.length === 0 ? 0 : await client.hlen(keys[0]!);
      if (published >= PER_EVENT && a.app.cluster?.readiness().ok && b.app.cluster?.readiness().ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(published).toBe((await sample()).length);
    expect(a.app.cluster?.readiness().ok).toBe(true);
    for (let i = 0; i < 200 && a.app.cluster?.blocked() !== undefined; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(a.app.cluster?.blocked()).toBeUndefined();

    // The limit still binds: quotes end, the RFQs waiting get quoted, never above the limit. The
    // quotes that end are A's, where the RFQs created during the outage wait (room another
    // instance frees does not wake them: docs/cluster.md).
    for (let i = 0; i < 300 && a.app.manager.quoter.waitingForRoom < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(a.app.manager.quoter.waitingForRoom).toBeGreaterThanOrEqual(2);
    for (const q of (await sample()).filter((quote) => quote.market_ticker === m1).slice(0, 2)) {
      await ts.admin('POST', `/_sim/rfqs/${q.rfq_id}/close`, { reason: 'deleted_by_creator' });
    }
    // Sampled throughout: the peak is checked below.
    const resumeUntil = Date.now() + 15_000;
    while (Date.now() < resumeUntil && (await sample()).length < PER_EVENT) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 10; i++) {
      await sample();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await sample()).length).toBe(PER_EVENT);
    expect(peak).toBeLessThanOrEqual(PER_EVENT);
    expect((await simStats(ts))['rateLimited'] ?? 0).toBe(0);
    await Promise.all([a.app.stop('test'), b.app.stop('test')]);
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
  }, 60_000);
});
