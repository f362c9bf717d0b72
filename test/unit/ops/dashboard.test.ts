/**
 * The dashboard on a real ops server over real parts (quote store, RFQ book, exposure book, kill
 * switch, action queue) with a manual clock: one state build per interval however many viewers,
 * activity pushed as it happens, free text redacted, the page's files and headers, the read rule.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { contracts, dollars } from '../../../src/domain/money.js';
import { TIER_LIMITS } from '../../../src/domain/rate-limits.js';
import { createRedactor } from '../../../src/domain/redact.js';
import { RecentActivity } from '../../../src/ops/dashboard/activity.js';
import { loadDashboardAssets } from '../../../src/ops/dashboard/assets.js';
import { Dashboard } from '../../../src/ops/dashboard/dashboard.js';
import { dashboardRoute } from '../../../src/ops/dashboard/routes.js';
import type { DashboardSources } from '../../../src/ops/dashboard/sources.js';
import { LatencyWindow } from '../../../src/ops/latency-window.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { createOpsServer, type OpsServer } from '../../../src/ops/server.js';
import { QuoteStore, type TrackedQuote } from '../../../src/quotes/quote-store.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { KillSwitch } from '../../../src/risk/kill-switch.js';
import { DEFAULT_RISK_LIMITS } from '../../../src/risk/limits.js';
import { WindowSchedule } from '../../../src/risk/windows.js';
import { testRfq } from '../../../src/strategy/memory-data.js';
import { ActionQueue } from '../../../src/throttle/action-queue.js';
import { type EventStreamClient, openEventStream } from '../../helpers/event-stream.js';

const SECRET = 'ops-secret-token-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-abcdef0123456789';
const silent = pino({ level: 'silent' });

interface Harness {
  readonly clock: ManualClock;
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly killSwitch: KillSwitch;
  readonly activity: RecentActivity;
  readonly dashboard: Dashboard;
  readonly server: OpsServer;
  readonly windows: WindowSchedule;
}

const closers: (() => Promise<void> | void)[] = [];
const streams: EventStreamClient[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(options: { metricsToken?: string } = {}): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 2, 9, 15, 0, 0));
  const store = new QuoteStore(silent, clock);
  const book = new RfqBook(clock);
  const exposure = new ExposureBook({ clock, log: silent });
  const killSwitch = new KillSwitch({ clock, log: silent });
  const activity = new RecentActivity({ clock });
  store.onTransition(activity.transition);
  const queue = new ActionQueue({ limits: TIER_LIMITS.basic, clock });
  const windows = new WindowSchedule({ windows: [], clock });
  const sources: DashboardSources = {
    clock,
    environment: 'simulator',
    dryRun: false,
    dayTimeZone: 'UTC',
    store,
    book,
    exposure,
    killSwitch,
    activity,
    latency: { rfqToQuote: new LatencyWindow(), acceptToConfirm: new LatencyWindow() },
    limits: () => DEFAULT_RISK_LIMITS,
    windows: () => [windows],
    budget: (bucket) => queue.budget(bucket),
    tokensSpent: () => ({ read: queue.stats().read.tokensSpent, write: queue.stats().write.tokensSpent }),
    readiness: () => [{ name: 'exchange_authenticated', ok: true }],
    connection: () => ({
      authenticated: true,
      pushEnabled: false,
      pushConnected: false,
      lastPollAt: clock.now(),
      pollIntervalMs: 1000,
    }),
    counters: () => ({ rfqsSeen: 0, quoted: 0, accepted: 0, confirmed: 0, executed: 0 }),
    journal: () => undefined,
    redact: createRedactor([SECRET, METRICS_TOKEN]),
  };
  const dashboard = new Dashboard({ sources, logger: silent });
  dashboard.start();
  const metrics = createMetrics({ processMetrics: false });
  const server = await createOpsServer({
    port: 0,
    registry: metrics.registry,
    readiness: () => [],
    onKill: () => undefined,
    onResume: () => undefined,
    token: SECRET,
    metricsToken: options.metricsToken,
    logger: silent,
    routes: [dashboardRoute(dashboard, loadDashboardAssets())],
  });
  closers.push(
    () => metrics.close(),
    () => server.close(),
    () => dashboard.close(),
  );
  return { clock, store, book, killSwitch, activity, dashboard, server, windows };
}

async function stream(h: Harness, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const client = await openEventStream(`${h.server.url}/api/stream`, headers);
  streams.push(client);
  return client;
}

const isState = (m: { event: string }) => m.event === 'state';

function acceptedQuote(h: Harness): TrackedQuote {
  const rfq = testRfq({ id: 'rfq-1', marketTicker: 'KXHIGHNY-26DEC31-B30.5', contracts: '10' });
  h.book.upsert(rfq);
  const quote = h.store.begin({
    rfq,
    strategy: 'fixed-spread',
    route: 'default',
    yesBid: dollars('0.45'),
    noBid: dollars('0.5'),
    yesContracts: contracts('10'),
    noContracts: contracts('10'),
    fairValue: undefined,
    ttlMs: 15_000,
    adopted: false,
    rfqSeenAt: h.clock.now(),
  });
  h.store.transition(quote, 'open', { quoteId: 'q-1' });
  quote.acceptedSide = 'yes';
  quote.acceptedContracts = contracts('10');
  quote.acceptSeenAt = h.clock.now();
  h.store.transition(quote, 'accepted', { reason: 'yes side hit' });
  return quote;
}

describe('dashboard stream', () => {
  it('builds the state once per interval and writes the same bytes to twenty viewers', async () => {
    const h = await start();
    const viewers = await Promise.all(Array.from({ length: 20 }, () => stream(h)));
    const first = await Promise.all(viewers.map((v) => v.next(isState)));
    expect(new Set(first.map((m) => m.text)).size).toBe(1);
    expect(h.dashboard.builds).toBe(1);

    // /api/state inside the same interval is the same snapshot, not a new build.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${h.server.url}/api/state`);
      expect(((await res.json()) as { at: number }).at).toBe(h.clock.now());
    }
    expect(h.dashboard.builds).toBe(1);

    for (let tick = 1; tick <= 3; tick++) {
      h.clock.advance(1_000);
      const states = await Promise.all(
        viewers.map((v) => v.next((m) => isState(m) && (m.data as { at: number }).at === h.clock.now())),
      );
      expect(new Set(states.map((m) => m.text)).size).toBe(1);
      expect(h.dashboard.builds).toBe(1 + tick);
    }
    expect(h.dashboard.clients).toBe(20);
  });

  it('pushes an accept as it happens and the last-look decline with its reason redacted', async () => {
    const h = await start();
    const viewer = await stream(h);
    await viewer.next(isState);
    const quote = acceptedQuote(h);
    const accepted = await viewer.next((m) => m.event === 'activity');
    expect(accepted.data).toMatchObject({
      type: 'accept',
      rfqId: 'rfq-1',
      quoteId: 'q-1',
      side: 'yes',
      contracts: '10.00',
      price: '0.45',
      lastLook: 'pending',
      outcome: 'accepted',
    });
    h.activity.declined(quote, `risk guard: token ${SECRET} in a reason`);
    const declined = await viewer.next(
      (m) => m.event === 'activity' && (m.data as { lastLook?: string }).lastLook === 'decline',
    );
    expect(declined.text).not.toContain(SECRET);
    expect((declined.data as { reason: string }).reason).toContain('[REDACTED]');

    h.clock.advance(1_000);
    const state = await viewer.next((m) => isState(m) && (m.data as { at: number }).at === h.clock.now());
    const accepts = (state.data as { accepts: { lastLook: string; reason: string }[] }).accepts;
    expect(accepts).toHaveLength(1);
    expect(accepts[0]!.lastLook).toBe('decline');
    expect(accepts[0]!.reason).not.toContain(SECRET);
  });

  it('pushes a kill at once, with a secret in its reason redacted', async () => {
    const h = await start();
    const viewer = await stream(h);
    await viewer.next(isState);
    h.killSwitch.trip(`POST /kill: pasted ${SECRET}`, 'http');
    const kill = await viewer.next((m) => m.event === 'activity');
    expect(kill.data).toMatchObject({ type: 'kill_switch', active: true, source: 'http' });
    expect(kill.text).not.toContain(SECRET);
    h.clock.advance(1_000);
    const state = await viewer.next((m) => isState(m) && (m.data as { at: number }).at === h.clock.now());
    expect(state.text).not.toContain(SECRET);
    expect((state.data as { status: { killSwitch: { active: boolean } } }).status.killSwitch.active).toBe(
      true,
    );
  });

  it('shows the next window change of windows a reload put in place, not of the ones before', async () => {
    const h = await start();
    const nextChange = async () => {
      const res = await fetch(`${h.server.url}/api/state`);
      const body = (await res.json()) as { status: { windows: { nextChangeAt?: number }[] } };
      return body.status.windows[0]?.nextChangeAt;
    };
    // Monday 15:00Z: both schedules are closed; one opens at 16:00Z, the other at 18:00Z.
    h.windows.setWindows([{ cron: '* 16 * * *', timezone: 'UTC' }]);
    expect(await nextChange()).toBe(Date.UTC(2026, 2, 9, 16, 0, 0));
    h.windows.setWindows([{ cron: '* 18 * * *', timezone: 'UTC' }]);
    h.clock.advance(1_000);
    expect(await nextChange()).toBe(Date.UTC(2026, 2, 9, 18, 0, 0));
  });

  it('ends every stream when the dashboard closes', async () => {
    const h = await start();
    const viewers = [await stream(h), await stream(h)];
    await Promise.all(viewers.map((v) => v.next(isState)));
    h.dashboard.close();
    await Promise.all(viewers.map((v) => v.ended));
    expect(h.dashboard.clients).toBe(0);
  });
});

describe('dashboard HTTP surface', () => {
  it('serves the page and its files with their types, a strict policy and revalidation by ETag', async () => {
    const h = await start();
    const page = await fetch(`${h.server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // No inline script or style: the policy would block it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    for (const [path, type] of [
      ['/assets/dashboard.js', 'text/javascript; charset=utf-8'],
      ['/assets/dashboard.css', 'text/css; charset=utf-8'],
      ['/assets/vendor/uPlot.esm.js', 'text/javascript; charset=utf-8'],
      ['/assets/vendor/uPlot.min.css', 'text/css; charset=utf-8'],
      ['/assets/favicon.svg', 'image/svg+xml'],
    ] as const) {
      const res = await fetch(`${h.server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      const etag = res.headers.get('etag');
      expect(etag, path).toMatch(/^".+"$/);
      const again = await fetch(`${h.server.url}${path}`, { headers: { 'if-none-match': etag! } });
      expect(again.status, path).toBe(304);
    }
    // Every file the page names is served.
    for (const ref of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
      expect((await fetch(`${h.server.url}${ref[1]}`)).status, ref[1]).toBe(200);
    }
  });

  it('guards the API like /metrics when a metrics token is set; the page itself holds no data', async () => {
    const h = await start({ metricsToken: METRICS_TOKEN });
    expect((await fetch(`${h.server.url}/`)).status).toBe(200);
    for (const path of ['/api/state', '/api/fills', '/api/pnl', '/api/budgets', '/api/stream']) {
      const refused = await fetch(`${h.server.url}${path}`);
      expect(refused.status, path).toBe(401);
      const body = await refused.text();
      expect(body).not.toContain('"rfqs"');
    }
    for (const token of [METRICS_TOKEN, SECRET]) {
      const res = await fetch(`${h.server.url}/api/state`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      await res.json();
    }
    const viewer = await stream(h, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(viewer.status).toBe(200);
    await viewer.next(isState);
  });

  it('answers bad queries 400 with the parameter named, writes 405 and unknown API paths 404', async () => {
    const h = await start();
    const bad = await fetch(`${h.server.url}/api/fills?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^since: expected epoch milliseconds/);
    const limit = await fetch(`${h.server.url}/api/fills?limit=5000`);
    expect(limit.status).toBe(400);
    expect(((await limit.json()) as { error: string }).error).toMatch(/^limit:/);
    expect((await fetch(`${h.server.url}/api/pnl?from=2026-03-09T00:00:00Z`)).status).toBe(200);
    expect((await fetch(`${h.server.url}/api/state`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${h.server.url}/`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${h.server.url}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${h.server.url}/nothing`)).status).toBe(404);
  });

  it('answers /api/fills from our executions when there is no journal, newest first', async () => {
    const h = await start();
    const quote = acceptedQuote(h);
    h.clock.advance(50);
    h.store.transition(quote, 'confirmed');
    h.store.transition(quote, 'executed');
    const res = await fetch(`${h.server.url}/api/fills?since=${h.clock.now() - 1000}`);
    expect(await res.json()).toEqual({
      source: 'memory',
      fills: [
        {
          at: h.clock.now(),
          marketTicker: 'KXHIGHNY-26DEC31-B30.5',
          side: 'yes',
          contracts: '10.00',
          price: '0.45',
          rfqId: 'rfq-1',
          quoteId: 'q-1',
          strategy: 'fixed-spread',
        },
      ],
    });
    const later = await fetch(`${h.server.url}/api/fills?since=${h.clock.now() + 1}`);
    expect(((await later.json()) as { fills: unknown[] }).fills).toEqual([]);
  });
});
