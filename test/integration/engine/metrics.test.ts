import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/app/app.js';
import { configOrThrow } from '../../../src/config/index.js';
import {
  botConfig,
  botEnv,
  botRawConfig,
  simQuotes,
  startBot,
  TEST_OPS_TOKEN,
  testLogger,
} from '../../helpers/bot.js';
import { merge } from '../../helpers/config.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

/**
 * The metrics table of docs/operations.md: the source of truth for what an operator may build
 * dashboards and alerts on.
 */
const OPERATIONS_DOC = readFileSync(
  fileURLToPath(new URL('../../../docs/operations.md', import.meta.url)),
  'utf8',
);

const PREFIX = 'kalshi_rfq_';

function documentedMetrics(): string[] {
  const block = /<!-- metrics:start -->([\s\S]*?)<!-- metrics:end -->/.exec(OPERATIONS_DOC)?.[1] ?? '';
  return [...block.matchAll(/^\| `([a-z_]+)`/gm)].map((m) => m[1]!);
}

interface Sample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
}

function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (match) samples.push({ name: match[1]!, labels: match[2] ?? '', value: Number(match[3]) });
  }
  return samples;
}

/** Samples of a metric, histograms through their `_count` series. */
function samplesFor(samples: readonly Sample[], metric: string): Sample[] {
  const full = `${PREFIX}${metric}`;
  return samples.filter((s) => s.name === full || s.name === `${full}_count`);
}

const LIFECYCLE = {
  confirmWindowMs: 1_500,
  executionDelayMs: 200,
  hvConfirmWindowMs: 1_500,
  hvExecutionDelayMs: 200,
};

