/**
 * Issue 15's "done when", with the bot as a real process (`src/main.ts`) on a simulator that
 * outlives it: the report CLI's fills, fees and realised P&L equal what the exchange's
 * `GET /portfolio/fills` says (the independent oracle), after a SIGTERM and after a `kill -9`;
 * the journal stays sound after the kill, and the day's loss carries over into the next run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { integrityCheck, openJournalDatabase } from '../../../src/journal/database.js';
import { type SimQuote, simQuotes } from '../../helpers/bot.js';
import { type BotProcess, spawnBot } from '../../helpers/bot-process.js';
import { entryArgs } from '../../helpers/entry.js';
import { decimalMicros, listFills, oracleBook, type WireFillRecord } from '../../helpers/fill-oracle.js';
import {
  type SimTestUser,
  startTestSimulator,
  type TestSimulator,
  waitFor,
} from '../../helpers/simulator.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const MARKET = 'KXCPI-26DEC-T0.2';
const DAY = 86_400_000;

/** Short confirm → execution, so an accept turns into fills within a fraction of a second. */
const LIFECYCLE = {
  confirmWindowMs: 5_000,
  executionDelayMs: 100,
  hvConfirmWindowMs: 3_000,
  hvExecutionDelayMs: 100,
};

interface LogLine {
  readonly msg?: string;
  readonly [key: string]: unknown;
}

function logLines(bot: BotProcess): LogLine[] {
  return bot
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function logged(bot: BotProcess, match: (line: LogLine) => boolean, what: string): Promise<LogLine> {
  return waitFor(() => logLines(bot).find(match), { timeoutMs: 15_000, what });
}

const distance = (a: bigint, b: bigint) => (a > b ? a - b : b - a);

/**
 * A requester asks for 10 contracts with the market's fair at `fair` and takes `side` of our
 * quote; resolves once the bot has booked the quote's fills.
 */
async function trade(
  ts: TestSimulator,
  user: SimTestUser,
  bot: BotProcess,
  fair: string,
  side: 'yes' | 'no',
) {
  expect((await ts.admin('PUT', `/_sim/markets/${MARKET}`, { fair_dollars: fair })).status).toBe(200);
  const quote = await quotedNear(ts, user, decimalMicros(fair) - 20_000n);
  const accepted = await ts.admin('POST', `/_sim/quotes/${quote.id}/accept`, { accepted_side: side });
  expect(accepted.status).toBe(200);
  await logged(
    bot,
    (line) => line['quoteId'] === quote.id && line['outcome'] === 'filled',
    `the fills of ${quote.id} booked`,
  );
}

/**
 * A new RFQ and our quote on it, priced on the book after the fair moved. The bot keeps a book
 * for 500 ms: a quote priced on the one from before is left (its RFQ closed) and asked again.
 */
async function quotedNear(ts: TestSimulator, user: SimTestUser, yesBid: bigint): Promise<SimQuote> {
  for (let attempt = 1; ; attempt++) {
    const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
      market_ticker: MARKET,
      count: 1,
      contracts: 10,
    });
    expect(res.status).toBe(201);
    const rfqId = res.body.ids[0]!;
    const quote = await waitFor(
      async () => (await simQuotes(ts, user, 'open')).find((q) => q.rfq_id === rfqId),
      {
        timeoutMs: 15_000,
        what: `our quote on ${rfqId}`,
      },
    );
    if (distance(decimalMicros(quote.yes_bid_dollars), yesBid) <= 30_000n) return quote;
    if (attempt === 20) throw new Error(`our quotes stay priced away from a YES bid of ${yesBid}`);
    expect((await ts.admin('POST', `/_sim/rfqs/${rfqId}/close`)).status).toBe(204);
  }
}

interface ReportTotal {
  readonly fills: number;
  readonly filledContracts: number;
  readonly realized: number;
  readonly fees: number;
}

/** `npm run report -- --json --journal FILE` as a process; the period spans today whatever the hour. */
async function reportTotal(journalPath: string): Promise<ReportTotal> {
  const now = Date.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      ...(await entryArgs('src/report/main.ts')),
      '--json',
      '--journal',
      journalPath,
      '--from',
      new Date(now - DAY).toISOString(),
      '--to',
      new Date(now + DAY).toISOString(),
    ],
    { cwd: ROOT },
  );
  const report = JSON.parse(stdout) as { units: Record<string, string>; total: ReportTotal };
  expect(report.units).toMatchObject({ money: 'micro-dollars', contracts: 'centi-contracts' });
  const { fills, filledContracts, realized, fees } = report.total;
  return { fills, filledContracts, realized, fees };
}

