/** Setup and teardown of strategy instances in worker threads, and workers' limits (issue 12). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { StrategySetupError } from '../../../src/strategy/errors.js';
import { kind, plugin, QUOTE, rfqA, startRunner as start, waitFor } from './worker-support.js';

describe('strategy lifecycle in workers', () => {
  const lifecycle = plugin(
    'life',
    QUOTE,
    `async setup(ctx) { ctx.log.info({ options: ctx.options }, 'set up'); if (ctx.options.fail) throw new Error('no feed'); },
     async teardown(ctx) { ctx.log.info({ options: ctx.options }, 'torn down'); },`,
  );

  it('sets up each instance on every worker, tears down what a reload removes, and at stop', async () => {
    const { runner, lines } = await start(
      { 'life.mjs': lifecycle },
      [{ strategy: 'life', options: { v: 1 } }],
      {
        workers: { size: 2, hardTimeoutMs: 400 },
      },
    );
    const said = (msg: string) =>
      lines.filter((l) => l.msg === msg).map((l) => `${l['worker']} ${JSON.stringify(l['options'])}`);
    expect(said('set up').sort()).toEqual(['1 {"v":1}', '2 {"v":1}']);
    await runner.reload([{ strategy: 'life', options: { v: 2 } }]);
    expect(said('set up').sort()).toEqual(['1 {"v":1}', '1 {"v":2}', '2 {"v":1}', '2 {"v":2}']);
    expect(said('torn down').sort()).toEqual(['1 {"v":1}', '2 {"v":1}']);
    expect(kind(await runner.price(rfqA()))).toBe('quote');
    await runner.stop();
    expect(said('torn down').sort()).toEqual(['1 {"v":1}', '1 {"v":2}', '2 {"v":1}', '2 {"v":2}']);
  });

  it('a setup that fails in the worker fails startup with StrategySetupError', async () => {
    const { runner } = await start(
      { 'life.mjs': lifecycle },
      [{ strategy: 'life', options: { fail: true } }],
      {},
      false,
    );
    const error = await runner.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrategySetupError);
    expect(String(error)).toContain('failed to set up: threw: no feed');
  });

  it('runs a shipped stateful strategy (fair-value-feed: setup, a file feed, teardown) in a worker', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'feed-'));
    onTestFinished(() => rm(folder, { recursive: true, force: true }));
    const source = join(folder, 'fair.json');
    await writeFile(source, JSON.stringify({ 'KXA-1': '0.60' }));
    const { runner } = await start(resolve(import.meta.dirname, '../../../strategies'), [
      { strategy: 'fair-value-feed', options: { source, spread: '0.04' } },
    ]);
    expect(await runner.price(rfqA())).toMatchObject({
      kind: 'quote',
      intent: { yesBid: 580_000, noBid: 380_000, fairValue: 600_000, note: 'feed fair 0.60' },
    });
    expect(await runner.fairValue(rfqA())).toBe(600_000);
  });

  it('a stall of the bot thread longer than hardTimeoutMs does not kill a worker that answered', async () => {
    // The call keeps its worker busy for 60 ms (under the 100 ms limit), so a ping sent then is
    // answered late; the bot's thread stalls meanwhile and finds the answer waiting in the port.
    const busyThenWait = `const end = Date.now() + 60; while (Date.now() < end) {}
      await new Promise((r) => setTimeout(r, 300)); ${QUOTE}`;
    const { runner, lines } = await start(
      { 'slow.mjs': plugin('slow', busyThenWait) },
      [{ strategy: 'slow' }],
      { timeoutMs: 2_000, workers: { size: 1, hardTimeoutMs: 100 } },
    );
    const priced = runner.price(rfqA());
    await new Promise((r) => setTimeout(r, 25));
    // Stall in the check phase, so that the next loop turn runs its timers (the watchdog) before
    // it reads the port: where a long collection would leave it.
    await new Promise((r) => setImmediate(r));
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // the bot's thread stalls
    }
    expect(kind(await priced)).toBe('quote');
    expect(lines.filter((l) => l.msg?.includes('terminated'))).toEqual([]);
  });

  it('a worker past its heap limit is replaced; its call ends as crashed', async () => {
    const { runner, lines } = await start(
      {
        'hog.mjs': plugin(
          'hog',
          'const keep = []; for (;;) keep.push(new Array(100000).fill(Math.random()));',
        ),
      },
      [{ strategy: 'hog' }],
      { timeoutMs: 10_000, workers: { size: 1, hardTimeoutMs: 10_000, maxMemoryMb: 32 } },
    );
    expect(kind(await runner.price(rfqA()))).toMatch(/^crashed: crashed: worker 1 crashed: .*memory/i);
    await waitFor(() => lines.some((l) => l.msg?.startsWith('strategy worker 1 ended (crashed')));
  });

  it('workers do not see the secrets in process.env, by name or by value', async () => {
    process.env['KXTEST_PRIVATE_KEY'] = 'pem-body-0123456789';
    process.env['KXTEST_COPY'] = 'pem-body-0123456789';
    process.env['KXTEST_PLAIN'] = 'visible';
    onTestFinished(() => {
      for (const name of ['KXTEST_PRIVATE_KEY', 'KXTEST_COPY', 'KXTEST_PLAIN']) delete process.env[name];
    });
    const { runner } = await start(
      {
        'env.mjs': plugin(
          'env',
          'return { yesBid: 400000, noBid: 400000, note: [process.env.KXTEST_PRIVATE_KEY, process.env.KXTEST_COPY, process.env.KXTEST_PLAIN].join("|") };',
        ),
      },
      [{ strategy: 'env' }],
      { workers: { size: 1, hiddenEnv: ['KXTEST_PRIVATE_KEY'], secretValues: ['pem-body-0123456789'] } },
    );
    expect(await runner.price(rfqA())).toMatchObject({ kind: 'quote', intent: { note: '||visible' } });
  });
});
