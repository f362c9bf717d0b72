/**
 * Keys marked `reload: 'hot'` that the running bot used to keep at their startup values: for each,
 * a bot starts with one value, a reload changes only that key, and the bot's behaviour shows the
 * new value in force.
 */
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app/app.js';
import {
  botConfig,
  capturingLogger,
  freshListing,
  type LoggedLine,
  metricValue,
  simQuotes,
  startBot,
  waitForOpenQuotes,
} from '../../helpers/bot.js';
import { merge, type Raw } from '../../helpers/config.js';
import {
  type SimTestUser,
  startTestSimulator,
  type TestSimulator,
  waitFor,
} from '../../helpers/simulator.js';

const RELOAD_STRATEGIES = resolve(import.meta.dirname, '../../fixtures/reload-strategies');

interface Bot {
  readonly ts: TestSimulator;
  readonly user: SimTestUser;
  readonly app: App;
  readonly lines: LoggedLine[];
}

interface ReloadCase {
  readonly key: string;
  /** The config of both runs, besides the key. */
  readonly shared?: Raw;
  /** The key at startup, and after the reload. */
  readonly before: Raw;
  readonly after: Raw;
  /** Shows the startup value in force, by waiting on the event that proves it. */
  readonly arrange?: (bot: Bot) => Promise<string | undefined>;
  /** Shows the reloaded value in force. */
  readonly prove: (bot: Bot, arranged: string | undefined) => Promise<void>;
}

async function rfq(ts: TestSimulator, contracts = 5): Promise<string> {
  const { body } = await ts.admin<{ id: string }>('POST', '/_sim/rfqs', { count: 1, contracts });
  return body.id;
}

function quoteOn(bot: Bot, rfqId: string): Promise<unknown> {
  return waitFor(async () => (await simQuotes(bot.ts, bot.user, 'open')).find((q) => q.rfq_id === rfqId), {
    what: `a quote on RFQ ${rfqId}`,
  });
}

const debugLine = (lines: readonly LoggedLine[], msg: string, rfqId: string) =>
  lines.some((line) => line.level === 20 && line.msg === msg && line['rfqId'] === rfqId);

