/**
 * The printed report: the machine, one table row per scenario, the targets, the baselines as
 * ratios, and as the last line one JSON object with the keys (plus details).
 */
import { cpus, release, totalmem } from 'node:os';
import type { ScenarioResult } from './analyze.js';
import { largestHeld, scaleRows } from './scale.js';
import { MEMORY_FIRST_FLAGS } from './scenarios.js';
import { fmt, ratio, round } from './stats.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly os: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

/** The keys whose scenarios feed the top-level figures. */
export const HEADLINE = {
  latency: 'push-0ms',
  flood: 'flood-0ms',
  memory: 'memory-10k',
  memoryUnbounded: 'memory-10k-unbounded',
  memoryFirst: 'memory-10k-small',
  memoryFirstLatency: 'push-0ms-small',
  burst: 'burst-100',
  inProcess: 'push-0ms-in-process',
  noJournal: 'push-0ms-no-journal',
  dash0: 'push-0ms-dash0',
  dash1: 'push-0ms-dash1',
  dash20: 'push-0ms-dash20',
  naiveSteady: 'naive-steady',
  naiveFlood: 'naive-flood',
  unbudgetedSteady: 'unbudgeted-steady',
  unbudgetedFlood: 'unbudgeted-flood',
} as const;

const WATCHER_MS = 250;

function pair(p50: number, p99: number, unit = ''): string {
  return `${fmt(p50, unit)} / ${fmt(p99, unit)}`;
}

function pct(value: number): string {
  return Number.isFinite(value) ? `${fmt(value * 100)}%` : '–';
}

