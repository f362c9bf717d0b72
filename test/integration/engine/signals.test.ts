import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simQuotes, waitForOpenQuotes } from '../../helpers/bot.js';
import { type NpmRun, spawnBot, spawnNpmScript } from '../../helpers/bot-process.js';
import { startHoldingProxy } from '../../helpers/holding-proxy.js';
import { exitWithin, programOf, SIGNAL_CASES, send, survivors } from '../../helpers/npm-signals.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

describe('during a stop', () => {
  it('within a second is the same stop request; a later one exits at once (128 + signal)', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const proxy = await startHoldingProxy(ts.url);
    const bot = spawnBot(ts, user!, {
      exchange: { baseUrl: `${proxy.url}/trade-api/v2` },
      poller: { websocket: false },
    });
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 2 });
    await waitForOpenQuotes(ts, user!, 1, {
      timeoutMs: 30_000,
      what: 'the bot to quote',
    });
    proxy.hold((method) => method === 'DELETE'); // the stop cannot finish
    bot.child.kill('SIGINT');
    const stoppingLine = await waitFor(
      () => /"time":"([^"]+)"[^\n]*"msg":"stopping/.exec(bot.output()) ?? undefined,
      {
        what: 'the stop to begin',
      },
    );
    const firstAt = Date.parse(stoppingLine[1]!); // the bot's own time, just after it heard the signal
    bot.child.kill('SIGINT');
    await waitFor(() => bot.output().includes('signal repeated within a second'), { what: 'the repeat' });

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstAt + 1_200 - Date.now())));
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(143);
    expect(bot.output()).toContain('second signal: exiting now');
    expect(await simQuotes(ts, user!, 'open')).toHaveLength(1); // what "at once" costs
  }, 60_000);
});

/** A strategies folder whose plugin (fixed-spread) throws from a timer once SIGTERM came. */
/** A plain-JS stand-in for fixed-spread (the name the test config routes to) that throws during a stop. */
function strategiesThatThrowOnStop(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strategies-'));
  writeFileSync(
    join(dir, 'fixed-spread-throws-on-stop.mjs'),
    `export const fixedSpread = { name: 'fixed-spread', apiVersion: 1, options: { parse: (x) => x ?? {} },
      async price() { return { yesBid: 400000, noBid: 500000 }; } };\n` +
      "process.once('SIGTERM', () => setTimeout(() => { throw new Error('boom during the stop'); }, 20));\n",
  );
  return dir;
}

describe('an uncaught exception during a stop', () => {
  it('is logged and the stop goes on: every quote deleted, exit 1', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const proxy = await startHoldingProxy(ts.url);
    const bot = spawnBot(ts, user!, {
      exchange: { baseUrl: `${proxy.url}/trade-api/v2` },
      poller: { websocket: false },
      strategies: { dir: strategiesThatThrowOnStop() },
    });
    await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 2 });
    await waitForOpenQuotes(ts, user!, 1, {
      timeoutMs: 30_000,
      what: 'the bot to quote',
    });
    proxy.hold((method) => method === 'DELETE'); // the exception comes while the stop deletes
    bot.child.kill('SIGTERM');
    await waitFor(() => bot.output().includes('uncaught exception: deleting quotes'), {
      what: 'the exception during the stop',
    });
    proxy.release();

    expect(await bot.exited).toBe(1);
    expect(bot.output()).toMatch(/"openAtExit":0,.*"msg":"stopped cleanly"/);
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
  }, 60_000);
});

async function startNpmSimulator(): Promise<{ run: NpmRun; url: string }> {
  const run = spawnNpmScript('simulator', ['--port', '0', '--takers', 'off']);
  const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1], {
    timeoutMs: 30_000,
    what: 'the simulator to listen',
  });
  expect((await fetch(`${url}/_sim/health`)).status).toBe(200);
  return { run, url };
}

describe('npm run simulator under signals', () => {
  it.each(SIGNAL_CASES)(
    '%s to %s: npm exits 0, no process is left, the port is closed',
    async (signal, target) => {
      const { run, url } = await startNpmSimulator();
      const tree = run.snapshot();
      send(run, programOf(tree, 'src/simulator/main.ts'), target, signal);

      expect(await exitWithin(run, 20_000)).toBe(0);
      expect(await survivors(tree)).toEqual([]);
      await expect(fetch(`${url}/_sim/health`)).rejects.toThrow();
    },
    60_000,
  );

  it('stops when npm is killed with SIGKILL', async () => {
    const { run, url } = await startNpmSimulator();
    const tree = run.snapshot();
    process.kill(run.pid, 'SIGKILL');

    expect(await run.exited).toBe('SIGKILL');
    expect(await survivors(tree)).toEqual([]);
    expect(run.output()).toContain('parent exited');
    await expect(fetch(`${url}/_sim/health`)).rejects.toThrow();
  }, 60_000);
});
