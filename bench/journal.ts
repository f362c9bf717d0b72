/**
 * `npm run bench:journal [-- --events N]`: what the journal costs.
 * - the hot path: nanoseconds per `record()` (an array push, measured on the main thread);
 * - throughput: N events (default 1,000,000; a realistic mix of kinds) recorded as fast as the
 *   loop allows, flushed, and committed by the writer thread; wall time and events per second;
 * - the file: size after the run and per event;
 * - the main thread's event-loop delay while the writer works (what quoting would feel).
 * Prints a table and, last, one JSON line.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { systemClock } from '../src/domain/clock.js';
import type { JournalEvent } from '../src/journal/events.js';
import { Journal } from '../src/journal/journal.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const total = Number(values.events);
const dir = await mkdtemp(join(tmpdir(), 'bench-journal-'));
const path = join(dir, 'journal.db');

/** One event of a realistic mix: marks and quote transitions dominate, fills are rare. */
function event(i: number, at: number): JournalEvent {
  const rfqId = `rfq-${i >> 3}`;
  const marketTicker = `KXBENCH-26DEC-T${i % 97}`;
  switch (i % 8) {
    case 0:
      return {
        kind: 'rfq_seen',
        at,
        rfqId,
        marketTicker,
        eventTicker: 'KXBENCH-26DEC',
        contracts: 1_000,
        source: 'push',
      };
    case 1:
      return { kind: 'mark', at, marketTicker, mid: 450_000 + (i % 1000) };
    case 2:
      return {
        kind: 'decision',
        at,
        rfqId,
        marketTicker,
        strategy: 'fixed-spread',
        outcome: 'quote',
        yesBid: 430_000,
        noBid: 530_000,
        fairValue: 450_000,
      };
    case 3:
    case 4:
    case 5:
      return {
        kind: 'quote',
        at,
        rfqId,
        quoteId: `q-${i >> 3}`,
        marketTicker,
        strategy: 'fixed-spread',
        from: 'pending',
        to: 'open',
        yesBid: 430_000,
        noBid: 530_000,
        yesContracts: 1_000,
        noContracts: 1_000,
      };
    case 6:
      return i % 64 === 6
        ? {
            kind: 'fill',
            at,
            tradeId: `t-${i}`,
            orderId: `o-${i}`,
            marketTicker,
            side: 'yes',
            contracts: 1_000,
            price: 430_000,
            fee: 70_000,
            isTaker: false,
            tradedAt: at,
            rfqId,
            quoteId: `q-${i >> 3}`,
            strategy: 'fixed-spread',
          }
        : { kind: 'rfq_gone', at, rfqId, reason: 'closed' };
    default:
      return {
        kind: 'refusal',
        at,
        rfqId,
        marketTicker,
        strategy: 'fixed-spread',
        limit: 'maxOpenQuotesPerEvent',
      };
  }
}

const journal = await Journal.open({
  path,
  clock: systemClock,
  logger: pino({ level: 'silent' }),
  flushIntervalMs: 100,
});
journal.runId = 'bench';
const delay = monitorEventLoopDelay({ resolution: 5 });

// The hot path alone: record() into a journal whose batches are not yet sent.
const warm = 200_000;
const events = Array.from({ length: warm }, (_, i) => event(i, Date.now()));
const t0 = performance.now();
for (const e of events) journal.record(e);
const nsPerRecord = ((performance.now() - t0) * 1e6) / warm;
await journal.flush();

// Throughput: the rest, yielding between slices so the flush timer runs as in the bot.
delay.enable();
const started = performance.now();
let i = warm;
while (i < total) {
  const end = Math.min(total, i + 5_000);
  const at = Date.now();
  for (; i < end; i++) journal.record(event(i, at));
  await new Promise<void>((resolve) => setImmediate(resolve));
  // Sustained throughput, not the backlog cap: wait while the writer is well behind.
  if (journal.health().pending > 50_000) await journal.flush();
}
await journal.flush();
const seconds = (performance.now() - started) / 1000;
delay.disable();
const health = journal.health();
await journal.close();
const bytes = statSync(path).size;
await rm(dir, { recursive: true, force: true });

const result = {
  events: total,
  written: health.written,
  dropped: health.dropped,
  seconds: Number(seconds.toFixed(2)),
  eventsPerSecond: Math.round((total - warm) / seconds),
  nsPerRecord: Number(nsPerRecord.toFixed(0)),
  fileMb: Number((bytes / 1024 / 1024).toFixed(1)),
  bytesPerEvent: Math.round(bytes / health.written),
  loopDelayP99Ms: Number((delay.percentile(99) / 1e6).toFixed(2)),
  loopDelayMaxMs: Number((delay.max / 1e6).toFixed(2)),
};
process.stdout.write(
  [
    `journal: ${total.toLocaleString('en-US')} events recorded, ${health.written.toLocaleString('en-US')} committed, ${health.dropped.toLocaleString('en-US')} dropped (backlog above 200,000)`,
    `  record() on the hot path   ${result.nsPerRecord} ns per event`,
    `  recorded and committed     ${result.seconds} s (${result.eventsPerSecond.toLocaleString('en-US')} events/s; target: 1,000,000 in < 60 s)`,
    `  file                       ${result.fileMb} MB (${result.bytesPerEvent} bytes per event)`,
    `  main-thread loop delay     p99 ${result.loopDelayP99Ms} ms, max ${result.loopDelayMaxMs} ms while the writer works`,
    JSON.stringify(result),
  ].join('\n') + '\n',
);
