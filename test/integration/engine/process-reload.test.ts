import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { simQuotes, waitForOpenQuotes } from '../../helpers/bot.js';
import { spawnBot } from '../../helpers/bot-process.js';
import { merge } from '../../helpers/config.js';
import { duplicateJsonKeys } from '../../helpers/json-keys.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

/** A bot process with watchConfig on, quoting one RFQ. */
async function watchingBotQuoting() {
  const ts = await startTestSimulator({ userCount: 1 });
  const user = ts.users[0]!;
  const bot = spawnBot(ts, user, { watchConfig: true });
  await ts.admin('POST', '/_sim/rfqs', { count: 1, contracts: 3 });
  await waitForOpenQuotes(ts, user, 1, {
    timeoutMs: 20_000,
    what: 'the bot to quote',
  });
  return { ts, user, bot };
}

describe('config reload in the running process', () => {
  it('reloads on SIGHUP and, with watchConfig, when the file changes', async () => {
    const { bot } = await watchingBotQuoting();

    const edited = merge(bot.raw, { risk: { maxOpenQuotes: 150 } });
    writeFileSync(bot.configFile, stringify(edited));
    await waitFor(() => /"changed":\["risk\.maxOpenQuotes"\]/.test(bot.output()), {
      timeoutMs: 10_000,
      what: 'the file change to be picked up',
    });
    // The watcher's reload says so; it is not logged as a SIGHUP.
    expect(bot.output()).toContain('"trigger":"file changed"');
    expect(bot.output()).toContain('file changed: config reloaded');
    expect(bot.output()).not.toContain('SIGHUP');

    writeFileSync(bot.configFile, stringify(merge(edited, { exchange: { pathStyle: 'legacy' } })));
    bot.child.kill('SIGHUP');
    await waitFor(() => bot.output().includes('SIGHUP: reload refused'), {
      timeoutMs: 10_000,
      what: 'the refusal',
    });
    expect(bot.output()).toMatch(/exchange\.pathStyle changed: needs a restart/);

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expectNoDuplicateKeys(bot.output());
  });

  it('a reload of an alias bomb or a __proto__ key keeps quoting on the running config; SIGTERM exits 0', async () => {
    const { ts, user, bot } = await watchingBotQuoting();
    const good = readFileSync(bot.configFile, 'utf8');

    writeFileSync(bot.configFile, `${good}${aliasBomb()}`);
    bot.child.kill('SIGHUP');
    await waitFor(
      () => bot.output().includes('SIGHUP: the config has 1 problem(s); the running config stays'),
      {
        timeoutMs: 10_000,
        what: 'the refused SIGHUP reload',
      },
    );
    expect(bot.output()).toMatch(
      /YAML aliases expand the config to more than 10000 values \(an alias bomb\?\)/,
    );

    writeFileSync(bot.configFile, `${good}__proto__:\n  polluted: true\n`);
    await waitFor(
      () =>
        bot
          .output()
          .split('\n')
          .some(
            (line) =>
              line.includes('file changed: the config has 1 problem(s)') && line.includes('__proto__'),
          ),
      { timeoutMs: 10_000, what: 'the refused file-change reload' },
    );

    // Still quoting, on the old config.
    await ts.admin('POST', '/_sim/rfqs', { count: 2, contracts: 3 });
    await waitForOpenQuotes(ts, user, 3, {
      timeoutMs: 20_000,
      what: 'the bot to quote after the refused reloads',
    });
    expect(bot.child.exitCode).toBeNull();

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain('stopped cleanly');
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
    expectNoDuplicateKeys(bot.output());
  });
});

/** Nine levels of nine aliases ("billion laughs"), appended to a valid config. */
function aliasBomb(): string {
  const lines = ['lol0: &lol0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++) {
    lines.push(
      `lol${level}: &lol${level} [${Array.from({ length: 9 }, () => `*lol${level - 1}`).join(',')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function expectNoDuplicateKeys(output: string): void {
  for (const line of output.split('\n').filter((l) => l.startsWith('{'))) {
    expect(duplicateJsonKeys(line), line).toEqual([]);
  }
}
