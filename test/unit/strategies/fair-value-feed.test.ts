import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { type Clock, RouteConfigError } from '../../../src/index.js';
import { createStrategyHarness, type StrategyHarness } from '../../../src/testing.js';
import { fairValueFeed } from '../../../strategies/fair-value-feed.js';
import { captureLogger } from '../strategy/support.js';

const T = 'KXFEED-26-A';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function feedFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fair-values-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'fair.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function harness(options: Record<string, unknown>, clock?: Clock, logger?: Logger) {
  const h = await createStrategyHarness(fairValueFeed, {
    options,
    markets: [{ ticker: T }, { ticker: 'KXFEED-26-B' }],
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
  });
  cleanups.push(() => h.close());
  return h as StrategyHarness<unknown>;
}

describe('fair-value-feed with a file', () => {
  it('has documented defaults and quotes spread/2 around the feed value', async () => {
    const source = await feedFile({ [T]: '0.60' });
    const h = await harness({ source });
    expect(h.options).toEqual({ source, spread: 30_000, reloadMs: 5_000, maxAgeMs: 60_000 });
    // 0.60 ± 0.015 → YES 0.585, NO 0.385, snapped down to cents
    expect(await h.quote({ marketTicker: T })).toMatchObject({
      yesBid: 580_000,
      noBid: 380_000,
      fairValue: 600_000,
    });
    expect(await h.fairValue(T)).toBe(600_000);
  });

  it('accepts the wrapped form with asOf, and skips a missing ticker', async () => {
    const source = await feedFile({ fairValues: { [T]: '0.25' }, asOf: new Date().toISOString() });
    const h = await harness({ source, spread: '0.02' });
    expect(await h.quote({ marketTicker: T })).toMatchObject({ yesBid: 240_000, noBid: 740_000 });
    expect(await h.price({ marketTicker: 'KXFEED-26-B' })).toMatchObject({
      kind: 'skip',
      cause: 'declined',
      reason: 'no fair value for KXFEED-26-B in the feed',
    });
    expect(await h.fairValue('KXFEED-26-B')).toBeUndefined();
  });

  it('reloads when the file changes', async () => {
    const source = await feedFile({ [T]: '0.60' });
    const h = await harness({ source, reloadMs: 50 });
    expect(await h.fairValue(T)).toBe(600_000);
    await writeFile(source, JSON.stringify({ [T]: '0.70', other: '0.10' }));
    const later = new Date(Date.now() + 2_000);
    await utimes(source, later, later); // a distinct mtime even on coarse file systems
    await vi.waitFor(async () => expect(await h.fairValue(T)).toBe(700_000), {
      timeout: 5_000,
      interval: 25,
    });
  });

  it('skips when the data is older than maxAgeMs (asOf, or the file mtime)', async () => {
    const old = new Date(Date.now() - 120_000).toISOString();
    const wrapped = await harness({ source: await feedFile({ fairValues: { [T]: '0.60' }, asOf: old }) });
    const outcome = await wrapped.price({ marketTicker: T });
    expect(outcome).toMatchObject({ kind: 'skip', cause: 'declined' });
    expect(outcome.kind === 'skip' && outcome.reason).toMatch(
      /^fair-value data is 1\d{5}ms old \(maxAgeMs 60000\)$/,
    );
    expect(await wrapped.fairValue(T)).toBeUndefined();

    const source = await feedFile({ [T]: '0.60' });
    let offset = 0;
    const clock = { ...systemClock, now: () => Date.now() + offset };
    const flat = await harness({ source, maxAgeMs: 10_000 }, clock);
    expect((await flat.price({ marketTicker: T })).kind).toBe('quote');
    offset = 11_000;
    expect(await flat.price({ marketTicker: T })).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/old \(maxAgeMs 10000\)/),
    });
  });

  it('keeps the last good data when the file turns bad, and explains a bad start', async () => {
    const source = await feedFile({ [T]: '0.60' });
    const { logger, lines } = captureLogger('warn');
    const h = await harness({ source, reloadMs: 50 }, undefined, logger);
    await writeFile(source, JSON.stringify({ [T]: '1.20' }));
    const later = new Date(Date.now() + 2_000);
    await utimes(source, later, later);
    // The feed has read the bad file and refused it: the proof the old data is what it kept.
    await vi.waitFor(() => expect(lines.find((l) => l.msg === 'fair-value feed load failed')).toBeDefined(), {
      timeout: 5_000,
      interval: 25,
    });
    expect(await h.fairValue(T)).toBe(600_000);

    const broken = await harness({ source: await feedFile('{ not json') });
    const outcome = await broken.price({ marketTicker: T });
    expect(outcome.kind === 'skip' && outcome.reason).toMatch(
      /^no fair-value data: fair-value feed .*fair\.json: not valid JSON/,
    );
    const missing = await harness({ source: '/nonexistent/fair.json' });
    expect((await missing.price({ marketTicker: T })).kind === 'skip').toBe(true);
  });

  it('rejects bad options', async () => {
    for (const [options, message] of [
      [{}, /source: /],
      [{ source: 'ftp://host/fair.json' }, /source: must be a file path, a file: URL or an http\(s\) URL/],
      [{ source: 'x.json', reloadMs: 0 }, /reloadMs: /],
      [{ source: 'x.json', maxAgeMs: -1 }, /maxAgeMs: /],
      [{ source: 'x.json', spread: '0' }, /spread: 0 must be greater than 0.00/],
    ] as const) {
      const error = await harness(options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RouteConfigError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('fair-value-feed over HTTP', () => {
  async function feedServer(initial: Record<string, string>) {
    const state = {
      body: JSON.stringify(initial),
      version: 1,
      requests: [] as IncomingMessage['headers'][],
      notModified: 0,
      failing: false,
    };
    const server: Server = createServer((req, res) => {
      state.requests.push(req.headers);
      if (state.failing) {
        res.writeHead(503);
        res.end('down');
        return;
      }
      const etag = `"v${state.version}"`;
      if (req.headers['if-none-match'] === etag) {
        state.notModified += 1;
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag });
      res.end(state.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/fair.json`,
      state,
      update(values: Record<string, string>) {
        state.body = JSON.stringify(values);
        state.version += 1;
      },
    };
  }

  it('fetches, revalidates with If-None-Match (304) and picks up a new version', async () => {
    const feed = await feedServer({ [T]: '0.40' });
    const h = await harness({ source: feed.url, reloadMs: 50 });
    expect(await h.quote({ marketTicker: T })).toMatchObject({
      yesBid: 380_000,
      noBid: 580_000,
      fairValue: 400_000,
    });
    await vi.waitFor(() => expect(feed.state.notModified).toBeGreaterThanOrEqual(2), {
      timeout: 5_000,
      interval: 25,
    });
    expect(feed.state.requests[0]?.['if-none-match']).toBeUndefined();
    expect(feed.state.requests.at(-1)?.['if-none-match']).toBe('"v1"');
    feed.update({ [T]: '0.45' });
    await vi.waitFor(async () => expect(await h.fairValue(T)).toBe(450_000), {
      timeout: 5_000,
      interval: 25,
    });
    await vi.waitFor(() => expect(feed.state.requests.at(-1)?.['if-none-match']).toBe('"v2"'), {
      timeout: 5_000,
      interval: 25,
    });
  });

  it('keeps the last data while the server fails, until it is too old', async () => {
    const feed = await feedServer({ [T]: '0.40' });
    let offset = 0;
    const h = await harness(
      { source: feed.url, reloadMs: 50, maxAgeMs: 1_000 },
      { ...systemClock, now: () => Date.now() + offset },
    );
    expect((await h.price({ marketTicker: T })).kind).toBe('quote');
    feed.state.failing = true;
    const seen = feed.state.requests.length;
    await vi.waitFor(() => expect(feed.state.requests.length).toBeGreaterThan(seen + 1), {
      timeout: 5_000,
      interval: 25,
    });
    expect((await h.price({ marketTicker: T })).kind).toBe('quote');
    offset = 5_000;
    expect(await h.price({ marketTicker: T })).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/old \(maxAgeMs 1000\)/),
    });
  });

  it('stops polling on teardown', async () => {
    const feed = await feedServer({ [T]: '0.40' });
    const clock = new ManualClock(Date.now());
    const h = await harness({ source: feed.url, reloadMs: 50 }, clock);
    expect(await h.fairValue(T)).toBe(400_000);
    // While running, the feed polls on the clock: one reload timer, and each tick fetches.
    const seen = feed.state.requests.length;
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), { timeout: 5_000, interval: 10 });
    clock.advance(50);
    await vi.waitFor(() => expect(feed.state.requests.length).toBe(seen + 1), {
      timeout: 5_000,
      interval: 10,
    });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), { timeout: 5_000, interval: 10 });
    await h.close();
    // Nothing is left to fire: no reload can happen, however long we wait.
    expect(clock.pendingTimers).toBe(0);
  });
});
