import { describe, expect, it } from 'vitest';
import { App, StartupAbortedError } from '../../../src/app/app.js';
import type { FetchLike } from '../../../src/kalshi/index.js';
import { botConfig, simQuotes, testLogger } from '../../helpers/bot.js';
import { spawnBot } from '../../helpers/bot-process.js';
import { startHoldingProxy } from '../../helpers/holding-proxy.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

/** The log after the first "stopping" line. */
function afterStopping(output: string): string {
  const at = output.indexOf('"msg":"stopping');
  expect(at).toBeGreaterThanOrEqual(0);
  return output.slice(at);
}

describe('a stop during startup', () => {
  it('SIGTERM while startup lists our open quotes: nothing starts after "stopping", exit 0', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const proxy = await startHoldingProxy(ts.url);
    proxy.hold((method, path) => method === 'GET' && path.endsWith('/communications/quotes'));
    const bot = spawnBot(ts, user!, {
      exchange: { baseUrl: `${proxy.url}/trade-api/v2` },
      poller: { websocket: false },
    });
    // Startup's reconcile is waiting on this listing: the engine is built, nothing runs yet.
    await proxy.heldRequest();
    bot.child.kill('SIGTERM');
    await waitFor(() => bot.output().includes('"msg":"stopping'), { what: 'the stop to begin' });
    proxy.releaseOne();
    // Startup is over either way once it has quit or has finished; listings held meanwhile
    // (the stop's own check for open quotes) keep the process alive until then.
    await waitFor(() => /"msg":"(startup stopped[^"]*|quoting)"/.exec(bot.output()), {
      timeoutMs: 15_000,
      what: 'startup to quit or to finish',
    });
    proxy.release();

    expect(await bot.exited).toBe(0);
    const after = afterStopping(bot.output());
    expect(after).not.toContain('ops server listening');
    expect(after).not.toContain('"msg":"quoting"');
    expect(after).toMatch(/"openAtExit":0,.*"msg":"stopped cleanly"/);
    expect(proxy.requests.filter((line) => line.includes('/communications/rfqs'))).toEqual([]);
    expect(await simQuotes(ts, user!, 'open')).toEqual([]);
  }, 60_000);

  it('SIGTERM while startup reads the account: no further startup read, exit 0', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const proxy = await startHoldingProxy(ts.url);
    proxy.hold((method, path) => method === 'GET' && path.endsWith('/communications/id'));
    const bot = spawnBot(ts, user!, {
      exchange: { baseUrl: `${proxy.url}/trade-api/v2` },
      poller: { websocket: false },
    });
    await proxy.heldRequest();
    const seenBefore = proxy.requests.length;
    bot.child.kill('SIGTERM');
    await waitFor(() => bot.output().includes('"msg":"stopping'), { what: 'the stop to begin' });
    proxy.release();

    expect(await bot.exited).toBe(0);
    // After the signal only the stop's own check for open quotes of ours goes out.
    const later = proxy.requests.slice(seenBefore).map((line) => line.split('?')[0]);
    expect(later.every((line) => line === 'GET /trade-api/v2/communications/quotes')).toBe(true);
    expect(afterStopping(bot.output())).toMatch(/"openAtExit":0,.*"msg":"stopped cleanly"/);
    expect(bot.output()).not.toContain('ops server listening');
  }, 60_000);
});

/** A fetch that records every request and holds those `hold` matches until `release()`. */
function holdingFetch(hold: (method: string, path: string) => boolean) {
  const requests: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const fetchLike: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    requests.push(`${request.method} ${path}`);
    if (hold(request.method, path)) {
      onHeld();
      await released;
    }
    return fetch(request);
  };
  return { fetch: fetchLike, requests, held, release };
}

describe('App.stop() during App.start()', () => {
  it('makes start quit at its next step; no loop and no server starts; the stop still checks', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const http = holdingFetch((method, path) => method === 'GET' && path.endsWith('/communications/quotes'));
    const config = botConfig(ts, user!, { poller: { websocket: false }, ops: { port: 0 } });
    const app = new App(config, { logger: testLogger(), signals: false, fetch: http.fetch });
    const starting = app.start();
    await http.held; // startup's reconcile lists our open quotes
    const stopping = app.stop('test');
    http.release();

    const error = await starting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupAbortedError);
    expect((error as StartupAbortedError).step).toBe('reconciling open quotes');
    const report = await stopping;
    expect(report.openAtExit).toBe(0);
    expect(app.ops).toBeUndefined();
    expect(http.requests.filter((line) => line.endsWith('/communications/rfqs'))).toEqual([]);
    // The stop's own check for open quotes went out after startup's listing.
    expect(http.requests.filter((line) => line.endsWith('/communications/quotes'))).toHaveLength(2);
  });

  it('after a stop, start sends nothing', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const [user] = ts.users;
    const http = holdingFetch(() => false);
    const app = new App(botConfig(ts, user!), { logger: testLogger(), signals: false, fetch: http.fetch });
    const report = await app.stop('test');
    await expect(app.start()).rejects.toBeInstanceOf(StartupAbortedError);
    expect(report.openAtExit).toBe(0);
    expect(http.requests).toEqual([]);
  });
});
