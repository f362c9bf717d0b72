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
  /** Runs pooled into this result (`--repeat`). */
  readonly runs: number;
  readonly durationMs: number;
  /** RFQ created at the exchange → our first create_quote processed there. */
  readonly rfqToQuote: Dist;
  readonly rfqsCreated: number;
  readonly rfqsQuoted: number;
  /** Internal time of the bot's first RFQ after the load began (cold; in the warm-up, not counted). */
  readonly firstInternalMs: number;
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
  /** The journal's own time on the bot thread (absent with the journal off). */
  readonly journalCost: JournalCost | undefined;
}

/**
 * What the journal took of the bot thread, measured in the bot: its hooks (building and recording
 * events) per RFQ, and its flushes (encoding and posting a batch to the writer thread); and,
 * from the probe, its share of each RFQ's internal span.
 */
export interface JournalCost {
  readonly rfqs: number;
  readonly hookMsPerRfq: number;
  readonly hookCallsPerRfq: number;
  readonly hookMaxMs: number;
  readonly flushes: number;
  readonly eventsPerFlush: number;
  readonly flushMeanMs: number;
  readonly flushP99Ms: number;
  readonly flushMaxMs: number;
  /**
   * The journal's time between each RFQ entering the book and its create leaving (its hooks,
   * other RFQs' hooks and any flush in that span): the most the journal added to that RFQ.
   */
  readonly inRfqSpanMs: Dist;
}

