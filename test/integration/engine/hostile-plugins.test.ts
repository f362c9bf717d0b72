/**
 * Hostile strategy plugins against the real bot (issue 12): one that spins, one that calls
 * process.exit, one that writes into its inputs. The plugins are in test/fixtures/hostile-strategies.
 * `HOSTILE_ISOLATION=in-process` runs the same tests the way strategies ran before workers: they
 * then fail (the kill switch and SIGTERM wait for the spin, the process exits with quotes live).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SimQuote, simQuotes, startBot, TEST_OPS_TOKEN, waitForOpenQuotes } from '../../helpers/bot.js';
import { type BotProcess, spawnBot } from '../../helpers/bot-process.js';
import {
  type SimTestUser,
  startTestSimulator,
  type TestSimulator,
  waitFor,
} from '../../helpers/simulator.js';
import { captureLogger } from '../../unit/strategy/support.js';

const HOSTILE_DIR = resolve(import.meta.dirname, '../../fixtures/hostile-strategies');
const ISOLATION = process.env['HOSTILE_ISOLATION'] === 'in-process' ? 'in-process' : 'worker';

interface Markets {
  /** Markets the well-behaved fixed-spread route quotes. */
  readonly normal: readonly string[];
  /** A market of its own for the hostile route. */
  readonly hostile: string;
}

