/**
 * The backtest's promise: a recording of a live run, replayed with the same strategy and the
 * recorded-accept taker model, gives the live run's fills and P&L. The live run is the real bot
 * (journal and `--record` on) against the simulator with synthetic takers (partial accepts on);
 * its fills are the exchange's own record of our trades. Tolerance: none — the same strategy on
 * the same recorded market data makes the same decisions, the same accepts come, the same trades
 * follow. (What would make a difference is kept out of this run and listed in docs/backtest.md:
 * read-budget waits that time the strategy out live, sweeps on another phase of the sweeper's
 * tick, random post-only crosses and server rolls.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { App } from '../../../src/app/app.js';
import { replay } from '../../../src/backtest/engine.js';
import { recordedTaker } from '../../../src/backtest/taker-models.js';
import { configOrThrow, loadConfigOrThrow } from '../../../src/config/index.js';
import { parseCount, parseDollars } from '../../../src/domain/money.js';
import type { JournalEvent } from '../../../src/journal/events.js';
import { fromRecordingLine } from '../../../src/journal/recording.js';
import { ReportAccumulator } from '../../../src/report/accumulator.js';
import { DEFAULT_LIFECYCLE } from '../../../src/simulator/index.js';
import { loadStrategies } from '../../../src/strategy/loader.js';
import { botEnv, botRawConfig, testLogger } from '../../helpers/bot.js';
import { merge } from '../../helpers/config.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

interface WireFill {
  readonly market_ticker: string;
  readonly outcome_side: 'yes' | 'no';
  readonly count_fp: string;
  readonly yes_price_dollars: string;
  readonly no_price_dollars: string;
  readonly fee_cost: string;
  readonly created_time: string;
}

const UNLIMITED = { read: { refillRate: 1e9, capacity: 1e9 }, write: { refillRate: 1e9, capacity: 1e9 } };
const LIFECYCLE = { confirmWindowMs: 5_000, executionDelayMs: 300, rfqTtlMs: 0 };
const QUOTE_WAIT_MS = 1_200;

/** One strategy decision, comparable across runs. */
function decisionKey(event: JournalEvent): string | undefined {
  if (event.kind !== 'decision') return undefined;
  return `${event.rfqId} ${event.outcome} ${event.yesBid ?? '-'} ${event.noBid ?? '-'} ${event.cause ?? ''}`;
}

describe('a backtest of a recorded simulator run', () => {
  it('reproduces the live decisions, fills and P&L with the same strategy and the recorded accepts', async () => {
    const ts = await startTestSimulator({
      seed: 21,
      // No rate limit to wait behind: a strategy that times out waiting for a book is a live
      // latency a replay does not have (the retry then prices later, on another book).
      rateLimits: UNLIMITED,
      walkIntervalMs: 500,
      truth: { partialAcceptShare: 0.3 },
      lifecycle: LIFECYCLE,
      takers: { ratePerMinute: 900, quoteWaitMs: [600, QUOTE_WAIT_MS], maxRounds: 2, deleteChance: 0 },
    });
    const user = ts.addUser({ balanceMicros: 10_000_000 * 1_000_000 });
    const { raw: base, dir } = botRawConfig(ts, {
      exchange: { confirmWindowMs: LIFECYCLE.confirmWindowMs },
      // No TTL pulls in this short run: their timing follows the sweeper's tick, not the recording.
      quoting: { ttlMs: 120_000, postOnly: false },
      strategies: { timeoutMs: 5_000, workers: { hardTimeoutMs: 10_000 } },
    });
    const raw = merge(base, { journal: { enabled: true, path: join(dir, 'journal.db') } });
    const recording = join(dir, 'run.jsonl');
    const app = new App(configOrThrow(raw, { env: botEnv(user), baseDir: dir }), {
      logger: testLogger(),
      signals: false,
      opsServer: false,
      record: recording,
    });
    await app.start();
    try {
      await waitFor(() => app.schedules.counters.executed >= 12, {
        timeoutMs: 60_000,
        what: '12 executions',
      });
      // Stop the flow; requesters already waiting decide within maxRounds × their wait, and every
      // accept then executes before the bot (and its recording) stops.
      expect((await ts.admin('POST', '/_sim/takers', { rate_per_minute: 0 })).status).toBe(200);
      const quietAt = Date.now() + 2 * QUOTE_WAIT_MS + 500;
      await waitFor(() => Date.now() > quietAt && [...app.store.awaitingFill()].length === 0, {
        timeoutMs: 30_000,
        what: 'the last requesters decided and every accept executed',
      });
    } finally {
      await app.stop('test finished');
    }

    const { body } = await ts.admin<{ fills: WireFill[] }>('GET', `/_sim/users/${user.userId}/fills`);
    const liveFills = body.fills.map((f) => ({
      marketTicker: f.market_ticker,
      side: f.outcome_side,
      contracts: parseCount(f.count_fp),
      price: parseDollars(f.outcome_side === 'yes' ? f.yes_price_dollars : f.no_price_dollars),
      fee: parseDollars(f.fee_cost),
      tradedAt: Date.parse(f.created_time),
    }));
    const live = new ReportAccumulator();
    for (const fill of [...liveFills].sort((a, b) => a.tradedAt - b.tradedAt)) live.fill(fill);
    const liveTotal = live.rows().total;
    expect(liveFills.length).toBeGreaterThanOrEqual(12);
    const liveDecisions = readFileSync(recording, 'utf8')
      .split('\n')
      .slice(1)
      .filter((line) => line !== '')
      .map((line, i) => decisionKey(fromRecordingLine(line, i + 2)))
      .filter((key) => key !== undefined);

    // The backtest: the bot's own config as a file, the recording, the default taker model.
    const configPath = join(dir, 'backtest.yaml');
    const { exchange: _exchange, ...rest } = raw;
    writeFileSync(
      configPath,
      stringify({ ...rest, exchange: { confirmWindowMs: LIFECYCLE.confirmWindowMs } }),
    );
    const config = loadConfigOrThrow({ path: configPath, env: {} });
    const logger = testLogger();
    const decisions: string[] = [];
    const fills: string[] = [];
    const result = await replay({
      input: recording,
      config,
      registry: await loadStrategies({ dir: config.strategies.dir, logger }),
      taker: recordedTaker(),
      label: 'replay',
      logger,
      // A standalone exchange: its delays are not in the recording's header.
      executionDelayMs: LIFECYCLE.executionDelayMs,
      hvExecutionDelayMs: DEFAULT_LIFECYCLE.hvExecutionDelayMs,
      onEvent: (event) => {
        const key = decisionKey(event);
        if (key !== undefined) decisions.push(key);
      },
      onFill: (f) => fills.push(`${f.marketTicker} ${f.side} ${f.contracts} @${f.price} fee ${f.fee}`),
    });

    expect(decisions.sort(), `decisions replaying ${recording}`).toEqual(liveDecisions.sort());
    const liveFillKeys = liveFills.map(
      (f) => `${f.marketTicker} ${f.side} ${f.contracts} @${f.price} fee ${f.fee}`,
    );
    expect(fills.sort(), `fills replaying ${recording}`).toEqual(liveFillKeys.sort());
    const replayed = result.numbers.total;
    expect(replayed.filledContracts).toBe(liveTotal.filledContracts);
    expect(replayed.fees).toBe(liveTotal.fees);
    expect(replayed.realized).toBe(liveTotal.realized);
  }, 120_000);
});
