import { describe, expect, it } from 'vitest';
import { simQuotes, waitForOpenQuotes } from '../../helpers/bot.js';
import { spawnNpmStart } from '../../helpers/bot-process.js';
import { exitWithin, programOf, SIGNAL_CASES, send, survivors } from '../../helpers/npm-signals.js';
import { startTestSimulator } from '../../helpers/simulator.js';

/** `npm start` against a test simulator, quoting two RFQs. */
async function npmStartQuoting() {
  const ts = await startTestSimulator({ userCount: 1 });
  const user = ts.users[0]!;
  const run = spawnNpmStart(ts, user);
  await ts.admin('POST', '/_sim/rfqs', { count: 2, contracts: 2 });
  await waitForOpenQuotes(ts, user, 2, {
    timeoutMs: 30_000,
    what: 'the bot under npm to quote two RFQs',
  });
  return { ts, user, run };
}

describe('npm start under signals', () => {
  it.each(SIGNAL_CASES)(
    '%s to %s: deletes every quote, npm exits 0, no process is left',
    async (signal, target) => {
      const { ts, user, run } = await npmStartQuoting();
      const tree = run.snapshot();
      send(run, programOf(tree, 'src/main.ts'), target, signal);

      expect(await exitWithin(run, 20_000)).toBe(0);
      expect(await survivors(tree)).toEqual([]);
      expect(run.output()).toMatch(/"openAtExit":0,.*"msg":"stopped cleanly"/);
      expect(run.output()).not.toContain('second signal');
      expect(await simQuotes(ts, user, 'open')).toEqual([]);
    },
    60_000,
  );

  it('stops cleanly when npm is killed with SIGKILL (its parent is gone)', async () => {
    const { ts, user, run } = await npmStartQuoting();
    const tree = run.snapshot();
    process.kill(run.pid, 'SIGKILL'); // npm forwards nothing: the bot must notice on its own

    expect(await run.exited).toBe('SIGKILL');
    expect(await survivors(tree)).toEqual([]);
    expect(run.output()).toMatch(/"reason":"parent exited".*"msg":"stopping/);
    expect(run.output()).toMatch(/"openAtExit":0,.*"msg":"stopped cleanly"/);
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
  }, 60_000);
});