async function pickMarkets(ts: TestSimulator): Promise<Markets> {
  const { body } = await ts.admin<{ markets: { ticker: string; status: string }[] }>('GET', '/_sim/markets');
  const active = body.markets.filter((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'));
  return { hostile: active[0]!.ticker, normal: active.slice(1, 4).map((m) => m.ticker) };
}

function routes(markets: Markets, hostile: Record<string, unknown>) {
  return {
    strategies: {
      dir: HOSTILE_DIR,
      routes: [
        { name: 'hostile', match: { markets: [markets.hostile] }, isolation: ISOLATION, ...hostile },
        { name: 'default', strategy: 'fixed-spread', options: { spread: '0.04', maxBookSpread: '0.50' } },
      ],
    },
  };
}

async function rfqOn(ts: TestSimulator, market: string, contracts = 5): Promise<string> {
  const { body } = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', { market_ticker: market, contracts });
  return body.id;
}

async function quoteNormalMarkets(
  ts: TestSimulator,
  user: SimTestUser,
  markets: Markets,
): Promise<SimQuote[]> {
  for (const market of markets.normal) await rfqOn(ts, market);
  return waitFor(
    async () => {
      const open = await simQuotes(ts, user, 'open');
      return open.length === markets.normal.length && open;
    },
    { timeoutMs: 20_000, what: 'the bot to quote the well-behaved markets' },
  );
}

function logLines(bot: BotProcess): Record<string, unknown>[] {
  return bot
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe(`hostile plugins (isolation: ${ISOLATION})`, () => {
  it('the kill switch (POST /kill) pulls every quote within 1 s while a strategy spins', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const markets = await pickMarkets(ts);
    const bot = spawnBot(ts, user, routes(markets, { strategy: 'spin', options: { spinMs: 6_000 } }));
    await quoteNormalMarkets(ts, user, markets);
    const ops = await waitFor(() => logLines(bot).find((l) => l['msg'] === 'quoting')?.['ops'] as string, {
      what: 'the ops server address',
    });
    await rfqOn(ts, markets.hostile);
    await waitFor(() => bot.output().includes('"msg":"spinning"'), { what: 'the strategy to spin' });

    const started = Date.now();
    const kill = await fetch(`${ops}/kill`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_OPS_TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(kill.status).toBe(200);
    await waitForOpenQuotes(ts, user, 0, {
      timeoutMs: 10_000,
      intervalMs: 10,
      what: 'every quote to be pulled',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 40_000);

  it('SIGTERM while a strategy spins for ever: exit 0 within seconds, no quote live', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const markets = await pickMarkets(ts);
    // For ever in a worker; 15 s in-process (it would never end there).
    const spinMs = ISOLATION === 'worker' ? 0 : 15_000;
    const bot = spawnBot(ts, user, routes(markets, { strategy: 'spin', options: { spinMs } }));
    await quoteNormalMarkets(ts, user, markets);
    await rfqOn(ts, markets.hostile);
    await waitFor(() => bot.output().includes('"msg":"spinning"'), { what: 'the strategy to spin' });

    const started = Date.now();
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(bot.output()).toContain('stopped cleanly');
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
  }, 40_000);

  it('process.exit and process.kill in a strategy: the bot stays up, keeps quoting, and shuts down cleanly', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const markets = await pickMarkets(ts);
    const bot = spawnBot(ts, user, routes(markets, { strategy: 'exit', options: { how: 'exit' } }));
    await quoteNormalMarkets(ts, user, markets);
    const exitRfq = await rfqOn(ts, markets.hostile);
    await waitFor(
      () =>
        logLines(bot).some(
          (l) => l['rfqId'] === exitRfq && String(l['reason']).includes('process.exit() is not available'),
        ),
      { what: 'the process.exit attempt to be skipped' },
    );
    expect(bot.child.exitCode).toBeNull();
    // Still quoting: a new RFQ on a well-behaved market gets its quote.
    const later = await rfqOn(ts, markets.normal[0]!);
    await waitFor(async () => (await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === later), {
      what: 'a quote after the exit attempt',
    });
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
  }, 40_000);

  it('a strategy that writes into the RFQ cannot shrink it past maxContractsPerQuote', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const markets = await pickMarkets(ts);
    const { logger, lines } = captureLogger('info');
    const { app } = await startBot(
      ts,
      user,
      { ...routes(markets, { strategy: 'mutate' }), risk: { maxContractsPerQuote: '100' } },
      { logger },
    );
    const small = await rfqOn(ts, markets.hostile, 50);
    await waitFor(async () => (await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === small), {
      timeoutMs: 15_000,
      what: 'the mutating strategy to quote a 50-contract RFQ',
    });
    const big = [await rfqOn(ts, markets.hostile, 130), await rfqOn(ts, markets.hostile, 186)];
    await waitFor(
      () =>
        big.every((id) => lines.some((l) => l.msg === 'quote refused by risk guard' && l['rfqId'] === id)),
      { timeoutMs: 15_000, what: 'both large RFQs to be refused by the guard' },
    );
    const open = await simQuotes(ts, user, 'open');
    expect(open.filter((q) => big.includes(q.rfq_id))).toEqual([]);
    expect(app.book.get(big[0]!)?.size).toEqual({ kind: 'contracts', contracts: 13_000 });
  }, 40_000);

  it('a route disabled by repeated failures has its live quotes pulled, counts in the metrics, and comes back on reload', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const markets = await pickMarkets(ts);
    const patch = {
      ...routes(markets, { strategy: 'flaky', options: { throwFrom: 2_000 } }),
      strategies: {
        ...routes(markets, { strategy: 'flaky', options: { throwFrom: 2_000 } }).strategies,
        circuitBreaker: { maxFailures: 3, windowMs: 60_000, cooldownMs: 0 },
      },
    };
    const { app, config } = await startBot(ts, user, patch);
    const quoted = await rfqOn(ts, markets.hostile, 5);
    await waitFor(async () => (await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === quoted), {
      what: 'the flaky strategy to quote a small RFQ',
    });
    for (let i = 0; i < 3; i++) await rfqOn(ts, markets.hostile, 30);
    await waitFor(() => app.runner.disabledRoutes.length === 1, { what: 'the flaky route to be disabled' });
    expect(app.runner.disabledRoutes).toEqual(['routes[0] "hostile"']);
    await waitFor(async () => !(await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === quoted), {
      what: "the disabled route's quote to be pulled",
    });
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toMatch(/kalshi_rfq_strategy_failures_total\{strategy="flaky",kind="threw"\} [3-9]/);
    expect(metrics).toMatch(/kalshi_rfq_strategy_routes_disabled 1/);
    // Well-behaved routes kept quoting.
    const other = await rfqOn(ts, markets.normal[0]!);
    await waitFor(async () => (await simQuotes(ts, user, 'open')).some((q) => q.rfq_id === other), {
      what: 'the default route to quote',
    });
    expect(await app.reload(config)).toEqual({ applied: true, changed: [] });
    expect(app.runner.disabledRoutes).toEqual([]);
    expect(await app.metrics.registry.metrics()).toMatch(/kalshi_rfq_strategy_routes_disabled 0/);
  }, 40_000);
});
