/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the bot on
 * the simulator: the page loads without a console error, its numbers match /metrics and the
 * journal, kill and resume work through its buttons, nothing secret is served, and a screenshot
 * is saved to test-artifacts/dashboard.png.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AcceptDecision, ConfirmResult, JournalEvent } from '../../src/journal/events.js';
import { JournalReader } from '../../src/journal/queries.js';
import { botConfig, simQuotes, startBot, TEST_OPS_TOKEN } from '../helpers/bot.js';
import { merge } from '../helpers/config.js';
import { startTestSimulator, waitFor } from '../helpers/simulator.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACT = resolve(import.meta.dirname, '../../test-artifacts/dashboard.png');
const LIFECYCLE = {
  confirmWindowMs: 1_500,
  executionDelayMs: 150,
  hvConfirmWindowMs: 1_500,
  hvExecutionDelayMs: 150,
};

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the dashboard's end-to-end test drives a real browser. ` +
        'Install it with `apt-get install -y chromium` (Debian), or set CHROMIUM_PATH.',
    );
  }
}

async function launch(): Promise<BrowserContext> {
  requireChromium();
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'dashboard-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The page's globals, typed for functions run inside it (this project has no DOM lib). */
type PageGlobals = {
  document: { body: { dataset: Record<string, string | undefined> } };
  sessionStorage: { getItem(key: string): string | null };
};

/** "$1.25" → 1.25, "-$0.0525" → -0.0525. */
const dollarsOf = (text: string | null) => Number((text ?? '').replace('$', ''));

interface Sample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
}

function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .flatMap((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
      return m ? [{ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) }] : [];
    });
}

const total = (samples: readonly Sample[], name: string) =>
  samples.filter((s) => s.name === `kalshi_rfq_${name}`).reduce((sum, s) => sum + s.value, 0);
const labelled = (samples: readonly Sample[], name: string, label: string) =>
  samples.find((s) => s.name === `kalshi_rfq_${name}` && s.labels.includes(label))?.value;

