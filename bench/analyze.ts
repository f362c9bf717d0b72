/**
 * From what the exchange and the bot recorded to the numbers in the report. Exchange-side
 * figures use the simulator's instants (RFQ created, our create or confirm processed); the
 * breakdowns join them with the bot's own instants (bench/probe.ts).
 */
import { DEFAULT_TOKEN_COST, TIER_LIMITS, type UsageTier } from '../src/domain/rate-limits.js';
import type { RawRun } from './scenario.js';
import { type Dist, dist, percentile } from './stats.js';
import type { BotMode, MemoryBreakdown } from './worker-types.js';

export interface ScenarioResult {
  readonly key: string;
  readonly title: string;
  readonly mode: BotMode;
  readonly durationMs: number;
  /** RFQ created at the exchange → our first create_quote processed there. */
  readonly rfqToQuote: Dist;
  readonly rfqsCreated: number;
  readonly rfqsQuoted: number;
  /** p50s of the parts of rfqToQuote, and the bot-internal part's distribution. */
  readonly rfqParts: {
    /** Share of the quoted RFQs the bot learnt of from the websocket push. */
    readonly pushShare: number;
    /** RFQ created → in the bot's RFQ book (push delivery, or poll wait plus paging). */
    readonly discoveryP50: number;
    readonly discoveryP99: number;
    /** Poll-discovered only: created → start of the cycle that found it. */
    readonly pollWaitP50: number;
    readonly marketDataP50: number;
    readonly budgetWait: Dist;
    readonly createNetP50: number;
    readonly internal: Dist;
  };
  /** Accept processed at the exchange → our confirm processed there. */
  readonly acceptToConfirm: Dist;
  readonly accepts: number;
  readonly confirms: number;
  readonly confirmParts: {
    readonly watchWaitP50: number;
    readonly listingP50: number;
    readonly marketDataP50: number;
    readonly budgetWait: Dist;
    /** The confirm itself waiting for write tokens. */
    readonly confirmBudgetWait: Dist;
    readonly confirmNetP50: number;
    readonly internal: Dist;
  };
  /** Write tokens the exchange took from us in the window / the tier's refill over the window. */
  readonly writeBudgetUse: number;
  readonly http429: number;
  readonly http429Write: number;
  readonly tokensPerQuotedRfq: number;
  readonly requestsPerQuotedRfq: number;
  /** Highest RSS during the window (sampled every 100 ms; at the end when nothing was sampled). */
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly heapUsedMb: number;
  /** Live heap once garbage is collected (after the window). */
  readonly heapAfterGcMb: number;
  /** RSS after that collection. */
  readonly rssAfterGcMb: number;
  /** Where the RSS was at the end of the window. */
  readonly memory: MemoryBreakdown;
  readonly eventLoopUtilization: number;
  /** Whether the bot ran compiled under plain node (as in the container) rather than through tsx. */
  readonly compiled: boolean;
  /** How long the scenario's `until` steps took (e.g. absorbing a burst), ms. */
  readonly stepsMs: readonly number[];
  /** Tokens the bot's requests cost, by endpoint (its own count; includes the ones answered 429). */
  readonly tokensByEndpoint: Readonly<Record<string, number>>;
  readonly cpuPercent: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly bookSize: number;
  readonly liveQuotes: number;
  /** Creates waiting in the action queue during the window (sampled every 100 ms). */
  readonly queuedWrites: { readonly min: number; readonly max: number };
  readonly killSwitched: boolean;
}

const p50 = (values: readonly number[]) => percentile(values, 50);

/** Request counts × the exchange's known costs (quote create/get/delete 2, the rest 10). */
function tokensByEndpoint(counts: Readonly<Record<string, number>>): Record<string, number> {
  const cheap = new Set(['create_quote', 'get_quote', 'delete_quote']);
  const out: Record<string, number> = {};
  for (const [endpoint, n] of Object.entries(counts))
    out[endpoint] = n * (cheap.has(endpoint) ? 2 : DEFAULT_TOKEN_COST);
  return out;
}