export function table(results: readonly ScenarioResult[]): string[] {
  const header = [
    'scenario',
    'quoted',
    'RFQ→quote p50/p99',
    'internal p50/p99',
    'accept→confirm p50/p99',
    'write use',
    '429',
    'tokens/RFQ',
    'RSS MB',
    'CPU',
    'lag p99',
  ];
  const rows = results.map((r) => [
    r.key,
    r.rfqsCreated > 0 ? `${r.rfqsQuoted}/${r.rfqsCreated}` : `${r.accepts} acc`,
    pair(r.rfqToQuote.p50, r.rfqToQuote.p99),
    pair(r.rfqParts.internal.p50, r.rfqParts.internal.p99),
    `${pair(r.acceptToConfirm.p50, r.acceptToConfirm.p99)} (${r.confirms}/${r.accepts})`,
    pct(r.writeBudgetUse),
    String(r.http429),
    fmt(r.tokensPerQuotedRfq),
    fmt(r.rssMb),
    `${fmt(r.cpuPercent)}%`,
    fmt(r.lagP99Ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

interface Target {
  readonly name: string;
  readonly value: number | null;
  readonly limit: string;
  readonly met: boolean | null;
}

export function targets(byKey: ReadonlyMap<string, ScenarioResult>): Target[] {
  const out: Target[] = [];
  const latency = byKey.get(HEADLINE.latency);
  if (latency) {
    const v = latency.rfqParts.internal.p99;
    out.push({
      name: `internal RFQ→quote p99 (${latency.key})`,
      value: round(v),
      limit: '< 5 ms',
      met: v < 5,
    });
    const a = latency.acceptToConfirm.p99;
    out.push({
      name: `accept→confirm p99, no backlog (${latency.key})`,
      value: round(a),
      limit: `< ${WATCHER_MS + 10} ms`,
      met: a < WATCHER_MS + 10,
    });
  }
  const flood = byKey.get(HEADLINE.flood);
  if (flood) {
    const a = flood.acceptToConfirm.p99;
    out.push({
      name: `accept→confirm p99, ${fmt(flood.queuedWrites.min)}+ creates queued (${flood.key})`,
      value: round(a),
      limit: `< ${WATCHER_MS + 10} ms`,
      met: a < WATCHER_MS + 10,
    });
    out.push({
      name: `write budget used under the flood (${flood.key})`,
      value: round(flood.writeBudgetUse * 100),
      limit: '≥ 90 %',
      met: flood.writeBudgetUse >= 0.9,
    });
    out.push({
      name: `429s under the flood, read + write (${flood.key}: ${flood.http429Write} on writes)`,
      value: flood.http429,
      limit: '0',
      met: flood.http429 === 0,
    });
  }
  for (const key of [HEADLINE.memory, HEADLINE.memoryUnbounded, HEADLINE.memoryFirst]) {
    const memory = byKey.get(key);
    if (!memory) continue;
    out.push({
      name: `RSS with ${memory.bookSize} RFQs, ${memory.liveQuotes} live quotes (${memory.key})`,
      value: round(memory.rssMb),
      limit: '< 200 MB',
      met: memory.rssMb < 200,
    });
  }
  const burst = byKey.get(HEADLINE.burst);
  if (burst) {
    const v = burst.rfqParts.internal.p99;
    out.push({
      name: `internal RFQ→quote p99 in bursts (${burst.key})`,
      value: round(v),
      limit: '< 10 ms',
      met: v < 10,
    });
  }
  const parts = newParts(byKey);
  if (parts.journal.addedP99Ms !== null) {
    out.push({
      name: 'journal: internal p99 added (push-0ms vs push-0ms-no-journal)',
      value: parts.journal.addedP99Ms,
      limit: '≤ 0.5 ms',
      met: parts.journal.addedP99Ms <= 0.5,
    });
  }
  const journalCost = parts.journal.botThread;
  if (journalCost) {
    const inSpan = journalCost.inRfqSpanMs;
    out.push({
      name: `journal: its bot-thread time inside each RFQ's span (added → create), p99 of ${inSpan.n} RFQs (p50 ${round(inSpan.p50)}, max ${round(inSpan.max)}; flushes p99 ${round(journalCost.flushP99Ms)} ms, hooks ${round(journalCost.hookMsPerRfq * 1000)} µs per RFQ)`,
      value: round(inSpan.p99),
      limit: '≤ 0.5 ms',
      met: inSpan.p99 <= 0.5,
    });
  }
  if (parts.workers.addedP99Ms !== null) {
    out.push({
      name: 'worker threads: internal p99 added (push-0ms vs push-0ms-in-process)',
      value: parts.workers.addedP99Ms,
      limit: '< 1 ms',
      met: parts.workers.addedP99Ms < 1,
    });
  }
  if (parts.dashboards.dash20 && parts.dashboards.dash0) {
    const added = round(
      (parts.dashboards.dash20.p99 ?? Number.NaN) - (parts.dashboards.dash0.p99 ?? Number.NaN),
    );
    out.push({
      name: 'dashboards: internal p99 added by 20 open (push-0ms-dash20 vs dash0)',
      value: added,
      limit: 'within noise (< 1 ms)',
      met: added === null ? null : added < 1,
    });
  }
  return out;
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a - b));

/** What the journal, the dashboard and the worker threads add to push-0ms's internal time. */
function newParts(byKey: ReadonlyMap<string, ScenarioResult>) {
  const internal = (key: string) => {
    const r = byKey.get(key);
    return r ? p50p99(r.rfqParts.internal) : null;
  };
  const base = internal(HEADLINE.latency);
  const noJournal = internal(HEADLINE.noJournal);
  const inProcess = internal(HEADLINE.inProcess);
  return {
    journal: {
      onMs: base,
      offMs: noJournal,
      addedP50Ms: diff(base?.p50 ?? null, noJournal?.p50 ?? null),
      addedP99Ms: diff(base?.p99 ?? null, noJournal?.p99 ?? null),
      botThread: byKey.get(HEADLINE.latency)?.journalCost,
    },
    workers: {
      workerMs: base,
      inProcessMs: inProcess,
      addedP50Ms: diff(base?.p50 ?? null, inProcess?.p50 ?? null),
      addedP99Ms: diff(base?.p99 ?? null, inProcess?.p99 ?? null),
    },
    dashboards: {
      noOpsServer: base,
      dash0: internal(HEADLINE.dash0),
      dash1: internal(HEADLINE.dash1),
      dash20: internal(HEADLINE.dash20),
    },
  };
}

/**
 * The memory-first V8 flags (MEMORY_FIRST_FLAGS): the RSS they save at 10k RFQs against the
 * unbounded default, and what they add to push-0ms's internal time.
 */
function memoryFirst(byKey: ReadonlyMap<string, ScenarioResult>) {
  const small = byKey.get(HEADLINE.memoryFirst);
  const unbounded = byKey.get(HEADLINE.memoryUnbounded);
  const latency = byKey.get(HEADLINE.latency);
  const smallLatency = byKey.get(HEADLINE.memoryFirstLatency);
  const base = latency ? p50p99(latency.rfqParts.internal) : null;
  const withFlags = smallLatency ? p50p99(smallLatency.rfqParts.internal) : null;
  return {
    flags: MEMORY_FIRST_FLAGS,
    rssMbAt10kRfqs: round(small?.rssMb ?? Number.NaN),
    rssMbSaved: diff(unbounded ? round(unbounded.rssMb) : null, small ? round(small.rssMb) : null),
    internalMs: withFlags,
    addedP50Ms: diff(withFlags?.p50 ?? null, base?.p50 ?? null),
    addedP99Ms: diff(withFlags?.p99 ?? null, base?.p99 ?? null),
  };
}

/** A distribution's p50 and p99, rounded; null for a scenario that did not run. */
function p50p99(dist: { readonly p50: number; readonly p99: number } | undefined) {
  return { p50: round(dist?.p50 ?? Number.NaN), p99: round(dist?.p99 ?? Number.NaN) };
}

/** Baseline ÷ bot for the figures both have; above 1 means the baseline is worse (slower, costlier). */
function baseline(
  steady: ScenarioResult | undefined,
  flood: ScenarioResult | undefined,
  bot: ScenarioResult | undefined,
  botFlood: ScenarioResult | undefined,
) {
  return {
    rfqToQuoteMs: p50p99(steady?.rfqToQuote),
    rfqsQuotedShare: steady && steady.rfqsCreated > 0 ? round(steady.rfqsQuoted / steady.rfqsCreated) : null,
    acceptToConfirmMs: p50p99(steady?.acceptToConfirm),
    acceptToConfirmUnderFloodMs: {
      ...p50p99(flood?.acceptToConfirm),
      confirmed: flood ? `${flood.confirms}/${flood.accepts}` : null,
    },
    writeBudgetUse: round(flood?.writeBudgetUse ?? Number.NaN),
    http429: flood?.http429 ?? null,
    tokensPerQuotedRfq: round(steady?.tokensPerQuotedRfq ?? Number.NaN),
    killSwitchTripped: flood?.killSwitched ?? null,
    ratios: {
      rfqToQuoteP50: ratio(steady?.rfqToQuote.p50 ?? Number.NaN, bot?.rfqToQuote.p50 ?? Number.NaN),
      rfqToQuoteP99: ratio(steady?.rfqToQuote.p99 ?? Number.NaN, bot?.rfqToQuote.p99 ?? Number.NaN),
      acceptToConfirmP99: ratio(
        steady?.acceptToConfirm.p99 ?? Number.NaN,
        bot?.acceptToConfirm.p99 ?? Number.NaN,
      ),
      acceptToConfirmUnderFloodP99: ratio(
        flood?.acceptToConfirm.p99 ?? Number.NaN,
        botFlood?.acceptToConfirm.p99 ?? Number.NaN,
      ),
      writeBudgetUse: ratio(flood?.writeBudgetUse ?? Number.NaN, botFlood?.writeBudgetUse ?? Number.NaN),
      tokensPerQuotedRfq: ratio(
        steady?.tokensPerQuotedRfq ?? Number.NaN,
        bot?.tokensPerQuotedRfq ?? Number.NaN,
      ),
    },
  };
}

function detail(r: ScenarioResult) {
  return {
    title: r.title,
    runs: r.runs,
    firstInternalMs: round(r.firstInternalMs),
    quoted: `${r.rfqsQuoted}/${r.rfqsCreated}`,
    rfqToQuoteMs: p50p99(r.rfqToQuote),
    rfqParts: {
      pushShare: round(r.rfqParts.pushShare),
      discoveryP50: round(r.rfqParts.discoveryP50),
      pollWaitP50: round(r.rfqParts.pollWaitP50),
      marketDataP50: round(r.rfqParts.marketDataP50),
      budgetWaitP99: round(r.rfqParts.budgetWait.p99),
      createNetP50: round(r.rfqParts.createNetP50),
      internalP50: round(r.rfqParts.internal.p50),
      internalP99: round(r.rfqParts.internal.p99),
    },
    acceptToConfirmMs: p50p99(r.acceptToConfirm),
    confirmed: `${r.confirms}/${r.accepts}`,
    confirmParts: {
      watchWaitP50: round(r.confirmParts.watchWaitP50),
      listingP50: round(r.confirmParts.listingP50),
      readBudgetWaitP99: round(r.confirmParts.budgetWait.p99),
      confirmBudgetWaitP99: round(r.confirmParts.confirmBudgetWait.p99),
      internalP50: round(r.confirmParts.internal.p50),
      internalP99: round(r.confirmParts.internal.p99),
    },
    writeBudgetUse: round(r.writeBudgetUse),
    http429: r.http429,
    http429Write: r.http429Write,
    tokensPerQuotedRfq: round(r.tokensPerQuotedRfq),
    requestsPerQuotedRfq: round(r.requestsPerQuotedRfq),
    tokensByEndpoint: r.tokensByEndpoint,
    queuedCreates: r.queuedWrites,
    rssMb: round(r.rssMb),
    peakRssMb: round(r.peakRssMb),
    heapAfterGcMb: round(r.heapAfterGcMb),
    rssAfterGcMb: round(r.rssAfterGcMb),
    memory: {
      rssMb: round(r.memory.rssMb),
      heapTotalMb: round(r.memory.heapTotalMb),
      heapUsedMb: round(r.memory.heapUsedMb),
      externalMb: round(r.memory.externalMb),
      outsideHeapMb: round(r.memory.rssMb - r.memory.heapTotalMb - r.memory.externalMb),
      heapSpacesMb: Object.fromEntries(
        Object.entries(r.memory.heapSpacesMb).map(([space, mb]) => [space, round(mb)]),
      ),
      rssByMappingMb: Object.fromEntries(
        Object.entries(r.memory.rssByMappingMb ?? {}).map(([kind, mb]) => [kind, round(mb)]),
      ),
    },
    cpuPercent: round(r.cpuPercent),
    eventLoopUtilization: round(r.eventLoopUtilization),
    lagP99Ms: round(r.lagP99Ms),
    killSwitched: r.killSwitched,
    compiled: r.compiled,
  };
}

export function summary(
  results: readonly ScenarioResult[],
  variant: 'full' | 'quick',
  seconds: number,
  run: { readonly repeat: number; readonly loadAverage: number },
) {
  const byKey = new Map(results.map((r) => [r.key, r]));
  const latency = byKey.get(HEADLINE.latency);
  const flood = byKey.get(HEADLINE.flood);
  const memory = byKey.get(HEADLINE.memory);
  const unbounded = byKey.get(HEADLINE.memoryUnbounded);
  const burst = byKey.get(HEADLINE.burst);
  const scale = scaleRows(results);
  const held = largestHeld(scale);
  return {
    rfqToQuoteMs: p50p99(latency?.rfqToQuote),
    acceptToConfirmMs: {
      ...p50p99(latency?.acceptToConfirm),
      backlogP50: round(flood?.acceptToConfirm.p50 ?? Number.NaN),
      backlogP99: round(flood?.acceptToConfirm.p99 ?? Number.NaN),
    },
    writeBudgetUse: round(flood?.writeBudgetUse ?? Number.NaN),
    http429: flood?.http429 ?? null,
    tokensPerQuotedRfq: round(latency?.tokensPerQuotedRfq ?? Number.NaN),
    rssMbAt10kRfqs: round(memory?.rssMb ?? Number.NaN),
    eventLoopLagP99Ms: round(memory?.lagP99Ms ?? Number.NaN),
    baselines: {
      naiveSdk: baseline(byKey.get(HEADLINE.naiveSteady), byKey.get(HEADLINE.naiveFlood), latency, flood),
      unbudgeted: baseline(
        byKey.get(HEADLINE.unbudgetedSteady),
        byKey.get(HEADLINE.unbudgetedFlood),
        latency,
        flood,
      ),
    },
    internalRfqToQuoteMs: p50p99(latency?.rfqParts.internal),
    rssMbAt10kRfqsUnbounded: round(unbounded?.rssMb ?? Number.NaN),
    memoryFirst: memoryFirst(byKey),
    heapMbAt10kRfqs: {
      afterGc: round(memory?.heapAfterGcMb ?? Number.NaN),
      afterGcUnbounded: round(unbounded?.heapAfterGcMb ?? Number.NaN),
    },
    coldFirstRfqInternalMs: round(latency?.firstInternalMs ?? Number.NaN),
    burstInternalRfqToQuoteMs: p50p99(burst?.rfqParts.internal),
    newParts: newParts(byKey),
    scale: {
      rows: scale,
      largestHeld: held ? { open: held.open, ratePerSec: held.ratePerSec } : null,
    },
    targets: targets(byKey),
    variant,
    repeat: run.repeat,
    loadAverage: round(run.loadAverage),
    seconds: Math.round(seconds),
    machine: machine(),
    scenarios: Object.fromEntries(results.map((r) => [r.key, detail(r)])),
  };
}