function journalCost(runs: readonly RawRun[], inSpan: readonly number[]): JournalCost | undefined {
  const counters = runs.map((run) => run.report.counters).filter((c) => c['journalFlushes'] !== undefined);
  if (counters.length === 0) return undefined;
  const sum = (key: string) => counters.reduce((total, c) => total + (c[key] ?? 0), 0);
  const max = (key: string) => Math.max(...counters.map((c) => c[key] ?? 0));
  const rfqs = sum('journalRfqs');
  const flushes = sum('journalFlushes');
  return {
    rfqs,
    hookMsPerRfq: rfqs > 0 ? sum('journalHookMs') / rfqs : Number.NaN,
    hookCallsPerRfq: rfqs > 0 ? sum('journalHookCalls') / rfqs : Number.NaN,
    hookMaxMs: max('journalHookMaxMs'),
    flushes,
    eventsPerFlush: flushes > 0 ? sum('journalEvents') / flushes : Number.NaN,
    flushMeanMs: flushes > 0 ? sum('journalFlushMs') / flushes : Number.NaN,
    flushP99Ms: max('journalFlushP99Ms'),
    flushMaxMs: max('journalFlushMaxMs'),
    inRfqSpanMs: dist(inSpan),
  };
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

/** What one run contributes: the samples of every distribution, and its scalar figures. */
interface RunSamples {
  readonly latencies: number[];
  readonly discovery: number[];
  readonly pollWait: number[];
  readonly marketData: number[];
  readonly budget: number[];
  readonly createNet: number[];
  readonly internal: number[];
  /** The journal's bot-thread time within each RFQ's internal span. */
  readonly journalInSpan: number[];
  readonly pushed: number;
  readonly confirmLatency: number[];
  readonly watchWait: number[];
  readonly listing: number[];
  readonly confirmMd: number[];
  readonly confirmBudget: number[];
  readonly confirmOwnBudget: number[];
  readonly confirmNet: number[];
  readonly confirmInternal: number[];
  readonly rfqsCreated: number;
  readonly accepts: number;
  readonly firstInternalMs: number;
}

function collect(run: RawRun): RunSamples {
  const { after, report } = run;
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
  const out = {
    latencies,
    discovery: [] as number[],
    pollWait: [] as number[],
    marketData: [] as number[],
    budget: [] as number[],
    createNet: [] as number[],
    internal: [] as number[],
    journalInSpan: [] as number[],
    pushed: 0,
    confirmLatency: [] as number[],
    watchWait: [] as number[],
    listing: [] as number[],
    confirmMd: [] as number[],
    confirmBudget: [] as number[],
    confirmOwnBudget: [] as number[],
    confirmNet: [] as number[],
    confirmInternal: [] as number[],
    rfqsCreated: rfqIds.length,
    accepts: 0,
    // The bot's first RFQ: cold code and connections (in the warm-up, not counted).
    firstInternalMs: [...report.rfqTimings].sort((a, b) => a.added - b.added)[0]?.internalMs ?? Number.NaN,
  };
  for (const id of rfqIds) {
    const t = timings.get(id);
    const created = after.rfqCreated[id]!;
    const quoted = after.firstQuote[id];
    if (!t || quoted === undefined) continue;
    if (t.source === 'push') out.pushed++;
    else out.pollWait.push(Math.max(0, (t.cycleStart ?? created) - created));
    out.discovery.push(t.added - created);
    out.marketData.push(t.networkMs);
    out.budget.push(t.budgetMs);
    out.createNet.push(quoted - t.createStart);
    out.internal.push(t.internalMs);
    out.journalInSpan.push(t.meteredMs);
  }

  const accepted = Object.entries(after.accepted).filter(([, t]) => t >= from && t <= to);
  out.accepts = accepted.length;
  for (const [quoteId, t] of accepted) {
    const confirmed = after.confirmed[quoteId];
    if (confirmed !== undefined) out.confirmLatency.push(confirmed - t);
  }
  const confirmTimings = new Map(report.confirmTimings.map((t) => [t.quoteId, t]));
  for (const [quoteId, acceptedAt] of accepted) {
    const t = confirmTimings.get(quoteId);
    const confirmed = after.confirmed[quoteId];
    if (!t || confirmed === undefined) continue;
    out.watchWait.push(Math.max(0, t.listStart - acceptedAt));
    out.listing.push(t.listEnd - Math.max(t.listStart, acceptedAt));
    out.confirmMd.push(t.networkMs);
    out.confirmBudget.push(t.budgetMs);
    out.confirmOwnBudget.push(t.ownBudgetMs);
    out.confirmNet.push(confirmed - t.confirmStart);
    out.confirmInternal.push(t.internalMs);
  }
  return out;
}

/** Per-run scalar figures (budget use, tokens, memory, CPU, lag). */
function scalars(run: RawRun) {
  const { after, before, report, spec } = run;
  const from = run.windowStart;
  const to = run.windowEnd;
  const windowSeconds = (to - from) / 1000;
  const refill = TIER_LIMITS[spec.sim.tier as UsageTier].write.refillRate;
  const writeInWindow = after.writeSpends
    .filter(([t]) => t >= from && t < to)
    .reduce((sum, [, cost]) => sum + cost, 0);
  const quotedRfqs = Object.keys(after.firstQuote).length - Object.keys(before.firstQuote).length;
  const tokens = after.tokens.read + after.tokens.write - before.tokens.read - before.tokens.write;
  const requests = after.requests - before.requests;
  return {
    durationMs: to - from,
    writeBudgetUse: writeInWindow / (refill * windowSeconds),
    http429:
      after.rateLimited.read + after.rateLimited.write - before.rateLimited.read - before.rateLimited.write,
    http429Write: after.rateLimited.write - before.rateLimited.write,
    tokensPerQuotedRfq: quotedRfqs > 0 ? tokens / quotedRfqs : Number.NaN,
    requestsPerQuotedRfq: quotedRfqs > 0 ? requests / quotedRfqs : Number.NaN,
    rssMb: Math.max(report.status.rssMb, report.windowMaxRssMb),
    peakRssMb: report.peakRssMb,
    heapUsedMb: report.status.heapUsedMb,
    heapAfterGcMb: report.heapAfterGcMb ?? Number.NaN,
    rssAfterGcMb: report.rssAfterGcMb ?? Number.NaN,
    eventLoopUtilization: report.eventLoopUtilization,
    cpuPercent: report.cpuPercent,
    lagP99Ms: report.lagP99Ms,
    lagMaxMs: report.lagMaxMs,
  };
}

/** The median of numbers (NaN ones left out); NaN when none. */
function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export function analyze(run: RawRun): ScenarioResult {
  return analyzeRuns([run]);
}

/**
 * One result from repeated runs of a scenario: the samples of every distribution pooled (so a
 * p99 rests on all of them), scalar figures (memory, CPU, budget use) as the median run's.
 */
export function analyzeRuns(runs: readonly RawRun[]): ScenarioResult {
  const first = runs[0];
  if (!first) throw new Error('analyzeRuns: no run');
  const { spec } = first;
  const all = runs.map(collect);
  const pool = (pick: (s: RunSamples) => readonly number[]) => all.flatMap(pick);
  const sum = (pick: (s: RunSamples) => number) => all.reduce((total, s) => total + pick(s), 0);
  const each = runs.map(scalars);
  const mid = <K extends keyof ReturnType<typeof scalars>>(key: K) => median(each.map((e) => e[key]));
  const last = runs[runs.length - 1]!.report;
  const discovery = pool((s) => s.discovery);
  const internal = pool((s) => s.internal);
  return {
    key: spec.key,
    title: spec.title,
    mode: spec.mode,
    runs: runs.length,
    durationMs: mid('durationMs'),
    rfqToQuote: dist(pool((s) => s.latencies)),
    rfqsCreated: sum((s) => s.rfqsCreated),
    rfqsQuoted: pool((s) => s.latencies).length,
    firstInternalMs: median(all.map((s) => s.firstInternalMs)),
    rfqParts: {
      pushShare: discovery.length > 0 ? sum((s) => s.pushed) / discovery.length : Number.NaN,
      discoveryP50: p50(discovery),
      discoveryP99: percentile(discovery, 99),
      pollWaitP50: p50(pool((s) => s.pollWait)),
      marketDataP50: p50(pool((s) => s.marketData)),
      budgetWait: dist(pool((s) => s.budget)),
      createNetP50: p50(pool((s) => s.createNet)),
      internal: dist(internal),
    },
    acceptToConfirm: dist(pool((s) => s.confirmLatency)),
    accepts: sum((s) => s.accepts),
    confirms: pool((s) => s.confirmLatency).length,
    confirmParts: {
      watchWaitP50: p50(pool((s) => s.watchWait)),
      listingP50: p50(pool((s) => s.listing)),
      marketDataP50: p50(pool((s) => s.confirmMd)),
      budgetWait: dist(pool((s) => s.confirmBudget)),
      confirmBudgetWait: dist(pool((s) => s.confirmOwnBudget)),
      confirmNetP50: p50(pool((s) => s.confirmNet)),
      internal: dist(pool((s) => s.confirmInternal)),
    },
    writeBudgetUse: mid('writeBudgetUse'),
    http429: Math.max(...each.map((e) => e.http429)),
    http429Write: Math.max(...each.map((e) => e.http429Write)),
    tokensPerQuotedRfq: mid('tokensPerQuotedRfq'),
    requestsPerQuotedRfq: mid('requestsPerQuotedRfq'),
    rssMb: mid('rssMb'),
    peakRssMb: mid('peakRssMb'),
    heapUsedMb: mid('heapUsedMb'),
    heapAfterGcMb: mid('heapAfterGcMb'),
    rssAfterGcMb: mid('rssAfterGcMb'),
    memory: last.memory,
    eventLoopUtilization: mid('eventLoopUtilization'),
    compiled: first.compiled,
    stepsMs: first.steps.map((step) => (step.reached ? step.ms : Number.NaN)),
    tokensByEndpoint: tokensByEndpoint(last.counts.byEndpoint),
    cpuPercent: mid('cpuPercent'),
    journalCost: journalCost(
      runs,
      pool((s) => s.journalInSpan),
    ),
    lagP99Ms: mid('lagP99Ms'),
    lagMaxMs: mid('lagMaxMs'),
    bookSize: last.status.bookSize,
    liveQuotes: last.status.live,
    queuedWrites: {
      min: Math.min(...runs.map((r) => r.report.minQueuedWrites)),
      max: Math.max(...runs.map((r) => r.report.maxQueuedWrites)),
    },
    killSwitched: runs.some((r) => r.report.status.killSwitched),
  };
}
