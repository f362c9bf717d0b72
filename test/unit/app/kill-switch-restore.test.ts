import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { restoreKillSwitch } from '../../../src/app/kill-switch-restore.js';
import { openJournalDatabase } from '../../../src/journal/database.js';
import type { KillSwitchChange } from '../../../src/journal/events.js';
import { JournalInserter } from '../../../src/journal/inserter.js';
import { JournalReader } from '../../../src/journal/queries.js';
import { KillSwitch } from '../../../src/risk/kill-switch.js';
import { dayKey } from '../../../src/risk/zoned-time.js';

const NOW = Date.parse('2026-12-06T15:00:00Z');
const HOUR = 3_600_000;

function restoreFrom(changes: readonly Omit<KillSwitchChange, 'kind'>[], timeZone = 'UTC') {
  const db = openJournalDatabase(join(mkdtempSync(join(tmpdir(), 'kill-restore-')), 'journal.db'));
  new JournalInserter(db).write(
    changes.map((change) => ({ kind: 'kill_switch', ...change })),
    'run-1',
  );
  const killSwitch = new KillSwitch();
  const restored = restoreKillSwitch({
    reader: new JournalReader(db),
    killSwitch,
    dayOf: (at) => dayKey(at, timeZone),
    now: NOW,
    logger: pino({ level: 'silent' }),
  });
  db.close();
  return { restored, state: killSwitch.state };
}

const LOSS = 'daily P&L -$612.40 is below the max daily loss of $500';

describe('restoring the kill switch at startup', () => {
  it("trips again on today's loss or drawdown trip, with its reason and source", () => {
    const loss = restoreFrom([{ at: NOW - HOUR, tripped: true, reason: LOSS, source: 'loss' }]);
    expect(loss.state).toMatchObject({ tripped: true, reason: LOSS, source: 'loss' });
    const drawdown = restoreFrom([
      { at: NOW - 2 * HOUR, tripped: true, reason: 'drawdown', source: 'drawdown' },
    ]);
    expect(drawdown.state).toMatchObject({ tripped: true, source: 'drawdown' });
  });

  it("keeps an operator's trip (POST /kill, SIGUSR2) until resumed, whatever the day", () => {
    const http = restoreFrom([{ at: NOW - 30 * HOUR, tripped: true, reason: 'POST /kill', source: 'http' }]);
    expect(http.state).toMatchObject({ tripped: true, reason: 'POST /kill', source: 'http' });
    const signal = restoreFrom([{ at: NOW - HOUR, tripped: true, reason: 'SIGUSR2', source: 'signal' }]);
    expect(signal.state).toMatchObject({ tripped: true, source: 'signal' });
    const resumed = restoreFrom([
      { at: NOW - 2 * HOUR, tripped: true, reason: 'POST /kill', source: 'http' },
      { at: NOW - HOUR, tripped: false, reason: 'POST /resume', source: 'unknown' },
    ]);
    expect(resumed.state.tripped).toBe(false);
  });

  it('leaves it untripped when the trip was resumed, was of another day, or came from the file or exchange errors', () => {
    const resumed = restoreFrom([
      { at: NOW - 2 * HOUR, tripped: true, reason: LOSS, source: 'loss' },
      { at: NOW - HOUR, tripped: false, reason: LOSS, source: 'unknown' },
    ]);
    expect(resumed).toMatchObject({ restored: undefined, state: { tripped: false } });
    const yesterday = restoreFrom([{ at: NOW - 16 * HOUR, tripped: true, reason: LOSS, source: 'loss' }]);
    expect(yesterday).toMatchObject({ restored: undefined, state: { tripped: false } });
    // The kill file trips again by itself; after exchange errors the restart is the retry.
    const file = restoreFrom([{ at: NOW - HOUR, tripped: true, reason: 'kill file', source: 'file' }]);
    expect(file).toMatchObject({ restored: undefined, state: { tripped: false } });
    const errors = restoreFrom([
      { at: NOW - HOUR, tripped: true, reason: '5 errors in a row', source: 'exchange-errors' },
    ]);
    expect(errors).toMatchObject({ restored: undefined, state: { tripped: false } });
    expect(restoreFrom([]).state.tripped).toBe(false);
  });

  it("takes the day in the configured time zone: 20:00 New York yesterday is today's 01:00 UTC", () => {
    const at = Date.parse('2026-12-06T01:00:00Z');
    const trip = { at, tripped: true, reason: LOSS, source: 'loss' };
    expect(restoreFrom([trip], 'UTC').state.tripped).toBe(true);
    expect(restoreFrom([trip], 'America/New_York').state.tripped).toBe(false);
  });
});
