/**
 * Prometheus metrics on a registry of their own (never prom-client's global one), so every app
 * instance — and every test — gets a fresh set. Money enters as integer micros and becomes
 * dollars only here, when a gauge is set.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Clock, systemClock } from '../domain/clock.js';
import { MICROS_PER_DOLLAR, type Micros } from '../domain/money.js';
import type { BudgetSnapshot } from '../kalshi/gate.js';
import { LatencyWindow } from './latency-window.js';

export interface MetricsOptions {
  /** Prefix of every metric name. @default 'kalshi_rfq_' */
  readonly prefix?: string;
  /** Also register prom-client's process metrics (CPU, memory, GC, handles). @default true */
  readonly processMetrics?: boolean;
  /** Most distinct values kept for free-text labels (skip reasons); the rest count as "other". @default 100 */
  readonly maxLabelValues?: number;
  /** Stamps the recent latency samples (the dashboard's percentiles). @default systemClock */
  readonly clock?: Clock;
}

/** Seconds buckets for millisecond-scale latencies: 1 ms … 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export type PollerOutcome = 'ok' | 'error' | 'skipped';
export type PnlKind = 'realised' | 'marked' | 'fees';

function microsToDollars(micros: Micros): number {
  return micros / MICROS_PER_DOLLAR;
}

/** Free text made into a label of bounded cardinality: numbers folded, short, capped. */
function labelFolder(max: number): (text: string) => string {
  const seen = new Set<string>();
  return (text) => {
    const folded =
      text
        .split(/[:(]/)[0]
        ?.replace(/\d+(?:\.\d+)?/g, 'N')
        .trim()
        .slice(0, 60) || 'unspecified';
    if (seen.has(folded)) return folded;
    if (seen.size >= max) return 'other';
    seen.add(folded);
    return folded;
  };
}

/** What the streamed-books gauge shows (LiveBooks' counts). */
interface StreamedBookCounts {
  readonly watched: number;
  readonly live: number;
  readonly inconsistencies: number;
  readonly drifts: number;
}

export function createMetrics(options: MetricsOptions = {}) {
  const prefix = options.prefix ?? 'kalshi_rfq_';
  const registry = new Registry();
  const registers = [registry];
  const name = (base: string) => `${prefix}${base}`;

  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let booksSource: (() => StreamedBookCounts) | undefined;
  loopDelay.enable();

  const metrics = {
    registry,
    rfqsSeen: new Counter({ name: name('rfqs_seen_total'), help: 'RFQs seen for the first time', registers }),
    rfqsOpen: new Gauge({ name: name('rfqs_open'), help: 'Open RFQs known to the RFQ book', registers }),
    quotesCreated: new Counter({
      name: name('quotes_created_total'),
      help: 'Quotes created at the exchange',
      labelNames: ['strategy'] as const,
      registers,
    }),
    quotesDeleted: new Counter({
      name: name('quotes_deleted_total'),
      help: 'Quotes we deleted, by reason (ttl, moved, rfq_closed, shutdown, ...)',
      labelNames: ['strategy', 'reason'] as const,
      registers,
    }),
    quotesAccepted: new Counter({
      name: name('quotes_accepted_total'),
      help: 'Our quotes accepted by a requester',
      labelNames: ['strategy'] as const,
      registers,
    }),
    quotesConfirmed: new Counter({
      name: name('quotes_confirmed_total'),
      help: 'Accepted quotes we confirmed',
      labelNames: ['strategy'] as const,
      registers,
    }),
    quotesDeclined: new Counter({
      name: name('quotes_declined_total'),
      help: 'Accepted quotes we let lapse at last look, by reason',
      labelNames: ['strategy', 'reason'] as const,
      registers,
    }),
    quotesExecuted: new Counter({
      name: name('quotes_executed_total'),
      help: 'Confirmed quotes executed',
      labelNames: ['strategy'] as const,
      registers,
    }),
    quotesExpired: new Counter({
      name: name('quotes_expired_total'),
      help: 'Quotes that ended without execution (expired or cancelled by the exchange)',
      labelNames: ['strategy'] as const,
      registers,
    }),
    openQuotes: new Gauge({ name: name('open_quotes'), help: 'Our live quotes', registers }),
    // Exchange truth (issue 14): what really filled.
    quotesPartialAccepts: new Counter({
      name: name('quotes_partial_accepts_total'),
      help: 'Accepts of our quotes for less than the offered size',
      labelNames: ['strategy'] as const,
      registers,
    }),
    quotesFlushed: new Counter({
      name: name('quotes_flushed_total'),
      help: 'Open quotes of ours the exchange flushed (a server roll: 404, gone from listings)',
      labelNames: ['strategy'] as const,
      registers,
    }),
    quotesFillOutcome: new Counter({
      name: name('quotes_fill_outcome_total'),
      help: 'Executed quotes by what filled: filled (the accepted size), partial, none (e.g. post-only cancelled)',
      labelNames: ['strategy', 'outcome'] as const,
      registers,
    }),
    fillsBooked: new Counter({
      name: name('fills_booked_total'),
      help: 'Fills of ours booked into positions and P&L, by where they came from and whether a quote claimed them',
      labelNames: ['source', 'attributed'] as const,
      registers,
    }),
    requests: new Counter({
      name: name('requests_total'),
      help: 'Exchange requests by endpoint and HTTP status ("network" when none came back)',
      labelNames: ['endpoint', 'status'] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: name('request_duration_seconds'),
      help: 'Exchange request latency',
      labelNames: ['endpoint'] as const,
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    rateLimited: new Counter({
      name: name('rate_limited_total'),
      help: 'Responses with status 429, by endpoint',
      labelNames: ['endpoint'] as const,
      registers,
    }),
    exposureDollars: new Gauge({
      name: name('exposure_dollars'),
      help: 'Total exposure (positions plus open quotes) in dollars',
      registers,
    }),
    pnlDollars: new Gauge({
      name: name('pnl_dollars'),
      help: 'Profit and loss of the day in dollars: realised (net of fees), marked to market, and the fees paid',
      labelNames: ['kind'] as const,
      registers,
    }),
    rfqToQuoteSeconds: new Histogram({
      name: name('rfq_to_quote_seconds'),
      help: 'From first seeing an RFQ to our quote being created',
      labelNames: ['strategy'] as const,
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    acceptToConfirmSeconds: new Histogram({
      name: name('accept_to_confirm_seconds'),
      help: 'From a requester accepting our quote to our confirm succeeding',
      labelNames: ['strategy'] as const,
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    tokensAvailable: new Gauge({
      name: name('token_budget_available'),
      help: 'Rate-limit tokens available now, per bucket',
      labelNames: ['bucket'] as const,
      registers,
    }),
    tokensCapacity: new Gauge({
      name: name('token_budget_capacity'),
      help: 'Rate-limit bucket capacity in tokens',
      labelNames: ['bucket'] as const,
      registers,
    }),
    tokensSpent: new Counter({
      name: name('token_budget_spent_total'),
      help: 'Rate-limit tokens spent, per bucket',
      labelNames: ['bucket'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: name('action_queue_depth'),
      help: 'Requests waiting for budget, per bucket',
      labelNames: ['bucket'] as const,
      registers,
    }),
    eventLoopLagSeconds: new Gauge({
      name: name('event_loop_lag_seconds'),
      help: 'Event-loop delay since the previous scrape (p50, p99, max)',
      labelNames: ['quantile'] as const,
      registers,
      collect() {
        if (loopDelay.count === 0) return;
        this.set({ quantile: '0.5' }, loopDelay.percentile(50) / 1e9);
        this.set({ quantile: '0.99' }, loopDelay.percentile(99) / 1e9);
        this.set({ quantile: 'max' }, loopDelay.max / 1e9);
        loopDelay.reset();
      },
    }),
    pollerCycles: new Counter({
      name: name('poller_cycles_total'),
      help: 'Poller cycles by outcome (ok, error, skipped for lack of read budget)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    pollerLastCycle: new Gauge({
      name: name('poller_last_cycle_timestamp_seconds'),
      help: 'Unix time of the last completed poller cycle',
      registers,
    }),
    pushConnected: new Gauge({
      name: name('push_connected'),
      help: '1 while the communications websocket is subscribed (pushes flowing)',
      registers,
    }),
    pushIncidents: new Counter({
      name: name('push_incidents_total'),
      help: 'Websocket push incidents: disconnected, gap (pushes lost), malformed (a frame dropped)',
      labelNames: ['kind'] as const,
      registers,
    }),
    streamedBooks: new Gauge({
      name: name('streamed_books'),
      help: 'Order books from the websocket: watched (asked for lately), live (whole and served), inconsistencies (changes that did not fit) and drifts (books a fresh snapshot corrected), since start',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = booksSource?.();
        if (!stats) return;
        this.set({ state: 'watched' }, stats.watched);
        this.set({ state: 'live' }, stats.live);
        this.set({ state: 'inconsistencies' }, stats.inconsistencies);
        this.set({ state: 'drifts' }, stats.drifts);
      },
    }),
    journalEvents: new Gauge({
      name: name('journal_events'),
      help: 'Journal events by state: written (committed since start), pending (not yet committed), dropped',
      labelNames: ['state'] as const,
      registers,
    }),
    journalErrors: new Counter({
      name: name('journal_errors_total'),
      help: 'Journal write failures (disk full, unwritable file); readiness fails while they last',
      registers,
    }),
    killSwitch: new Gauge({
      name: name('kill_switch_active'),
      help: '1 while quoting is kill-switched',
      registers,
    }),
    reconcileDiscrepancies: new Counter({
      name: name('reconciliation_discrepancies_total'),
      help: 'Differences found between our books and the exchange, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    strategySkips: new Counter({
      name: name('strategy_skips_total'),
      help: 'RFQs a strategy declined to quote, by reason',
      labelNames: ['strategy', 'reason'] as const,
      registers,
    }),
    strategyFailures: new Counter({
      name: name('strategy_failures_total'),
      help: 'Strategy calls that threw, timed out or crashed their worker (market-data trouble excluded), by kind',
      labelNames: ['strategy', 'kind'] as const,
      registers,
    }),
    strategyRoutesDisabled: new Gauge({
      name: name('strategy_routes_disabled'),
      help: 'Routes disabled by repeated strategy failures',
      registers,
    }),
    strategyWorkerRestarts: new Counter({
      name: name('strategy_worker_restarts_total'),
      help: 'Strategy worker threads replaced, by reason (crashed, stuck, exited)',
      labelNames: ['reason'] as const,
      registers,
    }),
    riskRejections: new Counter({
      name: name('risk_rejections_total'),
      help: 'Quote intents refused or clipped by the risk guard, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
  };

  // Known label values start at zero, so rate() and alerts see the series from the first scrape.
  metrics.reconcileDiscrepancies.inc({ kind: 'position' }, 0);

  const clock = options.clock ?? systemClock;
  /** Exact recent samples beside the histograms, for the dashboard's percentiles. */
  const recentLatency = Object.freeze({
    rfqToQuote: new LatencyWindow(),
    acceptToConfirm: new LatencyWindow(),
  });
  const foldSkip = labelFolder(options.maxLabelValues ?? 100);
  const foldDecline = labelFolder(options.maxLabelValues ?? 100);

  return {
    ...metrics,
    recentLatency,
    /** Sets the exposure gauge from integer micros. */
    setExposure(micros: Micros): void {
      metrics.exposureDollars.set(microsToDollars(micros));
    },
    setPnl(kind: PnlKind, micros: Micros): void {
      metrics.pnlDollars.set({ kind }, microsToDollars(micros));
    },
    observeRfqToQuote(strategy: string, ms: number): void {
      metrics.rfqToQuoteSeconds.observe({ strategy }, ms / 1000);
      recentLatency.rfqToQuote.record(ms, clock.now());
    },
    observeAcceptToConfirm(strategy: string, ms: number): void {
      metrics.acceptToConfirmSeconds.observe({ strategy }, ms / 1000);
      recentLatency.acceptToConfirm.record(ms, clock.now());
    },
    /** One finished exchange request: counts it, its 429s and its latency. */
    observeRequest(endpoint: string, status: number | 'network', ms: number): void {
      metrics.requests.inc({ endpoint, status: String(status) });
      if (status === 429) metrics.rateLimited.inc({ endpoint });
      metrics.requestSeconds.observe({ endpoint }, ms / 1000);
    },
    /** A bucket's state, e.g. from `RequestGate.budget(bucket)`. */
    observeBudget(snapshot: BudgetSnapshot): void {
      const { bucket } = snapshot;
      if (Number.isFinite(snapshot.available)) metrics.tokensAvailable.set({ bucket }, snapshot.available);
      if (Number.isFinite(snapshot.capacity)) metrics.tokensCapacity.set({ bucket }, snapshot.capacity);
      metrics.queueDepth.set({ bucket }, snapshot.queued);
    },
    spendTokens(bucket: BudgetSnapshot['bucket'], tokens: number): void {
      metrics.tokensSpent.inc({ bucket }, tokens);
    },
    /** A skip reason is free text: numbers are folded and distinct values capped. */
    recordSkip(strategy: string, reason: string): void {
      metrics.strategySkips.inc({ strategy, reason: foldSkip(reason) });
    },
    recordDecline(strategy: string, reason: string): void {
      metrics.quotesDeclined.inc({ strategy, reason: foldDecline(reason) });
    },
    pollerCycle(outcome: PollerOutcome, atMs: number): void {
      metrics.pollerCycles.inc({ outcome });
      if (outcome === 'ok') metrics.pollerLastCycle.set(atMs / 1000);
    },
    /** The push stream's state; an incident counts once per occurrence. */
    pushState(connected: boolean): void {
      metrics.pushConnected.set(connected ? 1 : 0);
      if (!connected) metrics.pushIncidents.inc({ kind: 'disconnected' });
    },
    pushIncident(kind: 'gap' | 'malformed'): void {
      metrics.pushIncidents.inc({ kind });
    },
    observeJournal(health: { written: number; pending: number; dropped: number }): void {
      metrics.journalEvents.set({ state: 'written' }, health.written);
      metrics.journalEvents.set({ state: 'pending' }, health.pending);
      metrics.journalEvents.set({ state: 'dropped' }, health.dropped);
    },
    /** Where the streamed-books gauge reads its numbers at each scrape. */
    observeBooks(source: () => StreamedBookCounts): void {
      booksSource = source;
    },
    setKillSwitch(active: boolean): void {
      metrics.killSwitch.set(active ? 1 : 0);
    },
    /** Stops the event-loop monitor; the registry stays readable. */
    close(): void {
      loopDelay.disable();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