describe('metrics', () => {
  it('documents a metric table, which lists every metric the bot registers', async () => {
    const documented = documentedMetrics();
    expect(documented.length).toBeGreaterThan(25);
    const ts = await startTestSimulator({ userCount: 1 });
    const { app } = await startBot(ts, ts.users[0]!);
    const registered = (await app.metrics.registry.getMetricsAsJSON())
      .map((m) => m.name)
      .filter(
        (name) =>
          name.startsWith(PREFIX) &&
          !name.startsWith(`${PREFIX}process_`) &&
          !name.startsWith(`${PREFIX}nodejs_`),
      )
      .map((name) => name.slice(PREFIX.length));
    // In the sampled table, or in the page's table of metrics that appear only once what they
    // count has happened.
    const named = (name: string) => documented.includes(name) || OPERATIONS_DOC.includes(`| \`${name}\``);
    expect(registered.filter((name) => !named(name))).toEqual([]);
  });

  it('every documented metric has a sample after a short run', async () => {
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const [user] = ts.users;
    const { body: world } = await ts.admin<{ markets: { ticker: string; status: string }[] }>(
      'GET',
      '/_sim/markets',
    );
    const [skipMarket, ...tickers] = world.markets.filter((m) => m.status === 'active').map((m) => m.ticker);
    const patch = {
      exchange: { confirmWindowMs: 1_500, hvmConfirmWindowMs: 1_500 },
      strategies: {
        routes: [
          // A book never this narrow: the strategy skips every RFQ on this market.
          {
            name: 'skipper',
            match: { markets: [skipMarket] },
            strategy: 'fixed-spread',
            options: { spread: '0.04', maxBookSpread: '0.0001' },
          },
          { name: 'all', strategy: 'fixed-spread', options: { spread: '0.04', maxBookSpread: '0.50' } },
        ],
      },
    };
    const { app, config } = await startBot(ts, user!, patch, { opsServer: true });
    const scrape = async () => {
      const response = await fetch(`${app.ops!.url}/metrics`);
      expect(response.status).toBe(200);
      return samplesOf(await response.text());
    };
    const rfqOn = async (ticker: string) => {
      const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
        market_ticker: ticker,
        contracts: 10,
      });
      expect(res.status).toBe(201);
      return res.body.ids[0]!;
    };

    // Three quoted RFQs (one to fill, one to decline, one to delete) and one skipped.
    const rfqs = [await rfqOn(tickers[0]!), await rfqOn(tickers[1]!), await rfqOn(tickers[2]!)];
    await rfqOn(skipMarket!);
    const open = await waitFor(
      async () => {
        const list = await simQuotes(ts, user!, 'open');
        return rfqs.every((id) => list.some((q) => q.rfq_id === id)) && list;
      },
      { what: 'three open quotes' },
    );
    const [filled, declined, deleted] = rfqs.map((id) => open.find((q) => q.rfq_id === id)!);

    // Accepted, confirmed and executed.
    expect(
      (await ts.admin('POST', `/_sim/quotes/${filled!.id}/accept`, { accepted_side: 'yes' })).status,
    ).toBe(200);
    await waitFor(() => app.store.byQuoteId(filled!.id)?.state === 'executed', { what: 'the execution' });

    // Tighter position limits (a hot reload): last look declines the next accept, which then
    // expires, and a new RFQ is refused by the risk guard.
    const tight = botConfig(
      ts,
      user!,
      merge(patch, { risk: { maxPositionPerMarket: { contracts: '1', dollars: '1000000' } } }),
      dirname(config.risk.killSwitch.file),
    );
    expect(await app.reload(tight)).toMatchObject({ applied: true });
    expect(
      (await ts.admin('POST', `/_sim/quotes/${declined!.id}/accept`, { accepted_side: 'yes' })).status,
    ).toBe(200);
    await waitFor(() => app.store.byQuoteId(declined!.id)?.state === 'expired', {
      what: 'the declined accept to lapse',
    });
    await rfqOn(tickers[3]!);
    await waitFor(async () => samplesFor(await scrape(), 'risk_rejections_total').length > 0, {
      what: 'a risk refusal',
    });

    // 429s from the exchange.
    await ts.admin('POST', '/_sim/faults/storm', { ms: 400 });
    await waitFor(async () => samplesFor(await scrape(), 'rate_limited_total').length > 0, {
      what: 'a 429 to be counted',
    });

    // A dropped websocket: a push incident.
    expect((await ts.admin('POST', '/_sim/ws/drop')).status).toBe(200);
    await waitFor(async () => samplesFor(await scrape(), 'push_incidents_total').length > 0, {
      what: 'the dropped websocket to be counted',
    });

    // The kill switch pulls the last open quote.
    app.killSwitch.trip('metrics test', 'manual');
    await waitFor(() => app.store.byQuoteId(deleted!.id)?.state === 'deleted', { what: 'the quote pulled' });

    const samples = await scrape();
    const missing = documentedMetrics().filter((metric) => samplesFor(samples, metric).length === 0);
    expect(missing, `documented metrics without a sample: ${missing.join(', ')}`).toEqual([]);
    expect(samples.some((s) => s.name.startsWith(`${PREFIX}process_`))).toBe(true);

    // The created counter and the RFQ-to-quote histogram count every quote the exchange took.
    const ours = await simQuotes(ts, user!);
    const created = samplesFor(samples, 'quotes_created_total').reduce((sum, s) => sum + s.value, 0);
    const timed = samplesFor(samples, 'rfq_to_quote_seconds').reduce((sum, s) => sum + s.value, 0);
    expect(created).toBe(ours.length);
    expect(timed).toBe(ours.length);
    expect(samplesFor(samples, 'kill_switch_active')[0]?.value).toBe(1);
  });

  it('kill_switch_active is 1 from the start when the kill file is already there', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'bot-'));
    writeFileSync(join(dir, 'KILL'), 'stopped by the operator\n');
    const app = new App(botConfig(ts, ts.users[0]!, {}, dir), {
      logger: testLogger(),
      signals: false,
      opsServer: true,
    });
    try {
      await app.start();
      expect(app.killSwitch.isTripped).toBe(true);
      const samples = samplesOf(await (await fetch(`${app.ops!.url}/metrics`)).text());
      expect(samplesFor(samples, 'kill_switch_active')[0]?.value).toBe(1);
    } finally {
      await app.stop('test finished');
    }
  });

  it('with OPS_METRICS_TOKEN in the environment, /metrics wants it and /readyz shows only the status', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const metricsToken = 'scraper-token-0123456789abcdef';
    const { raw, dir } = botRawConfig(ts);
    const config = configOrThrow(raw, {
      env: { ...botEnv(ts.users[0]!), OPS_METRICS_TOKEN: metricsToken },
      baseDir: dir,
    });
    const app = new App(config, { logger: testLogger(), signals: false, opsServer: true });
    try {
      await app.start();
      const url = app.ops!.url;
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      expect((await fetch(`${url}/metrics`, auth(metricsToken))).status).toBe(200);
      expect((await fetch(`${url}/metrics`, auth(TEST_OPS_TOKEN))).status).toBe(200);
      expect(Object.keys((await (await fetch(`${url}/readyz`)).json()) as object)).toEqual(['status']);
      expect(await (await fetch(`${url}/readyz`, auth(metricsToken))).json()).toHaveProperty('checks');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await app.stop('test finished');
    }
  });
});
