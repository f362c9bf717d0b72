/**
 * Two instances on one key share the account's write budget through Redis: under a flood of
 * RFQs (short TTLs keep creates and deletes churning) they use nearly all of it together,
 * and the exchange never answers 429. Without Redis the same two instances overrun it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../../helpers/bot.js';
import { waitFor } from '../../helpers/simulator.js';
import {
  activeMarkets,
  createRfqs,
  redisForTest,
  simStats,
  splitMarkets,
  startTestSimulator,
  twoBots,
} from './helpers.js';

// Two seconds of refill: a pause of the loaded test machine shorter than that loses no tokens (a
// one-second bucket lost up to 15% of the window in ~1 full run in 8), and the share measured is
// of the refill alone, the window starting long after the bucket was drained.
const WRITE = { refillRate: 40, capacity: 80 };
const LIMITS = { read: { refillRate: 1000, capacity: 1000 }, write: WRITE };
const FLOOD_PATCH = {
  poller: { intervalMs: 200, websocket: false },
  quoting: { ttlMs: 300, sweepIntervalMs: 100, acceptPollIntervalMs: 200 },
  exchange: { confirmReserveTokens: 6 },
};

/** Write tokens the exchange charged between two stats reads (creates and deletes cost 2, confirms 10). */
function writeTokens(before: Record<string, number>, after: Record<string, number>): number {
  const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  return 2 * d('quotesCreated') + 2 * d('quotesDeleted') + 10 * d('confirms');
}

/** The error a bot logs when quotes it did not create keep appearing (another quoter on the key). */
const ANOTHER_QUOTER = /another process may be quoting with this API key/;

async function flood(patch: Record<string, unknown>) {
  const ts = await startTestSimulator({ userCount: 1, takers: false, rateLimits: LIMITS, walkIntervalMs: 0 });
  const markets = (await activeMarkets(ts)).slice(0, 12).map((m) => m.ticker);
  const logs = [capturingLogger('warn'), capturingLogger('warn')] as const;
  const [a, b] = await twoBots(ts, { ...FLOOD_PATCH, ...patch }, splitMarkets(markets), [
    { logger: logs[0].logger },
    { logger: logs[1].logger },
  ]);
  for (const market of markets) await createRfqs(ts, market, 8);
  await new Promise((r) => setTimeout(r, 2_000));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const before = await simStats(ts);
  // Two full runs of the suite measured 79% and 82% (fewer creates, as many deletes), with stalls
  // of this process longer than the 200 ms Redis command time-out, which then marked a Redis that
  // had answered down and stopped new quotes (fixed: docs/reliability.md item 38; the likely
  // cause). The longest pause of both bots' writes is in the message.
  const windowMs = 6_000;
  const sentBy = () => a.app.queue.stats().write.sent + b.app.queue.stats().write.sent;
  let lastSent = { count: sentBy(), at: performance.now() };
  let longestIdleMs = 0;
  const watch = setInterval(() => {
    const count = sentBy();
    const now = performance.now();
    if (count !== lastSent.count) lastSent = { count, at: now };
    longestIdleMs = Math.max(longestIdleMs, now - lastSent.at);
  }, 20);
  await new Promise((r) => setTimeout(r, windowMs));
  clearInterval(watch);
  const after = await simStats(ts);
  lag.disable();
  const used = writeTokens(before, after) / ((WRITE.refillRate * windowMs) / 1000);
  // What the exchange counted in the window, for a failure's message.
  const counted = Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );
  counted['longestWithoutAWriteMs'] = Math.round(longestIdleMs);
  counted['lagMaxMs'] = Math.round(lag.max / 1e6);
  counted['lagP99Ms'] = Math.round(lag.percentile(99) / 1e6);
  const created = [a, b].map((bot) => bot.app.queue.stats().write.sent);
  await Promise.all([a.app.stop('test'), b.app.stop('test')]);
  const warned = logs.map(({ lines }) => lines.some((line) => ANOTHER_QUOTER.test(line.msg ?? '')));
  return {
    used,
    rateLimited: (after['rateLimited'] ?? 0) - (before['rateLimited'] ?? 0),
    created,
    warned,
    counted,
  };
}

describe('shared budgets (real redis-server)', () => {
  it('two instances on one key use ≥ 85% of the write budget together with no 429', async () => {
    const redis = await redisForTest();
    const result = await flood({ cluster: { redis: redis.url, failoverMs: 2_000 } });
    expect(result.rateLimited, JSON.stringify(result.counted)).toBe(0);
    expect(
      result.used,
      JSON.stringify({ created: result.created, ...result.counted }),
    ).toBeGreaterThanOrEqual(0.85);
    expect(result.created.every((n) => n > 0)).toBe(true);
    // Each leaves the other's quotes alone: neither takes the other for a stray quoter.
    expect(result.warned).toEqual([false, false]);
  }, 40_000);

  it('without Redis the same two instances overrun the budget (429s): the test above is not vacuous', async () => {
    const ts = await startTestSimulator({
      userCount: 1,
      takers: false,
      rateLimits: LIMITS,
      walkIntervalMs: 0,
    });
    const markets = (await activeMarkets(ts)).slice(0, 12).map((m) => m.ticker);
    const logs = [capturingLogger('warn'), capturingLogger('warn')] as const;
    const [a, b] = await twoBots(ts, FLOOD_PATCH, splitMarkets(markets), [
      { logger: logs[0].logger },
      { logger: logs[1].logger },
    ]);
    for (const market of markets) await createRfqs(ts, market, 8);
    // The first 429 is the proof; no need to watch the whole window.
    let rateLimited = 0;
    for (let i = 0; i < 200 && rateLimited === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rateLimited = (await simStats(ts))['rateLimited'] ?? 0;
    }
    expect(rateLimited).toBeGreaterThan(0);
    // Each deletes the other's quotes as strays, and says what is wrong.
    await waitFor(
      () => logs.every(({ lines }) => lines.some((line) => ANOTHER_QUOTER.test(line.msg ?? ''))),
      {
        what: 'both instances to say another process quotes with their key',
      },
    );
    await Promise.all([a.app.stop('test'), b.app.stop('test')]);
  }, 40_000);
});