const cases: ReloadCase[] = [
  {
    key: 'poller.ignoreOwnRfqs',
    before: { poller: { ignoreOwnRfqs: true } },
    after: { poller: { ignoreOwnRfqs: false } },
    async arrange({ ts, app }) {
      const { body } = await ts.admin<{ markets: { ticker: string; status: string }[] }>(
        'GET',
        '/_sim/markets',
      );
      const market = body.markets.find((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'));
      const own = await app.client.createRfq({
        marketTicker: market!.ticker,
        contracts: 500,
        restRemainder: false,
      });
      await freshListing(app);
      expect(app.book.has(own)).toBe(false);
      return own;
    },
    async prove({ app }, own) {
      await freshListing(app);
      expect(app.book.has(own!)).toBe(true);
    },
  },
  {
    key: 'strategies.timeoutMs',
    shared: {
      strategies: {
        dir: RELOAD_STRATEGIES,
        routes: [{ name: 'slow', strategy: 'slow', isolation: 'in-process', options: { delayMs: 300 } }],
        workers: { hardTimeoutMs: 5_000 },
      },
    },
    before: { strategies: { timeoutMs: 50 } },
    after: { strategies: { timeoutMs: 3_000 } },
    async arrange({ ts, user, app }) {
      await rfq(ts);
      await waitFor(async () => (await metricValue(app.metrics.strategyFailures, { kind: 'timeout' })) >= 1, {
        what: 'the 300 ms strategy timed out under the 50 ms limit',
      });
      expect(await simQuotes(ts, user, 'open')).toEqual([]);
      return undefined;
    },
    async prove(bot) {
      await quoteOn(bot, await rfq(bot.ts));
    },
  },
  {
    key: 'risk.killSwitch.maxConsecutiveErrors',
    // One attempt per create: each failed create is one exchange error.
    shared: { exchange: { retry: { maxAttempts: 1 }, requestTimeoutMs: 1_000 } },
    before: { risk: { killSwitch: { maxConsecutiveErrors: 20 } } },
    after: { risk: { killSwitch: { maxConsecutiveErrors: 3 } } },
    async prove({ ts, user, app }) {
      await ts.admin('PUT', '/_sim/faults', { spec: 'error5xx=1,match=POST:/communications/quotes' });
      await ts.admin('POST', '/_sim/rfqs', { count: 4, contracts: 5 });
      await waitFor(() => app.killSwitch.isTripped, { what: 'the kill switch tripped by exchange errors' });
      expect(app.killSwitch.state.reason).toBe('3 consecutive exchange errors');
      await waitForOpenQuotes(ts, user, 0, { what: 'quotes pulled' });
    },
  },
  {
    key: 'risk.windows',
    before: { risk: { windows: [] } },
    // Twelve hours away: closed now.
    after: {
      risk: { windows: [{ cron: `* ${(new Date().getUTCHours() + 12) % 24} * * *`, timezone: 'UTC' }] },
    },
    async arrange(bot) {
      await quoteOn(bot, await rfq(bot.ts));
      return undefined;
    },
    async prove({ ts, user, app }) {
      await waitForOpenQuotes(ts, user, 0, {
        what: 'the quote pulled as the trading window closed',
      });
      expect(app.windows.isActive()).toBe(false);
    },
  },
  {
    key: 'logging.level',
    // A worker route: the strategy's thread filters its lines at the level it was given.
    shared: {
      strategies: {
        dir: RELOAD_STRATEGIES,
        routes: [{ name: 'slow', strategy: 'slow', isolation: 'worker' }],
      },
    },
    before: { logging: { level: 'info' } },
    after: { logging: { level: 'debug' } },
    async arrange(bot) {
      const first = await rfq(bot.ts);
      await quoteOn(bot, first);
      // Priced and quoted at info: neither thread wrote its debug line.
      expect(bot.lines.filter((line) => line.level === 20)).toEqual([]);
      return undefined;
    },
    async prove(bot) {
      const next = await rfq(bot.ts);
      await quoteOn(bot, next);
      await waitFor(
        () =>
          debugLine(bot.lines, 'strategy priced RFQ', next) &&
          debugLine(bot.lines, 'slow strategy priced', next),
        { what: 'debug lines from the bot and from the strategy worker' },
      );
    },
  },
];

describe('a reload applies every hot key to the running bot', () => {
  it.each(cases)('$key', async (c) => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    // The bot's own logger level is the config's: the captured lines show what it lets through.
    const { logger, lines } = capturingLogger('info');
    const { app } = await startBot(ts, user!, merge(c.shared ?? {}, c.before), {
      logger: logger as Logger,
    });
    const bot: Bot = { ts, user: user!, app, lines };
    const arranged = await c.arrange?.(bot);

    const next = botConfig(
      ts,
      user!,
      merge(c.shared ?? {}, c.after),
      dirname(app.config.risk.killSwitch.file),
    );
    const result = await app.reload(next);
    expect(result.applied).toBe(true);
    if (result.applied) expect(result.changed.some((path) => path.startsWith(c.key))).toBe(true);
    await c.prove(bot, arranged);
  });

  it("stops the replaced routes' window timers (each reload left them ticking)", async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const route = (spread: string) => ({
      strategies: {
        routes: [
          {
            name: 'all',
            strategy: 'fixed-spread',
            isolation: 'in-process',
            options: { spread, maxBookSpread: '0.50' },
            windows: [{ cron: '* * * * *', timezone: 'UTC' }],
          },
        ],
      },
    });
    const { app } = await startBot(ts, user!, route('0.04'));
    const before = app.runner.router.table.routes[0]!.windows!;
    expect(before.running).toBe(true);
    const next = botConfig(ts, user!, route('0.06'), dirname(app.config.risk.killSwitch.file));
    expect(await app.reload(next)).toMatchObject({ applied: true });
    const after = app.runner.router.table.routes[0]!.windows!;
    expect(after).not.toBe(before);
    expect([before.running, after.running]).toEqual([false, true]);
  });
});