export function analyze(run: RawRun): ScenarioResult {
  const { after, before, report, spec } = run;
  const from = run.windowStart;
  const to = run.windowEnd;

  const rfqIds = Object.keys(after.rfqCreated).filter((id) => {
    const t = after.rfqCreated[id]!;
    return t >= from && t <= to;
  });
  const latencies: number[] = [];
  for (const id of rfqIds) {
    const quoted = after.firstQuote[id];
    if (quoted !== undefined) latencies.push(quoted - after.rfqCreated[id]!);
  }
  const timings = new Map(report.rfqTimings.map((t) => [t.rfqId, t]));
  const pollWait: number[] = [];
  const discovery: number[] = [];
  const marketData: number[] = [];
  const budget: number[] = [];
  const createNet: number[] = [];
  const internal: number[] = [];
  let pushed = 0;
  for (const id of rfqIds) {
    const t = timings.get(id);
    const created = after.rfqCreated[id]!;
    const quoted = after.firstQuote[id];
    if (!t || quoted === undefined) continue;
    if (t.source === 'push') pushed++;
    else pollWait.push(Math.max(0, (t.cycleStart ?? created) - created));
    discovery.push(t.added - created);
    marketData.push(t.networkMs);
    budget.push(t.budgetMs);
    createNet.push(quoted - t.createStart);
    internal.push(t.internalMs);
  }

  const accepted = Object.entries(after.accepted).filter(([, t]) => t >= from && t <= to);
  const confirmLatency: number[] = [];
  for (const [quoteId, t] of accepted) {
    const confirmed = after.confirmed[quoteId];
    if (confirmed !== undefined) confirmLatency.push(confirmed - t);
  }
  const confirmTimings = new Map(report.confirmTimings.map((t) => [t.quoteId, t]));
  const watchWait: number[] = [];
  const listing: number[] = [];
  const confirmMd: number[] = [];
  const confirmBudget: number[] = [];
  const confirmOwnBudget: number[] = [];
  const confirmNet: number[] = [];
  const confirmInternal: number[] = [];
  for (const [quoteId, acceptedAt] of accepted) {
    const t = confirmTimings.get(quoteId);
    const confirmed = after.confirmed[quoteId];
    if (!t || confirmed === undefined) continue;
    watchWait.push(Math.max(0, t.listStart - acceptedAt));
    listing.push(t.listEnd - Math.max(t.listStart, acceptedAt));
    confirmMd.push(t.networkMs);
    confirmBudget.push(t.budgetMs);
    confirmOwnBudget.push(t.ownBudgetMs);
    confirmNet.push(confirmed - t.confirmStart);
    confirmInternal.push(t.internalMs);
  }

  const windowSeconds = (to - from) / 1000;
  const refill = TIER_LIMITS[spec.sim.tier as UsageTier].write.refillRate;
  const writeInWindow = after.writeSpends
    .filter(([t]) => t >= from && t < to)
    .reduce((sum, [, cost]) => sum + cost, 0);
  const quotedRfqs = Object.keys(after.firstQuote).length - Object.keys(before.firstQuote).length;
  const tokens = after.tokens.read + after.tokens.write - before.tokens.read - before.tokens.write;
  const requests = after.requests - before.requests;
  const http429 =
    after.rateLimited.read + after.rateLimited.write - before.rateLimited.read - before.rateLimited.write;

  return {
    key: spec.key,
    title: spec.title,
    mode: spec.mode,
    durationMs: to - from,
    rfqToQuote: dist(latencies),
    rfqsCreated: rfqIds.length,
    rfqsQuoted: latencies.length,
    rfqParts: {
      pushShare: discovery.length > 0 ? pushed / discovery.length : Number.NaN,
      discoveryP50: p50(discovery),
      discoveryP99: percentile(discovery, 99),
      pollWaitP50: p50(pollWait),
      marketDataP50: p50(marketData),
      budgetWait: dist(budget),
      createNetP50: p50(createNet),
      internal: dist(internal),
    },
    acceptToConfirm: dist(confirmLatency),
    accepts: accepted.length,
    confirms: confirmLatency.length,
    confirmParts: {
      watchWaitP50: p50(watchWait),
      listingP50: p50(listing),
      marketDataP50: p50(confirmMd),
      budgetWait: dist(confirmBudget),
      confirmBudgetWait: dist(confirmOwnBudget),
      confirmNetP50: p50(confirmNet),
      internal: dist(confirmInternal),
    },
    writeBudgetUse: writeInWindow / (refill * windowSeconds),
    http429,
    http429Write: after.rateLimited.write - before.rateLimited.write,
    tokensPerQuotedRfq: quotedRfqs > 0 ? tokens / quotedRfqs : Number.NaN,
    requestsPerQuotedRfq: quotedRfqs > 0 ? requests / quotedRfqs : Number.NaN,
    rssMb: Math.max(report.status.rssMb, report.windowMaxRssMb),
    peakRssMb: report.peakRssMb,
    heapUsedMb: report.status.heapUsedMb,
    heapAfterGcMb: report.heapAfterGcMb ?? Number.NaN,
    rssAfterGcMb: report.rssAfterGcMb ?? Number.NaN,
    memory: report.memory,
    eventLoopUtilization: report.eventLoopUtilization,
    compiled: run.compiled,
    stepsMs: run.steps.map((step) => (step.reached ? step.ms : Number.NaN)),
    tokensByEndpoint: tokensByEndpoint(report.counts.byEndpoint),
    cpuPercent: report.cpuPercent,
    lagP99Ms: report.lagP99Ms,
    lagMaxMs: report.lagMaxMs,
    bookSize: report.status.bookSize,
    liveQuotes: report.status.live,
    queuedWrites: { min: report.minQueuedWrites, max: report.maxQueuedWrites },
    killSwitched: report.status.killSwitched,
  };
}
