import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { integrityCheck, JournalError, openJournalDatabase } from '../../../src/journal/database.js';
import type { FillRecord, JournalEvent } from '../../../src/journal/events.js';
import { Journal } from '../../../src/journal/journal.js';
import { JournalReader } from '../../../src/journal/queries.js';
import { SCHEMA_VERSION } from '../../../src/journal/schema.js';
import { entryArgs } from '../../helpers/entry.js';

const silent = pino({ level: 'silent' });
const T0 = Date.parse('2026-12-06T10:00:00Z');
const open: Journal[] = [];

function tempPath(name = 'journal.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'journal-')), name);
}

async function openJournal(path: string, extra: Partial<Parameters<typeof Journal.open>[0]> = {}) {
  const journal = await Journal.open({
    path,
    clock: systemClock,
    logger: silent,
    flushIntervalMs: 10,
    ...extra,
  });
  open.push(journal);
  return journal;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((j) => j.close()));
});

function fill(tradeId: string, at = T0): FillRecord {
  return {
    kind: 'fill',
    at,
    tradeId,
    orderId: `order-${tradeId}`,
    marketTicker: 'KXA-1',
    side: 'yes',
    contracts: 1_000,
    price: 450_000,
    fee: 70_000,
    isTaker: false,
    tradedAt: at,
    rfqId: 'rfq-1',
    quoteId: 'q-1',
    strategy: 'fixed-spread',
  };
}

