/**
 * The simulator's `--record`: the exchange's view of a session (every RFQ, every maker's quote
 * and accept, the makers' fills, markets, books and mids) in the recording format the backtest
 * reads. A bot quotes for a few seconds; the recording must parse line by line and replay.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/backtest/engine.js';
import { recordedTaker } from '../../../src/backtest/taker-models.js';
import { checkRecordingHeader, fromRecordingLine } from '../../../src/journal/recording.js';
import { loadStrategies } from '../../../src/strategy/loader.js';
import { startBot, testLogger } from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

const UNLIMITED = { read: { refillRate: 1e9, capacity: 1e9 }, write: { refillRate: 1e9, capacity: 1e9 } };

describe('a simulator recording', () => {
  it('holds the exchange view of a session and replays through the backtest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-record-'));
    const path = join(dir, 'exchange.jsonl');
    const ts = await startTestSimulator({
      seed: 5,
      record: path,
      rateLimits: UNLIMITED,
      walkIntervalMs: 500,
      truth: { partialAcceptShare: 0.5 },
      lifecycle: { confirmWindowMs: 5_000, executionDelayMs: 200, rfqTtlMs: 0 },
      takers: { ratePerMinute: 300, quoteWaitMs: [500, 900], maxRounds: 2, deleteChance: 0 },
    });
    const user = ts.addUser({ balanceMicros: 10_000_000 * 1_000_000 });
    const { app, config } = await startBot(ts, user, {
      exchange: { confirmWindowMs: 5_000 },
      quoting: { postOnly: false },
    });
    await waitFor(() => app.schedules.counters.executed >= 5, { timeoutMs: 60_000, what: '5 executions' });
    await app.stop('test finished');
    await ts.stop();

    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    const header = checkRecordingHeader(lines[0]!);
    expect(header).toMatchObject({
      source: 'simulator',
      seed: 5,
      executionDelayMs: 200,
      confirmWindowMs: 5_000,
    });
    const events = lines.slice(1).map((line, i) => fromRecordingLine(line, i + 2));
    const kinds = new Set(events.map((e) => e.kind));
    for (const kind of ['market', 'book', 'mark', 'rfq_seen', 'rfq_gone', 'quote', 'quote_accepted', 'fill'])
      expect(kinds).toContain(kind);
    // In time order, as a recording must be.
    expect(events.every((e, i) => i === 0 || e.at >= events[i - 1]!.at)).toBe(true);
    // Our trades (the only maker's) are there with the maker's label, at the sizes the requesters took.
    const label = ts.sim.context.accounts.all().find((u) => u.id === user.userId)?.label;
    const ours = events.filter((e) => e.kind === 'fill' && e.strategy === label);
    expect(ours.length).toBeGreaterThanOrEqual(5);
    const accepts = events.filter((e) => e.kind === 'quote_accepted');
    expect(accepts.some((a) => a.kind === 'quote_accepted' && a.contracts < (a.offered ?? 0))).toBe(true);

    const logger = testLogger();
    const result = await replay({
      input: path,
      config,
      registry: await loadStrategies({ dir: config.strategies.dir, logger }),
      taker: recordedTaker(),
      label: 'simulator recording',
      logger,
    });
    expect([result.executionDelayMs, result.hvExecutionDelayMs]).toEqual([200, 1_000]);
    expect(result.recorded).toBeUndefined();
    expect(result.input.rfqs).toBe(events.filter((e) => e.kind === 'rfq_seen').length);
    expect(result.numbers.total.quoted).toBeGreaterThan(0);
    expect(result.numbers.total.filledQuotes).toBeGreaterThan(0);
  }, 120_000);
});
