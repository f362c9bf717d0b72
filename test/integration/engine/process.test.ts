import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../src/kalshi/index.js';
import { simQuotes, startBot, waitForOpenQuotes } from '../../helpers/bot.js';
import { spawnBot } from '../../helpers/bot-process.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

describe('the bot as a process', () => {
  it('deletes every quote and exits 0 on SIGTERM', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const bot = spawnBot(ts, user!);
    await ts.admin('POST', '/_sim/rfqs', { count: 5, contracts: 3 });
    await waitForOpenQuotes(ts, user!, 5, {
      timeoutMs: 20_000,
      what: 'the bot process to quote five RFQs',
    });
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain('stopped cleanly');
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
  });

  it('finds and deletes the quotes a killed (-9) run left behind', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const bot = spawnBot(ts, user!);
    await ts.admin('POST', '/_sim/rfqs', { count: 4, contracts: 2 });
    const orphans = await waitFor(
      async () => {
        const open = await simQuotes(ts, user!, 'open');
        return open.length === 4 && open;
      },
      { timeoutMs: 20_000, what: 'four quotes from the first run' },
    );
    bot.child.kill('SIGKILL');
    expect(await bot.exited).toBe('SIGKILL');
    expect(await simQuotes(ts, user!, 'open')).toHaveLength(4);

    // A new run finds the orphans before quoting and deletes them (quoting.onStartup: delete).
    // Its create answers come late, so the watcher sees each new quote, and the orphan it
    // deleted on the same RFQ at the same prices, before the create returns: it must take the
    // new one for its create and leave the deleted orphan alone.
    const slowCreates: FetchLike = async (input, init) => {
      const request = new Request(input, init);
      const response = await fetch(request);
      if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/quotes')) {
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      return response;
    };
    const { app } = await startBot(ts, user!, { quoting: { onStartup: 'delete' } }, { fetch: slowCreates });
    const orphanIds = new Set(orphans.map((q) => q.id));
    await waitFor(
      async () => {
        const open = await simQuotes(ts, user!, 'open');
        return open.every((q) => !orphanIds.has(q.id));
      },
      { what: 'the orphans to be deleted' },
    );
    // It then quotes the still-open RFQs afresh, with quotes it tracks.
    await waitFor(
      async () => {
        const open = await simQuotes(ts, user!, 'open');
        return open.length === 4 && open.every((q) => app.store.byQuoteId(q.id)?.state === 'open');
      },
      { what: 'fresh quotes from the new run' },
    );
  });

  it('adopts the quotes of an earlier run when configured to', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const bot = spawnBot(ts, user!);
    await ts.admin('POST', '/_sim/rfqs', { count: 3, contracts: 2 });
    const earlier = await waitFor(
      async () => {
        const open = await simQuotes(ts, user!, 'open');
        return open.length === 3 && open;
      },
      { timeoutMs: 20_000, what: 'three quotes from the first run' },
    );
    bot.child.kill('SIGKILL');
    await bot.exited;
    const { app } = await startBot(ts, user!, { quoting: { onStartup: 'adopt' } });
    for (const quote of earlier) expect(app.store.byQuoteId(quote.id)?.adopted).toBe(true);
    expect((await simQuotes(ts, user!, 'open')).map((q) => q.id).sort()).toEqual(
      earlier.map((q) => q.id).sort(),
    );
    await app.stop('test');
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
  });

  it('deletes the adopted quotes of an earlier run when the kill switch is tripped at startup', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const bot = spawnBot(ts, user!);
    await ts.admin('POST', '/_sim/rfqs', { count: 2, contracts: 2 });
    await waitForOpenQuotes(ts, user!, 2, {
      timeoutMs: 20_000,
      what: 'two quotes from the first run',
    });
    bot.child.kill('SIGKILL');
    await bot.exited;
    // The operator stops quoting with the kill file before the restart.
    const dir = mkdtempSync(join(tmpdir(), 'bot-'));
    writeFileSync(join(dir, 'KILL'), '');
    const { app } = await startBot(ts, user!, { quoting: { onStartup: 'adopt' } }, {}, dir);
    expect(app.killSwitch.state).toMatchObject({ tripped: true, source: 'file' });
    await waitForOpenQuotes(ts, user!, 0, {
      what: 'the adopted quotes to be deleted',
    });
  });

  it('checks a config file and exits 1 listing its problems', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const bad = spawnBot(ts, user!, { risk: { maxOpenQuotes: 'ten' } }, ['--check-config']);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/risk\.maxOpenQuotes: expected .*found "ten"/);
    const good = spawnBot(ts, user!, {}, ['--check-config']);
    expect(await good.exited).toBe(0);
    expect(good.output()).toContain(': ok');
  });
});