/** The exchange's account of the same fills, by the independent oracle. */
function oracleTotal(fills: readonly WireFillRecord[]): ReportTotal {
  const book = oracleBook(fills);
  const contracts = fills.reduce((sum, f) => sum + Number(decimalMicros(f.count_fp, 2)), 0);
  return { fills: book.fills, filledContracts: contracts, realized: book.realized, fees: book.fees };
}

/** A fresh exchange and journal; fast fill settling and listings. */
async function world() {
  const ts = await startTestSimulator({ userCount: 1, lifecycle: LIFECYCLE });
  const journalPath = join(mkdtempSync(join(tmpdir(), 'journal-process-')), 'journal.db');
  const patch = {
    journal: { path: journalPath },
    quoting: { fillSettleMs: 200, fillSyncIntervalMs: 500, fullListingIntervalMs: 400 },
  };
  return { ts, user: ts.users[0]!, journalPath, patch };
}

describe('the journal of a bot process against the exchange record', () => {
  it('after a SIGTERM, the report CLI has the fills, fees and realised P&L of GET /portfolio/fills', async () => {
    const { ts, user, journalPath, patch } = await world();
    const bot = spawnBot(ts, user, patch);
    // YES at a fair of 0.70, NO at 0.30 (a pair paying $1 that cost ~$1.36), YES again at 0.30.
    await trade(ts, user, bot, '0.70', 'yes');
    await trade(ts, user, bot, '0.30', 'no');
    await trade(ts, user, bot, '0.30', 'yes');
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);

    const exchange = oracleTotal(await listFills(ts.url, user.key));
    expect(exchange.fills).toBe(3);
    expect(exchange.realized).toBeLessThan(-3_000_000);
    expect(exchange.fees).toBeGreaterThan(0);
    expect(await reportTotal(journalPath)).toEqual(exchange);
  }, 30_000);

  it('after a kill -9 and a restart: the journal is sound, the day restored and its loss still stops quoting', async () => {
    const { ts, user, journalPath, patch } = await world();
    const killed = spawnBot(ts, user, patch);
    await trade(ts, user, killed, '0.70', 'yes');
    // The last trade: killed as soon as the exchange has its fill, booked and journaled or not.
    expect((await ts.admin('PUT', `/_sim/markets/${MARKET}`, { fair_dollars: '0.30' })).status).toBe(200);
    const last = await quotedNear(ts, user, 280_000n);
    expect((await ts.admin('POST', `/_sim/quotes/${last.id}/accept`, { accepted_side: 'no' })).status).toBe(
      200,
    );
    await waitFor(async () => (await listFills(ts.url, user.key)).length === 2, {
      what: 'the second fill at the exchange',
    });
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBe('SIGKILL');

    const db = openJournalDatabase(journalPath, { readonly: true });
    expect(integrityCheck(db)).toBe('ok');
    db.close();
    const day = oracleTotal(await listFills(ts.url, user.key));
    const dayLoss = -(day.realized - day.fees);
    expect(dayLoss).toBeGreaterThan(3_000_000);

    // The restart, with a daily loss limit the day's loss (made before the kill) exceeds.
    const restarted = spawnBot(ts, user, {
      ...patch,
      logging: { level: 'debug' },
      risk: { maxDailyLoss: (Math.floor(dayLoss / 10_000) / 100 - 1).toFixed(2) },
    });
    const restored = await logged(
      restarted,
      (line) => line.msg === "today's P&L rebuilt from fills",
      'the restore',
    );
    expect({ realized: restored['realized'], fees: restored['fees'] }).toEqual({
      realized: day.realized - day.fees,
      fees: day.fees,
    });
    // The restored day trips the switch before the bot starts quoting, not at its first mark.
    const tripped = await logged(
      restarted,
      (line) => line.msg === 'KILL SWITCH TRIPPED: pulling every quote, confirming nothing',
      'the kill switch to trip on the day’s loss',
    );
    expect(tripped['source']).toBe('loss');
    const quoting = await logged(restarted, (line) => line.msg === 'quoting', 'the bot to start quoting');
    expect(Date.parse(String(tripped['time']))).toBeLessThanOrEqual(Date.parse(String(quoting['time'])));
    const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
      market_ticker: MARKET,
      count: 1,
      contracts: 10,
    });
    await logged(
      restarted,
      (line) =>
        line.msg === 'RFQ skipped' &&
        line['rfqId'] === res.body.ids[0] &&
        /kill switch/.test(String(line['reason'])),
      'the new RFQ skipped for the tripped switch',
    );
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(await simQuotes(ts, user, 'open')).toEqual([]);
    expect(await reportTotal(journalPath)).toEqual(day);
  }, 30_000);
});