describe('the journal', () => {
  it('creates and migrates a file in a new directory, in WAL mode', async () => {
    const path = tempPath('nested/dir/journal.db');
    const journal = await openJournal(path);
    expect(journal.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(journal.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('writes what it records, in order, with the RFQ and fill summaries', async () => {
    const journal = await openJournal(tempPath());
    journal.runId = 'run-1';
    const events: JournalEvent[] = [
      { kind: 'rfq_seen', at: T0, rfqId: 'rfq-1', marketTicker: 'KXA-1', contracts: 1_000, source: 'push' },
      {
        kind: 'rfq_seen',
        at: T0 + 500,
        rfqId: 'rfq-1',
        marketTicker: 'KXA-1',
        contracts: 1_000,
        source: 'poll',
      },
      {
        kind: 'decision',
        at: T0 + 1,
        rfqId: 'rfq-1',
        marketTicker: 'KXA-1',
        strategy: 'fixed-spread',
        outcome: 'quote',
        yesBid: 450_000,
        noBid: 500_000,
        fairValue: 480_000,
      },
      fill('t-1', T0 + 2_000),
      fill('t-1', T0 + 2_000),
      { kind: 'rfq_gone', at: T0 + 3_000, rfqId: 'rfq-1', reason: 'closed' },
    ];
    for (const event of events) journal.record(event);
    await journal.flush();

    const reader = new JournalReader(journal.db);
    expect([...reader.events(0, T0 + 10_000)].map((e) => e.kind)).toEqual([
      'rfq_seen',
      'rfq_seen',
      'decision',
      'fill',
      'rfq_gone',
    ]);
    expect(reader.fills(0, T0 + 10_000)).toEqual([
      expect.objectContaining({
        tradeId: 't-1',
        contracts: 1_000,
        price: 450_000,
        fee: 70_000,
        isTaker: false,
      }),
    ]);
    expect(reader.lastFillAt()).toBe(T0 + 2_000);
    const rfq = journal.db.prepare('SELECT * FROM rfqs').get() as Record<string, unknown>;
    expect(rfq).toMatchObject({
      first_seen: T0,
      last_seen: T0 + 3_000,
      gone_reason: 'closed',
      source: 'push',
    });
    expect(journal.health()).toMatchObject({ ok: true, pending: 0, written: 5, dropped: 0 });
    // What the bot thread paid to hand them over: one flush of all six, timed.
    expect(journal.cost).toMatchObject({ flushes: 1, events: events.length });
    expect(journal.cost.busyMs).toBeGreaterThan(0);
    expect(journal.cost.maxFlushMs).toBe(journal.cost.busyMs);
    expect(journal.cost.flushMicros.count).toBe(1);
  });

  it('lets a timed commit wait while RFQs are priced, for at most maxDeferMs; flush() never waits', async () => {
    const clock = new ManualClock(T0);
    const path = tempPath();
    const journal = await openJournal(path, { clock, flushIntervalMs: 100, maxDeferMs: 500 });
    let pricing = true;
    journal.deferWhile(() => pricing);
    const seen = (rfqId: string): JournalEvent => ({
      kind: 'rfq_seen',
      at: clock.now(),
      rfqId,
      marketTicker: 'KXA-1',
      contracts: 1_000,
      source: 'push',
    });

    journal.record(seen('rfq-1'));
    clock.advance(400);
    expect(journal.cost).toMatchObject({ flushes: 0, deferred: 4 });
    // the oldest pending event is 500 ms old: it goes, pricing or not
    clock.advance(100);
    expect(journal.cost.flushes).toBe(1);

    journal.record(seen('rfq-2'));
    clock.advance(100);
    expect(journal.cost.flushes).toBe(1);
    pricing = false;
    clock.advance(100);
    expect(journal.cost).toMatchObject({ flushes: 2, deferred: 5 });

    pricing = true;
    journal.record(seen('rfq-3'));
    await journal.flush();
    expect(journal.cost.flushes).toBe(3);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT rfq_id FROM events ORDER BY seq').pluck().all()).toEqual([
      'rfq-1',
      'rfq-2',
      'rfq-3',
    ]);
    db.close();
  });

  it('does not hold back a large batch: past 256 pending events a commit goes, pricing or not', async () => {
    const clock = new ManualClock(T0);
    const journal = await openJournal(tempPath(), { clock, flushIntervalMs: 100, maxDeferMs: 500 });
    journal.deferWhile(() => true);
    for (let i = 0; i < 255; i++) journal.record(fill(`t-${i}`));
    clock.advance(100);
    expect(journal.cost).toMatchObject({ flushes: 0, deferred: 1 });
    journal.record(fill('t-255'));
    clock.advance(100);
    expect(journal.cost).toMatchObject({ flushes: 1, deferred: 1, events: 256 });
  });

  it('with maxDeferMs 0 commits on every tick, pricing or not', async () => {
    const clock = new ManualClock(T0);
    const journal = await openJournal(tempPath(), { clock, flushIntervalMs: 100, maxDeferMs: 0 });
    journal.deferWhile(() => true);
    journal.record(fill('t-1'));
    clock.advance(100);
    expect(journal.cost).toMatchObject({ flushes: 1, deferred: 0 });
  });

  it('a clean close leaves the file alone: its write-ahead log checkpointed and removed', async () => {
    const path = tempPath();
    const journal = await openJournal(path);
    for (let i = 0; i < 100; i++) journal.record(fill(`t-${i}`));
    await journal.flush();
    expect(existsSync(`${path}-wal`)).toBe(true);
    await journal.close();
    expect([existsSync(`${path}-wal`), existsSync(`${path}-shm`)]).toEqual([false, false]);
    const db = openJournalDatabase(path, { readonly: true });
    expect(new JournalReader(db).fillTotals(0, T0 + 1)).toEqual({ count: 100, contracts: 100_000 });
    db.close();
  });

  it('refuses a path it cannot write, naming it, before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    writeFileSync(join(dir, 'plain-file'), 'x');
    const path = join(dir, 'plain-file', 'journal.db');
    const error = await Journal.open({ path, clock: systemClock, logger: silent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    expect(error).toMatchObject({ code: 'unwritable' });
    expect((error as Error).message).toContain(path);
  });

  it('refuses a file that is not a journal, and one from a newer schema', async () => {
    const garbage = tempPath();
    writeFileSync(
      garbage,
      'this is not a database, just text that is long enough to look like one'.repeat(100),
    );
    expect(() => openJournalDatabase(garbage)).toThrow(expect.objectContaining({ code: 'corrupt' }));

    const newer = tempPath();
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openJournalDatabase(newer)).toThrow(/newer than this bot's/);
  });

  it('reports a full disk once, keeps the events it could not write, and says so in its health', async () => {
    const errors: JournalError[] = [];
    const journal = await openJournal(tempPath(), { maxBytes: 64 * 1024, onError: (e) => errors.push(e) });
    const big = 'x'.repeat(2_000);
    for (let i = 0; i < 200; i++) {
      journal.record({ kind: 'rfq_gone', at: T0 + i, rfqId: `rfq-${i}`, reason: big });
    }
    await journal.flush();
    await journal.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'disk_full' });
    const health = journal.health();
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/disk is full/);
    expect(health.pending).toBe(200);
  });

  it('survives kill -9 while writing: the file checks clean and holds every acknowledged batch', async () => {
    const path = tempPath();
    const child = spawn(process.execPath, [...(await entryArgs('test/helpers/journal-child.ts')), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acknowledged = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const last = /flushed (\d+)\n$/.exec(chunk.toString());
        if (last) acknowledged = Number(last[1]);
        if (acknowledged >= 20_000) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const db = openJournalDatabase(path);
    expect(integrityCheck(db)).toBe('ok');
    const { n } = db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'rfq_seen'").get() as {
      n: number;
    };
    expect(n).toBeGreaterThanOrEqual(acknowledged);
    db.close();
  });

  it('prunes what is older than the retention', async () => {
    const journal = await openJournal(tempPath());
    journal.record(fill('old', T0 - 10 * 86_400_000));
    journal.record(fill('new', T0));
    await journal.flush();
    expect(await journal.prune(T0 - 86_400_000)).toBe(2);
    expect(new JournalReader(journal.db).fills(0, T0 + 1).map((f) => f.tradeId)).toEqual(['new']);
  });
});