describe('dashboard in a browser', () => {
  it('shows the bot as /metrics and the journal see it, kills and resumes through its buttons', async () => {
    requireChromium();
    const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
    const user = ts.users[0]!;
    const { body: world } = await ts.admin<{ markets: { ticker: string; status: string }[] }>(
      'GET',
      '/_sim/markets',
    );
    const tickers = world.markets.filter((m) => m.status === 'active').map((m) => m.ticker);
    const patch = { exchange: { confirmWindowMs: 1_500, hvmConfirmWindowMs: 1_500 } };
    const { app, config } = await startBot(ts, user, patch, { opsServer: true });
    const base = app.ops!.url;

    // Three quotes: one filled, one declined at last look (then lapsed), one left open.
    const rfqs: string[] = [];
    for (const ticker of tickers.slice(0, 3)) {
      const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
        market_ticker: ticker,
        contracts: 10,
      });
      rfqs.push(res.body.ids[0]!);
    }
    const open = await waitFor(
      async () => {
        const list = await simQuotes(ts, user, 'open');
        return rfqs.every((id) => list.some((q) => q.rfq_id === id)) && list;
      },
      { what: 'three open quotes' },
    );
    const [filled, declined, live] = rfqs.map((id) => open.find((q) => q.rfq_id === id)!);
    await ts.admin('POST', `/_sim/quotes/${filled!.id}/accept`, { accepted_side: 'yes' });
    await waitFor(() => app.store.byQuoteId(filled!.id)?.state === 'executed', { what: 'the execution' });
    const tight = botConfig(
      ts,
      user,
      merge(patch, { risk: { maxPositionPerMarket: { contracts: '1', dollars: '1000000' } } }),
      dirname(config.risk.killSwitch.file),
    );
    expect(await app.reload(tight)).toMatchObject({ applied: true });
    await ts.admin('POST', `/_sim/quotes/${declined!.id}/accept`, { accepted_side: 'no' });
    await waitFor(() => app.store.byQuoteId(declined!.id)?.state === 'expired', { what: 'the lapse' });

    const context = await launch();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => {
        // The stream is aborted on navigation and close: not a failure of the page.
        if (!r.url().endsWith('/api/stream')) problems.push(`request failed: ${r.url()}`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      await page.goto(`${base}/`);
      await page.locator('#count-executed', { hasText: '1' }).waitFor();
      await page.locator('#accepts tr').nth(1).waitFor();

      // A fresh mark sets the P&L and exposure gauges; then one more state reaches the page.
      await app.schedules.mark();
      const markedAt = Date.now();
      // Functions, not strings: the page's policy forbids eval (which this proves too).
      await page.waitForFunction(
        (t) => Number((globalThis as unknown as PageGlobals).document.body.dataset['stateAt']) > t,
        markedAt,
      );
      const samples = samplesOf(await (await fetch(`${base}/metrics`)).text());
      const text = (selector: string) => page.locator(selector).first().textContent();
      expect(Number(await text('#count-rfqs-seen'))).toBe(total(samples, 'rfqs_seen_total'));
      expect(Number(await text('#count-accepted'))).toBe(total(samples, 'quotes_accepted_total'));
      expect(Number(await text('#count-executed'))).toBe(total(samples, 'quotes_executed_total'));
      expect(Number(await text('#latency-rfq-count'))).toBe(total(samples, 'rfq_to_quote_seconds_count'));
      expect(Number(await text('#latency-confirm-count'))).toBe(
        total(samples, 'accept_to_confirm_seconds_count'),
      );
      expect(dollarsOf(await text('#pnl-realized'))).toBeCloseTo(
        labelled(samples, 'pnl_dollars', 'realised')!,
        6,
      );
      expect(dollarsOf(await text('#pnl-marked'))).toBeCloseTo(
        labelled(samples, 'pnl_dollars', 'marked')!,
        6,
      );
      const exposure = (await text('#exposure-total .value')) ?? '';
      expect(dollarsOf(exposure.split(' / ')[0]!)).toBeCloseTo(total(samples, 'exposure_dollars'), 6);
      expect(Number(((await text('#exposure-quotes .value')) ?? '').split(' / ')[0])).toBe(
        total(samples, 'open_quotes'),
      );
      expect(await page.locator('#rfqs td', { hasText: live!.rfq_id }).count()).toBe(1);
      // The markets it priced have their books streamed.
      const liveBooks = labelled(samples, 'streamed_books', '"live"')!;
      expect(liveBooks).toBeGreaterThanOrEqual(1);
      expect(await text('#books')).toBe(
        `${liveBooks} streamed of ${labelled(samples, 'streamed_books', '"watched"')} watched`,
      );

      // The accepts table against the journal: the confirm's latency and the decline's reason.
      await app.journal!.flush();
      const reader = new JournalReader(app.journal!.db);
      const events: JournalEvent[] = [
        ...reader.events(0, Date.now() + 1_000, ['accept', 'confirm', 'quote']),
      ];
      const confirm = events.find(
        (e): e is ConfirmResult => e.kind === 'confirm' && e.quoteId === filled!.id,
      )!;
      const lapse = events.find(
        (e): e is AcceptDecision => e.kind === 'accept' && e.quoteId === declined!.id,
      )!;
      expect(lapse.decision).toBe('lapse');
      const rows = await page.locator('#accepts tr').allTextContents();
      const filledRow = rows.find((r) => r.includes('confirm') && r.includes('executed'))!;
      expect(filledRow).toContain(`${confirm.latencyMs} ms`);
      const declinedRow = rows.find((r) => r.includes('decline'))!;
      expect(declinedRow).toContain(lapse.reason!);
      const executedInJournal = events.filter((e) => e.kind === 'quote' && e.to === 'executed').length;
      expect(Number(await text('#count-executed'))).toBe(executedInJournal);

      // Kill and resume through the buttons, with the token typed once.
      await page.locator('#token').fill(TEST_OPS_TOKEN);
      await page.locator('#token-save').click();
      await page.locator('#btn-kill').click();
      await page.locator('#kill-state', { hasText: 'KILLED' }).waitFor();
      expect(app.killSwitch.isTripped).toBe(true);
      expect(app.killSwitch.state.source).toBe('http');
      await waitFor(() => app.store.byQuoteId(live!.id)?.state === 'deleted', {
        what: 'the kill to pull the quote',
      });
      await page.locator('#btn-resume').click();
      await page.locator('#kill-state', { hasText: 'quoting' }).waitFor();
      expect(app.killSwitch.isTripped).toBe(false);
      await page.locator('#kill-detail', { hasText: '1 trips' }).waitFor();

      // The token lives in the tab's session storage only: not in the URL, not in the page.
      expect(page.url()).not.toContain(TEST_OPS_TOKEN);
      expect(await page.content()).not.toContain(TEST_OPS_TOKEN);
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as PageGlobals).sessionStorage.getItem('kalshi-rfq-maker.opsToken'),
        ),
      ).toBe(TEST_OPS_TOKEN);

      mkdirSync(dirname(ARTIFACT), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }

    // Nothing secret in anything the dashboard serves.
    const secrets = [
      user.keyId,
      TEST_OPS_TOKEN,
      ...user.key.privatePem.split('\n').filter((line) => line.trim().length >= 16),
    ];
    const paths = [
      '/',
      '/assets/dashboard.js',
      '/assets/api.js',
      '/api/state',
      '/api/fills',
      '/api/pnl',
      '/api/budgets',
    ];
    const bodies = await Promise.all(paths.map(async (path) => (await fetch(`${base}${path}`)).text()));
    const streamed = await readStream(`${base}/api/stream`);
    for (const [i, body] of [...bodies, streamed].entries()) {
      for (const secret of secrets) expect(body.includes(secret), `${paths[i] ?? '/api/stream'}`).toBe(false);
    }
  });
});

/** The first state on the stream, as text. */
async function readStream(url: string): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.includes('event: state') && text.endsWith('\n\n')) break;
  }
  controller.abort();
  return text;
}
