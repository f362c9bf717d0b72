import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONE_DOLLAR } from '../../../src/domain/money.js';
import { integrityCheck, openJournalDatabase } from '../../../src/journal/database.js';
import { JournalReader } from '../../../src/journal/queries.js';
import { botConfig, simQuotes, startBot, waitForOpenQuotes } from '../../helpers/bot.js';
import { spawnBot } from '../../helpers/bot-process.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

describe('the journal in the running bot', () => {
  it('records the run, the RFQs, the decisions and the quote transitions', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const { app } = await startBot(ts, ts.users[0]!);
    await ts.admin('POST', '/_sim/rfqs', { count: 2, contracts: 5 });
    await waitFor(async () => (await simQuotes(ts, ts.users[0]!, 'open')).length === 2, {
      what: 'two quotes',
    });
    const path = app.config.journal.path;
    await app.stop('test finished');

    const db = openJournalDatabase(path, { readonly: true });
    expect(integrityCheck(db)).toBe('ok');
    const counts = new JournalReader(db).counts();
    expect(counts).toMatchObject({ run_started: 1, run_stopped: 1, rfq_seen: 2 });
    expect(counts['decision']).toBeGreaterThanOrEqual(2);
    expect(counts['quote']).toBeGreaterThanOrEqual(4);
    const run = db.prepare('SELECT * FROM runs').get() as Record<string, unknown>;
    expect(run).toMatchObject({ environment: 'simulator', stop_reason: 'test finished', open_at_exit: 0 });
    expect(String(run['config_hash'])).toMatch(/^[0-9a-f]{12}$/);
    db.close();
  });

  it('holds its commits while an RFQ is priced, and commits once it is quoted', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const { app } = await startBot(ts, user, {
      strategies: {
        dir: resolve(import.meta.dirname, '../../fixtures/reload-strategies'),
        timeoutMs: 1_000,
        routes: [{ name: 'slow', strategy: 'slow', isolation: 'in-process', options: { delayMs: 400 } }],
      },
    });
    const journal = app.journal!;
    const before = journal.cost.deferred;
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
    await waitForOpenQuotes(ts, user, 1, { what: 'the slow strategy to quote' });
    // 400 ms of pricing spans at least three of the 100 ms commit ticks: each waited.
    expect(journal.cost.deferred - before).toBeGreaterThanOrEqual(3);
    await waitFor(() => journal.health().pending === 0, { what: 'the commit after the quote' });
    const seen = [...new JournalReader(journal.db).events(0, Date.now() + 1, ['rfq_seen'])];
    expect(seen).toHaveLength(1);
  });

  it('a restart carries the day on: positions, realised P&L and fees from the fills, the peak from the journal', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'bot-'));
    const first = await startBot(ts, user, {}, {}, dir);
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
    const [quote] = await waitFor(
      async () => {
        const open = await simQuotes(ts, user, 'open');
        return open.length === 1 && open;
      },
      { what: 'a quote' },
    );
    expect(
      (await ts.admin('POST', `/_sim/quotes/${quote!.id}/accept`, { accepted_side: 'yes' })).status,
    ).toBe(200);
    await waitFor(() => first.app.exposure.position(quote!.market_ticker as string) !== 0, {
      what: 'the fill booked',
    });
    const day = first.app.exposure.snapshot().pnl.day;
    // A drawdown reference from earlier in the day: only the journal can carry it over.
    expect(
      first.app.exposure.restoreDay({
        day,
        realized: first.app.exposure.snapshot().pnl.realized,
        // Without its fees the day would restart at zero fees (the fill may pay a maker fee).
        fees: first.app.exposure.snapshot().pnl.fees,
        peak: 2_000_000,
      }),
    ).toBe(true);
    const before = first.app.exposure.snapshot();
    await first.app.stop('restart');

    const second = await startBot(ts, user, {}, {}, dir);
    const after = second.app.exposure.snapshot();
    expect(after.pnl).toMatchObject({
      day,
      realized: before.pnl.realized,
      fees: before.pnl.fees,
      peak: 2_000_000,
    });
    expect(after.positions.get(quote!.market_ticker as string)?.contracts).toBe(
      before.positions.get(quote!.market_ticker as string)?.contracts,
    );
  });

  it("a trip by the day's loss survives a restart, even a loss no fill shows; a resumed one does not", async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'bot-'));
    const first = await startBot(ts, user, {}, {}, dir);
    // What the mark does when a marked loss passes the limit: the fills replayed at the next
    // start cannot show it, and a restart the same day must not quote again.
    expect(first.app.killSwitch.checkPnl(-200_000 * ONE_DOLLAR, 0)).toBe(true);
    await first.app.stop('restart');

    const second = await startBot(ts, user, {}, {}, dir);
    expect(second.app.killSwitch.state).toMatchObject({ tripped: true, source: 'loss' });
    const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
    const journal = second.app.journal!;
    const decision = await waitFor(
      async () => {
        await journal.flush();
        const events = new JournalReader(journal.db).events(0, Date.now() + 1, ['decision']);
        return [...events].find((event) => event.kind === 'decision' && event.rfqId === res.body.ids[0]);
      },
      { what: 'the decision on the new RFQ' },
    );
    expect(decision).toMatchObject({ outcome: 'skip', cause: 'blocked' });
    expect(await simQuotes(ts, user)).toEqual([]);

    expect(await second.app.killSwitch.resume('http')).toEqual({ resumed: true });
    await second.app.stop('restart');
    const third = await startBot(ts, user, {}, {}, dir);
    expect(third.app.killSwitch.isTripped).toBe(false);
  });

  it('journals a reload whose new routes cannot be set up as not applied, with the reason', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const user = ts.users[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'bot-'));
    const strategies = (strategy: string) => ({
      strategies: {
        dir: resolve(import.meta.dirname, '../../fixtures/reload-strategies'),
        routes: [{ name: 'all', strategy, isolation: 'in-process' }],
      },
    });
    const { app } = await startBot(ts, user, strategies('slow'), {}, dir);
    await expect(app.reload(botConfig(ts, user, strategies('setup-fails'), dir), 'SIGHUP')).rejects.toThrow(
      /no fair values to start from/,
    );
    const journal = app.journal!;
    await journal.flush();
    const reloads = [...new JournalReader(journal.db).events(0, Date.now() + 1, ['config_reload'])];
    expect(reloads).toEqual([
      expect.objectContaining({
        trigger: 'SIGHUP',
        applied: false,
        reason: expect.stringMatching(/^reload failed: .*no fair values/),
      }),
    ]);
    // The running routes stay: still quoting with fixed-spread.
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 5 });
    await waitForOpenQuotes(ts, user, 1, {
      what: 'a quote on the old routes',
    });
  });

  it('a journal path it cannot write stops startup with the path and the reason, exit 1, nothing sent', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const bot = spawnBot(ts, ts.users[0]!, { journal: { path: join(dir, 'a-file', 'journal.db') } });
    expect(await bot.exited).toBe(1);
    expect(bot.output()).toMatch(/journal .*a-file\/journal\.db: cannot write there/);
    expect(await simQuotes(ts, ts.users[0]!)).toEqual([]);
  });

  it('a file that is not a journal is refused the same way', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const path = join(dir, 'journal.db');
    writeFileSync(path, 'garbage, not SQLite '.repeat(500));
    const bot = spawnBot(ts, ts.users[0]!, { journal: { path } });
    expect(await bot.exited).toBe(1);
    expect(bot.output()).toMatch(/the file is not a valid journal .*move it aside/);
  });
});
