import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js';

const created: Metrics[] = [];
function metrics(options: Parameters<typeof createMetrics>[0] = { processMetrics: false }): Metrics {
  const m = createMetrics(options);
  created.push(m);
  return m;
}

afterEach(() => {
  for (const m of created.splice(0)) m.close();
});

async function read(
  m: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((v) =>
    Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value),
  );
  return found?.value;
}

describe('createMetrics', () => {
  it('gives each instance its own registry, so many can coexist', async () => {
    const a = metrics();
    const b = metrics();
    a.rfqsSeen.inc(3);
    b.rfqsSeen.inc();
    expect(await read(a, 'kalshi_rfq_rfqs_seen_total')).toBe(3);
    expect(await read(b, 'kalshi_rfq_rfqs_seen_total')).toBe(1);
    expect(a.registry).not.toBe(b.registry);
  });

  it('exposes every required metric in the Prometheus text', async () => {
    const m = metrics({ processMetrics: true });
    m.quotesCreated.inc({ strategy: 'fixed-spread' });
    m.observeRequest('create_quote', 201, 12);
    const text = await m.registry.metrics();
    for (const name of [
      'rfqs_seen_total',
      'quotes_created_total',
      'quotes_deleted_total',
      'quotes_confirmed_total',
      'quotes_executed_total',
      'quotes_expired_total',
      'requests_total',
      'rate_limited_total',
      'open_quotes',
      'exposure_dollars',
      'pnl_dollars',
      'rfq_to_quote_seconds',
      'accept_to_confirm_seconds',
      'token_budget_available',
      'token_budget_capacity',
      'token_budget_spent_total',
      'event_loop_lag_seconds',
      'poller_cycles_total',
      'poller_last_cycle_timestamp_seconds',
      'kill_switch_active',
      'reconciliation_discrepancies_total',
      'strategy_skips_total',
      'process_cpu_seconds_total',
    ]) {
      expect(text, name).toContain(`# TYPE kalshi_rfq_${name} `);
    }
    expect(text).toContain('kalshi_rfq_quotes_created_total{strategy="fixed-spread"} 1');
  });

  it('converts micros to dollars only when setting gauges', async () => {
    const m = metrics();
    m.setExposure(1_234_560_000);
    m.setPnl('realised', -2_500_000);
    m.setPnl('marked', 150);
    expect(await read(m, 'kalshi_rfq_exposure_dollars')).toBe(1234.56);
    expect(await read(m, 'kalshi_rfq_pnl_dollars', { kind: 'realised' })).toBe(-2.5);
    expect(await read(m, 'kalshi_rfq_pnl_dollars', { kind: 'marked' })).toBe(0.00015);
  });

  it('counts requests and 429s by endpoint and observes latency in seconds', async () => {
    const m = metrics();
    m.observeRequest('create_quote', 201, 12);
    m.observeRequest('create_quote', 429, 3);
    m.observeRequest('get_rfqs', 'network', 10_000);
    expect(await read(m, 'kalshi_rfq_requests_total', { endpoint: 'create_quote', status: '429' })).toBe(1);
    expect(await read(m, 'kalshi_rfq_rate_limited_total', { endpoint: 'create_quote' })).toBe(1);
    expect(await read(m, 'kalshi_rfq_requests_total', { endpoint: 'get_rfqs', status: 'network' })).toBe(1);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'kalshi_rfq_request_duration_seconds_bucket{le="0.025",endpoint="create_quote"} 2',
    );
  });

  it('records latencies, budgets, poller cycles and the kill switch', async () => {
    const m = metrics();
    m.observeRfqToQuote('fixed-spread', 40);
    m.observeAcceptToConfirm('fixed-spread', 120);
    m.observeBudget({ bucket: 'write', available: 42, capacity: 100, refillRate: 95, queued: 3 });
    m.spendTokens('write', 2);
    m.pollerCycle('ok', 1_700_000_000_500);
    m.pollerCycle('skipped', 1_700_000_001_000);
    m.setKillSwitch(true);
    expect(await read(m, 'kalshi_rfq_token_budget_available', { bucket: 'write' })).toBe(42);
    expect(await read(m, 'kalshi_rfq_token_budget_capacity', { bucket: 'write' })).toBe(100);
    expect(await read(m, 'kalshi_rfq_token_budget_spent_total', { bucket: 'write' })).toBe(2);
    expect(await read(m, 'kalshi_rfq_action_queue_depth', { bucket: 'write' })).toBe(3);
    expect(await read(m, 'kalshi_rfq_poller_last_cycle_timestamp_seconds')).toBe(1_700_000_000.5);
    expect(await read(m, 'kalshi_rfq_poller_cycles_total', { outcome: 'skipped' })).toBe(1);
    expect(await read(m, 'kalshi_rfq_kill_switch_active')).toBe(1);
    const text = await m.registry.metrics();
    expect(text).toContain('kalshi_rfq_rfq_to_quote_seconds_bucket{le="0.05",strategy="fixed-spread"} 1');
    expect(text).toContain('kalshi_rfq_rfq_to_quote_seconds_bucket{le="0.025",strategy="fixed-spread"} 0');
    expect(text).toContain('kalshi_rfq_accept_to_confirm_seconds_sum{strategy="fixed-spread"} 0.12');
  });

  it('measures event-loop lag', async () => {
    const m = metrics();
    const until = Date.now() + 60;
    await new Promise<void>((resolve) => {
      const spin = () => {
        const stop = Date.now() + 25;
        while (Date.now() < stop) {
          // block the loop
        }
        if (Date.now() < until) setTimeout(spin, 1);
        else resolve();
      };
      setTimeout(spin, 1);
    });
    // The monitor records a delay when its timer next fires, so let the loop idle briefly.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const max = await read(m, 'kalshi_rfq_event_loop_lag_seconds', { quantile: 'max' });
    expect(max).toBeGreaterThan(0.01);
  });

  it('keeps free-text skip reasons to a bounded set of label values', async () => {
    const m = metrics({ processMetrics: false, maxLabelValues: 3 });
    m.recordSkip('fixed-spread', 'book spread 0.25 wider than 0.20');
    m.recordSkip('fixed-spread', 'book spread 0.31 wider than 0.20');
    m.recordSkip('fixed-spread', 'no order book: KXABC-1');
    m.recordSkip('fixed-spread', 'stale');
    m.recordSkip('fixed-spread', 'something new');
    const { values } = await m.strategySkips.get();
    const reasons = values.map((v) => [v.labels['reason'], v.value]);
    expect(reasons).toEqual([
      ['book spread N wider than N', 2],
      ['no order book', 1],
      ['stale', 1],
      ['other', 1],
    ]);
  });
});
